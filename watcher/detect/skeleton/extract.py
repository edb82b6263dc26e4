"""Extraction: one walk over the page in document order that keeps what a person clicks, fills in or finds
their way by, in its place (landmarks, labelled groups, dialogs, the section heading above), with what is
hidden until a control reveals it, and the repeated blocks (menus, news lists, carousels) it belongs to."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from watcher.detect.skeleton.dom import (
    _DISPLAY_NONE,
    _VISIBILITY,
    BLOCK_TAGS,
    FRAME_TAG,
    SKIPPED_TAGS,
    _deep_enough,
    _hard_hidden,
    _hidden_here,
    _int,
    _legacy_capture,
    _remove_ignored,
    normalize_space,
    parse_box,
    parse_html,
)
from watcher.detect.skeleton.model import (
    ACTION_ROLES,
    INTERACTIVE_ROLES,
    LANDMARK_ROLES,
    READS_ALL,
    READS_AX,
    SKELETON_ROLES,
    Element,
    Skeleton,
)
from watcher.detect.skeleton.names import _aria_label, _Names
from watcher.detect.skeleton.roles import (
    GROUP_ROLES,
    NAME_FROM_CONTENT,
    SECTIONING,
    SECTIONING_ROLES,
    _Ctx,
    _options,
    _state,
)
from watcher.detect.skeleton.targets import normalize_target

__all__ = ["MAX_PROFILE", "MEDIA_TAGS", "extract_skeleton"]

MEDIA_TAGS = frozenset({"img", "picture", "svg", "video", "time", "figure"})


MAX_PROFILE = 8


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


def _link_base(root: Any, doc_url: str | None) -> str | None:
    """Links resolve against <base href> when there is one (itself resolved against the page URL)."""
    base = root.find(".//head/base[@href]")
    if base is None:
        return doc_url
    return normalize_target(base.get("href", ""), doc_url, keep_base_fragment=False) or doc_url


@dataclass
class _Summary:
    """What a subtree tells its parent: the roles inside it (its shape) and the skeleton elements it holds."""

    profile: tuple[str, ...] = ()
    indexes: list[int] = field(default_factory=list)
    loose_text: bool = False
    media: bool = False


_EMPTY = _Summary()


class _Walker(_Names):
    """One pass over the DOM in document order, collecting skeleton elements and repeated blocks."""

    def __init__(self, root: Any, base: str | None, *, reveal: bool = True, chromium: bool = False) -> None:
        super().__init__(root, reveal=reveal, chromium=chromium)
        self.base = base
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
        self.found: list[dict[str, Any]] = []
        self.last_heading: dict[tuple[str, ...], str] = {}
        self.repeat_count = 0

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

    # --- places: landmarks, groups, dialogs -----------------------------------------------------

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

    # --- one element ------------------------------------------------------------------------------

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


# Elements whose presence inside a link is content a person sees, even without text.
_CONTENT_TAGS = frozenset({"img", "picture", "svg", "video", "canvas", "object", "embed", "iframe", "input"})


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
