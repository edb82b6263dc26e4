"""Tuning a noisy page: what differs between captures that should be identical, and the settings that quiet it.

Pure functions over captures (annotated DOM + screenshot of each run): nothing here opens a browser.
The mechanism is general, not a list of known widgets:

1. consecutive captures are compared like two checks would be (skeleton diff and screenshot diff);
2. each difference is traced back to an element of the annotated DOM (`data-watcher-box` boxes map skeleton
   elements and screenshot regions to elements) and widened to its block: the common ancestor of every item of
   its repeated block (news list, carousel), or its nearest block-level ancestor (a clock's paragraph);
3. a selector is built from the block's stable attributes, walking up to its nearest ancestor that has some
   (an id that does not look generated, classes that are neither hashes nor states, an aria-label or role,
   or a short `>` chain from such an ancestor), within the CSS subset `ignore` understands;
4. a proposal is kept only if it matches in every capture, leaves `<main>` and most interactive elements alone
   (and every procedure step), and really removes differences when the captures are compared again with it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lxml import etree
from PIL import Image

from watcher.config.targets import Target
from watcher.detect.changes import Change
from watcher.detect.selectors import compile_selectors
from watcher.detect.skeleton import (
    INTERACTIVE_ROLES,
    Element,
    Skeleton,
    extract_skeleton,
    normalize_space,
    parse_box,
    parse_html,
)
from watcher.detect.structural import diff_skeletons
from watcher.detect.visual import Region, diff_screenshots

__all__ = [
    "CookieHint",
    "Sample",
    "TuneReport",
    "Tuner",
    "Variation",
    "block_selector",
    "looks_generated",
    "merged_proposals",
    "parse_dom",
    "safe_to_ignore",
    "tune",
]

MAX_SHARE = 0.4  # an ignore rule leaving out more of the page's controls than this hides real changes
MASK_GREY = (0x88, 0x88, 0x88)  # the colour Playwright paints masks with (capture.py mask_color)
REGION_SLACK = 16  # screenshot regions are whole 16 px tiles: they overhang the element that changed
MAX_CHAIN = 3
MAX_MATCHES = 6
BLOCK_TAGS = frozenset(
    """address article aside blockquote dd details dialog div dl dt fieldset figure footer form h1 h2 h3 h4 h5
    h6 header li main nav ol p pre section table tr td ul""".split()
)
NEVER = frozenset({"html", "body", "main", "head"})
# Hashes, build ids and counters: they change with each deployment, so a rule built on them stops matching.
_GENERATED = re.compile(
    r"\d{2,}|(?=[0-9a-f]*\d)[0-9a-f]{6,}|^(?:css|sc|jsx|svelte|emotion|ember|ng-tns|mui|chakra|tw)-"
    r"|(?=\w*\d)(?=\w*[a-zA-Z])^[\w]{1,3}[A-Z0-9]\w{3,}$|__[A-Za-z0-9]{5,}$",
)
# Classes a script toggles: a carousel's current slide, an open menu.
_STATE = re.compile(
    r"(?:^|[-_])(?:active|current|selected|open|opened|show|shown|visible|hidden|hide|focus(?:ed)?|hover|"
    r"loaded|loading|ready|in|out|fade|animat\w*|collapsed|expanded|is-\w+|has-\w+)(?:$|[-_])",
    re.I,
)
_COOKIE_WORDS = re.compile(r"cookie|consent|rgpd|gdpr|tarteaucitron|didomi|axeptio|onetrust|traceur|\bcmp\b", re.I)
_FIXED = re.compile(r"position\s*:\s*(?:fixed|sticky)", re.I)
# Consent buttons, in order of preference: refusing keeps no more than the page needs (privacy first).
CONSENT_BUTTONS = (
    re.compile(r"^continuer sans accepter$", re.I), re.compile(r"^tout refuser$", re.I),
    re.compile(r"^(?:je )?refuse[rz]?(?: tout| les cookies)?$", re.I), re.compile(r"^reject all$", re.I),
    re.compile(r"^tout accepter$", re.I), re.compile(r"^(?:j'|je )?accept(?:e|er|ez)?(?: tout| les cookies)?$", re.I),
    re.compile(r"^accept all$", re.I), re.compile(r"^(?:ok|d'accord|continuer)$", re.I),
)
PRIVACY_CHOICES = 4  # the first CONSENT_BUTTONS refuse; the others accept


@dataclass(frozen=True)
class Sample:
    """One capture of one viewport: the annotated DOM and the screenshot (PNG bytes)."""

    dom: str
    screenshot: bytes
    url: str | None = None


@dataclass
class Variation:
    """One thing that differed between two consecutive captures of the same page."""

    pair: int  # captures `pair` and `pair + 1`
    change: Change | None = None
    region: Region | None = None
    selector: str | None = None  # the block it was traced to, when one was found

    @property
    def visual(self) -> bool:
        return self.region is not None


@dataclass
class Proposal:
    """A setting that silences some variations: `ignore` (structure) or `mask` (screenshot)."""

    key: str
    selector: str
    explains: list[Variation] = field(default_factory=list)
    hidden_controls: int = 0  # interactive elements the rule leaves out of the comparison


@dataclass
class Refusal:
    """A selector that would silence variations but is unsafe: why (`main`, `share`, `procedure`)."""

    selector: str
    why: str
    share: float = 0.0


@dataclass
class CookieHint:
    """A cookie banner seen on the page and the button `cookie_banner` should click."""

    banner: str  # how to recognise it (its name or selector)
    button: str  # the button's words
    selector: str  # the value proposed for cookie_banner
    refuses: bool  # True when the button declines (preferred)
    buttons: list[str] = field(default_factory=list)
    configured: bool = False  # a cookie_banner is set but the banner is still there


@dataclass
class TuneReport:
    """What tuning one viewport found: the differences, the proposals, and what would remain."""

    viewport: str
    skeleton: Skeleton
    variations: list[Variation]
    proposals: list[Proposal]
    refused: list[Refusal]
    cookie: CookieHint | None
    remaining_changes: list[Change]
    remaining_regions: list[Region]

    @property
    def quiet(self) -> bool:
        return not self.remaining_changes and not self.remaining_regions


# --- the annotated DOM ---------------------------------------------------------------------------------------


def parse_dom(html: str) -> Any:
    """The annotated DOM as an lxml tree (same parser options as the skeleton)."""
    root = parse_html(html)
    if root is None:
        root = etree.fromstring(b"<html><body></body></html>", parser=etree.HTMLParser())
    return root


def box_of(node: Any) -> tuple[int, int, int, int] | None:
    """The element's `data-watcher-box` (CSS px), None without one."""
    return parse_box(node.get("data-watcher-box"))


