"""The CSS selectors of targets.yaml: checked when the file is read, translated to XPath where watcher applies them.

Two kinds, because two different engines apply them:

- **`ignore`** is applied by watcher itself to saved pages (raw HTML files and captured `dom.html`), through
  cssselect's `HTMLTranslator` (CSS Selectors Level 3, plus `:has()`, `:is()`, `:where()` and cssselect's
  `:contains()`) and lxml's XPath (`watcher.detect.selectors`). A selector it cannot translate is refused when
  the file is read, since it could not be applied: a pseudo-element (`::before`), a pseudo-class only a live
  browser knows (`:focus-visible`, `:placeholder-shown`, `:modal`, `:hover`, `:focus`, `:target`… — a saved page
  has no pointer, focus or URL fragment: cssselect would silently match nothing and the rule would leave the noise
  in), Level 4 syntax cssselect lacks (`:not(.a, .b)`, `:nth-child(2 of .x)`; write `:not(.a):not(.b)`).
- **`mask`, `wait_for`, `cookie_banner`** are applied by Playwright in Chromium (`page.locator`, `wait_for_selector`,
  `page.click`): Playwright's engines (`text=`, `role=`, `xpath=`, `//…`, `nth=`…), its pseudo-classes
  (`:has-text()`, `:visible`, `:nth-match()`…) and `>>` chains are allowed; the CSS parts must parse (cssselect, or
  soupsieve for the Level 4 syntax cssselect lacks) and name only pseudo-classes Chromium knows, so a typo such as
  `:hovr` or jQuery's `:contains()` is told at load instead of turning every check of the page into `error`.

Messages are text keys of watcher/i18n/texts.py (French by default, English with --lang en); the parser's own
English words are never shown in French.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Iterator
from itertools import pairwise

import cssselect
from cssselect.parser import Pseudo, tokenize
from cssselect.xpath import ExpressionError, XPathExpr

from watcher.config.problems import ConfigValueError, closest

__all__ = ["ignore_problem", "ignore_xpath", "page_selector_problem"]

# Playwright's own selector engines (https://playwright.dev/docs/other-locators): `engine=body` parts of a chain.
PLAYWRIGHT_ENGINES = re.compile(
    r"^\s*(css|text|xpath|role|id|data-testid|data-test-id|data-test|nth|visible|internal:[\w-]+|_react|_vue)\s*=",
    re.I)
# Pseudo-classes Playwright adds to CSS in its own engine.
PLAYWRIGHT_PSEUDO = frozenset({
    "has-text", "text", "text-is", "text-matches", "nth-match", "visible", "light", "left-of", "right-of", "above",
    "below", "near"})
# Pseudo-classes Chromium's selector engine knows (https://developer.mozilla.org/docs/Web/CSS/Pseudo-classes,
# those Chromium ships); anything else makes querySelector throw.
CHROMIUM_PSEUDO = frozenset("""
    active any-link autofill checked default defined dir disabled empty enabled first-child first-of-type focus
    focus-visible focus-within fullscreen has host host-context hover in-range indeterminate invalid is lang last-child
    last-of-type link modal not nth-child nth-last-child nth-last-of-type nth-of-type only-child only-of-type
    open optional out-of-range paused picture-in-picture placeholder-shown playing popover-open read-only
    read-write required root scope state target target-within user-invalid user-valid valid visited where
    -webkit-any -webkit-autofill""".split())
# Pseudo-classes that depend on what the person does (pointer, focus, history, URL fragment): a saved page has
# no such state, so cssselect translates them to "never matches". In `ignore` they are refused instead.
DYNAMIC_PSEUDO = frozenset({"hover", "active", "focus", "focus-visible", "focus-within", "visited", "target",
                            "target-within"})


class IgnoreTranslator(cssselect.HTMLTranslator):
    """cssselect's HTML translator, refusing what a saved page cannot match (see the module's docstring)."""

    def xpath_pseudo(self, pseudo: Pseudo) -> XPathExpr:
        name = pseudo.ident.lower()
        if name in DYNAMIC_PSEUDO:
            raise DynamicPseudoError(name)
        if name == "any-link":  # Selectors Level 4's name for :link (an <a> or <area> with href)
            return self.xpath_link_pseudo(self.xpath(pseudo.selector))
        return super().xpath_pseudo(pseudo)


class DynamicPseudoError(ExpressionError):
    """A pseudo-class about the person's actions (`:hover`…), which a saved page cannot match."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"The pseudo-class :{name} depends on the person's actions; a saved page has no such state")


