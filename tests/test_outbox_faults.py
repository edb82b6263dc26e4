"""Exactly-once delivery under faults (issue 16 item 1), with real processes on loopback.

- a check and its alerts are one transaction: a process killed inside it leaves neither;
- a webhook that is down, then answers 500, then hangs, then is up: every alert arrives, and the only copies
  are re-sent attempts carrying the same `Idempotency-Key`;
- `watcher outbox retry` killed (SIGKILL) or stopped (SIGTERM) at random moments during delivery, several times,
  then a last run: every alert delivered; an alert received more than once only after an attempt recorded as
  interrupted, and for webhooks always with the same key (the documented exception, README « Déploiement »).

Bounded in time (every wait has a deadline); no assertion on how long anything took.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import run_watcher, wait_until
from watcher.config.channels import load_channels
from watcher.deliver.notify import Notifier, Outbox, guarantee, with_idempotency_key
from watcher.report.alerts import Alert, AlertChange
from watcher.store.snapshots import Store

# kill -9 and SIGTERM on real processes: with `make test`'s workers (pytest-xdist, --dist loadgroup) these run
# one after another on one worker, with the service's process kills
pytestmark = pytest.mark.xdist_group("process_kills")

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Hook:
    """A webhook receiver on loopback whose behaviour the test sets: `down` (nothing listens), `error` (500),
    `hang` (answers after `hang_s`, past the sender's timeout), `up` (200 after `delay_s`).

    Every request is logged when it arrives, with its Idempotency-Key, as a receiver would see it."""

    port: int = field(default_factory=free_port)
    mode: str = "up"
    hang_s: float = 3.0
    delay_s: float = 0.0
    received: list[tuple[str, str, str]] = field(default_factory=list)  # (key, mode, body title)
    arrived: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - name fixed by http.server
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    title = str(json.loads(body).get("title", ""))
                except ValueError:
                    title = ""
                mode = hook.mode
                hook.received.append((self.headers.get("Idempotency-Key", ""), mode, title))
                hook.arrived.set()
                time.sleep(hook.hang_s if mode == "hang" else hook.delay_s)
                try:
                    self.send_response(500 if mode == "error" else 200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up (timeout, killed)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def keys(self) -> list[str]:
        return [key for key, _mode, _title in self.received]


@pytest.fixture
def hook() -> Iterator[Hook]:
    receiver = Hook()
    yield receiver
    receiver.stop()


def alert(n: int) -> Alert:
    change = AlertChange("renamed", "button", "major",
                         {"fr": f"Le bouton « Étape {n} » a changé", "en": f"Button “Step {n}” changed"},
                         {"fr": f"le bouton « Étape {n} » a changé", "en": f"“Step {n}” changed"},
                         f"Étape {n}", f"Étape {n} bis", "main")
    return Alert(f"page-{n}", f"Page {n}", f"https://example.org/{n}", (change,),
                 datetime(2026, 1, 5, 9, 0, tzinfo=UTC), ("test",))


def setup(tmp_path: Path, urls: list[str], count: int) -> Path:
    """A snapshots folder whose outbox holds `count` alerts for a channel with `urls`; returns targets.yaml."""
    notifiers = tmp_path / "notifiers"
    notifiers.mkdir()
    listed = "\n".join(f"      - '{url}'" for url in urls)
    (notifiers / "channels.yaml").write_text(f"channels:\n  reseau:\n    urls:\n{listed}\n", encoding="utf-8")
    config = tmp_path / "targets.yaml"
    config.write_text("targets: []\n", encoding="utf-8")
    with Outbox.at(tmp_path / "snapshots") as box:
        notifier = Notifier(box, load_channels(notifiers))
        for n in range(count):
            assert notifier.queue_alert(alert(n)).count("queued") == len(urls)
    return config


def rows(tmp_path: Path) -> list[tuple[int, str, str, str, int, int]]:
    with closing(sqlite3.connect(tmp_path / "snapshots" / "index.sqlite3")) as db:
        return db.execute("SELECT id, key, destination, status, attempts, interrupted FROM outbox ORDER BY id"
                          ).fetchall()


def retry(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "watcher", "outbox", "retry", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out


def test_urls_carry_an_idempotency_key_only_where_the_protocol_can() -> None:
    assert with_idempotency_key("json://127.0.0.1:8/hook", "k1") == "json://127.0.0.1:8/hook?+Idempotency-Key=k1"
    assert with_idempotency_key("forms://h/x?rto=1", "k1") == "forms://h/x?rto=1&+Idempotency-Key=k1"
    assert with_idempotency_key("mailto://u:p@h", "k1") == "mailto://u:p@h"
    assert guarantee("xml://h/x") == "idempotent" and guarantee("mailtos://h") == "at-least-once"


def test_a_check_and_its_alerts_commit_together_or_not_at_all(tmp_path: Path) -> None:
    """kill -9 inside the transaction that records a check and queues its alert: neither is kept; after the
    commit, both are."""
    script = textwrap.dedent("""
        import os, signal, sys
        from datetime import UTC, datetime
        from pathlib import Path
        from watcher.config.channels import load_channels
        from watcher.deliver.notify import Notifier, Outbox
        from watcher.store.snapshots import Store
        from tests.test_outbox_faults import alert
        store = Store(Path(sys.argv[1]))
        notifier = Notifier(Outbox.of_store(store), load_channels(None))
        def queue(check_id):
            notifier.queue_alert(alert(check_id))
            if sys.argv[2] == "inside":
                os.kill(os.getpid(), signal.SIGKILL)
        store.record_check("page", datetime.now(UTC), "changed", alert=True, within=queue)
        if sys.argv[2] == "after":
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    snapshots = tmp_path / "snapshots"

    def counts() -> tuple[int, int]:
        with closing(sqlite3.connect(snapshots / "index.sqlite3")) as db:
            return (db.execute("SELECT COUNT(*) FROM checks").fetchone()[0],
                    db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    for moment, expected in (("inside", (0, 0)), ("after", (1, 1))):
        proc = subprocess.run([sys.executable, "-c", script, str(snapshots), moment], cwd=REPO, timeout=120,
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert counts() == expected


def test_webhook_down_then_500_then_hanging_then_up_gets_every_alert(tmp_path: Path, hook: Hook) -> None:
    config = setup(tmp_path, [f"json://127.0.0.1:{hook.port}/alertes?rto=1&cto=1"], 3)
    code, _ = finish(retry(config))  # down: nothing listens
    assert code != 0 and hook.received == []
    assert {r[3] for r in rows(tmp_path)} == {"pending"}
    hook.start()
    for mode in ("error", "hang"):
        hook.mode = mode
        code, out = finish(retry(config))
        assert code != 0, out
        assert {r[3] for r in rows(tmp_path)} == {"pending"}
    hook.mode = "up"
    code, out = finish(retry(config))
    assert code == 0, out
    stored = rows(tmp_path)
    assert [r[3] for r in stored] == ["sent"] * 3
    keys = {r[1] for r in stored}
    assert len(keys) == 3 and all(hook.keys())
    # every alert arrived once answered 200; each other copy (500, hang) carried the same key as its alert's
    answered = [key for key, mode, _title in hook.received if mode == "up"]
    assert sorted(answered) == sorted(keys)
    assert set(hook.keys()) == keys and len(hook.received) == 9
    titles = {key: {title for k, _m, title in hook.received if k == key} for key in keys}
    assert all(len(same) == 1 for same in titles.values())  # one key, one alert
    assert "Étape" in out or out  # the command reports per destination


@pytest.mark.timeout(300)  # up to nine real processes, each importing the package: a loaded machine takes a while
def test_kill_and_sigterm_during_delivery_lose_nothing_and_duplicate_only_interrupted_attempts(
        tmp_path: Path, hook: Hook) -> None:
    alerts_file = tmp_path / "alertes.txt"
    hook.delay_s = 0.4  # each post takes a while: kills land mid-send
    hook.start()
    count = 8
    config = setup(tmp_path, [f"json://127.0.0.1:{hook.port}/alertes", f"watcherfile://{alerts_file}"], count)
    rng = random.Random(16)
    for _round in range(8):
        proc = retry(config)
        hook.arrived.clear()
        assert wait_until(lambda p=proc: hook.arrived.is_set() or p.poll() is not None, 60)  # type: ignore[misc]
        time.sleep(rng.uniform(0.0, 0.5))
        sig = rng.choice([signal.SIGKILL, signal.SIGTERM])
        if proc.poll() is None:
            proc.send_signal(sig)
        code, out = finish(proc)
        assert "closed database" not in out and "Traceback" not in out, out
        if all(r[3] == "sent" for r in rows(tmp_path)):
            break
    code, out = finish(retry(config))  # the last run, left alone
    assert code == 0, out
    stored = rows(tmp_path)
    assert [r[3] for r in stored] == ["sent"] * (2 * count)
    # the webhook: every alert arrived; a copy only after an interrupted attempt, always with the same key
    for _id, key, destination, _status, _attempts, interrupted in stored:
        if destination.startswith("json://"):
            got = hook.keys().count(key)
            assert 1 <= got <= 1 + interrupted, (key, got, interrupted)
    assert len(set(hook.keys())) == count and "" not in hook.keys()
    # the file channel (at-least-once): every alert there, twice only after an interrupted attempt
    text = alerts_file.read_text(encoding="utf-8")
    title_of = {key: title for key, _mode, title in hook.received}
    for (_id, key, _d, _s, _a, _i), (_id2, _key2, destination, _status, _attempts, interrupted) in zip(
            stored[::2], stored[1::2], strict=True):  # rows were queued alert by alert: webhook, then file
        assert destination.startswith("watcherfile://")
        got = text.count(title_of[key] + "\n===")  # each message: its title, underlined
        assert 1 <= got <= 1 + interrupted, (title_of[key], got, interrupted)
    print(f"interrupted attempts: {sum(r[5] for r in stored)}, webhook posts: {len(hook.received)}")
    listing = run_watcher("outbox", "--config", config)
    assert listing.code == 0
    if any(r[5] for r in stored):  # the ambiguity is shown, in French
        assert "interrompu" in listing.out


def test_a_closed_store_refuses_work_instead_of_touching_sqlite(tmp_path: Path) -> None:
    from watcher.errors import StoreError

    store = Store(tmp_path / "snapshots")
    box = Outbox.of_store(store)
    store.close()
    box.close()
    with pytest.raises(StoreError):
        store.history("x")
    with pytest.raises(StoreError):
        box.entries()


def test_an_outbox_file_of_an_earlier_version_moves_into_the_index_once(tmp_path: Path) -> None:
    snapshots = tmp_path / "snapshots"
    channels = load_channels(None)
    with Outbox(snapshots / "outbox.sqlite3") as old:
        Notifier(old, channels).queue_alert(alert(1))
        [before] = old.entries()
    with Outbox.at(snapshots) as box:
        [moved] = box.entries()
    assert moved.title == before.title
    assert moved.status == before.status == "pending"
    assert not (snapshots / "outbox.sqlite3").exists() and (snapshots / "outbox.sqlite3.merged").exists()
    with Outbox.at(snapshots) as box:  # once: nothing merged twice
        assert len(box.entries()) == 1


def test_the_web_alerts_page_shows_an_interrupted_attempt_in_french() -> None:
    from types import SimpleNamespace

    from watcher.deliver.notify import OutboxEntry
    from watcher.web.app import _ENV
    from watcher.web.texts import STATUS_SYMBOL, WORDS, ui

    entries = [OutboxEntry(1, "alert", "mediateurs", "json://hook.example/***", "caf", "sent", "Démarche", 2,
                           "2026-01-05T09:00:00+00:00", "2026-01-05T09:00:00+00:00", "2026-01-05T09:01:00+00:00",
                           None, (), 1, "idempotent"),
               OutboxEntry(2, "alert", "local", "mailto://***@mail.example", "caf", "sent", "Démarche", 2,
                           "2026-01-05T09:00:00+00:00", "2026-01-05T09:00:00+00:00", "2026-01-05T09:01:00+00:00",
                           None, (), 1, "at-least-once")]
    html = _ENV.get_template("alerts.html").render(
        t=lambda key, **v: ui(key, "fr", **v), cli_t=lambda key, **v: key, role_label=lambda role: role, lang="fr",
        session=SimpleNamespace(role="coordinator", user="coord"), csrf="", path="/alerts", symbols=STATUS_SYMBOL,
        entries=entries, channels=[], channel_error=None, message=None, paris=lambda when: when,
        outbox_words=WORDS)
    assert "renvoyé avec la même clé d&#39;idempotence" in html or "renvoyé avec la même clé d'idempotence" in html
    assert "doublon possible" in html
