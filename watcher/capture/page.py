"""Target -> Capture: load a page in a fresh browser context and record what a person would see.

A page that cannot be loaded is not an exception: the capture comes back `unreachable` with a reason.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Browser, BrowserContext, CDPSession, FloatRect, Frame, Page, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from watcher import __version__
from watcher.capture.axnames import AxNamer, cdp_send
from watcher.capture.scripts import (
    ADD_STYLE,
    ANNOTATE_DOM,
    CHALLENGE_MARKERS,
    FRAME_ORIGIN,
    LEFT_DOCUMENT,
    PAGE_HEIGHT,
    SERIALIZE_DOM,
    STILL_CSS,
    STILL_FRAME,
)
from watcher.config.targets import Target, Viewport
from watcher.detect.htmlio import DOM_ENCODING
from watcher.errors import first_line
from watcher.safety.netpolicy import RequestPolicy, is_error_page

__all__ = [
    "BROWSER_CRASHED",
    "Capture",
    "FRAME_MAX_COUNT",
    "NetworkWatch",
    "Unreachable",
    "ViewportCapture",
    "annotated_dom",
    "capture_landed",
    "capture_target",
    "dismiss_cookie_banner",
    "full_page_png",
    "load",
    "new_context",
    "reason_of",
    "refuse_bot_wall",
    "refused_or_error_page",
    "still_frames",
    "target_policy",
    "user_agent",
]

STABLE_TRIES = 3
# Captures taken again when the page went to another document by itself meanwhile (a script's redirect)
NAVIGATION_RETRIES = 2
NET_ERROR = re.compile(r"net::ERR_([A-Z_]+)")
NETWORK_IDLE_WAIT = 5.0
COOKIE_CLICK_WAIT = 3.0
# Iframes inlined in the annotated DOM: nesting depth, number of frames and seconds spent, all frames together.
FRAME_MAX_DEPTH = 3
FRAME_MAX_COUNT = 20
FRAME_BUDGET_S = 8.0
# Playwright's ARIA snapshot is slow on huge pages (22 s for 10 000 links on a loaded 2-core machine) and the
# skeleton is built from the annotated DOM anyway: above this size (characters of HTML) it is left empty.
ARIA_MAX_DOM = 1_500_000


@dataclass
class ViewportCapture:
    """What one viewport of one page looked like."""

    viewport: Viewport
    screenshot: bytes
    dom: str
    aria: str
    page_height: int
    captured_height: int

    @property
    def truncated(self) -> bool:
        return self.captured_height < self.page_height


@dataclass
class Capture:
    """The result of loading one target: either views (status ok) or a reason it was unreachable."""

    target_id: str
    status: str  # "ok" | "unreachable" | "error" (the browser stopped: reason BROWSER_CRASHED)
    reason: str | None
    meta: dict[str, Any]
    views: list[ViewportCapture] = field(default_factory=list)

    @property
    def main(self) -> ViewportCapture:
        return self.views[0]


class Unreachable(Exception):
    """Internal signal: the page cannot be captured; the message is the reason shown to people."""


class BrowserCrashed(Exception):
    """Internal signal: Chromium (or the page's renderer) died mid-capture: not the site's fault."""


# Playwright's words when the renderer or the browser process is gone (first line of its error)
CRASH_WORDS = ("page crashed", "target crashed", "browser has been closed", "browser has disconnected",
               "target page, context or browser has been closed")
BROWSER_CRASHED = "browser crashed"


def crashed(exc: BaseException | None, browser: Browser, page_crashed: bool) -> bool:
    """Whether a failure means the browser or the page's renderer stopped, not that the site failed."""
    text = first_line(exc).lower() if exc is not None else ""
    return page_crashed or not browser.is_connected() or any(words in text for words in CRASH_WORDS)


def reason_of(exc: BaseException) -> str:
    """A short, stable reason for a failed load (Playwright's messages carry logs after the first line)."""
    if isinstance(exc, (PlaywrightTimeout, asyncio.TimeoutError, TimeoutError)):
        return "timeout"
    text = first_line(exc)
    network = NET_ERROR.search(text)
    if network:  # "net::ERR_TOO_MANY_REDIRECTS at URL" -> "too many redirects"
        return network.group(1).lower().replace("_", " ")
    return text[:200]


async def new_context(browser: Browser, viewport: Viewport, policy: RequestPolicy | None = None) -> BrowserContext:
    """A fresh, cookie-less context that refuses downloads, closes pop-ups and sends only what `policy` allows
    (public addresses and the page's own host; without a policy, public addresses only)."""
    context = await browser.new_context(
        viewport={"width": viewport.width, "height": viewport.height},
        device_scale_factor=1,
        accept_downloads=False,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        service_workers="block",
        is_mobile=viewport.width < 600,
        has_touch=viewport.width < 600,
    )
    context.on("page", _close_popup)
    policy = policy or RequestPolicy("")
    context.on("requestfailed", policy.failed)
    context.on("request", policy.redirected)
    await context.route("**/*", policy.handle)
    return context


def target_policy(target: Target) -> RequestPolicy:
    """The request policy of one target's capture: its own host and settings.allow_private (netpolicy.py)."""
    return RequestPolicy.for_url(target.url, target.allow_private)


def refused_or_error_page(page: Page, policy: RequestPolicy) -> None:
    """Raise Unreachable when the page's own navigation was refused or it shows Chromium's error page:
    neither is the site's interface, neither may become a snapshot."""
    reason = policy.reason()
    if reason:
        raise Unreachable(reason)
    if is_error_page(page.url):
        raise Unreachable("browser error page")


async def _close_popup(page: Page) -> None:
    if await page.opener() is not None:  # only pages opened by the watched page, not ours
        await page.close()


async def load(page: Page, target: Target, network: NetworkWatch | None = None) -> Response:
    """Navigate and wait until the page has settled; raise Unreachable with a reason otherwise.

    With `network` (a NetworkWatch made on `page` before this call), a target without `wait_for` nor
    `cookie_banner` is only loaded (its `load` event, an answer under 400): waiting for its late requests to end
    and looking for a bot wall are left to the caller (`capture_view`), which takes its stability frames
    meanwhile. A cookie banner is often put in by a consent script loaded after the load event: its button is
    looked for (COOKIE_CLICK_WAIT) once the late requests ended, as before.
    """
    timeout_ms = target.timeout * 1000
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
    settle_here = network is None or bool(target.wait_for) or bool(target.cookie_banner)
    network = network or NetworkWatch(page)
    answered: list[Response] = []
    page.on("response", lambda r: answered.append(r) if r.frame == page.main_frame
            and r.request.is_navigation_request() else None)
    try:
        response = await page.goto(target.url, wait_until="load", timeout=timeout_ms)
    except PlaywrightTimeout:
        # the site answered but its page never finished loading in time: slow or heavy, not unreachable
        raise Unreachable(too_slow(target) if answered else "timeout") from None
    except PlaywrightError as exc:
        raise Unreachable(reason_of(exc)) from None
    if response is None:
        raise Unreachable("no response")
    if response.status >= 400:
        raise Unreachable(f"HTTP {response.status}")
    if settle_here:
        await network.quiet(limit=min(NETWORK_IDLE_WAIT, target.timeout))
        if target.wait_for:
            try:
                await page.wait_for_selector(target.wait_for, state="visible", timeout=timeout_ms)
            except PlaywrightTimeout:
                raise Unreachable(f"wait_for {target.wait_for!r} never appeared") from None
        await refuse_bot_wall(page)
        network.settled = True
    return response


async def refuse_bot_wall(page: Page) -> None:
    """Unreachable when the page is a bot-protection wall (CHALLENGE_MARKERS), not the site's interface."""
    challenge = await page.evaluate(CHALLENGE_MARKERS)
    if challenge:
        raise Unreachable(f"bot protection page ({challenge})")


class NetworkWatch:
    """Requests in flight on a page, to wait until late content has arrived.

    Playwright's "networkidle" waits for 500 ms without any request, which costs every page half a second;
    a shorter quiet window after the last response is enough for pages that fill themselves in after load.
    """

    QUIET_S = 0.2

    def __init__(self, page: Page) -> None:
        self.in_flight = 0
        self.last_activity = time.monotonic()
        self.settled = False  # `load` already waited for quiet and looked for a bot wall
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, _request: Any) -> None:
        self.in_flight += 1
        self.last_activity = time.monotonic()

    def _ended(self, _request: Any) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self.last_activity = time.monotonic()

    async def quiet(self, limit: float) -> None:
        """Return once nothing was in flight for QUIET_S, or after `limit` seconds (pages that poll forever)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.in_flight == 0 and time.monotonic() - self.last_activity >= self.QUIET_S:
                return
            await asyncio.sleep(0.05)


def too_slow(target: Target) -> str:
    """The reason of a page that answered but did not load within its `timeout` (texts: net.too_slow)."""
    return f"too slow ({target.timeout:g} s)"


async def dismiss_cookie_banner(page: Page, selector: str | None) -> None:
    if not selector:
        return
    try:
        await page.click(selector, timeout=COOKIE_CLICK_WAIT * 1000)
        await page.wait_for_timeout(300)
    except (PlaywrightError, PlaywrightTimeout):
        pass  # banner already accepted or not shown this time: nothing to do


async def stable_viewport(page: Page, session: CDPSession | None = None, network: NetworkWatch | None = None,
                          quiet_limit: float = NETWORK_IDLE_WAIT) -> None:
    """Wait until two consecutive viewport screenshots are identical (bounded tries), 0.1 s or more apart.

    With `session` (a CDP session on `page`), the frames are taken by Chromium's own screenshot command: STILL_CSS
    already stopped animations and hid the caret, and Playwright's screenshot would stop and restart them around
    each frame (a few more round trips to the page, about twice the CPU of a frame on a 2-core machine).
    With `network` (not yet settled by `load`), every frame after the first is taken once no request was in
    flight for NetworkWatch.QUIET_S (at most `quiet_limit` seconds of waiting in all): the first frame is taken
    while the page's last requests end, instead of after. A frame followed by requests (their content perhaps
    still to be drawn: a page that renders its data a few hundred ms after it arrived) is not compared with, nor
    counted as a try: as many frames as 44f9114 took after the quiet are then taken after it.
    """
    deadline = time.monotonic() + quiet_limit

    async def quiet() -> None:
        if network is not None and not network.settled:
            await network.quiet(limit=max(0.0, deadline - time.monotonic()))

    async def frame() -> bytes:
        # low-quality JPEG: identical frames still give identical bytes, at a fraction of a PNG's encoding time
        if session is not None:
            reply = await cdp_send(session, "Page.captureScreenshot", {"format": "jpeg", "quality": 40})
            return str(reply.get("data", "")).encode()
        return await page.screenshot(type="jpeg", quality=40, animations="disabled", caret="hide")

    def busy_since(moment: float) -> bool:
        """A request started or ended since `moment` while its quiet was still waited for: a frame taken then
        may show the page before what they brought was drawn, and is no reference for stability."""
        return (network is not None and not network.settled and network.last_activity > moment
                and time.monotonic() < deadline)

    taken = time.monotonic()
    previous = await frame()
    tries = excuses = STABLE_TRIES - 1  # excuses: stale frames not counted (a page polling the network: bounded)
    while tries > 0:
        await asyncio.sleep(0.1)
        await quiet()
        stale = excuses > 0 and busy_since(taken)
        taken = time.monotonic()
        current = await frame()
        if current == previous and not stale:
            return
        previous = current
        if stale:
            excuses -= 1
        else:
            tries -= 1


async def capture_view(page: Page, target: Target, viewport: Viewport, max_height: int,
                       network: NetworkWatch | None = None) -> ViewportCapture:
    """Screenshot, annotated DOM and ARIA snapshot of a loaded page in one viewport. `network`: the page's
    NetworkWatch given to `load`; when `load` left the page unsettled, the stability frames wait for its quiet and
    the bot-wall check follows them (Unreachable)."""
    await page.evaluate(ADD_STYLE, STILL_CSS)
    session: CDPSession | None
    try:  # one CDP session for the stability frames and Chromium's names (axnames.py)
        session = await page.context.new_cdp_session(page)
    except PlaywrightError:
        session = None
    await stable_viewport(page, session, network, min(NETWORK_IDLE_WAIT, target.timeout))
    if network is not None and not network.settled:  # the stability frames waited for its quiet
        await refuse_bot_wall(page)
        network.settled = True
    fast = session is not None and not target.mask  # full_page_png's own command: STILL_FRAME first, here
    if fast:  # the height measured once animations ended; a zoomed-out page goes to Playwright's screenshot
        page_height, fast = await still_frames(page, viewport.width)
    else:
        page_height = int(await page.evaluate(PAGE_HEIGHT))
    height = min(page_height, max_height)
    screenshot = await full_page_png(page, target, viewport.width, height, session if fast else None)
    # its context closes after the ARIA snapshot: the CDP sessions are not detached first
    dom = await annotated_dom(page, detach=False, session=session)
    try:
        aria = await page.locator("body").aria_snapshot(timeout=10_000) if len(dom) <= ARIA_MAX_DOM else ""
    except (PlaywrightError, PlaywrightTimeout):
        aria = ""  # an empty ARIA tree is still a capture; the skeleton comes from the DOM
    return ViewportCapture(viewport, screenshot, dom, aria, page_height, height)


async def still_frames(page: Page, width: int) -> tuple[int, bool]:
    """Runs STILL_FRAME in every frame of `page` (script animations ended or stopped, the caret hidden, the top
    document's web fonts awaited). Returns (the top document's height in CSS px, whether it is laid out `width`
    CSS px wide, unzoomed: false for a phone page without a meta viewport, which the browser shows zoomed out).
    Raises PlaywrightError when the top document cannot run it (a child frame that cannot, detached or
    navigating, is left as it is)."""
    height, unzoomed = 0, True
    for frame in page.frames:
        try:
            value = await frame.evaluate(STILL_FRAME, frame is page.main_frame)
        except PlaywrightError:
            if frame is page.main_frame:
                raise
            continue
        if frame is page.main_frame:
            height, inner_width, scale = int(value[0]), int(value[1]), float(value[2])
            unzoomed = inner_width == width and scale == 1
    return height, unzoomed


async def capture_landed(page: Page, target: Target, viewport: Viewport, max_height: int,
                         network: NetworkWatch) -> ViewportCapture:
    """`capture_view` of the document the page lands on. A page that goes to another document by itself after its
    load (a script's `location.replace` to the real page, a language redirect) loses the still style and its
    scripts' context: the view is taken again (at most NAVIGATION_RETRIES times more) once the network is quiet
    and the new document loaded, its bot-wall check included. 44f9114 waited for that quiet before any step.
    `network`: the page's NetworkWatch given to `load`. Raises Unreachable (bot wall) and PlaywrightError as
    capture_view does, when the page did not leave its document or the retries are spent.
    """
    attempt = 0
    while True:
        try:
            view = await capture_view(page, target, viewport, max_height, network)
        except PlaywrightError:
            if attempt >= NAVIGATION_RETRIES or not await _left_document(page):
                raise
        else:
            if attempt >= NAVIGATION_RETRIES or not await _left_document(page):
                return view
        attempt += 1
        await network.quiet(limit=min(NETWORK_IDLE_WAIT, target.timeout))
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_load_state("load", timeout=min(NETWORK_IDLE_WAIT, target.timeout) * 1000)
        network.settled = False  # the new document: its late requests waited for, a bot wall looked for


async def _left_document(page: Page) -> bool:
    """Whether the page's document is not the one capture_view started in (or cannot be read: navigating; not
    when the page or the browser is gone: CRASH_WORDS)."""
    try:
        return bool(await page.evaluate(LEFT_DOCUMENT))
    except PlaywrightError as exc:
        return not page.is_closed() and not any(words in first_line(exc).lower() for words in CRASH_WORDS)


async def full_page_png(page: Page, target: Target, width: int, height: int,
                        session: CDPSession | None = None) -> bytes:
    """PNG of the page's top `height` CSS px, `width` CSS px wide (captures use device scale 1: a CSS px is an
    image px), as Playwright's full-page screenshot takes it (animations ended or cancelled, caret hidden in every
    frame, the top document's web fonts loaded), the target's `mask` selectors painted grey.

    With `session` (a CDP session on `page`) and no mask, Chromium's own command takes it with its fast PNG
    encoder (`Page.captureScreenshot` with `optimizeForSpeed`: zlib level 1, one filter for every row): on the
    bench's 1280 x 5900 px pages 0.1 s of browser CPU instead of 0.4 s, for a file about a third bigger, pixels
    identical. Masks are Playwright's (it lays grey boxes over the located elements). So is a page laid out wider
    than the screen and shown zoomed out (a phone page without `<meta name="viewport" content="width=
    device-width">`): Chromium's command beyond the viewport lays the page out again with the emulation of the
    session that sends it, and only Playwright's own session holds the phone's (a second session's picture of
    such a page has another height of `100vh`, fixed elements elsewhere, its bottom blank). So `session` is given
    only once `still_frames` ran (STILL_CSS stopped the top document's CSS animations; it ends script ones in
    every frame) and found the page unzoomed, as `capture_view` does. Raises PlaywrightError.
    """
    clip: FloatRect = {"x": 0, "y": 0, "width": width, "height": max(height, 1)}
    if session is None or target.mask:
        return await page.screenshot(
            type="png", full_page=True, animations="disabled", caret="hide", mask_color="#888888",
            mask=[page.locator(selector) for selector in target.mask], clip=clip)
    viewport = page.viewport_size or {"height": 0}
    reply = await cdp_send(session, "Page.captureScreenshot", {
        "format": "png", "optimizeForSpeed": True, "clip": {**clip, "scale": 1},
        "captureBeyondViewport": clip["height"] > viewport["height"]})
    return base64.b64decode(str(reply.get("data", "")))


async def annotated_dom(page: Page, *, detach: bool = True, session: CDPSession | None = None) -> str:
    """The page's annotated DOM (docs/architecture.md, "The annotated DOM"), iframes' documents inlined.

    Each visible iframe's document (same origin or not: Playwright reaches every frame) is annotated with boxes in
    page coordinates and placed in a `<watcher-frame>` right after its `<iframe>`; nested frames likewise, at most
    FRAME_MAX_DEPTH deep, FRAME_MAX_COUNT frames and FRAME_BUDGET_S seconds in all. A frame that cannot be read
    in time (detached, navigating, too slow) is left out: the page is still captured. Each document carries
    Chromium's roles and accessible names where axnames.py could read them (bounded; Python names otherwise).
    Raises PlaywrightError only when the top document itself cannot be read. detach=False leaves the CDP sessions
    of that pass to the closing of the page's context (AxNamer.close). `session`: a CDP session already open on
    `page`, used for its main frame (and never detached here).
    """
    offset = await page.evaluate(ANNOTATE_DOM)  # the scroll offset its boxes were given
    namer = AxNamer(page, session)
    budget = _FrameBudget(time.monotonic() + FRAME_BUDGET_S, FRAME_MAX_COUNT, namer)
    try:
        return await _document_html(page.main_frame, (float(offset[0]), float(offset[1])), 0, budget)
    finally:
        await namer.close(detach=detach)


@dataclass
class _FrameBudget:
    deadline: float
    left: int
    namer: AxNamer

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


async def _document_html(frame: Frame, offset: tuple[float, float], depth: int, budget: _FrameBudget,
                         token: str | None = None) -> str:
    """One frame's annotated HTML with its child frames spliced in after their <iframe> elements."""
    children: list[tuple[str, Frame, tuple[float, float]]] = []
    if depth < FRAME_MAX_DEPTH:
        for child in frame.child_frames:
            if budget.left <= 0 or budget.remaining() <= 0:
                break
            if is_error_page(child.url):
                continue  # a refused or failed frame shows Chromium's error page, not the site
            child_token = f"wf{depth}-{len(children)}-{id(child) & 0xFFFFFF:x}"
            try:
                element = await asyncio.wait_for(child.frame_element(), budget.remaining())
                if not await element.is_visible():
                    continue  # tracking pixels, hidden frames: nothing a person sees
                origin = await asyncio.wait_for(element.evaluate(FRAME_ORIGIN, child_token), budget.remaining())
                budget.left -= 1
                child_offset = (offset[0] + float(origin[0]), offset[1] + float(origin[1]))
                await asyncio.wait_for(child.evaluate(ANNOTATE_DOM, {"dx": child_offset[0], "dy": child_offset[1],
                                                                     "top": False}), budget.remaining())
                children.append((child_token, child, child_offset))
            except (PlaywrightError, PlaywrightTimeout, TimeoutError, ValueError):
                continue
    await budget.namer.name_frame(frame, token, frame.parent_frame)
    html = str(await frame.evaluate(SERIALIZE_DOM, {"frame": depth > 0}))
    for child_token, child, child_offset in children:
        if budget.remaining() <= 0:
            break
        try:
            inner = await asyncio.wait_for(_document_html(child, child_offset, depth + 1, budget, child_token),
                                           budget.remaining())
        except (PlaywrightError, PlaywrightTimeout, TimeoutError):
            continue
        html = _after_iframe(html, child_token, inner)
    return html


