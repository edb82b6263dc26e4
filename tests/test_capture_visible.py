"""Capture in a real Chromium: iframes (same and other origin, nested), open shadow roots and revealable menus
reach the annotated DOM and the skeleton, with boxes in page coordinates."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import LocalSite, SharedBrowser, _make_handler
from watcher.capture.page import Capture, capture_target
from watcher.capture.procedures import ProcedureRun, replay
from watcher.config.targets import Procedure, Settings, Target
from watcher.detect.skeleton import Element, extract_skeleton
from watcher.service.check import CheckResult, check_target
from watcher.store.snapshots import Store

pytestmark = pytest.mark.browser
HERE = Path(__file__).parent


@pytest.fixture
def other_site() -> Iterator[LocalSite]:
    """A second local server: another origin (another port) for cross-origin frames."""
    site = LocalSite()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(site))
    httpd.daemon_threads = True
    site.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site
    httpd.shutdown()
    httpd.server_close()


BROWSER: list[SharedBrowser] = []  # the module's one Chromium, while its tests run


@pytest.fixture(scope="module", autouse=True)
def one_browser(shared_browser: SharedBrowser) -> Iterator[None]:
    BROWSER.append(shared_browser)
    yield
    BROWSER.clear()


def capture(url: str) -> Capture:
    shared = BROWSER[0]
    result = shared.run(capture_target(shared.browser, Target(id="t", name="Test", url=url), max_height=16000))
    assert result.status == "ok", result.reason
    return result


def elements(result: Capture) -> dict[str, Element]:
    sk = extract_skeleton(result.main.dom, base_url=result.meta.get("final_url"))
    return {e.name: e for e in sk.elements}


def inside(box: tuple[int, int, int, int] | None, outer: tuple[int, int, int, int]) -> bool:
    assert box is not None
    x, y, w, h = box
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


HOST = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Rendez-vous</title></head><body>
<main><h1>Prendre rendez-vous</h1><div style="height:300px"></div>
<iframe id="autre" src="{other}/module.html" title="Module" style="width:700px;height:400px;border:5px solid #ccc;padding:10px"></iframe>
<iframe id="meme" src="/module-local.html" title="Local" style="width:700px;height:200px"></iframe>
<iframe src="/cache.html" style="display:none"></iframe>
<p><a href="/pieces">Pièces à fournir</a></p></main></body></html>"""
MODULE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><base href="/rdv/"></head>
<body style="margin:0"><div style="height:50px"></div>
<form action="creneaux"><button type="submit">Choisir un créneau</button></form><a href="annuler">Annuler</a>
<iframe src="/imbrique.html" style="width:300px;height:100px;border:0"></iframe></body></html>"""


def test_iframes_of_both_origins_and_nested_are_in_the_skeleton(local_site: LocalSite, other_site: LocalSite) -> None:
    local_site.routes["/"] = HOST.replace("{other}", other_site.base)
    local_site.routes["/module-local.html"] = '<button>Bouton local</button><a href="/ici">Ici</a>'
    local_site.routes["/cache.html"] = '<button>Jamais vu</button>'
    other_site.routes["/module.html"] = MODULE
    other_site.routes["/imbrique.html"] = '<body style="margin:0"><button>Bouton imbriqué</button></body>'
    result = capture(local_site.url("/"))
    dom = result.main.dom
    assert 'data-watcher-dom-version="3"' in dom and dom.count("<watcher-frame") == 3
    got = elements(result)
    assert "Jamais vu" not in got
    frame = got["Choisir un créneau"]
    assert frame.landmark == "main"
    assert got["Annuler"].target == other_site.url("/rdv/annuler")
    assert got["Ici"].target == local_site.url("/ici")
    assert got["Pièces à fournir"].target == local_site.url("/pieces")
    # boxes in page coordinates: inside the iframe's content box (border 5 px + padding 10 px)
    iframe_box = _box_of(dom, 'id="autre"')
    content = (iframe_box[0] + 15, iframe_box[1] + 15, iframe_box[2] - 30, iframe_box[3] - 30)
    assert frame.box is not None and inside(frame.box, content)
    assert frame.box[1] >= content[1] + 50  # the frame's own 50 px spacer
    assert inside(got["Bouton imbriqué"].box, content)
    assert inside(got["Bouton local"].box, _box_of(dom, 'id="meme"'))
    # document order: the frame's content where the iframe is
    names = list(got)
    assert names.index("Choisir un créneau") < names.index("Bouton local") < names.index("Pièces à fournir")


def _box_of(dom: str, marker: str) -> tuple[int, int, int, int]:
    at = dom.index(marker)
    start = dom.index('data-watcher-box="', at) + len('data-watcher-box="')
    x, y, w, h = (int(v) for v in dom[start:dom.index('"', start)].split(","))
    return (x, y, w, h)


SHADOW = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Connexion</title><script>
customElements.define('x-connexion', class extends HTMLElement { connectedCallback() {
  if (this.shadowRoot) return;
  this.attachShadow({mode: 'open'}).innerHTML = `<h2>Connexion</h2><form action="/connexion">
    <label for="ident">Identifiant</label><input id="ident" required><x-bouton><span>Se connecter</span></x-bouton>
    <slot name="aide"></slot></form>`;
}});
customElements.define('x-bouton', class extends HTMLElement { connectedCallback() {
  if (this.shadowRoot) return;
  this.attachShadow({mode: 'open'}).innerHTML = '<button type="submit"><slot></slot></button>';
}});
customElements.define('x-ferme', class extends HTMLElement { connectedCallback() {
  this.attachShadow({mode: 'closed'}).innerHTML = '<button>Fermé</button>';
}});
</script></head><body><main><h1>Espace</h1>
<x-connexion><a slot="aide" href="/aide">Besoin d'aide ?</a><a href="/jamais">Sans emplacement</a></x-connexion>
<x-ferme></x-ferme></main></body></html>"""


