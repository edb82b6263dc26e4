"""Procedures: replay the public steps mediators teach, say which step broke and what is there now.

A procedure is replayed in a fresh browser context at each check. After the page loads and after every step,
the page is recorded (screenshot + skeleton). A step fails when its element is missing, ambiguous, hidden or
disabled, or when the next page does not load. On failure the nearest candidate (same place, new name...) is
looked for against the last run where the procedure worked. Only the public, pre-login part is replayed:
passwords are never filled in and nothing is replayed after a login button.

Nothing typed is ever sent to the site (watcher/safety/sendguard.py): a click on a button that would submit a form
with what was typed (a POST form, or a GET form whose address would hold a typed value) is found, never made, and
the replay stops there (detail `submits`, like a login button: detail `login`); the request policy blocks any other
request that would send data (a body, a typed value in an address) and the step stops the replay the same way.
A click marked `submits: true` by the coordinator may send (a simulator's « Continuer »), never on a login form.

Stored with the snapshot: procedures/<slug>/step-00.png (page loaded), step-NN.png (after step NN, or at the
failure), step-NN.skeleton.json, run.json.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from playwright.async_api import Browser, Frame, Locator, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from watcher.capture.axnames import AxNamer
from watcher.capture.page import (
    FRAME_MAX_COUNT,
    NetworkWatch,
    Unreachable,
    annotated_dom,
    dismiss_cookie_banner,
    load,
    new_context,
    reason_of,
    refused_or_error_page,
    target_policy,
)
from watcher.capture.scripts import ANNOTATE_DOM, PAGE_HEIGHT
from watcher.config.targets import Procedure, RoleRef, Step, Target
from watcher.detect.changes import Change
from watcher.detect.compare import StepUse, link_steps
from watcher.detect.degraded import Degraded, PageFacts, page_facts
from watcher.detect.skeleton import FIELD_ROLES, Element, Skeleton, extract_skeleton
from watcher.safety.sendguard import SendGuard

__all__ = [
    "Candidate",
    "Found",
    "ProcedureRun",
    "References",
    "RunRecord",
    "StepResult",
    "degraded_runs",
    "diagnose",
    "link_changes",
    "procedure_files",
    "replay",
    "replay_all",
    "step_facts",
    "step_uses",
    "unreachable_runs",
]

Box = tuple[int, int, int, int]

STEP_TIMEOUT = 5.0
SHOT_MAX_HEIGHT = 4000  # step screenshots are full page but capped: enough for the spot, fast to take
POSITION_SCALE = 300.0  # px: an element further than this from where the old one was is "elsewhere"
MIN_SCORE_WITH_PLACE = 0.45
MIN_SCORE_NAME_ONLY = 0.6
ALREADY_THERE_PENALTY = 0.35
STEP_QUIET_LIMIT = 1.0  # s: at most this long after a step for the requests it set off to start and end
SWAPPABLE = {"link": "button", "button": "link"}  # people click the same words whether link or button

# Annotations of a previous step would stay on elements that changed since: start from a clean page.
CLEAR_ANNOTATIONS = """() => { for (const el of document.querySelectorAll(
  '[data-watcher-visible],[data-watcher-box],[data-watcher-checked],[data-watcher-selected],[data-watcher-value]'))
  for (const a of ['data-watcher-visible','data-watcher-box','data-watcher-checked','data-watcher-selected',
                   'data-watcher-value']) el.removeAttribute(a); }"""
PAGE_BOX = """e => { const r = e.getBoundingClientRect();
  return [r.left + scrollX, r.top + scrollY, r.width, r.height].map(Math.round); }"""
# Browsers block a submit when a required field is empty; these are the fields that stopped the page.
INVALID_FIELDS = """() => [...document.querySelectorAll('input:invalid, select:invalid, textarea:invalid')]
  .filter(e => e.getClientRects().length > 0)
  .map(e => ((e.labels && e.labels[0] ? e.labels[0].innerText : '') || e.getAttribute('aria-label') || e.name || '')
  .replace(/\\s+/g, ' ').trim()).filter(Boolean).slice(0, 5)"""
IS_SECRET = """e => e.type === 'password' ||
  ['current-password', 'new-password', 'one-time-code'].includes((e.autocomplete || '').toLowerCase())"""
SUBMITS_LOGIN = """e => { const f = e.form || e.closest('form');
  return !!f && !!f.querySelector('input[type=password]') &&
    (e.tagName !== 'BUTTON' || (e.type || 'submit') === 'submit') && e.tagName !== 'A'; }"""
# Whether clicking `e` submits its form with data: a submit button of a form posted (any method but GET and
# dialog), or of a GET form one of whose named fields holds a typed value (it would go into the address).
WOULD_SEND = """(e, typed) => {
  const submitter = (e.tagName === 'BUTTON' && e.type === 'submit') ||
    (e.tagName === 'INPUT' && (e.type === 'submit' || e.type === 'image'));
  const form = submitter ? e.form : null;
  if (!form) return false;
  const method = (e.getAttribute('formmethod') || form.getAttribute('method') || 'get').toLowerCase();
  if (method === 'dialog') return false;
  if (method !== 'get') return true;
  const wanted = typed.map(t => t.trim().toLowerCase()).filter(Boolean);
  return [...form.elements].some(f => f.name && !f.disabled && typeof f.value === 'string' &&
    wanted.some(t => f.value.toLowerCase().includes(t)));
}"""
IN_PASSWORD_FORM = """e => { const f = e.form || e.closest('form');
  return !!f && !!f.querySelector('input[type=password]'); }"""
STOPS = ("login", "submits")  # a step found but never made: the replay ends there, the procedure is fine so far
REFUSALS = ("secret", "password_form")  # steps watcher never makes whatever the page: configuration to change
HELD_PROBLEMS = (None, "navigation", "no_effect")  # outcomes a blocked send explains (an aborted form post)
ARIA_LINE = re.compile(r'^- ([a-z]+)(?: "((?:[^"\\]|\\.)*)")?')


@dataclass(frozen=True)
class Found:
    """The element a step acted on: role, accessible name and where it was (page px)."""

    role: str
    name: str
    box: Box | None = None

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "box": list(self.box) if self.box else None}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Found | None:
        if not data:
            return None
        box = data.get("box")
        return cls(data["role"], data["name"], (box[0], box[1], box[2], box[3]) if box else None)


@dataclass
class StepResult:
    """How one step went; `problem` says why it failed (missing, ambiguous, hidden, disabled, navigation...)."""

    number: int
    action: str
    status: str  # ok | failed | refused
    url: str
    found: Found | None = None
    problem: str | None = None
    detail: str | None = None
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["found"] = self.found.to_json() if self.found else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepResult:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["found"] = Found.from_json(data.get("found"))
        return cls(**values)


@dataclass
class StepShot:
    """The page as it was at one point of the replay."""

    png: bytes
    skeleton: Skeleton
    facts: PageFacts | None = None  # what degraded.py reads of the page (a maintenance page mid-procedure)


@dataclass
class Candidate:
    """The element now present that most likely replaced the one a step needs."""

    role: str
    name: str
    box: Box | None
    score: float

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "box": list(self.box) if self.box else None,
                "score": round(self.score, 2)}


@dataclass
class ProcedureRun:
    """One replay of one procedure: ok, broken (at which step, what is there now) or unreachable."""

    procedure: Procedure
    status: str  # ok | broken | unreachable
    start_url: str | None = None
    steps: list[StepResult] = field(default_factory=list)
    shots: list[StepShot] = field(default_factory=list)
    reason: str | None = None
    duration_s: float = 0.0
    candidate: Candidate | None = None
    blocked_by: list[str] = field(default_factory=list)
    previous: RunRecord | None = None  # the run at the baseline (latest one that reached the site)
    reference: StepResult | None = None  # the broken step as it went in the last run that worked
    reference_png: Path | None = None  # that run's screenshot of the page the step acted on (the crop's "before")
    reference_page: Skeleton | None = None  # and that page's skeleton (where its elements were)
    degraded: Degraded | None = None  # not replayed: the page was a maintenance, queue… page (degraded.py)
    worked_before: bool | None = None  # an earlier run passed (set by `diagnose`; None: not compared)

    @property
    def failed(self) -> StepResult | None:
        return next((s for s in self.steps if s.status != "ok"), None)

    @property
    def broken_step(self) -> int | None:
        failed = self.failed
        return failed.number if failed and self.status == "broken" else None

    @property
    def newly_broken(self) -> bool:
        """Broken now, and not at the baseline (or not at this step), after working once: worth an alert."""
        return (self.status == "broken" and self.previous is not None and not self.already_broken
                and self.worked_before is not False)

    @property
    def never_worked(self) -> bool:
        """Broken, and no earlier run ever passed: the procedure as configured is wrong (a name mistyped, a
        step missing), a matter for coordinators, not a change of the site to tell mediators."""
        return self.status == "broken" and self.worked_before is False

    @property
    def already_broken(self) -> bool:
        previous = self.previous
        return bool(previous and previous.status == "broken" and previous.broken_step == self.broken_step)

    @property
    def differs_from_baseline(self) -> bool:
        """A run that tells something new (unreachable runs tell nothing: the site may just be down)."""
        if self.status == "unreachable":
            return False
        return self.previous is None or (self.previous.status, self.previous.broken_step) != (
            self.status, self.broken_step)

    def run_json(self) -> dict[str, Any]:
        """What run.json keeps: every step's element and place, never what was typed."""
        return {
            "name": self.procedure.name, "slug": self.procedure.slug, "audience": self.procedure.audience,
            "status": self.status, "broken_step": self.broken_step, "reason": self.reason,
            "start_url": self.start_url, "duration_s": self.duration_s,
            "steps": [dict(s.to_json(), expected=step_facts(self.procedure.steps[s.number - 1]))
                      for s in self.steps],
            "candidate": self.candidate.to_json() if self.candidate else None,
            "blocked_by": self.blocked_by,
        }