@functools.lru_cache(maxsize=512)
def ignore_xpath(selector: str) -> str:
    """The XPath 1.0 expression that finds what the `ignore` selector (or selector list) `selector` designates.

    Evaluated from a document's root element (`descendant-or-self::…`), results in document order.
    Raises ValueError (the problem in English) for a selector that cannot be parsed or applied to a saved page.
    """
    try:
        return str(IgnoreTranslator().css_to_xpath(selector))
    except cssselect.SelectorError as exc:
        raise ValueError(f"{selector!r}: {str(exc).splitlines()[0]}") from None


def ignore_problem(selector: str) -> ConfigValueError | None:
    """None when watcher can apply `selector` as an `ignore` rule, else the mistake in coordinators' words."""
    if not selector.strip():
        return ConfigValueError("cfg.css.empty")
    problem = _pseudo_problem(selector, CHROMIUM_PSEUDO | {"contains"}, selector)
    if problem is not None:
        return problem
    syntax = _syntax_problem(selector, selector)
    if syntax is not None:
        return ConfigValueError("cfg.css_unsupported.level4", value=selector) if _level4_syntax(selector) else syntax
    try:
        IgnoreTranslator().css_to_xpath(selector)
    except DynamicPseudoError as exc:
        return ConfigValueError("cfg.css_unsupported.dynamic", value=selector, name=exc.name)
    except cssselect.SelectorError:
        names = [name for colons, name in _pseudo_tokens(selector) if colons == 1]
        of_type = [name for name in names if name.endswith("-of-type")]
        if of_type and all(_translatable(name) for name in names):  # cssselect needs the tag: `*:first-of-type`
            return ConfigValueError("cfg.css_unsupported.of_type", value=selector, name=of_type[0])
        missing = [name for name in names if not _translatable(name)]
        return ConfigValueError("cfg.css_unsupported.browser", value=selector, name=(missing or names or ["?"])[0])
    return None


def _translatable(name: str) -> bool:
    """Whether cssselect's translator (ours) has a rule for the pseudo-class `name`."""
    method = name.replace("-", "_")
    return name in DYNAMIC_PSEUDO | {"any-link"} or any(
        hasattr(IgnoreTranslator, f"xpath_{method}_{kind}") for kind in ("pseudo", "function"))


def page_selector_problem(selector: str) -> ConfigValueError | None:
    """None when Playwright can apply `selector` (`mask`, `wait_for`, `cookie_banner`), else the mistake."""
    if not selector.strip():
        return ConfigValueError("cfg.css.empty")
    for part in selector.split(">>"):
        problem = _chain_part_problem(part.strip(), selector)
        if problem is not None:
            return problem
    return None


def _chain_part_problem(part: str, selector: str) -> ConfigValueError | None:
    if not part:
        return ConfigValueError("cfg.css.empty_part", value=selector)
    if PLAYWRIGHT_ENGINES.match(part) or part[0] in "\"'":  # another engine, or a quoted text selector
        return None
    if part.startswith(("//", "..")):  # Playwright reads these as XPath
        return _xpath_problem(part, selector)
    problem = _pseudo_problem(part, CHROMIUM_PSEUDO | PLAYWRIGHT_PSEUDO, selector)
    if problem is not None:
        return problem
    css = _without_playwright_pseudo(part)
    if not css.strip():
        return None
    syntax = _syntax_problem(css, selector)
    return None if syntax is None or _level4_syntax(css) else syntax


def _xpath_problem(expression: str, selector: str) -> ConfigValueError | None:
    from lxml import etree

    try:
        etree.XPath(expression)
    except etree.XPathSyntaxError as exc:
        return ConfigValueError("cfg.css.xpath", value=selector, detail=str(exc))
    return None


TOKEN_IN_MESSAGE = re.compile(r"got <(?P<type>\w+)(?: '(?P<value>.*)')? at (?P<pos>\d+)>")