def test_open_shadow_roots_are_serialised_in_place(local_site: LocalSite) -> None:
    local_site.routes["/"] = SHADOW
    result = capture(local_site.url("/"))
    assert '<template shadowrootmode="open">' in result.main.dom
    sk = extract_skeleton(result.main.dom)
    assert [(e.role, e.name) for e in sk.elements] == [
        ("main", ""), ("heading", "Espace"), ("heading", "Connexion"), ("form", ""), ("textbox", "Identifiant"),
        ("button", "Se connecter"), ("link", "Besoin d'aide ?"),
    ]
    assert all(e.box is not None for e in sk.elements)
    # what Chromium itself exposes, for comparison
    assert 'button "Se connecter"' in result.main.aria and "Sans emplacement" not in result.main.aria


MENU = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Accueil</title><style>
.repli { visibility: hidden; max-height: 0; overflow: hidden }
.ferme { display: none }
@media (min-width: 992px) { .mobile { display: none } }
</style></head><body><header><nav aria-label="Menu principal"><ul>
<li><button aria-expanded="false" aria-controls="m1">Mon compte</button>
  <div id="m1" class="repli"><ul><li><a href="/paiements"><span>Mes paiements</span></a></li>
  <li><button aria-expanded="false" aria-controls="m2">Santé</button>
    <ul id="m2" class="ferme"><li><a href="/vitale">Carte Vitale</a></li></ul></li>
  <li class="ferme"><a href="/jamais">Jamais affiché</a></li></ul></div></li>