@dataclass
class RunRecord:
    """A stored run (run.json of an earlier snapshot), read back for comparison."""

    status: str
    broken_step: int | None
    start_url: str | None
    steps: list[StepResult]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        return cls(data["status"], data.get("broken_step"), data.get("start_url"),
                   [StepResult.from_json(s) for s in data.get("steps", [])])


def step_facts(step: Step) -> dict[str, Any]:
    """What a step acts on, as configured (store/report.StepFacts): action, role + name, label, option, url,
    wait; never the value to type."""
    ref = step.click or step.expect
    label = step.fill or step.select or step.check
    return {"action": step.action, "role": ref.role if ref else None, "name": ref.name if ref else None,
            "label": label.label if label else None, "option": step.select.option if step.select else None,
            "url": step.goto, "wait": step.wait}


# --- replay (the browser side) ------------------------------------------------------------------------------

class NavigationWatch:
    """Remembers why the last top-level navigation failed (HTTP error or network error), if it did."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.failure: str | None = None
        self.network = NetworkWatch(page)  # requests in flight, so a step's own requests are judged with it
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_failed)

    def _main(self, request: Any) -> bool:
        return bool(request.is_navigation_request() and request.frame == self.page.main_frame)

    def _on_response(self, response: Any) -> None:
        if self._main(response.request) and response.status >= 400:
            self.failure = f"HTTP {response.status}"

    def _on_failed(self, request: Any) -> None:
        if self._main(request):
            self.failure = reason_of(Exception(request.failure or "failed"))


async def replay_all(browser: Browser, target: Target, *, step_timeout: float | None = None) -> list[ProcedureRun]:
    """Replay every procedure of a target, one after the other (each in its own fresh context)."""
    return [await replay(browser, target, procedure, step_timeout=step_timeout) for procedure in target.procedures]


def unreachable_runs(target: Target, reason: str | None) -> list[ProcedureRun]:
    """The procedures of a target whose site could not be loaded: not broken, just not checked."""
    return [ProcedureRun(p, "unreachable", reason=reason) for p in target.procedures]


def degraded_runs(target: Target, why: Degraded) -> list[ProcedureRun]:
    """The procedures of a target whose page is degraded (maintenance, queue…): not replayed, so not broken
    (status `unreachable`, reason `degraded: <reason>`)."""
    return [ProcedureRun(p, "unreachable", reason=f"degraded: {why.reason}", degraded=why)
            for p in target.procedures]


async def replay(browser: Browser, target: Target, procedure: Procedure, *,
                 step_timeout: float | None = None) -> ProcedureRun:
    """Replay one procedure from the target's page; never raises for a site that misbehaves."""
    step_timeout = step_timeout or STEP_TIMEOUT
    started = time.monotonic()
    run = ProcedureRun(procedure, "ok")
    budget = target.timeout + 10 + len(procedure.steps) * (step_timeout * 3 + 5)
    try:
        await asyncio.wait_for(_replay_in_context(browser, target, run, step_timeout), timeout=budget)
    except TimeoutError:
        _mark_timeout(run)
    run.duration_s = round(time.monotonic() - started, 3)
    return run