def _elements(root: Any) -> Iterator[Any]:
    return (el for el in root.iter() if isinstance(el.tag, str))


def find_node(root: Any, element: Element) -> Any | None:
    """The DOM element a skeleton element came from: by its box, else by its visible name."""
    if element.box is not None:
        wanted = ",".join(str(v) for v in element.box)
        found = [el for el in _elements(root) if el.get("data-watcher-box") == wanted]
        if found:
            return found[0]
    name = normalize_space(element.name)
    if not name:
        return None
    for el in _elements(root):
        if el.tag in NEVER or len(el) > 12:
            continue
        own = normalize_space(el.get("aria-label") or el.get("alt") or el.get("value") or "".join(el.itertext()))
        if own == name:
            return el
    return None


def node_of_region(root: Any, region: Region) -> Any | None:
    """The smallest element that holds a changed screenshot region (regions overhang by up to a tile)."""
    best, best_area = None, None
    for el in _elements(root):
        box = box_of(el)
        if box is None or el.tag in NEVER or box[2] * box[3] == 0:
            continue
        if _holds(box, region) and (best_area is None or box[2] * box[3] < best_area):
            best, best_area = el, box[2] * box[3]
    return best


def _holds(box: tuple[int, int, int, int], region: Region) -> bool:
    x, y, w, h = box
    inside = (region.x >= x - REGION_SLACK and region.y >= y - REGION_SLACK
              and region.x + region.width <= x + w + REGION_SLACK and region.y + region.height <= y + h + REGION_SLACK)
    big_enough = w * h * 2 >= region.width * region.height  # not a tiny icon inside a big changed area
    return inside and big_enough


