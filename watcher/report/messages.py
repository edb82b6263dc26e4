"""Every sentence a mediator or coordinator reads about an interface change, in French (default) and English.

Kept apart from the diff logic so that wording can be reviewed, and translated, in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from watcher.i18n.texts import known, t

if TYPE_CHECKING:
    from watcher.detect.changes import Change
    from watcher.detect.skeleton import Element

LANGS = ("fr", "en")


class Noun(NamedTuple):
    """A French noun with what its articles need: gender and whether "le/la" elides to "l'"."""

    text: str
    feminine: bool = False

    @property
    def elides(self) -> bool:
        return self.text[:1].lower() in "aeéèêiîoôuh"

    def definite(self) -> str:
        return "l'" + self.text if self.elides else ("la " if self.feminine else "le ") + self.text

    def of(self) -> str:
        """The noun after "de": du menu, de la section, de l'en-tête."""
        return "de l'" + self.text if self.elides else ("de la " if self.feminine else "du ") + self.text

    def indefinite(self) -> str:
        return ("une " if self.feminine else "un ") + self.text

    def agree(self, participle: str) -> str:
        return participle + "e" if self.feminine else participle


ROLE_FR: dict[str, Noun] = {
    "link": Noun("lien"), "button": Noun("bouton"), "textbox": Noun("champ"),
    "searchbox": Noun("champ de recherche"), "spinbutton": Noun("champ numérique"),
    "combobox": Noun("liste déroulante", True), "listbox": Noun("liste de choix", True),
    "checkbox": Noun("case à cocher", True), "radio": Noun("bouton radio"), "switch": Noun("interrupteur"),
    "slider": Noun("curseur"), "heading": Noun("titre"), "menuitem": Noun("entrée de menu", True),
    "menuitemcheckbox": Noun("entrée de menu", True), "menuitemradio": Noun("entrée de menu", True),
    "tab": Noun("onglet"), "option": Noun("option", True), "treeitem": Noun("élément"),
    "banner": Noun("en-tête"), "navigation": Noun("menu"), "main": Noun("contenu principal"),
    "contentinfo": Noun("pied de page"), "form": Noun("formulaire"), "search": Noun("zone de recherche", True),
    "region": Noun("section", True), "complementary": Noun("encadré"),
}
ROLE_EN: dict[str, str] = {
    "link": "link", "button": "button", "textbox": "text field", "searchbox": "search field",
    "spinbutton": "number field", "combobox": "drop-down list", "listbox": "list box", "checkbox": "checkbox",
    "radio": "radio button", "switch": "switch", "slider": "slider", "heading": "heading",
    "menuitem": "menu item", "menuitemcheckbox": "menu item", "menuitemradio": "menu item", "tab": "tab",
    "option": "option", "treeitem": "item", "banner": "header", "navigation": "menu", "main": "main content",
    "contentinfo": "footer", "form": "form", "search": "search area", "region": "section",
    "complementary": "sidebar",
}
TEXTAREA_FR = Noun("zone de texte", True)
REST_OF_PAGE_FR = Noun("reste de la page")
REST_OF_PAGE_EN = "the rest of the page"
NOISE_SUFFIX = {"fr": " — contenu qui change régulièrement", "en": " — regularly changing content"}
# What Chromium shows on <input type=submit|reset> without a value; captures run a French browser.
DEFAULT_BUTTONS = {"submit": "Envoyer", "reset": "Réinitialiser", "button": ""}


def default_button_label(kind: str) -> str:
    return DEFAULT_BUTTONS.get(kind, "")


def _noun(role: str, control: str | None = None) -> Noun:
    if control == "textarea":
        return TEXTAREA_FR
    return ROLE_FR.get(role, Noun("élément"))


def role_label(role: str, lang: str = "fr") -> str:
    """The everyday name of a role: "bouton", "liste déroulante" / "button", "drop-down list"."""
    return ROLE_EN.get(role, "element") if lang == "en" else _noun(role).text


def landmark_label(role: str, lang: str = "fr") -> str:
    return role_label(role, lang)


def quoted(name: str, lang: str = "fr") -> str:
    if lang == "en":
        return f"“{name}”" if name else "(unnamed)"
    return f"« {name} »" if name else "sans nom"


def _place_noun_fr(landmark: str) -> Noun:
    """A landmark path as one French noun phrase: "banner > navigation" -> "menu de l'en-tête"."""
    parts = [p for p in landmark.split(" > ") if p]
    if not parts:
        return REST_OF_PAGE_FR
    inner = _noun(parts[-1])
    if len(parts) == 1:
        return inner
    return Noun(f"{inner.text} {_noun(parts[-2]).of()}", inner.feminine)


def place(landmark: str, lang: str = "fr") -> str:
    """Where on the page, for the parenthesis ending a summary; "" outside landmarks."""
    parts = [p for p in landmark.split(" > ") if p]
    if not parts:
        return ""
    if lang == "en":
        inner = ROLE_EN.get(parts[-1], parts[-1])
        return inner if len(parts) == 1 else f"{inner} of the {ROLE_EN.get(parts[-2], parts[-2])}"
    return _place_noun_fr(landmark).text


def element_details(el: Element, lang: str = "fr") -> str:
    """State worth showing beside an element in a listing: required, disabled, heading level, choices, and the
    control that shows it when it is hidden until then (a menu button, a disclosure)."""
    words = {"fr": ("obligatoire", "désactivé", "niveau", "choix"), "en": ("required", "disabled", "level", "choices")}
    req, dis, lvl, choices = words["en" if lang == "en" else "fr"]
    out = []
    if el.level:
        out.append(f"{lvl} {el.level}")
    if el.required:
        out.append(req)
    if el.disabled:
        out.append(dis)
    if el.options:
        out.append(f"{len(el.options)} {choices}")
    if el.revealed_by:
        role, name = el.revealed_by
        if lang == "en":
            out.append(f"shown after clicking the {role_label(role, lang)} {quoted(name, lang)}")
        else:
            out.append(f"visible après un clic sur {_noun(role).definite()} {quoted(name, lang)}")
    return ", ".join(out)


