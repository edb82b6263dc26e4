"""A site that serves a maintenance page (or half renders) with HTTP 200, then comes back: `watcher check` and
the service record `degraded`, never alert, never take it as the reference, and the real page is no change."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.conftest import LocalSite, run_watcher, wait_until
from watcher.store.snapshots import Store

pytestmark = pytest.mark.browser

SHELL = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head><body>
<header role="banner"><a href="/">Mairie de Saint-Exemple</a>{menu}</header>
{main}
<footer role="contentinfo"><a href="/contact">Contacter la mairie</a><a href="/mentions">Mentions légales</a>
<a href="/accessibilite">Accessibilité</a></footer></body></html>"""
MENU = """<nav aria-label="Menu principal"><ul><li><a href="/rdv">Prendre rendez-vous</a></li>
<li><a href="/annuler">Annuler un rendez-vous</a></li><li><a href="/pieces">Pièces à fournir</a></li>
<li><a href="/etat-civil">État civil</a></li></ul></nav>"""
FORM = """<main><h1>Rendez-vous carte d'identité</h1><form action="/creneaux">
<label for="d">Votre démarche</label><select id="d"><option>Carte d'identité</option><option>Passeport</option></select>
<label for="p">Numéro de pré-demande</label><input id="p" required>
<button>Voir les créneaux</button></form><a href="/aide">Besoin d'aide ?</a></main>"""
MAINTENANCE = """<main><h1>Service momentanément indisponible</h1><p>La prise de rendez-vous est en cours de
maintenance. Merci de réessayer plus tard.</p><a href="/">Revenir à l'accueil</a></main>"""

REAL = SHELL.format(title="Rendez-vous — Mairie", menu=MENU, main=FORM)
MAINTENANCE_PAGE = SHELL.format(title="Maintenance — Mairie", menu=MENU, main=MAINTENANCE)
MENU_NOT_RENDERED = SHELL.format(title="Rendez-vous — Mairie", menu='<nav aria-label="Menu principal"></nav>',
                                 main=FORM)
PROCEDURE = """    procedures:
      - name: Prendre rendez-vous
        steps:
          - select: {label: "Votre démarche", option: "Passeport"}
          - expect: {role: button, name: "Voir les créneaux"}
"""


class Served:
    """The page the site answers, always with HTTP 200."""

    def __init__(self, html: str) -> None:
        self.html = html

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        data = self.html.encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def write_config(folder: Path, url: str, schedule: str = "every 1d", extra: str = "") -> Path:
    config = folder / "targets.yaml"
    config.write_text(f"""targets:
  - id: rdv
    name: Rendez-vous
    url: {url}
    schedule: {schedule}
    timeout: 5
{extra}""", encoding="utf-8")
    return config


def check(config: Path) -> dict:
    result = run_watcher("check", "--config", config, "--format", "json")
    assert result.code == 0, result.out + result.err
    entry: dict = json.loads(result.out)["targets"][0]
    return entry


def test_check_records_a_maintenance_page_as_degraded_and_the_real_page_coming_back_is_no_change(
        tmp_path: Path, local_site: LocalSite) -> None:
    page = Served(REAL)
    local_site.routes["/"] = page
    config = write_config(tmp_path, local_site.url("/"), extra=PROCEDURE)
    first = check(config)
    assert first["status"] == "new" and first["procedures"][0]["status"] == "ok", first

    page.html = MAINTENANCE_PAGE
    degraded = check(config)
    assert degraded["status"] == "degraded" and degraded["alert"] is False and degraded["changes"] == []
    assert degraded["reason"] == "maintenance" and "maintenance" in degraded["degraded_evidence"].lower()
    assert [p["status"] for p in degraded["procedures"]] == ["unreachable"]  # not replayed, not « bloquée »
    assert Path(degraded["snapshot"]).is_dir()  # kept for the record
    with Store(tmp_path / "snapshots") as store:
        assert store.baseline("rdv") == Path(first["snapshot"])  # never the reference

    page.html = MENU_NOT_RENDERED
    partial = check(config)
    assert partial["status"] == "degraded" and partial["reason"] == "partial" and partial["alert"] is False

    page.html = REAL
    back = check(config)
    assert back["status"] == "unchanged" and back["alert"] is False and back["changes"] == []
    assert back["snapshot"] == first["snapshot"]

    history = run_watcher("history", "rdv", "--config", config)
    degraded_row = next(line for line in history.out.splitlines() if "dégradé" in line)
    assert history.code == 0 and "page de maintenance" in degraded_row, history.out  # status and why, one row
    as_json = json.loads(run_watcher("history", "rdv", "--config", config, "--format", "json").out)
    assert [c["status"] for c in as_json["checks"]] == ["new", "degraded", "degraded", "unchanged"]
    explained = run_watcher("explain", "2", "--config", config)
    assert explained.code == 0 and "Page dégradée" in explained.out and "ignore" not in explained.out, explained.out
    changelog = run_watcher("changelog", "build", "--no-pdf", "--out", tmp_path / "site", "--config", config)
    assert changelog.code == 0, changelog.err
    assert not list((tmp_path / "site").glob("changes/*/*/index.html"))  # degraded checks are no changes
    text = run_watcher("check", "--config", config, "--lang", "en")
    assert text.code == 0 and "unchanged" in text.out


