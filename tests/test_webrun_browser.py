"""`watcher run --web` as a real process, in a real Chromium on loopback: log in, « Vérifier maintenant » → the
service's scheduler checks → the page shows the new check; SIGTERM stops the service and the web page, exit 0.
Every wait is bounded."""

from __future__ import annotations

import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from conftest import LocalSite, wait_until
from playwright.sync_api import Page, expect, sync_playwright

from watcher.capture.browser import LAUNCH_ARGS, find_chromium, sandbox_enabled
from watcher.store.snapshots import Store
from watcher.web.accounts import Accounts

pytestmark = pytest.mark.browser

PASSWORD = "un-mot-de-passe-long"
V1 = """<!doctype html><html lang="fr"><head><title>Mairie — acte</title></head><body>
<header><nav aria-label="Menu principal"><a href="/">Accueil</a></nav></header>
<main><h1>Demander un acte</h1><form action="/envoyer"><label for="nom">Nom</label><input id="nom" name="nom">
<button type="submit">Envoyer la demande</button></form></main></body></html>"""
V2 = V1.replace("Envoyer la demande", "Valider la demande")


class Output:
    """The lines a process prints, read in a thread (a pipe left unread would block it)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line)

    def find(self, pattern: str) -> re.Match[str] | None:
        return next((m for line in list(self.lines) if (m := re.search(pattern, line))), None)


def checks(root: Path) -> list[tuple[int, str]]:
    db = root / "snapshots" / "index.sqlite3"
    if not db.exists():
        return []
    with closing(sqlite3.connect(db)) as con:
        try:
            return con.execute("SELECT id, status FROM checks ORDER BY id").fetchall()
        except sqlite3.OperationalError:
            return []


@pytest.fixture
def service(tmp_path: Path, local_site: LocalSite) -> Iterator[tuple[subprocess.Popen[str], Output]]:
    local_site.routes["/acte.html"] = V1
    (tmp_path / "targets.yaml").write_text(
        "targets:\n  - id: mairie\n    name: Mairie\n    url: " + local_site.url("/acte.html")
        + "\n    schedule: every 1h\n    timeout: 10\n    min_severity: minor\n", encoding="utf-8")
    with Store(tmp_path / "snapshots") as store:
        Accounts(store).add("alice", PASSWORD)
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "run", "--web", "--port", "0", "--confirm-delay", "0"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = Output(proc)
    try:
        yield proc, output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        output.thread.join(10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_run_web_checks_now_in_the_service_and_stops_on_sigterm(
        tmp_path: Path, local_site: LocalSite, service: tuple[subprocess.Popen[str], Output]) -> None:
    proc, output = service
    assert wait_until(lambda: output.find(r"http://127\.0\.0\.1:(\d+)/") is not None or proc.poll() is not None,
                      timeout=60), "".join(output.lines)
    found = output.find(r"http://127\.0\.0\.1:(\d+)/")
    assert found is not None, "".join(output.lines)
    base, port = found.group(0).rstrip("/"), int(found.group(1))
    assert wait_until(lambda: len(checks(tmp_path)) == 1, timeout=60), "".join(output.lines)  # start-up check

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS,
                                    chromium_sandbox=sandbox_enabled())
        try:
            page: Page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(20_000)
            page.goto(base + "/")
            page.get_by_label("Identifiant").fill("alice")
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.get_by_role("button", name="Se connecter").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
            expect(page.locator("dd", has_text="chaque heure")).to_be_visible()  # the schedule in words
            page.goto(base + "/page/mairie")
            local_site.routes["/acte.html"] = V2
            page.get_by_role("button", name="Vérifier maintenant").click()
            # queued or already running: the page reloads by itself until the service answers
            expect(page.get_by_role("status")).to_contain_text("Dernière vérification demandée ici : changé",
                                                               timeout=90_000)
            expect(page.get_by_role("status")).to_contain_text("Vérification faite par le service")
            page.get_by_role("link", name="Voir cette vérification").click()
            expect(page.locator("ul.changes")).to_contain_text("Valider la demande")
        finally:
            browser.close()

    statuses = [status for _, status in checks(tmp_path)]
    assert statuses == ["new", "changed"]  # the service made the check, once
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(45) == 0, "".join(output.lines)
    assert time.monotonic() - started < 45
    with closing(socket.socket()) as probe:  # the web page stopped with the service
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert "Traceback" not in "".join(output.lines)
