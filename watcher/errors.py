"""The one exception tree of watcher.

WatcherError            anything watcher reports to a person as a one-line message (CLI exit 2)
├── ConfigError         a targets.yaml / channels.yaml problem, with file, line and field path
├── InputError          a file or folder given on the command line is missing, empty, unreadable or mismatched
├── StoreError          the snapshot store or its index cannot be read or written (disk full, permissions)
└── BrowserError        no Chromium could be found or launched

A page that cannot be loaded is not an error: capture returns the status `unreachable` with a reason.
"""

from __future__ import annotations

__all__ = ["BrowserError", "ConfigError", "InputError", "StoreError", "WatcherError", "first_line"]


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
    """The snapshot store or its index cannot be read or written."""


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
