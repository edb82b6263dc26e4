"""No procedure sends data to a watched site: a local server records every request it receives while procedures
are replayed (the demo's included) and sees no submission — no body, no typed value in an address — except for
a click the coordinator marked `submits: true`. Captures use the fr-FR locale and the Europe/Paris time zone."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import unquote_plus

import pytest
from playwright.async_api import Browser

from watcher.capture import procedures
from watcher.capture.browser import launch_browser
from watcher.capture.page import capture_target
from watcher.capture.procedures import ProcedureRun, replay
from watcher.config.targets import Config, Procedure, Target
from watcher.demo.runner import DEMO_TARGETS
from watcher.demo.server import DemoHandler, DemoSite
from watcher.safety.sendguard import SendGuard, typed_value_in

pytestmark = pytest.mark.browser

T = TypeVar("T")


@dataclass
class Received:
    method: str
    path: str  # with its query, decoded
    body: bytes


@dataclass
class RecordingSite:
    """Pages on 127.0.0.1 (free port) that remember every request, whatever its method."""

    routes: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return self.base + path

    def holding(self, *values: str) -> list[Received]:
        """The requests that sent data: a body, or one of `values` in the address."""
        return [r for r in self.received if r.method not in ("GET", "HEAD") or r.body
                or any(v.lower() in r.path.lower() for v in values)]


def _recording_handler(site: RecordingSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            site.received.append(Received(self.command, unquote_plus(self.path), body))
            page = site.routes.get(self.path.split("?", 1)[0])
            data = (page or "<html lang='fr'><body><h1>Reçu</h1></body></html>").encode()
            self.send_response(200 if page or self.command != "GET" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any  # noqa: N815 - names fixed by http.server

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture
def site() -> Iterator[RecordingSite]:
    recording = RecordingSite()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _recording_handler(recording))
    httpd.daemon_threads = True
    recording.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield recording
    httpd.shutdown()
    httpd.server_close()


class Shared:
    """One browser for the module, driven from one event loop kept open between tests."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.context = launch_browser()
        self.browser: Browser = self.runner.run(self.context.__aenter__())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)

    def close(self) -> None:
        self.runner.run(self.context.__aexit__(None, None, None))
        self.runner.close()


@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    value = Shared()
    yield value
    value.close()


@pytest.fixture(autouse=True)
def fast_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(procedures, "STEP_TIMEOUT", 1.5)


NAME, REQUEST = "Jeanne Testeuse", "Merci de traiter ma demande"
FIELDS = """<label for="n">Nom</label><input id="n" name="nom">
<label for="d">Votre demande</label><textarea id="d" name="demande"></textarea>"""


def page(body: str, title: str = "Demande") -> str:
    return f"<!DOCTYPE html><html lang='fr'><head><title>{title}</title></head><body><main><h1>{title}</h1>" \
           f"{body}</main></body></html>"


# Every way a page sends what was typed: a posted form, a GET form, fetch / XHR / beacon bodies, an address
# built from the field (path or query), an autocomplete call while typing.
SENDERS = {
    "post-form": f'<form action="/deposer" method="post">{FIELDS}<button>Envoyer ma demande</button></form>',
    "get-form": f'<form action="/chercher">{FIELDS}<button>Envoyer ma demande</button></form>',
    "formmethod": f'<form action="/deposer">{FIELDS}<input type="submit" formmethod="post" value="Envoyer ma demande">'
                  "</form>",
    "js-submit": f'<form action="/deposer" method="post" id="f">{FIELDS}</form>'
                 '<button type="button" onclick="document.getElementById(\'f\').submit()">Envoyer ma demande</button>',
    "fetch-post": f'{FIELDS}<button type="button" onclick="fetch(\'/api/demandes\', {{method: \'POST\', body: '
                  'JSON.stringify({nom: n.value, demande: d.value})}).then(() => location = \'/merci\')">'
                  "Envoyer ma demande</button>",
    "xhr-put": f'{FIELDS}<button type="button" onclick="const x = new XMLHttpRequest(); '
               'x.open(\'PUT\', \'/api/demandes/1\'); x.send(\'vide\')">Envoyer ma demande</button>',
    "fetch-delete": f'{FIELDS}<button type="button" onclick="fetch(\'/api/brouillon\', {{method: \'DELETE\'}})">'
                    "Envoyer ma demande</button>",
    "beacon": f'{FIELDS}<button type="button" onclick="navigator.sendBeacon(\'/stats\', n.value)">'
              "Envoyer ma demande</button>",
    "url-path": f'{FIELDS}<button type="button" onclick="location = \'/dossier/\' + encodeURIComponent(n.value)">'
                "Envoyer ma demande</button>",
    "url-query": f'{FIELDS}<button type="button" onclick="fetch(\'/api/verifier?q=\' + encodeURIComponent(d.value))">'
                 "Envoyer ma demande</button>",
    "image-query": f'{FIELDS}<button type="button" onclick="new Image().src = \'/pixel.gif?nom=\' + n.value">'
                   "Envoyer ma demande</button>",
    "autocomplete": FIELDS.replace("<input", '<input oninput="fetch(`/api/communes?q=${this.value}`)"')
                    + '<button type="button">Envoyer ma demande</button>',
}