def _mark_timeout(run: ProcedureRun) -> None:
    if run.start_url is None:
        run.status, run.reason = "unreachable", "timeout"
    elif run.status == "ok":
        number = len(run.steps) + 1
        if number <= len(run.procedure.steps):
            step = run.procedure.steps[number - 1]
            run.steps.append(StepResult(number, step.action, "failed", run.start_url, problem="no_effect"))
            run.status = "broken"


async def _replay_in_context(browser: Browser, target: Target, run: ProcedureRun, step_timeout: float) -> None:
    policy = target_policy(target)
    context = await new_context(browser, target.viewports[0], policy)
    try:
        page = await context.new_page()
        watch = NavigationWatch(page)
        try:
            await load(page, target)
            refused_or_error_page(page, policy)
        except Unreachable as exc:
            run.status, run.reason = "unreachable", policy.reason() or str(exc)
            return
        await dismiss_cookie_banner(page, target.cookie_banner)
        run.start_url = page.url
        run.shots.append(await record_page(page, target))
        await _play_steps(page, watch, target, run, step_timeout, policy.guard)
        run.reason = run.reason or policy.reason()  # a step led to a non-public address: say so
    except PlaywrightError as exc:  # the browser gave up on the page mid-way (crash, closed page)
        if run.start_url is None:
            run.status, run.reason = "unreachable", reason_of(exc)
        else:
            run.reason = reason_of(exc)
            _mark_timeout(run)
    finally:
        await context.close()


