"""Snapshot folders and the SQLite index: the single source of truth for what happened.

Layout: <root>/<target-id>/<UTC time>/ {screenshot.png, dom.html, aria.yaml, meta.json, skeleton.json, ...}
and <root>/index.sqlite3. A snapshot folder is written under a temporary name and renamed once complete, and
only then recorded in the index, so a crash never leaves a half snapshot that later steps read. Identical files
are hard-linked to the previous snapshot's copy instead of being stored twice.

Everything that touches the disk or the index goes through `Store`, so moving to another database or an
object store is a change of this module only.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from watcher.errors import StoreError
from watcher.store.report import CheckReport

__all__ = [
    "CheckRecord",
    "Mark",
    "SnapshotWriter",
    "Store",
    "TMP_PREFIX",
    "TRIAL",
    "disk_errors",
    "utc_now",
    "write_atomic",
]

# checks.confirmation of an alerting change seen by `watcher check --no-notify`: shown, never sent, so never a
# baseline (the next check compares with the same reference and alerts it), never a changelog entry
TRIAL = "trial"

SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    time TEXT NOT NULL,
    status TEXT NOT NULL,
    alert INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    snapshot TEXT,
    baseline TEXT,
    screenshot_hash TEXT,
    dom_hash TEXT,
    skeleton_hash TEXT,
    report TEXT,
    confirmation TEXT
);
CREATE INDEX IF NOT EXISTS checks_target_time ON checks(target, time);
CREATE TABLE IF NOT EXISTS marks (
    check_id INTEGER PRIMARY KEY REFERENCES checks(id),
    label TEXT NOT NULL,
    note TEXT,
    time TEXT NOT NULL
);
"""

TMP_PREFIX = ".tmp-"


def utc_now() -> datetime:
    return datetime.now(UTC)


def folder_name(when: datetime) -> str:
    """Snapshot folder name: sortable UTC time, safe on every file system."""
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class CheckRecord:
    """One row of the index: one check of one target."""

    id: int
    target: str
    time: str
    status: str
    alert: bool
    reason: str | None
    snapshot: str | None
    baseline: str | None
    report: dict[str, Any] | None
    confirmation: str | None = None  # None (no confirmation asked), pending, confirmed, reverted, superseded, trial

    @property
    def trial(self) -> bool:
        """True for a `watcher check --no-notify` trial: its alert was shown, never sent (see TRIAL)."""
        return self.confirmation == TRIAL

    @property
    def check_report(self) -> CheckReport | None:
        """The stored report as the current typed model (any format version), None when there is none."""
        return CheckReport.read(self.report)


@dataclass(frozen=True)
class Mark:
    """A coordinator's judgement of one change: "noise" (a false alarm) or "real"."""

    check_id: int
    label: str
    note: str | None
    time: str


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see either the old content or the new, never a part."""
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@contextlib.contextmanager
def disk_errors(what: str) -> Iterator[None]:
    """Turn OS errors into one StoreError with words a coordinator can act on."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise StoreError.fault(what, "full") from None
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise StoreError.fault(what, "permission", str(exc.filename)) from None
        raise StoreError.fault(what, "os", str(exc.strerror or exc)) from None
    except sqlite3.Error as exc:
        raise StoreError.fault(what, "index", str(exc)) from None


