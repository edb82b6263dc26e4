"""Jinja2 environments whose templates exist once for every language: Jinja2's i18n extension with the catalogs'
translations installed (`{{ _("mail.hello") }}`, `{{ ngettext("mail.digest_title", "mail.digest_title", n) }}`;
new-style gettext, so placeholders are `%(name)s` and values are escaped where autoescape is on).
"""

from __future__ import annotations

from typing import Any

import jinja2

from watcher.i18n.catalog import DEFAULT_LANG, LANGS, translations

__all__ = ["environment"]


def environment(lang: str, loader: jinja2.BaseLoader, **options: Any) -> jinja2.Environment:
    """An environment rendering in `lang` (French when unknown): `_`, `gettext`, `ngettext`, the global `lang` and
    the `comment` filter. `options` go to jinja2.Environment (autoescape, trim_blocks, undefined…)."""
    lang = lang if lang in LANGS else DEFAULT_LANG
    env = jinja2.Environment(loader=loader, extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = lang
    env.filters["comment"] = comment
    return env


def comment(text: str, indent: str = "") -> str:
    """Text as YAML comment lines: each line becomes `<indent># <line>` (« # » alone for an empty line)."""
    return "\n".join(f"{indent}# {line}".rstrip() for line in str(text).split("\n"))