<li><details><summary>Aide</summary><a href="/faq">FAQ</a></details></li>
</ul></nav>
<button class="mobile" aria-expanded="false" aria-controls="mobile-menu">Menu</button>
<div id="mobile-menu" class="ferme"><a href="/mobile">Entrée mobile</a></div>
<div class="ferme"><a href="/orphelin">Sans contrôle</a></div></header></body></html>"""


def test_revealable_menus_are_captured_with_their_control(local_site: LocalSite) -> None:
    local_site.routes["/"] = MENU
    result = capture(local_site.url("/"))
    assert 'data-watcher-hidden="visibility"' in result.main.dom
    got = elements(result)
    assert got["Mes paiements"].revealed_by == ("button", "Mon compte")
    assert got["Santé"].revealed_by == ("button", "Mon compte")
    assert got["Carte Vitale"].revealed_by == ("button", "Santé")
    assert got["FAQ"].revealed_by == ("button", "Aide")
    assert got["Mon compte"].revealed_by is None and got["Mon compte"].box is not None
    for never in ("Jamais affiché", "Entrée mobile", "Sans contrôle", "Menu"):
        assert never not in got


EMBED = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Accueil</title></head><body><main>
<h1>Rendez-vous</h1><iframe src="/module.html" title="Module" style="width:600px;height:300px"></iframe>
</main></body></html>"""


def test_procedure_replay_clicks_inside_an_iframe(local_site: LocalSite) -> None:
    local_site.routes["/"] = EMBED
    local_site.routes["/module.html"] = ('<h2>Choisissez</h2><label for="n">Nom</label><input id="n">'
                                         '<a href="/creneaux.html">Choisir un créneau</a>')
    local_site.routes["/creneaux.html"] = "<h2>Créneaux disponibles</h2>"
    proc = Procedure.model_validate({"name": "Prendre rendez-vous", "steps": [
        {"fill": {"label": "Nom", "value": "Dupont"}},
        {"click": {"role": "link", "name": "Choisir un créneau"}},
        {"expect": {"role": "heading", "name": "Créneaux disponibles"}},
    ]})
    tgt = Target(id="t", name="Test", url=local_site.url("/"), timeout=10, procedures=[proc])

    run = BROWSER[0].run(replay(BROWSER[0].browser, tgt, proc))
    assert run.status == "ok", message(run)
    assert [s.found.name for s in run.steps if s.found] == ["Nom", "Choisir un créneau", "Créneaux disponibles"]
    # step captures hold the frame's content
    shot = json.dumps([e.to_json() for e in run.shots[1].skeleton.elements], ensure_ascii=False)
    assert "Choisir un créneau" in shot


def test_version_1_baseline_is_compared_as_version_1(local_site: LocalSite, tmp_path: Path) -> None:
    # the page of tests/domv1/mix.dom.html (captured before frames and menus were read): read as version 1,
    # today's capture gives the skeleton stored then; a check against such a baseline sees no change
    local_site.routes["/mix.html"] = (HERE / "domv1" / "mix.html").read_text(encoding="utf-8")
    stored_text = (HERE / "domv1" / "mix.skeleton.json").read_text(encoding="utf-8")  # captured on port 8000
    stored = json.loads(stored_text.replace("http://127.0.0.1:8000", local_site.base))
    result = capture(local_site.url("/mix.html"))
    old = extract_skeleton(result.main.dom, reads=1)
    assert old.reads == 1 and [(e.role, e.name, e.landmark, e.target) for e in old.elements
                               if not (e.role == "form" and not e.name)] == [
        (e["role"], e["name"], e["landmark"], e.get("target")) for e in stored["elements"]]
    new = extract_skeleton(result.main.dom)
    assert {"Dans le cadre", "Carte grise", "Conditions"} <= {e.name for e in new.elements} - {
        e.name for e in old.elements}

    tgt = Target(id="t", name="Test", url=local_site.url("/mix.html"))

    async def go(store: Store) -> list[CheckResult]:
        browser = BROWSER[0].browser
        first = await check_target(browser, store, tgt, Settings())
        folder = store.baseline("t")
        assert folder is not None
        (folder / "skeleton.json").write_text(json.dumps(stored), encoding="utf-8")
        return [first, await check_target(browser, store, tgt, Settings())]

    with Store(tmp_path / "snapshots") as store:
        first, second = BROWSER[0].run(go(store))
    assert first.status == "new"
    assert second.changes == [] and second.alert is False


def message(run: ProcedureRun, lang: str = "fr") -> str:
    """How a replay fares in words, as reports render it from its facts."""
    from watcher.report.render import procedure_message
    from watcher.store.report import ProcedureFacts

    return procedure_message(ProcedureFacts.of(run), lang)
