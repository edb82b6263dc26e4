"""What the command line says to coordinators, in French by default and in English."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

TEXTS: dict[str, dict[str, str]] = {
    "status.new": {"fr": "première capture", "en": "first capture"},
    "status.unchanged": {"fr": "inchangé", "en": "unchanged"},
    "status.changed": {"fr": "modifié", "en": "changed"},
    "status.unreachable": {"fr": "injoignable", "en": "unreachable"},
    "status.error": {"fr": "erreur", "en": "error"},
    "status.degraded": {"fr": "dégradé", "en": "degraded"},
    # Why a capture is degraded (watcher/detect/degraded.py): the page is not the site's interface right now.
    "degraded.template": {"fr": "page mal affichée : modèle non rempli", "en": "page not rendered: unfilled template"},
    "degraded.partial": {"fr": "capture incomplète : une zone de la page ne s'est pas affichée",
                         "en": "partial capture: part of the page did not render"},
    "degraded.empty": {"fr": "page presque vide à la place de la page habituelle",
                       "en": "nearly empty page in place of the usual one"},
    "degraded.queue": {"fr": "file d'attente", "en": "waiting room / queue"},
    "degraded.verification": {"fr": "vérification du navigateur", "en": "browser verification page"},
    "degraded.maintenance": {"fr": "page de maintenance", "en": "maintenance page"},
    "degraded.overload": {"fr": "site surchargé", "en": "overload notice"},
    "degraded.loading": {"fr": "page encore en chargement", "en": "page still loading"},
    "degraded.not_found": {"fr": "page « introuvable » du site", "en": "the site's “not found” page"},
    "degraded.error_page": {"fr": "page d'erreur du site", "en": "the site's error page"},
    "degraded.diff": {"fr": "La page {side} est dégradée ({why}) : ce n'est pas un changement d'interface.",
                      "en": "The {side} page is degraded ({why}): this is not an interface change."},
    "side.before": {"fr": "AVANT", "en": "BEFORE"},
    "side.after": {"fr": "APRÈS", "en": "AFTER"},
    "proc.degraded": {"fr": "la procédure {name} n'a pas pu être vérifiée : page dégradée ({reason})",
                      "en": "the procedure {name} could not be checked: degraded page ({reason})"},
    "alert": {"fr": "ALERTE", "en": "ALERT"},
    "no_alert": {"fr": "pas d'alerte", "en": "no alert"},
    "noise": {"fr": "bruit ignoré", "en": "ignored noise"},
    "reason": {"fr": "raison", "en": "reason"},
    "colon": {"fr": " : ", "en": ": "},  # French typography puts a space before the colon, English none
    "snapshot": {"fr": "capture", "en": "snapshot"},
    "images": {"fr": "images avant/après", "en": "before/after images"},
    "visual": {"fr": "{ratio:.1%} de la page a changé visuellement ({regions} zone(s))",
               "en": "{ratio:.1%} of the page changed visually ({regions} region(s))"},
    "no_change": {"fr": "aucun changement d'interface", "en": "no interface change"},
    "history.unknown": {"fr": "page inconnue « {target} » (pages : {ids})", "en": "unknown page “{target}” (pages: {ids})"},
    "history.empty": {"fr": "aucune vérification enregistrée pour {target}", "en": "no check recorded for {target}"},
    "validate.ok": {"fr": "{file} : configuration valide ({count} page(s) surveillée(s))",
                    "en": "{file}: valid configuration ({count} watched page(s))"},
    "changes_count": {"fr": "{count} changement(s) d'interface", "en": "{count} interface change(s)"},
    "checking": {"fr": "Vérification", "en": "Checking"},
    "summary": {"fr": "{count} page(s) vérifiée(s), {alerts} alerte(s)",
                "en": "{count} page(s) checked, {alerts} alert(s)"},
    # Procedures (watcher/capture/procedures.py): steps as a mediator says them, and why one no longer works.
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
    # coordinator tools (watcher tune, add, explain, mark, stats, schema)
    "tune.head": {"fr": "{id} — {name} : {runs} capture(s), fenêtre {viewport}",
                  "en": "{id} — {name}: {runs} capture(s), viewport {viewport}"},
    "tune.skeleton": {"fr": "Ce que watcher compare (squelette) :", "en": "What watcher compares (skeleton):"},
    "tune.variations": {"fr": "Différences entre des captures qui devraient être identiques :",
                        "en": "Differences between captures that should be identical:"},
    "tune.none": {"fr": "  aucune : la page est stable", "en": "  none: the page is stable"},
    "tune.pair": {"fr": "captures {a}→{b}", "en": "captures {a}→{b}"},
    "tune.region": {"fr": "zone de l'écran x={x} y={y} {w}×{h} ({kind})", "en": "screen area x={x} y={y} {w}×{h} ({kind})"},
    "tune.block": {"fr": "bloc {selector}", "en": "block {selector}"},
    "tune.noblock": {"fr": "bloc introuvable", "en": "block not found"},
    "tune.proposals": {"fr": "Réglages proposés :", "en": "Proposed settings:"},
    "tune.explains": {"fr": "{count} différence(s) ; {hidden} élément(s) interactif(s) laissé(s) de côté",
                      "en": "{count} difference(s); {hidden} interactive element(s) left out"},
    "tune.refused": {"fr": "Refusé : {selector} ({why})", "en": "Refused: {selector} ({why})"},
    "why.main": {"fr": "engloberait le contenu principal <main>", "en": "would take in the main content <main>"},
    "why.share": {"fr": "laisserait de côté {share:.0%} des éléments interactifs",
                  "en": "would leave out {share:.0%} of the interactive elements"},
    "why.procedure": {"fr": "cache un élément utilisé par une procédure", "en": "hides an element a procedure uses"},
    "tune.cookie": {"fr": "Bandeau cookies « {banner} » (boutons : {buttons})",
                    "en": "Cookie banner “{banner}” (buttons: {buttons})"},
    "tune.cookie.refuse": {"fr": "refuse : aucun traceur accepté", "en": "declines: no tracker accepted"},
    "tune.cookie.accept": {"fr": "accepte : pas de bouton de refus trouvé", "en": "accepts: no decline button found"},
    "tune.cookie.still": {"fr": "  le cookie_banner actuel ({current}) ne le ferme pas",
                          "en": "  the current cookie_banner ({current}) does not close it"},
    "tune.quiet": {"fr": "Avec ces réglages, les captures seraient identiques.",
                   "en": "With these settings, the captures would be identical."},
    "tune.left": {"fr": "Avec ces réglages, il resterait {changes} différence(s) d'interface et {regions} zone(s) "
                        "d'écran.", "en": "With these settings, {changes} interface difference(s) and {regions} "
                                          "screen area(s) would remain."},
    "tune.hints": {"fr": "Déjà marqué comme bruit sur cette page :", "en": "Already marked as noise on this page:"},
    "tune.write": {"fr": "Pour les écrire dans {file} : watcher tune {id} --write",
                   "en": "To write them into {file}: watcher tune {id} --write"},
    "tune.written": {"fr": "Écrit dans {file} (ancienne version : {backup}) ; configuration valide.",
                     "en": "Written into {file} (previous version: {backup}); configuration valid."},
    "tune.nothing": {"fr": "Rien à écrire.", "en": "Nothing to write."},
    "unreachable": {"fr": "{url} : injoignable ({reason})", "en": "{url}: unreachable ({reason})"},
    "add.unreachable": {"fr": "{url} : injoignable ({reason}) ; rien n'a été ajouté (--force pour l'ajouter quand même)",
                        "en": "{url}: unreachable ({reason}); nothing was added (--force to add it anyway)"},
    "add.done": {"fr": "Ajouté à {file} : {id} — {name} ({schedule})", "en": "Added to {file}: {id} — {name} ({schedule})"},
    "add.next": {"fr": "Ensuite : watcher tune {id}", "en": "Next: watcher tune {id}"},
    "add.taken": {"fr": "l'identifiant {id} existe déjà dans {file}", "en": "the id {id} already exists in {file}"},
    "explain.head": {"fr": "Changement n°{id} — {target} ({time}, heure de Paris) : {status}{alert}",
                     "en": "Change #{id} — {target} ({time}, Paris time): {status}{alert}"},
    "explain.files": {"fr": "Capture {snapshot}, comparée à {baseline}", "en": "Snapshot {snapshot}, compared with {baseline}"},
    "explain.reason": {"fr": "Raison : {reason}", "en": "Reason: {reason}"},
    "explain.degraded": {"fr": "Page dégradée : ce n'est pas un changement d'interface ; elle ne sert jamais de "
                                "référence et ne prévient pas les médiateurs.",
                         "en": "Degraded page: not an interface change; it is never the reference and never "
                               "alerts mediators."},
    "explain.first": {"fr": "Première capture : rien à comparer.", "en": "First capture: nothing to compare."},
    "explain.nothing": {"fr": "Aucun changement d'interface.", "en": "No interface change."},
    "explain.alerts": {"fr": "→ déclenche l'alerte ({severity} ≥ {level})", "en": "→ fires the alert ({severity} ≥ {level})"},
    "explain.below": {"fr": "→ sous le seuil, pas d'alerte", "en": "→ below the threshold, no alert"},
    "explain.block": {"fr": "bloc : {selector}", "en": "block: {selector}"},
    "explain.silence": {"fr": "Pour ne plus être alerté par ce changement :", "en": "To stop this change from alerting:"},
    "explain.ignore": {"fr": "ignorer son bloc dans targets.yaml : ignore: [\"{selector}\"]",
                       "en": "ignore its block in targets.yaml: ignore: [\"{selector}\"]"},
    "explain.level": {"fr": "relever le seuil de la page : min_severity: {level}", "en": "raise the page's threshold: min_severity: {level}"},
    "explain.procedures": {"fr": "procédure : {message}", "en": "procedure: {message}"},
    "explain.marked": {"fr": "Jugement enregistré : {label}{note}", "en": "Recorded judgement: {label}{note}"},
    "rule.noise": {"fr": "bloc répété dont les éléments changent ensemble (actualités, carrousel) : bruit, jamais d'alerte",
                   "en": "repeated block whose items change together (news, carousel): noise, never alerts"},
    "rule.procedure": {"fr": "élément utilisé par la démarche {names} : toujours « bloquant » (breaking)",
                       "en": "element used by the procedure {names}: always breaking"},
    "rule.orientation": {"fr": "zone ou titre : un repère, pas une étape", "en": "landmark or heading: orientation, not a step"},
    "rule.form_target": {"fr": "adresse d'envoi d'un formulaire : invisible pour la personne",
                         "en": "where a form posts: invisible to the person"},
    "rule.link_target": {"fr": "le lien mène ailleurs", "en": "the link leads elsewhere"},
    "rule.required": {"fr": "un champ devient obligatoire ou facultatif", "en": "a field became required or optional"},
    "rule.added_required": {"fr": "nouveau champ obligatoire", "en": "new required field"},
    "rule.added": {"fr": "nouvel élément (rien n'empêche d'avancer)", "en": "new element (nothing blocks the way)"},
    "rule.moved_far": {"fr": "déplacé dans une autre zone ou dans un menu", "en": "moved to another landmark or within a menu"},
    "rule.moved_near": {"fr": "déplacé dans la même zone", "en": "moved within the same landmark"},
    "rule.numbers": {"fr": "seuls des nombres changent (compteur, année)", "en": "only numbers differ (counter, year)"},
    "rule.footer": {"fr": "lien de pied de page : rarement une étape", "en": "footer link: rarely a step"},
    "rule.dialog": {"fr": "un dialogue entier (bandeau cookies, fenêtre) apparaît ou disparaît",
                    "en": "a whole dialog (cookie banner, modal) appears or goes"},
    "rule.step": {"fr": "élément qu'une personne utilise pour avancer", "en": "an element a person uses to go on"},
    "mark.nothing": {"fr": "le n°{id} ({target}) est une vérification « {status} » : rien n'a été signalé, "
                           "il n'y a rien à noter (watcher history {target} montre les changements)",
                     "en": "#{id} ({target}) is a check with status “{status}”: nothing was reported, nothing to "
                           "record (watcher history {target} shows the changes)"},
    "mark.done": {"fr": "Changement n°{id} ({target}) noté : {label}", "en": "Change #{id} ({target}) recorded as: {label}"},
    "label.noise": {"fr": "fausse alerte (bruit)", "en": "false alarm (noise)"},
    "label.real": {"fr": "vrai changement", "en": "real change"},
    "unknown_change": {"fr": "changement {id} introuvable dans {index}", "en": "change {id} not found in {index}"},
    "schema.done": {"fr": "Écrit : {file}", "en": "Written: {file}"},
    # validate, disabled channels, the service's start-up summary (watcher/cli/commands/validate.py, channels.py,
    # service.py)
    "channel.warning": {"fr": "attention : ", "en": "warning: "},
    "channel.clear_secret": {"fr": "secret écrit en clair ({fields}) : mettez-le dans une variable d'environnement "
                                   "({vars}) définie pour le service (/etc/watcher/secrets.env)",
                             "en": "secret written in clear ({fields}): put it in an environment variable ({vars}) "
                                   "set for the service (/etc/watcher/secrets.env)"},
    "channel.write_instead": {"fr": " ; écrivez : {url}", "en": "; write: {url}"},
    "channel.unknown_scheme": {"fr": "schéma {scheme} inconnu d'Apprise", "en": "scheme {scheme} unknown to Apprise"},
    "channel.did_you_mean": {"fr": " — vouliez-vous dire {scheme} ?", "en": " — did you mean {scheme}?"},
    "channel.unset_variable": {"fr": "la variable d'environnement {var} n'est pas définie",
                               "en": "the environment variable {var} is not set"},
    "channel.invalid_url": {"fr": "adresse refusée par Apprise (paramètre manquant ou invalide) : {var}",
                            "en": "address refused by Apprise (missing or invalid parameter): {var}"},
    "channel.disabled": {"fr": "canal « {name} » désactivé : {why}", "en": "channel “{name}” disabled: {why}"},
    "channel.disabled.title": {"fr": "watcher : canal « {name} » désactivé", "en": "watcher: channel “{name}” disabled"},
    "channel.disabled.body": {"fr": "Le canal « {name} » ne reçoit rien tant que ce problème reste dans "
                                    "notifiers/channels.yaml :\n{lines}\nLes autres canaux fonctionnent. Après la "
                                    "correction : watcher validate, puis watcher notify-test {name}.",
                              "en": "The channel “{name}” receives nothing while this problem stays in "
                                    "notifiers/channels.yaml:\n{lines}\nThe other channels work. Once fixed: "
                                    "watcher validate, then watcher notify-test {name}."},
    "validate.channels_ok": {"fr": "{file} : {count} canal(aux) d'alerte valide(s)",
                             "en": "{file}: {count} valid alert channel(s)"},
    "validate.failed": {"fr": "{errors} erreur(s), {warnings} avertissement(s)",
                        "en": "{errors} error(s), {warnings} warning(s)"},
    "validate.warnings": {"fr": "{warnings} avertissement(s), aucune erreur", "en": "{warnings} warning(s), no error"},
    "validate.online": {"fr": "Essai en ligne (une capture de chaque page, un passage de chaque procédure ; rien "
                              "n'est gardé comme référence) :",
                        "en": "Online trial (one capture of each page, one replay of each procedure; nothing is "
                              "kept as a reference):"},
    "validate.page_ok": {"fr": "OK    {id} — page chargée ({seconds:.1f} s, {count} élément(s) interactif(s))",
                         "en": "OK    {id} — page loaded ({seconds:.1f} s, {count} interactive element(s))"},
    "validate.page_degraded": {"fr": "ÉCHEC {id} — la page répond mais n'est pas son interface ({reason}) : {url} "
                                     "— réessayez plus tard",
                               "en": "FAIL  {id} — the page answers but is not its interface ({reason}): {url} "
                                     "— try again later"},
    "validate.page_bad": {"fr": "ÉCHEC {id} — page injoignable ({reason}) : {url}",
                          "en": "FAIL  {id} — page unreachable ({reason}): {url}"},
    "validate.proc_ok": {"fr": "OK    {id} — {message}", "en": "OK    {id} — {message}"},
    "validate.proc_bad": {"fr": "ÉCHEC {id} — {message}", "en": "FAIL  {id} — {message}"},
    "validate.online_summary": {"fr": "{pages_ok}/{pages} page(s) et {procs_ok}/{procs} procédure(s) fonctionnent",
                                "en": "{pages_ok}/{pages} page(s) and {procs_ok}/{procs} procedure(s) work"},
    "run.started": {"fr": "watcher run : {pages} page(s) surveillée(s), {procedures} procédure(s) rejouée(s)",
                    "en": "watcher run: {pages} watched page(s), {procedures} replayed procedure(s)"},
    "run.channel": {"fr": "  canal {name} : {urls}{role}", "en": "  channel {name}: {urls}{role}"},
    "run.coordinators": {"fr": " (coordinateurs)", "en": " (coordinators)"},
    "run.channel_off": {"fr": "  canal {name} DÉSACTIVÉ : {why}", "en": "  channel {name} DISABLED: {why}"},
    "run.channel_warn": {"fr": "  canal {name} : {why}", "en": "  channel {name}: {why}"},
    "run.next": {"fr": "Prochaines vérifications (heure de Paris) :", "en": "Next checks (Paris time):"},
    "run.next_line": {"fr": "  {when}  {id}", "en": "  {when}  {id}"},
    "run.more": {"fr": "  … et {count} autre(s)", "en": "  … and {count} more"},
    "run.no_coordinators": {"fr": "watcher : aucun canal de coordination pour le dire : {line}",
                            "en": "watcher: no coordinators' channel to tell: {line}"},
}

# --- issue 18 (the coordinator's first hour): configuration mistakes, init, add, mark, explain, tables ---
TEXTS.update({
    "cfg.suggest": {"fr": " ; vouliez-vous dire « {value} » ?", "en": "; did you mean “{value}”?"},
    "cfg.more": {"fr": "… et {count} autre(s) erreur(s) : corrigez celles-ci d'abord",
                 "en": "… and {count} more mistake(s): fix these first"},
    "cfg.got.nothing": {"fr": "rien", "en": "nothing"},
    "cfg.got.block": {"fr": "un bloc de clés", "en": "a block of keys"},
    "cfg.got.list": {"fr": "une liste", "en": "a list"},
    "cfg.got.text": {"fr": "« {value} »", "en": "“{value}”"},
    "cfg.not_found": {"fr": "fichier introuvable", "en": "file not found"},
    "cfg.is_dir": {"fr": "c'est un dossier, pas un fichier", "en": "this is a folder, not a file"},
    "cfg.not_text": {"fr": "ce n'est pas un fichier texte UTF-8 (octet invalide à la position {position}) : "
                           "enregistrez-le en UTF-8 depuis votre éditeur",
                     "en": "not a UTF-8 text file (invalid byte at position {position}): save it as UTF-8 "
                           "from your editor"},
    "cfg.unreadable": {"fr": "fichier illisible ({detail})", "en": "cannot read file ({detail})"},
    "cfg.no_targets": {"fr": "fichier introuvable : lancez « watcher init{folder} » pour créer un exemple commenté",
                       "en": "file not found: run “watcher init{folder}” to create a commented example"},
    "cfg.empty_targets": {"fr": "le fichier est vide : lancez « watcher init » (exemple commenté) ou "
                                "« watcher add URL » (une première page)",
                          "en": "the file is empty: run “watcher init” (a commented example) or "
                                "“watcher add URL” (a first page)"},
    "cfg.empty": {"fr": "le fichier est vide", "en": "the file is empty"},
    "cfg.yaml": {"fr": "erreur de syntaxe YAML : {detail} (vérifiez l'indentation, les « : » et les guillemets)",
                 "en": "YAML syntax error: {detail} (check the indentation, the “:” and the quotes)"},
    "cfg.yaml.colon": {"fr": "erreur de syntaxe YAML : un « : » de trop ou une indentation décalée (mettez entre "
                             "guillemets un texte qui contient « : »)",
                       "en": "YAML syntax error: {detail} (quote a text that holds “: ”, or check the indentation)"},
    "cfg.yaml.no_colon": {"fr": "erreur de syntaxe YAML : il manque un « : » après une clé",
                          "en": "YAML syntax error: {detail} (a key needs “:”)"},
    "cfg.yaml.tab": {"fr": "erreur de syntaxe YAML : caractère interdit ici (une tabulation ? indentez avec des espaces)",
                     "en": "YAML syntax error: {detail} (a tab? indent with spaces)"},
    "cfg.yaml.indent": {"fr": "erreur de syntaxe YAML : indentation incorrecte (les clés d'un même bloc s'alignent)",
                        "en": "YAML syntax error: {detail} (keys of one block line up)"},
    "cfg.yaml.unclosed": {"fr": "erreur de syntaxe YAML : un crochet, une accolade ou un guillemet n'est pas fermé",
                          "en": "YAML syntax error: {detail} (a bracket, brace or quote is not closed)"},
    "cfg.yaml.duplicate": {"fr": "erreur de syntaxe YAML : la même clé apparaît deux fois dans un bloc",
                           "en": "YAML syntax error: {detail} (the same key twice in one block)"},
    "cfg.unknown_key": {"fr": "clé inconnue « {name} »", "en": "unknown field “{name}”"},
    "cfg.missing": {"fr": "champ obligatoire manquant", "en": "required field is missing"},
    "cfg.list_type": {"fr": "une liste est attendue, par exemple [a, b] (ici : {got})",
                      "en": "a list is expected, e.g. [a, b] (here: {got})"},
    "cfg.dict_type": {"fr": "un bloc de clés est attendu (clé: valeur, une par ligne) (ici : {got})",
                      "en": "a block of keys is expected (key: value, one per line) (here: {got})"},
    "cfg.string_type": {"fr": "du texte est attendu (ici : {got})", "en": "text is expected (here: {got})"},
    "cfg.int_type": {"fr": "un nombre entier est attendu (ici : {got})", "en": "a whole number is expected (here: {got})"},
    "cfg.number_type": {"fr": "un nombre est attendu (ici : {got})", "en": "a number is expected (here: {got})"},
    "cfg.bool_type": {"fr": "true ou false est attendu (ici : {got})", "en": "true or false is expected (here: {got})"},
    "cfg.gt": {"fr": "doit être supérieur à {gt} (ici : {got})", "en": "must be greater than {gt} (here: {got})"},
    "cfg.ge": {"fr": "doit valoir au moins {ge} (ici : {got})", "en": "must be at least {ge} (here: {got})"},
    "cfg.lt": {"fr": "doit être inférieur à {lt} (ici : {got})", "en": "must be less than {lt} (here: {got})"},
    "cfg.le": {"fr": "doit valoir au plus {le} (ici : {got})", "en": "must be at most {le} (here: {got})"},
    "cfg.too_short": {"fr": "au moins {min_length} élément(s) attendu(s)", "en": "at least {min_length} item(s) expected"},
    "cfg.too_long": {"fr": "au plus {max_length} élément(s)", "en": "at most {max_length} item(s)"},
    "cfg.empty_string": {"fr": "ne peut pas être vide", "en": "cannot be empty"},
    "cfg.string_too_long": {"fr": "trop long (au plus {max_length} caractères)",
                            "en": "too long (at most {max_length} characters)"},
    "cfg.choice": {"fr": "valeur inconnue « {value} » (valeurs possibles : {choices})",
                   "en": "unknown value “{value}” (possible values: {choices})"},
    "cfg.refused": {"fr": "valeur refusée ({detail})", "en": "value refused ({detail})"},
    "cfg.interval_short": {"fr": "intervalle trop court (au moins 10s)", "en": "interval too short (at least 10s)"},
    "cfg.interval": {"fr": "intervalle invalide : « every N » suivi de s, m, h ou d (par exemple « every 6h »)",
                     "en": "invalid interval, expected 'every N' followed by s, m, h or d (e.g. 'every 6h')"},
    "cfg.cron_fields": {"fr": "calendrier invalide « {value} » : 5 champs cron (par exemple « 0 7 * * 1-5 ») "
                              "ou « every 6h »",
                        "en": "invalid cron expression “{value}”, expected 5 fields (e.g. '0 7 * * 1-5') "
                              "or 'every 6h'"},
    "cfg.cron": {"fr": "calendrier cron invalide « {value} » ({detail})", "en": "invalid cron expression “{value}” ({detail})"},
    "cfg.role": {"fr": "rôle inconnu « {value} » (rôles ARIA : link, button, textbox, heading…)",
                 "en": "unknown role “{value}” (ARIA roles such as link, button, textbox, heading)"},
    "cfg.secret_fill": {"fr": "une démarche ne remplit jamais de mot de passe ni de code secret (étapes publiques "
                              "seulement, avant la connexion)",
                        "en": "procedures never fill in passwords or secret codes (public, pre-login steps only)"},
    "cfg.one_action": {"fr": "une étape contient exactement une action parmi {actions}",
                       "en": "a step needs exactly one of {actions}"},
    "cfg.goto": {"fr": "goto attend une adresse http(s) ou un chemin commençant par / (ici : « {value} »)",
                 "en": "goto needs an http(s) address or a path starting with / (got “{value}”)"},
    "cfg.after_login": {"fr": "aucune étape après le bouton de connexion (la démarche s'arrête là)",
                        "en": "no step may follow a login submit (the procedure must end at the login button)"},
    # CSS selectors of targets.yaml (watcher/config/selectors.py)
    "cfg.css": {"fr": "sélecteur CSS invalide « {value} » (syntaxe)", "en": "invalid CSS selector “{value}” (syntax)"},
    "cfg.css.end": {"fr": "sélecteur CSS invalide « {value} » (il s'arrête trop tôt : une parenthèse, un crochet "
                          "ou un nom manque)",
                    "en": "invalid CSS selector “{value}” (it ends too early: a bracket or a name is missing)"},
    "cfg.css.unexpected": {"fr": "sélecteur CSS invalide « {value} » (« {token} » inattendu au caractère {position})",
                           "en": "invalid CSS selector “{value}” (unexpected “{token}” at character {position})"},
    "cfg.css.empty": {"fr": "sélecteur CSS invalide : il est vide", "en": "invalid CSS selector: it is empty"},
    "cfg.css.empty_part": {"fr": "sélecteur invalide « {value} » (une partie de la chaîne « >> » est vide)",
                           "en": "invalid selector “{value}” (a part of the “>>” chain is empty)"},
    "cfg.css.pseudo": {"fr": "sélecteur CSS invalide « {value} » (pseudo-classe inconnue « :{name} »)",
                       "en": "invalid CSS selector “{value}” (unknown pseudo-class “:{name}”)"},
    "cfg.css.pseudo_element": {"fr": "sélecteur CSS invalide « {value} » (le pseudo-élément « ::{name} » ne désigne "
                                     "pas un élément de la page)",
                               "en": "invalid CSS selector “{value}” (the pseudo-element “::{name}” is not an "
                                     "element of the page)"},
    "cfg.css.xpath": {"fr": "sélecteur XPath invalide « {value} »", "en": "invalid XPath selector “{value}” ({detail})"},
    "cfg.css_unsupported.dynamic": {
        "fr": "sélecteur CSS non pris en charge par ignore « {value} » (« :{name} » dépend de ce que fait la personne "
              "et une page enregistrée n'a pas cet état : la règle ne retirerait rien)",
        "en": "CSS selector not supported by ignore “{value}” (“:{name}” depends on what the person does and a saved "
              "page has no such state: the rule would leave everything in)"},
    "cfg.css_unsupported.browser": {
        "fr": "sélecteur CSS non pris en charge par ignore « {value} » (« :{name} » n'existe que dans un navigateur "
              "en marche, et ignore s'applique aux pages enregistrées)",
        "en": "CSS selector not supported by ignore “{value}” (“:{name}” only exists in a running browser, and "
              "ignore applies to saved pages)"},
    "cfg.css_unsupported.level4": {
        "fr": "sélecteur CSS non pris en charge par ignore « {value} » (syntaxe CSS de niveau 4 : écrire par exemple "
              ":not(.a):not(.b) plutôt que :not(.a, .b))",
        "en": "CSS selector not supported by ignore “{value}” (CSS Level 4 syntax: write e.g. :not(.a):not(.b) "
              "instead of :not(.a, .b))"},
    "cfg.unsafe_id": {"fr": "identifiant invalide « {value} » : lettres minuscules, chiffres, « - », « _ » ou « . », "
                            "en commençant par une lettre ou un chiffre",
                      "en": "unsafe id “{value}”: use lowercase letters, digits, '-', '_' or '.', starting with a "
                            "letter or digit"},
    "cfg.url": {"fr": "l'adresse doit commencer par http:// ou https:// (ici : « {value} »)",
                "en": "url must start with http:// or https:// (got “{value}”)"},
    "cfg.no_viewport": {"fr": "au moins une fenêtre (viewport) est nécessaire", "en": "at least one viewport is needed"},
    "cfg.viewport_names": {"fr": "les noms des fenêtres doivent être différents", "en": "viewport names must be distinct"},
    "cfg.procedure_names": {"fr": "les noms des démarches doivent être différents",
                            "en": "procedure names must be distinct"},
    "cfg.duplicate_id": {"fr": "identifiant « {value} » déjà utilisé par une autre page",
                         "en": "duplicate id “{value}”"},
    "cfg.channel_name": {"fr": "nom de canal invalide « {value} » : lettres minuscules, chiffres, « - », « _ » ou « . »",
                         "en": "invalid channel name “{value}”: use lowercase letters, digits, '-', '_' or '.'"},
    "cfg.apprise_url": {"fr": "ce n'est pas une adresse Apprise (schéma://…) : {value}",
                        "en": "not an Apprise URL (expected schema://…): {value}"},
    "cfg.clear_password": {"fr": "mot de passe écrit en clair : mettez-le dans une variable d'environnement, "
                                 "par exemple ${{SMTP_PASSWORD}}",
                           "en": "password written in clear: put it in an environment variable, e.g. ${{SMTP_PASSWORD}}"},
    "cfg.changelog_url": {"fr": "changelog_url doit commencer par http:// ou https://",
                          "en": "changelog_url must start with http:// or https://"},
    "cfg.channel_tag": {"fr": "aucune page n'a l'étiquette « {value} » : ce canal ne recevra rien pour elle",
                        "en": "no page has the tag “{value}”: this channel will get nothing for it"},
    "cfg.channel_audience": {"fr": "aucune démarche n'a le public « {value} » : ce canal ne recevra rien pour lui",
                             "en": "no procedure has the audience “{value}”: this channel will get nothing for it"},
    "cfg.no_target_list": {"fr": "pas de liste de pages à compléter (« targets: » suivi de pages « - id: … »)",
                           "en": "no list of targets to edit (“targets:” followed by “- id: …” pages)"},
    "cfg.not_written": {"fr": "{message} (rien n'a été écrit)", "en": "{message} (not written)"},
    # watcher init
    "init.wrote": {"fr": "Créé : {file}", "en": "Created: {file}"},
    "init.filled": {"fr": "Complété (il était vide) : {file}", "en": "Filled in (it was empty): {file}"},
    "init.kept": {"fr": "Déjà là, laissé tel quel : {file}", "en": "Already there, left as it is: {file}"},
    "init.next": {"fr": "Ensuite :", "en": "Next:"},
    "init.nothing": {"fr": "rien n'a été écrit dans {folder} : les fichiers existent déjà (watcher validate pour "
                           "les vérifier)",
                     "en": "nothing was written in {folder}: the files already exist (watcher validate checks them)"},
    "init.cd": {"fr": "  cd {folder}", "en": "  cd {folder}"},
    "init.step.validate": {"fr": "  watcher validate          # vérifie la configuration",
                           "en": "  watcher validate          # checks the configuration"},
    "init.step.check": {"fr": "  watcher check             # première capture de l'exemple (la référence)",
                        "en": "  watcher check             # first capture of the example (the reference)"},
    "init.step.add": {"fr": "  watcher add https://…     # ajoute une page que vous voulez surveiller",
                      "en": "  watcher add https://…     # adds a page you want to watch"},
    # watcher add
    "add.http": {"fr": "Le site ne répond pas en https ; adresse gardée : {url}",
                 "en": "The site does not answer over https; address kept: {url}"},
    "add.scheme": {"fr": "Adresse complétée : {url}", "en": "Address completed: {url}"},
    "add.watched": {"fr": "{url} est déjà surveillée (page {id}) ; rien n'a été ajouté",
                    "en": "{url} is already watched (page {id}); nothing was added"},
    "add.created": {"fr": "{file} n'existait pas ou était vide : il contient maintenant cette page",
                    "en": "{file} did not exist or was empty: it now holds this page"},
    "usage.no_command": {"fr": "commande inconnue « {name} »", "en": "unknown command “{name}”"},
    "usage.no_option": {"fr": "option inconnue « {name} »", "en": "unknown option “{name}”"},
    "usage.missing_argument": {"fr": "il manque {name}", "en": "{name} is missing"},
    "usage.missing_option": {"fr": "l'option {name} est obligatoire", "en": "option {name} is required"},
    "usage.needs_value": {"fr": "l'option {name} attend une valeur", "en": "option {name} needs a value"},
    "usage.choice": {"fr": "valeur invalide pour {name} : « {value} » (valeurs possibles : {choices})",
                     "en": "invalid value for {name}: “{value}” (possible values: {choices})"},
    "usage.invalid": {"fr": "valeur invalide pour {name} : {detail}", "en": "invalid value for {name}: {detail}"},
    "usage.extra": {"fr": "argument(s) en trop : {args}", "en": "unexpected extra argument(s): {args}"},
    "usage.suggest": {"fr": " ; vouliez-vous dire {words} ?", "en": "; did you mean {words}?"},
    "usage.help": {"fr": " (aide : {command} --help)", "en": " (help: {command} --help)"},
    "validate.no_channels": {"fr": "{file} : fichier absent, les alertes ne s'affichent qu'à l'écran et personne ne "
                                   "les reçoit (watcher init le crée)",
                             "en": "{file}: file missing, alerts are only printed and nobody receives them "
                                   "(watcher init creates it)"},
    "target.unknown": {"fr": "page inconnue « {target} » (pages de targets.yaml : {ids})",
                       "en": "unknown page “{target}” (pages in targets.yaml: {ids})"},
    "ch.unknown": {"fr": "canal inconnu « {name} » (canaux : {known})", "en": "unknown channel “{name}” (channels: {known})"},
    "ch.no_file": {"fr": "fichier absent : seul le canal intégré « {known} » existe (watcher init le crée)",
                   "en": "file missing: only the built-in channel “{known}” exists (watcher init creates it)"},
    "net.site": {"fr": "le site", "en": "the site"},
    "net.refused": {"fr": "connexion refusée sur {host}", "en": "connection refused on {host}"},
    "net.dns": {"fr": "nom de domaine introuvable ({host})", "en": "domain name not found ({host})"},
    "net.timeout": {"fr": "délai dépassé : {host} n'a pas répondu à temps", "en": "timed out: {host} did not answer in time"},
    "net.unsafe_port": {"fr": "le navigateur refuse le port {port} (réservé à d'autres usages) : {host}",
                        "en": "the browser refuses port {port} (kept for other uses): {host}"},
    "net.reset": {"fr": "connexion coupée par {host}", "en": "connection closed by {host}"},
    "net.unreachable": {"fr": "{host} est hors d'atteinte (réseau)", "en": "{host} cannot be reached (network)"},
    "net.offline": {"fr": "pas de connexion Internet", "en": "no Internet connection"},
    "net.certificate": {"fr": "certificat de sécurité invalide ({host})", "en": "invalid security certificate ({host})"},
    "net.redirects": {"fr": "trop de redirections ({host})", "en": "too many redirects ({host})"},
    "net.http404": {"fr": "page introuvable (HTTP 404)", "en": "page not found (HTTP 404)"},
    "net.http4xx": {"fr": "accès refusé par le site (HTTP {code})", "en": "access refused by the site (HTTP {code})"},
    "net.http5xx": {"fr": "erreur du serveur du site (HTTP {code})", "en": "the site's server failed (HTTP {code})"},
    # watcher mark / explain
    "mark.bad": {"fr": "« {value} » : écrivez « bruit » (fausse alerte) ou « réel » (vrai changement)",
                 "en": "“{value}”: write “noise” (false alarm) or “real” (real change)"},
    "explain.kind_fr": {"fr": "type : {kind}, gravité : {severity} — règle : {rule}",
                        "en": "kind: {kind}, severity: {severity} — rule: {rule}"},
    "explain.elements_fr": {"fr": "avant : {before} ; après : {after} ; zone : {landmark}",
                            "en": "before: {before}; after: {after}; landmark: {landmark}"},
    "explain.threshold_fr": {"fr": "Seuil de cette page : {label} (min_severity: {level})",
                             "en": "This page's threshold: {label} (min_severity: {level})"},
    "explain.mark_fr": {"fr": "le noter comme fausse alerte : watcher mark {id} bruit",
                        "en": "record it as a false alarm: watcher mark {id} noise"},
    "kind.added": {"fr": "ajouté", "en": "added"},
    "kind.removed": {"fr": "supprimé", "en": "removed"},
    "kind.renamed": {"fr": "renommé", "en": "renamed"},
    "kind.moved": {"fr": "déplacé", "en": "moved"},
    "kind.target_changed": {"fr": "destination changée", "en": "target changed"},
    "kind.required_changed": {"fr": "obligation changée", "en": "required changed"},
    "severity.info": {"fr": "information", "en": "info"},
    "severity.minor": {"fr": "mineur", "en": "minor"},
    "severity.major": {"fr": "majeur", "en": "major"},
    "severity.breaking": {"fr": "bloquant", "en": "breaking"},
    "landmark.none": {"fr": "reste de la page", "en": "rest of the page"},
    # tables (stats, history, outbox); times in Europe/Paris
    "col.page": {"fr": "page", "en": "page"},
    "col.checks": {"fr": "vérifications", "en": "checks"},
    "col.changes": {"fr": "changements", "en": "changes"},
    "col.alerts": {"fr": "alertes", "en": "alerts"},
    "col.unreachable": {"fr": "injoignable", "en": "unreachable"},
    "col.degraded": {"fr": "dégradée", "en": "degraded"},
    "col.noise": {"fr": "bruit", "en": "noise"},
    "col.real": {"fr": "réel", "en": "real"},
    "col.time": {"fr": "heure (Paris)", "en": "time (Paris)"},
    "col.status": {"fr": "état", "en": "status"},
    "col.alert": {"fr": "alerte", "en": "alert"},
    "col.reason": {"fr": "raison", "en": "reason"},
    "col.snapshot": {"fr": "capture", "en": "snapshot"},
    "col.id": {"fr": "n°", "en": "#"},
    "col.channel": {"fr": "canal", "en": "channel"},
    "col.destination": {"fr": "destination", "en": "destination"},
    "col.title": {"fr": "titre", "en": "title"},
    "col.attempts": {"fr": "essais", "en": "attempts"},
    "col.next": {"fr": "prochain essai (Paris)", "en": "next attempt (Paris)"},
    "yes": {"fr": "oui", "en": "yes"},
})

# Files and folders given on the command line (watcher.errors.InputError.text).
TEXTS.update({
    "input.missing": {"fr": "{path} : fichier ou dossier introuvable", "en": "{path}: no such file or folder"},
    "input.unreadable": {"fr": "{path} : lecture impossible ({why})", "en": "{path}: cannot be read ({why})"},
    "input.empty": {"fr": "{path} : le fichier est vide", "en": "{path}: the file is empty"},
    "input.not_page": {"fr": "{path} : ni une page HTML ni une capture d'écran PNG",
                       "en": "{path}: neither an HTML page nor a PNG screenshot"},
    "input.not_html": {"fr": "{path} : ce n'est pas une page HTML", "en": "{path}: not an HTML page"},
    "input.not_snapshot": {"fr": "{path} : ce n'est pas un dossier de capture (ni dom.html ni skeleton.json)",
                           "en": "{path}: not a snapshot folder (no dom.html or skeleton.json)"},
    "input.mismatch": {"fr": "impossible de comparer {first} ({before}) avec {second} ({after})",
                       "en": "cannot compare {first} ({before}) with {second} ({after})"},
    "input.kind.html": {"fr": "une page HTML", "en": "an HTML page"},
    "input.kind.png": {"fr": "une capture PNG", "en": "a PNG screenshot"},
    "input.kind.folder": {"fr": "un dossier de capture", "en": "a snapshot folder"},
    "input.damaged_skeleton": {"fr": "{path} : fichier de squelette abîmé", "en": "{path}: damaged skeleton file"},
    "input.not_png": {"fr": "{path} : ce n'est pas une image PNG", "en": "{path}: not a PNG image"},
    "input.damaged_png": {"fr": "{path} : image PNG abîmée ou illisible ({why})",
                          "en": "{path}: damaged or unreadable PNG ({why})"},
    "input.png_too_large": {"fr": "{path} : image PNG trop grande ({width}×{height} pixels)",
                            "en": "{path}: damaged or unreadable PNG (image too large: {width}x{height} pixels)"},
    "input.no_png_header": {"fr": "{path} : image PNG abîmée (pas d'en-tête d'image)",
                            "en": "{path}: damaged or unreadable PNG (no image header)"},
})


def t(key: str, lang: str = "fr", **values: object) -> str:
    """The text `key` in `lang` (French when the language is unknown), with values filled in."""
    entry = TEXTS[key]
    return entry.get(lang, entry["fr"]).format(**values)


NET_REASONS = {
    "connection refused": "net.refused", "name not resolved": "net.dns", "timeout": "net.timeout",
    "timed out": "net.timeout", "connection timed out": "net.timeout", "unsafe port": "net.unsafe_port",
    "connection reset": "net.reset", "connection closed": "net.reset", "empty response": "net.reset",
    "address unreachable": "net.unreachable", "network changed": "net.unreachable",
    "internet disconnected": "net.offline", "too many redirects": "net.redirects",
}


def plain_reason(reason: str, url: str, lang: str) -> str:
    """A capture's failure in words a coordinator understands (« connexion refusée sur 127.0.0.1:8765 »)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = f"{parts.hostname}:{port}" if parts.port else (parts.hostname or url or t("net.site", lang))
    key = NET_REASONS.get(reason.strip().lower())
    if key is None and reason.lower().startswith(("cert ", "ssl")):
        key = "net.certificate"
    if key is not None:
        return t(key, lang, host=host, port=port)
    status = re.fullmatch(r"HTTP (\d{3})", reason.strip())
    if status:
        code = int(status.group(1))
        return t("net.http404" if code == 404 else "net.http5xx" if code >= 500 else "net.http4xx", lang, code=code)
    return reason


