"""Chromium's roles and accessible names (capture/axnames.py) against the Python computation (detect/skeleton/,
HTML-AAM + accname 1.2) on the page corpus: tests/realpages pairs present on this machine, tests/cases and
tests/diffcases. Each page is rendered in Chromium (nothing leaves the machine: every request but the page itself
is refused), annotated as a capture does, and each rendered element that either computation gives a skeleton
role is compared; the agreement rate and the disagreements by kind are printed (pytest -s)."""

from __future__ import annotations

import asyncio
import os
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Route

from tests.conftest import LocalSite
from watcher.capture import axnames
from watcher.capture.axnames import KEPT_ROLES
from watcher.capture.browser import launch_browser
from watcher.capture.page import annotated_dom, capture_target
from watcher.capture.procedures import ProcedureRun, replay
from watcher.config.targets import Procedure, Target
from watcher.detect.htmlio import read_html
from watcher.detect.skeleton import (
    READS_ALL,
    READS_AX,
    SECTIONING,
    SECTIONING_ROLES,
    _Ctx,
    _hard_hidden,
    _role,
    _Walker,
    extract_skeleton,
    normalize_space,
    parse_html,
)

pytestmark = pytest.mark.browser
TESTS = Path(__file__).parent
# Measured: 99.89 % of 19 763 elements on 260 pages before the two fixes it led to (date fields, self-labelled sliders).
MIN_AGREEMENT = 0.99
PAGE_URL = "http://corpus.invalid/page.html"


@dataclass(frozen=True)
class Pair:
    """One element as both computations see it."""

    file: str
    tag: str
    chromium: tuple[str | None, str | None]  # (role, name); name None: Chromium's is a default label left out
    python: tuple[str | None, str]

    @property
    def kind(self) -> str:
        if self.chromium[0] != self.python[0]:
            return f"role {self.python[0]} (Python) / {self.chromium[0]} (Chromium) on <{self.tag}>"
        return f"name of {self.chromium[0]} <{self.tag}>"

    @property
    def agrees(self) -> bool:
        if self.chromium[0] != self.python[0]:
            return False
        return self.chromium[1] is None or normalize_space(self.chromium[1]) == self.python[1]


def corpus() -> list[Path]:
    files = sorted(TESTS.glob("realpages/*/*/*.html"))
    files += sorted(TESTS.glob("cases/*/*.html")) + sorted(TESTS.glob("diffcases/*/*.html"))
    return files


# Every SAMPLE_STEP-th page of the corpus is rendered by default; WATCHER_FULL_CORPUS=1 (`make corpus`, `make bench`)
# renders all of them. Pages holding a construct where the two computations once disagreed are always in.
SAMPLE_STEP = 10
# Date, time and colour fields and sliders: Chromium's own roles (Date, InputTime, ColorWell...) for them.
_PICKER_INPUT = re.compile(r"<input\b[^>]*\btype\s*=\s*[\"']?(?:date|time|datetime-local|month|week|color|range)\b",
                           re.I)
_START_TAG = re.compile(r"<[a-z][^>]*>", re.I)
_ID = re.compile(r"\bid\s*=\s*[\"']?([^\"'\s>]+)", re.I)
_LABELLEDBY = re.compile(r"\baria-labelledby\s*=\s*[\"']([^\"']+)", re.I)


def _labels_itself(html: str) -> bool:
    """Whether an element lists its own id in its aria-labelledby (accname 1.2 steps 2C/2E)."""
    for tag in _START_TAG.finditer(html):
        own, refs = _ID.search(tag.group(0)), _LABELLEDBY.search(tag.group(0))
        if own and refs and own.group(1) in refs.group(1).split():
            return True
    return False


def tricky(path: Path) -> bool:
    """Pages holding a construct where Chromium's and the Python names once disagreed (the fixes of e1370ec)."""
    html = path.read_text(encoding="utf-8", errors="replace")
    return bool(_PICKER_INPUT.search(html)) or _labels_itself(html)


def corpus_sample(files: list[Path]) -> list[Path]:
    """The pages rendered by `make test`: the whole corpus when WATCHER_FULL_CORPUS=1, else every
    SAMPLE_STEP-th page (a fixed, spread sample: every source of pages is in it) and every tricky page."""
    if os.environ.get("WATCHER_FULL_CORPUS") == "1":
        return files
    return [path for index, path in enumerate(files) if index % SAMPLE_STEP == 0 or tricky(path)]


def test_the_sample_spreads_over_the_corpus() -> None:
    files = corpus()
    chosen = corpus_sample(files)
    sources = {f.relative_to(TESTS).parts[0] for f in files}
    assert {f.relative_to(TESTS).parts[0] for f in chosen} == sources  # realpages (if present), cases, diffcases
    assert all(f in chosen for f in files if tricky(f))