def _after_iframe(html: str, token: str, inner: str) -> str:
    """`inner` inserted right after the </iframe> of the iframe marked with `token` (unchanged if not found)."""
    at = html.find(f'data-watcher-frame="{token}"')
    end = html.find("</iframe>", at) if at >= 0 else -1
    if end < 0:
        return html
    end += len("</iframe>")
    return html[:end] + inner + html[end:]


async def capture_target(browser: Browser, target: Target, max_height: int) -> Capture:
    """Load `target` in each of its viewports; never raises for a page that misbehaves."""
    started = time.monotonic()
    meta: dict[str, Any] = {"requested_url": target.url, "watcher_version": __version__}
    views: list[ViewportCapture] = []
    limit = max_height if target.max_height is None else target.max_height
    try:
        for viewport in target.viewports:
            views.append(await asyncio.wait_for(
                _capture_one(browser, target, viewport, limit, meta), timeout=target.timeout * 2 + 30))
    except Unreachable as exc:
        return _unreachable(target, str(exc), meta, started)
    except BrowserCrashed:
        failed = _unreachable(target, BROWSER_CRASHED, meta, started)
        failed.status = "error"
        return failed
    except (TimeoutError, PlaywrightTimeout):
        return _unreachable(target, too_slow(target) if "http_status" in meta else "timeout", meta, started)
    meta["duration_s"] = round(time.monotonic() - started, 3)
    meta["truncated"] = views[0].truncated
    meta["page_height"] = views[0].page_height
    return Capture(target.id, "ok", None, meta, views)