async def _play_steps(page: Page, watch: NavigationWatch, target: Target, run: ProcedureRun,
                      step_timeout: float, guard: SendGuard) -> None:
    stopped: str | None = None  # "login" or "submits": the step the replay ended at
    since = len(guard.held)  # what the page sent while loading is not a step's doing
    for number, step in enumerate(run.procedure.steps, start=1):
        started = time.monotonic()
        watch.failure = None
        if stopped:
            result = StepResult(number, step.action, "refused", page.url, problem=f"after_{stopped}")
        else:
            result = await play_step(page, watch, step, number, step_timeout, guard, since)
            since = len(guard.held)  # a send held later (a slow autocomplete call) stops the next step
            stopped = result.detail if result.detail in STOPS else None
            if stopped or result.status != "ok":
                guard.open = False
        result.seconds = round(time.monotonic() - started, 3)
        run.steps.append(result)
        run.shots.append(await record_page(page, target))
        if result.status != "ok":
            run.status = "broken"
            run.blocked_by = await _invalid_fields(page)
            return


async def _invalid_fields(page: Page) -> list[str]:
    try:
        return list(await page.evaluate(INVALID_FIELDS))
    except PlaywrightError:
        return []


async def record_page(page: Page, target: Target) -> StepShot:
    """Screenshot (full page, capped) and skeleton of the page as it is now; typed values are not kept."""
    try:
        height = min(int(await page.evaluate(PAGE_HEIGHT)), SHOT_MAX_HEIGHT)
        width = page.viewport_size["width"] if page.viewport_size else 1280
        png = await page.screenshot(
            type="png", full_page=True, animations="disabled", caret="hide",
            mask=[page.locator(s) for s in target.mask], mask_color="#888888",
            clip={"x": 0, "y": 0, "width": width, "height": max(height, 1)})
        await page.evaluate(CLEAR_ANNOTATIONS)
        dom = _TYPED_VALUE.sub("", await annotated_dom(page))  # frames and shadow roots included
    except PlaywrightError:
        return StepShot(b"", Skeleton(url=page.url, elements=[]))  # a page mid-navigation: nothing to show
    return StepShot(png, extract_skeleton(dom, base_url=page.url, ignore=target.ignore), page_facts(dom))