def serve_only(html: str) -> Callable[[Route], Awaitable[None]]:
    """A route handler answering the page with `html` and refusing every other request."""

    async def answer(route: Route) -> None:
        if route.request.url == PAGE_URL:
            await route.fulfill(body=html, content_type="text/html; charset=utf-8")
        else:
            await route.abort()

    return answer


async def render_all(files: list[Path]) -> dict[Path, str]:
    out: dict[Path, str] = {}
    async with launch_browser() as browser:
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        for path in files:
            page = await context.new_page()
            await page.route("**/*", serve_only(read_html(path)))
            try:
                await page.goto(PAGE_URL, wait_until="load", timeout=20_000)
                out[path] = await annotated_dom(page)
            finally:
                await page.close()
        await context.close()
    return out


def pairs(name: str, dom: str) -> list[Pair]:
    """Rendered, not hidden elements of a version 3 DOM that Chromium or Python gives a skeleton role."""
    root = parse_html(dom)
    walker = _Walker(root, PAGE_URL, reveal=True)
    out = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.get("data-watcher-box") is None or _hidden(el) or not _read(el):
            continue
        sectioning = any(a.tag in SECTIONING or (a.get("role") or "") in SECTIONING_ROLES for a in el.iterancestors())
        py_role = _role(el, el.tag, _Ctx(sectioning=sectioning))
        ax_role = el.get("data-watcher-ax-role")
        if py_role not in KEPT_ROLES and ax_role is None:
            continue
        py_name = walker._name_of(el, py_role) if py_role in KEPT_ROLES else ""
        if py_role == "region" and not py_name:
            py_role = None  # HTML-AAM: a <section> without a name is generic (the skeleton leaves it out too)
        out.append(Pair(name, el.tag, (ax_role, el.get("data-watcher-ax-name")),
                        (py_role if py_role in KEPT_ROLES else None, py_name)))
    return out


def _read(el: Any) -> bool:
    """Whether Chromium's tree was read for the document holding `el` (not too big, in time)."""
    document = next(a for a in el.iterancestors() if a.tag in ("html", "watcher-frame"))
    return document.get("data-watcher-ax-read") == "true"


def _hidden(el: Any) -> bool:
    return any(_hard_hidden(a, a.tag) for a in (el, *el.iterancestors()) if isinstance(a.tag, str))


# About 260 pages in all (a few minutes on a loaded 2-core machine), about 50 in the sample.
@pytest.mark.timeout(1500)
def test_corpus_agreement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(axnames, "AX_BUDGET_S", 600.0)  # every page read, however loaded the machine
    monkeypatch.setattr(axnames, "AX_MAX_ELEMENTS", 50_000)
    files = corpus_sample(corpus())
    doms = asyncio.run(render_all(files))
    found = [p for path, dom in doms.items() for p in pairs(str(path.relative_to(TESTS)), dom)]
    agreeing = sum(p.agrees for p in found)
    rate = agreeing / len(found)
    kinds = Counter(p.kind for p in found if not p.agrees)
    read = sum('data-watcher-ax-read="true"' in dom[:2000] for dom in doms.values())
    print(f"\n{len(doms)} pages ({read} read by Chromium), {len(found)} elements, {agreeing} agree: {rate:.2%}")
    for kind, count in kinds.most_common():
        sample = next(p for p in found if not p.agrees and p.kind == kind)
        print(f"  {count:5d}  {kind}  e.g. {sample.file}: Chromium {sample.chromium!r}, Python {sample.python!r}")
    assert len(doms) == len(files)
    assert rate >= MIN_AGREEMENT


def test_capture_records_chromium_names_and_reads_them(local_site: LocalSite) -> None:
    """A captured page carries Chromium's names (version 3); its skeleton reads them, reads=2 the Python ones."""
    local_site.routes["/"] = (
        '<html lang="fr"><body><main><h1>Démarche</h1>'
        '<a href="/suite"><svg role="img" aria-label="Aller"></svg> à la suite</a>'
        '<button aria-labelledby="x"></button><span id="x" hidden>Valider la demande</span>'
        '<form action="/envoi"><input type="submit">'
        '<label><input type="checkbox"> Écrire à <input type="text" value="marie@exemple.fr"></label></form>'
        '</main></body></html>')

    async def go() -> str:
        async with launch_browser() as browser:
            result = await capture_target(browser, Target(id="t", name="T", url=local_site.url("/")), 8000)
        assert result.status == "ok", result.reason
        return result.main.dom

    dom = asyncio.run(go())
    assert 'data-watcher-dom-version="3"' in dom and 'data-watcher-ax-name="Aller à la suite"' in dom
    chromium = extract_skeleton(dom)
    assert chromium.reads == READS_AX and extract_skeleton(dom, reads=2).reads == READS_ALL
    names = [(e.role, e.name) for e in chromium.elements]
    assert ("link", "Aller à la suite") in names and ("button", "Valider la demande") in names
    # A submit button without value: Chromium's built-in label is the browser's language's, the French one kept.
    assert ("button", "Envoyer") in names
    # accname gives the checkbox the embedded field's value; what was typed stays out of the names
    assert 'data-watcher-ax-name="Écrire à marie' not in dom and ("checkbox", "Écrire à") in names


