"""The changelog site's words: « site.* » messages of the gettext catalogs (watcher/i18n/locale), dates in Paris time."""

from __future__ import annotations

from datetime import datetime

from watcher.i18n import dates, numbers
from watcher.i18n.texts import t

__all__ = ["day", "moment", "percent", "severity_label", "ui"]


def ui(key: str, lang: str, **values: object) -> str:
    """The site text `key` in `lang` (French when unknown), with values filled in."""
    return t("site." + key, lang, **values)


def severity_label(severity: str | None, lang: str) -> str:
    return t("severity." + (severity if severity in ("info", "minor", "major", "breaking") else "info"), lang)


def day(when: datetime, lang: str) -> str:
    """A date in words, Paris time: « 3 mars 2025 » / "3 March 2025" (watcher.i18n.dates)."""
    return dates.day(when, lang)


def moment(when: datetime, lang: str) -> str:
    """A date and hour in words, Paris time: « 3 mars 2025 à 14 h 05 » (watcher.i18n.dates)."""
    return dates.moment(when, lang)


def percent(ratio: float, lang: str) -> str:
    """A share of the page (0..1) as people write it: « 1,7 % » / "1.7%" (watcher.i18n.numbers, Babel)."""
    return numbers.percent(ratio, lang)
