"""Numbers as each language writes them (Babel, CLDR): « 0,2 % », « 1,5 s » in French, "0.2%", "1.5 s" in English.

`percent` and `decimal` for code; `LocaleFormatter` fills a catalog message's `{ratio:.1%}` / `{seconds:.1f}`
placeholders the same way, so a message keeps Python's format specs and still reads French (watcher.i18n.catalog).
Integers without a format spec (ids, counts) are left as they are: an id never gets a thousands separator.
"""

from __future__ import annotations

import re
import string
from typing import Any

from babel.numbers import format_decimal, format_percent

__all__ = ["LocaleFormatter", "decimal", "percent"]

_SPEC = re.compile(r"^\.(\d+)([f%])$")


def _locale(lang: str) -> str:
    return "en" if lang == "en" else "fr"


def percent(ratio: float, lang: str = "fr", digits: int = 1) -> str:
    """A share (0..1) as a percentage with `digits` decimals: « 0,2 % » (fr, narrow no-break space), "0.2%"."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    text = format_percent(ratio, format=pattern, locale=_locale(lang))
    if lang == "en":
        return text
    return text.replace("\u202f%", "%").replace("\xa0%", "%").replace("%", "\u202f%")


def decimal(value: float, lang: str = "fr", digits: int = 1) -> str:
    """A number with `digits` decimals: « 1,5 » (fr), "1.5" (en)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale(lang))


class LocaleFormatter(string.Formatter):
    """str.format with `.Nf` and `.N%` specs of numbers written in the language's way (others unchanged)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> Any:
        match = _SPEC.match(format_spec)
        if match and isinstance(value, int | float) and not isinstance(value, bool):
            digits, kind = int(match.group(1)), match.group(2)
            return percent(value, self.lang, digits) if kind == "%" else decimal(value, self.lang, digits)
        return super().format_field(value, format_spec)
