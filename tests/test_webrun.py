"""The web page with the service (issue 17 item 3), without a browser: « Vérifier maintenant » handed to the
running service through the index, the store consistent when both run, bounded dashboard queries, schedules in
plain words. The real `watcher run --web` process in Chromium is in test_web_browser.py."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_SCHEDULER_START
from conftest import wait_until
from test_service import V1, V2, make_setup
from test_web import request
from web_server import running_web

from watcher.service.requests import attach_check_requests
from watcher.service.scheduler import RunLock, Service, ServiceOptions
from watcher.store.layout import snapshot_folders
from watcher.store.requests import CheckRequests
from watcher.store.snapshots import TMP_PREFIX, Store
from watcher.web import views
from watcher.web.accounts import Accounts
from watcher.web.schedules import schedule_words

PASSWORD = "un-mot-de-passe-long"


@pytest.mark.parametrize(("schedule", "french", "english"), [
    ("0 7 * * *", "chaque jour à 7 h UTC", "every day at 7:00 UTC"),
    ("every 6h", "toutes les 6 heures", "every 6 hours"),
    ("every 1h", "chaque heure", "every hour"),
    ("30 8 * * 1-5", "du lundi au vendredi à 8 h 30 UTC", "Monday to Friday at 8:30 UTC"),
    ("0 9 * * mon-fri", "du lundi au vendredi à 9 h UTC", "Monday to Friday at 9:00 UTC"),
    ("0 7,13 * * *", "chaque jour à 7 h et 13 h UTC", "every day at 7:00 and 13:00 UTC"),
    ("0 7 * * 6,0", "le samedi et le dimanche à 7 h UTC", "Saturdays and Sundays at 7:00 UTC"),
    ("0 */6 * * *", "toutes les 6 heures", "every 6 hours"),
    ("every 2d", "tous les 2 jours", "every 2 days"),
    ("every 90m", "toutes les 90 minutes", "every 90 minutes"),
    ("0 9 1 * *", "le 1er de chaque mois à 9 h UTC", "on day 1 of each month at 9:00 UTC"),
    ("0 9 1 1 *", "selon le calendrier cron « 0 9 1 1 * » (UTC)", "on the cron schedule “0 9 1 1 *” (UTC)"),
])
def test_schedules_in_plain_words(schedule: str, french: str, english: str) -> None:
    assert schedule_words(schedule, "fr") == french
    assert schedule_words(schedule, "en") == english


def test_check_requests_are_reused_finished_and_expired(tmp_path: Path) -> None:
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with Store(tmp_path) as store:
        requests = CheckRequests(store)
        first = requests.ask("p", "alice", now=now)
        assert requests.ask("p", "bob", now=now) == first  # one open request per page
        asked = requests.get(first)
        assert asked is not None and asked.open and asked.after is None
        requests.finish(asked, now)  # no check was recorded since: not answered
        assert (requests.get(first) or asked).state == "failed"
        second = requests.ask("p", "alice", now=now)
        check = store.record_check("p", now, "new")
        requests.finish(requests.get(second) or asked, now)
        done = requests.get(second)
        assert done is not None and done.state == "done" and done.check_id == check
        third = requests.ask("p", "alice", now=now)
        assert (requests.get(third) or asked).after == check
        assert requests.expire(now + timedelta(hours=2)) == 1 and (requests.get(third) or asked).state == "expired"
        fourth = requests.ask("p", "alice", now=now)
        assert requests.ask("p", "alice", "web", now=now) == fourth  # taken over by a web page with no service
        assert (requests.get(fourth) or asked).performer == "web"
        requests.set_state(fourth, "running", now=now)
        assert requests.expire(now + timedelta(hours=2)) == 1 and (requests.get(fourth) or asked).state == "failed"


def test_the_dashboard_reads_at_most_the_last_30_checks_of_a_page(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    report = {"procedures": [{"name": "Déclarer", "status": "broken", "broken_step": 2, "step": "cliquer"},
                             {"name": "Payer", "status": "ok"}]}
    with Store(tmp_path) as store:
        store.record_check("p", start, "new", alert=True)
        for day in range(1, 200):
            store.record_check("p", start + timedelta(days=day), "unchanged", report=report)
        monkeypatch.setattr(Store, "history", lambda *_: pytest.fail("the whole history was read"))
        statements: list[str] = []
        store.db.set_trace_callback(statements.append)
        rows, _ = views.dashboard(store, [], None)
        [row] = rows
        assert len(row.strip) == views.STRIP_LENGTH and row.last_alert == "2025-01-01 01:00"
        assert {p.name: p.state for p in row.procedures} == {"Déclarer": "never", "Payer": "ok"}
        reads = [s for s in statements if s.startswith("SELECT") and "FROM checks WHERE target" in s]
        assert reads and all("LIMIT" in s for s in reads)


def page_text(base: str, path: str, token: str) -> str:
    import urllib.request

    opened = urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": f"watcher_session={token}"}),
                                    timeout=30)
    return str(opened.read().decode("utf-8"))


@contextmanager
def running_service(service: Service) -> Iterator[None]:
    """`service` started as `watcher run` starts it (the lock, the job store, the hooks), in a thread; no signal
    handlers (they belong to the main thread), stopped as SIGTERM stops it."""
    from watcher.service import scheduler

    scheduler.SERVICE = service  # what Service.start() sets for the module-level job functions
    with RunLock(service.snapshots):
        service.scheduler.add_listener(lambda _event: service._prepare_jobs(), EVENT_SCHEDULER_START)
        thread = threading.Thread(target=service.scheduler.start, daemon=True)
        thread.start()
        try:
            yield
        finally:
            service.stop()
            thread.join(timeout=15)
            service.close()
            scheduler.SERVICE = None


def test_a_check_asked_on_the_web_page_is_made_by_the_running_service(tmp_path: Path) -> None:
    """A `watcher web` beside a running `watcher run`: the web process never checks (the service holds the lock);
    its request goes through the index; the service's own scheduler checks; the store stays whole."""
    setup = make_setup(tmp_path)
    setup.config.write_text(setup.config.read_text().replace("every 10m", "every 1h"), encoding="utf-8")
    setup.pages.show("page", setup.page("v1", V1))
    service = Service(setup.config, tmp_path / "snapshots",
                      ServiceOptions(confirm_delay=0, notifiers=setup.notifiers, jitter=0,
                                     on_start=[lambda s: attach_check_requests(s, poll=0.2)]),
                      capturer=setup.pages)
    with Store(tmp_path / "snapshots") as store:
        token, session = Accounts(store).open_session(Accounts(store).add("alice", PASSWORD).name)
    cookies = {"watcher_session": token}
    index = tmp_path / "snapshots" / "index.sqlite3"

    def count() -> int:
        with closing(sqlite3.connect(index)) as con:
            return int(con.execute("SELECT COUNT(*) FROM checks").fetchone()[0])

    with running_service(service), running_web(tmp_path) as base:
        assert wait_until(lambda: count() == 1, timeout=30)  # the start-up check
        setup.pages.show("page", setup.page("v2", V2))
        asked = request(base, "POST", "/page/page/check", {"csrf": session.csrf}, cookies)
        assert asked.status == 303
        assert wait_until(lambda: count() == 2, timeout=30)
        with Store(tmp_path / "snapshots") as store:
            assert wait_until(lambda: (CheckRequests(store).latest("page") or None) is not None
                              and CheckRequests(store).latest("page").state == "done", timeout=15)  # type: ignore[union-attr]
            done = CheckRequests(store).latest("page")
            assert done is not None and done.performer == "service" and done.user == "alice"
            assert done.check_id == store.latest("page").id  # type: ignore[union-attr]
        shown = page_text(base, "/page/page", token)
        assert "Dernière vérification demandée ici : changé." in shown
        assert "Vérification faite par le service « watcher run »." in shown

    with closing(sqlite3.connect(index)) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = con.execute("SELECT status, snapshot FROM checks ORDER BY id").fetchall()
    assert [status for status, _ in rows] == ["new", "changed"]
    snapshots = [snapshot for _, snapshot in rows]
    assert len(set(snapshots)) == 2  # one writer per snapshot: two checks, two folders, each written once
    folders = [str(p.relative_to(tmp_path / "snapshots"))
               for found in snapshot_folders(tmp_path / "snapshots").values() for p in found]
    assert sorted(folders) == sorted(snapshots)
    assert not list((tmp_path / "snapshots").glob(f"*/{TMP_PREFIX}*"))
