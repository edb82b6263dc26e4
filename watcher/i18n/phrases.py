"""Sentences about pages, built from facts (roles, names, landmarks, change kinds) with the catalogs' words and
watcher.i18n.grammar: « Le bouton « Se connecter » s'appelle désormais « Me connecter » (en-tête) ».

Detection and capture hand over facts; these functions word them, in French (default) or English. They read
elements and changes through the small protocols below, so this lowest stage imports none of the others.
"""

from __future__ import annotations

from typing import Protocol

from watcher.i18n.catalog import has
from watcher.i18n.grammar import Noun, capitalized
from watcher.i18n.texts import t

__all__ = [
    "degraded_words",
    "element_details",
    "landmark_label",
    "place",
    "quoted",
    "role_label",
    "role_noun",
    "short_phrase",
    "summarize",
]


class ElementFacts(Protocol):
    """What the words need of a skeleton element (watcher.detect.skeleton.Element)."""

    @property
    def role(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def landmark(self) -> str: ...
    @property
    def context(self) -> str: ...
    @property
    def control(self) -> str | None: ...
    @property
    def target(self) -> str | None: ...
    @property
    def level(self) -> int | None: ...
    @property
    def required(self) -> bool: ...
    @property
    def disabled(self) -> bool: ...
    @property
    def options(self) -> tuple[str, ...]: ...
    @property
    def revealed_by(self) -> tuple[str, str] | None: ...


class ChangeFacts(Protocol):
    """What the words need of a change (watcher.detect.changes.Change): its kind is a str (or StrEnum)."""

    @property
    def kind(self) -> str: ...
    @property
    def before(self) -> ElementFacts | None: ...
    @property
    def after(self) -> ElementFacts | None: ...
    @property
    def landmark(self) -> str: ...
    @property
    def noise(self) -> bool: ...


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "fr"


def role_noun(role: str, lang: str = "fr", control: str | None = None) -> Noun:
    """The everyday noun of an ARIA role (« bouton », « liste déroulante » / "button"), with its grammar;
    « zone de texte » for a <textarea>, « élément » for a role the catalogs do not name."""
    lang = _lang(lang)
    key = "role.textarea" if control == "textarea" else f"role.{role}"
    return Noun(t(key if has(key) else "role.element", lang), lang)


def role_label(role: str, lang: str = "fr") -> str:
    """The everyday name of a role: "bouton", "liste déroulante" / "button", "drop-down list"."""
    return role_noun(role, lang).text


def landmark_label(role: str, lang: str = "fr") -> str:
    return role_label(role, lang)


def quoted(name: str, lang: str = "fr") -> str:
    """A name between the language's quotes: « Mon compte » / “Mon compte”; « sans nom » when empty."""
    return t("quote", lang, name=name) if name else t("quote.unnamed", lang)


def place_noun(landmark: str, lang: str = "fr") -> Noun:
    """A landmark path as one noun: "banner > navigation" -> « menu de l'en-tête » / "menu of the header";
    « reste de la page » outside landmarks."""
    parts = [p for p in landmark.split(" > ") if p]
    if not parts:
        return Noun(t("landmark.none", lang), _lang(lang))
    inner = role_noun(parts[-1], lang)
    if len(parts) == 1:
        return inner
    return Noun(t("place.nested", lang, inner=inner, outer=role_noun(parts[-2], lang)), _lang(lang))


def place(landmark: str, lang: str = "fr") -> str:
    """Where on the page, for the parenthesis ending a summary; "" outside landmarks."""
    return place_noun(landmark, lang).text if landmark.strip(" >") else ""


def element_details(el: ElementFacts, lang: str = "fr") -> str:
    """State worth showing beside an element in a listing: heading level, required, disabled, choices, and the
    control that shows it when it is hidden until then (a menu button, a disclosure)."""
    out = []
    if el.level:
        out.append(t("detail.level", lang, level=el.level))
    if el.required:
        out.append(t("detail.required", lang))
    if el.disabled:
        out.append(t("detail.disabled", lang))
    if el.options:
        out.append(t("detail.choices", lang, count=len(el.options)))
    if el.revealed_by:
        role, name = el.revealed_by
        out.append(t("detail.revealed", lang, noun=role_noun(role, lang), name=quoted(name, lang)))
    return ", ".join(out)


def summarize(change: ChangeFacts, lang: str = "fr") -> str:
    """One plain sentence describing a change: « Le lien « Aide » a été supprimé (menu de l'en-tête) »."""
    text = capitalized(_sentence(change, _lang(lang)))
    return text + t("change.noise", lang) if change.noise else text


def _where(landmark: str, lang: str) -> str:
    where = place(landmark, lang)
    return t("change.where", lang, place=where) if where else ""


def _sentence(change: ChangeFacts, lang: str) -> str:
    el = change.after or change.before
    assert el is not None, "a change has at least one side"
    before, after, kind = change.before, change.after, str(change.kind)
    where = _where(change.landmark, lang)
    name = quoted(el.name, lang)
    if el.role == "option" and kind in ("added", "removed"):
        return t(f"change.option_{kind}", lang, name=name, list=quoted(el.context, lang), where=where)
    noun = role_noun(el.role, lang, el.control)
    if kind == "added":
        if el.required:
            noun = Noun(t("change.required_noun", lang, noun=noun.text), lang)
        return t("change.added", lang, noun=noun, name=name, where=where)
    if kind == "removed":
        return t("change.removed", lang, noun=noun, name=name, where=where)
    if kind == "renamed" and before and after:
        return t("change.renamed", lang, noun=noun, old=quoted(before.name, lang), new=quoted(after.name, lang),
                 where=where)
    if kind == "target_changed" and before and after:
        subject = f"{noun.the} {name}" if el.name or el.role != "form" else noun.the
        key = "change.form_target_changed" if el.role == "form" else "change.target_changed"
        return t(key, lang, subject=subject, target=after.target or t("change.another_address", lang), where=where)
    if kind == "required_changed":
        key = "change.now_required" if el.required else "change.no_longer_required"
        return t(key, lang, noun=noun, name=name, where=where)
    if kind == "moved" and before and after:
        if before.landmark != after.landmark:
            return t("change.moved_landmark", lang, noun=noun, name=name, origin=place_noun(before.landmark, lang),
                     destination=place_noun(after.landmark, lang))
        where = _where(after.landmark, lang)
        if before.context != after.context:
            return t("change.moved_context", lang, noun=noun, name=name, old=quoted(before.context, lang),
                     new=quoted(after.context, lang), where=where)
        return t("change.moved_place", lang, noun=noun, name=name, where=where)
    return t("change.changed", lang, noun=noun, name=name, where=where)


def short_phrase(kind: str, role: str, name: str, lang: str = "fr") -> str:
    """The change in a few words for a title: « le bouton « Se connecter » a changé »."""
    key = f"short.{kind}" if kind in ("added", "removed", "moved") else "short.changed"
    return t(key, lang, noun=role_noun(role, lang), name=quoted(name, lang))


def degraded_words(reason: str, evidence: str = "", landmark: str = "", lang: str = "fr") -> str:
    """Why a capture is degraded, in words: « page de maintenance : « Service indisponible » »; `reason` is one of
    watcher.detect.degraded.REASONS, `landmark` the part of the page that did not render (for "partial")."""
    words = t(f"degraded.{reason}", lang)
    if landmark:
        return words + f" ({place(landmark, lang)}{' ' + quoted(evidence, lang) if evidence else ''})"
    return words + f"{t('colon', lang)}{quoted(evidence, lang)}" if evidence else words
