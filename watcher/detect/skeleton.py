"""The interface skeleton of a page: what a person clicks, fills in or finds their way by.

Roles follow HTML-AAM (how browsers map HTML to ARIA roles) and names follow accname 1.2
(how browsers compute accessible names), so the skeleton is what a screen reader would announce,
not what the HTML source happens to look like. A captured page (annotated DOM version 3) carries
Chromium's own roles and names (capture/axnames.py), which the skeleton takes where they are; the
computation here names raw HTML files and what capture did not mark. Ids, classes, attribute order, scripts, styles and
body text outside interactive elements never reach the skeleton, which is what makes the structural
diff immune to that noise by construction.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from watcher.config.roles import VALID_ROLES
from watcher.detect.selectors import compile_selectors
from watcher.i18n import phrases

__all__ = [
    "parse_box",
    "ACTION_ROLES",
    "Element",
    "FIELD_ROLES",
    "INTERACTIVE_ROLES",
    "LANDMARK_ROLES",
    "MAX_DEPTH",
    "READS_ALL",
    "READS_AX",
    "SECTIONING",
    "SECTIONING_ROLES",
    "SKELETON_ROLES",
    "SKELETON_VERSION",
    "Skeleton",
    "compile_selectors",
    "extract_skeleton",
    "is_destination",
    "normalize_space",
    "normalize_target",
    "parse_html",
    "render_skeleton_text",
    "target_host",
    "target_key",
]

LANDMARK_ROLES = frozenset(
    {"banner", "navigation", "main", "contentinfo", "form", "search", "region", "complementary"}
)
FIELD_ROLES = frozenset(
    {"textbox", "searchbox", "spinbutton", "combobox", "listbox", "checkbox", "radio", "switch", "slider"}
)
ACTION_ROLES = frozenset(
    {"link", "button", "menuitem", "menuitemcheckbox", "menuitemradio", "tab", "option", "treeitem"}
)
INTERACTIVE_ROLES = FIELD_ROLES | ACTION_ROLES
SKELETON_ROLES = INTERACTIVE_ROLES | LANDMARK_ROLES | {"heading"}

# accname 1.2 "roles supporting name from content" (the ones that can appear in a skeleton).
NAME_FROM_CONTENT = frozenset(
    {"button", "checkbox", "heading", "link", "menuitem", "menuitemcheckbox", "menuitemradio",
     "option", "radio", "switch", "tab", "treeitem", "cell", "gridcell", "columnheader", "rowheader",
     "row", "tooltip"}
)
# Roles of containers whose label names the group a link or field belongs to (menus, fieldsets...).
GROUP_ROLES = frozenset({"list", "menu", "menubar", "tablist", "group", "radiogroup", "tree", "toolbar"})
SECTIONING = frozenset({"article", "aside", "main", "nav", "section"})
SECTIONING_ROLES = frozenset({"article", "complementary", "main", "navigation", "region"})
SKIPPED_TAGS = frozenset(
    {"script", "style", "template", "noscript", "head", "meta", "link", "title", "datalist", "option",
     "optgroup", "iframe", "object", "embed", "canvas", "audio", "track", "source", "param"}
)
BLOCK_TAGS = frozenset(
    """address article aside blockquote br dd details dialog div dl dt fieldset figcaption figure footer
    form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead
    tr ul""".split()
)
MEDIA_TAGS = frozenset({"img", "picture", "svg", "video", "time", "figure"})
LABELABLE = frozenset({"input", "select", "textarea", "button", "meter", "output", "progress"})
TEXT_INPUTS = frozenset({"text", "email", "tel", "url", "password"})
DATE_INPUTS = frozenset({"date", "datetime-local", "month", "week", "time"})
BUTTON_INPUTS = frozenset({"button", "submit", "reset", "image"})
KNOWN_INPUTS = TEXT_INPUTS | DATE_INPUTS | BUTTON_INPUTS | {
    "search", "number", "range", "checkbox", "radio", "file", "color", "hidden"}
MAX_PROFILE = 8
# An iframe's document inlined by capture right after its <iframe> (annotated DOM version 2).
FRAME_TAG = "watcher-frame"
# Version of skeleton.json. 2: `reads` (what the extraction read, see Skeleton); 3: generated ids masked in
# names, unnamed forms listed for their destination, in_form / expands / name_unseen / badge / shown recorded.
# A stored skeleton of an older version is rebuilt from its snapshot's dom.html before comparing
# (watcher.service.check.load_skeleton), so that names compare alike.
SKELETON_VERSION = 3
# What an extraction reads: 1, the page's own DOM; 2, also iframes' documents, open shadow roots and
# revealable content (annotated DOM version 2, docs/architecture.md); 3, also Chromium's computed roles and
# accessible names recorded by capture (annotated DOM version 3, data-watcher-ax-role / data-watcher-ax-name).
READS_ALL = 2
READS_AX = 3

_DISPLAY_NONE = re.compile(r"(?:^|;)\s*display\s*:\s*none\b", re.I)
_VISIBILITY = re.compile(r"(?:^|;)\s*visibility\s*:\s*(hidden|collapse|visible)\b", re.I)
_INVISIBLE_CHARS = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


# What Chromium shows on <input type=submit|reset> without a value (HTML-AAM: the button's default label, in the
# browser's language; captures run a French browser).
DEFAULT_BUTTONS = {"submit": "Envoyer", "reset": "Réinitialiser", "button": ""}


@dataclass(frozen=True)
class Element:
    """One thing a person interacts with or orients by: a link, a button, a field, a heading, a landmark."""

    role: str
    name: str
    landmark: str
    order: int
    level: int | None = None
    control: str | None = None
    required: bool = False
    disabled: bool = False
    checked: bool | None = None
    options: tuple[str, ...] = ()
    target: str | None = None
    box: tuple[int, int, int, int] | None = None
    context: str = ""
    # Which repeated block (≥3 same-shape siblings: a menu, a news list, a carousel) holds the element,
    # which item of it, and whether its items are "cards" (more than one link, images, loose text).
    repeat: str = ""
    repeat_item: int = -1
    repeat_rich: bool = False
    # Name of the dialog (cookie banner, modal) holding the element; "" outside dialogs.
    dialog: str = ""
    # Hidden until a control is used (a menu button, a disclosure, a <summary>): that control's (role, name).
    # None for what is shown without doing anything. JSON: {"role": ..., "name": ...}.
    revealed_by: tuple[str, str] | None = None
    # Inside a form (<form>, role form or search) that is not the wrapper of a whole page (a form holding
    # the page's header, menu, main content or footer, as ASP.NET pages do): where a person answers and submits.
    in_form: bool = False
    # A disclosure control (aria-expanded): it shows or hides content, it does not act or answer.
    expands: bool = False
    # The name is no text shown on screen (an icon's aria-label, a logo's alt, a title): renaming it
    # changes nothing a sighted person sees.
    name_unseen: bool = False
    # Text of badges inside the name (« Nouveauté », « 3 messages non lus »: an element styled as a badge,
    # tag, pill or counter): status that changes while the control stays the same.
    badge: str = ""
    # The words shown on screen, when they differ from the name (the name adds an icon's title or text for
    # screen readers only); "" when they are the name or when nothing is shown (see name_unseen).
    shown: str = ""

    def to_json(self) -> dict[str, Any]:
        """Only the fields that differ from their default, to keep skeleton.json small."""
        out: dict[str, Any] = {"role": self.role, "name": self.name, "landmark": self.landmark, "order": self.order}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in out and value != f.default:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        if self.revealed_by is not None:
            out["revealed_by"] = {"role": self.revealed_by[0], "name": self.revealed_by[1]}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Element:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("options") is not None:
            values["options"] = tuple(values["options"])
        if values.get("box") is not None:
            x, y, w, h = (int(v) for v in values["box"])
            values["box"] = (x, y, w, h)
        revealed = values.get("revealed_by")
        if isinstance(revealed, dict):
            values["revealed_by"] = (str(revealed.get("role", "")), str(revealed.get("name", "")))
        elif revealed is not None:
            values["revealed_by"] = (str(revealed[0]), str(revealed[1]))
        return cls(**values)


@dataclass
class Skeleton:
    """The interface of one page, in document order.

    `reads`: what the extraction read. 1: the page's own DOM; 2 (READS_ALL): also iframes' documents,
    open shadow roots and revealable content (annotated DOM version 2, docs/architecture.md); 3 (READS_AX): also
    Chromium's roles and accessible names, where capture recorded them (annotated DOM version 3).
    """

    url: str | None
    elements: list[Element] = field(default_factory=list)
    reads: int = READS_ALL

    def to_json(self) -> dict[str, Any]:
        return {"version": SKELETON_VERSION, "reads": self.reads, "url": self.url,
                "elements": [e.to_json() for e in self.elements]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Skeleton:
        return cls(url=data.get("url"), elements=[Element.from_json(e) for e in data["elements"]],
                   reads=int(data.get("reads", 1)))


def normalize_space(text: str) -> str:
    """Whitespace collapsed the way browsers do for accessible names (NBSP and zero-width too)."""
    return " ".join(text.translate(_INVISIBLE_CHARS).split())


def extract_skeleton(html: str, *, base_url: str | None = None, ignore: Sequence[str] = (),
                     reads: int | None = None) -> Skeleton:
    """Reduce an HTML page (ideally capture's annotated DOM) to its interface skeleton.

    `reads=1` reads only the page's own DOM (no frames, shadow roots nor revealable content), to compare it
    with a skeleton read that way; a version-less annotated DOM (stored before frames were inlined) is always
    read that way. `reads=2` leaves out Chromium's roles and names (annotated DOM version 3) for the Python
    computation's, to compare with a skeleton of a version 2 capture.

    Roles and names: an element of a version 3 DOM marked with Chromium's role (`data-watcher-ax-role`, one the
    skeleton keeps) takes that role and, when marked, Chromium's name (`data-watcher-ax-name`); elements capture
    did not mark (raw HTML, hidden content a control reveals, documents too big for the accessibility pass) get
    the roles of HTML-AAM and the names of accname 1.2 computed here.
    """
    root = _parse(html)
    if root is None:
        return Skeleton(url=base_url, elements=[])
    doc_url = base_url or root.get("data-watcher-url") or None
    link_base = _link_base(root, doc_url)
    _remove_ignored(root, ignore)
    if reads == 1 or _legacy_capture(root):
        scope = 1
    elif reads == READS_ALL or _int(root.get("data-watcher-dom-version"), 0) < READS_AX:
        scope = READS_ALL
    else:
        scope = READS_AX
    walker = _Walker(root, link_base, reveal=scope >= READS_ALL, chromium=scope >= READS_AX)
    body = root.find("body")
    with _deep_enough():
        walker.walk(body if body is not None else root, _Ctx())
        elements = walker.finish()
    return Skeleton(url=doc_url or link_base, elements=elements, reads=scope)


def _parse(html: str) -> Any:
    root = parse_html(html)
    return root if root is not None and root.tag == "html" else None


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


def _link_base(root: Any, doc_url: str | None) -> str | None:
    """Links resolve against <base href> when there is one (itself resolved against the page URL)."""
    base = root.find(".//head/base[@href]")
    if base is None:
        return doc_url
    return normalize_target(base.get("href", ""), doc_url, keep_base_fragment=False) or doc_url


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


class _Ctx(NamedTuple):
    """What an element inherits from its ancestors during the walk (a tuple: copied once per element)."""

    landmarks: tuple[str, ...] = ()
    hidden: bool = False  # hidden whatever the descendants say (hidden, aria-hidden, display:none)
    vis_hidden: bool = False  # visibility:hidden, which a descendant may undo
    marked_hidden: bool = False  # capture's data-watcher-visible="false"
    sectioning: bool = False  # inside article/aside/main/nav/section: header/footer are not landmarks
    nested: bool = False  # inside article/aside/nav/section: an unnamed aside is not a landmark
    group: str = ""
    dialog: str = ""
    fieldset_disabled: bool = False
    in_named: bool = False  # inside an element whose name comes from its content
    revealed_by: tuple[str, str] | None = None  # hidden until this control (role, name) is used
    in_form: bool = False  # inside <form>, role form or role search

    @property
    def invisible(self) -> bool:
        return self.hidden or self.vis_hidden or self.marked_hidden


@dataclass
class _Summary:
    """What a subtree tells its parent: the roles inside it (its shape) and the skeleton elements it holds."""

    profile: tuple[str, ...] = ()
    indexes: list[int] = field(default_factory=list)
    loose_text: bool = False
    media: bool = False


_EMPTY = _Summary()


class _Walker:
    """One pass over the DOM in document order, collecting skeleton elements and repeated blocks."""

    def __init__(self, root: Any, base: str | None, *, reveal: bool = True, chromium: bool = False) -> None:
        self.base = base
        self.chromium = chromium  # read Chromium's roles and names where capture marked them
        # Ids are per tree: a shadow root or an inlined frame has its own (scope None: the document).
        self.scoped = reveal and (any(True for _ in root.iter(FRAME_TAG)) or any(
            _is_shadow_template(t) for t in root.iter("template")))
        self.ids: dict[tuple[Any, str], Any] = {}
        self.labels_for: dict[tuple[Any, str], list[Any]] = {}
        self._id_values: list[str] = []
        self._ids: set[str] | None = None
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            el_id = el.get("id")
            if el_id:
                self.ids.setdefault((self._scope(el), el_id), el)
            self._id_values.extend(v for a in _ID_ATTRIBUTES if (v := el.get(a)))
            if el.tag == "label" and el.get("for"):
                self.labels_for.setdefault((self._scope(el), el.get("for")), []).append(el)
        self.shadow: dict[Any, Any] = {}  # host -> its shadow root's <template>
        self.slotted: dict[Any, list[Any]] = {}  # <slot> -> the host's nodes (elements and strings) shown there
        if self.scoped:
            self._assign_slots(root)
        # Content of closed <details> (all but the first <summary>), hidden until the summary is used.
        self.details_content: dict[Any, Any] = {}
        for details in root.iter("details"):
            if details.get("open") is None:
                summary = next((c for c in details if c.tag == "summary"), None)
                for child in details:
                    if isinstance(child.tag, str) and child is not summary:
                        self.details_content[child] = summary
        self.reveal = reveal
        self.revealers: dict[Any, Any] = self._revealers(root) if reveal else {}
        self.emitted: set[Any] = set()
        self.revealing = False  # names are computed inside revealed content: hidden-by-ancestor marks don't count
        self.found: list[dict[str, Any]] = []
        self.last_heading: dict[tuple[str, ...], str] = {}
        self.repeat_count = 0

    # --- trees: shadow roots, frames, ids ---------------------------------------------------------

    def _scope(self, el: Any) -> Any:
        """The shadow root <template> or <watcher-frame> whose tree holds `el`; None for the document."""
        if not self.scoped:
            return None
        for parent in el.iterancestors():
            if parent.tag == FRAME_TAG or _is_shadow_template(parent):
                return parent
        return None

    def by_id(self, ref_id: str, near: Any) -> Any:
        """The element with id `ref_id` in the same tree as `near` (None when there is none)."""
        return self.ids.get((self._scope(near), ref_id))

    def _assign_slots(self, root: Any) -> None:
        """Slot assignment (DOM Standard "assign slottables"): a host's child with slot="x" is shown at the first
        <slot name="x"> of its shadow tree, other children and text at the first unnamed slot; the rest is not
        rendered. A slot with nothing assigned shows its own content (fallback)."""
        for template in root.iter("template"):
            host = template.getparent()
            if not _is_shadow_template(template) or host is None or host in self.shadow:
                continue
            self.shadow[host] = template
            slots: dict[str, Any] = {}
            stack = list(template)
            while stack:
                node = stack.pop(0)
                if not isinstance(node.tag, str) or _is_shadow_template(node):
                    continue  # a nested shadow tree has its own slots
                if node.tag == "slot":
                    slots.setdefault(node.get("name", "").strip(), node)
                stack[:0] = list(node)
            assigned: dict[Any, list[Any]] = {slot: [] for slot in slots.values()}
            default = slots.get("")
            if default is not None and host.text:
                assigned[default].append(host.text)
            for child in host:
                if child is template or not isinstance(child.tag, str):
                    pass
                else:
                    slot = slots.get(child.get("slot", "").strip()) if child.get("slot") else default
                    if slot is not None:
                        assigned[slot].append(child)
                if child.tail and default is not None:
                    assigned[default].append(child.tail)
            for slot, nodes in assigned.items():
                if nodes:
                    self.slotted[slot] = nodes

    def _nodes(self, el: Any) -> list[Any]:
        """What is rendered inside `el`, in order (elements and strings): the flat tree of shadow DOM."""
        template = self.shadow.get(el)
        if template is not None:
            return self._nodes(template)
        slotted = self.slotted.get(el)
        if slotted is not None:
            return slotted
        nodes: list[Any] = [el.text] if el.text else []
        for child in el:
            if not _is_shadow_template(child):
                nodes.append(child)
            if child.tail:
                nodes.append(child.tail)
        return nodes

    # --- revealable content -----------------------------------------------------------------------

    def _revealers(self, root: Any) -> dict[Any, Any]:
        """Hidden content -> the control that shows it.

        WAI-ARIA: a control with aria-expanded (a disclosure, a menu button), aria-haspopup (a menu button) or
        role=tab shows the elements its aria-controls names; without aria-controls, a menu or disclosure button
        shows the element right after it (APG menu button and disclosure patterns). (A closed <details> is
        handled apart: its <summary> shows its content, not what that content hides by itself.)
        """
        out: dict[Any, Any] = {}
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            popup = (el.get("aria-haspopup") or "false").strip().lower() != "false"
            expands = el.get("aria-expanded") is not None
            if not (popup or expands or (el.get("role") or "").strip().lower() == "tab"):
                continue
            controls = (el.get("aria-controls") or "").split()
            for ref_id in controls:
                target = self.by_id(ref_id, el)
                if target is not None and target is not el:
                    out.setdefault(target, el)
            if not controls and (popup or expands):
                after = el.getnext()
                if after is not None and isinstance(after.tag, str):
                    out.setdefault(after, el)
        return out

    def _shown(self, control: Any) -> bool:
        """Whether a person can see (or reveal) a control: met visible in the walk, or nothing hides it."""
        if control in self.emitted:
            return True
        for node in (control, *control.iterancestors()):
            if node.get("data-watcher-box") is not None:
                return True
            if _hidden_here(node) or node in self.details_content:
                return False
        return True

    def _control_ref(self, control: Any) -> tuple[str, str]:
        role = self._role_of(control, control.tag, _Ctx()) or "button"
        return (role, self._name_of(control, role))

    def finish(self) -> list[Element]:
        return [Element(order=i, **data) for i, data in enumerate(self.found)]

    # --- the walk ---------------------------------------------------------------------------------

    def walk(self, el: Any, ctx: _Ctx) -> _Summary:
        tag = el.tag
        if not isinstance(tag, str) or tag in SKIPPED_TAGS:
            return _EMPTY
        ctx = self._visibility(el, tag, ctx)
        if tag == FRAME_TAG:
            return self._walk_frame(el, ctx) if self.reveal else _EMPTY
        role = self._role_of(el, tag, ctx)
        index = None
        if (tag == "form" or role in ("form", "search")) and not ctx.in_form and not _wraps_page(el):
            ctx = ctx._replace(in_form=True)
        if role in SKELETON_ROLES and not ctx.invisible:
            index = self._emit(el, tag, role, ctx)
            if index is None or (role == "form" and not self.found[index]["name"]):
                role = None  # a region/form/aside without a name is not a landmark (HTML-AAM)
        if role is None and (len(el) == 0 or tag == "svg") and tag != "slot":
            return _leaf(el, tag, ctx)  # most of a page: nothing below can be in the skeleton
        summary = self._walk_children(el, tag, self._child_ctx(el, tag, role, ctx))
        if role in INTERACTIVE_ROLES or role == "heading":
            summary.profile = _merge_profile((role,), summary.profile)
        if index is not None:
            summary.indexes.insert(0, index)
        summary.media = summary.media or tag in MEDIA_TAGS
        return summary

    def _walk_frame(self, el: Any, ctx: _Ctx) -> _Summary:
        """An inlined iframe document: its links resolve against the frame's own base URL.

        A frame that plays a video or a sound is a media player (an embedded video, a podcast): its buttons and
        links are the player's (play, share, the video's title), not the page's interface, and change with the
        media shown; it is left out like the <video> it holds.
        """
        if next(el.iter("video", "audio"), None) is not None:
            return _Summary(media=True)
        outer = self.base
        self.base = el.get("data-watcher-base") or el.get("data-watcher-url") or outer
        try:
            return self._walk_children(el, FRAME_TAG, ctx)
        finally:
            self.base = outer

    def _walk_children(self, el: Any, tag: str, ctx: _Ctx) -> _Summary:
        counts_text = not ctx.in_named and not ctx.invisible
        if self.shadow and (el in self.shadow or el in self.slotted or tag == "slot"):
            return self._walk_flat(el, ctx, counts_text)
        out = _Summary(loose_text=counts_text and _has_text(el.text))
        children: list[tuple[Any, _Summary]] = []
        for child in el:
            if not isinstance(child.tag, str):
                continue
            self._add_child(out, children, child, ctx)
            out.loose_text = out.loose_text or (counts_text and _has_text(child.tail))
        if len(children) >= 3:
            self._mark_repeats(children)
        return out

    def _add_child(self, out: _Summary, children: list[tuple[Any, _Summary]], child: Any, ctx: _Ctx) -> None:
        """Walk one child and fold what it holds into its parent's summary `out` (and `children`)."""
        sub = self.walk(child, ctx)
        if sub.profile:
            children.append((child, sub))
            out.profile = _merge_profile(out.profile, sub.profile)
            out.indexes.extend(sub.indexes)
        out.loose_text = out.loose_text or sub.loose_text
        out.media = out.media or sub.media

    def _walk_flat(self, el: Any, ctx: _Ctx, counts_text: bool) -> _Summary:
        """Children of a shadow host or a slot as rendered: the shadow tree, slotted light nodes in place."""
        out = _Summary()
        children: list[tuple[Any, _Summary]] = []
        for node in self._nodes(el):
            if isinstance(node, str):
                out.loose_text = out.loose_text or (counts_text and _has_text(node))
                continue
            if not isinstance(node.tag, str):
                continue
            self._add_child(out, children, node, ctx)
        if len(children) >= 3:
            self._mark_repeats(children)
        return out

    def _mark_repeats(self, children: list[tuple[Any, _Summary]]) -> None:
        """Siblings of the same shape (≥3) form a repeated block: a menu, a news list, a carousel."""
        shapes: dict[tuple[str, tuple[str, ...]], list[_Summary]] = {}
        for child, sub in children:
            if sub.profile:
                shapes.setdefault((child.tag, sub.profile), []).append(sub)
        for items in shapes.values():
            if len(items) < 3:
                continue
            self.repeat_count += 1
            name = f"r{self.repeat_count}"
            rich = sum(_is_rich(s) for s in items) * 2 > len(items)
            for number, sub in enumerate(items):
                for index in sub.indexes:
                    if not self.found[index]["repeat"]:  # the innermost block wins
                        self.found[index].update(repeat=name, repeat_item=number, repeat_rich=rich)

    def _visibility(self, el: Any, tag: str, ctx: _Ctx) -> _Ctx:
        own = _hard_hidden(el, tag)  # hidden by its own attributes, whatever reveals its container
        in_details = bool(self.details_content) and el in self.details_content
        vis_hidden = ctx.vis_hidden
        own_vis = False
        style = el.get("style")
        if style:
            own = own or bool(_DISPLAY_NONE.search(style))
            vis = _VISIBILITY.search(style)
            if vis:
                vis_hidden = own_vis = vis.group(1).lower() != "visible"
        hidden = ctx.hidden or own or in_details
        marked = ctx.marked_hidden
        mark = el.get("data-watcher-visible")
        if mark == "false":
            # Inside revealed content, only what hides by itself counts (capture's data-watcher-hidden):
            # the rest is hidden because the revealed ancestor is, and is shown with it.
            marked = marked or ctx.revealed_by is None or el.get("data-watcher-hidden") is not None
        elif el.get("data-watcher-box") is not None:
            marked = False  # capture measured it: rendered, whatever an ancestor's mark says
        if (hidden, vis_hidden, marked) == (ctx.hidden, ctx.vis_hidden, ctx.marked_hidden):
            return ctx
        changed = ctx._replace(hidden=hidden, vis_hidden=vis_hidden, marked_hidden=marked)
        if self.reveal and changed.invisible and not ctx.invisible:
            control = self.revealers.get(el)
            if control is None and in_details and not (own or own_vis) \
                    and el.get("data-watcher-hidden") in (None, "details"):
                control = self.details_content[el]  # its <summary>
            if control is not None and self._shown(control):
                return ctx._replace(revealed_by=self._control_ref(control))
        return changed

    def _child_ctx(self, el: Any, tag: str, role: str | None, ctx: _Ctx) -> _Ctx:
        changes: dict[str, Any] = {}
        if role in LANDMARK_ROLES:
            changes["landmarks"] = (*ctx.landmarks, role)
            changes["group"] = self._name_of(el, role) if not ctx.invisible else ""
        elif role in GROUP_ROLES or tag in ("ul", "ol", "menu", "fieldset"):
            label = self._group_label(el, tag)
            if label:
                changes["group"] = label
        if tag in SECTIONING or role in SECTIONING_ROLES:
            changes["sectioning"] = True
            changes["nested"] = ctx.nested or (tag != "main" and role != "main")
        if role in ("dialog", "alertdialog"):
            changes["dialog"] = (self._name_of(el, role) if not ctx.invisible else "") or "dialog"
        if tag == "fieldset" and el.get("disabled") is not None:
            changes["fieldset_disabled"] = True
        if role in NAME_FROM_CONTENT or tag in ("label", "legend", "summary") or role == "heading":
            changes["in_named"] = True
        return ctx._replace(**changes) if changes else ctx

    def _emit(self, el: Any, tag: str, role: str, ctx: _Ctx) -> int | None:
        self.revealing = ctx.revealed_by is not None
        try:
            return self._emit_named(el, tag, role, ctx)
        finally:
            self.revealing = False

    def _emit_named(self, el: Any, tag: str, role: str, ctx: _Ctx) -> int | None:
        name = self._mask_ids(self._name_of(el, role), el)
        if role == "region" and not name:
            return None
        if role == "form" and not name and (tag != "form" or el.get("action") is None):
            return None  # an unnamed form is listed (not as a landmark) only for where it sends
        if role == "link" and not name and not self._followable(el, tag):
            return None
        if role == "complementary" and ctx.nested and not name:
            return None
        if role == "heading":
            self.last_heading[ctx.landmarks] = name
        # Outside a labelled group, the section heading above says where the element belongs.
        context = ctx.group if role == "heading" else ctx.group or self.last_heading.get(ctx.landmarks, "")
        data: dict[str, Any] = {
            "role": role, "name": name, "landmark": " > ".join(ctx.landmarks), "context": context,
            "repeat": "", "repeat_item": -1, "repeat_rich": False, "dialog": ctx.dialog,
            "revealed_by": ctx.revealed_by,
            "in_form": ctx.in_form and role != "form",
            "expands": role in INTERACTIVE_ROLES and el.get("aria-expanded") is not None,
            "name_unseen": False,
            "badge": _badge_text(el) if role in ACTION_ROLES and tag not in _NATIVE_NAMED and len(el) else "",
        }
        data.update(_state(el, tag, role, ctx))
        if name and role in ACTION_ROLES and tag not in _NATIVE_NAMED:
            shown = normalize_space(_shown_text(el))
            data["name_unseen"] = not shown
            data["shown"] = shown if shown and shown != name else ""
        data["target"] = self._target(el, tag, role)
        data["box"] = parse_box(el.get("data-watcher-box"))
        if tag == "select":
            data["options"] = _options(el, self.revealing)
        self.found.append(data)
        if self.reveal:
            self.emitted.add(el)
        return len(self.found) - 1

    def _target(self, el: Any, tag: str, role: str) -> str | None:
        if tag in ("a", "area") and el.get("href") is not None:
            return normalize_target(el.get("href", ""), self.base)
        if tag == "form" and el.get("action") is not None:
            return normalize_target(el.get("action", ""), self.base)
        return None

    def _followable(self, el: Any, tag: str) -> bool:
        """Whether a link without a name is still something a person can see and follow.

        A captured link (capture measured its box) is followable when its box has an area; in raw HTML,
        when it has content: text or an image, icon or control inside (an empty scroll anchor has none).
        """
        box = parse_box(el.get("data-watcher-box"))
        if box is not None:
            return box[2] > 0 and box[3] > 0
        if tag == "area":
            return True
        if "".join(el.itertext()).strip():
            return True
        return any(isinstance(d.tag, str) and d.tag in _CONTENT_TAGS for d in el.iterdescendants())

    def _mask_ids(self, name: str, el: Any) -> str:
        """A name with the generated ids it embeds replaced by "…" (id-like tokens only).

        Masked: a token equal to the element's own id, or an id-like token (letters and digits, or 4+ digits)
        that the page also uses as an identifier (an id, for, name or aria reference, whole or as a
        hyphen-joined part): CMSs label untitled entries « Rubrique r-8c41e2 » from such ids, which are
        regenerated between two loads. Link targets are not identifiers here: a number in an address is
        a destination (« Rapport 2024 » → /rapport-2024.pdf), its change is a target change.
        """
        if not name or not _ID_TOKEN_HINT.search(name):
            return name
        own = el.get("id") or ""
        words = name.split(" ")
        changed = False
        for k, word in enumerate(words):
            token = word.strip(_TOKEN_EDGES)
            if len(token) < 3 or not _ID_TOKEN_HINT.search(token):
                continue
            if token == own or (_ID_LIKE.match(token) and token in self._identifiers()):
                words[k] = word.replace(token, "…")
                changed = True
        return " ".join(words) if changed else name

    def _identifiers(self) -> set[str]:
        """The pieces of every identifier attribute value of the page, split at punctuation, with each
        run of hyphen- or underscore-joined parts ("r-8c41e2" in "r-8c41e2-desc"); built on first need."""
        if self._ids is None:
            self._ids = set()
            for value in self._id_values:
                for piece in _ID_SPLIT.split(value):
                    if not _ID_TOKEN_HINT.search(piece):
                        continue
                    parts = re.split(r"([-_])", piece)[::2]
                    if len(parts) > 6:
                        self._ids.add(piece)
                        continue
                    for i in range(len(parts)):
                        for j in range(i + 1, len(parts) + 1):
                            self._ids.add("-".join(parts[i:j]))
                            self._ids.add("_".join(parts[i:j]))
        return self._ids

    def _group_label(self, el: Any, tag: str) -> str:
        """A list's label: its own name, the heading or menu entry just before it, or its fieldset legend."""
        own = _aria_label(el, self) or (self._legend(el) if tag == "fieldset" else "")
        if own:
            return own
        anchor = el.getprevious()
        if anchor is None and el.getparent() is not None and el.getparent().tag in ("li", "details"):
            anchor = el.getparent()[0] if el.getparent()[0] is not el else None
        if anchor is None or not isinstance(anchor.tag, str):
            return ""
        if anchor.tag in ("a", "button", "summary", "h1", "h2", "h3", "h4", "h5", "h6", "span", "p", "strong"):
            return normalize_space(self._content(anchor, allow_hidden=False, in_labelledby=False))
        return ""

    def _legend(self, fieldset: Any) -> str:
        for child in fieldset:
            if child.tag == "legend":
                return normalize_space(self._content(child, allow_hidden=False, in_labelledby=False))
        return ""

    # --- accessible names (accname 1.2) -----------------------------------------------------------

    def _role_of(self, el: Any, tag: str, ctx: _Ctx) -> str | None:
        """Chromium's role where capture marked it, else the role HTML-AAM gives (`_role`)."""
        if self.chromium:
            marked = el.get("data-watcher-ax-role")
            if marked:
                return str(marked)
        return _role(el, tag, ctx)

    def _name_of(self, el: Any, role: str) -> str:
        """Chromium's name where capture marked it for this role, else the name accname 1.2 gives."""
        if self.chromium and el.get("data-watcher-ax-role") == role:
            marked = el.get("data-watcher-ax-name")
            if marked is not None:
                return normalize_space(marked)
        return normalize_space(self._name(el, el.tag, role))

    def _name(self, el: Any, tag: str, role: str) -> str:
        by_ref = self._labelledby(el)
        if by_ref:
            return by_ref
        label = el.get("aria-label", "").strip()
        if label:
            return str(label)
        native = self._native_name(el, tag)
        if native.strip():
            return native
        if role in NAME_FROM_CONTENT or tag == "summary":
            text = self._content(el, allow_hidden=False, in_labelledby=False)
            if text.strip():
                return text
        return str(el.get("title", ""))

    def _labelledby(self, el: Any, allow_hidden: bool = False) -> str:
        ids = el.get("aria-labelledby", "").split()
        parts = []
        for ref_id in ids:
            ref = self.by_id(ref_id, el)
            if ref is el and el.get("aria-label", "").strip():
                # accname 1.2 2C/2E: a control naming itself is no control embedded in another widget's label:
                # its aria-label counts (« Valeur minimale » + the label of a double range slider).
                parts.append(el.get("aria-label", ""))
            elif ref is not None:
                # accname 2B: a hidden node referenced by aria-labelledby still gives its text.
                parts.append(self._alt(ref, allow_hidden=allow_hidden or _hidden_here(ref, self.revealing),
                                       in_labelledby=True))
        return normalize_space(" ".join(parts))

    def _native_name(self, el: Any, tag: str) -> str:
        if tag == "input":
            return self._input_name(el)
        if tag in ("select", "textarea"):
            return self._label_text(el) or el.get("placeholder", "")
        if tag in ("img", "area"):
            return str(el.get("alt", ""))
        if tag == "fieldset":
            return self._legend(el)
        if tag == "button":
            return self._label_text(el)
        return ""

    def _input_name(self, el: Any) -> str:
        kind = _input_type(el)
        labelled = self._label_text(el)
        if labelled:
            return labelled
        if kind in ("submit", "reset", "button"):
            return el.get("value") or DEFAULT_BUTTONS.get(kind, "")
        if kind == "image":
            return el.get("alt") or el.get("value") or DEFAULT_BUTTONS["submit"]
        return str(el.get("placeholder", ""))

    def _label_text(self, el: Any) -> str:
        """Text of the <label>s of a form control: label[for=id] and a wrapping label."""
        # HTML: label[for] labels the first element of its tree with that id (a repeated id labels it alone)
        el_id = el.get("id")
        labels = list(self.labels_for.get((self._scope(el), el_id), ())) if el_id and self.by_id(el_id, el) is el else []
        wrapping = next((a for a in el.iterancestors("label")), None)
        if wrapping is not None and wrapping not in labels and _labels_this(wrapping, el):
            labels.insert(0, wrapping)
        parts = [self._content(lab, allow_hidden=False, in_labelledby=False, skip=el) for lab in labels
                 if not _hidden_here(lab, self.revealing)]
        return normalize_space(" ".join(parts))

    def _alt(self, el: Any, *, allow_hidden: bool, in_labelledby: bool, skip: Any = None) -> str:
        """The text alternative of a node met while computing another node's name (accname step 2, recursion)."""
        tag = el.tag
        if not isinstance(tag, str) or tag in SKIPPED_TAGS or el is skip:
            return ""
        if not allow_hidden and _hidden_here(el, self.revealing):
            return ""
        if not in_labelledby:
            by_ref = self._labelledby(el, allow_hidden)
            if by_ref:
                return by_ref
        label = el.get("aria-label", "").strip()
        if label and tag not in ("input", "select", "textarea"):
            return str(label)
        if tag in ("img", "area"):
            return str(el.get("alt") or el.get("title", ""))
        if tag == "input":
            return self._embedded_input(el)
        if tag in ("select", "textarea"):
            return ""  # embedded controls would bring a person's input into the name
        if tag == "svg":
            title = el.find("title")
            return normalize_space("".join(title.itertext())) if title is not None else ""
        if tag == "br":
            return " "
        text = self._content(el, allow_hidden=allow_hidden, in_labelledby=in_labelledby, skip=skip)
        return text if text.strip() else el.get("title", "")

    def _embedded_input(self, el: Any) -> str:
        kind = _input_type(el)
        if kind in ("submit", "reset", "button"):
            return el.get("value") or DEFAULT_BUTTONS.get(kind, "")
        if kind == "image":
            return str(el.get("alt", ""))
        return ""

    def _content(self, el: Any, *, allow_hidden: bool, in_labelledby: bool, skip: Any = None) -> str:
        """Name from content: text nodes and the text alternatives of child elements, in order."""
        if self.shadow and (el in self.shadow or el in self.slotted or el.tag == "slot"):
            nodes = self._nodes(el)
        else:
            nodes = [el.text or ""]
            for child in el:
                nodes.append(child)
                nodes.append(child.tail or "")
        parts = []
        for node in nodes:
            if isinstance(node, str):
                parts.append(node)
            elif isinstance(node.tag, str):
                text = self._alt(node, allow_hidden=allow_hidden, in_labelledby=in_labelledby, skip=skip)
                # Block-level children are separate words on screen; inline ones run together.
                parts.append(f" {text} " if node.tag in BLOCK_TAGS else text)
        return "".join(parts)


