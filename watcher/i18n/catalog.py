"""watcher's words as gettext catalogs: `locale/<lang>/LC_MESSAGES/watcher.po`, French (default) and English.

The `.po` files are the only source: they are compiled at first use (Babel reads the `.po`, writes the `.mo`
bytes, the standard library's `gettext.GNUTranslations` reads them) and kept for the life of the process, so a fresh
clone needs no build step. The compiled bytes are also cached in the user's cache folder (`$XDG_CACHE_HOME/watcher`,
else `~/.cache/watcher`; `%LOCALAPPDATA%\\watcher` on Windows, `~/Library/Caches/watcher` on macOS; the system's
temporary folder when none is writable), never inside the package, which may be installed read-only. A cached file
is named after the SHA-256 of its `.po`, so two installs (or a `.po` edited) never read each other's; it saves later
processes Babel's import (about 0.2 s). Message ids are keys (« status.changed »). A plural message has the key as both
msgid and msgid_plural and is chosen by the value `count`; an entry « key/var » is the plural phrase that fills the
placeholder `{var}` of « key », chosen by the value of `var` (« {count}, {alerts} » with « summary/count » →
« 1 page vérifiée », « summary/alerts » → « 2 alertes »). Plural rules come from each file's Plural-Forms header
(French: singular for 0 and 1).
"""

from __future__ import annotations

import functools
import gettext
import hashlib
import io
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_LANG", "LANGS", "book", "cache_dirs", "has", "po_path", "text", "translations"]

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "watcher"
LANGS = ("fr", "en")
DEFAULT_LANG = "fr"


@dataclass(frozen=True)
class Book:
    """One language's compiled catalog: the translations and which msgids exist, which are plural."""

    lang: str
    translations: gettext.GNUTranslations
    ids: frozenset[str]
    plurals: frozenset[str]


def po_path(lang: str) -> Path:
    """The `.po` file of a language (`lang` among LANGS)."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def book(lang: str) -> Book:
    """The catalog of `lang`, French for any other language; compiled once per process (about 30 ms).

    Raises OSError if the `.po` file is missing (a broken install)."""
    lang = lang if lang in LANGS else DEFAULT_LANG
    translations = gettext.GNUTranslations(io.BytesIO(compiled(lang)))
    keys: dict[object, str] = getattr(translations, "_catalog", {})  # str, or (msgid, form) for plural messages
    plurals = {str(key[0]) for key in keys if isinstance(key, tuple)}
    ids = {key for key in keys if isinstance(key, str) and key} | plurals
    return Book(lang, translations, frozenset(ids), frozenset(plurals))


def cache_dirs() -> list[Path]:
    """Where compiled catalogs may be kept, first choice first: the user's cache folder
    (`$XDG_CACHE_HOME/watcher/catalogs`, else the platform's: `~/.cache`, `~/Library/Caches`, `%LOCALAPPDATA%`),
    then the system's temporary folder (`watcher-<user>/catalogs`)."""
    if os.environ.get("XDG_CACHE_HOME"):
        base = Path(os.environ["XDG_CACHE_HOME"])
    elif sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path.home() / ".cache"
    user = os.environ.get("USER") or os.environ.get("USERNAME") or str(getattr(os, "getuid", lambda: 0)())
    return [base / "watcher" / "catalogs", Path(tempfile.gettempdir()) / f"watcher-{user}" / "catalogs"]


def compiled(lang: str) -> bytes:
    """The `.mo` bytes of `lang`: the cached file made from this very `.po` (same SHA-256) when there is one, else
    compiled now and cached in the first writable folder of `cache_dirs()` (nowhere when none is writable: a
    process then compiles at each start). Raises OSError if the `.po` cannot be read."""
    po = po_path(lang).read_bytes()
    name = f"{DOMAIN}-{lang}-{hashlib.sha256(po).hexdigest()[:20]}.mo"
    folders = cache_dirs()
    for folder in folders:
        try:
            return (folder / name).read_bytes()
        except OSError:
            continue
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(po), locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    data = buffer.getvalue()
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{name}.{os.getpid()}"
            partial.write_bytes(data)
            partial.replace(folder / name)  # atomic: another process reads the whole file or none
            break
        except OSError:
            continue
    return data


def translations(lang: str) -> gettext.GNUTranslations:
    """The `gettext` translations object of `lang` (for Jinja2's i18n extension)."""
    return book(lang).translations


def has(key: str, lang: str = DEFAULT_LANG) -> bool:
    """Whether the catalog has the message `key`."""
    return key in book(lang).ids


def text(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The message `key` in `lang` (French when the language is unknown) with its placeholders filled.

    Plural messages pick their form by `count`; « key/var » entries fill `{var}` with a plural phrase chosen by
    that value (see the module docstring). Raises KeyError for a key no catalog has, and KeyError/ValueError when
    a placeholder is missing or badly typed (a programming error, caught by tests/test_i18n.py)."""
    from watcher.i18n.numbers import LocaleFormatter

    current = book(lang)
    if key not in current.ids:
        raise KeyError(key)
    gt = current.translations
    message = gt.ngettext(key, key, _number(values["count"])) if key in current.plurals else gt.gettext(key)
    filled = dict(values)
    for name, value in values.items():
        sub = f"{key}/{name}"
        if sub in current.plurals:
            filled[name] = LocaleFormatter(lang).format(gt.ngettext(sub, sub, _number(value)), **values)
    return LocaleFormatter(lang).format(message, **filled)  # « {ratio:.1%} » → « 0,2 % » in French


def _number(value: object) -> int:
    """The integer that chooses a plural form (floats are floored; anything else counts as many)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value)
    return 2