def to_block(node: Any) -> Any:
    """A node widened to the block it sits in (a link in a paragraph -> the paragraph)."""
    while node.tag not in BLOCK_TAGS and node.getparent() is not None and node.getparent().tag not in NEVER:
        node = node.getparent()
    return node


def common_ancestor(nodes: Sequence[Any]) -> Any:
    paths = [[n, *n.iterancestors()][::-1] for n in nodes]
    common = None
    for level in zip(*paths, strict=False):
        if all(n is level[0] for n in level):
            common = level[0]
        else:
            break
    return common if common is not None else nodes[0]


def repeat_block(root: Any, skeleton: Skeleton, element: Element) -> Any | None:
    """The element's repeated block (every item of its news list or carousel), as one DOM element."""
    if not element.repeat:
        return None
    nodes = [n for e in skeleton.elements if e.repeat == element.repeat if (n := find_node(root, e)) is not None]
    return common_ancestor(nodes) if len(nodes) > 1 else None


def _element_node(root: Any, skeleton: Skeleton, element: Element) -> Any | None:
    block = repeat_block(root, skeleton, element)
    return block if block is not None else find_node(root, element)


# --- selectors -----------------------------------------------------------------------------------------------


def looks_generated(token: str) -> bool:
    """An id or class that a build tool or a counter made up (changes with each deployment)."""
    return bool(_GENERATED.search(token))


def stable_classes(node: Any) -> list[str]:
    return [c for c in node.get("class", "").split()
            if re.fullmatch(r"[A-Za-z_][\w-]*", c) and not looks_generated(c) and not _STATE.search(c)]


def _quote(value: str) -> str | None:
    return f'"{value}"' if '"' not in value and "\\" not in value and len(value) <= 60 else None


def own_selectors(node: Any) -> list[str]:
    """Selectors made of this element's own stable attributes, most specific first."""
    tag, out = node.tag, []
    node_id = node.get("id")
    if node_id and re.fullmatch(r"[A-Za-z][\w-]*", node_id) and not looks_generated(node_id):
        out.append(f"#{node_id}")
    classes = stable_classes(node)
    if classes:
        out.append(tag + "".join(f".{c}" for c in classes[:2]))
    label = _quote(normalize_space(node.get("aria-label", "")))
    if label and node.get("aria-label"):
        out.append(f"{tag}[aria-label={label}]")
    role = node.get("role")
    if role and re.fullmatch(r"[a-z]+", role):
        out.append(f"{tag}[role={role}]")
    if tag in ("nav", "aside", "header", "footer", "form") and not out:
        out.append(tag)  # a landmark: often unique on its own
    return out


def selector_candidates(node: Any) -> Iterator[str]:
    """From the block upwards: its own stable selectors, else a short `>` chain from a stable ancestor."""
    chain: list[str] = []
    current = node
    while current is not None and current.tag not in NEVER:
        yield from own_selectors(current)
        anchor = current.getparent()
        path = [current.tag, *chain]
        if anchor is not None and anchor.tag not in NEVER and len(path) <= MAX_CHAIN:
            for base in own_selectors(anchor):
                yield " > ".join([base, *path])
        chain.insert(0, current.tag)
        current = anchor


def safe_to_ignore(dom: str, selector: str, steps: Iterable[tuple[str, str]] = ()) -> bool:
    """Whether an `ignore` rule may be proposed for `selector` on this saved page: not when it hides a whole
    form (a `<form>`, `role="form"`, or a block holding one) nor any element a watched procedure uses
    (`steps`: (ARIA role, accessible name) pairs) — silencing those would hide a procedure's breakage."""
    root = parse_dom(dom)
    found = matches(root, selector)
    if not found:
        return True
    for node in found:
        if not isinstance(node.tag, str):
            continue
        if node.tag == "form" or node.get("role") == "form" or node.find(".//form") is not None:
            return False
    wanted = set(steps)
    if not wanted:
        return True
    kept = {(e.role, e.name) for e in extract_skeleton(dom, ignore=[selector]).elements}
    every = {(e.role, e.name) for e in extract_skeleton(dom).elements}
    return not ((every - kept) & wanted)