def _unreachable(target: Target, reason: str, meta: dict[str, Any], started: float) -> Capture:
    meta["duration_s"] = round(time.monotonic() - started, 3)
    meta["reason"] = reason
    return Capture(target.id, "unreachable", reason, meta)


async def _capture_one(
    browser: Browser, target: Target, viewport: Viewport, max_height: int, meta: dict[str, Any]
) -> ViewportCapture:
    """One viewport in a fresh context; BrowserCrashed as soon as the renderer or the browser dies (Playwright's
    calls on a crashed page would otherwise wait for their own timeouts), Unreachable when the site fails."""
    policy = target_policy(target)
    context = await new_context(browser, viewport, policy)
    gone = asyncio.Event()

    def stopped(_source: object) -> None:
        gone.set()

    browser.on("disconnected", stopped)
    try:
        page = await context.new_page()
        page.on("crash", stopped)
        work = asyncio.ensure_future(_capture_page(page, policy, target, viewport, max_height, meta))
        watch = asyncio.ensure_future(gone.wait())
        try:
            await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watch.cancel()
            if not work.done():
                work.cancel()
        if gone.is_set() and (not work.done() or work.cancelled() or work.exception() is not None):
            raise BrowserCrashed("the page's renderer or the browser stopped")
        return work.result()
    except PlaywrightError as exc:
        if crashed(exc, browser, gone.is_set()):
            raise BrowserCrashed(first_line(exc)) from None
        raise Unreachable(policy.reason() or reason_of(exc)) from None
    finally:
        browser.remove_listener("disconnected", stopped)
        with contextlib.suppress(PlaywrightError):  # a crashed browser cannot close what it lost
            await context.close()


