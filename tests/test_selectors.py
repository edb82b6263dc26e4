"""CSS selectors of targets.yaml: `ignore` matched on saved pages with cssselect + lxml, every selector checked at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_watcher
from watcher.config.selectors import ignore_problem, page_selector_problem
from watcher.config.targets import load_config
from watcher.detect.selectors import compile_selectors
from watcher.detect.skeleton import extract_skeleton, parse_html
from watcher.errors import ConfigError

PAGE = """<!doctype html><html lang="fr"><body>
<header id="top" class="site-header"><nav><a id="a1" href="/aides" class="menu-item">Aides</a>
  <a id="a2" href="https://autre.fr/x" class="menu-item external" data-track="nav-2">Partenaire</a></nav></header>
<main><h1 id="h">Titre</h1>
  <ul id="news" class="news live"><li id="n1"><a id="l1" href="/n1">N1</a></li><li id="n2" class="hot">
    <a id="l2" href="/n2">N2</a></li><li id="n3"></li></ul>
  <p id="p1" lang="en-GB">Hello</p><p id="p2">Bonjour</p>
  <form id="f"><input id="i1" type="checkbox" checked><input id="i2" type="text" disabled>
    <button id="b1">Envoyer</button></form>
</main></body></html>"""


def ids(selector: str) -> list[str]:
    root = parse_html(PAGE)
    return [el.get("id") for el in compile_selectors([selector]).select(root) if el.get("id")]


@pytest.mark.parametrize(("selector", "expected"), [
    # what the hand-written matcher understood (type, *, #id, .class, attributes, descendant, child, lists)
    ("#news", ["news"]),
    ("ul.news > li", ["n1", "n2", "n3"]),
    ("UL.news.live li.hot", ["n2"]),
    ("[data-track]", ["a2"]),
    ("a[href^='https:']", ["a2"]),
    ("a[href$=\"/n2\"]", ["l2"]),
    ("a[href*=aide]", ["a1"]),
    ("[class~=external]", ["a2"]),
    ("[lang|=en]", ["p1"]),
    ("header a, #h", ["a1", "a2", "h"]),
    ("main *:not(li):not(a) > a", []),
    # what cssselect adds
    ("a:not(.external)", ["a1", "l1", "l2"]),
    ("#h + ul", ["news"]),
    ("#h ~ p", ["p1", "p2"]),
    ("li:first-child", ["n1"]),
    ("li:nth-child(2n+1)", ["n1", "n3"]),
    ("li:last-of-type", ["n3"]),
    ("li:empty", ["n3"]),
    ("li:has(> a)", ["n1", "n2"]),
    ("ul :is(.hot, #n3)", ["n2", "n3"]),
    ("p:lang(en)", ["p1"]),
    ("input:checked", ["i1"]),
    ("input:disabled", ["i2"]),
    ("nav a:any-link", ["a1", "a2"]),
    ("[DATA-TRACK='nav-2']", ["a2"]),
    ("[data-track='NAV-2' i]", ["a2"]),
])
def test_ignore_selectors_match_as_css_says(selector: str, expected: list[str]) -> None:
    assert ignore_problem(selector) is None
    assert ids(selector) == expected


def test_ignored_subtrees_leave_the_skeleton_once_each() -> None:
    names = [e.name for e in extract_skeleton(PAGE, ignore=["header", "nav a", "li:has(a)", "form > :is(input)"]).elements]
    assert "Aides" not in names and "N1" not in names and "Titre" in names and "Envoyer" in names


@pytest.mark.parametrize("selector", ["a:hover", "a:focus", "a::before", "div[", "p:focus-visible", ":not(.a, .b)"])
def test_selectors_a_saved_page_cannot_match_do_not_compile(selector: str) -> None:
    with pytest.raises(ValueError):
        compile_selectors([selector])


@pytest.mark.parametrize(("selector", "key"), [
    ("div[", "cfg.css.end"),
    ("ul..news", "cfg.css.unexpected"),
    ("   ", "cfg.css.empty"),
    ("a:hovr", "cfg.css.pseudo"),
    ("p::before", "cfg.css.pseudo_element"),
    ("p:after", "cfg.css.pseudo_element"),
    ("a:hover", "cfg.css_unsupported.dynamic"),
    ("li:focus-within", "cfg.css_unsupported.dynamic"),
    ("p:placeholder-shown", "cfg.css_unsupported.browser"),
    ("div:not(.a, .b)", "cfg.css_unsupported.level4"),
    ("li:nth-child(2 of .hot)", "cfg.css_unsupported.level4"),
    ("div:visible", "cfg.css.pseudo"),  # Playwright's, not applicable to a saved page
])
def test_ignore_problems(selector: str, key: str) -> None:
    problem = ignore_problem(selector)
    assert problem is not None and problem.key == key


@pytest.mark.parametrize("selector", [
    "#horloge", ".md\\:hidden", "a[href^='https://x']", "main h1:visible", "div:has-text(\"Actualités\")",
    "text=Publicité", "role=button[name='OK']", "#cookies >> text=Accepter", "div >> nth=0", "//div[@id='x']",
    "'Tout accepter'", "div:not(.a, .b)", "li:nth-child(2 of .x)", "button:focus-visible", "dialog:modal",
    "a:hover", ":is(header, footer) nav", "div:has(> img)", "#cookies button:has-text(\"Continuer sans accepter\")",
])
def test_page_selectors_playwright_and_chromium_accept_load(selector: str) -> None:
    assert page_selector_problem(selector) is None


@pytest.mark.parametrize(("selector", "key"), [
    ("div[", "cfg.css.end"),
    ("a >> ", "cfg.css.empty_part"),
    ("a:contains('x')", "cfg.css.pseudo"),  # jQuery's: Chromium throws
    ("a:hovr", "cfg.css.pseudo"),
    ("a::before", "cfg.css.pseudo_element"),
    ("//div[", "cfg.css.xpath"),
    ("div..x", "cfg.css.unexpected"),
])
def test_page_selector_problems(selector: str, key: str) -> None:
    problem = page_selector_problem(selector)
    assert problem is not None and problem.key == key


def test_contains_suggests_has_text() -> None:
    problem = page_selector_problem("a:contains('Accepter')")
    assert problem is not None and problem.values["suggestion"] == ":has-text()"


SELECTOR_MISTAKES = """\
targets:
  - id: caf
    name: CAF
    url: https://www.caf.fr/
    wait_for: "main h1:visble"
    ignore:
      - "#news"
      - "a:hover"
    mask: ["div.carousel", "p::after"]
    cookie_banner: "#tarteaucitron button["
