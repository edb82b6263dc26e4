"""Words of the web page: « web.* » messages of the gettext catalogs (watcher/i18n/locale), and status symbols."""

from __future__ import annotations

from watcher.i18n.texts import known, t

__all__ = ["STATUS_SYMBOL", "WORDS", "ui"]

STATUS_SYMBOL = {"new": "+", "unchanged": "=", "changed": "≠", "degraded": "~", "unreachable": "×", "error": "!",
                 "none": "·"}


def ui(key: str, lang: str, **values: object) -> str:
    """The web page's text `key` (« web.<key> » in the gettext catalogs, watcher/i18n/locale) in `lang`, French
    when unknown, with `values` filled in. A key the catalogs lack (one built from a stored code) is shown as is;
    tests/test_i18n.py checks every literal key the package uses."""
    if not known("web." + key):
        return key
    return t("web." + key, lang, **values)


class _Known:
    """`key in WORDS`: whether the catalogs have « web.<key> » (templates test stored codes before naming them)."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and known("web." + key)


WORDS = _Known()