def sending_procedure(last_click: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": "Faire une demande", "steps": [
        {"fill": {"label": "Nom", "value": NAME}},
        {"fill": {"label": "Votre demande", "value": REQUEST}},
        {"click": last_click or {"role": "button", "name": "Envoyer ma demande"}}]}


def target_of(site: RecordingSite, path: str, *procs: dict[str, Any]) -> Target:
    return Target(id="t", name="Test", url=site.url(path), timeout=10,
                  procedures=[Procedure.model_validate(p) for p in procs])


def replay_one(shared: Shared, tgt: Target) -> ProcedureRun:
    return shared.run(replay(shared.browser, tgt, tgt.procedures[0]))


@pytest.mark.parametrize("kind", sorted(SENDERS))
def test_a_step_that_would_send_what_was_typed_stops_the_replay_and_nothing_is_sent(
        shared: Shared, site: RecordingSite, kind: str) -> None:
    site.routes.update({"/demande": page(SENDERS[kind]), "/merci": page("", "Merci")})
    run = replay_one(shared, target_of(site, "/demande", sending_procedure()))
    assert site.holding(NAME, REQUEST, "Jeanne", "Merci de") == []
    steps = [s.to_json() for s in run.steps]
    if kind == "autocomplete":  # typing sent the value: the replay stops at that field, the next step is refused
        assert [s.status for s in run.steps] == ["ok", "refused"] and run.steps[1].problem == "after_submits"
        assert run.steps[0].detail == "submits", steps
        return
    assert run.status == "ok" and len(run.steps) == 3, (kind, steps)
    assert run.steps[-1].status == "ok" and run.steps[-1].detail == "submits", (kind, steps)


def test_the_stop_is_said_in_words(shared: Shared, site: RecordingSite) -> None:
    from watcher.report.render import procedure_message
    from watcher.store.report import ProcedureFacts

    site.routes["/demande"] = page(SENDERS["post-form"])
    run = replay_one(shared, target_of(site, "/demande", sending_procedure()))
    assert procedure_message(ProcedureFacts.of(run)) == (
        "La procédure « Faire une demande » fonctionne (3 étapes) — étape 3 : s'arrête ici : cette étape "
        "enverrait des données")


def test_a_step_after_an_unmarked_submit_is_refused(shared: Shared, site: RecordingSite) -> None:
    site.routes.update({"/demande": page(SENDERS["get-form"]), "/chercher": page("", "Résultats")})
    proc = sending_procedure()
    proc["steps"].append({"expect": {"role": "heading", "name": "Résultats"}})
    run = replay_one(shared, target_of(site, "/demande", proc))
    assert run.status == "broken" and run.steps[2].detail == "submits"
    assert run.steps[3].status == "refused" and run.steps[3].problem == "after_submits"
    assert site.holding(NAME, REQUEST) == []