# Elements whose presence inside a link is content a person sees, even without text.
_CONTENT_TAGS = frozenset({"img", "picture", "svg", "video", "canvas", "object", "embed", "iframe", "input"})
# Attributes holding identifiers (generated ids leak from them into names) and what an id token looks like.
_ID_ATTRIBUTES = ("id", "for", "name", "aria-controls", "aria-labelledby", "aria-describedby", "aria-owns",
                  "aria-activedescendant", "headers", "form", "list")
_ID_TOKEN_HINT = re.compile(r"\d")
_ID_LIKE = re.compile(r"^(?:(?=(?:\D*\d){4})[\d_-]+|(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_-]{3,})$")
_ID_SPLIT = re.compile(r"[^A-Za-z0-9_-]+")
_TOKEN_EDGES = "()[]{}«»\"'.,;:!?#"


_PAGE_PARTS = etree.XPath(
    "boolean(.//main|.//nav|.//header|.//footer|.//*[@role='main' or @role='navigation' or @role='banner' "
    "or @role='contentinfo'])"
)


def _shown_text(el: Any) -> str:
    """The text an element shows on screen: text nodes outside hidden descendants, images and icons, and
    outside visually hidden ones (text for screen readers only: the sr-only / visually-hidden utility classes
    of CSS frameworks, or a box capture measured at 1 px or less)."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in SKIPPED_TAGS and child.tag != "svg" \
                and not _hidden_here(child) and not _visually_hidden(child):
            text = _shown_text(child)
            parts.append(f" {text} " if child.tag in BLOCK_TAGS else text)
        parts.append(child.tail or "")
    return "".join(parts)


_SR_ONLY = re.compile(r"(?:^|\s)(?:[\w-]*sr-only[\w-]*|visually-?hidden|screen-reader-text|hidden-visually|"
                      r"element-invisible|u-visually-hidden)(?:\s|$)", re.I)


# Elements whose name is no content of theirs (a value, an alt, a label elsewhere).
_NATIVE_NAMED = frozenset({"input", "select", "textarea", "img", "area"})
_BADGE = re.compile(r"(?:^|[\s_-])(?:badge|pill|chip|counter|count|tag)(?:$|[\s_-])", re.I)


def _badge_text(el: Any) -> str:
    """Text of the descendants styled as badges (class badge, tag, pill, chip, counter), "" when none."""
    parts = [normalize_space("".join(d.itertext())) for d in el.iterdescendants()
             if isinstance(d.tag, str) and _BADGE.search(d.get("class", "")) and not _hidden_here(d)]
    return " ".join(p for p in parts if p)


def _visually_hidden(el: Any) -> bool:
    box = parse_box(el.get("data-watcher-box"))
    if box is not None:
        return box[2] <= 1 or box[3] <= 1
    return bool(_SR_ONLY.search(el.get("class", "")))


def _wraps_page(form: Any) -> bool:
    """Whether a form holds a page's landmarks (the whole-page <form> of ASP.NET): not a form a person fills."""
    return bool(_PAGE_PARTS(form))


