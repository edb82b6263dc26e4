"""`watcher validate`: what will fail later (clear secrets, unknown schemes, unset variables), `--online` trials on
a local site, and a channel with a problem disabled alone while the others still get notify-test and the service's
alerts."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import LocalSite, run_watcher, wait_until
from tests.test_notify import Webhook, free_port
from watcher.config.channels import load_channels
from watcher.config.targets import Config
from watcher.deliver.notify import Notifier, Outbox, tell_disabled_channels
from watcher.service.summary import paris_time, startup_lines

TARGETS = """targets:
  - id: accueil
    name: Accueil
    url: https://www.example.org/
"""
UNSET = "WATCHER_TEST_NEVER_SET"


def recorded_checks(folder: Path) -> list[tuple[str, int]]:
    """(status, alert) of the checks in FOLDER/snapshots/index.sqlite3, oldest first."""
    index = folder / "snapshots" / "index.sqlite3"
    if not index.is_file():
        return []
    with closing(sqlite3.connect(index)) as con:
        return con.execute("SELECT status, alert FROM checks ORDER BY id").fetchall()


def folder_with(tmp_path: Path, channels: str, targets: str = TARGETS) -> Path:
    (tmp_path / "notifiers").mkdir(parents=True, exist_ok=True)
    (tmp_path / "notifiers" / "channels.yaml").write_text(channels, encoding="utf-8")
    config = tmp_path / "targets.yaml"
    config.write_text(targets, encoding="utf-8")
    return config


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook(free_port())
    hook.start()
    yield hook
    hook.stop()


def test_clear_password_is_a_warning_naming_its_line_exit_0(tmp_path: Path) -> None:
    config = folder_with(tmp_path, "channels:\n  local: {urls: ['console://']}\n  equipe:\n    urls:\n"
                                   "      - 'mailtos://agent:hunter2@smtp.example.org:587?to=m@example.org'\n")
    run = run_watcher("validate", config)
    assert run.code == 0, run.err
    assert "configuration valide (1 page surveillée)" in run.out
    [warning] = [line for line in run.err.splitlines() if "attention" in line]
    assert warning.startswith(f"{tmp_path / 'notifiers' / 'channels.yaml'}:5: channels.equipe.urls[0]: attention")
    assert "${EQUIPE_PASSWORD}" in warning and "mailtos://agent:${EQUIPE_PASSWORD}@smtp.example.org:587" in warning
    assert "1 avertissement, aucune erreur" in run.err


def test_misspelt_scheme_and_unset_variable_are_errors_exit_2(tmp_path: Path) -> None:
    config = folder_with(tmp_path, "channels:\n  local: {urls: ['console://']}\n"
                                   "  equipe: {urls: ['mailt://127.0.0.1:2525?to=m@example.org']}\n"
                                   f"  tg: {{urls: ['tgram://${{{UNSET}}}/123']}}\n")
    run = run_watcher("validate", config)
    assert run.code == 2
    lines = run.err.splitlines()
    assert any(line.endswith("channels.yaml:3: channels.equipe.urls[0]: schéma mailt:// inconnu d'Apprise "
                             "— vouliez-vous dire mailto:// ?") for line in lines), run.err
    assert any(line.endswith(f"channels.yaml:4: channels.tg.urls[0]: la variable d'environnement {UNSET} "
                             "n'est pas définie") for line in lines), run.err
    assert "Traceback" not in run.err
    english = run_watcher("validate", config, "--lang", "en")
    assert "did you mean mailto://?" in english.err and english.code == 2


def test_unset_variable_disables_one_channel_notify_test_of_another_works(tmp_path: Path, webhook: Webhook) -> None:
    config = folder_with(tmp_path, f"channels:\n  equipe: {{urls: ['mailtos://u:${{{UNSET}}}@smtp.example.org"
                                   f"?to=m@example.org']}}\n"
                                   f"  hook: {{urls: ['json://127.0.0.1:{webhook.port}/alerte']}}\n")
    good = run_watcher("notify-test", "hook", "--config", config)
    assert good.code == 0 and good.out.startswith("OK hook json://127.0.0.1:"), good.out + good.err
    assert json.loads(webhook.posts[0][2])["attachments"][0]["filename"] == "exemple-avant-apres.png"
    bad = run_watcher("notify-test", "equipe", "--config", config)
    assert bad.code == 2 and len(bad.err.strip().splitlines()) == 1
    assert "channels.yaml:2: channels.equipe.urls[0]: canal « equipe » désactivé" in bad.err and UNSET in bad.err


def test_coordinators_are_told_once_and_stderr_when_there_is_no_coordinators_channel(tmp_path: Path) -> None:
    notifiers = tmp_path / "notifiers"
    folder_with(tmp_path, f"channels:\n  equipe: {{urls: ['tgram://${{{UNSET}}}/1']}}\n"
                          "  coord: {urls: ['watcherfile://coord.txt'], coordinators: true}\n")
    channels = load_channels(notifiers, env={})
    with Outbox(tmp_path / "outbox.sqlite3") as outbox:
        notifier = Notifier(outbox, channels)
        assert tell_disabled_channels(notifier) == []
        assert tell_disabled_channels(notifier) == []  # a second start says nothing new
        assert notifier.send_due().count("sent") == 1
    told = (notifiers / "coord.txt").read_text(encoding="utf-8")
    assert told.count("watcher : canal « equipe » désactivé") == 1 and "channels.yaml:2" in told
    folder_with(tmp_path, f"channels:\n  equipe: {{urls: ['tgram://${{{UNSET}}}/1']}}\n  local: {{urls: ['console://']}}\n")
    with Outbox(tmp_path / "outbox2.sqlite3") as outbox:
        lines = tell_disabled_channels(Notifier(outbox, load_channels(notifiers, env={})))
    assert len(lines) == 1 and "aucun canal de coordination" in lines[0] and UNSET in lines[0]


def test_startup_summary_lists_pages_channels_and_next_checks_in_paris_time(tmp_path: Path) -> None:
    folder_with(tmp_path, "channels:\n  local: {urls: ['console://']}\n"
                          "  equipe: {urls: ['mailt://127.0.0.1:25?to=m@example.org']}\n")
    config = Config.model_validate({"targets": [{"id": "a", "name": "A", "url": "https://example.org/"},
                                                {"id": "b", "name": "B", "url": "https://example.org/b"}]})
    winter, summer = datetime(2026, 1, 5, 6, 0, tzinfo=UTC), datetime(2026, 7, 6, 6, 0, tzinfo=UTC)
    lines = startup_lines(config, load_channels(tmp_path / "notifiers", env={}), [("b", summer), ("a", winter)])
    assert lines[0] == "watcher run : 2 pages surveillées, 0 procédure rejouée"
    assert "  canal local : console://" in lines
    assert any(line.startswith("  canal equipe DÉSACTIVÉ : ") and "mailto://" in line for line in lines)
    assert lines[-3:] == ["Prochaines vérifications (heure de Paris) :", "  lun. 05/01 07:00  a",
                          "  lun. 06/07 08:00  b"]
    assert paris_time(winter, "en") == "Mon 05/01 07:00"


SITE_HOME = """<html lang="fr"><body><header><nav aria-label="Menu"><a href="/compte">Mon Compte</a></nav></header>
<main><h1>Accueil</h1><p>Bienvenue</p></main></body></html>"""
SITE_ACCOUNT = """<html lang="fr"><body><main><h1>Mon Compte</h1><a href="/creer">Créer mon compte</a>
</main></body></html>"""


@pytest.mark.browser
def test_validate_online_tries_each_page_and_procedure_and_stores_nothing(tmp_path: Path,
                                                                          local_site: LocalSite) -> None:
    local_site.routes["/"] = SITE_HOME
    local_site.routes["/compte"] = SITE_ACCOUNT
    config = folder_with(tmp_path, "channels:\n  local: {urls: ['console://']}\n", f"""targets:
  - id: accueil
    name: Accueil
    url: {local_site.url("/")}
    timeout: 10
    procedures:
      - name: Aller à Mon Compte
        steps:
          - click: {{role: link, name: "Mon Compte"}}
          - expect: {{role: heading, name: "Mon Compte"}}
      - name: Ancien menu
        steps:
          - click: {{role: link, name: "Mon espace personnel"}}
  - id: absente
    name: Page absente
    url: {local_site.url("/absente")}
    timeout: 10
