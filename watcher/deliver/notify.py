"""Telling the mediators' network: an outbox in SQLite, then Apprise, so that no alert is lost or sent twice.

Every message is written to the outbox before anything is sent. Sending uses one Apprise instance per
destination URL and Apprise's result object, so one failing channel never blocks the others. A failure is
retried later (1 min, 5 min, 30 min, 2 h, 12 h, then marked failed); the state lives in SQLite, so retries
survive restarts. Each message has an idempotency key (kind + target + change fingerprint + destination URL as
written): retrying a failed webhook never re-sends the e-mail that went through, and detecting the same change
again never alerts twice.

The outbox is a table of the snapshot index (`<snapshots>/index.sqlite3`), so that a check and the alerts it
queues are written in one SQLite transaction (`Outbox.of_store` shares the store's connection; see
`Store.record_check(within=...)`): a process killed between the two loses neither. An outbox kept in its own
file by earlier versions (`outbox.sqlite3`) is moved into the index the first time it is opened.

Delivery guarantees (README « Déploiement »):
- a send is claimed with a lease (`claimed_by`, `lease_until`) and its attempt counted before it starts, in
  one transaction; the result is recorded only by the claim's holder;
- a claim whose lease expired, or whose holder process on this machine is gone (killed mid-send), is resolved at
  the next pass: its attempt is recorded as interrupted (`interrupted`, an outcome nobody knows) and the message
  is sent again. Webhooks that carry a body format (json, form, xml) get the header
  `Idempotency-Key: <the row's key>` on every attempt, so a receiver tells a re-sent copy from a new alert;
  other kinds cannot carry a key: for them an interrupted attempt means at-least-once (a duplicate is possible
  and the row says so, « doublon possible ») — losing an alert costs a mediator more than reading it twice;
- `Notifier.stop()` (SIGTERM) stops taking messages; a send in flight ends and is recorded.

For the service, after each check of a target:

    notifier = Notifier(Outbox.of_store(store), load_channels(notifiers_dir))
    notify_check_result(notifier, result, store.history(result.target.id))  # queues, then sends what is due

and, every few minutes, `notifier.send_due()` (retries and daily digests).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import re
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from watcher.config.channels import (
    Channel,
    Channels,
    Destination,
    coordinator_channels,
    load_channels,
    mask_url,
    route,
)
from watcher.deliver import apprise_plugins
from watcher.errors import StoreError
from watcher.report.alerts import (
    PARIS,
    Alert,
    AlertChange,
    Message,
    Renderer,
    alert_from_result,
    configuration_message,
    dumps,
    loads,
    render_alert,
    render_digest,
)
from watcher.store.report import CheckReport, Reportable, TargetFacts, as_report, report_time

if TYPE_CHECKING:
    from watcher.config.targets import Target
    from watcher.detect.degraded import Degraded
    from watcher.store.snapshots import Store

log = logging.getLogger(__name__)

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=3)  # a claim not recorded by then was cut (its holder hung or died): resolved
LEGACY_FILE = "outbox.sqlite3"  # where versions before the outbox joined the index kept it
# Destination kinds (URL schemes) whose receiver gets an `Idempotency-Key` header: re-sent with the same key.
IDEMPOTENT_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
SHORT_BODY_UNDER = 1000  # destinations accepting fewer characters (SMS) get the short template

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,          -- idempotency key: kind + target + fingerprint + destination
    kind TEXT NOT NULL,                -- alert | digest | unreachable | recovery
    channel TEXT NOT NULL,
    destination TEXT NOT NULL,         -- the URL as written in channels.yaml: ${VARS} unresolved, no secret
    target TEXT,
    status TEXT NOT NULL,              -- confirming | held | pending | sending | sent | failed | digested
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    body_format TEXT NOT NULL DEFAULT 'text',
    attachments TEXT NOT NULL DEFAULT '[]',
    alert TEXT,                        -- the Alert (JSON) of held rows, rendered into the digest later
    lang TEXT NOT NULL DEFAULT 'fr',
    attempts INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    due TEXT NOT NULL,                 -- next attempt (pending) or digest time (held)
    updated TEXT NOT NULL,
    sent TEXT,
    last_error TEXT,
    digest_id INTEGER,                 -- digested rows: the digest message that carried them
    check_id INTEGER,                  -- alerts: the check (index id) whose change they tell
    claimed_by TEXT,                   -- sending: host:pid:process start:nonce of the process sending it
    lease_until TEXT,                  -- sending: after this time the claim is stale (its holder hung or died)
    interrupted INTEGER NOT NULL DEFAULT 0  -- attempts cut mid-send (kill, crash): outcome unknown
);
CREATE INDEX IF NOT EXISTS outbox_status_due ON outbox(status, due);
"""
# Columns added since the first outboxes were written: added in place when an older outbox is opened.
ADDED_COLUMNS = {"check_id": "INTEGER", "claimed_by": "TEXT", "lease_until": "TEXT",
                 "interrupted": "INTEGER NOT NULL DEFAULT 0"}

def status_words(status: str, lang: str = "fr") -> str:
    """An outbox row's status in words (« en attente de confirmation »); an unknown stored status as it is."""
    from watcher.i18n.texts import known, t

    return t("outbox.status." + status, lang) if known("outbox.status." + status) else status


def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def idempotency_key(kind: str, target: str, fingerprint: str, destination: str) -> str:
    return hashlib.sha256(f"{kind}\n{target}\n{fingerprint}\n{destination}".encode()).hexdigest()


def scheme_of(url: str) -> str:
    """The kind of a destination: its URL scheme, lower case (`json`, `mailtos`…; '' without one)."""
    return url.split("://", 1)[0].lower() if "://" in url else ""


def guarantee(url: str) -> str:
    """What an interrupted attempt means for this destination kind: `idempotent` (json/form/xml webhooks:
    re-sent with the same `Idempotency-Key`, the receiver can drop the copy) or `at-least-once` (the others:
    re-sent, a duplicate is possible)."""
    return "idempotent" if scheme_of(url) in IDEMPOTENT_SCHEMES else "at-least-once"