"""


def test_every_bad_selector_is_told_at_load_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(SELECTOR_MISTAKES, encoding="utf-8")
    result = run_watcher("validate", path)
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.strip().splitlines() == [
        f"{path}:5: targets[0].wait_for: sélecteur CSS invalide « main h1:visble » (pseudo-classe inconnue "
        "« :visble ») ; vouliez-vous dire « :visible » ?",
        f"{path}:8: targets[0].ignore[1]: sélecteur CSS non pris en charge par ignore « a:hover » (« :hover » dépend "
        "de ce que fait la personne et une page enregistrée n'a pas cet état : la règle ne retirerait rien)",
        f"{path}:9: targets[0].mask[1]: sélecteur CSS invalide « p::after » (le pseudo-élément « ::after » ne "
        "désigne pas un élément de la page)",
        f"{path}:10: targets[0].cookie_banner: sélecteur CSS invalide « #tarteaucitron button[ » (il s'arrête trop "
        "tôt : une parenthèse, un crochet ou un nom manque)",
    ]
    english = run_watcher("validate", path, "--lang", "en")
    assert english.code == 2 and "Traceback" not in english.err
    assert (f"{path}:8: targets[0].ignore[1]: CSS selector not supported by ignore “a:hover” (“:hover” depends on "
            "what the person does and a saved page has no such state: the rule would leave everything in)"
            in english.err.splitlines())
    assert "sélecteur" not in english.err


def test_a_config_that_loaded_never_fails_on_its_selectors(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text("targets:\n  - {id: a, name: A, url: 'https://a.fr/', ignore: ['li:has(> a)', "
                    "'[class*=actualite]', 'ul :is(.hot, #n3)']}\n", encoding="utf-8")
    target = load_config(path).targets[0]
    assert extract_skeleton(PAGE, ignore=target.ignore).elements
    with pytest.raises(ConfigError):
        path.write_text("targets:\n  - {id: a, name: A, url: 'https://a.fr/', ignore: ['li:has(> a']}\n")
        load_config(path)