def _leaf(el: Any, tag: str, ctx: _Ctx) -> _Summary:
    text = not ctx.in_named and not ctx.invisible and _has_text(el.text)
    media = tag in MEDIA_TAGS
    return _Summary(loose_text=text, media=media) if text or media else _EMPTY


def _has_text(text: str | None) -> bool:
    return bool(text and text.strip())


def _merge_profile(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """Distinct roles in order of first appearance: cards with 1 or 2 tag links keep the same shape."""
    if not b:
        return a
    merged = list(a)
    for role in b:
        if role not in merged and len(merged) < MAX_PROFILE:
            merged.append(role)
    return tuple(merged)


def _is_rich(sub: _Summary) -> bool:
    return len(sub.indexes) > 1 or sub.loose_text or sub.media or "heading" in sub.profile


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


def _labels_this(label: Any, control: Any) -> bool:
    """A label without for= labels its first labelable descendant; with for=, only that id."""
    target = label.get("for")
    if target:
        return bool(control.get("id") == target)
    first = next((d for d in label.iterdescendants(*LABELABLE) if _input_type(d) != "hidden"), None)
    return first is control


def _input_type(el: Any) -> str:
    if el.tag != "input":
        return str(el.tag)
    kind = el.get("type", "text").strip().lower()
    return kind if kind in KNOWN_INPUTS else "text"


def _aria_label(el: Any, walker: _Walker) -> str:
    return walker._labelledby(el) or normalize_space(el.get("aria-label", ""))


def _focusable(el: Any, tag: str) -> bool:
    if el.get("tabindex") is not None:
        return True
    if tag in ("a", "area"):
        return el.get("href") is not None
    return tag in ("button", "input", "select", "textarea", "summary")


def _role(el: Any, tag: str, ctx: _Ctx) -> str | None:
    """The ARIA role a browser computes: the first valid token of role=, else the HTML-AAM mapping."""
    explicit = el.get("role")
    if explicit:
        for token in explicit.lower().split():
            if token not in VALID_ROLES:
                continue
            if token in ("none", "presentation"):
                # Presentational role conflict resolution: focusable or labelled elements keep their role.
                if _focusable(el, tag) or el.get("aria-label") or el.get("aria-labelledby"):
                    break
                return None
            return "img" if token == "image" else token
    return _implicit_role(el, tag, ctx)


def _implicit_role(el: Any, tag: str, ctx: _Ctx) -> str | None:
    if tag == "input":
        return _input_role(el)
    simple = _SIMPLE_ROLES.get(tag)
    if simple:
        return simple
    if tag in ("a", "area"):
        return "link" if el.get("href") is not None else None
    if tag == "select":
        multiple = el.get("multiple") is not None
        return "listbox" if multiple or _int(el.get("size"), 0) > 1 else "combobox"
    if tag in ("header", "footer"):
        if ctx.sectioning:
            return None
        return "banner" if tag == "header" else "contentinfo"
    if tag == "summary":
        parent = el.getparent()
        return "button" if parent is not None and parent.tag == "details" else None
    return None


_SIMPLE_ROLES = {
    "button": "button", "textarea": "textbox", "nav": "navigation", "main": "main", "aside": "complementary",
    "section": "region", "form": "form", "search": "search", "h1": "heading", "h2": "heading",
    "h3": "heading", "h4": "heading", "h5": "heading", "h6": "heading", "ul": "list", "ol": "list",
    "menu": "list", "fieldset": "group", "dialog": "dialog", "article": "article", "img": "img",
}


def _input_role(el: Any) -> str | None:
    kind = _input_type(el)
    has_list = el.get("list") is not None
    if kind in TEXT_INPUTS or kind in DATE_INPUTS:
        return "combobox" if has_list and kind in TEXT_INPUTS else "textbox"
    if kind == "search":
        return "combobox" if has_list else "searchbox"
    if kind == "checkbox":
        return "switch" if el.get("switch") is not None else "checkbox"
    return _INPUT_ROLES.get(kind)


# Chromium exposes file and colour pickers as buttons; type=hidden has no role at all.
_INPUT_ROLES = {
    "number": "spinbutton", "range": "slider", "radio": "radio", "button": "button", "submit": "button",
    "reset": "button", "image": "button", "file": "button", "color": "button",
}


def _state(el: Any, tag: str, role: str, ctx: _Ctx) -> dict[str, Any]:
    """Level, control type, required/disabled/checked: the state a person sees on a control."""
    attrib = el.attrib
    state: dict[str, Any] = {
        "level": _level(el, tag) if role == "heading" else None,
        "control": _input_type(el) if tag in ("input", "select", "textarea") else None,
        "required": (tag in ("input", "select", "textarea") and "required" in attrib)
        or attrib.get("aria-required", "").lower() == "true",
        "disabled": attrib.get("aria-disabled", "").lower() == "true"
        or (tag in ("button", "input", "select", "textarea") and ("disabled" in attrib or ctx.fieldset_disabled)),
        "checked": None,
    }
    if role in ("checkbox", "radio", "switch", "menuitemcheckbox", "menuitemradio"):
        if "data-watcher-checked" in attrib:
            state["checked"] = attrib["data-watcher-checked"] == "true"
        elif "aria-checked" in attrib:
            state["checked"] = attrib["aria-checked"].lower() == "true"
        else:
            state["checked"] = "checked" in attrib
    return state


def _level(el: Any, tag: str) -> int:
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and el.get("aria-level") is None:
        return int(tag[1])
    return _int(el.get("aria-level"), 2)


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


def _options(select: Any, revealing: bool = False) -> tuple[str, ...]:
    out = []
    for option in select.iter("option"):
        # A disabled option (a « Sélectionner » placeholder, a choice no longer offered) cannot be chosen.
        if _hidden_here(option, revealing) or option.get("disabled") is not None:
            continue
        group = option.getparent()
        if group is not None and group.tag == "optgroup" and group.get("disabled") is not None:
            continue
        text = normalize_space(option.get("label") or "".join(option.itertext()))
        if text:
            out.append(text)
    return tuple(out)


# --- a readable listing for coordinators -----------------------------------------------------------


def render_skeleton_text(sk: Skeleton, lang: str = "fr") -> str:
    """The skeleton as an indented listing: `[menu] lien « Mon Compte » → /mon-compte`."""
    return "\n".join(_render_lines(sk, lang))


def _render_lines(sk: Skeleton, lang: str) -> Iterator[str]:
    for el in sk.elements:
        depth = el.landmark.count(" > ") + 1 if el.landmark else 0
        indent = "  " * depth
        if el.role in LANDMARK_ROLES:
            label = phrases.landmark_label(el.role, lang)
            yield f"{indent}[{label}{' « ' + el.name + ' »' if el.name else ''}]"
            continue
        line = f"{indent}{phrases.role_label(el.role, lang)} {phrases.quoted(el.name, lang)}"
        details = phrases.element_details(el, lang)
        if details:
            line += f" ({details})"
        if el.target:
            line += f" → {short_target(el.target, sk.url)}"
        yield line


# --- link targets ----------------------------------------------------------------------------------

# Campaign and click trackers: they differ between two loads of the same page and lead to the same place.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "twclid", "ttclid",
     "li_fat_id", "xtor", "xtref", "xts", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "mc_cid", "mc_eid",
     "ref_src", "spm", "scid"}
)
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "matomo_", "at_", "hsa_", "_ga_")
# Session ids and cache busters: per-visit values, never a different destination.
SESSION_PARAMS = frozenset(
    {"jsessionid", "phpsessid", "sid", "sessionid", "session_id", "aspsessionid", "cfid", "cftoken", "_",
     "nocache", "cachebuster", "cb", "csrf", "csrf_token", "_csrf", "csrftoken", "authenticity_token", "nonce",
     "_token"}
)
_TOKEN_VALUE = re.compile(
    r"^(?:[0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|(?=[A-Za-z0-9_+/=.]*\d)(?=[A-Za-z0-9_+/=.]*[a-z])(?=[A-Za-z0-9_+/=.]*[A-Z])[A-Za-z0-9_+/=.]{24,})$",
    re.I,
)
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.I)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