# What was typed in, even dummy data, is not kept in step captures. Serialised attribute values escape their
# quotes, so this removes exactly the attribute.
_TYPED_VALUE = re.compile(r'\sdata-watcher-value="[^"]*"')


async def locators_anywhere(page: Page, step: Step) -> tuple[Locator, Locator]:
    """locators() on the page; when nothing there matches, in the first iframe that has a match (an embedded
    module, same origin or not); then by Chromium's own role and name (`chromium_locators`). Role locators
    already reach into open shadow roots."""
    every, visible = locators(page, step)
    try:
        if await every.count():
            return every, visible
        for frame in page.frames[1:FRAME_MAX_COUNT + 1]:
            in_frame = locators(frame, step)
            if await in_frame[0].count():
                return in_frame
        ref = step.click or step.expect
        if ref is not None:
            by_chromium = await chromium_locators(page, ref)
            if await by_chromium[0].count():
                return by_chromium
    except PlaywrightError:
        pass  # a frame that went away mid-search: the page's own locators
    return every, visible


async def chromium_locators(page: Page, ref: RoleRef) -> tuple[Locator, Locator]:
    """(every, visible) elements of the page's top document that Chromium's accessibility tree gives `ref`'s role
    and name, as the skeleton of a capture records them (capture/axnames.py, freshly marked here).

    Playwright's get_by_role computes names with its own script; where it disagrees with Chromium, a step
    written with a name the skeleton shows still finds its element. exact=False: the name contains `ref.name`,
    case-insensitively (as get_by_role). Raises PlaywrightError when the page cannot be read.
    """
    await page.evaluate(ANNOTATE_DOM)
    namer = AxNamer(page)
    try:
        await namer.name_frame(page.main_frame, None, None)
    finally:
        await namer.close()
    name = ref.name.replace("\\", "\\\\").replace('"', '\\"')
    match = f'="{name}"' if ref.exact else f'*="{name}" i'
    every = page.locator(f'[data-watcher-ax-role="{ref.role}"][data-watcher-ax-name{match}]')
    return every, every.filter(visible=True)


def locators(page: Page | Frame, step: Step) -> tuple[Locator, Locator]:
    """(every match, including hidden ones; visible matches) for the element a step needs."""
    ref = step.click or step.expect
    if ref is not None:
        every = page.get_by_role(ref.role, name=ref.name, exact=ref.exact, include_hidden=True)  # type: ignore[arg-type]
    else:
        label = step.fill or step.select or step.check
        assert label is not None
        every = page.get_by_label(label.label, exact=label.exact)
    return every, every.filter(visible=True)