def test_first_check_on_a_maintenance_page_is_degraded_and_the_real_page_becomes_the_first_reference(
        tmp_path: Path, local_site: LocalSite) -> None:
    page = Served(MAINTENANCE_PAGE.replace("<h1>Service momentanément indisponible</h1>", "<h1>Maintenance</h1>"))
    local_site.routes["/"] = page
    config = write_config(tmp_path, local_site.url("/"))
    assert check(config)["status"] == "degraded"
    page.html = REAL
    assert check(config)["status"] == "new"


def test_a_procedure_stopped_by_a_maintenance_page_midway_is_not_broken(tmp_path: Path,
                                                                        local_site: LocalSite) -> None:
    booking = Served(REAL)
    local_site.routes["/"] = Served(SHELL.format(title="Mairie", menu=MENU, main="<main><h1>Accueil</h1></main>"))
    local_site.routes["/rdv"] = booking
    config = write_config(tmp_path, local_site.url("/"), extra="""    procedures:
      - name: Prendre rendez-vous
        steps:
          - click: {role: link, name: "Prendre rendez-vous"}
          - expect: {role: button, name: "Voir les créneaux"}
""")
    assert check(config)["procedures"][0]["status"] == "ok"
    booking.html = MAINTENANCE_PAGE
    second = check(config)
    assert second["alert"] is False and second["status"] == "unchanged", second
    run = second["procedures"][0]
    assert run["status"] == "unreachable" and run["reason"] == "degraded: maintenance", run
    assert "n'a pas pu être vérifiée : page dégradée (page de maintenance" in run["message"]
    booking.html = REAL
    third = check(config)
    assert third["alert"] is False and third["procedures"][0]["status"] == "ok"


def statuses(folder: Path) -> list[tuple[str, int, str | None]]:
    db = folder / "snapshots" / "index.sqlite3"
    if not db.exists():
        return []
    with closing(sqlite3.connect(db)) as con:
        try:
            return con.execute("SELECT status, alert, confirmation FROM checks ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # the service is still creating its index
            return []


@pytest.fixture
def service() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


def test_service_records_degraded_without_alert_and_keeps_the_reference(
        tmp_path: Path, local_site: LocalSite, service: list[subprocess.Popen[str]]) -> None:
    page = Served(REAL)
    local_site.routes["/"] = page
    config = write_config(tmp_path, local_site.url("/"), schedule="every 10s")
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "run", "--config", str(config), "--confirm-delay", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    service.append(proc)
    assert wait_until(lambda: len(statuses(tmp_path)) >= 1, 30)
    page.html = MAINTENANCE_PAGE
    assert wait_until(lambda: any(s[0] == "degraded" for s in statuses(tmp_path)), 30), statuses(tmp_path)
    page.html = REAL
    assert wait_until(lambda: statuses(tmp_path)[-1][0] in ("unchanged", "changed"), 30), statuses(tmp_path)
    proc.terminate()
    assert proc.wait(30) == 0
    rows = statuses(tmp_path)
    assert rows[0][0] == "new" and not any(alert for _s, alert, _c in rows), rows
    assert not any(confirmation for _s, _a, confirmation in rows), rows  # nothing waited for confirmation
    assert rows[-1][0] == "unchanged", rows
    with Store(tmp_path / "snapshots") as store:
        first = store.history("rdv")[0]
        assert store.baseline("rdv") == store.path(first.snapshot)