""")
    run = run_watcher("validate", config, "--online", timeout=180)
    lines = run.out.splitlines()
    assert run.code == 2, run.out + run.err
    assert any(line.startswith("OK    accueil — page chargée") for line in lines), run.out
    assert "OK    accueil — la procédure « Aller à Mon Compte » fonctionne (2 étapes)" in lines
    assert any(line.startswith("ÉCHEC accueil — la procédure « Ancien menu » ne passe plus à l'étape 1")
               for line in lines), run.out
    assert any(line.startswith("ÉCHEC absente — page injoignable") for line in lines), run.out
    assert lines[-1] == "1/2 pages et 1/2 procédures fonctionnent"
    assert not (tmp_path / "snapshots").exists()  # a trial, never a reference


def _output(proc: subprocess.Popen[str]) -> str:  # the service's output, once stopped
    proc.send_signal(signal.SIGTERM)
    return proc.communicate(timeout=30)[0]


@pytest.mark.browser
def test_service_sends_to_the_other_channels_and_says_what_is_disabled(tmp_path: Path, local_site: LocalSite,
                                                                       webhook: Webhook) -> None:
    page = {"html": SITE_HOME}

    def answer(handler: object) -> None:
        body = page["html"].encode()
        handler.send_response(200)  # type: ignore[attr-defined]
        handler.send_header("Content-Type", "text/html; charset=utf-8")  # type: ignore[attr-defined]
        handler.end_headers()  # type: ignore[attr-defined]
        handler.wfile.write(body)  # type: ignore[attr-defined]

    local_site.routes["/"] = answer
    config = folder_with(tmp_path, f"""channels:
  equipe: {{urls: ['mailtos://u:${{{UNSET}}}@smtp.example.org?to=m@example.org'], min_severity: info}}
  hook: {{urls: ['json://127.0.0.1:{webhook.port}/alerte'], min_severity: info}}
  coord: {{urls: ['watcherfile://coordination.txt'], coordinators: true}}