async def play_step(page: Page, watch: NavigationWatch, step: Step, number: int, timeout: float,
                    guard: SendGuard | None = None, since: int | None = None) -> StepResult:
    """Find the step's element (one, visible, enabled), act on it, wait for the page to settle.

    `guard` is the context's SendGuard (its request policy's): what the step types is added to it, it is open only
    from a `submits: true` step to the next step, and a send it blocked during the step ends the replay there (detail
    `submits`, status ok); `since` is how many sends the guard held before this step may answer for (default:
    those held before it started). Returns the step's result: status ok / failed / refused, `problem` if not ok."""
    guard = guard if guard is not None else SendGuard()
    held = len(guard.held) if since is None else since
    # A `submits: true` click keeps the guard open until the next step starts: its form's request may reach the
    # route a moment after the click, and the next screen loads with it.
    guard.open = step.submits
    result = await _play(page, watch, step, number, timeout, guard)
    if step.goto is None and step.wait is None and step.expect is None:  # what the step set off belongs to it
        watch.network.last_activity = time.monotonic()  # its requests reach us a moment after the action
        await watch.network.quiet(limit=min(timeout, STEP_QUIET_LIMIT))
    if result.problem in HELD_PROBLEMS and guard.stops_since(held):
        result.problem, result.detail = "submits", None  # the site was about to receive data: never sent
    if result.problem in STOPS:
        result.problem, result.detail = None, result.problem
    elif result.problem is not None:
        result.status = "refused" if result.problem in REFUSALS else "failed"
    return result


async def _play(page: Page, watch: NavigationWatch, step: Step, number: int, timeout: float,
                guard: SendGuard) -> StepResult:
    url = page.url
    if step.goto is not None:
        return await _goto(page, watch, step, number, timeout)
    if step.wait is not None:
        await page.wait_for_timeout(step.wait * 1000)
        return StepResult(number, "wait", "ok", url)
    every, visible = await locators_anywhere(page, step)
    found, problem, detail = await resolve(every, visible, timeout, need_enabled=step.expect is None)
    result = StepResult(number, step.action, "ok", url, found=found, problem=problem, detail=detail)
    if problem is None:
        result.problem, result.detail = await act(visible.first, step, timeout, guard)
    if result.problem is None and step.click is not None:
        await settle(page, timeout)
        if watch.failure:
            result.problem, result.detail = "navigation", watch.failure
    return result


async def resolve(every: Locator, visible: Locator, timeout: float,
                  need_enabled: bool) -> tuple[Found | None, str | None, str | None]:
    """The one visible element matching, or why there is none: missing, hidden, ambiguous, disabled."""
    try:
        await visible.first.wait_for(state="visible", timeout=timeout * 1000)
    except PlaywrightTimeout:
        return None, ("hidden" if await every.count() else "missing"), None
    count = await visible.count()
    found = await describe(visible.first)
    if count > 1:
        return found, "ambiguous", str(count)
    if need_enabled and not await visible.first.is_enabled(timeout=timeout * 1000):
        return found, "disabled", None
    return found, None, None


async def describe(element: Locator) -> Found:
    """Role and accessible name as the browser computes them (its ARIA snapshot), and the page box."""
    role, name = "generic", ""
    try:
        match = ARIA_LINE.match((await element.aria_snapshot(timeout=2000)).strip())
        if match:
            role, name = match.group(1), (match.group(2) or "").replace('\\"', '"')
        x, y, w, h = await element.evaluate(PAGE_BOX)
        return Found(role, name, (x, y, w, h))
    except (PlaywrightError, PlaywrightTimeout):
        return Found(role, name, None)


async def act(element: Locator, step: Step, timeout: float,
              guard: SendGuard | None = None) -> tuple[str | None, str | None]:
    """Do what the step says; (problem, detail) when the page refuses. A login button, or a button that would
    submit what was typed (`guard.typed`), is checked, not clicked (problem `login` / `submits`); a click marked
    `submits: true` on a form holding a password field is refused (`password_form`)."""
    ms = timeout * 1000
    typed = guard.typed if guard is not None else []
    try:
        if step.click is not None:
            if step.submits:
                if await element.evaluate(IN_PASSWORD_FORM):
                    return "password_form", None  # `submits: true` never applies to a login
            elif await element.evaluate(SUBMITS_LOGIN):
                return "login", None  # submitting a login form is never public: the procedure ends here
            elif await element.evaluate(WOULD_SEND, typed):
                return "submits", None  # it would file what was typed: the procedure ends here, never clicked
            await element.click(timeout=ms)
        elif step.fill is not None:
            if await element.evaluate(IS_SECRET):
                return "secret", None
            typed.append(step.fill.value)  # before typing: an autocomplete request may carry it at once
            await element.fill(step.fill.value, timeout=ms)
        elif step.select is not None:
            if not await element.locator("option", has_text=step.select.option).count():
                return "option_missing", None
            await element.select_option(label=step.select.option, timeout=ms)
        elif step.check is not None:
            await element.check(timeout=ms)
    except PlaywrightTimeout:
        return "no_effect", None
    except PlaywrightError as exc:
        return "no_effect", reason_of(exc)
    return None, None