@functools.lru_cache(maxsize=8192)
def normalize_target(href: str, base: str | None, *, keep_base_fragment: bool = True) -> str:
    """Where a link leads, comparable across two loads: resolved, trackers and session ids dropped."""
    href = re.sub(r"[\t\n\r]", "", href).strip()  # browsers strip these from URLs
    if href.startswith("#"):
        return href
    scheme = href.split(":", 1)[0].lower() if ":" in href else ""
    if scheme in ("javascript", "data"):
        return f"{scheme}:"  # the code or data itself is not a destination
    if scheme in ("mailto", "tel", "sms"):
        return scheme + ":" + href.split(":", 1)[1].replace(" ", "")
    url = urljoin(base, href) if base else href
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    port = _DEFAULT_PORTS.get(parts.scheme.lower())
    if port and netloc.endswith(":" + port):
        netloc = netloc[: -len(port) - 1]
    path = _PATH_SESSION.sub("", parts.path) or ("/" if netloc else "")
    fragment = parts.fragment if keep_base_fragment else ""
    return urlunsplit((parts.scheme.lower(), netloc, path, _clean_query(parts.query), fragment))


@functools.lru_cache(maxsize=8192)
def target_key(target: str | None) -> str | None:
    """A normalised target as compared: equal keys lead to the same place for a person.

    On top of ``normalize_target``: a ``tel:``/``sms:`` number keeps only its digits, with the
    international prefix ``00`` written ``+`` (RFC 3966 visual separators are not part of the number);
    a ``mailto:`` address is compared case-insensitively; ``http`` and ``https`` on the same host are
    the same page (sites redirect one to the other); a trailing slash on a path is not another page;
    default ports are dropped. None stays None.
    """
    if target is None:
        return None
    if target.startswith("#"):
        return target
    scheme, sep, rest = target.partition(":")
    low = scheme.lower() if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) else ""
    if low in ("tel", "sms"):
        number = rest.split(";", 1)[0].split("?", 1)[0]
        digits = re.sub(r"[^0-9+]", "", unquote(number))
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        # A national number (trunk prefix 0) and its international form (+33 …) end with the same
        # subscriber digits: the last nine identify a number (short numbers such as 3939 stay whole).
        plain = digits.lstrip("+")
        return f"tel:{plain[-9:]}" if len(plain) >= 9 else f"tel:{digits}"
    if low == "mailto":
        address, q, query = rest.partition("?")
        return "mailto:" + unquote(address).strip().casefold() + q + query
    if low not in ("http", "https", ""):
        return target
    parts = urlsplit(target)
    netloc = parts.netloc.lower()
    port = _DEFAULT_PORTS.get(low)
    if port and netloc.endswith(":" + port):
        netloc = netloc[: -len(port) - 1]
    path = parts.path.rstrip("/") or ("/" if netloc or parts.path else "")
    return urlunsplit(("https" if low else "", netloc, path, parts.query, parts.fragment))