def summarize(change: Change, lang: str = "fr") -> str:
    """One plain sentence describing a change."""
    text = _summarize_en(change) if lang == "en" else _summarize_fr(change)
    return text + NOISE_SUFFIX["en" if lang == "en" else "fr"] if change.noise else text


def _subject(change: Change) -> Element:
    subject = change.after or change.before
    assert subject is not None, "a change has at least one side"
    return subject


def _where(change: Change, lang: str) -> str:
    where = place(change.landmark, lang)
    return f" ({where})" if where else ""


def _summarize_fr(change: Change) -> str:
    el = _subject(change)
    if el.role == "option" and change.kind in ("added", "removed"):
        return _option_fr(change, el)
    noun = _noun(el.role, el.control)
    the = noun.definite()
    the = the[0].upper() + the[1:]
    name = quoted(el.name)
    where = _where(change, "fr")
    before, after = change.before, change.after
    kind = change.kind
    if kind == "added":
        extra = " obligatoire" if el.required else ""
        a = noun.indefinite()
        return f"{a[0].upper()}{a[1:]}{extra} {name} a été {noun.agree('ajouté')}{where}"
    if kind == "removed":
        return f"{the} {name} a été {noun.agree('supprimé')}{where}"
    if kind == "renamed" and before and after:
        return f"{the} {quoted(before.name)} s'appelle désormais {quoted(after.name)}{where}"
    if kind == "target_changed" and before and after:
        verb = "envoie désormais vers" if el.role == "form" else "mène désormais à"
        subject = f"{the} {name}" if el.name or el.role != "form" else the
        return f"{subject} {verb} {after.target or 'une autre adresse'}{where}"
    if kind == "required_changed":
        state = "est désormais obligatoire" if el.required else "n'est plus obligatoire"
        return f"{the} {name} {state}{where}"
    if kind == "moved" and before and after:
        return f"{the} {name} {_moved_fr(before, after, noun)}"
    return f"{the} {name} a changé{where}"


def _moved_fr(before: Element, after: Element, noun: Noun) -> str:
    moved = noun.agree("déplacé")
    if before.landmark != after.landmark:
        return f"a été {moved} {_place_noun_fr(before.landmark).of()} vers {_place_noun_fr(after.landmark).definite()}"
    where = place(after.landmark)
    suffix = f" ({where})" if where else ""
    if before.context != after.context:
        return f"a été {moved} de {quoted(before.context)} vers {quoted(after.context)}{suffix}"
    return f"a changé de place{suffix}"


def _option_fr(change: Change, el: Element) -> str:
    where = _where(change, "fr")
    if change.kind == "added":
        return f"L'option {quoted(el.name)} a été ajoutée à la liste {quoted(el.context)}{where}"
    return f"L'option {quoted(el.name)} a été retirée de la liste {quoted(el.context)}{where}"


def _summarize_en(change: Change) -> str:
    el = _subject(change)
    role = "text area" if el.control == "textarea" else ROLE_EN.get(el.role, "element")
    name = quoted(el.name, "en")
    where = _where(change, "en")
    before, after = change.before, change.after
    kind = change.kind
    if el.role == "option" and kind in ("added", "removed"):
        how = "added to" if kind == "added" else "removed from"
        return f"The option {name} was {how} the list {quoted(el.context, 'en')}{where}"
    if kind == "added":
        extra = "required " if el.required else ""
        article = "An" if (extra or role)[:1] in "aeiou" else "A"
        return f"{article} {extra}{role} {name} was added{where}"
    if kind == "removed":
        return f"The {role} {name} was removed{where}"
    if kind == "renamed" and before and after:
        return f"The {role} {quoted(before.name, 'en')} is now called {quoted(after.name, 'en')}{where}"
    if kind == "target_changed" and before and after:
        verb = "now submits to" if el.role == "form" else "now leads to"
        subject = f"The {role} {name}" if el.name or el.role != "form" else f"The {role}"
        return f"{subject} {verb} {after.target or 'another address'}{where}"
    if kind == "required_changed":
        state = "is now required" if el.required else "is no longer required"
        return f"The {role} {name} {state}{where}"
    if kind == "moved" and before and after:
        return f"The {role} {name} {_moved_en(before, after)}"
    return f"The {role} {name} changed{where}"


def _moved_en(before: Element, after: Element) -> str:
    if before.landmark != after.landmark:
        old = f"the {place(before.landmark, 'en')}" if before.landmark else REST_OF_PAGE_EN
        new = f"the {place(after.landmark, 'en')}" if after.landmark else REST_OF_PAGE_EN
        return f"moved from {old} to {new}"
    where = place(after.landmark, "en")
    suffix = f" ({where})" if where else ""
    if before.context != after.context:
        return f"moved from {quoted(before.context, 'en')} to {quoted(after.context, 'en')}{suffix}"
    return f"changed place{suffix}"


def rule_text(rule: str, lang: str = "fr") -> str | None:
    """The sentence explaining a severity rule id (structural.severity_rule), with the id; None for rules without
    their own sentence (`watcher explain` words those from the change, with the « rule.* » messages)."""
    key = f"ruleid.{rule}"
    if not rule or not known(key):
        return None
    return f"{t(key, lang)} [{rule}]"