def test_a_marked_step_sends_and_the_replay_goes_on(shared: Shared, site: RecordingSite) -> None:
    site.routes.update({"/demande": page(SENDERS["post-form"]), "/deposer": page("", "Étape 2"),
                        "/etape3": page("<a href='/etape3'>Suite</a>", "Étape 3")})
    proc = sending_procedure({"role": "button", "name": "Envoyer ma demande", "submits": True})
    proc["steps"].append({"expect": {"role": "heading", "name": "Étape 2"}})
    run = replay_one(shared, target_of(site, "/demande", proc))
    assert run.status == "ok", [s.to_json() for s in run.steps]
    posted = site.holding(NAME)
    assert [(r.method, r.path) for r in posted] == [("POST", "/deposer")]
    assert NAME.replace(" ", "+").encode() in posted[0].body


def test_a_marked_step_on_a_password_form_is_refused(shared: Shared, site: RecordingSite) -> None:
    site.routes["/compte"] = page('<form action="/connexion" method="post"><label for="i">Identifiant</label>'
                                  '<input id="i" name="i"><label for="p">Code</label><input id="p" type="password">'
                                  "<button>Valider</button></form>")
    run = replay_one(shared, target_of(site, "/compte", {"name": "p", "steps": [
        {"fill": {"label": "Identifiant", "value": "1234567"}},
        {"click": {"role": "button", "name": "Valider", "submits": True}},
        {"expect": {"role": "heading", "name": "Bienvenue"}}]}))
    assert run.status == "broken" and run.steps[1].status == "refused"
    assert run.steps[1].problem == "password_form"
    assert site.holding("1234567") == []


def test_a_get_form_without_typed_values_is_a_plain_link(shared: Shared, site: RecordingSite) -> None:
    """Choosing in a list and pressing « Afficher » sends nothing typed: the replay goes on."""
    site.routes.update({"/aides": page('<form action="/resultats"><label for="s">Situation</label>'
                                       '<select id="s" name="s"><option>Seul(e)</option><option>En couple</option>'
                                       "</select><button>Afficher</button></form>"),
                        "/resultats": page("", "Vos aides")})
    run = replay_one(shared, target_of(site, "/aides", {"name": "p", "steps": [
        {"select": {"label": "Situation", "option": "En couple"}},
        {"click": {"role": "button", "name": "Afficher"}},
        {"expect": {"role": "heading", "name": "Vos aides"}}]}))
    assert run.status == "ok", [s.to_json() for s in run.steps]
    assert [r.path for r in site.received if r.path.startswith("/resultats")] == ["/resultats?s=En couple"]


# --- the demo's own procedures ----------------------------------------------------------------------------------

