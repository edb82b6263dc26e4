"""Every word of the changelog site, in French (default) and English, kept in one place for review."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

# Mediators work in mainland France; the index stores UTC, pages show Paris time.
PARIS = ZoneInfo("Europe/Paris")

UI: dict[str, dict[str, str]] = {
    "site_title": {"fr": "Journal des changements d'interface", "en": "Interface changelog"},
    "tagline": {"fr": "Ce qui a changé sur les sites des services publics que vous accompagnez.",
                "en": "What changed on the public-service sites you help people with."},
    "skip": {"fr": "Aller au contenu", "en": "Skip to content"},
    "nav_label": {"fr": "Navigation principale", "en": "Main navigation"},
    "nav_all": {"fr": "Tous les changements", "en": "All changes"},
    "nav_minor": {"fr": "Changements mineurs", "en": "Minor changes"},
    "nav_sites": {"fr": "Sites", "en": "Sites"},
    "nav_feed": {"fr": "Flux Atom (abonnement)", "en": "Atom feed (subscribe)"},
    "feed_of_page": {"fr": "S'abonner à ces changements (flux Atom)", "en": "Subscribe to these changes (Atom feed)"},
    "filters": {"fr": "Filtrer", "en": "Filter"},
    "filter_site": {"fr": "Par site", "en": "By site"},
    "filter_tag": {"fr": "Par public", "en": "By audience"},
    "filter_severity": {"fr": "Par gravité", "en": "By severity"},
    "severity": {"fr": "Gravité", "en": "Severity"},
    "overview_caption": {"fr": "Page entière. À gauche : avant ({before}). À droite : après ({after}).",
                         "en": "Whole page. Left: before ({before}). Right: after ({after})."},
    "filter_words": {"fr": "Filtrer par mot (bouton, démarche…)", "en": "Filter by word (button, procedure…)"},
    "timeline_all": {"fr": "Changements importants, tous sites", "en": "Important changes, all sites"},
    "timeline_minor": {"fr": "Changements mineurs (sans alerte)", "en": "Minor changes (no alert)"},
    "minor_intro": {"fr": "Ces changements n'ont pas déclenché d'alerte : textes mis à jour, éléments "
                          "déplacés, détails visuels. Utiles pour vérifier un support de formation.",
                    "en": "These changes raised no alert: updated texts, moved items, visual details. "
                          "Useful to check training material."},
    "timeline_site": {"fr": "Historique de {name}", "en": "History of {name}"},
    "timeline_tag": {"fr": "Changements pour le public « {tag} »", "en": "Changes for the audience “{tag}”"},
    "timeline_severity": {"fr": "Changements de gravité « {severity} »", "en": "Changes of severity “{severity}”"},
    "site_minor": {"fr": "Changements mineurs de ce site", "en": "Minor changes of this site"},
    "empty": {"fr": "Aucun changement enregistré pour l'instant.", "en": "No change recorded yet."},
    "count": {"fr": "{count} changement(s)", "en": "{count} change(s)"},
    "sites_title": {"fr": "Sites surveillés", "en": "Watched sites"},
    "watched_page": {"fr": "Page surveillée", "en": "Watched page"},
    "see_change": {"fr": "changement du {date}", "en": "change of {date}"},
    "more_changes": {"fr": "… et {count} autre(s) changement(s)", "en": "… and {count} more change(s)"},
    "alert": {"fr": "Alerte", "en": "Alert"},
    "no_alert": {"fr": "Sans alerte", "en": "No alert"},
    "change_title": {"fr": "{name} : changement du {date}", "en": "{name}: change of {date}"},
    "before_after": {"fr": "Avant / après", "en": "Before / after"},
    "overview_alt": {"fr": "Avant/Après, page entière de {name} : {summary}",
                     "en": "Before/After, whole page of {name}: {summary}"},
    "crop_alt": {"fr": "Avant/Après : {summary}", "en": "Before/After: {summary}"},
    "before_alt": {"fr": "Avant : page {name} le {date}", "en": "Before: page {name} on {date}"},
    "after_alt": {"fr": "Après : page {name} le {date}", "en": "After: page {name} on {date}"},
    "what_changed": {"fr": "Ce qui a changé", "en": "What changed"},
    "details": {"fr": "Détail élément par élément", "en": "Item by item"},
    "visual_only": {"fr": "La page a changé visuellement ({ratio} de la page, {regions} zone(s)), "
                          "sans changement de boutons, liens ni champs.",
                    "en": "The page changed visually ({ratio} of the page, {regions} region(s)), "
                          "with no change to buttons, links or fields."},
    "visual_ratio": {"fr": "Part de la page modifiée visuellement : {ratio}.",
                     "en": "Share of the page that changed visually: {ratio}."},
    "noise": {"fr": "{count} changement(s) de contenu qui tourne (actualités, dates) ignoré(s).",
              "en": "{count} change(s) of rotating content (news, dates) ignored."},
    "procedures": {"fr": "Démarches concernées", "en": "Procedures affected"},
    "no_procedures": {"fr": "Aucune démarche suivie sur cette page.", "en": "No watched procedure on this page."},
    "procedure_ok": {"fr": "fonctionne toujours", "en": "still works"},
    "procedure_broken": {"fr": "ne fonctionne plus comme enseigné", "en": "no longer works as taught"},
    "broken_step": {"fr": "Étape qui bloque : {step}", "en": "Blocking step: {step}"},
    "candidate": {"fr": "Élément le plus proche aujourd'hui : {candidate}",
                  "en": "Closest item today: {candidate}"},
    "steps_now": {"fr": "Les étapes, telles qu'elles sont maintenant", "en": "The steps, as they are now"},
    "audiences": {"fr": "Publics concernés", "en": "Audiences affected"},
    "no_audience": {"fr": "Aucun public indiqué.", "en": "No audience given."},
    "navigation": {"fr": "Changements voisins", "en": "Neighbouring changes"},
    "prev_site": {"fr": "Changement précédent de ce site", "en": "Previous change of this site"},
    "next_site": {"fr": "Changement suivant de ce site", "en": "Next change of this site"},
    "prev_all": {"fr": "Changement précédent, tous sites", "en": "Previous change, all sites"},
    "next_all": {"fr": "Changement suivant, tous sites", "en": "Next change, all sites"},
    "site_history": {"fr": "Tout l'historique de {name}", "en": "Whole history of {name}"},
    "sheet": {"fr": "Fiche de co-formation", "en": "Co-training sheet"},
    "sheet_pdf": {"fr": "Fiche de co-formation (PDF, A4)", "en": "Co-training sheet (PDF, A4)"},
    "sheet_print": {"fr": "Fiche de co-formation (page à imprimer)", "en": "Co-training sheet (printable page)"},
    "sheet_intro": {"fr": "À imprimer et à compléter en équipe : ce qui a changé, et comment l'expliquer.",
                    "en": "To print and fill in as a team: what changed, and how to explain it."},
    "notes": {"fr": "Nos notes : comment l'expliquer aux personnes accompagnées",
              "en": "Our notes: how to explain it to the people we help"},
    "detected": {"fr": "Détecté le", "en": "Detected on"},
    "compared_with": {"fr": "Comparé à la capture du", "en": "Compared with the capture of"},
    "footer": {"fr": "Généré par watcher à partir des captures des pages publiques. "
                     "Les images montrent la page avant (à gauche) et après (à droite).",
               "en": "Generated by watcher from captures of public pages. "
                     "Images show the page before (left) and after (right)."},
    "feed_title": {"fr": "Changements d'interface", "en": "Interface changes"},
    "feed_title_site": {"fr": "Changements d'interface : {name}", "en": "Interface changes: {name}"},
    "feed_title_tag": {"fr": "Changements d'interface pour le public « {tag} »",
                       "en": "Interface changes for the audience “{tag}”"},
    "built": {"fr": "Journal construit dans {out} : {alerts} changement(s) important(s), {minor} mineur(s), "
                    "{tutorials} tutoriel(s), {files} fichier(s) écrit(s), {pdfs} PDF créé(s), en {seconds:.1f} s",
              "en": "Changelog built in {out}: {alerts} important change(s), {minor} minor, "
                    "{tutorials} tutorial(s), {files} file(s) written, {pdfs} PDF(s) made, in {seconds:.1f} s"},
    "nav_tutorials": {"fr": "Tutoriels des démarches", "en": "Procedure tutorials"},
    "tutorials_title": {"fr": "Tutoriels illustrés des démarches", "en": "Illustrated procedure tutorials"},
    "tutorials_intro": {"fr": "Chaque tutoriel est refait à partir du dernier passage réussi de la démarche : "
                              "les images montrent l'interface telle qu'elle est aujourd'hui. Les valeurs saisies "
                              "sont des exemples.",
                        "en": "Each tutorial is made again from the latest successful replay of the procedure: "
                              "the pictures show the interface as it is today. Values typed are examples."},
    "tutorials_empty": {"fr": "Aucune démarche n'a encore été rejouée avec succès.",
                        "en": "No procedure has been replayed successfully yet."},
    "tutorial_title": {"fr": "Tutoriel : {name}", "en": "Tutorial: {name}"},
    "tutorial_kind": {"fr": "Tutoriel illustré", "en": "Illustrated tutorial"},
    "tutorial_of": {"fr": "Interface du {date} ({site}).", "en": "Interface of {date} ({site})."},
    "tutorial_steps": {"fr": "{count} étape(s)", "en": "{count} step(s)"},
    "tutorial_contents": {"fr": "Les étapes", "en": "The steps"},
    "tutorial_examples": {"fr": "Les valeurs à écrire sont des exemples : la personne accompagnée écrit les "
                                "siennes. Les champs qui pourraient montrer des données personnelles sont floutés.",
                          "en": "Values to type are examples: the person writes their own. Fields that could show "
                                "personal data are blurred."},
    "tutorial_keys": {"fr": "Au clavier : touches ← et → (ou « p » et « n ») pour passer d'une étape à l'autre.",
                      "en": "Keyboard: ← and → (or “p” and “n”) to go from one step to the next."},
    "tutorial_pdf": {"fr": "Tutoriel à imprimer (PDF, A4)", "en": "Printable tutorial (PDF, A4)"},
    "tutorial_print": {"fr": "Tutoriel (page à imprimer)", "en": "Tutorial (printable page)"},
    "tutorial_animation": {"fr": "Animation pas à pas", "en": "Step-by-step animation"},
    "tutorial_animation_alt": {"fr": "Animation : les {count} étapes de « {name} », environ 2 secondes chacune.",
                               "en": "Animation: the {count} steps of “{name}”, about 2 seconds each."},
    "tutorial_prev": {"fr": "Étape précédente", "en": "Previous step"},
    "tutorial_next": {"fr": "Étape suivante", "en": "Next step"},
    "tutorial_top": {"fr": "Retour à la liste des étapes", "en": "Back to the list of steps"},
    "tutorial_versions": {"fr": "Versions de ce tutoriel", "en": "Versions of this tutorial"},
    "tutorial_version": {"fr": "interface du {date}", "en": "interface of {date}"},
    "tutorial_current": {"fr": "version actuelle", "en": "current version"},
    "tutorial_this": {"fr": "(cette page)", "en": "(this page)"},
    "tutorial_old_notice": {"fr": "Ancienne version : l'interface a changé depuis. Voir le tutoriel actuel.",
                            "en": "Old version: the interface changed since. See the current tutorial."},
    "tutorial_broken": {"fr": "Attention : au dernier passage, la démarche ne passait plus à l'étape {step}. "
                              "Ce tutoriel montre l'interface du {date}, la dernière fois qu'elle fonctionnait.",
                        "en": "Warning: at the latest replay, the procedure no longer got through step {step}. "
                              "This tutorial shows the interface of {date}, the last time it worked."},
    "old_tutorial": {"fr": "ancien tutoriel", "en": "old tutorial"},
    "new_tutorial": {"fr": "nouveau tutoriel", "en": "new tutorial"},
    "no_new_tutorial": {"fr": "pas encore de nouveau tutoriel : la procédure ne passe plus à l'étape {step}",
                        "en": "no new tutorial yet: the procedure no longer gets through step {step}"},
    "no_new_candidate": {"fr": " (à sa place : « {candidate} »)", "en": " (in its place: “{candidate}”)"},
    "tutorial_of_procedure": {"fr": "Tutoriel « {name} »", "en": "Tutorial “{name}”"},
    "serving": {"fr": "Journal servi sur http://{host}:{port}/ (Ctrl+C pour arrêter)",
                "en": "Changelog served at http://{host}:{port}/ (Ctrl+C to stop)"},
    "no_site": {"fr": "aucun journal construit dans {dir} : lancez d'abord « watcher changelog build »",
                "en": "no changelog built in {dir}: run “watcher changelog build” first"},
}

SEVERITY: dict[str, dict[str, str]] = {
    "breaking": {"fr": "démarche bloquée", "en": "procedure broken"},
    "major": {"fr": "important", "en": "major"},
    "minor": {"fr": "mineur", "en": "minor"},
    "info": {"fr": "information", "en": "information"},
}

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre")


def ui(key: str, lang: str, **values: object) -> str:
    """The site text `key` in `lang` (French when unknown), with values filled in."""
    entry = UI[key]
    return entry.get(lang, entry["fr"]).format(**values)


def severity_label(severity: str | None, lang: str) -> str:
    entry = SEVERITY.get(severity or "info", SEVERITY["info"])
    return entry.get(lang, entry["fr"])


def day(when: datetime, lang: str) -> str:
    """A date in words, Paris time: « 3 mars 2025 » / "3 March 2025"."""
    local = when.astimezone(PARIS)
    if lang == "en":
        return f"{local.day} {local:%B} {local.year}"
    first = "1er" if local.day == 1 else str(local.day)
    return f"{first} {MONTHS_FR[local.month - 1]} {local.year}"


def moment(when: datetime, lang: str) -> str:
    """A date and hour in words, Paris time: « 3 mars 2025 à 14 h 05 »."""
    local = when.astimezone(PARIS)
    if lang == "en":
        return f"{day(when, lang)}, {local:%H:%M} (Paris time)"
    return f"{day(when, lang)} à {local.hour} h {local.minute:02d}"


def percent(ratio: float, lang: str) -> str:
    text = f"{ratio * 100:.1f}"
    return f"{text.replace('.', ',')} %" if lang == "fr" else f"{text}%"