# The user agent a browser gives its desktop and its phone contexts: the same for every page (read once each).
_USER_AGENTS: weakref.WeakKeyDictionary[Browser, dict[bool, str]] = weakref.WeakKeyDictionary()


async def user_agent(page: Page, viewport: Viewport) -> str:
    """`navigator.userAgent` of `page`, read once per browser and kind of viewport (phone or not). Read right after
    the load event, when a script may already be taking the page to another document (its context destroyed
    under the read): read again in the next document, NAVIGATION_RETRIES times at most. Raises PlaywrightError."""
    browser = page.context.browser
    known = _USER_AGENTS.setdefault(browser, {}) if browser is not None else {}
    phone = viewport.width < 600  # as new_context's is_mobile
    attempt = 0
    while phone not in known:
        try:
            known[phone] = str(await page.evaluate("navigator.userAgent"))
        except PlaywrightError:
            if attempt >= NAVIGATION_RETRIES or page.is_closed():
                raise
            attempt += 1
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("load", timeout=NETWORK_IDLE_WAIT * 1000)
    return known[phone]


async def _capture_page(page: Page, policy: RequestPolicy, target: Target, viewport: Viewport, max_height: int,
                        meta: dict[str, Any]) -> ViewportCapture:
    load_started = time.monotonic()
    network = NetworkWatch(page)  # its quiet is waited for during the stability frames (capture_view)
    try:
        response = await load(page, target, network)
    except Unreachable:
        refused_or_error_page(page, policy)  # a refused redirect says so rather than "blocked by client"
        raise
    refused_or_error_page(page, policy)
    meta.setdefault("final_url", page.url)
    meta.setdefault("http_status", response.status)
    # The page's transport charset; dom.html itself is the browser's serialisation, written as UTF-8 (htmlio).
    meta.setdefault("content_type", response.headers.get("content-type"))
    meta.setdefault("dom_encoding", DOM_ENCODING)
    meta.setdefault("load_s", round(time.monotonic() - load_started, 3))
    meta.setdefault("user_agent", await user_agent(page, viewport))
    meta.setdefault("viewports", []).append(viewport.model_dump())
    await dismiss_cookie_banner(page, target.cookie_banner)
    view = await capture_landed(page, target, viewport, max_height, network)
    refused_or_error_page(page, policy)  # a JavaScript navigation refused meanwhile: not the page any more
    if len(meta["viewports"]) == 1:  # where a script's redirect after the load led
        meta["final_url"] = page.url
    if policy.refused:  # images, scripts or frames left out: the coordinator can see which hosts
        meta["refused_hosts"] = sorted({*meta.get("refused_hosts", []), *(v.host for v in policy.refused)})
    return view