""", f"""targets:
  - id: accueil
    name: Accueil
    url: {local_site.url("/")}
    schedule: every 10s
    timeout: 10
""")
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "run", "--config", str(config), "--confirm-delay", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        coordination = tmp_path / "notifiers" / "coordination.txt"
        assert wait_until(coordination.is_file, 120), _output(proc)
        assert wait_until(lambda: len(recorded_checks(tmp_path)) >= 1, 120), _output(proc)  # the first capture is V1
        page["html"] = SITE_HOME.replace("Mon Compte", "Mon espace personnel")
        assert wait_until(lambda: len(webhook.posts) >= 1, 120), _output(proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=30)[0]
    assert "watcher run : 1 page surveillée, 0 procédure rejouée" in out
    assert "canal equipe DÉSACTIVÉ" in out and UNSET in out
    assert "Prochaines vérifications (heure de Paris) :" in out
    alert = json.loads(webhook.posts[0][2])
    assert "Mon espace personnel" in alert["message"]
    assert "canal « equipe » désactivé" in coordination.read_text(encoding="utf-8")


ROOT = Path(__file__).resolve().parents[1]


def test_shipped_targets_pass_validate_and_every_procedure_is_public_and_to_be_confirmed() -> None:
    run = run_watcher("validate", ROOT / "targets.yaml")
    assert run.code == 0 and run.err == "", run.err
    from watcher.config.targets import load_config

    config = load_config(ROOT / "targets.yaml")
    ids = {target.id for target in config.targets}
    assert {"caf-accueil", "caf-aides", "impots-accueil", "ants-permis", "ants-immatriculation", "france-travail",
            "ameli", "service-public", "yeps", "aptic-pass-numerique", "france-services", "boite-mail"} <= ids
    assert all(target.procedures for target in config.targets)
    procedures = [p for target in config.targets for p in target.procedures]
    text = (ROOT / "targets.yaml").read_text(encoding="utf-8")
    assert text.count("      # à confirmer en ligne") == len(procedures)
    assert {step.action for p in procedures for step in p.steps} <= {"click", "expect"}  # never typed, never sent


def test_a_missing_channels_file_is_a_warning_and_an_unknown_channel_is_named(tmp_path: Path) -> None:
    (tmp_path / "targets.yaml").write_text(
        "targets:\n  - id: a\n    name: A\n    url: https://example.org/\n", encoding="utf-8")
    result = run_watcher("validate", cwd=tmp_path)
    assert result.code == 0 and "fichier absent" in result.err and "personne ne les reçoit" in result.err
    missing = run_watcher("notify-test", "local", cwd=tmp_path)
    assert missing.code == 2 and "watcher init le crée" in missing.err and "<built-in" not in missing.err
    (tmp_path / "notifiers").mkdir()
    (tmp_path / "notifiers" / "channels.yaml").write_text(
        'channels:\n  mail:\n    urls: ["console://"]\n', encoding="utf-8")
    typo = run_watcher("notify-test", "mial", cwd=tmp_path)
    assert typo.code == 2 and "canal inconnu « mial »" in typo.err and "vouliez-vous dire « mail »" in typo.err


MAINTENANCE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mairie</title></head><body>
<header><nav><a href="/">Accueil</a></nav></header><main><h1>Site en maintenance</h1>
<p>Le service est momentanément indisponible pour cause de maintenance. Merci de réessayer plus tard.</p></main>
<footer><a href="/mentions">Mentions légales</a></footer></body></html>"""


