"""Reading the page's tree: parsing HTML as a browser nests it (depth capped like Chromium), removing what
coordinators ignore, and what hides a node by itself (hidden, aria-hidden, display:none, visibility, capture's
marks). Spec sources: HTML Standard (hidden, parsing), CSS display/visibility, WAI-ARIA aria-hidden."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from lxml import etree

from watcher.detect.selectors import compile_selectors

__all__ = ["BLOCK_TAGS", "FRAME_TAG", "MAX_DEPTH", "SKIPPED_TAGS", "normalize_space", "parse_box", "parse_html"]

SKIPPED_TAGS = frozenset(
    {"script", "style", "template", "noscript", "head", "meta", "link", "title", "datalist", "option",
     "optgroup", "iframe", "object", "embed", "canvas", "audio", "track", "source", "param"}
)


BLOCK_TAGS = frozenset(
    """address article aside blockquote br dd details dialog div dl dt fieldset figcaption figure footer
    form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead
    tr ul""".split()
)


# An iframe's document inlined by capture right after its <iframe> (annotated DOM version 2).
FRAME_TAG = "watcher-frame"


_DISPLAY_NONE = re.compile(r"(?:^|;)\s*display\s*:\s*none\b", re.I)


_VISIBILITY = re.compile(r"(?:^|;)\s*visibility\s*:\s*(hidden|collapse|visible)\b", re.I)


_INVISIBLE_CHARS = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def normalize_space(text: str) -> str:
    """Whitespace collapsed the way browsers do for accessible names (NBSP and zero-width too)."""
    return " ".join(text.translate(_INVISIBLE_CHARS).split())


# Chromium's HTML parser nests elements at most this deep (kMaximumHTMLParserDOMTreeDepth): deeper elements
# are attached at this depth, one after the other, so the page still shows them.
MAX_DEPTH = 512


# Python frames the skeleton's walk may stack for one level of nesting (walk, children, names).
_FRAMES_PER_LEVEL = 6


@contextmanager
def _deep_enough() -> Iterator[None]:
    """Room on Python's stack for a walk down ``MAX_DEPTH`` levels (restored afterwards)."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, MAX_DEPTH * _FRAMES_PER_LEVEL + 1000))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def parse_html(html: str) -> Any:
    """An HTML text as an lxml tree (plain etree elements, no comments or processing instructions), or None
    when there is nothing to parse.

    Nesting is read as a browser builds it: an element deeper than ``MAX_DEPTH`` levels is attached at that
    depth after its ancestors (HTML Standard leaves the limit to browsers; Chromium's is 512), so deep pages keep
    their content and walking the tree stays within bounded recursion. libxml2's own limit (about 2 000 levels
    with ``huge_tree``) still drops what is deeper than that.
    """
    if not html or not html.strip():
        return None
    # Plain etree elements: lxml.html's element classes cost a Python call per node visited.
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = etree.fromstring(html.replace("\x00", "").encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    if root is not None:
        _cap_depth(root, MAX_DEPTH)
    return root


def _cap_depth(root: Any, limit: int) -> None:
    """Moves every element deeper than `limit` levels up to depth `limit`, in document order (tails follow)."""
    stack = [(root, 0)]
    while stack:
        el, depth = stack.pop()
        if depth < limit - 1:
            stack.extend((child, depth + 1) for child in el)
            continue
        for child in list(el):
            flat = list(child.iterdescendants())
            if not flat:
                continue
            at = el.index(child) + 1
            for offset, node in enumerate(flat):
                node.getparent().remove(node)
                el.insert(at + offset, node)


def _legacy_capture(root: Any) -> bool:
    """A DOM annotated by capture before the format had a version (no data-watcher-dom-version).

    Its skeleton is built as it was then (nothing revealable is added), so stored snapshots keep their skeleton.
    """
    return root.get("data-watcher-url") is not None and root.get("data-watcher-dom-version") is None


def _is_shadow_template(el: Any) -> bool:
    """A declarative shadow root (HTML: <template shadowrootmode>), which capture writes for open shadow roots."""
    return el.tag == "template" and (el.get("shadowrootmode") or "").strip().lower() in ("open", "closed")


def _remove_ignored(root: Any, ignore: Sequence[str]) -> None:
    if not ignore:
        return
    for el in compile_selectors(ignore).select(root):
        if el.getparent() is not None:
            _drop_tree(el)


def _drop_tree(el: Any) -> None:
    """Remove an element and its subtree, keeping the text that follows it (its tail)."""
    parent, tail = el.getparent(), el.tail
    if tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _hard_hidden(el: Any, tag: str) -> bool:
    if el.get("hidden") is not None:
        return True
    aria_hidden = el.get("aria-hidden")
    if aria_hidden is not None and aria_hidden.strip().lower() == "true":
        return True
    if tag == "input":
        return (el.get("type") or "").strip().lower() == "hidden"
    return tag == "dialog" and el.get("open") is None


def _hidden_here(el: Any, revealing: bool = False) -> bool:
    """Whether a node is hidden by its own attributes (used while computing names).

    `revealing`: the node is inside revealed content, where capture's mark only counts on what hides by itself.
    """
    tag = el.tag
    if not isinstance(tag, str) or _hard_hidden(el, tag):
        return True
    if el.get("data-watcher-visible") == "false" and (not revealing or el.get("data-watcher-hidden") is not None):
        return True
    style = el.get("style")
    if style:
        vis = _VISIBILITY.search(style)
        return bool(_DISPLAY_NONE.search(style)) or bool(vis and vis.group(1).lower() != "visible")
    return False


def _int(value: str | None, default: int) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return default


def parse_box(value: str | None) -> tuple[int, int, int, int] | None:
    """A `data-watcher-box` value "x,y,width,height" (CSS px, page coordinates) as integers; None when absent
    or malformed."""
    if not value:
        return None
    try:
        x, y, w, h = (int(float(v)) for v in value.split(","))
    except ValueError:
        return None
    return (x, y, w, h)
