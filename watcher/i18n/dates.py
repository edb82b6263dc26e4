"""Dates and times as people in mainland France read them: Europe/Paris wall-clock time, written by Babel (CLDR
month names, summer time from the tz database), with patterns kept in the catalogs (« date.* » messages).

Stored times are UTC; every function here takes an aware datetime (a naive one is taken as UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from watcher.i18n.catalog import LANGS, text

__all__ = ["PARIS", "day", "moment", "stamp"]

PARIS = ZoneInfo("Europe/Paris")


def _paris(when: datetime) -> datetime:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(PARIS)


def _locale(lang: str) -> str:
    return lang if lang in LANGS else "fr"


def day(when: datetime, lang: str = "fr") -> str:
    """The day in words, Paris time: « 3 mars 2025 », « 1er mars 2025 » / "3 March 2025"."""
    local = _paris(when)
    words = format_datetime(local, text("date.day", lang), locale=_locale(lang))
    if local.day == 1:  # French writes the first of the month as an ordinal
        words = text("date.first", lang, rest=words[1:].lstrip()) if words.startswith("1") else words
    return words


def moment(when: datetime, lang: str = "fr") -> str:
    """Day and time in words, Paris time: « 12 mars 2025 à 14 h 05 » / "12 March 2025, 14:05 (Paris time)"."""
    local = _paris(when)
    return text("date.moment", lang, day=day(when, lang),
                time=format_datetime(local, text("date.time", lang), locale=_locale(lang)))


def stamp(when: datetime) -> str:
    """Paris wall-clock time for tables, the same in every language: "2025-07-01 09:00:00"."""
    return format_datetime(_paris(when), "yyyy-MM-dd HH:mm:ss", locale="fr")