def test_validate_online_does_not_call_a_maintenance_page_working(tmp_path: Path, local_site: LocalSite) -> None:
    """Served with HTTP 200, a maintenance page is not the interface the procedures will be replayed on."""
    local_site.routes["/demarches"] = MAINTENANCE
    config = tmp_path / "targets.yaml"
    config.write_text(f"targets:\n  - id: mairie\n    name: Mairie\n    url: {local_site.url('/demarches')}\n",
                      encoding="utf-8")
    run = run_watcher("validate", config, "--online", timeout=180)
    assert run.code == 2 and "Traceback" not in run.err
    assert "ÉCHEC mairie — la page répond mais n'est pas son interface (page de maintenance" in run.out + run.err
    assert not (tmp_path / "snapshots").exists() or not any((tmp_path / "snapshots").rglob("dom.html"))


def test_validate_file_works_in_a_folder_without_targets_yaml(tmp_path: Path) -> None:
    """`watcher validate FILE` reads FILE, not the --config default: run where no targets.yaml exists."""
    config = folder_with(tmp_path / "site", "channels:\n  local: {urls: ['console://']}\n")
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    run = run_watcher("validate", config, cwd=elsewhere)
    assert run.code == 0, run.err
    assert "configuration valide (1 page surveillée)" in run.out
    missing = run_watcher("validate", cwd=elsewhere)
    assert missing.code == 2 and "Traceback" not in missing.err
    assert missing.err.count("\n") == 1 and "watcher init" in missing.err


def test_a_broken_channels_file_is_reported_once(tmp_path: Path) -> None:
    config = folder_with(tmp_path, "channels:\n  a: [oops\n")
    run = run_watcher("validate", config)
    assert run.code == 2 and "Traceback" not in run.err
    assert len(run.err.strip().splitlines()) == 1 and "channels.yaml:3: erreur de syntaxe YAML" in run.err