def matches(root: Any, selector: str) -> list[Any]:
    return compile_selectors([selector]).select(root)


def _covers(matched: Sequence[Any], node: Any) -> bool:
    return any(m is node or m in node.iterancestors() for m in matched)


# --- one tuning pass -----------------------------------------------------------------------------------------


@dataclass
class _Run:
    """One capture prepared for tuning: its DOM tree, skeleton (with the current ignore) and screenshot."""

    sample: Sample
    root: Any
    skeleton: Skeleton
    image: np.ndarray


class Tuner:
    """Tunes one viewport of one target from several captures of it."""

    def __init__(self, target: Target, samples: Sequence[Sample]) -> None:
        if len(samples) < 2:
            raise ValueError("tuning needs at least two captures")
        self.target = target
        self.runs = [_Run(s, parse_dom(s.dom), self.skeleton(s, target.ignore), _png(s.screenshot)) for s in samples]
        self.refused: dict[str, Refusal] = {}
        self._safety: dict[str, Refusal | None] = {}

    def skeleton(self, sample: Sample, ignore: Sequence[str]) -> Skeleton:
        return extract_skeleton(sample.dom, base_url=sample.url, ignore=list(ignore))

    def report(self, viewport: str = "desktop") -> TuneReport:
        variations = self.variations()
        proposals = self.propose(variations)
        ignore = [p.selector for p in proposals if p.key == "ignore"]
        mask = [p.selector for p in proposals if p.key == "mask"]
        changes, regions = self.remaining(ignore, mask)
        return TuneReport(viewport, self.runs[0].skeleton, variations, proposals, list(self.refused.values()),
                          cookie_hint(self.runs, self.target), changes, regions)

    # differences between consecutive captures

    def variations(self) -> list[Variation]:
        found: list[Variation] = []
        for pair, (a, b) in enumerate(zip(self.runs, self.runs[1:], strict=False)):
            found += [Variation(pair, change=c) for c in diff_skeletons(a.skeleton, b.skeleton)]
            found += [Variation(pair, region=r) for r in diff_screenshots(a.image, b.image).regions]
        return found

    def block_of(self, variation: Variation) -> tuple[Any, _Run] | None:
        """The DOM block a variation happened in, and the capture it was found in."""
        a, b = self.runs[variation.pair], self.runs[variation.pair + 1]
        if variation.region is not None:
            run = a if variation.region.kind == "removed" else b
            node = node_of_region(run.root, variation.region)
            return (to_block(node), run) if node is not None else None
        change = variation.change
        assert change is not None
        run, element = (b, change.after) if change.after is not None else (a, change.before)
        assert element is not None
        node = _element_node(run.root, run.skeleton, element)
        return (to_block(node), run) if node is not None else None

    # proposals

    def propose(self, variations: Sequence[Variation]) -> list[Proposal]:
        by_key: dict[tuple[str, str], Proposal] = {}
        structural = [v for v in variations if not v.visual]
        for variation in [*structural, *[v for v in variations if v.visual]]:
            key = "mask" if variation.visual else "ignore"
            selector = self.reuse(variation, by_key) or self.selector_for(variation, key)
            variation.selector = selector
            if selector is None:
                continue
            proposal = by_key.setdefault((key, selector), Proposal(key, selector))
            proposal.explains.append(variation)
        return [p for p in by_key.values() if self.useful(p)]

    def reuse(self, variation: Variation, chosen: dict[tuple[str, str], Proposal]) -> str | None:
        """A screenshot change inside a block already ignored is masked with the same selector."""
        found = self.block_of(variation) if variation.visual else None
        if found is None:
            return None
        node, run = found
        for key, selector in chosen:
            if key == "ignore" and _covers(matches(run.root, selector), node):
                return selector
        return None

    def selector_for(self, variation: Variation, key: str) -> str | None:
        found = self.block_of(variation)
        if found is None:
            return None
        node, run = found
        fallback = None
        for selector in selector_candidates(node):
            if not self.stable(selector, node, run):
                continue
            refusal = self.unsafe(selector)
            if refusal is not None:
                self.refused.setdefault(selector, refusal)
                if refusal.why == "main":
                    break  # every ancestor from here on holds the main content too
                continue
            if all(len(matches(r.root, selector)) == 1 for r in self.runs):
                return selector
            fallback = fallback or selector
        return fallback

    def stable(self, selector: str, node: Any, run: _Run) -> bool:
        """Matches the block in its capture, and something (not too much) in every capture."""
        try:
            found = matches(run.root, selector)
        except ValueError:
            return False
        if not _covers(found, node):
            return False
        return all(0 < len(matches(r.root, selector)) <= MAX_MATCHES for r in self.runs)

    def unsafe(self, selector: str) -> Refusal | None:
        """Why a selector must not be proposed: it takes in <main>, too many controls, or a procedure step."""
        if selector not in self._safety:
            self._safety[selector] = self._check_safety(selector)
        return self._safety[selector]

    def _check_safety(self, selector: str) -> Refusal | None:
        for run in self.runs:
            for el in matches(run.root, selector):
                if el.tag in NEVER or el.get("role") == "main" or el.find(".//main") is not None:
                    return Refusal(selector, "main")
        run = self.runs[0]
        before = _controls(run.skeleton)
        after = _controls(self.skeleton(run.sample, [*self.target.ignore, selector]))
        share = 1 - len(after) / len(before) if before else 0.0
        if share > MAX_SHARE:
            return Refusal(selector, "share", share)
        if _procedure_names(self.target) & (set(before) - set(after)):
            return Refusal(selector, "procedure", share)
        return None

    def useful(self, proposal: Proposal) -> bool:
        """Compared again with this one setting, the captures differ less than without it."""
        ignore, mask = ([proposal.selector], []) if proposal.key == "ignore" else ([], [proposal.selector])
        changes, regions = self.remaining(ignore, mask)
        base_changes, base_regions = self.remaining([], [])
        proposal.hidden_controls = len(_controls(self.runs[0].skeleton)) - len(
            _controls(self.skeleton(self.runs[0].sample, [*self.target.ignore, *ignore])))
        if proposal.key == "ignore":
            return len(changes) < len(base_changes)
        return len(regions) < len(base_regions) or _area(regions) < _area(base_regions)

    def remaining(self, ignore: Sequence[str], mask: Sequence[str]) -> tuple[list[Change], list[Region]]:
        """What consecutive captures would still differ by with these extra settings."""
        changes: list[Change] = []
        regions: list[Region] = []
        rules = [*self.target.ignore, *ignore]
        skeletons = [self.skeleton(r.sample, rules) if ignore else r.skeleton for r in self.runs]
        images = [_painted(r, mask) for r in self.runs]
        for i in range(len(self.runs) - 1):
            changes += diff_skeletons(skeletons[i], skeletons[i + 1])
            regions += diff_screenshots(images[i], images[i + 1]).regions
        return changes, regions


