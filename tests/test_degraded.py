"""degraded.py on pages written here (French and English): maintenance, queue, verification, loading, template,
half-rendered and error pages are degraded; redesigns, notice banners and code samples are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_watcher
from watcher.detect.degraded import Degraded, assess, degraded_side, page_facts
from watcher.detect.skeleton import extract_skeleton

HEADER = """<header role="banner"><a href="/">Caisse d'aides — Accueil</a>
<a href="/aide">Aide</a><a href="/espace">Mon espace</a>
<nav aria-label="Menu principal"><ul><li><a href="/aides">Les aides</a></li><li><a href="/simulation">Simuler</a></li>
<li><a href="/demarches">Vos démarches</a></li><li><a href="/contact">Nous contacter</a></li></ul></nav></header>"""
FOOTER = """<footer role="contentinfo"><a href="/accessibilite">Accessibilité</a>
<a href="/mentions">Mentions légales</a><a href="/cookies">Cookies</a><p>© Caisse d'aides</p></footer>"""
LOGIN = """<main><h1>Faire une demande d'aide</h1>
<p>Remplissez le formulaire ci-dessous. Les champs marqués d'une étoile sont obligatoires.</p>
<form action="/demande"><label for="n">Numéro d'allocataire</label><input id="n" required>
<label for="p">Code postal</label><input id="p" required>
<label for="s">Situation</label><select id="s"><option>Salarié</option><option>Étudiant</option></select>
<button>Continuer</button></form>
<a href="/oubli">Numéro oublié ?</a><a href="/pieces">Pièces à fournir</a><a href="/lieux">Trouver un lieu d'accueil</a>
<p>Un conseiller numérique peut vous aider à remplir votre demande dans un lieu d'accueil près de chez vous.</p>
</main>"""


def page(main: str, *, title: str = "Faire une demande — Caisse d'aides", header: str = HEADER,
         footer: str = FOOTER, lang: str = "fr", head: str = "") -> str:
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
            f"<body>{header}{main}{footer}</body></html>")


REFERENCE = page(LOGIN)


def judge(html: str, reference: str | None = REFERENCE) -> Degraded | None:
    skeleton, facts = extract_skeleton(html), page_facts(html)
    if reference is None:
        return assess(skeleton, facts)
    return assess(skeleton, facts, extract_skeleton(reference), page_facts(reference))


# --- degraded pages ---------------------------------------------------------------------------------

