"""Secrets never in logs, at any verbosity: every log record is redacted before any handler sees it.

Apprise logs the URLs it calls at debug level (a Telegram bot token sits in the path of every request), an
exception may quote a resolved URL, and a page's text may carry terminal escape sequences. Rather than one
filter per logger or handler (a filter on a logger misses records of its children; a handler added later would
miss it), watcher installs a log record factory once: each record's message (and traceback) is rendered,
known secret values are replaced by `***`, and control characters are stripped (watcher/safety/sanitize.py).

Known secrets are registered when notifiers/channels.yaml is read (`register`): the values of the `${VAR}`
it names, the secrets written in clear, each also in its percent-encoded forms as they appear in URLs.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from watcher.safety.sanitize import strip_controls

__all__ = ["forms", "install", "register"]

MASK = "***"
MIN_SECRET_CHARS = 4  # shorter values ("1", "yes") would mask ordinary words; no real token is that short

_lock = threading.Lock()
_secrets: set[str] = set()
_compiled: re.Pattern[str] | None = None
_installed = False


def forms(value: str) -> set[str]:
    """A secret as it may appear in a log: as is, and percent-encoded as URLs carry it."""
    return {value, quote(value, safe=""), quote(value), quote_plus(value)}


def register(values: Iterable[str]) -> None:
    """Add secret values to redact from every log record from now on (and install the redaction once)."""
    global _compiled
    fresh = {value for value in values if value and len(value) >= MIN_SECRET_CHARS}
    with _lock:
        if not fresh <= _secrets:
            _secrets.update(fresh)
            _compiled = _pattern(_secrets)
    install()


def known() -> frozenset[str]:
    """The secret values redacted now (for tests)."""
    with _lock:
        return frozenset(_secrets)


def _char_pattern(char: str) -> str:
    """One character of a secret, as written or percent-encoded (either hex case), as URLs mix both."""
    if char.isascii() and char.isalnum():
        return re.escape(char)
    encoded = "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
    alternatives = [re.escape(char), f"(?i:{re.escape(encoded)})"] + (["\\+"] if char == " " else [])
    return "(?:" + "|".join(alternatives) + ")"


def _pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any known secret in any mix of plain and percent-encoded characters."""
    ordered = sorted(set(secrets), key=len, reverse=True)  # longest first: no secret is half-masked
    if not ordered:
        return None
    return re.compile("|".join("".join(_char_pattern(c) for c in secret) for secret in ordered))


def redact(text: str) -> str:
    """`text` with every known secret (plain, percent-encoded or a mix) replaced by MASK and control
    characters stripped."""
    pattern = _compiled
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return strip_controls(text)


def install() -> None:
    """Make every LogRecord created in this process go through `redact` (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call (wrong number of args): logging reports it later, leave it be
        return
    clean = redact(message)
    if clean != message or record.args:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
