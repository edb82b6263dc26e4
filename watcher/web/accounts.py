"""Who may open the web page: accounts (argon2 hashes) and sessions, kept in the snapshots index.

Two tables beside the index's `checks` and `marks`, created on first use:
- `users`: one row per account (`name`, argon2id `hash` from argon2-cffi, `role` "coordinator" or "reader",
  `created` UTC ISO);
- `web_sessions`: one row per open session, keyed by the SHA-256 of the cookie's random token (the token itself
  is never stored, so reading the index does not give a session away), with its CSRF token and expiry.

Removing an account closes its sessions. Failed logins are counted in a third table, `login_failures`
(`LoginLimiter`): the limits survive a restart.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from watcher.errors import InputError
from watcher.store.snapshots import Store, disk_errors

__all__ = ["Accounts", "LoginLimiter", "NAME_PATTERN", "Session", "account_text"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'coordinator',
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS web_sessions (
    token_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name),
    csrf TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL
);
"""

LIMITS_SCHEMA = """
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT NOT NULL,
    time REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, time);
"""

ROLES = ("coordinator", "reader")
SESSION_LIFETIME = timedelta(hours=12)
NAME_PATTERN = re.compile(r"^[\w.@-]{1,64}$")
MIN_PASSWORD = 10  # characters; the ANSSI advises 12+ for passwords alone, a login limit is in front of it

def account_text(key: str, lang: str, **values: object) -> str:
    """The words of `key` (« web.account.<key> » in the gettext catalogs) in `lang`, with `values` filled in."""
    from watcher.i18n.texts import t

    return t("web.account." + key, lang, **values)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Account:
    """One person who may log in: name, role ("coordinator" may change things, "reader" only looks)."""

    name: str
    role: str
    created: str


@dataclass(frozen=True)
class Session:
    """An open session: whose it is, its CSRF token (echoed by every form) and its expiry (UTC ISO)."""

    user: str
    role: str
    csrf: str
    expires: str