USAGE_PATTERNS = (  # click's own messages (English) -> (text key, its values); the rest is kept as click says it
    (r"No such command '(?P<name>[^']*)'\.", "usage.no_command"),
    (r"No such option:? '?(?P<name>[^' ]*)'?\.?", "usage.no_option"),
    (r"Missing argument '(?P<name>[^']*)'\.", "usage.missing_argument"),
    (r"Missing option '(?P<name>[^']*)'\.", "usage.missing_option"),
    (r"Option '(?P<name>[^']*)' requires an argument\.", "usage.needs_value"),
    (r"Invalid value for '(?P<name>[^']*)': '(?P<value>[^']*)' is not one of (?P<choices>.*)\.", "usage.choice"),
    (r"Invalid value for '(?P<name>[^']*)': (?P<detail>.*)", "usage.invalid"),
    (r"Got unexpected extra arguments? \((?P<args>.*)\)", "usage.extra"),
)


def usage_words(message: str, lang: str, command: str | None = None) -> str:
    """A click usage error (« Missing argument 'CHANNEL'. ») in the coordinator's language, with the
    « did you mean » words kept and the command's help named: « il manque CHANNEL (aide : watcher notify-test --help) »."""
    text, suggestion = message.strip(), ""
    hint = re.search(r"\s*\(Did you mean(?: one of:)? (?P<words>.*)\?\)$", text)
    if hint:
        text, suggestion = text[: hint.start()], t("usage.suggest", lang, words=hint.group("words").replace("'", ""))
    for pattern, key in USAGE_PATTERNS:
        found = re.fullmatch(pattern, text, re.S)
        if found:
            values = {k: v.replace("'", "") for k, v in found.groupdict().items()}
            text = t(key, lang, **values)
            break
    return text + suggestion + (t("usage.help", lang, command=command) if command else "")
