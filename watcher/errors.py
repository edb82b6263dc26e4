"""The one exception tree of watcher.

WatcherError            anything watcher reports to a person as a one-line message (CLI exit 2)
├── ConfigError         a targets.yaml / channels.yaml problem, with file, line and field path
├── InputError          a file or folder given on the command line is missing, empty, unreadable or mismatched
├── StoreError          the snapshot store or its index cannot be read or written (disk full, permissions)
└── BrowserError        no Chromium could be found or launched

A page that cannot be loaded is not an error: capture returns the status `unreachable` with a reason.
"""

from __future__ import annotations

__all__ = ["BrowserError", "ConfigError", "InputError", "StoreError", "WatcherError", "doing_words", "first_line"]


class WatcherError(Exception):
    """Base of every error watcher turns into a one-line message and exit code 2."""


class ConfigError(WatcherError):
    """A configuration file is invalid; the message names file, line and field path."""

    def __init__(self, file: str, line: int | None, path: str, message: str) -> None:
        self.file = file
        self.line = line
        self.path = path
        self.message = message
        where = f"{file}:{line}" if line else file
        field = f" {path}:" if path else ""
        super().__init__(f"{where}:{field} {message}")


class InputError(WatcherError):
    """A path given on the command line cannot be used.

    Made with ``InputError.text(key, **values)``, it carries a texts.py key: the command line shows it in the
    command's language (``render``); ``str()`` stays the English line for logs and callers.
    """

    key: str | None = None
    values: dict[str, object] = {}

    @classmethod
    def text(cls, key: str, **values: object) -> InputError:
        """The error worded by texts.py `key`; a value named ``*_key`` is itself a texts.py key (translated)."""
        error = cls(_render(key, "en", values))
        error.key, error.values = key, values
        return error

    def render(self, lang: str) -> str:
        """The message in `lang` ("fr" or "en")."""
        return _render(self.key, lang, self.values) if self.key else str(self)


class StoreError(WatcherError):
    """The snapshot store or its index cannot be read or written.

    Made with ``StoreError.fault(what, fault, detail)`` (store.snapshots.disk_errors), it keeps the facts: what was
    being done (an English phrase, « cannot read the snapshot index »), the fault (full, permission, os, index)
    and the system's detail; ``render(lang)`` words them for the command line, ``str()`` stays English for logs.
    """

    what: str = ""
    kind: str | None = None
    detail: str = ""

    @classmethod
    def fault(cls, what: str, kind: str, detail: str = "") -> StoreError:
        english = {"full": "the disk is full (nothing was changed)", "permission": f"permission denied ({detail})",
                   "index": f"snapshot index error ({detail})"}.get(kind, detail)
        error = cls(f"{what}: {english}")
        error.what, error.kind, error.detail = what, kind, detail
        return error

    def render(self, lang: str) -> str:
        """The message in `lang` ("fr" or "en"); an error made without facts as it was written."""
        if self.kind is None:
            return str(self)
        detail = self.detail
        sqlite_key = SQLITE_WORDS.get(detail.strip().lower()) if self.kind == "index" else None
        if sqlite_key is not None:
            detail = _render(sqlite_key, lang, {})
        return _render(f"store.fault.{self.kind}", lang, {"what": doing_words(self.what, lang), "detail": detail})


# SQLite's own messages (sqlite3.Error) a damaged or busy index gives -> their words
SQLITE_WORDS = {
    "file is not a database": "store.sqlite.not_a_database",
    "database disk image is malformed": "store.sqlite.malformed",
    "database is locked": "store.sqlite.locked",
    "unable to open database file": "store.sqlite.cannot_open",
}


# What a store operation was doing (StoreError.what, English) -> its words: a catalog key with the phrase's values
_DOING = (
    (r"cannot open the snapshots folder (?P<root>.+)", "store.doing.open"),
    (r"cannot store the snapshot of (?P<target>.+)", "store.doing.snapshot"),
    (r"cannot record the check of (?P<target>.+)", "store.doing.check"),
    (r"cannot (?P<verb>read|update|prepare|record) the (?P<thing>snapshot index|accounts table|sessions table"
     r"|login limits table|check requests table|check requests|check request)", "store.doing.thing"),
)


def doing_words(what: str, lang: str) -> str:
    """`StoreError.what` in `lang` (« impossible de lire l'index des captures »); an unknown phrase as it is."""
    import re

    from watcher.i18n.texts import t

    for pattern, key in _DOING:
        found = re.fullmatch(pattern, what)
        if found:
            values = found.groupdict()
            if "verb" in values:
                return t(key, lang, verb=t("store.verb." + values["verb"], lang),
                         thing=t("store.thing." + values["thing"].replace(" ", "_"), lang))
            return t(key, lang, **values)
    return what


class BrowserError(WatcherError):
    """No usable Chromium."""


def _render(key: str, lang: str, values: dict[str, object]) -> str:
    from watcher.i18n.texts import t

    words = {name.removesuffix("_key"): t(str(value), lang) if name.endswith("_key") else value
             for name, value in values.items()}
    return t(key, lang, **words)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (Playwright's carry pages of logs after it), or its class."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