def _controls(skeleton: Skeleton) -> list[tuple[str, str]]:
    return [(e.role, e.name) for e in skeleton.elements if e.role in INTERACTIVE_ROLES]


def _procedure_names(target: Target) -> set[tuple[str, str]]:
    return {(ref.role, ref.name) for p in target.procedures for s in p.steps for ref in (s.click, s.expect)
            if ref is not None}


def _area(regions: Sequence[Region]) -> int:
    return sum(r.width * r.height for r in regions)


def _png(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.array(image.convert("RGB"))


def _painted(run: _Run, mask: Sequence[str]) -> np.ndarray:
    """The screenshot as capture would take it with these masks: their boxes painted grey."""
    if not mask:
        return run.image
    image = run.image.copy()
    for selector in mask:
        for el in matches(run.root, selector):
            box = box_of(el)
            if box is not None:
                x, y, w, h = box
                image[max(y, 0):max(y + h, 0), max(x, 0):max(x + w, 0)] = MASK_GREY
    return image


# --- cookie banners ------------------------------------------------------------------------------------------


def cookie_hint(runs: Sequence[_Run], target: Target) -> CookieHint | None:
    """A visible consent banner in the first capture, and the button `cookie_banner` should click."""
    root = runs[0].root
    styles = " ".join("".join(s.itertext()) for s in root.iter("style"))
    for banner in _elements(root):
        if not _is_banner(banner, styles):
            continue
        buttons = _consent_buttons(banner)
        if not buttons:
            continue
        rank, words, node = min(buttons, key=lambda b: b[0])
        return CookieHint(
            banner=normalize_space(banner.get("aria-label", "")) or (own_selectors(banner) or [banner.tag])[0],
            button=words, selector=_button_selector(banner, node, words), refuses=rank < PRIVACY_CHOICES,
            buttons=[b[1] for b in buttons], configured=bool(target.cookie_banner))
    return None


def _is_banner(el: Any, styles: str) -> bool:
    if box_of(el) is None or el.get("data-watcher-visible") == "false" or el.tag in NEVER:
        return False
    dialog = el.get("role") in ("dialog", "alertdialog") or el.tag == "dialog" or el.get("aria-modal") == "true"
    fixed = bool(_FIXED.search(el.get("style", ""))) or _fixed_by_stylesheet(el, styles)
    named = " ".join(filter(None, [el.get("id"), el.get("class"), el.get("aria-label")]))
    about_cookies = bool(_COOKIE_WORDS.search(named)) or bool(
        _COOKIE_WORDS.search(normalize_space("".join(el.itertext()))[:600]))
    return (dialog or fixed) and about_cookies


def _fixed_by_stylesheet(el: Any, styles: str) -> bool:
    """A rule of the page's own <style> puts this element's id or class in fixed or sticky position."""
    names = [f"#{el.get('id')}"] if el.get("id") else []
    names += [f".{c}" for c in el.get("class", "").split()]
    for name in names:
        for rule in re.finditer(re.escape(name) + r"(?![\w-])[^{]*\{([^}]*)\}", styles):
            if _FIXED.search(rule.group(1)):
                return True
    return False


def _consent_buttons(banner: Any) -> list[tuple[int, str, Any]]:
    found = []
    for el in banner.iter("button", "a", "input"):
        if el.get("data-watcher-visible") == "false":
            continue
        words = normalize_space(el.get("value") if el.tag == "input" else "".join(el.itertext()))
        for rank, pattern in enumerate(CONSENT_BUTTONS):
            if words and pattern.match(words.replace("’", "'")):
                found.append((rank, words, el))
                break
    return found


def _button_selector(banner: Any, button: Any, words: str) -> str:
    """A selector Playwright can click: the button's own id, else its words inside the banner."""
    own = own_selectors(button)
    if own and own[0].startswith("#"):
        return own[0]
    scope = (own_selectors(banner) or [""])[0]
    quoted = words.replace('"', '\\"')
    return f'{scope} {button.tag}:has-text("{quoted}")'.strip()


# --- several viewports ---------------------------------------------------------------------------------------


def tune(target: Target, samples_by_viewport: Mapping[str, Sequence[Sample]]) -> list[TuneReport]:
    """One report per viewport, from that viewport's captures in order."""
    return [Tuner(target, samples).report(name) for name, samples in samples_by_viewport.items()]


def merged_proposals(reports: Sequence[TuneReport]) -> dict[str, list[str]]:
    """The selectors to add, per setting (ignore, mask), in the order they were found, without repeats."""
    out: dict[str, list[str]] = {"ignore": [], "mask": []}
    for report in reports:
        for proposal in report.proposals:
            if proposal.selector not in out[proposal.key]:
                out[proposal.key].append(proposal.selector)
    return out


def block_selector(dom: str, skeleton: Skeleton, element: Element) -> str | None:
    """The selector of the block holding one element of a stored capture (used by explain and hints)."""
    root = parse_dom(dom)
    node = _element_node(root, skeleton, element)
    if node is None:
        return None
    block = to_block(node)
    for selector in selector_candidates(block):
        found = matches(root, selector)
        if _covers(found, block) and len(found) <= MAX_MATCHES and not any(
                el.tag in NEVER or el.find(".//main") is not None for el in found):
            return selector
    return None
