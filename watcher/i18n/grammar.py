"""The little grammar watcher's sentences need: articles by gender and elision in French (« le bouton »,
« l'onglet », « la case », « du menu », « de l'en-tête », « d'un »), « a » / « an » and « the » in English.

Nouns come from the catalogs (« role.* » messages); their gender is the gender of their head, the first word
(« liste déroulante » is feminine because « liste » is), looked up in FEMININE. Nothing else lives here: words
are in the catalogs, sentences in watcher.i18n.phrases.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Noun", "capitalized", "de"]

# Feminine head nouns of the words watcher writes (the role vocabulary, page parts); every other head is masculine.
FEMININE = frozenset({
    "adresse", "barre", "bannière", "boîte", "carte", "case", "cellule", "colonne", "démarche", "entrée", "étape",
    "fenêtre", "figure", "icône", "image", "ligne", "liste", "note", "option", "page", "procédure", "question",
    "recherche", "région", "rubrique", "section", "table", "vidéo", "zone",
})
# A silent « h » elides like a vowel (« l'historique »); these words start with an aspirated one (« le haut »).
ASPIRATED_H = frozenset({"haut", "hauteur", "hall", "hasard", "héros", "hublot"})
VOWELS = "aàâeéèêëiîïoôuûùhy"


def elides(word: str) -> bool:
    """Whether a French article elides before `word` (« l'onglet », « d'une »): a vowel or a silent « h »."""
    first = word[:1].lower()
    return bool(first) and first in VOWELS and word.split(" ")[0].lower() not in ASPIRATED_H


def de(word: str) -> str:
    """« de » before `word`, elided when it must be: « de Paris », « d'Orléans », « d'une »."""
    return f"d'{word}" if elides(word) else f"de {word}"


class Noun(NamedTuple):
    """A noun phrase of one language with what its articles need (`lang` "fr" or "en").

    Its forms are properties so that catalog messages can use them as placeholders: « {noun.the} {name} a été
    supprimé{noun.e} » gives « la case « J'accepte » a été supprimée ».

    >>> Noun("case à cocher", "fr").the
    'la case à cocher'
    """

    text: str
    lang: str = "fr"

    @property
    def feminine(self) -> bool:
        """French gender, from the head noun (the first word)."""
        return self.lang == "fr" and self.text.split(" ")[0].lower() in FEMININE

    @property
    def elides(self) -> bool:
        return self.lang == "fr" and elides(self.text)

    @property
    def the(self) -> str:
        """« le bouton », « la case », « l'onglet » / "the button"."""
        if self.lang != "fr":
            return f"the {self.text}"
        return "l'" + self.text if self.elides else ("la " if self.feminine else "le ") + self.text

    @property
    def of(self) -> str:
        """After « de »: « du menu », « de la section », « de l'en-tête » / "of the menu"."""
        if self.lang != "fr":
            return f"of the {self.text}"
        return "de l'" + self.text if self.elides else ("de la " if self.feminine else "du ") + self.text

    @property
    def a(self) -> str:
        """« un bouton », « une case » / "a button", "an element"."""
        if self.lang != "fr":
            return ("an " if self.text[:1].lower() in "aeiou" else "a ") + self.text
        return ("une " if self.feminine else "un ") + self.text

    @property
    def e(self) -> str:
        """The French feminine ending a participle or adjective takes after this noun: "e" or ""."""
        return "e" if self.feminine else ""


def capitalized(sentence: str) -> str:
    """The sentence with its first letter upper-case (« l'option… » -> « L'option… »)."""
    return sentence[:1].upper() + sentence[1:]