def with_idempotency_key(url: str, key: str) -> str:
    """`url` with Apprise's custom-header argument `+Idempotency-Key=<key>` for json/form/xml webhooks (their
    URL syntax: a `+name=value` query argument becomes an HTTP header); other URLs as they are."""
    if scheme_of(url) not in IDEMPOTENT_SCHEMES:
        return url
    return f"{url}{'&' if '?' in url else '?'}+Idempotency-Key={key}"


def process_id() -> str:
    """This process as a claim holder: host, pid and the process's start time (a recycled pid is another
    process), with a nonce per call."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_ticks(os.getpid())}:{uuid.uuid4().hex[:8]}"


def _start_ticks(pid: int) -> str:
    try:  # field 22 of /proc/<pid>/stat: start time in clock ticks after boot (Linux)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "?"


def holder_gone(claimed_by: str | None) -> bool:
    """Whether the process that claimed a row is known to be gone: it ran on this host and its pid is free or
    now another process. False when that cannot be known (another host): then only the lease tells."""
    if not claimed_by:
        return True
    parts = claimed_by.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    started = _start_ticks(pid)
    return started != "?" and parts[2] != "?" and started != parts[2]


# --- the Apprise seam -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Traits:
    """What a destination accepts: preferred body format, attachments, body length."""

    fmt: str  # txt | md | html | short
    attachments: bool
    body_max: int


@dataclass(frozen=True)
class SendOutcome:
    ok: bool
    error: str | None = None


class Sender(Protocol):
    """The one seam to the outside world: describe and send to one resolved URL."""

    def describe(self, url: str) -> Traits | None: ...

    def send(self, url: str, message: Message) -> SendOutcome: ...


FORMAT_OF = {"html": "html", "markdown": "md", "text": "txt"}


class AppriseSender:
    """Sends through Apprise: one Apprise instance per destination, success read from its result object."""

    def __init__(self, plugin_paths: Sequence[str] = ()) -> None:
        import apprise

        self.apprise = apprise
        self.asset = apprise.AppriseAsset(plugin_paths=list(plugin_paths) or None)

    def describe(self, url: str) -> Traits | None:
        plugin = self.apprise.Apprise.instantiate(url, asset=self.asset)
        if not plugin:
            return None
        formats = plugin.notify_format
        preferred = formats[0] if isinstance(formats, tuple | list) else formats
        body_max = int(getattr(plugin, "body_maxlen", 0) or 0) or 32768
        fmt = "short" if body_max < SHORT_BODY_UNDER else FORMAT_OF.get(str(getattr(preferred, "value", preferred)), "txt")
        return Traits(fmt, bool(getattr(plugin, "attachment_support", False)), body_max)

    def send(self, url: str, message: Message) -> SendOutcome:
        box = self.apprise.Apprise(asset=self.asset)
        if not box.add(url):
            return SendOutcome(False, URL_REFUSED)
        attach = [str(p) for p in message.attachments if p.is_file()] or None
        if message.body_format == "html" and attach and "cid:" in message.body:
            for server in box:  # e-mail: embed the pictures the HTML names by cid: (Apprise's `inline=yes`)
                if hasattr(server, "inline"):
                    server.inline = True
        result = box.notify(body=message.body, title=message.title, body_format=message.body_format,
                            attach=attach)
        return SendOutcome(True) if result else SendOutcome(False, _failure_reason(result))


def _failure_reason(result: Any) -> str:
    """The last warning Apprise recorded in its result object (Apprise 2), else NO_DETAIL; stored as Apprise
    says it (a fact), worded for people by `failure_words`."""
    logs = getattr(result, "logs", None)
    messages = [e.message for e in logs() if e.level in ("WARNING", "ERROR")] if callable(logs) else []
    return (messages[-1] if messages else NO_DETAIL)[:300]


URL_REFUSED = "url refused by apprise"
NO_DETAIL = "no detail from apprise"
_STORED_FAILURES = {URL_REFUSED: "outbox.failure.url_refused", NO_DETAIL: "outbox.failure.no_detail",
                    # the words stored by earlier versions
                    "url refusée par apprise (schéma inconnu ou paramètre invalide)": "outbox.failure.url_refused",
                    "échec de l'envoi (sans détail)": "outbox.failure.no_detail"}


def failure_words(error: str, lang: str = "fr") -> str:
    """A failed send's stored reason (Apprise's English log line, or one of ours) in the reader's language:
    a connection error, a timeout, an HTTP status (« error=503 »), refused credentials; any other line is
    quoted as Apprise wrote it, after words saying whose it is."""
    from watcher.i18n.texts import t

    text = error.strip()
    lower = text.lower()
    if lower in _STORED_FAILURES:
        return t(_STORED_FAILURES[lower], lang)
    if "timed out" in lower or "timeout" in lower:
        return t("outbox.failure.timeout", lang)
    if "connection error" in lower or "could not connect" in lower or "connection refused" in lower:
        return t("outbox.failure.connection", lang)
    if "authenticat" in lower or ("login" in lower and "fail" in lower):
        return t("outbox.failure.auth", lang)
    status = re.search(r"error=(\d{3})\b", text)
    if status:
        return t("outbox.failure.http", lang, code=int(status.group(1)))
    return t("outbox.failure.other", lang, detail=text)


# --- the outbox -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxEntry:
    """One row of the outbox, safe to show: the destination is masked.

    `interrupted`: attempts cut mid-send (the process was killed or hung), whose outcome nobody knows;
    `guarantee`: what such an attempt means for the destination's kind (`idempotent`: re-sent with the same
    `Idempotency-Key`; `at-least-once`: re-sent, a duplicate is possible)."""

    id: int
    kind: str
    channel: str
    destination: str
    target: str | None
    status: str
    title: str
    attempts: int
    created: str
    due: str
    sent: str | None
    last_error: str | None
    attachments: tuple[str, ...] = ()
    interrupted: int = 0
    guarantee: str = "at-least-once"
    check_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}

    def error_words(self, lang: str = "fr") -> str:
        """Why the last attempt failed, in words ('' when sent or never failed); see `failure_words`."""
        return failure_words(self.last_error, lang) if self.last_error and self.status != "sent" else ""

    def uncertain(self, lang: str = "fr") -> str:
        """The ambiguity of interrupted attempts in words ('' when none was interrupted)."""
        from watcher.i18n.texts import t

        if not self.interrupted:
            return ""
        return t(f"outbox.interrupted.{'idempotent' if self.guarantee == 'idempotent' else 'duplicate'}", lang,
                 count=self.interrupted)


@dataclass
class Row:
    """A row as the sender needs it (the destination unmasked: never show it)."""

    id: int
    kind: str
    channel: str
    destination: str
    target: str | None
    status: str
    title: str
    body: str
    body_format: str
    attachments: list[str]
    alert: str | None
    lang: str
    attempts: int
    key: str = ""
    claimed_by: str | None = None


_ROW_COLUMNS = ("id, kind, channel, destination, target, status, title, body, body_format, attachments, alert, "
                "lang, attempts, key, claimed_by")


class Outbox:
    """The SQLite outbox: every message, its state and its next attempt.

    `Outbox(path)` opens (or creates) an outbox in its own SQLite file (tests, `send_test`'s scratch box);
    `Outbox.of_store(store)` is the store's own outbox, a table of its index sharing its connection, so a check
    and its alerts commit together; `Outbox.at(snapshots)` opens the store of a snapshots folder for that.
    Raises StoreError when the file cannot be opened; every method raises StoreError after `close()`.
    """

    def __init__(self, path: Path, clock: Callable[[], datetime] = utc_now, *,
                 db: sqlite3.Connection | None = None, lock: Any = None, owner: Any = None) -> None:
        self.path = path
        self.clock = clock
        self.lock = lock if lock is not None else threading.RLock()
        self.owner = owner  # a Store opened for this outbox: closed with it
        self.closed = False
        with self._errors(f"cannot open the outbox {path}"):
            self._own_db = db is None
            if db is None:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
            self.db = db
            with self.lock:
                self.db.executescript(SCHEMA)
                present = {row[1] for row in self.db.execute("PRAGMA table_info(outbox)")}
                for name, kind in ADDED_COLUMNS.items():
                    if name not in present:
                        self.db.execute(f"ALTER TABLE outbox ADD COLUMN {name} {kind}")
        self.holder = process_id()

    @classmethod
    def of_store(cls, store: Store, clock: Callable[[], datetime] = utc_now) -> Outbox:
        """The outbox table of `store`'s index, on the store's connection and lock (one transaction for a check
        and its alerts); an outbox file left by an earlier version is moved in first (`merge_legacy`)."""
        box = cls(store.root / "index.sqlite3", clock, db=store.db, lock=store.lock)
        box.merge_legacy(store.root / LEGACY_FILE)
        return box

    @classmethod
    def at(cls, snapshots: Path, clock: Callable[[], datetime] = utc_now) -> Outbox:
        """The outbox of the snapshots folder `snapshots` (opens its store; both closed by `close()`).
        Raises StoreError (IndexMissing included) like `Store(snapshots)`."""
        from watcher.store.snapshots import Store

        store = Store(snapshots)
        try:
            box = cls.of_store(store, clock)
        except BaseException:
            store.close()
            raise
        box.owner = store
        return box

    def merge_legacy(self, legacy: Path) -> int:
        """Move the rows of an outbox kept in its own file (versions before it joined the index) into this
        one, once: same keys, statuses and attempts; the old file is renamed `*.merged`. Returns how many."""
        if not legacy.is_file():
            return 0
        with self._errors(f"cannot merge the old outbox {legacy}"):
            old = sqlite3.connect(legacy, timeout=30)
            try:
                names = [r[1] for r in old.execute("PRAGMA table_info(outbox)")]
                rows = old.execute(f"SELECT {', '.join(names)} FROM outbox ORDER BY id").fetchall() if names else []
            finally:
                old.close()
            columns = [n for n in names if n != "id"]
            merged = 0
            with self.transaction() as db:
                for row in rows:
                    values = dict(zip(names, row, strict=True))
                    cursor = db.execute(
                        f"INSERT OR IGNORE INTO outbox ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})",
                        [values[c] for c in columns])
                    merged += cursor.rowcount
            for suffix in ("", "-wal", "-shm"):
                part = legacy.with_name(legacy.name + suffix)
                if part.exists():
                    part.rename(part.with_name(part.name.replace(LEGACY_FILE, LEGACY_FILE + ".merged")))
        log.info("moved %d message(s) of %s into the index", merged, legacy)
        return merged

    def close(self) -> None:
        """Close the outbox (and the store opened for it; a borrowed connection is its store's to close); any
        later call raises StoreError and never reaches SQLite."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            if self.owner is not None:
                self.owner.close()
            elif self._own_db:
                self.db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    @contextlib.contextmanager
    def _errors(what: str) -> Iterator[None]:
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{what}: {exc}") from None

    @contextlib.contextmanager
    def _open(self, what: str) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, once sure the outbox is open (StoreError otherwise)."""
        with self.lock:
            if self.closed:
                raise StoreError(f"{what}: the outbox is closed")
            with self._errors(what):
                yield self.db

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT); inside a transaction already open on the same
        connection (a check being recorded, see `Store.record_check`), part of it."""
        with self._open("outbox error") as db:
            if db.in_transaction:
                yield db
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def add(self, *, key: str, kind: str, dest: Destination, target: str | None, status: str, lang: str,
            message: Message | None = None, alert: Alert | None = None, due: datetime | None = None,
            check_id: int | None = None) -> int | None:
        """Store one message; returns its id, or None when the same key is already there (a duplicate)."""
        now = self.clock()
        message = message or Message("", "")
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO outbox (key, kind, channel, destination, target, status, title, body,"
                " body_format, attachments, alert, lang, created, due, updated, check_id)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (key, kind, dest.channel, dest.template, target, status, message.title, message.body,
                 message.body_format, json.dumps([str(p) for p in message.attachments]),
                 dumps(alert) if alert else None, lang, _iso(now), _iso(due or now), _iso(now), check_id))
        return int(cursor.lastrowid or 0) if cursor.rowcount else None

    def id_of(self, key: str) -> int | None:
        """The row holding idempotency key `key`, if any."""
        with self._open("cannot read the outbox") as db:
            found = db.execute("SELECT id FROM outbox WHERE key = ?", (key,)).fetchone()
        return int(found[0]) if found else None

    def confirming(self, check_id: int) -> list[Row]:
        """The alerts of check `check_id` waiting for its confirmation (state `confirming`)."""
        return self._rows("status = 'confirming' AND check_id = ?", (check_id,))

    def release(self, row_id: int, status: str, due: datetime) -> None:
        """A confirmed alert goes on: `pending` (sent when `due`) or `held` (for the digest at `due`)."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET status=?, due=?, updated=? WHERE id=? AND status='confirming'",
                       (status, _iso(due), _iso(self.clock()), row_id))

    def withdraw(self, check_id: int) -> int:
        """Drop the alerts of check `check_id` still waiting for confirmation (its change did not stay);
        deleted, so the same change seen again later is a new alert, not a duplicate."""
        with self.transaction() as db:
            cursor = db.execute("DELETE FROM outbox WHERE status = 'confirming' AND check_id = ?", (check_id,))
        return cursor.rowcount

    def _rows(self, where: str, args: tuple[Any, ...]) -> list[Row]:
        with self._open("cannot read the outbox") as db:
            rows = db.execute(f"SELECT {_ROW_COLUMNS} FROM outbox WHERE {where} ORDER BY id", args).fetchall()
        return [Row(id=r[0], kind=r[1], channel=r[2], destination=r[3], target=r[4], status=r[5], title=r[6],
                    body=r[7], body_format=r[8], attachments=json.loads(r[9]), alert=r[10], lang=r[11],
                    attempts=r[12], key=r[13], claimed_by=r[14]) for r in rows]

    def resolve_stale(self) -> int:
        """Claims cut mid-send (lease over, or holder process gone from this machine) become pending again,
        due now, their attempt counted as interrupted (outcome unknown: see `guarantee`). Returns how many."""
        now = self.clock()
        stale = [r for r in self._rows("status = 'sending'", ())
                 if r.claimed_by != self.holder and (holder_gone(r.claimed_by) or self._lease_over(r.id, now))]
        resolved = 0
        with self.transaction() as db:
            for row in stale:
                cursor = db.execute(
                    "UPDATE outbox SET status='pending', interrupted=interrupted+1, claimed_by=NULL,"
                    " lease_until=NULL, due=?, updated=? WHERE id=? AND status='sending' AND claimed_by IS ?",
                    (_iso(now), _iso(now), row.id, row.claimed_by))
                resolved += cursor.rowcount
                if cursor.rowcount:
                    log.warning("outbox #%s: an attempt was cut mid-send (%s); %s", row.id, row.claimed_by,
                                "sent again with the same Idempotency-Key" if guarantee(row.destination) ==
                                "idempotent" else "sent again, a duplicate is possible")
        return resolved

    def _lease_over(self, row_id: int, now: datetime) -> bool:
        with self._open("cannot read the outbox") as db:
            found = db.execute("SELECT lease_until FROM outbox WHERE id = ?", (row_id,)).fetchone()
        return not found or not found[0] or found[0] < _iso(now)

    def due(self, force: bool = False, ids: Iterable[int] | None = None) -> list[Row]:
        """Pending messages whose next attempt has come (all pending ones with `force`; only those of `ids`
        when given), after resolving stale claims."""
        self.resolve_stale()
        now = self.clock()
        wanted = None if ids is None else sorted(set(ids))
        if wanted is not None and not wanted:
            return []
        where, args = "status = 'pending'", list[Any]()
        if not force:
            where += " AND due <= ?"
            args.append(_iso(now))
        if wanted is not None:
            where += f" AND id IN ({','.join('?' * len(wanted))})"
            args.extend(wanted)
        return self._rows(where, tuple(args))

    def held_due(self, force: bool = False) -> list[Row]:
        if force:
            return self._rows("status = 'held'", ())
        return self._rows("status = 'held' AND due <= ?", (_iso(self.clock()),))

    def claim(self, row_id: int, lease: timedelta = LEASE) -> bool:
        """Take a pending message for sending: in one transaction the row becomes `sending`, held by this
        process until `lease` from now, and the attempt is counted before it starts. False if another process
        took it first."""
        now = self.clock()
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET status='sending', claimed_by=?, lease_until=?, attempts=attempts+1, updated=?"
                " WHERE id=? AND status='pending'", (self.holder, _iso(now + lease), _iso(now), row_id))
        return cursor.rowcount == 1

    def record(self, row: Row, outcome: SendOutcome) -> str:
        """Store the result of one claimed attempt; returns the new status (sent, pending or failed), or
        `sending` when the claim is no longer this process's (resolved by another one meanwhile)."""
        now = self.clock()
        with self._open("cannot read the outbox") as db:
            found = db.execute("SELECT attempts FROM outbox WHERE id=? AND status='sending' AND claimed_by=?",
                               (row.id, self.holder)).fetchone()
        if not found:
            return "sending"
        attempts = int(found[0])
        if outcome.ok:
            status, due = "sent", now
        else:
            status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
            due = now + BACKOFF[min(attempts, len(BACKOFF)) - 1]
        with self.transaction() as db:
            db.execute("UPDATE outbox SET status=?, due=?, updated=?, sent=?, last_error=?, claimed_by=NULL,"
                       " lease_until=NULL WHERE id=? AND claimed_by=?",
                       (status, _iso(due), _iso(now), _iso(now) if outcome.ok else None,
                        None if outcome.ok else outcome.error, row.id, self.holder))
        return status

    def mark_digested(self, ids: Sequence[int], digest_id: int) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE outbox SET status='digested', digest_id=?, updated=? WHERE id=?",
                           [(digest_id, _iso(self.clock()), i) for i in ids])

    def requeue_failed(self) -> int:
        """Give failed messages a new series of attempts (after fixing a channel)."""
        with self.transaction() as db:
            cursor = db.execute("UPDATE outbox SET status='pending', attempts=0, due=?, updated=? "
                                "WHERE status='failed'", (_iso(self.clock()), _iso(self.clock())))
        return cursor.rowcount

    def entries(self, statuses: Iterable[str] = (), ids: Iterable[int] | None = None) -> list[OutboxEntry]:
        """What the outbox holds, oldest first, destinations masked (only rows of `ids` when given)."""
        wanted = list(statuses)
        clauses, args = [], list[Any](wanted)
        if wanted:
            clauses.append(f"status IN ({','.join('?' * len(wanted))})")
        if ids is not None:
            chosen = list(ids)
            clauses.append(f"id IN ({','.join('?' * len(chosen))})" if chosen else "0")
            args.extend(chosen)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._open("cannot read the outbox") as db:
            rows = db.execute(
                "SELECT id, kind, channel, destination, target, status, title, attempts, created, due, sent,"
                f" last_error, attachments, interrupted, check_id FROM outbox {where} ORDER BY id", args).fetchall()
        return [OutboxEntry(r[0], r[1], r[2], mask_url(r[3]), r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
                            tuple(json.loads(r[12])), int(r[13] or 0), guarantee(r[3]), r[14]) for r in rows]