DEGRADED = {
    "maintenance-fr-shell": (page("""<main><h1>Site en maintenance</h1><p>Nous améliorons nos services. Le site sera
        de nouveau accessible demain matin. Merci de votre compréhension.</p><a href="/">Retour à l'accueil</a></main>""",
        title="Caisse d'aides"), "maintenance"),
    "unavailable-fr-no-word-maintenance": (page("""<main><h2>Oups</h2><p>Le téléservice est momentanément
        indisponible. Veuillez réessayer plus tard.</p></main>"""), "maintenance"),
    "maintenance-en-own-page": ("""<html lang="en"><head><title>Down for maintenance</title></head><body>
        <div class="box"><h1>We'll be back soon!</h1><p>Sorry for the inconvenience, we are performing scheduled
        maintenance. Please come back later.</p><a href="https://status.example.org">Status page</a></div>
        </body></html>""", "maintenance"),
    "queue-en-vendor-page": ("""<html><head><title>Queue</title></head><body><h1>You are now in line</h1>
        <p>Thank you for your patience. Your estimated wait time is 12 minutes.</p>
        <div role="progressbar" aria-valuenow="30"></div><a href="/leave">Leave the line</a></body></html>""",
        "queue"),
    "queue-fr-in-shell": (page("""<main><h1>Salle d'attente virtuelle</h1><p>Vous êtes dans la file :
        position 1 254. Ne rechargez pas la page.</p></main>"""), "queue"),
    "verification-fr": ("""<html><head><title>Un instant…</title></head><body><h1>Vérification de votre navigateur
        avant d'accéder au site</h1><p>Ce processus est automatique. Vous serez redirigé dans quelques secondes.</p>
        </body></html>""", "verification"),
    "verification-en": ("""<html><head><title>Just a moment...</title></head><body><p>Checking your browser before
        accessing the site.</p></body></html>""", "verification"),
    "loading-fr-spinner-in-shell": (page("""<main><div aria-busy="true"><span class="spinner"></span>
        <p>Chargement en cours…</p></div></main>"""), "loading"),
    "loading-en-spa": ("""<html><head><title>Benefits portal</title></head><body><div id="root"><p>Loading...</p>
        </div><noscript>You need to enable JavaScript to run this app.</noscript></body></html>""", "loading"),
    "overload-fr": (page("""<main><h1>Trop de connexions</h1><p>En raison d'une très forte affluence, nous ne
        pouvons pas afficher la page. Revenez dans quelques minutes.</p></main>"""), "overload"),
    "error-page-fr-200": (page("""<main><h1>Une erreur technique est survenue</h1><p>Notre équipe est prévenue.</p>
        <a href="/">Revenir à l'accueil</a></main>"""), "error_page"),
    "template-mustache": (page("""<main><h1>{{ demarche.titre }}</h1><form><label for="n">{{ champs.numero }}</label>
        <input id="n"><button>{{ bouton.suivant }}</button></form></main>""",
        title="{{ page.titre }} — Caisse d'aides"), "template"),
    "template-dollar-and-jinja": (page("""<main><h1>Votre demande</h1><p>Bonjour ${usager.prenom}, votre dossier
        ${dossier.numero} est {% if complet %}complet{% endif %}.</p>""" + LOGIN[6:]), "template"),
    "main-failed-to-render": (page("<main id='app'></main>"), "partial"),
    "menu-failed-to-render": (page(LOGIN, header="""<header role="banner"><a href="/">Caisse d'aides — Accueil</a>
        <a href="/aide">Aide</a><a href="/espace">Mon espace</a><nav aria-label="Menu principal"></nav></header>"""),
        "partial"),
    "header-empty": (page(LOGIN, header="<header role='banner'></header>"), "partial"),
    "soft-404-fr": (page("""<main><p>Not Found</p><h1>Nous n'avons pas trouvé la page que vous recherchez…</h1>
        <a href="/">Retour à l'accueil</a></main>""", title="Caisse d'aides"), "not_found"),
    "overload-victim-of-success": ("""<html><head><title>Caisse d'aides</title></head><body><h1>Le site est victime
        de son succès</h1><p>Nous limitons temporairement les connexions. Revenez dans quelques minutes.</p>
        </body></html>""", "overload"),
    "text-page-replaced-by-maintenance": (page("""<main><p>Le site est en maintenance, revenez vite !</p></main>""",
        title="Caisse d'aides"), "maintenance"),
    "blank-page": ("<html><head><title>Caisse d'aides</title></head><body><div id='app'></div></body></html>",
                   "empty"),
}


@pytest.mark.parametrize("name", sorted(DEGRADED))
def test_degraded_pages_are_recognised_against_the_reference(name: str) -> None:
    html, reason = DEGRADED[name]
    why = judge(html)
    assert why is not None and why.reason == reason, why


@pytest.mark.parametrize("name", ["maintenance-en-own-page", "queue-en-vendor-page", "verification-fr",
                                  "verification-en", "loading-en-spa", "queue-fr-in-shell",
                                  "maintenance-fr-shell", "template-mustache"])
def test_pages_that_say_what_they_are_are_degraded_on_the_first_check_too(name: str) -> None:
    html, reason = DEGRADED[name]
    why = judge(html, reference=None)
    assert why is not None and why.reason == reason


# --- not degraded -----------------------------------------------------------------------------------

REDESIGN = page("""<main><h1>Demander une aide</h1><p>Trois étapes pour votre demande.</p>
<form action="/v2/demande"><fieldset><legend>Vous êtes</legend><input type="radio" id="a" name="q"><label for="a">
Locataire</label><input type="radio" id="b" name="q"><label for="b">Propriétaire</label></fieldset>
<label for="m">Adresse électronique</label><input id="m" type="email"><label for="t">Téléphone</label><input id="t">
<button>Étape suivante</button><button type="button">Enregistrer pour plus tard</button></form>
<a href="/faq">Questions fréquentes</a></main>""")