def _recording_demo_handler(received: list[Received]) -> type[DemoHandler]:
    class Recording(DemoHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            received.append(Received(self.command, unquote_plus(self.path), b""))

    return Recording


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_demo_site_receives_nothing_but_what_a_marked_step_sends(shared: Shared, version: str) -> None:
    received: list[Received] = []
    with DemoSite(version) as demo:
        demo.httpd.RequestHandlerClass = partial(_recording_demo_handler(received), server_state=demo)
        config = Config.model_validate(_yaml(DEMO_TARGETS.format(base=demo.url)))
        typed = [step.fill.value for t in config.targets for p in t.procedures for step in p.steps if step.fill]
        marked = [step for t in config.targets for p in t.procedures for step in p.steps if step.submits]
        assert typed and len(marked) == 1  # the demo's « Continuer » of a form that files nothing
        runs = [shared.run(replay(shared.browser, t, p)) for t in config.targets for p in t.procedures]
    assert all(run.status != "unreachable" for run in runs)
    assert [r for r in received if r.method not in ("GET", "HEAD")] == []
    holding = [r.path for r in received if any(value.lower() in r.path.lower() for value in typed)]
    # only the marked step's form went to its next screen (v2: its new required field keeps it from going)
    assert holding == (["/demande/etape2.html?cp=75001&commune=Paris&situation=Seul(e)"] if version == "v1" else [])


def test_the_demo_without_its_mark_sends_nothing_at_all(shared: Shared) -> None:
    received: list[Received] = []
    with DemoSite("v1") as demo:
        demo.httpd.RequestHandlerClass = partial(_recording_demo_handler(received), server_state=demo)
        text = DEMO_TARGETS.format(base=demo.url).replace(", submits: true", "")
        config = Config.model_validate(_yaml(text))
        typed = [step.fill.value for t in config.targets for p in t.procedures for step in p.steps if step.fill]
        for tgt in config.targets:
            for proc in tgt.procedures:
                shared.run(replay(shared.browser, tgt, proc))
    assert [r for r in received if r.method not in ("GET", "HEAD")] == []
    assert [r.path for r in received if any(value.lower() in r.path.lower() for value in typed)] == []


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


# --- the guard itself (no browser) -------------------------------------------------------------------------------

@pytest.mark.parametrize("url, body, found", [
    ("https://a.fr/chercher?nom=Jeanne+Testeuse", None, True),
    ("https://a.fr/chercher?nom=jeanne%20testeuse", None, True),
    ("https://a.fr/dossier/Jeanne%20Testeuse/pieces", None, True),
    ("https://a.fr/api", b'{"nom":"Jeanne Testeuse"}', True),
    ("https://a.fr/api", b"nom=Jeanne+Testeuse", True),
    ("https://a.fr/chercher?cp=12", None, True),  # a short value counts as a whole query value
    ("https://a.fr/static/app.12.js?v=123", None, False),  # ... not inside another one
    ("https://a.fr/aides", None, False),
])
def test_typed_values_are_found_encoded_or_not(url: str, body: bytes | None, found: bool) -> None:
    assert typed_value_in(url, body, ["Jeanne Testeuse", "12"]) is found


def test_the_guard_holds_bodies_and_typed_addresses_and_says_which_stop_a_step() -> None:
    guard = SendGuard(typed=["75001"])
    assert guard.judge("GET", "https://www.caf.fr/aides", None, "document", True, "www.caf.fr") is None
    beacon = guard.judge("POST", "https://stats.example.net/collect", b"e=click", "ping", False, "www.caf.fr")
    assert beacon is not None and not beacon.stops  # blocked, but it is not the step sending data
    api = guard.judge("POST", "https://api.caf.fr/v1/demandes", b"{}", "fetch", False, "www.caf.fr")
    assert api is not None and api.stops
    assert guard.judge("GET", "https://www.caf.fr/communes?cp=75001", None, "xhr", False, "www.caf.fr") is not None
    assert [held.url for held in guard.stops_since(0)] == ["https://api.caf.fr/v1/demandes",
                                                           "https://www.caf.fr/communes?cp=75001"]
    guard.open = True  # a step marked `submits: true`
    assert guard.judge("POST", "https://www.caf.fr/etape2", b"cp=75001", "document", True, "www.caf.fr") is None


def test_the_tutorial_says_where_it_stops() -> None:
    from watcher.config.targets import Step
    from watcher.publish.tutorials import StoredStep, step_caption

    click = Step.model_validate({"click": {"role": "button", "name": "Envoyer ma demande"}})
    stored = StoredStep(3, "click", "button", "Envoyer ma demande", (10, 10, 100, 40), "http://x/", False, "", True)
    assert step_caption(stored, click) == (
        "Étape 3 : cliquez sur le bouton «\u00a0Envoyer ma demande\u00a0» : c'est ici que la personne envoie sa "
        "demande (le tutoriel s'arrête là : cette étape enverrait des données)")


# --- locale and time zone --------------------------------------------------------------------------------------

CLOCK = """<!DOCTYPE html><html lang="fr"><body><p id="date"></p><p id="zone"></p><p id="lang"></p><script>
document.getElementById('date').textContent = new Date(Date.UTC(2026, 11, 24, 23, 30)).toLocaleDateString();
document.getElementById('zone').textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;
document.getElementById('lang').textContent = navigator.language;
</script></body></html>"""


def test_captures_read_dates_in_french_and_in_paris_time(shared: Shared, site: RecordingSite) -> None:
    site.routes["/horloge"] = CLOCK
    capture = shared.run(capture_target(shared.browser, Target(id="c", name="C", url=site.url("/horloge")), 2000))
    dom = capture.views[0].dom
    # 23:30 UTC on 24 December is already the 25th in Paris (UTC+1), written day first
    assert ">25/12/2026<" in dom and ">Europe/Paris<" in dom and ">fr-FR<" in dom