# --- deciding, rendering, sending -----------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What happened to one message for one destination (masked)."""

    channel: str
    destination: str
    title: str
    status: str  # queued | held | confirming | duplicate | sent | pending (will retry) | failed | sending
    error: str | None = None
    row_id: int | None = None  # the outbox row (`watcher outbox` #id)


@dataclass
class DeliveryReport:
    """What a call queued and sent; `ok` is False when a destination failed."""

    deliveries: list[Delivery] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for d in self.deliveries if d.status == status)

    @property
    def ok(self) -> bool:
        return not any(d.status in ("failed", "pending") for d in self.deliveries)

    def extend(self, other: DeliveryReport) -> DeliveryReport:
        self.deliveries.extend(other.deliveries)
        return self

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "deliveries": [d.__dict__ for d in self.deliveries]}


def fit_attachments(paths: Sequence[Path], traits: Traits, channel: Channel) -> tuple[Path, ...]:
    """The pictures this destination can take: composite first, within the channel's count and size caps."""
    if not traits.attachments:
        return ()
    chosen: list[Path] = []
    total = 0
    for path in paths:
        size = path.stat().st_size if path.is_file() else None
        if size is None or len(chosen) >= channel.max_attachments or total + size > channel.max_attachment_bytes:
            continue
        chosen.append(path)
        total += size
    return tuple(chosen)


