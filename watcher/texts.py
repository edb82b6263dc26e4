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
    "changes_count": {"fr": "{count} changement(s) d'interface", "en": "{count} interface change(s)"},
    "checking": {"fr": "Vérification", "en": "Checking"},
    "summary": {"fr": "{count} page(s) vérifiée(s), {alerts} alerte(s)",
                "en": "{count} page(s) checked, {alerts} alert(s)"},
    # Procedures (watcher/procedures.py): steps as a mediator says them, and why one no longer works.
    "proc.step.click": {"fr": "cliquer sur {subject}", "en": "click {subject}"},
    "proc.step.fill": {"fr": "remplir {subject}", "en": "fill in {subject}"},
    "proc.step.select": {"fr": "choisir {option} dans {subject}", "en": "choose {option} in {subject}"},
    "proc.step.check": {"fr": "cocher {subject}", "en": "tick {subject}"},
    "proc.step.expect": {"fr": "voir {subject}", "en": "see {subject}"},
    "proc.step.goto": {"fr": "aller à l'adresse {url}", "en": "go to {url}"},
    "proc.step.wait": {"fr": "attendre {seconds:g} s", "en": "wait {seconds:g} s"},
    "proc.problem.missing": {"fr": "{subject} est introuvable", "en": "{subject} cannot be found"},
    "proc.problem.hidden": {"fr": "{subject} est présent{e} mais caché{e}", "en": "{subject} is there but hidden"},
    "proc.problem.disabled": {"fr": "{subject} est désactivé{e}", "en": "{subject} is disabled"},
    "proc.problem.ambiguous": {"fr": "{subject} apparaît {detail} fois sur la page (impossible de savoir où cliquer)",
                               "en": "{subject} appears {detail} times on the page (no way to tell which)"},
    "proc.problem.no_effect": {"fr": "{subject} ne réagit pas", "en": "{subject} does not respond"},
    "proc.problem.option_missing": {"fr": "l'option {option} n'existe plus dans {subject}",
                                    "en": "the option {option} is no longer in {subject}"},
    "proc.problem.navigation": {"fr": "la page suivante ne s'affiche pas ({detail})",
                                "en": "the next page does not load ({detail})"},
    "proc.problem.secret": {"fr": "étape refusée : watcher ne remplit jamais de mot de passe ni de code secret",
                            "en": "step refused: watcher never fills in a password or secret code"},
    "proc.problem.after_login": {"fr": "étape refusée : rien n'est rejoué après le bouton de connexion",
                                 "en": "step refused: nothing is replayed after the login button"},
    "proc.broken": {"fr": "la procédure {name} ne passe plus à l'étape {number} : {problem}",
                    "en": "the procedure {name} no longer gets through step {number}: {problem}"},
    "proc.candidate": {"fr": " ; à sa place : {name}", "en": "; in its place: {name}"},
    "proc.blocked": {"fr": " ; la page n'a pas avancé, champ obligatoire non rempli : {fields}",
                     "en": "; the page did not move on, required field left empty: {fields}"},
    "proc.already": {"fr": " (déjà signalé)", "en": " (already reported)"},
    "proc.ok": {"fr": "la procédure {name} fonctionne ({count} étape(s))",
                "en": "the procedure {name} works ({count} step(s))"},
    "proc.unreachable": {"fr": "la procédure {name} n'a pas pu être rejouée : site injoignable ({reason})",
                         "en": "the procedure {name} could not be replayed: site unreachable ({reason})"},
    "proc.affects": {"fr": " — étape de la procédure {names}", "en": " — a step of the procedure {names}"},
    "proc.subject.field": {"fr": "le champ {name}", "en": "the field {name}"},
    "proc.subject.list": {"fr": "la liste {name}", "en": "the list {name}"},
    "proc.subject.box": {"fr": "la case {name}", "en": "the box {name}"},
}


def t(key: str, lang: str = "fr", **values: object) -> str:
    """The text `key` in `lang` (French when the language is unknown), with values filled in."""
    entry = TEXTS[key]
    return entry.get(lang, entry["fr"]).format(**values)