class Accounts:
    """Accounts and sessions stored in the index of a `Store` (its connection and lock)."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = _now) -> None:
        self.store = store
        self.clock = clock
        self.hasher = PasswordHasher()  # argon2id, the library's current parameters (RFC 9106 low-memory choice)
        with store.lock, disk_errors("cannot prepare the accounts table"):
            store.db.executescript(SCHEMA)

    # --- accounts --------------------------------------------------------------------------------------

    def add(self, name: str, password: str, role: str = "coordinator", lang: str = "fr") -> Account:
        """Create an account; InputError (French or English words) on a bad name, a short password, a taken name."""
        if not NAME_PATTERN.match(name):
            raise InputError(account_text("bad_name", lang, name=name))
        if len(password) < MIN_PASSWORD:
            raise InputError(account_text("short", lang, n=MIN_PASSWORD))
        if role not in ROLES:
            raise InputError(f"role: {role}")
        if self.get(name) is not None:
            raise InputError(account_text("exists", lang, name=name))
        created = _iso(self.clock())
        with self.store.lock, disk_errors("cannot update the accounts table"):
            self.store.db.execute("INSERT INTO users (name, hash, role, created) VALUES (?,?,?,?)",
                                  (name, self.hasher.hash(password), role, created))
        return Account(name, role, created)

    def get(self, name: str) -> Account | None:
        with self.store.lock, disk_errors("cannot read the accounts table"):
            row = self.store.db.execute("SELECT name, role, created FROM users WHERE name = ?", (name,)).fetchone()
        return Account(*row) if row else None

    def list(self) -> list[Account]:
        """Every account, by name."""
        with self.store.lock, disk_errors("cannot read the accounts table"):
            rows = self.store.db.execute("SELECT name, role, created FROM users ORDER BY name").fetchall()
        return [Account(*row) for row in rows]

    def remove(self, name: str, lang: str = "fr") -> None:
        """Delete an account and close its sessions; InputError when there is no such account."""
        with self.store.lock, disk_errors("cannot update the accounts table"):
            self.store.db.execute("DELETE FROM web_sessions WHERE user = ?", (name,))
            cursor = self.store.db.execute("DELETE FROM users WHERE name = ?", (name,))
        if cursor.rowcount == 0:
            raise InputError(account_text("unknown", lang, name=name))

    def count(self) -> int:
        with self.store.lock, disk_errors("cannot read the accounts table"):
            return int(self.store.db.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    def verify(self, name: str, password: str) -> Account | None:
        """The account when the password is right, else None. An unknown name costs one hash too, so the time
        taken does not tell which names exist."""
        with self.store.lock, disk_errors("cannot read the accounts table"):
            row = self.store.db.execute("SELECT hash FROM users WHERE name = ?", (name,)).fetchone()
        stored = row[0] if row else _DUMMY_HASH.get(self.hasher)
        try:
            self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if self.hasher.check_needs_rehash(stored):
            with self.store.lock, disk_errors("cannot update the accounts table"):
                self.store.db.execute("UPDATE users SET hash = ? WHERE name = ?", (self.hasher.hash(password), name))
        return self.get(name)

    # --- sessions --------------------------------------------------------------------------------------

    def open_session(self, name: str) -> tuple[str, Session]:
        """A new session for an account: (the cookie's token, the session). Expired sessions are dropped."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock()
        expires = _iso(now + SESSION_LIFETIME)
        account = self.get(name)
        role = account.role if account else "reader"
        with self.store.lock, disk_errors("cannot update the sessions table"):
            self.store.db.execute("DELETE FROM web_sessions WHERE expires < ?", (_iso(now),))
            self.store.db.execute("INSERT INTO web_sessions (token_hash, user, csrf, created, expires)"
                                  " VALUES (?,?,?,?,?)", (_token_hash(token), name, csrf, _iso(now), expires))
        return token, Session(name, role, csrf, expires)

    def session(self, token: str | None) -> Session | None:
        """The open session of a cookie's token, or None (unknown, expired, or its account removed)."""
        if not token:
            return None
        with self.store.lock, disk_errors("cannot read the sessions table"):
            row = self.store.db.execute(
                "SELECT s.user, u.role, s.csrf, s.expires FROM web_sessions s JOIN users u ON u.name = s.user"
                " WHERE s.token_hash = ?", (_token_hash(token),)).fetchone()
        if row is None or row[3] < _iso(self.clock()):
            return None
        return Session(*row)

    def close_session(self, token: str | None) -> None:
        if not token:
            return
        with self.store.lock, disk_errors("cannot update the sessions table"):
            self.store.db.execute("DELETE FROM web_sessions WHERE token_hash = ?", (_token_hash(token),))


class _DummyHash:
    """A hash of a random password, made once, verified against when the name is unknown."""

    def __init__(self) -> None:
        self.value: str | None = None
        self.lock = threading.Lock()

    def get(self, hasher: PasswordHasher) -> str:
        with self.lock:
            if self.value is None:
                self.value = hasher.hash(secrets.token_urlsafe(16))
            return self.value


_DUMMY_HASH = _DummyHash()


class LoginLimiter:
    """At most `attempts` failed logins per `window` seconds for one client address and for one name.

    The failures are rows of the index's `login_failures` table (the SHA-256 of "ip:<address>" or
    "user:<name>", and a Unix time in seconds), so a restart of `watcher web` or `watcher run --web` does not
    forget them and two processes serving the same folder share them. A success clears the name's and the
    address's failures; rows older than the window are dropped as failures come.
    """

    def __init__(self, store: Store, attempts: int = 5, window: float = 300.0,
                 clock: Callable[[], float] | None = None) -> None:
        import time

        self.store = store
        self.attempts = attempts
        self.window = window
        self.clock = clock or time.time  # wall-clock seconds: they must mean the same after a restart
        with store.lock, disk_errors("cannot prepare the login limits table"):
            store.db.executescript(LIMITS_SCHEMA)

    @staticmethod
    def _keys(address: str, name: str) -> tuple[str, str]:
        return _token_hash(f"ip:{address}"), _token_hash(f"user:{name.lower()}")

    def wait(self, address: str, name: str) -> float:
        """Seconds before another attempt is allowed (0 when allowed now)."""
        since = self.clock() - self.window
        waits = []
        with self.store.lock, disk_errors("cannot read the login limits table"):
            for key in self._keys(address, name):
                count, first = self.store.db.execute(
                    "SELECT COUNT(*), MIN(time) FROM login_failures WHERE key = ? AND time > ?",
                    (key, since)).fetchone()
                if count >= self.attempts:
                    waits.append(self.window - (self.clock() - float(first)))
        return max(waits, default=0.0)

    def failed(self, address: str, name: str) -> None:
        now = self.clock()
        with self.store.lock, disk_errors("cannot update the login limits table"):
            self.store.db.execute("DELETE FROM login_failures WHERE time <= ?", (now - self.window,))
            self.store.db.executemany("INSERT INTO login_failures (key, time) VALUES (?, ?)",
                                      [(key, now) for key in self._keys(address, name)])

    def succeeded(self, address: str, name: str) -> None:
        with self.store.lock, disk_errors("cannot update the login limits table"):
            self.store.db.executemany("DELETE FROM login_failures WHERE key = ?",
                                      [(key,) for key in self._keys(address, name)])