def _syntax_problem(css: str, shown: str) -> ConfigValueError | None:
    """cssselect's parse of `css`; its error told as « X inattendu au caractère N » or « il s'arrête trop tôt »."""
    try:
        cssselect.parse(css)
    except cssselect.SelectorError as exc:
        found = TOKEN_IN_MESSAGE.search(str(exc))
        if found is None:
            return ConfigValueError("cfg.css", value=shown)
        if found.group("type") == "EOF":
            return ConfigValueError("cfg.css.end", value=shown)
        token = found.group("value") if found.group("value") is not None else found.group("type")
        position = int(found.group("pos")) + 1 + max(shown.find(css), 0)
        return ConfigValueError("cfg.css.unexpected", value=shown, token=token, position=position)
    return None


def _level4_syntax(css: str) -> bool:
    """Whether soupsieve (CSS Selectors Level 4, as browsers read them) accepts `css`."""
    import soupsieve

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # soupsieve's deprecation notices (:contains) are not ours to show
        try:
            soupsieve.compile(css)
        except (soupsieve.SelectorSyntaxError, NotImplementedError):
            return False
    return True


PSEUDO_ELEMENTS_CSS2 = frozenset({"before", "after", "first-line", "first-letter"})  # also written with one colon


def _pseudo_tokens(css: str) -> Iterator[tuple[int, str]]:
    """(number of colons, lowercase name) of each pseudo-class (1) or pseudo-element (2) written in `css`.

    From cssselect's tokenizer, so colons inside strings (`[href^="https:"]`), escaped ones (`.md\\:flex`,
    utility-class frameworks) and those inside attribute brackets (`[xlink:href]`) are not taken for pseudo-classes.
    """
    try:
        tokens = list(tokenize(css))
    except cssselect.SelectorError:
        return
    index, in_brackets = 0, False
    while index < len(tokens):
        if tokens[index].type == "DELIM" and tokens[index].value in ("[", "]"):
            in_brackets = tokens[index].value == "["
        if in_brackets:
            index += 1
        elif tokens[index].type == "DELIM" and tokens[index].value == ":":
            colons = 2 if index + 1 < len(tokens) and tokens[index + 1].value == ":" else 1
            name = tokens[index + colons] if index + colons < len(tokens) else None
            if name is not None and name.type == "IDENT" and name.value is not None:
                yield colons, name.value.lower()
            index += colons
        else:
            index += 1


def _pseudo_problem(css: str, known: frozenset[str], shown: str) -> ConfigValueError | None:
    """A namespace prefix (`svg|a`: HTML pages have none, Playwright's parser refuses `|`), a pseudo-element (it
    designates no element to find), or a pseudo-class the engine does not know."""
    if _has_namespace(css):
        return ConfigValueError("cfg.css.namespace", value=shown)
    for colons, name in _pseudo_tokens(css):
        if colons == 2 or name in PSEUDO_ELEMENTS_CSS2:
            return ConfigValueError("cfg.css.pseudo_element", value=shown, name=name)
        if name not in known:
            return ConfigValueError("cfg.css.pseudo", value=shown, name=name, suggestion=_suggest_pseudo(name, known))
    return None


def _has_namespace(css: str) -> bool:
    """Whether `css` writes a namespace prefix (`ns|a`, `*|a`, `[ns|attr]`), not the `|=` attribute operator."""
    try:
        tokens = list(tokenize(css))
    except cssselect.SelectorError:
        return False
    return any(token.type == "DELIM" and token.value == "|" and not (
        following.type == "DELIM" and following.value == "=") for token, following in pairwise(tokens))


def _suggest_pseudo(name: str, known: frozenset[str]) -> str:
    if name == "contains" and "has-text" in known:  # jQuery's :contains() is Playwright's :has-text()
        return ":has-text()"
    found = closest(name, sorted(known))
    return f":{found}" if found else ""


def _without_playwright_pseudo(part: str) -> str:
    """`part` with Playwright's pseudo-classes (and their arguments) taken out, so cssselect reads the rest."""
    names = "|".join(sorted(PLAYWRIGHT_PSEUDO, key=len, reverse=True))
    pattern = re.compile(rf":(?:{names})(?![\w-])(\((\"[^\"]*\"|'[^']*'|[^()]*)\))?", re.I)
    return pattern.sub("", part)