_PLACEHOLDER = re.compile(r"[\[\]{}<>\s]|%5B|%7B", re.I)


def is_destination(target: str | None) -> bool:
    """Whether a target leads somewhere else than the current page: not empty, not a bare fragment, not
    ``javascript:``/``data:``, and not an unfilled template placeholder (« [url - à modifier] »,
    ``{{ url }}``: brackets, braces or spaces are not part of a real address)."""
    if not target or target.startswith("#") or target in ("javascript:", "data:"):
        return False
    scheme = target.split(":", 1)[0].lower()
    if scheme in ("mailto", "tel", "sms"):
        return True
    return not _PLACEHOLDER.search(target.split("?", 1)[0])


def target_host(target: str | None) -> str | None:
    """The host a target leads to (lowercase, without "www."), None for relative, mail or phone targets."""
    if not target:
        return None
    host = urlsplit(target).hostname
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _clean_query(query: str) -> str:
    kept = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        low = key.lower()
        if low in TRACKING_PARAMS or low in SESSION_PARAMS or low.startswith(TRACKING_PREFIXES):
            continue
        kept.append((key, "*" if _TOKEN_VALUE.match(value) else value))
    return urlencode(sorted(kept))


def short_target(target: str, page_url: str | None) -> str:
    """A target as a coordinator reads it: a path when it stays on the page's site."""
    if not page_url or target.startswith("#"):
        return target
    page, dest = urlsplit(page_url), urlsplit(target)
    if (dest.scheme, dest.netloc) != (page.scheme, page.netloc.lower()):
        return target
    return urlunsplit(("", "", dest.path or "/", dest.query, dest.fragment))