async def settle(page: Page, timeout: float) -> None:
    """Let a navigation started by the step finish loading (bounded)."""
    try:
        await page.wait_for_load_state("load", timeout=timeout * 1000)
    except PlaywrightTimeout:
        pass  # a slow page: the next step's own wait decides whether it is usable


async def _goto(page: Page, watch: NavigationWatch, step: Step, number: int, timeout: float) -> StepResult:
    url = urljoin(page.url, step.goto or "")
    result = StepResult(number, "goto", "ok", page.url)
    try:
        response = await page.goto(url, wait_until="load", timeout=max(timeout, 10) * 1000)
        if response is not None and response.status >= 400:
            result.problem, result.detail = "navigation", f"HTTP {response.status}"
    except (PlaywrightError, PlaywrightTimeout) as exc:
        result.problem, result.detail = "navigation", reason_of(exc)
    if result.problem:
        result.status = "failed"
    return result


# --- diagnosis (pure) ---------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    """A name as compared: case, accents, typographic apostrophes and spacing left out (« Démarche » ~ « demarche »)."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


def name_similarity(a: str, b: str) -> float:
    """0..1: how alike two names read (characters in order, or shared words)."""
    a, b = _norm(a), _norm(b)
    if not a or not b:
        return 0.0
    words_a, words_b = set(a.split()), set(b.split())
    shared = len(words_a & words_b) / len(words_a | words_b)
    return max(SequenceMatcher(None, a, b).ratio(), shared)


def _centre_distance(a: Box, b: Box) -> float:
    return float(((a[0] + a[2] / 2 - b[0] - b[2] / 2) ** 2 + (a[1] + a[3] / 2 - b[1] - b[3] / 2) ** 2) ** 0.5)


def _roles_for(step: Step, reference: Found | None) -> set[str]:
    ref = step.click or step.expect
    role = ref.role if ref is not None else (reference.role if reference else None)
    if role is None:
        return set(FIELD_ROLES)
    return {role, SWAPPABLE[role]} if role in SWAPPABLE else {role}


def _same_page(a: str | None, b: str | None) -> bool:
    return bool(a and b) and urlsplit(a or "")[:3] == urlsplit(b or "")[:3]


def nearest_candidate(step: Step, reference: StepResult | None, reference_page: Skeleton | None,
                      now_url: str, now: Skeleton) -> Candidate | None:
    """The element now on the page most likely to replace the one the step needs (or None).

    Scored on name similarity and, when the page is the same one as in the last good run, on distance from
    where the old element was. Elements that were already there beside the old one are not replacements.
    """
    expected = step.click or step.expect
    wanted = expected.name if expected is not None else _label_of(step)
    ref_found = reference.found if reference else None
    place = ref_found.box if ref_found and reference and _same_page(reference.url, now_url) else None
    before = {(e.role, e.name) for e in reference_page.elements} if reference_page else set()
    roles = _roles_for(step, ref_found)
    best: Candidate | None = None
    for element in now.elements:
        if element.role not in roles or not element.name or (element.role, element.name) == (
                ref_found.role if ref_found else None, wanted):
            continue
        score = _score(element, wanted, place, (element.role, element.name) in before)
        if score >= (MIN_SCORE_WITH_PLACE if place else MIN_SCORE_NAME_ONLY) and (best is None or score > best.score):
            best = Candidate(element.role, element.name, element.box, score)
    return best