def _tree_size(folder: Path) -> int:
    """Bytes a folder holds; a file hard-linked from another snapshot still counts (removing one frees nothing
    until the last link goes, so this over-estimates, which only makes pruning a little eager)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class SnapshotWriter:
    """Collects the files of one snapshot in a temporary folder, then publishes it in one rename."""

    def __init__(self, store: Store, target_id: str, when: datetime, previous: Path | None) -> None:
        self.final = store.root / target_id / folder_name(when)
        self.tmp = self.final.with_name(TMP_PREFIX + self.final.name)
        self.previous = previous
        self.hashes: dict[str, str] = {}

    def add(self, name: str, data: bytes) -> str:
        """Add a file (name may contain one sub-folder); returns its content hash."""
        digest = sha256(data)
        self.hashes[name] = digest
        dest = self.tmp / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        old = self.previous / name if self.previous else None
        if old is not None and old.is_file() and old.stat().st_size == len(data) and sha256(old.read_bytes()) == digest:
            with contextlib.suppress(OSError):
                os.link(old, dest)  # same content as last time: share it instead of storing it twice
                return digest
        with open(dest, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return digest

    def add_json(self, name: str, value: Any) -> str:
        return self.add(name, json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode())

    def publish(self) -> Path:
        for folder in {p.parent for p in self.tmp.rglob("*")} | {self.tmp}:
            _fsync_dir(folder)
        os.rename(self.tmp, self.final)
        _fsync_dir(self.final.parent)
        return self.final

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


class Store:
    """The snapshots folder and its index."""

    def __init__(self, root: Path, *, check: bool = True) -> None:
        """Open (or create) the store; `check`: refuse an index missing beside snapshot folders
        (store.layout.IndexMissing: `watcher store rebuild-index` makes it again)."""
        self.root = root
        self.lock = threading.RLock()  # one connection shared by the threads that evaluate checks
        self.closed = False
        if check:
            from watcher.store.layout import check_index

            check_index(root)
        with disk_errors(f"cannot open the snapshots folder {root}"):
            root.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(root / "index.sqlite3", timeout=30, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the index; any later read or write raises StoreError (nothing reaches SQLite after this)."""
        with self.lock:
            if not self.closed:
                self.closed = True
                self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def new_snapshot(self, target_id: str, when: datetime, previous: Path | None) -> Iterator[SnapshotWriter]:
        """Write a snapshot folder atomically; on any error nothing is left behind."""
        writer = SnapshotWriter(self, target_id, when, previous)
        try:
            with disk_errors(f"cannot store the snapshot of {target_id}"):
                writer.tmp.mkdir(parents=True, exist_ok=False)
                yield writer
                writer.publish()
        except BaseException:
            writer.discard()
            raise

    def record_check(
        self, target_id: str, when: datetime, status: str, *, alert: bool = False, reason: str | None = None,
        snapshot: Path | None = None, baseline: Path | None = None, hashes: dict[str, str] | None = None,
        report: dict[str, Any] | None = None, within: Callable[[int], None] | None = None,
    ) -> int:
        """Add one check to the index (after its snapshot folder, if any, was published).

        `within(check_id)` runs inside the same transaction, on this connection (the outbox queues the check's
        alerts there, deliver/notify.Outbox.of_store): the check and what it queued are committed together or
        not at all, whatever kills the process in between. An exception from it rolls the check back and is
        raised again."""
        hashes = hashes or {}
        with self.lock, disk_errors(f"cannot record the check of {target_id}"):
            self._open()
            self.db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self.db.execute(
                    "INSERT INTO checks (target, time, status, alert, reason, snapshot, baseline, screenshot_hash,"
                    " dom_hash, skeleton_hash, report) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (target_id, when.astimezone(UTC).isoformat(timespec="seconds"), status, int(alert), reason,
                     self._rel(snapshot), self._rel(baseline), hashes.get("screenshot.png"), hashes.get("dom.html"),
                     hashes.get("skeleton.json"), json.dumps(report, ensure_ascii=False) if report else None),
                )
                check_id = int(cursor.lastrowid or 0)
                if within is not None:
                    within(check_id)
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return check_id

    def _open(self) -> None:
        """Refuse work once closed (a StoreError, never SQLite's « Cannot operate on a closed database »)."""
        if self.closed:
            raise StoreError("the snapshot index is closed")

    def _rel(self, path: Path | None) -> str | None:
        if path is None:
            return None
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)

    def path(self, rel: str | None) -> Path | None:
        return self.root / rel if rel else None

    def _rows(self, sql: str, args: tuple[Any, ...]) -> list[CheckRecord]:
        with self.lock, disk_errors("cannot read the snapshot index"):
            self._open()
            rows = self.db.execute(sql, args).fetchall()
        return [
            CheckRecord(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7], json.loads(r[8]) if r[8] else None,
                        r[9])
            for r in rows
        ]

    _COLUMNS = "id, target, time, status, alert, reason, snapshot, baseline, report, confirmation"

    def history(self, target_id: str) -> list[CheckRecord]:
        """Every check of a target, oldest first."""
        return self._rows(f"SELECT {self._COLUMNS} FROM checks WHERE target = ? ORDER BY id", (target_id,))

    def recent(self, target_id: str, limit: int) -> list[CheckRecord]:
        """The `limit` latest checks of a target, oldest first (one indexed query: the web dashboard never reads
        a whole history)."""
        rows = self._rows(f"SELECT {self._COLUMNS} FROM checks WHERE target = ? ORDER BY id DESC LIMIT ?",
                          (target_id, limit))
        return rows[::-1]

    def last_alert(self, target_id: str) -> str | None:
        """The UTC ISO time of a target's latest alerting check (a `--no-notify` trial excluded), or None."""
        with self.lock, disk_errors("cannot read the snapshot index"):
            row = self.db.execute("SELECT time FROM checks WHERE target = ? AND alert = 1 AND (confirmation IS NULL"
                                  " OR confirmation != ?) ORDER BY id DESC LIMIT 1", (target_id, TRIAL)).fetchone()
        return str(row[0]) if row else None

    def check(self, check_id: int) -> CheckRecord | None:
        rows = self._rows(f"SELECT {self._COLUMNS} FROM checks WHERE id = ?", (check_id,))
        return rows[0] if rows else None

    def baseline(self, target_id: str) -> Path | None:
        """The snapshot the next capture is compared with: the latest one of a successful check (new, changed
        or unchanged; a `degraded` check's snapshot, a maintenance or queue page, is kept for the record only
        and never becomes the baseline, so the real page coming back is compared with the last good one; nor does
        a `TRIAL` check's, whose alert was never sent)."""
        rows = self._rows(
            f"SELECT {self._COLUMNS} FROM checks WHERE target = ? AND snapshot IS NOT NULL"
            " AND status IN ('new', 'changed', 'unchanged') AND (confirmation IS NULL OR confirmation != ?)"
            " ORDER BY id DESC LIMIT 1", (target_id, TRIAL))
        path = self.path(rows[0].snapshot) if rows else None
        return path if path is not None and path.is_dir() else None

    def set_confirmation(self, check_id: int, confirmation: str, *, alert: bool) -> None:
        """Mark a detected change as pending, confirmed, reverted or superseded (and whether it alerts)."""
        with self.lock, disk_errors("cannot update the snapshot index"):
            self._open()
            self.db.execute("UPDATE checks SET confirmation = ?, alert = ? WHERE id = ?",
                            (confirmation, int(alert), check_id))

    def pending(self) -> list[CheckRecord]:
        """Detected changes waiting for their confirming re-check, oldest first."""
        return self._rows(f"SELECT {self._COLUMNS} FROM checks WHERE confirmation = 'pending' ORDER BY id", ())

    def latest(self, target_id: str) -> CheckRecord | None:
        rows = self._rows(f"SELECT {self._COLUMNS} FROM checks WHERE target = ? ORDER BY id DESC LIMIT 1",
                          (target_id,))
        return rows[0] if rows else None

    def targets(self) -> list[str]:
        with self.lock, disk_errors("cannot read the snapshot index"):
            self._open()
            return [r[0] for r in self.db.execute("SELECT DISTINCT target FROM checks ORDER BY target")]

    def mark(self, check_id: int, label: str, note: str | None = None) -> None:
        """Remember a coordinator's judgement of a change ("noise" or "real"); the latest one counts."""
        with self.lock, disk_errors("cannot update the snapshot index"):
            self._open()
            self.db.execute("INSERT OR REPLACE INTO marks (check_id, label, note, time) VALUES (?,?,?,?)",
                            (check_id, label, note, utc_now().isoformat(timespec="seconds")))

    def marks(self) -> list[Mark]:
        """Every judgement, oldest change first."""
        with self.lock, disk_errors("cannot read the snapshot index"):
            self._open()
            rows = self.db.execute("SELECT check_id, label, note, time FROM marks ORDER BY check_id").fetchall()
        return [Mark(*row) for row in rows]

    def prune(self, target_id: str, max_bytes: int, keep_recent: int = 10) -> list[Path]:
        """Keep a page's snapshots under `max_bytes`: remove the oldest ones, but never the `keep_recent` latest,
        the baseline, nor one a change refers to (alerting, pending or not, as its snapshot or its baseline).
        Their checks stay in the index, without a snapshot. Returns the removed folders."""
        folder = self.root / target_id
        snapshots = sorted(p for p in folder.glob("*") if p.is_dir() and not p.name.startswith(TMP_PREFIX))
        sizes = {p: _tree_size(p) for p in snapshots}
        total = sum(sizes.values())
        protected = self._referenced(target_id) | {p.name for p in snapshots[-keep_recent:]}
        removed: list[Path] = []
        for snapshot in snapshots:
            if total <= max_bytes:
                break
            if snapshot.name in protected:
                continue
            self._forget(f"{target_id}/{snapshot.name}")
            shutil.rmtree(snapshot, ignore_errors=True)
            total -= sizes[snapshot]
            removed.append(snapshot)
        return removed

    def _referenced(self, target_id: str) -> set[str]:
        """Snapshot folder names that a change (or the current baseline) needs."""
        with self.lock, disk_errors("cannot read the snapshot index"):
            self._open()
            rows = self.db.execute(
                "SELECT snapshot, baseline FROM checks WHERE target = ? AND (alert = 1 OR confirmation IS NOT NULL"
                " OR status = 'new')", (target_id,)).fetchall()
        names = {Path(path).name for row in rows for path in row if path}
        baseline = self.baseline(target_id)
        return names | ({baseline.name} if baseline else set())

    def _forget(self, rel: str) -> None:
        with self.lock, disk_errors("cannot update the snapshot index"):
            self._open()
            self.db.execute("UPDATE checks SET snapshot = NULL WHERE snapshot = ?", (rel,))
            self.db.execute("UPDATE checks SET baseline = NULL WHERE baseline = ?", (rel,))

    def clean_partial(self) -> int:
        """Remove temporary folders left by a crash mid-capture; returns how many."""
        removed = 0
        for tmp in self.root.glob(f"*/{TMP_PREFIX}*"):
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
            removed += 1
        return removed
