"""`watcher check` delivers like the service (issue 15 item 4), and `watcher run` stops cleanly mid-send
(issue 16 item 1): real processes, Chromium, an SMTP server (aiosmtpd) and a webhook on loopback."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import LocalSite, run_watcher, wait_until
from tests.test_notify import Mailbox, free_port, mailto
from tests.test_outbox_faults import Hook

pytestmark = pytest.mark.browser

V1 = """<html lang="fr"><body><header><nav aria-label="Menu"><a href="/compte">Mon Compte</a></nav></header>
<main><h1>Accueil</h1><form action="/go"><label for="cp">Code postal</label><input id="cp">
<button>Se connecter</button></form></main></body></html>"""
V2 = V1.replace("Se connecter", "Accéder à mon espace")
V3 = V2.replace("Mon Compte", "Mon espace personnel")


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller

    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def hook() -> Iterator[Hook]:
    receiver = Hook()
    receiver.start()
    yield receiver
    receiver.stop()


def write(tmp_path: Path, site: LocalSite, channels: str) -> Path:
    config = tmp_path / "targets.yaml"
    config.write_text(f"""targets:
  - id: accueil
    name: Accueil de test
    url: {site.url('/')}
    tags: [test]
    timeout: 10
""", encoding="utf-8")
    (tmp_path / "notifiers").mkdir()
    (tmp_path / "notifiers" / "channels.yaml").write_text(channels, encoding="utf-8")
    return config


def outbox(tmp_path: Path) -> list[tuple[str, str, int]]:
    with closing(sqlite3.connect(tmp_path / "snapshots" / "index.sqlite3")) as db:
        return db.execute("SELECT channel, status, interrupted FROM outbox WHERE kind = 'alert' ORDER BY id"
                          ).fetchall()


def test_check_sends_one_mail_and_one_post_per_alert_and_nothing_with_no_notify(
        tmp_path: Path, local_site: LocalSite, smtp: tuple[Mailbox, int], hook: Hook) -> None:
    mailbox, port = smtp
    local_site.routes["/"] = V1
    config = write(tmp_path, local_site, f"""channels:
  local:
    urls: ['{mailto(port)}']
  mediateurs-drouais:
    urls: ['json://127.0.0.1:{hook.port}/alertes']
""")
    first = run_watcher("check", "--config", config)
    assert first.code == 0, first.err
    assert "Aucune alerte à envoyer" in first.out and mailbox.messages == [] and hook.received == []

    local_site.routes["/"] = V2
    second = run_watcher("check", "--config", config)
    assert second.code == 1, second.err
    assert "Alerte envoyée à : local, mediateurs-drouais" in second.out, second.out
    assert len(mailbox.messages) == 1 and len(hook.received) == 1
    [key] = hook.keys()
    assert len(key) == 64  # the row's idempotency key, as the Idempotency-Key header
    history = json.loads(run_watcher("history", "accueil", "--config", config, "--format", "json").out)
    change = history["checks"][-1]["id"]
    assert f"Changement n° {change} : « watcher explain {change} »" in second.out
    assert run_watcher("explain", str(change), "--config", config).code == 0

    local_site.routes["/"] = V3
    trial = run_watcher("check", "--config", config, "--no-notify", "--format", "json")
    assert trial.code == 1, trial.err
    data = json.loads(trial.out)
    assert data["notify"] is False and data["targets"][0]["notified"] == []
    assert isinstance(data["targets"][0]["check_id"], int)
    assert len(mailbox.messages) == 1 and len(hook.received) == 1  # nothing more
    text = run_watcher("check", "--config", config, "--no-notify")
    assert "--no-notify" in text.out and len(mailbox.messages) == 1 and len(hook.received) == 1
    assert [row[1] for row in outbox(tmp_path)] == ["sent", "sent"]
    assert "essai, non envoyée" in run_watcher("history", "accueil", "--config", config).out
    checks = json.loads(run_watcher("history", "accueil", "--config", config, "--format", "json").out)["checks"]
    assert [c.get("trial", False) for c in checks[-2:]] == [True, True] and not any(c.get("trial") for c in checks[:-2])

    # a trial never becomes the baseline: the next check sees the same change and sends it
    real = run_watcher("check", "--config", config)
    assert real.code == 1, real.out
    assert "Alerte envoyée à : local, mediateurs-drouais" in real.out, real.out
    assert len(mailbox.messages) == 2 and len(hook.received) == 2


def start_run(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "watcher", "run", "--config", str(config), "--confirm-delay",
                             "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_run_killed_mid_send_resends_with_the_same_key_and_sigterm_waits_for_the_send(
        tmp_path: Path, local_site: LocalSite, hook: Hook) -> None:
    """kill -9 of `watcher run` while a webhook post is in flight: the next run resolves the claim and sends
    again with the same Idempotency-Key; SIGTERM while a post is in flight: the post ends, is recorded, and the
    service exits 0 without touching a closed database."""
    local_site.routes["/"] = V1
    config = write(tmp_path, local_site, f"""channels:
  mediateurs:
    urls: ['json://127.0.0.1:{hook.port}/alertes']
""")
    (tmp_path / "targets.yaml").write_text(config.read_text().replace("timeout: 10", "timeout: 10\n    schedule: every 10s"))
    assert run_watcher("check", "--config", config).code == 0  # the baseline
    local_site.routes["/"] = V2
    hook.delay_s = 3.0  # the post stays in flight a while
    procs: list[subprocess.Popen[str]] = []
    try:
        first = start_run(config)
        procs.append(first)
        assert wait_until(hook.arrived.is_set, 120)
        first.kill()  # kill -9 mid-send
        first.communicate(timeout=30)
        assert outbox(tmp_path) == [("mediateurs", "sending", 0)]  # claimed, attempt counted, outcome unknown

        hook.arrived.clear()
        second = start_run(config)
        procs.append(second)
        assert wait_until(hook.arrived.is_set, 120)  # the stale claim resolved: sent again
        second.send_signal(signal.SIGTERM)  # while that post is in flight
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 0, out
        assert "closed database" not in out and "Traceback" not in out, out
        assert outbox(tmp_path) == [("mediateurs", "sent", 1)]  # recorded before the close
        keys = hook.keys()
        assert len(keys) == 2 and keys[0] == keys[1] and len(keys[0]) == 64  # the copy carries the same key
        listing = run_watcher("outbox", "--config", config)
        assert "renvoyé avec la même clé d'idempotence" in listing.out, listing.out
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=30)