def truncate(body: str, limit: int, tail: str) -> str:
    """Cut a plain-text body at a line end so that it fits, ending with where to read the rest."""
    if len(body) <= limit:
        return body
    room = max(0, limit - len(tail) - 2)
    cut = body[:room]
    cut = cut[: cut.rfind("\n")] if "\n" in cut[room // 2:] else cut
    return cut.rstrip() + "\n" + tail


class Notifier:
    """Everything needed to queue and send: the outbox, the channels, Apprise, the templates and the clock."""

    def __init__(self, outbox: Outbox, channels: Channels, sender: Sender | None = None,
                 renderer: Renderer | None = None) -> None:
        self.outbox = outbox
        self.channels = channels
        self.sender = sender or AppriseSender(channels.plugin_paths)
        self.renderer = renderer or Renderer(channels.templates_dir)
        self.stopping = threading.Event()  # set by stop(): no new message is taken
        self.idle = threading.Condition()
        self.in_flight = 0  # sends started and not recorded yet

    def stop(self) -> None:
        """Take no new message (SIGTERM): a send in flight still ends and is recorded (see `drain`)."""
        self.stopping.set()

    def drain(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the sends in flight to be recorded; False if some still run (their
        claims are then resolved by the next process, see `Outbox.resolve_stale`)."""
        with self.idle:
            return self.idle.wait_for(lambda: self.in_flight == 0, timeout)

    # rendering for one destination

    def traits(self, dest: Destination) -> Traits:
        try:
            traits = self.sender.describe(self.channels.resolve(dest.template))
        except KeyError:
            traits = None
        return traits or Traits("txt", False, 32768)

    def render_for(self, alert: Alert, dest: Destination) -> Message:
        """The alert as this destination should get it: its format, its length, the pictures it can take."""
        channel = self.channels.channel(dest.channel)
        traits = self.traits(dest)
        limit = min(traits.body_max, channel.max_body_chars or traits.body_max)
        fmt = "short" if limit < SHORT_BODY_UNDER else traits.fmt
        changelog = self.channels.settings.changelog_url
        message = render_alert(self.renderer, alert, channel.lang, fmt, changelog)
        if len(message.body) > limit and fmt != "txt":  # markup cannot be cut safely: fall back to text
            message = render_alert(self.renderer, alert, channel.lang, "txt", changelog)
        tail = f"… {alert.link(changelog) or alert.target_url}"
        body = truncate(message.body, limit, tail)
        return Message(message.title, body, message.body_format, fit_attachments(alert.images, traits, channel))

    # queueing

    def queue_alert(self, alert: Alert, *, confirming: int | None = None) -> DeliveryReport:
        """Queue one alert for every destination of every channel it is routed to (digest channels hold it).

        With `confirming` (a check id), the alert waits in the outbox (state `confirming`, « en attente de
        confirmation ») until `release(confirming)` sends it or `withdraw(confirming)` drops it; it survives
        restarts there.
        """
        report = DeliveryReport()
        alert = with_said(self.outbox, alert)
        for name in route(self.channels, alert.severity, alert.tags, alert.audiences):
            for dest in self.channels.destinations(name):
                report.deliveries.append(self._queue_one(alert, dest, confirming))
        return report

    def _queue_one(self, alert: Alert, dest: Destination, confirming: int | None = None) -> Delivery:
        channel = self.channels.channel(dest.channel)
        key = idempotency_key("alert", alert.target_id, alert.fingerprint, dest.template)
        if channel.mode == "digest":
            row = self.outbox.add(key=key, kind="alert", dest=dest, target=alert.target_id,
                                  status="confirming" if confirming is not None else "held",
                                  lang=channel.lang, alert=alert, due=self._digest_time(channel),
                                  message=Message(_title(self.renderer, alert, channel.lang), ""), check_id=confirming)
            status = "held"
        else:
            message = self.render_for(alert, dest)
            row = self.outbox.add(key=key, kind="alert", dest=dest, target=alert.target_id,
                                  status="confirming" if confirming is not None else "pending",
                                  lang=channel.lang, message=message, alert=alert, check_id=confirming)
            status = "queued"
        if confirming is not None:
            status = "confirming"
        title = _title(self.renderer, alert, channel.lang)
        return Delivery(dest.channel, dest.masked, title, status if row else "duplicate", None,
                        row if row else self.outbox.id_of(key))

    def _digest_time(self, channel: Channel) -> datetime:
        hour = channel.digest_hour if channel.digest_hour is not None else self.channels.settings.digest_hour
        return next_digest(self.outbox.clock(), hour)

    def release(self, check_id: int) -> int:
        """Send on the alerts of check `check_id` that waited for its confirmation; returns how many there were
        (0: none waited, e.g. held by a version that kept them in memory)."""
        rows = self.outbox.confirming(check_id)
        for row in rows:
            channel = self.channels.settings.channels.get(row.channel)
            if channel is not None and channel.mode == "digest":
                self.outbox.release(row.id, "held", self._digest_time(channel))
            else:
                self.outbox.release(row.id, "pending", self.outbox.clock())
        return len(rows)

    def withdraw(self, check_id: int) -> int:
        """Drop the alerts of check `check_id` that waited for a confirmation that did not come."""
        return self.outbox.withdraw(check_id)

    def queue_coordinators(self, kind: str, target_id: str, streak_key: str, messages: dict[str, Message]) -> \
            DeliveryReport:
        """Queue a message for the coordinators' channels only (`messages` by language)."""
        report = DeliveryReport()
        for name in coordinator_channels(self.channels):
            lang = self.channels.channel(name).lang
            message = messages.get(lang) or messages["fr"]
            for dest in self.channels.destinations(name):
                key = idempotency_key(kind, target_id, streak_key, dest.template)
                row = self.outbox.add(key=key, kind=kind, dest=dest, target=target_id, status="pending",
                                      lang=lang, message=message)
                report.deliveries.append(Delivery(name, dest.masked, message.title, "queued" if row else "duplicate"))
        return report

    # sending

    def send_due(self, force: bool = False, digests_now: bool = False,
                 ids: Iterable[int] | None = None) -> DeliveryReport:
        """Build the digests that are due, then send every pending message whose time has come (only the rows
        of `ids` when given). Each send is claimed first (`Outbox.claim`); nothing is taken after `stop()`."""
        if self.stopping.is_set():
            return DeliveryReport()
        if ids is None:
            self.flush_digests(force=digests_now)
        report = DeliveryReport()
        disabled = self.channels.disabled  # their messages wait, untouched, until channels.yaml is fixed
        for row in self.outbox.due(force=force, ids=ids):
            if self.stopping.is_set():
                break
            if row.channel in disabled:
                continue
            with self.idle:
                self.in_flight += 1
            try:
                if self.outbox.claim(row.id):
                    report.deliveries.append(self._send_row(row))
            finally:
                with self.idle:
                    self.in_flight -= 1
                    self.idle.notify_all()
        return report

    def _send_row(self, row: Row) -> Delivery:
        dest = Destination(row.channel, row.destination)
        message = Message(row.title, row.body, row.body_format, tuple(Path(p) for p in row.attachments))
        try:
            url = with_idempotency_key(self.channels.resolve(row.destination), row.key)
            outcome = self.sender.send(url, message)
        except KeyError as exc:
            outcome = SendOutcome(False, f"variable d'environnement {exc.args[0]} manquante")
        except Exception as exc:  # a plugin bug must cost one message one attempt, not the whole run
            log.exception("sending outbox message %s failed", row.id)
            outcome = SendOutcome(False, f"{exc.__class__.__name__}")
        outcome = SendOutcome(outcome.ok, self._scrub(outcome.error, row.destination))
        status = self.outbox.record(row, outcome)
        log.info("outbox #%s to %s: %s", row.id, dest.masked, status)
        return Delivery(row.channel, dest.masked, row.title, status, outcome.error, row.id)

    def _scrub(self, text: str | None, template: str) -> str | None:
        """Remove secrets (values of the URL's ${VARS}, and the resolved URL) from an error text."""
        if not text:
            return text
        from watcher.config.channels import ENV_VAR

        for var in ENV_VAR.findall(template):
            value = self.channels.env.get(var)
            if value and len(value) >= 3:
                text = text.replace(value, "***")
        return text

    def flush_digests(self, force: bool = False) -> int:
        """Group held alerts whose digest time has come into one message per destination; returns how many."""
        groups: dict[tuple[str, str, str], list[Row]] = {}
        for row in self.outbox.held_due(force=force):
            groups.setdefault((row.channel, row.destination, row.lang), []).append(row)
        for (channel, template, lang), rows in groups.items():
            dest = Destination(channel, template)
            alerts = [loads(r.alert) for r in rows if r.alert]
            traits = self.traits(dest)
            fmt = "txt" if traits.fmt in ("short", "md") else traits.fmt
            message = render_digest(self.renderer, alerts, lang, fmt, self.channels.settings.changelog_url)
            message = Message(message.title, message.body, message.body_format,
                              fit_attachments(message.attachments, traits, self._channel_or_default(channel)))
            key = idempotency_key("digest", "", ",".join(str(r.id) for r in rows), template)
            digest_id = self.outbox.add(key=key, kind="digest", dest=dest, target=None, status="pending",
                                        lang=lang, message=message)
            if digest_id is not None:
                self.outbox.mark_digested([r.id for r in rows], digest_id)
        return len(groups)

    def _channel_or_default(self, name: str) -> Channel:
        return self.channels.settings.channels.get(name) or Channel(urls=["console://"])


def _title(renderer: Renderer, alert: Alert, lang: str) -> str:
    return render_alert(renderer, alert, lang, "short", None).title


def next_digest(now: datetime, hour: int) -> datetime:
    """The next daily digest time (Paris) after `now`."""
    local = now.astimezone(PARIS)
    at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at <= local:
        at = (local + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return at.astimezone(UTC)


def sent_breaks(outbox: Outbox, target_id: str) -> set[tuple[str, int]]:
    """The (procedure, broken step) pairs of `target_id` that a message really carried to someone: an alert
    sent, or held and then carried by a digest that was sent."""
    with outbox._errors("cannot read the outbox"):
        rows = outbox.db.execute(
            "SELECT alert FROM outbox AS o WHERE kind = 'alert' AND target = ? AND alert IS NOT NULL AND"
            " (status = 'sent' OR (status = 'digested' AND EXISTS"
            " (SELECT 1 FROM outbox AS d WHERE d.id = o.digest_id AND d.status = 'sent')))", (target_id,)).fetchall()
    said: set[tuple[str, int]] = set()
    for (text,) in rows:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            said.update(loads(text).blocked)
    return said


def with_said(outbox: Outbox, alert: Alert) -> Alert:
    """The alert knowing which of its blocked procedures were already told (« (déjà signalé) »), from the
    outbox: only what was sent counts, never what an earlier check merely saw."""
    if not alert.blocked:
        return alert
    sent = sent_breaks(outbox, alert.target_id)
    said = tuple(name for name, step in alert.blocked if (name, step) in sent)
    return dataclasses.replace(alert, said=said)


def configuration_news(notifier: Notifier, result: CheckReport) -> DeliveryReport:
    """Tell coordinators, once per mistake, of the procedures of this page that never worked as written
    (report/alerts.configuration_message): a configuration problem, never a mediators' alert."""
    problems = result.never_worked
    if not problems:
        return DeliveryReport()
    messages = configuration_message(result, notifier.renderer)
    fingerprint = "|".join(f"{p.slug}:{p.broken_step}:{p.problem}:{p.step.model_dump_json() if p.step else ''}"
                           for p in problems)
    return notifier.queue_coordinators("configuration", result.id, fingerprint, messages)


# --- coordinators ---------------------------------------------------------------------------------


class HistoryEntry(Protocol):
    """What the coordinators' news reads of a check (read-only, so frozen store.CheckRecord rows fit)."""

    @property
    def status(self) -> str: ...
    @property
    def time(self) -> str: ...


def unreachable_message(target: Target | TargetFacts, reason: str | None, count: int, since: datetime,
                        renderer: Renderer | None = None, degraded: Degraded | None = None) -> dict[str, Message]:
    """The coordinators' message about a page failing `count` checks in a row since `since` (fr and en);
    with `degraded`, the last check got a degraded page (maintenance, queue…) rather than no answer."""
    renderer = renderer or Renderer()
    messages = {}
    for lang in ("fr", "en"):
        from watcher.i18n.texts import plain_reason
        from watcher.safety.sanitize import one_line

        # our words and the configured host (no page text): controls stripped, the host left readable
        words = one_line(plain_reason(reason, target.url, lang)) if reason else reason
        context = {"target_name": target.name, "target_url": target.url, "reason": words, "count": count,
                   "since": since, "degraded": degraded.describe(lang) if degraded else None}
        messages[lang] = renderer.render("unreachable", lang, "txt", **context)
    return messages


def recovery_message(target: Target | TargetFacts, count: int, since: datetime, recovered: datetime,
                     renderer: Renderer | None = None) -> dict[str, Message]:
    """The coordinators' message about a page answering again after `count` failed checks (fr and en)."""
    renderer = renderer or Renderer()
    context = {"target_name": target.name, "target_url": target.url, "count": count, "since": since,
               "recovered": recovered}
    return {lang: renderer.render("recovery", lang, "txt", **context) for lang in ("fr", "en")}


OUTAGE = ("unreachable", "degraded")  # the page could not be seen: no answer, or a maintenance/queue page


def unreachable_streak(history: Sequence[HistoryEntry]) -> list[HistoryEntry]:
    """The trailing run of unreachable or degraded checks (watcher's own errors neither break nor extend it)."""
    streak: list[HistoryEntry] = []
    for entry in reversed(history):
        if entry.status == "error":
            continue
        if entry.status not in OUTAGE:
            break
        streak.append(entry)
    return streak[::-1]


def notify_check_result(notifier: Notifier, result: CheckReport | Reportable, history: Sequence[HistoryEntry], *,
                        procedures: Sequence[Any] | None = None, send: bool = True) -> DeliveryReport:
    """Decide and queue what one check means for the network, then (with `send`) send what is due.

    Call it after each check, with `store.history(target.id)` (oldest first, this check included):
    - an alert goes to the mediators' channels its tags, audiences and severity route it to;
    - a procedure that never worked as written tells coordinators what to fix, once per mistake;
    - the Nth unreachable or degraded check in a row (channels.yaml `unreachable_after`, default 3) tells
      coordinators, once per outage; the first successful check after such an outage tells them it recovered.
    """
    report = DeliveryReport()
    checked = as_report(result)
    alert = alert_from_result(checked, procedures)
    if alert is not None:
        report.extend(notifier.queue_alert(alert))
    report.extend(_coordinator_news(notifier, checked, history))
    report.extend(configuration_news(notifier, checked))
    if send:
        report.extend(notifier.send_due())
    return report


def _coordinator_news(notifier: Notifier, result: CheckReport, history: Sequence[HistoryEntry]) -> DeliveryReport:
    threshold = notifier.channels.settings.unreachable_after
    target = result.target
    when = report_time(result) or utc_now()
    if result.status in OUTAGE:
        streak = unreachable_streak(history)
        if len(streak) < threshold:
            return DeliveryReport()
        since = datetime.fromisoformat(streak[0].time)
        messages = unreachable_message(target, result.reason, len(streak), since, notifier.renderer,
                                       result.degraded())
        return notifier.queue_coordinators("unreachable", result.id, streak[0].time, messages)
    if result.status in ("new", "changed", "unchanged"):
        previous = [h for h in history if h.status != "error"][:-1]  # the history before this check
        streak = unreachable_streak(previous)
        if len(streak) < threshold:
            return DeliveryReport()
        since = datetime.fromisoformat(streak[0].time)
        messages = recovery_message(target, len(streak), since, when, notifier.renderer)
        return notifier.queue_coordinators("recovery", result.id, streak[0].time, messages)
    return DeliveryReport()


def tell_disabled_channels(notifier: Notifier, lang: str = "fr") -> list[str]:
    """Tell coordinators, once per problem, which channels are disabled and why (channels.yaml line included).

    Queued on the coordinators' channels that can send (the outbox key makes it once, across restarts);
    returns the lines (in `lang`) to print on stderr instead when there is no such channel.
    """
    from watcher.i18n.texts import t

    channels = notifier.channels
    coordinators = coordinator_channels(channels)
    unsaid: list[str] = []
    for name, problems in channels.disabled.items():
        if not coordinators:
            unsaid.extend(t("run.no_coordinators", lang, line=p.line_text(channels.source, lang)) for p in problems)
            continue
        messages = {lang: Message(t("channel.disabled.title", lang, name=name), t(
            "channel.disabled.body", lang, name=name,
            lines="\n".join(p.line_text(channels.source, lang) for p in problems))) for lang in ("fr", "en")}
        fingerprint = "|".join(f"{p.kind}:{p.index}:{p.detail}" for p in problems)
        notifier.queue_coordinators("channel-disabled", name, fingerprint, messages)
    return unsaid


# --- entry points for the demo and the command line -----------------------------------------------


def deliver_alerts(results: Sequence[CheckReport | Reportable], notifiers_dir: Path | None, outbox_path: Path, *,
                   extra_urls: Sequence[str] = (), sender: Sender | None = None) -> DeliveryReport:
    """Queue and send the alerts of these checks now (the demo's way): channels of `notifiers_dir`
    (a console channel without one), plus `extra_urls` as a channel taking every alert. `outbox_path`: a
    snapshots folder (its store's outbox) or an outbox file of its own."""
    channels = load_channels(notifiers_dir)
    if extra_urls:
        channels = channels.with_extra("extra", extra_urls)
    with Outbox.at(outbox_path) if outbox_path.is_dir() else Outbox(outbox_path) as outbox:
        notifier = Notifier(outbox, channels, sender)
        report = DeliveryReport()
        for result in results:
            alert = alert_from_result(result)
            if alert is not None:
                report.extend(notifier.queue_alert(alert))
        return report.extend(notifier.send_due())


def sample_alert(image: Path, lang: str = "fr") -> Alert:
    """The alert `watcher notify-test` sends: a made-up change on a made-up page, with one picture."""
    summary = {"fr": "Le bouton « Se connecter » s'appelle désormais « Me connecter » (en-tête)",
               "en": "The “Se connecter” button is now called “Me connecter” (header)"}
    short = {"fr": "le bouton « Se connecter » a changé", "en": "the “Se connecter” button changed"}
    change = AlertChange("renamed", "button", "major", summary, short, "Se connecter", "Me connecter", "banner")
    name = "Essai watcher — Mon Compte" if lang == "fr" else "watcher test — My Account"
    return Alert("essai-watcher", name, "https://example.org/mon-compte", (change,), utc_now(),
                 images=(image,), procedures=("Se connecter à son espace",))


def write_sample_png(path: Path) -> Path:
    """A small before/after picture (Pillow), so a test alert shows how attachments arrive."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 40, 140, 80), outline="black", fill="#dddddd")
    draw.text((32, 54), "Se connecter", fill="black")
    draw.rectangle((180, 40, 300, 80), outline="black", fill="#ffe08a")
    draw.text((192, 54), "Me connecter", fill="black")
    image.save(path, "PNG")
    return path


def send_test(channels: Channels, name: str, workdir: Path, sender: Sender | None = None) -> DeliveryReport:
    """Send a sample alert with a sample picture to every destination of one channel, now, without the outbox."""
    channel = channels.channel(name)
    channels.require_usable(name, channel.lang)
    alert = sample_alert(write_sample_png(workdir / "exemple-avant-apres.png"), channel.lang)
    with Outbox(workdir / "outbox-test.sqlite3") as scratch:
        notifier = Notifier(scratch, channels, sender)
        report = DeliveryReport()
        for dest in channels.destinations(name):
            message = notifier.render_for(alert, dest)
            try:
                outcome = notifier.sender.send(channels.resolve(dest.template), message)
            except KeyError as exc:
                outcome = SendOutcome(False, f"variable d'environnement {exc.args[0]} manquante")
            error = notifier._scrub(outcome.error, dest.template)
            report.deliveries.append(Delivery(name, dest.masked, message.title,
                                              "sent" if outcome.ok else "failed", error))
        return report


__all__ = [
    "AppriseSender", "Delivery", "DeliveryReport", "IDEMPOTENT_SCHEMES", "LEASE", "Notifier", "Outbox",
    "OutboxEntry", "Sender", "SendOutcome", "Traits", "apprise_plugins", "configuration_news", "deliver_alerts",
    "failure_words", "guarantee", "holder_gone", "next_digest", "notify_check_result", "recovery_message", "send_test", "sent_breaks",
    "tell_disabled_channels", "unreachable_message", "unreachable_streak", "with_idempotency_key", "with_said",
]


# --- what the command line shows ------------------------------------------------------------------

def _paris_stamp(value: str) -> str:
    """A stored UTC time as people read it: Paris wall-clock time (« 2025-03-01 08:00:00 »)."""
    from watcher.i18n.dates import stamp

    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return stamp(when if when.tzinfo else when.replace(tzinfo=UTC))


def outbox_lines(entries: Sequence[OutboxEntry], lang: str = "fr") -> list[str]:
    """The outbox for a person: one line per message, destinations masked."""
    from watcher.i18n.texts import t

    if not entries:
        return [t("outbox.empty", lang)]
    lines = []
    for e in entries:
        line = (f"#{e.id} [{status_words(e.status, lang)}] {e.channel} {e.destination} — {e.title} "
                f"({t('outbox.attempts', lang, count=e.attempts)}")
        if e.status == "pending" and e.attempts:
            line += ", " + t("outbox.next", lang, due=_paris_stamp(e.due))
        line += ")"
        if e.last_error and e.status != "sent":
            line += "\n    " + t("outbox.error", lang, error=e.error_words(lang))
        if e.interrupted:
            line += "\n    " + e.uncertain(lang)
        lines.append(line)
    return lines


def delivery_lines(report: DeliveryReport, lang: str = "fr") -> list[str]:
    """One line per destination of a send: OK or failed, destination masked."""
    from watcher.i18n.texts import t

    lines = []
    for d in report.deliveries:
        mark = t("outbox.ok", lang) if d.status == "sent" else t("outbox.failed", lang)
        lines.append(f"{mark} {d.channel} {d.destination}" + (f" — {failure_words(d.error, lang)}" if d.error else ""))
    return lines


def retry_summary(report: DeliveryReport, lang: str = "fr") -> str:
    """« 2 envoyés, 0 en échec, 1 à réessayer plus tard »: what `watcher outbox retry` did."""
    from watcher.i18n.texts import t

    return t("outbox.retry", lang, sent=report.count("sent"), failed=report.count("failed"),
             pending=report.count("pending"))
