"""The selector checks agree with the engines that apply them: Chromium's querySelectorAll and Playwright's locators.

Every `ignore` selector watcher accepts matches, on the saved page, what Chromium matches on the live one; every
`mask` / `wait_for` / `cookie_banner` selector it accepts is one Playwright runs, and every one it refuses is one
Playwright throws on (or, for a pseudo-element, one that designates nothing).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.test_selectors import PAGE, ids
from watcher.capture.browser import launch_browser
from watcher.config.selectors import ignore_problem, page_selector_problem

pytestmark = pytest.mark.browser

IGNORE = ["#news", "ul.news > li", "UL.news.live li.hot", "[data-track]", "a[href^='https:']", "a[href*=aide]",
          "[class~=external]", "[lang|=en]", "header a, #h", "a:not(.external)", "#h + ul", "#h ~ p",
          "li:first-child", "li:nth-child(2n+1)", "li:last-of-type", "li:empty", "li:has(> a)", "ul :is(.hot, #n3)",
          "p:lang(en)", "input:checked", "input:disabled", "nav a:any-link", "[data-track='NAV-2' i]",
          "main :where(p, h1)", "form > button:only-of-type", ":root > body > main > h1", "ul:has(a)", "h1:has(+ ul)",
          "li:not(:has(a))", "main > :nth-last-child(1)", "p:nth-of-type(2)", "a:is(#a1, #l2)"]
PAGE_ACCEPTED = ["#news", ".md\\:hidden", "main h1:visible", "li:has-text(\"N2\")", "text=Envoyer",
                 "role=button[name='Envoyer']", "#news >> text=N1", "li >> nth=1", "//p[@id='p2']", "'Envoyer'",
                 "li:not(.hot, #n3)", "li:nth-child(2 of .hot)", "button:focus-visible", "dialog:modal", "a:hover",
                 ":is(header, footer) a", "input:placeholder-shown", "li:nth-match(li, 2)", "p:dir(ltr)"]
PAGE_REFUSED = ["a:contains('N1')", "a:hovr", "div[", "a >> ", "//div[", "ul..news", "p:visble", "div:foo(1)",
                "*|li"]


def run_in_page(script: str, selectors: list[str]) -> list[object]:
    async def go() -> list[object]:
        async with launch_browser() as browser:
            page = await browser.new_page()
            await page.set_content(PAGE)
            return [await page.evaluate(script, selector) for selector in selectors]

    return asyncio.run(go())


def test_ignore_matches_what_chromium_matches() -> None:
    assert all(ignore_problem(selector) is None for selector in IGNORE)
    chromium = run_in_page("s => [...document.querySelectorAll(s)].map(e => e.id).filter(Boolean)", IGNORE)
    assert dict(zip(IGNORE, chromium, strict=True)) == {selector: ids(selector) for selector in IGNORE}


def locator_outcomes(selectors: list[str]) -> list[str]:
    async def go() -> list[str]:
        outcomes = []
        async with launch_browser() as browser:
            page = await browser.new_page()
            await page.set_content(PAGE)
            for selector in selectors:
                try:
                    outcomes.append(f"found {await page.locator(selector).count()}")
                except Exception as exc:  # Playwright's Error: an invalid selector  # noqa: BLE001
                    outcomes.append(f"throws {str(exc).splitlines()[0]}")
        return outcomes

    return asyncio.run(go())


def test_page_selectors_accepted_are_the_ones_playwright_runs() -> None:
    assert [page_selector_problem(selector) for selector in PAGE_ACCEPTED] == [None] * len(PAGE_ACCEPTED)
    outcomes = locator_outcomes(PAGE_ACCEPTED + PAGE_REFUSED)
    assert [o for o in outcomes[:len(PAGE_ACCEPTED)] if o.startswith("throws")] == []
    refused = outcomes[len(PAGE_ACCEPTED):]
    assert [(s, o) for s, o in zip(PAGE_REFUSED, refused, strict=True) if not o.startswith("throws")] == []
    assert all(page_selector_problem(selector) is not None for selector in PAGE_REFUSED)
    assert page_selector_problem("p::before") is not None and locator_outcomes(["p::before"]) != ["found 1"]
