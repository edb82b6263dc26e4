"""Capture in a real Chromium against local pages: what is recorded, and how misbehaving pages end."""

from __future__ import annotations

import io
import socket
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from PIL import Image

from tests.conftest import LocalSite, SharedBrowser
from watcher.capture.page import Capture, capture_target
from watcher.config.targets import Target

pytestmark = pytest.mark.browser

PAGE = """<!DOCTYPE html><html lang="fr"><head><title>Test</title></head><body>
<header><nav aria-label="Menu"><a href="/compte">Mon Compte</a></nav></header>
<main><h1>Accueil</h1><button id="b">Se connecter</button>
<p style="display:none"><a href="/cache">Lien caché</a></p>
<input type="text" aria-label="Code postal" value="75001">
<script>setTimeout(() => alert('bonjour'), 10)</script>
</main></body></html>"""


BROWSER: list[SharedBrowser] = []  # the module's one Chromium, while its tests run


@pytest.fixture(scope="module", autouse=True)
def one_browser(shared_browser: SharedBrowser) -> Iterator[None]:
    BROWSER.append(shared_browser)
    yield
    BROWSER.clear()


def capture(site_url: str, **fields: object) -> Capture:
    target = Target(id="t", name="Test", url=site_url, **fields)  # type: ignore[arg-type]
    shared = BROWSER[0]
    return shared.run(capture_target(shared.browser, target, max_height=16000))


def test_capture_records_screenshot_annotated_dom_aria_and_meta(local_site: LocalSite) -> None:
    local_site.routes["/"] = PAGE
    result = capture(local_site.url("/"))
    assert result.status == "ok", result.reason
    view = result.main
    image = Image.open(io.BytesIO(view.screenshot))
    assert image.width == 1280 and image.height >= 800
    assert 'data-watcher-url="' + local_site.url("/") in view.dom
    assert 'id="b" data-watcher-box="' in view.dom
    assert 'data-watcher-visible="false"' in view.dom
    assert 'data-watcher-value="75001"' in view.dom
    assert 'button "Se connecter"' in view.aria
    assert result.meta["http_status"] == 200
    assert result.meta["content_type"] == "text/html; charset=utf-8"
    assert result.meta["dom_encoding"] == "utf-8"
    assert result.meta["final_url"] == local_site.url("/")
    assert "HeadlessChrome" in result.meta["user_agent"] or "Chrome" in result.meta["user_agent"]
    assert result.meta["truncated"] is False