LEGAL = page("<main><h1>Conditions générales d'utilisation</h1>" + "".join(
    f"<h2>Article {n}</h2><p>{'Le service de téléconsultation est fourni dans les conditions ci-dessous. ' * 12}</p>"
    for n in range(1, 12)) + "<h2>8.3 Entrée dans la salle d'attente</h2><p>Le patient patiente.</p></main>",
    title="Conditions générales")

NOT_DEGRADED = {
    "same-page": REFERENCE,
    "real-redesign-with-new-controls": REDESIGN,
    "redesign-that-mentions-maintenance": REDESIGN.replace(
        "Trois étapes pour votre demande.", "Ce nouveau formulaire remplace l'ancien depuis la maintenance du 3 mars."),
    "maintenance-notice-banner": page("""<div class="fr-notice" role="region" aria-label="Information"><p>Une
        maintenance est prévue le 12 décembre de 20 h à 22 h : le service sera momentanément indisponible.</p>
        <button>Masquer le message</button></div>""" + LOGIN),
    "loading-word-in-help-text": page(LOGIN.replace(
        "<p>Un conseiller", "<p>Le chargement de vos pièces peut prendre du temps, veuillez patienter. Un conseiller")),
    "code-sample-with-placeholders": page(LOGIN.replace("</main>", """<pre><code>Bonjour {{ prenom }},
        votre dossier {{ numero }} est complet. ${signature}</code></pre></main>""")),
    "header-removed-for-a-new-one": page(LOGIN, header="""<header role="banner"><a href="/">Accueil</a>
        <button aria-expanded="false">Menu</button><a href="/connexion">Se connecter</a>
        <a href="/recherche">Rechercher</a></header>"""),
    "menu-moved-into-main": page(LOGIN.replace("</main>", """<ul><li><a href="/aides">Les aides</a></li>
        <li><a href="/simulation">Simuler</a></li><li><a href="/demarches">Vos démarches</a></li>
        <li><a href="/contact">Nous contacter</a></li></ul></main>"""),
        header="""<header role="banner"><a href="/">Caisse d'aides — Accueil</a><a href="/aide">Aide</a>
        <a href="/espace">Mon espace</a><nav aria-label="Menu principal"></nav></header>"""),
    "form-step-removed-page-still-full": page(LOGIN.replace(
        """<label for="p">Code postal</label><input id="p" required>""", "")),
    "page-moved-notice-without-wording": page("""<main><h1>Cette démarche a changé d'adresse</h1><p>Faites
        désormais votre demande sur le portail national des aides, avec votre numéro d'allocataire et votre code
        postal. Vos démarches déjà commencées y sont reprises. Un conseiller numérique peut vous aider.</p>
        <a href="https://portail.example.fr/aides">Aller au portail national</a></main>"""),
}


def test_a_text_page_replaced_by_a_short_maintenance_notice_is_degraded() -> None:
    html = DEGRADED["text-page-replaced-by-maintenance"][0]
    why = judge(html, reference=LEGAL)
    assert why is not None and why.reason == "maintenance"


def test_a_long_page_that_speaks_of_a_waiting_room_is_a_change_not_a_queue() -> None:
    redesign = LEGAL.replace(HEADER, "<header role='banner'><a href='/'>Accueil</a></header>")
    assert judge(redesign, reference=LEGAL) is None and judge(LEGAL, reference=redesign) is None
    assert judge(LEGAL, reference=None) is None


@pytest.mark.parametrize("name", sorted(NOT_DEGRADED))
def test_interface_changes_and_notices_are_not_degraded(name: str) -> None:
    assert judge(NOT_DEGRADED[name]) is None


INFO_PAGE = page("""<main><h1>Affluence et horaires de la mairie</h1><p>La mairie est ouverte du lundi au
    vendredi. L'affluence est plus faible le mardi matin.</p><a href="/horaires.pdf">Horaires (PDF)</a></main>""")


