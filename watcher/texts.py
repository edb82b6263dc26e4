"""What the command line says to coordinators, in French by default and in English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "status.new": {"fr": "première capture", "en": "first capture"},
    "status.unchanged": {"fr": "inchangé", "en": "unchanged"},
    "status.changed": {"fr": "modifié", "en": "changed"},
    "status.unreachable": {"fr": "injoignable", "en": "unreachable"},
    "status.error": {"fr": "erreur", "en": "error"},
    "alert": {"fr": "ALERTE", "en": "ALERT"},
    "no_alert": {"fr": "pas d'alerte", "en": "no alert"},
    "noise": {"fr": "bruit ignoré", "en": "ignored noise"},
    "reason": {"fr": "raison", "en": "reason"},
    "snapshot": {"fr": "capture", "en": "snapshot"},
    "images": {"fr": "images avant/après", "en": "before/after images"},
    "visual": {"fr": "{ratio:.1%} de la page a changé visuellement ({regions} zone(s))",
               "en": "{ratio:.1%} of the page changed visually ({regions} region(s))"},
    "no_change": {"fr": "aucun changement d'interface", "en": "no interface change"},
    "history.empty": {"fr": "aucune vérification enregistrée pour {target}", "en": "no check recorded for {target}"},
    "validate.ok": {"fr": "{file} : configuration valide ({count} page(s) surveillée(s))",
                    "en": "{file}: valid configuration ({count} watched page(s))"},
    "checking": {"fr": "Vérification", "en": "Checking"},
    "summary": {"fr": "{count} page(s) vérifiée(s), {alerts} alerte(s)",
                "en": "{count} page(s) checked, {alerts} alert(s)"},
}


def t(key: str, lang: str = "fr", **values: object) -> str:
    """The text `key` in `lang` (French when the language is unknown), with values filled in."""
    entry = TEXTS[key]
    return entry.get(lang, entry["fr"]).format(**values)