def _label_of(step: Step) -> str:
    label = step.fill or step.select or step.check
    return label.label if label is not None else ""


def _score(element: Element, wanted: str, place: Box | None, already_there: bool) -> float:
    similarity = name_similarity(element.name, wanted)
    if place is None or element.box is None:
        score = similarity
    else:
        closeness = max(0.0, 1 - _centre_distance(place, element.box) / POSITION_SCALE)
        score = 0.5 * similarity + 0.5 * closeness
    return score - (ALREADY_THERE_PENALTY if already_there else 0.0)


def _no_page(_index: int) -> Skeleton | None:
    return None


def _no_png(_index: int) -> Path | None:
    return None


@dataclass
class References:
    """What earlier snapshots say about one procedure: the run at the baseline and the last run that worked,
    with that run's recorded pages (`pages(N)`: skeleton at point N, 0 = loaded; `screenshots(N)`: its PNG),
    read by store/reader.read_references."""

    previous: RunRecord | None = None
    last_good: RunRecord | None = None
    pages: Callable[[int], Skeleton | None] = _no_page
    screenshots: Callable[[int], Path | None] = _no_png

    def page_before(self, number: int) -> Skeleton | None:
        """The skeleton of the page step `number` acted on in the last good run."""
        return self.pages(number - 1)


def diagnose(run: ProcedureRun, refs: References) -> None:
    """Compare a run with earlier ones: baseline state; if it broke, the step as it went in the last good run
    (its element's box and page screenshot: the facts a before/after crop is drawn from) and, for a missing
    element, the nearest candidate."""
    run.previous = refs.previous
    run.worked_before = refs.last_good is not None
    failed = run.failed
    if run.status != "broken" or failed is None or not run.shots:
        return
    run.reference = _step_of(refs.last_good, failed.number)
    run.reference_png = refs.screenshots(failed.number - 1)
    run.reference_page = refs.page_before(failed.number)
    if failed.problem != "missing":
        return
    step = run.procedure.steps[failed.number - 1]
    run.candidate = nearest_candidate(step, run.reference, run.reference_page, failed.url,
                                      run.shots[-1].skeleton)


def _step_of(record: RunRecord | None, number: int) -> StepResult | None:
    if record is None:
        return None
    return next((s for s in record.steps if s.number == number and s.status == "ok"), None)


# --- linking with the page diff (pure) ----------------------------------------------------------------------

def start_page_elements(record: RunRecord) -> set[tuple[str, str]]:
    """(role, name) of the elements a run used on the watched page itself (before navigating away)."""
    return {(s.found.role, s.found.name) for s in record.steps
            if s.found and s.status == "ok" and _same_page(s.url, record.start_url)}


def step_uses(used: Iterable[tuple[Procedure, RunRecord]]) -> list[StepUse]:
    """What `compare_snapshots` needs of each procedure: its name, audiences and the page elements its last
    good run used (`used`: each procedure with that run)."""
    return [StepUse(procedure.name, tuple(procedure.audience), frozenset(start_page_elements(record)))
            for procedure, record in used]


def link_changes(changes: Sequence[Change], used: Iterable[tuple[Procedure, RunRecord]]) -> list[Change]:
    """Changes touching an element used by a procedure step (last good run, before side) become breaking."""
    return link_steps(changes, step_uses(used))


# --- storage ------------------------------------------------------------------------------------------------

def procedure_files(run: ProcedureRun) -> dict[str, bytes]:
    """The files of one run inside a snapshot, by name relative to the snapshot folder."""
    folder = f"procedures/{run.procedure.slug}/"
    files: dict[str, bytes] = {}
    for index, shot in enumerate(run.shots):
        if shot.png:
            files[f"{folder}step-{index:02d}.png"] = shot.png
        files[f"{folder}step-{index:02d}.skeleton.json"] = _json_bytes(shot.skeleton.to_json())
    files[f"{folder}run.json"] = _json_bytes(run.run_json())
    return files


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode()