@pytest.mark.parametrize("html", [REFERENCE, REDESIGN, NOT_DEGRADED["maintenance-notice-banner"],
                                  NOT_DEGRADED["code-sample-with-placeholders"], INFO_PAGE,
                                  page("<main><h1>La maintenance des ascenseurs en HLM</h1><p>"
                                       + "Qui paie l'entretien, quels délais, quels recours ? " * 80 + "</p></main>")])
def test_ordinary_pages_are_not_degraded_on_the_first_check(html: str) -> None:
    assert judge(html, reference=None) is None


def test_a_degraded_reference_does_not_make_the_real_page_degraded() -> None:
    maintenance = DEGRADED["maintenance-fr-shell"][0]
    sides = degraded_side(extract_skeleton(maintenance), page_facts(maintenance),
                          extract_skeleton(REFERENCE), page_facts(REFERENCE))
    assert sides is not None and sides[0] == "before" and sides[1].reason == "maintenance"


def test_hidden_text_and_annotated_invisible_elements_do_not_count() -> None:
    hidden = page(LOGIN.replace("</main>", """<div hidden><h2>Site en maintenance</h2></div>
        <div data-watcher-visible="false">{{ a }} {{ b }}</div><p style="display:none">Chargement…</p></main>"""))
    facts = page_facts(hidden)
    assert "maintenance" not in facts.text and not facts.placeholders
    assert judge(hidden) is None


def test_landmarks_are_listed_with_their_path_and_visible_controls() -> None:
    facts = page_facts(REFERENCE)
    roles = [(lm.role, lm.label, lm.controls) for lm in facts.landmarks]
    assert roles == [("banner", "", 7), ("banner > navigation", "Menu principal", 4), ("main", "", 7),
                     ("contentinfo", "", 3)]


def test_describe_in_french_and_english() -> None:
    why = Degraded("maintenance", "Site en maintenance")
    assert why.describe("fr") == "page de maintenance : « Site en maintenance »"
    assert why.describe("en") == "maintenance page: “Site en maintenance”"
    assert "en-tête" in Degraded("partial", "", "banner").describe("fr")
    assert "header" in Degraded("partial", "", "banner").describe("en")


def test_empty_or_broken_html_gives_empty_facts() -> None:
    assert page_facts("").text == "" and page_facts("\x00\x01").landmarks == ()


def test_watcher_diff_says_which_side_is_degraded(tmp_path: Path) -> None:
    before, after = tmp_path / "before.html", tmp_path / "after.html"
    before.write_text(REFERENCE, encoding="utf-8")
    after.write_text(DEGRADED["queue-fr-in-shell"][0], encoding="utf-8")
    result = run_watcher("diff", before, after, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["alert"] is False and data["changes"] == []
    assert data["degraded"] == "after" and data["degraded_reason"] == "queue"
    back = run_watcher("diff", after, before, "--format", "json")
    assert back.code == 0 and json.loads(back.out)["degraded"] == "before"
    text = run_watcher("diff", before, after, "--lang", "en")
    assert text.code == 0 and "AFTER page is degraded (waiting room / queue" in text.out


def test_watcher_diff_on_snapshot_folders_says_which_side_is_degraded(tmp_path: Path) -> None:
    before, after = tmp_path / "20260101T000000Z", tmp_path / "20260102T000000Z"
    for folder, html in ((before, REFERENCE), (after, DEGRADED["menu-failed-to-render"][0])):
        folder.mkdir()
        (folder / "dom.html").write_text(html, encoding="utf-8")
    result = run_watcher("diff", before, after, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data == {"alert": False, "changes": [], "degraded": "after", "degraded_reason": "partial",
                    "degraded_evidence": "Menu principal", "degraded_landmark": "banner > navigation"}


@pytest.mark.parametrize("name", ["maintenance-page", "partial-capture"])
def test_fault_kind_cases_of_degraded_pages(name: str) -> None:
    """The shared fault-kind cases (copied in tests/degraded_cases/): exit 0, no alert, "degraded": "after"."""
    folder = Path(__file__).parent / "degraded_cases" / name
    expect = json.loads((folder / "expect.json").read_text(encoding="utf-8"))
    result = run_watcher("diff", folder / "before.html", folder / "after.html", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["alert"] is expect["alert"] is False and data["degraded"] == "after"
