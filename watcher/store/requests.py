"""« Vérifier maintenant » requests, kept in the snapshots index so another process can carry them out.

The web page (inside `watcher run --web`, or a `watcher web` beside a running `watcher run`) writes a request;
the service, the only writer of snapshots while it holds `snapshots/watcher.lock`, polls the table and runs the
page's check at once; the page reads the request's state back. A `watcher web` alone (no service) performs the
check itself and records it here too, so the page shows the same states in both cases.

Table `check_requests` (created on first use): `id`, `target`, `requested` (UTC ISO), `user`, `state`
(queued → running → done | failed | expired), `performer` ("service" or "web"), `after` (the page's latest
check id when asked: the answer is a newer one), `check_id` (the check that answered), `updated` (UTC ISO).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from watcher.store.snapshots import Store, disk_errors, utc_now

__all__ = ["CheckRequest", "CheckRequests", "EXPIRE_AFTER", "STATES"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS check_requests (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    requested TEXT NOT NULL,
    user TEXT,
    state TEXT NOT NULL DEFAULT 'queued',
    performer TEXT,
    after INTEGER,
    check_id INTEGER,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS check_requests_target ON check_requests(target, id);
CREATE INDEX IF NOT EXISTS check_requests_state ON check_requests(state);
"""

STATES = ("queued", "running", "done", "failed", "expired")
EXPIRE_AFTER = timedelta(hours=1)  # a request nobody took up by then (no service running) is dropped
_COLUMNS = "id, target, requested, user, state, performer, after, check_id, updated"


@dataclass(frozen=True)
class CheckRequest:
    """One « Vérifier maintenant »: which page, when (UTC ISO), by whom, its state and the check that answered."""

    id: int
    target: str
    requested: str
    user: str | None
    state: str
    performer: str | None
    after: int | None
    check_id: int | None
    updated: str

    @property
    def open(self) -> bool:
        """Still waiting for its check (queued or running)."""
        return self.state in ("queued", "running")


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


class CheckRequests:
    """The `check_requests` table of a `Store`'s index (its connection and lock; SQLite WAL lets another
    process read and write it meanwhile)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        with store.lock, disk_errors("cannot prepare the check requests table"):
            store.db.executescript(SCHEMA)

    def _latest_check(self, target: str) -> int | None:
        row = self.store.db.execute("SELECT MAX(id) FROM checks WHERE target = ?", (target,)).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def ask(self, target: str, user: str | None, performer: str = "service", now: datetime | None = None) -> int:
        """Record a request for `target` (state queued); an open one for the same page is reused. Returns its id."""
        now = now or utc_now()
        with self.store.lock, disk_errors("cannot record the check request"):
            row = self.store.db.execute(
                "SELECT id FROM check_requests WHERE target = ? AND state IN ('queued', 'running')"
                " ORDER BY id DESC LIMIT 1", (target,)).fetchone()
            if row is not None:  # the open one; whoever performs it now (a service that stopped: this web page)
                self.store.db.execute("UPDATE check_requests SET performer = ? WHERE id = ? AND state = 'queued'",
                                      (performer, row[0]))
                return int(row[0])
            cursor = self.store.db.execute(
                "INSERT INTO check_requests (target, requested, user, state, performer, after, updated)"
                " VALUES (?,?,?,?,?,?,?)",
                (target, _iso(now), user, "queued", performer, self._latest_check(target), _iso(now)))
        return int(cursor.lastrowid or 0)

    def get(self, request_id: int) -> CheckRequest | None:
        with self.store.lock, disk_errors("cannot read the check requests"):
            row = self.store.db.execute(f"SELECT {_COLUMNS} FROM check_requests WHERE id = ?",
                                        (request_id,)).fetchone()
        return CheckRequest(*row) if row else None

    def latest(self, target: str) -> CheckRequest | None:
        """The page's latest request, or None."""
        with self.store.lock, disk_errors("cannot read the check requests"):
            row = self.store.db.execute(f"SELECT {_COLUMNS} FROM check_requests WHERE target = ?"
                                        " ORDER BY id DESC LIMIT 1", (target,)).fetchone()
        return CheckRequest(*row) if row else None

    def open_requests(self, state: str = "queued", performer: str = "service") -> list[CheckRequest]:
        """Requests in `state` for `performer`, oldest first."""
        with self.store.lock, disk_errors("cannot read the check requests"):
            rows = self.store.db.execute(f"SELECT {_COLUMNS} FROM check_requests WHERE state = ?"
                                         " AND performer = ? ORDER BY id", (state, performer)).fetchall()
        return [CheckRequest(*row) for row in rows]

    def set_state(self, request_id: int, state: str, check_id: int | None = None,
                  now: datetime | None = None) -> None:
        """Move a request on (running, done with the check that answered, failed, expired)."""
        if state not in STATES:
            raise ValueError(f"request state: {state}")
        with self.store.lock, disk_errors("cannot update the check request"):
            self.store.db.execute("UPDATE check_requests SET state = ?, check_id = COALESCE(?, check_id),"
                                  " updated = ? WHERE id = ?", (state, check_id, _iso(now or utc_now()), request_id))

    def finish(self, request: CheckRequest, now: datetime | None = None) -> None:
        """Done with the page's newest check if there is one newer than when it was asked, else failed."""
        with self.store.lock:
            latest = self._latest_check(request.target)
        answered = latest is not None and (request.after is None or latest > request.after)
        self.set_state(request.id, "done" if answered else "failed", latest if answered else None, now)

    def expire(self, now: datetime | None = None) -> int:
        """Queued requests older than EXPIRE_AFTER become expired, running ones that long failed (their process
        died mid-check); returns how many."""
        now = now or utc_now()
        with self.store.lock, disk_errors("cannot update the check requests"):
            cursor = self.store.db.execute(
                "UPDATE check_requests SET state = 'expired', updated = ? WHERE state = 'queued' AND requested < ?",
                (_iso(now), _iso(now - EXPIRE_AFTER)))
            stuck = self.store.db.execute(
                "UPDATE check_requests SET state = 'failed', updated = ? WHERE state = 'running' AND updated < ?",
                (_iso(now), _iso(now - EXPIRE_AFTER)))
        return cursor.rowcount + stuck.rowcount
