"""`watcher web` in a real Chromium on loopback: log in, the dashboard, marks, adding a local page, two accounts,
English, and a phone-sized screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from changelog_sample import make_sample_store
from conftest import LocalSite, _make_handler
from playwright.sync_api import Browser, Page, expect, sync_playwright
from web_server import running_web

from watcher.capture.browser import LAUNCH_ARGS, find_chromium, sandbox_enabled
from watcher.store.snapshots import Store
from watcher.web.accounts import Accounts

pytestmark = pytest.mark.browser

PASSWORD = "un-mot-de-passe-long"
TARGETS = """\
# Pages de la Maison France Services (commentaire à garder)
targets: []
"""
LOCAL_PAGE = """<!doctype html><html lang="fr"><head><title>Mairie de Test — démarches</title></head><body>
<header><nav aria-label="Menu principal"><a href="/">Accueil</a> <a href="/demarches">Démarches</a></nav></header>
<main><h1>Demander un acte</h1>
<form action="/envoyer"><label for="nom">Nom de famille</label><input id="nom" name="nom" required>
<button type="submit">Envoyer la demande</button></form></main>
<footer><a href="/mentions">Mentions légales</a></footer></body></html>"""


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("web")
    (folder / "targets.yaml").write_text(TARGETS, encoding="utf-8")
    with make_sample_store(folder / "snapshots") as store:
        accounts = Accounts(store)
        accounts.add("alice", PASSWORD)
        accounts.add("bruno", PASSWORD + "-2")
    return folder


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    import threading
    from http.server import ThreadingHTTPServer

    local = LocalSite(routes={"/mairie.html": LOCAL_PAGE})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(local))
    httpd.daemon_threads = True
    local.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield local
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def base(root: Path) -> Iterator[str]:
    with running_web(root) as url:
        yield url


@pytest.fixture(scope="module")
def browser(base: str) -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS,
                                     chromium_sandbox=sandbox_enabled())
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


def log_in(page: Page, base: str, name: str = "alice", password: str = PASSWORD) -> None:
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")  # no session: sent to the login page
    page.get_by_label("Identifiant").fill(name)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_log_in_and_see_the_dashboard(page: Page, base: str) -> None:
    log_in(page, base)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    expect(page.get_by_role("link", name="CAF — Mon Compte")).to_be_visible()
    expect(page.get_by_role("link", name="impots.gouv.fr")).to_be_visible()
    assert page.evaluate("window.__pwned") is None  # the ANTS sample's HTML payloads stay text
    page.get_by_label("Filtrer par étiquette").select_option("familles")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("link", name="CAF — Mon Compte")).to_be_visible()
    expect(page.get_by_role("link", name="impots.gouv.fr")).to_have_count(0)
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")


def test_wrong_password_is_refused(page: Page, base: str) -> None:
    log_in(page, base, password="pas-le-bon-mot-de-passe")
    expect(page.get_by_role("alert")).to_have_text("Identifiant ou mot de passe incorrect.")
    assert page.url.startswith(base + "/login")


def test_a_second_account_works(page: Page, base: str) -> None:
    log_in(page, base, "bruno", PASSWORD + "-2")
    expect(page.get_by_text("Connecté : bruno")).to_be_visible()


def test_mark_a_change_as_noise(page: Page, base: str, root: Path) -> None:
    with Store(root / "snapshots") as store:
        change = next(r for r in store.history("caf") if r.status == "changed" and r.alert)
    log_in(page, base)
    page.goto(f"{base}/change/{change.id}")
    expect(page.get_by_text("Le bouton « Se connecter » s'appelle désormais « Me connecter »")).to_be_visible()
    images = page.locator("main img")
    assert images.count() >= 1
    assert page.eval_on_selector_all("main img", "els => els.every(e => e.complete && e.naturalWidth > 0)")
    page.get_by_label("bruit").check()
    page.get_by_label("Remarque (facultative)").fill("Actualités qui tournent")
    page.get_by_role("button", name="Enregistrer le jugement").click()
    expect(page.get_by_role("status")).to_have_text("Jugement enregistré.")
    with Store(root / "snapshots") as store:
        mark = next(m for m in store.marks() if m.check_id == change.id)
    assert (mark.label, mark.note) == ("noise", "Actualités qui tournent")


def test_add_a_local_page_and_see_what_watcher_sees(page: Page, base: str, root: Path, site: LocalSite) -> None:
    log_in(page, base)
    page.get_by_role("link", name="Ajouter une page").click()
    page.get_by_label("Adresse de la page").fill(site.url("/mairie.html"))
    page.get_by_label("Étiquettes (séparées par des virgules)").fill("mairie, etat-civil")
    page.get_by_label("Quand la vérifier").select_option(label="chaque jour à 7 h UTC")
    page.get_by_role("button", name="Essayer").click()
    expect(page.get_by_role("heading", name="Ce que watcher voit", exact=True)).to_be_visible(timeout=60_000)
    skeleton = page.locator("section.skeleton")
    expect(skeleton.get_by_role("heading", name="Menu")).to_be_visible()
    expect(skeleton.get_by_role("heading", name="Contenu")).to_be_visible()
    expect(skeleton.get_by_role("heading", name="Pied de page")).to_be_visible()
    for name in ("Démarches", "Nom de famille", "Envoyer la demande", "Mentions légales"):
        expect(skeleton.get_by_text(name)).to_be_visible()
    assert page.eval_on_selector("figure.shot img", "e => e.complete && e.naturalWidth > 0")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("ajoutée à targets.yaml")
    text = (root / "targets.yaml").read_text(encoding="utf-8")
    assert "(commentaire à garder)" in text and site.url("/mairie.html") in text and "0 7 * * *" in text
    assert (root / "targets.yaml.bak").exists()
    # the same address again is refused
    page.goto(base + "/add")
    page.get_by_label("Adresse de la page").fill(site.url("/mairie.html/"))
    page.get_by_role("button", name="Essayer").click()
    expect(page.get_by_role("alert")).to_contain_text("déjà surveillée")


def test_english_and_a_phone_screen(browser: Browser, base: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, base)
        expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        page.get_by_role("link", name="Show this page in English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.keyboard.press("Tab")  # the first stop is the skip link
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    finally:
        context.close()


def wait_for_text(page: Page, text: str, timeout: float = 90.0) -> None:
    """Reload until `text` shows (a check runs in the server's thread); bounded."""
    import time

    deadline = time.monotonic() + timeout
    while text not in page.content():
        assert time.monotonic() < deadline, f"« {text} » never showed"
        page.wait_for_timeout(500)
        page.reload()


def test_check_now_see_the_change_then_silence_it(browser: Browser, tmp_path: Path, site: LocalSite) -> None:
    site.routes["/acte.html"] = LOCAL_PAGE
    (tmp_path / "targets.yaml").write_text(
        "# Pages de la mairie (commentaire à garder)\ntargets:\n"
        f"  - id: mairie\n    name: Mairie\n    url: {site.url('/acte.html')}\n    min_severity: minor\n",
        encoding="utf-8")
    with Store(tmp_path / "snapshots") as store:
        Accounts(store).add("alice", PASSWORD)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        with running_web(tmp_path) as base:
            log_in(page, base)
            page.goto(base + "/page/mairie")
            page.get_by_role("button", name="Vérifier maintenant").click()
            wait_for_text(page, "Dernière vérification demandée ici : nouveau")
            # a menu entry renamed (a form's button would have no rule to propose: it is never hidden)
            site.routes["/acte.html"] = LOCAL_PAGE.replace(">Démarches<", ">Toutes les démarches<")
            page.get_by_role("button", name="Vérifier maintenant").click()
            wait_for_text(page, "Dernière vérification demandée ici : changé")
            page.get_by_role("link", name="Revoir").first.click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("mairie")
            expect(page.locator("ul.changes")).to_contain_text("Toutes les démarches")
            page.get_by_label("bruit").check()
            page.get_by_role("button", name="Enregistrer le jugement").click()
            expect(page.get_by_role("status")).to_have_text("Jugement enregistré.")
            expect(page.get_by_text("masquerait sur la dernière capture")).to_contain_text("Toutes les démarches")
            page.get_by_role("button", name="Écrire ces règles dans targets.yaml").click()
            expect(page.get_by_role("status")).to_contain_text("Règles ajoutées")
            text = (tmp_path / "targets.yaml").read_text(encoding="utf-8")
            assert "(commentaire à garder)" in text and "ignore:" in text
            page.get_by_role("link", name="Alertes").click()
            expect(page.get_by_role("heading", name="File d'envoi")).to_be_visible()
    finally:
        context.close()