def _hang(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(15)


def _error(handler: BaseHTTPRequestHandler) -> None:
    handler.send_error(500, "boom")


def _loop(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(302)
    handler.send_header("Location", "/loop")
    handler.end_headers()


@pytest.mark.parametrize("route, reason, timeout", [
    (_hang, "timeout", 3),
    (_error, "HTTP 500", 15),  # the 20 redirects of the loop took more than 3 s at load 12 on two workers
    (_loop, "too many redirects", 15),
])
def test_misbehaving_pages_end_unreachable_in_bounded_time(local_site: LocalSite, route: object,
                                                           reason: str, timeout: int) -> None:
    local_site.routes["/loop"] = route  # type: ignore[assignment]
    started = time.monotonic()
    result = capture(local_site.url("/loop"), timeout=timeout)
    assert time.monotonic() - started < timeout + 17
    assert result.status == "unreachable"
    assert result.reason == reason
    assert result.views == []


def test_refused_connection_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = capture(f"http://127.0.0.1:{port}/", timeout=5)
    assert result.status == "unreachable" and "refused" in (result.reason or "")


def test_very_tall_page_is_cut_at_the_cap_and_says_so(local_site: LocalSite) -> None:
    local_site.routes["/tall"] = '<html><body style="margin:0"><div style="height:40000px;background:' \
                                 'linear-gradient(#fff,#000091)"><a href="/x">Haut</a></div></body></html>'
    result = capture(local_site.url("/tall"), max_height=5000)
    assert result.status == "ok"
    assert result.main.page_height == 40000
    assert Image.open(io.BytesIO(result.main.screenshot)).height == 5000
    assert result.meta["truncated"] is True


def test_bot_wall_is_unreachable_not_a_change(local_site: LocalSite) -> None:
    local_site.routes["/wall"] = "<html><head><title>Just a moment...</title></head><body>" \
                                 "<div id='cf-challenge-running'>Checking your browser</div></body></html>"
    result = capture(local_site.url("/wall"))
    assert result.status == "unreachable" and "bot protection" in (result.reason or "")


def test_masks_paint_over_and_cookie_banner_is_clicked(local_site: LocalSite) -> None:
    local_site.routes["/cookies"] = """<html><body>
    <div id="banner" style="position:fixed;bottom:0;background:#000;color:#fff">Cookies
      <button id="ok" onclick="document.getElementById('banner').remove()">Tout accepter</button></div>
    <div id="pub" style="width:200px;height:100px;background:red"></div></body></html>"""
    result = capture(local_site.url("/cookies"), cookie_banner="#ok", mask=["#pub"])
    assert result.status == "ok"
    assert "Tout accepter" not in result.main.dom
    image = Image.open(io.BytesIO(result.main.screenshot)).convert("RGB")
    assert image.getpixel((50, 50)) == (136, 136, 136)


def test_script_animations_end_or_stop_before_the_screenshot(local_site: LocalSite) -> None:
    """Web Animations run by the page's script (not stopped by CSS) end when they have an end, and stop when
    they never end, as Playwright's screenshot does; two captures of the page give the same pixels, and the
    page is taken with Chromium's fast encoder (one filter for every row of the PNG)."""
    local_site.routes["/anim"] = """<!DOCTYPE html><html lang="fr"><body style="margin:0;height:3000px">
    <div id="slide" style="position:absolute;left:0;top:0;width:50px;height:50px;background:rgb(0,0,200)"></div>
    <div id="spin" style="position:absolute;left:300px;top:0;width:80px;height:20px;background:rgb(200,0,0)"></div>
    <script>
      document.getElementById('slide').animate([{left: '0px'}, {left: '600px'}],
                                               {duration: 60000, fill: 'forwards'});
      document.getElementById('spin').animate([{transform: 'rotate(0deg)'}, {transform: 'rotate(360deg)'}],
                                              {duration: 700, iterations: Infinity});
    </script></body></html>"""
    shots = []
    for _ in range(2):
        result = capture(local_site.url("/anim"))
        assert result.status == "ok", result.reason
        shots.append(Image.open(io.BytesIO(result.main.screenshot)).convert("RGB"))
    assert shots[0].tobytes() == shots[1].tobytes()
    assert shots[0].getpixel((625, 25)) == (0, 0, 200) and shots[0].getpixel((25, 25)) == (255, 255, 255)
    assert shots[0].getpixel((302, 10)) == (200, 0, 0)  # the endless spin cancelled: the bar is level again
    assert shots[0].height == 3000
    png = result.main.screenshot
    width, height, depth = 1280, 3000, 3 if png[25] == 2 else 4
    raw = zlib.decompress(b"".join(body for kind, body in png_chunks(png) if kind == b"IDAT"))
    assert len({raw[row * (1 + width * depth)] for row in range(height)}) == 1


def png_chunks(png: bytes) -> Iterator[tuple[bytes, bytes]]:
    position = 8
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        yield png[position + 4 : position + 8], png[position + 8 : position + 8 + length]
        position += 12 + length


def test_a_page_its_script_sends_elsewhere_after_its_load_is_captured_where_it_lands(local_site: LocalSite) -> None:
    """A script's redirect at or after the load event (location.replace to the real page) destroys the document
    the capture started in: the capture is taken again in the page it lands on, as when the network's quiet was
    waited for before any step, not reported unreachable ("Execution context was destroyed")."""
    local_site.routes["/arrivee"] = """<!DOCTYPE html><html lang="fr"><body><h1>Arrivée</h1>
    <a href="/suite">Continuer</a><label>Nom <input autofocus value="Dupont"></label></body></html>"""
    local_site.routes["/depart"] = """<!DOCTYPE html><html lang="fr"><body><p>Redirection</p>
    <script>addEventListener("load", () => location.replace("/arrivee"))</script></body></html>"""
    # later: once a request the page made after its load has answered (300 ms), as a language redirect does; a
    # timer instead would race a fast capture (the capture may end before it fires: then the page has not moved)
    local_site.routes["/plus-tard"] = """<!DOCTYPE html><html lang="fr"><body><p>Redirection</p>
    <script>addEventListener("load", () => fetch("/langue").then(() => location.replace("/arrivee")))</script>
    </body></html>"""

    def slow_answer(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(0.3)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"fr")

    local_site.routes["/langue"] = slow_answer
    for path in ("/depart", "/plus-tard", "/depart"):
        result = capture(local_site.url(path))
        assert result.status == "ok", result.reason
        assert result.meta["final_url"] == local_site.url("/arrivee")
        assert "Continuer" in result.main.dom and "Redirection" not in result.main.dom


FOCUSED = '<label>Nom <input id="n" value="Dupont" style="width:300px;font-size:30px"></label>' \
          '<script>document.getElementById("n").focus()</script>'


@pytest.mark.parametrize("where", ["iframe", "shadow", "csp"])
def test_the_caret_of_a_focused_field_is_hidden_in_frames_shadow_roots_and_under_a_strict_csp(
        local_site: LocalSite, where: str) -> None:
    """Playwright's screenshot hid the caret of every field in every frame and shadow root: a blinking caret
    makes two captures of an unchanged page differ. The page with its field focused must give the pixels of the
    same page whose field's caret the page itself made transparent."""
    def csp_page(handler: BaseHTTPRequestHandler, clear: bool) -> None:
        body = (f'<!DOCTYPE html><html><head><link rel="stylesheet" href="/{"clear" if clear else "plain"}.css">'
                '</head><body><label>Nom <input id="n" autofocus value="Dupont"></label></body></html>').encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'none'")
        handler.end_headers()
        handler.wfile.write(body)

    def css(text: str) -> object:
        def answer(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/css")
            handler.end_headers()
            handler.wfile.write(text.encode())
        return answer

    field = "#n { width: 300px; font-size: 30px; }"
    local_site.routes["/plain.css"] = css(field)  # type: ignore[assignment]
    local_site.routes["/clear.css"] = css(field + " #n { caret-color: transparent; }")  # type: ignore[assignment]
    shots = []
    for clear in (False, True):
        inner = FOCUSED.replace('style="', 'style="caret-color:transparent;') if clear else FOCUSED
        if where == "iframe":
            local_site.routes["/cadre"] = f"<!DOCTYPE html><html><body>{inner}</body></html>"
            local_site.routes["/page"] = '<!DOCTYPE html><html><body><iframe src="/cadre" width="600" ' \
                                         'height="200"></iframe></body></html>'
        elif where == "shadow":
            local_site.routes["/page"] = '<!DOCTYPE html><html><body><div id="h"></div><script>' \
                                         'const root = document.getElementById("h").attachShadow({mode: "open"});' \
                                         f'root.innerHTML = {inner.split("<script>")[0]!r};' \
                                         'root.getElementById("n").focus();</script></body></html>'
        else:
            local_site.routes["/page"] = lambda handler, clear=clear: csp_page(handler, clear)  # type: ignore[misc]
        result = capture(local_site.url("/page"))
        assert result.status == "ok", result.reason
        shots.append(Image.open(io.BytesIO(result.main.screenshot)).convert("RGB").tobytes())
    assert shots[0] == shots[1]


def test_a_phone_page_laid_out_wider_than_the_screen_is_taken_whole(local_site: LocalSite) -> None:
    """A phone view of a page without <meta name="viewport">: laid out 980 px wide, shown zoomed out. Its
    screenshot beyond the viewport is laid out with the phone's emulation (100vh the zoomed-out screen's
    height), as the page's height was measured: not a desktop layout with its bottom left blank."""
    local_site.routes["/ancien"] = """<!DOCTYPE html><html lang="fr"><body style="margin:0">
    <div style="height:100vh;background:rgb(255,0,0)">Accueil</div>
    <div style="height:3000px;background:rgb(0,128,0)"></div>
    <div style="position:fixed;bottom:0;right:0;width:100px;height:40px;background:rgb(255,0,255)"></div>
    </body></html>"""
    result = capture(local_site.url("/ancien"), viewports=[{"name": "phone", "width": 390, "height": 844}])
    assert result.status == "ok", result.reason
    image = Image.open(io.BytesIO(result.main.screenshot)).convert("RGB")
    assert image.height == result.main.page_height > 3000 + 844
    hero = image.height - 3000  # 100vh of the page as laid out
    assert image.getpixel((10, hero - 10)) == (255, 0, 0)
    assert image.getpixel((10, hero + 10)) == (0, 128, 0)
    assert image.getpixel((10, image.height - 1)) == (0, 128, 0)


def test_frames_taken_before_late_requests_ended_are_no_reference_for_stability() -> None:
    """The first stability frame is taken while the page's last requests may still run: when requests were
    still starting or ending after it, the page may draw what they brought a little later (here: the frame
    after the quiet still shows the old page, the next one the content), so that frame and the first must not
    end the wait by being equal; as many frames as before are taken after the network's quiet."""
    import asyncio

    from watcher.capture.page import stable_viewport

    class Network:
        settled = False

        def __init__(self) -> None:
            self.last_activity = time.monotonic()

        async def quiet(self, limit: float) -> None:
            if not self.ended:  # the page's data arrives while the first frame is taken
                self.ended = True
                self.last_activity = time.monotonic()
            await asyncio.sleep(0)

        ended = False

    class Session:
        def __init__(self, frames: list[str]) -> None:
            self.frames, self.asked = frames, 0

        async def send(self, method: str, params: dict[str, object]) -> dict[str, object]:
            self.asked += 1
            return {"data": self.frames[min(self.asked, len(self.frames)) - 1]}

    session = Session(["chargement", "chargement", "contenu", "contenu"])
    asyncio.run(stable_viewport(None, session, Network()))  # type: ignore[arg-type]
    assert session.asked == 4
    quiet_page = Session(["page", "page"])  # no request after the first frame: two frames suffice
    network = Network()
    network.ended = True
    asyncio.run(stable_viewport(None, quiet_page, network))  # type: ignore[arg-type]
    assert quiet_page.asked == 2

    class Polling(Network):  # a request every moment, the page unchanged: frames stay bounded
        async def quiet(self, limit: float) -> None:
            self.last_activity = time.monotonic()
            await asyncio.sleep(0)

    polled = Session(["page"])
    asyncio.run(stable_viewport(None, polled, Polling()))  # type: ignore[arg-type]
    assert polled.asked == 4  # the first, two not compared with, the one that ends the wait
    settled, busy = Session(["page"]), Polling()
    busy.settled = True  # load waited for the quiet already (wait_for, cookie_banner): requests are not looked at
    asyncio.run(stable_viewport(None, settled, busy))  # type: ignore[arg-type]
    assert settled.asked == 2


def test_a_cookie_banner_a_late_consent_script_puts_in_is_still_clicked(local_site: LocalSite) -> None:
    """Consent managers are scripts loaded after the load event, from a slow host at times: the banner's button is
    looked for once the page's late requests ended (as before the stability frames took that wait over), not
    3 s after the load event, so the banner is neither in the screenshot nor in the DOM."""
    def consent(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(3.5)
        body = b"""const b = document.createElement("div"); b.id = "banner";
        b.innerHTML = '<button id="ok" onclick="document.getElementById(\\'banner\\').remove()">Tout accepter</button>';
        document.body.append(b);"""
        handler.send_response(200)
        handler.send_header("Content-Type", "text/javascript")
        handler.end_headers()
        handler.wfile.write(body)

    local_site.routes["/consent.js"] = consent  # type: ignore[assignment]
    local_site.routes["/accueil"] = """<!DOCTYPE html><html lang="fr"><body><main><h1>Accueil</h1></main><script>
    addEventListener("load", () => { const s = document.createElement("script"); s.src = "/consent.js";
                                     document.head.append(s); })</script></body></html>"""
    result = capture(local_site.url("/accueil"), cookie_banner="#ok")
    assert result.status == "ok", result.reason
    assert "Accueil" in result.main.dom and "Tout accepter" not in result.main.dom


def test_a_slow_font_of_a_frame_does_not_hold_the_capture(local_site: LocalSite) -> None:
    """Playwright's screenshot waited for the top document's web fonts only: a frame put in after the load whose
    font takes 30 s to come (a widget's font host) must not keep the page's capture waiting for it."""
    def slow_font(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(30)
        handler.send_error(404)

    local_site.routes["/police.ttf"] = slow_font  # type: ignore[assignment]
    local_site.routes["/widget"] = """<!DOCTYPE html><html><head><style>@font-face { font-family: W;
    src: url(/police.ttf); }</style></head><body><p id="p">Widget</p><script>addEventListener("load", () => {
    document.getElementById("p").style.fontFamily = "W"; })</script></body></html>"""
    local_site.routes["/page"] = """<!DOCTYPE html><html lang="fr"><body><h1>Accueil</h1><script>
    addEventListener("load", () => { const f = document.createElement("iframe"); f.src = "/widget";
                                     document.body.append(f); })</script></body></html>"""
    started = time.monotonic()
    result = capture(local_site.url("/page"))
    assert result.status == "ok", result.reason
    assert time.monotonic() - started < 22
