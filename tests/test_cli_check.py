"""`watcher check` and `watcher history` as coordinators and other tools call them (public contract)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.conftest import LocalSite, run_watcher

pytestmark = pytest.mark.browser

V1 = """<html lang="fr"><body><header><nav aria-label="Menu"><a href="/compte">Mon Compte</a></nav></header>
<main><h1>Accueil</h1><form action="/go"><label for="cp">Code postal</label><input id="cp">
<button>Se connecter</button></form></main></body></html>"""
V2 = V1.replace("Se connecter", "Accéder à mon espace")


class Switch:
    """Serves `html`; `once` is served for the next request only (a page that flaps)."""

    def __init__(self, html: str) -> None:
        self.html = html
        self.once: str | None = None

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        body = self.once or self.html
        self.once = None
        data = body.encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def config(tmp_path: Path, site: LocalSite) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(f"""targets:
  - id: accueil
    name: Accueil de test
    url: {site.url('/')}
    tags: [test]
  - id: panne
    name: Page en panne
    url: {site.url('/panne')}
    timeout: 5
""", encoding="utf-8")
    return path


def test_check_json_contract_history_and_exit_codes(tmp_path: Path, local_site: LocalSite) -> None:
    page = Switch(V1)
    local_site.routes["/"] = page
    cfg = config(tmp_path, local_site)
    first = run_watcher("check", "--config", cfg, "--format", "json")
    assert first.code == 0, first.err
    data = json.loads(first.out)
    assert [t["id"] for t in data["targets"]] == ["accueil", "panne"]
    accueil, panne = data["targets"]
    assert {"id", "status", "alert", "changes", "procedures", "snapshot"} <= set(accueil)
    assert accueil["status"] == "new" and accueil["alert"] is False
    assert Path(accueil["snapshot"]).is_dir() and Path(accueil["snapshot"]).parent.parent == tmp_path / "snapshots"
    assert panne["status"] == "unreachable" and panne["reason"] == "HTTP 404" and panne["alert"] is False

    page.html = V2
    second = run_watcher("check", "accueil", "--config", cfg, "--format", "json")
    assert second.code == 1, second.err
    [target] = json.loads(second.out)["targets"]
    assert target["status"] == "changed" and target["alert"] is True
    [change] = [c for c in target["changes"] if c["kind"] == "renamed"]
    assert change["role"] == "button"
    assert change["before"]["name"] == "Se connecter" and change["after"]["name"] == "Accéder à mon espace"
    assert set(change) >= {"kind", "role", "before", "after", "landmark", "severity", "summary"}
    assert "Se connecter" in change["summary"]

    third = run_watcher("check", "accueil", "--config", cfg, "--format", "json")
    assert third.code == 0 and json.loads(third.out)["targets"][0]["status"] == "unchanged"

    history = run_watcher("history", "accueil", "--config", cfg, "--format", "json")
    checks = json.loads(history.out)
    assert checks["target"] == "accueil"
    assert [c["status"] for c in checks["checks"]] == ["new", "changed", "unchanged"]
    assert [c["alert"] for c in checks["checks"]] == [False, True, False]
    assert all({"time", "status", "alert", "snapshot"} <= set(c) for c in checks["checks"])

    text = run_watcher("check", "accueil", "--config", cfg)
    assert text.code == 0 and "inchangé" in text.out


def test_unknown_target_is_a_one_line_error(tmp_path: Path, local_site: LocalSite) -> None:
    result = run_watcher("check", "nope", "--config", config(tmp_path, local_site))
    assert result.code == 2 and "page inconnue « nope »" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_check_confirm_ignores_a_flap_and_keeps_a_real_change(tmp_path: Path, local_site: LocalSite) -> None:
    page = Switch(V1)
    local_site.routes["/"] = page
    cfg = config(tmp_path, local_site)
    assert run_watcher("check", "accueil", "--config", cfg).code == 0
    page.once = V2  # seen by the first check only
    flap = run_watcher("check", "accueil", "--config", cfg, "--confirm", "--confirm-delay", "0.5",
                       "--format", "json")
    assert flap.code == 0, flap.out + flap.err
    assert json.loads(flap.out)["targets"][0]["alert"] is False
    page.html = V2
    real = run_watcher("check", "accueil", "--config", cfg, "--confirm", "--confirm-delay", "0.5",
                       "--format", "json")
    assert real.code == 1
    assert json.loads(real.out)["targets"][0]["alert"] is True
    history = json.loads(run_watcher("history", "accueil", "--config", cfg, "--format", "json").out)
    assert [c["alert"] for c in history["checks"]].count(True) == 1


def test_click_usage_errors_are_one_line_in_french_with_the_help_named(capsys: pytest.CaptureFixture[str]) -> None:
    from watcher.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    code, _, err = run("chek")
    assert code == 2 and err.strip() == "watcher: commande inconnue « chek » ; vouliez-vous dire check, schema ? (aide : watcher --help)"
    code, _, err = run("explain")
    assert code == 2 and "il manque CHANGE_ID" in err and "watcher explain --help" in err
    code, _, err = run("check", "--format", "xml")
    assert code == 2 and "valeur invalide pour --format : « xml »" in err
    code, _, err = run("run", "--port", "99999")
    assert code == 2 and "--port : 99999 n'est pas entre 0 et 65535" in err and "range" not in err
    code, _, err = run("run", "--port", "abc")
    assert code == 2 and "« abc » n'est pas un nombre entier" in err
    code, _, err = run("check", "--confirm-delay", "x")
    assert code == 2 and "« x » n'est pas un nombre" in err and "float" not in err
    code, _, err = run("notify-test", "--lang", "en")
    assert code == 2 and "CHANNEL is missing" in err
    code, out, err = run()  # `watcher` alone: the help on stdout, no error
    assert code == 0 and out.startswith("Utilisation : watcher") and err == ""


def test_check_lines_follow_each_language_typography() -> None:
    from datetime import UTC, datetime

    from watcher.cli.commands.check import format_result
    from watcher.config.targets import Target
    from watcher.service.check import CheckResult

    result = CheckResult(target=Target(id="a", name="A", url="https://example.org/"), time=datetime.now(UTC),
                         status="unreachable", reason="timeout")
    assert "  raison : délai dépassé" in format_result(result, "fr")
    assert "  reason: timed out" in format_result(result, "en")