def test_replay_finds_a_step_by_the_name_the_skeleton_shows(local_site: LocalSite) -> None:
    """Playwright's get_by_role names an icon link « IcôneAide »; Chromium and so the skeleton say « Icône Aide »:
    the step written from the skeleton still finds its link."""
    local_site.routes["/"] = ('<html lang="fr"><body><main><a href="/aide.html"><svg width="10" height="10">'
                              "<title>Icône</title></svg>Aide</a></main></body></html>")
    local_site.routes["/aide.html"] = "<h1>Aide en ligne</h1>"
    proc = Procedure.model_validate({"name": "Aide", "steps": [
        {"click": {"role": "link", "name": "Icône Aide"}},
        {"expect": {"role": "heading", "name": "Aide en ligne"}},
    ]})
    tgt = Target(id="t", name="Test", url=local_site.url("/"), timeout=10, procedures=[proc])

    async def go() -> ProcedureRun:
        async with launch_browser() as browser:
            return await replay(browser, tgt, proc)

    run = asyncio.run(go())
    assert run.status == "ok", run.message()
    assert run.steps[0].found is not None
    assert ("link", "Icône Aide") in [(e.role, e.name) for e in run.shots[0].skeleton.elements]


def test_cdp_send_answers_as_playwrights_send_without_copying(local_site: LocalSite,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """`cdp_send` gives the protocol's reply as `CDPSession.send` does, through the installed Playwright's
    implementation object (not the public method, whose copy of a big reply cost 80 ms a capture)."""
    local_site.routes["/"] = '<html lang="fr"><body><main><a href="/a">Mon espace</a></main></body></html>'

    async def go() -> tuple[dict[str, Any], dict[str, Any], list[str]]:
        async with launch_browser() as browser:
            page = await browser.new_page()
            await page.goto(local_site.url("/"))
            session = await page.context.new_cdp_session(page)
            public = await session.send("Accessibility.getFullAXTree", {})
            called: list[str] = []
            original = type(session).send

            async def spy(self: Any, method: str, params: Any = None, timeout: Any = None) -> Any:
                called.append(method)
                return await original(self, method, params)

            monkeypatch.setattr(type(session), "send", spy)
            direct = await axnames.cdp_send(session, "Accessibility.getFullAXTree")
            return public, direct, called

    public, direct, called = asyncio.run(go())
    assert called == []  # the public method was not the one used
    names = {(n.get("role", {}).get("value"), n.get("name", {}).get("value")) for n in direct["nodes"]}
    assert ("link", "Mon espace") in names
    assert len(direct["nodes"]) == len(public["nodes"])


def test_marking_the_names_sends_no_dom_events_back(local_site: LocalSite) -> None:
    """The DOM agent that `DOM.getDocument` turns on would send Playwright one event for each attribute the pass
    writes or removes (about 500 on a 60 KB page, each parsed and dispatched in Python): it is turned off before
    the marks are written. The marks are still there."""
    links = "".join(f'<li><a href="/d/{n}">Démarche {n}</a></li>' for n in range(40))
    local_site.routes["/"] = f'<html lang="fr"><body><main><h1>Démarches</h1><ul>{links}</ul></main></body></html>'

    async def go() -> tuple[list[str], str]:
        async with launch_browser() as browser:
            page = await browser.new_page()
            await page.goto(local_site.url("/"))
            session = await page.context.new_cdp_session(page)
            events: list[str] = []
            for name in ("DOM.attributeModified", "DOM.attributeRemoved", "DOM.setChildNodes"):
                session.on(name, lambda _params, name=name: events.append(name))
            dom = await annotated_dom(page, detach=False, session=session)
            await page.wait_for_timeout(100)  # events still on their way would have arrived
            return events, dom

    events, dom = asyncio.run(go())
    assert 'data-watcher-ax-name="Démarche 39"' in dom
    assert events == []
