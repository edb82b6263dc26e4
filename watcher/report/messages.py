"""The sentences a mediator or coordinator reads about an interface change, in French (default) and English.

The words are in the gettext catalogs (watcher/i18n/locale) and the sentences are built from facts by
watcher.i18n.phrases (role nouns, places, change summaries, with watcher.i18n.grammar for gender and elision); this
module is the report stage's door to them, plus the explanation of the severity rules for `watcher explain`.
"""

from __future__ import annotations

from watcher.i18n.phrases import element_details as element_details
from watcher.i18n.phrases import landmark_label as landmark_label
from watcher.i18n.phrases import place as place
from watcher.i18n.phrases import quoted as quoted
from watcher.i18n.phrases import role_label as role_label
from watcher.i18n.phrases import short_phrase as short_phrase
from watcher.i18n.phrases import summarize as summarize
from watcher.i18n.texts import known, t

__all__ = ["place", "quoted", "role_label", "rule_text"]

LANGS = ("fr", "en")


def rule_text(rule: str, lang: str = "fr") -> str | None:
    """The sentence explaining a severity rule id (structural.severity_rule), with the id; None for rules without
    their own sentence (`watcher explain` words those from the change, with the « rule.* » messages)."""
    key = f"ruleid.{rule}"
    if not rule or not known(key):
        return None
    return f"{t(key, lang)} [{rule}]"
