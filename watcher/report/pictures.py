"""Before/after pictures for alerts: the changed part of the page, both versions, changes outlined.

Every picture is at most 1600 px wide and 1 MB, so it goes through e-mail, Tchap or SMS gateways and stays
readable on a phone: a tall page is cropped around the changes rather than shrunk into illegibility.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from lxml import etree
from lxml import html as lxml_html
from PIL import Image, ImageDraw, ImageFont

from watcher.detect.skeleton import FIELD_ROLES, Skeleton, parse_box
from watcher.detect.visual import Box, Region, ScreenshotRows, VisualDiff
from watcher.errors import InputError
from watcher.i18n.texts import t

if TYPE_CHECKING:
    from watcher.capture.procedures import ProcedureRun

__all__ = [
    "MAX_BYTES",
    "MAX_WIDTH",
    "NARROW_WIDTH",
    "Layout",
    "PageImage",
    "composite",
    "crop_pair",
    "draw_text",
    "layout_of_dom",
    "layout_of_skeleton",
    "open_rgb",
    "step_crop",
    "target_picture",
]

MAX_WIDTH = 1600
MAX_BYTES = 1_000_000
NARROW_PAGE = 800  # a mobile viewport: the two versions are stacked instead of side by side
MAX_WINDOW_HEIGHT = 1400  # AFTER rows shown at most; taller pages are cropped around the changes
MARGIN = 120  # context kept around the changes
NARROW_WIDTH = 360  # page px per half of a phone / print picture: shown unscaled on a 390 px screen or on A4
SNAP_LIMIT = 160  # page px a crop's edge may move to take in a whole element instead of cutting it
OUTLINE_GAP = 6  # page px between an element and its outline
GAP = 16
MIN_SCALE = 0.6  # side by side below this zoom, desktop text gets too small for a phone
LABEL_SIZE = 28
NARROW_LABEL_SIZE = 18  # bands and notes of the phone / print pictures (shown unscaled: 18 px, 13.5 pt)
LEGEND_SIZE = 22
INK = (20, 20, 20)
PAPER = (255, 255, 255)
HEADER = (0, 0, 110)


@dataclass(frozen=True)
class Style:
    """How one kind of change is outlined: colour plus width and dash, so it is not told by colour alone."""

    colour: tuple[int, int, int]
    width: int
    dash: tuple[int, int] | None  # (drawn, skipped) pixels; None for a solid line
    legend: str  # catalog key of the legend's words (the pictures are in French: captures run a French browser)
    tag: str = ""  # catalog key of the one word written beside each outline (« ajouté »)


STYLES = {
    "inserted": Style((0, 140, 60), 6, None, "picture.inserted", "picture.tag.inserted"),
    "removed": Style((210, 0, 0), 4, (18, 8), "picture.removed", "picture.tag.removed"),
    "changed": Style((245, 130, 0), 4, (5, 5), "picture.changed", "picture.tag.changed"),
}


# ------------------------------------------------------------------------------------------------ public API


def composite(
    before_png: ImageSource,
    after_png: ImageSource,
    diff: VisualDiff,
    *,
    before_label: str = "Avant",
    after_label: str = "Après",
    before_date: str | None = None,
    after_date: str | None = None,
    focus: Box | None = None,
    before_layout: Layout | None = None,
    after_layout: Layout | None = None,
) -> bytes:
    """Both versions of the page (side by side, or stacked for a mobile page), changes outlined, as PNG bytes.

    The « Avant / Après » band sits above each screenshot, never on it. With the pages' layouts
    (`layout_of_dom`), the shown part starts and ends between elements (one still cut is veiled), and each
    change is outlined around the elements it holds, the outline kept off neighbouring words."""
    before, after = _open(before_png), _open(after_png)
    lb, la = before_layout or Layout(), after_layout or Layout()
    window, hidden = _after_window(after, diff, focus)
    before_window = _before_window(before, diff, window)
    window, before_window = _snap(window, la, after.size), _snap(before_window, lb, before.size)
    halves = [before.crop(_corners(before_window)), after.crop(_corners(window))]
    stacked = _should_stack(after.width, halves)
    scale = _scale(halves, stacked)
    halves = [_resize(half, scale) for half in halves]
    _veil(halves[0], before_window, lb, scale, before)
    _veil(halves[1], window, la, scale, after)
    _outline_before(halves[0], diff, before_window, scale, lb)
    _outline_after(halves[1], diff, window, scale, la)
    titles = [_title(before_label, before_date), _title(after_label, after_date)]
    labelled = [_with_header(half, title) for half, title in zip(halves, titles, strict=True)]
    picture = _arrange(labelled, stacked)
    return _encode(_with_legend(picture, _present_kinds(diff), hidden))


def crop_pair(
    before_png: ImageSource,
    after_png: ImageSource,
    before_box: Box | None,
    after_box: Box | None,
    *,
    before_label: str = "Avant",
    after_label: str = "Après",
    margin: int = MARGIN,
    before_layout: Layout | None = None,
    after_layout: Layout | None = None,
    narrow: bool = False,
    after_marks: Sequence[Box] = (),
    after_note: str | None = None,
) -> bytes:
    """One element's neighbourhood before and after, the element outlined (with its label, for a field); a
    missing box shows the same place of the other version, marked « élément absent » (or `after_note`).

    Edges stop between elements (`_snap`; one still cut is veiled). `narrow`: the phone / print version,
    each half at most NARROW_WIDTH page px wide, stacked, so it is shown unscaled (text at the page's own CSS
    size: ≥ 12 px on a 390 px screen, 0.75 pt per px on paper). `after_marks`: more boxes of AFTER to outline
    (the field a procedure stopped on). Raises InputError when no box at all is given."""
    before, after = _open(before_png), _open(after_png)
    layouts = (before_layout or Layout(), after_layout or Layout())
    boxes = (layouts[0].with_label(before_box) if before_box else None,
             layouts[1].with_label(after_box) if after_box else None)
    marks = [layouts[1].with_label(m) for m in after_marks]
    shown_after = [b for b in (boxes[1], *marks) if b]
    place_b = boxes[0] or boxes[1] or (marks[0] if marks else None)
    place_a = _union(shown_after) if shown_after else boxes[0]
    if place_b is None or place_a is None:
        raise InputError("crop_pair needs the element's box in at least one of the two versions")
    halves, titles = [], []
    sides: tuple[tuple[Page, Box | None, list[Box], Box, str, Layout, str | None], ...] = ((before, boxes[0], [], place_b, before_label, layouts[0], None),
             (after, boxes[1], marks, place_a, after_label, layouts[1], after_note))
    for image, box, extra, place, label, layout, note in sides:
        wanted = _narrow_window(place, margin) if narrow else _grow(place, margin)
        window = _snap(_clip(wanted, image.size), layout, image.size, keep=_clip(place, image.size),
                       sideways=not narrow)
        half = image.crop(_corners(window))
        _veil(half, window, layout, 1.0, image, keep=[b for b in (before_box, after_box, *after_marks) if b])
        others = [_shift(o, window) for o in layout.boxes]
        draw = ImageDraw.Draw(half)
        for outlined in [b for b in (box, *extra) if b]:
            _draw_box(draw, _shift(outlined, window), STYLES["changed"], others)
        halves.append(half)
        if box is None and not extra:
            titles.append(f"{label} : {note or t('picture.absent')}")
        else:
            titles.append(f"{label} : {note}" if note else label)
    stacked = narrow or sum(h.width for h in halves) + GAP > MAX_WIDTH
    scale = _scale(halves, stacked)
    if narrow:
        scale = min(scale, NARROW_WIDTH / max(h.width for h in halves))
    size = NARROW_LABEL_SIZE if narrow else LABEL_SIZE
    labelled = [_with_header(_resize(h, scale), title, size) for h, title in zip(halves, titles, strict=True)]
    return _encode(_arrange(labelled, stacked))


def target_picture(
    after_png: ImageSource,
    box: Box,
    old_target: str,
    new_target: str,
    *,
    layout: Layout | None = None,
    narrow: bool = False,
    name: str = "",
) -> bytes:
    """A link whose destination changed but whose name did not: its place on the page today, outlined, and its
    old and new destinations written out under it (two pictures would look the same)."""
    after = _open(after_png)
    layout = layout or Layout()
    wanted = _narrow_window(box, MARGIN) if narrow else _grow(box, MARGIN)
    window = _snap(_clip(wanted, after.size), layout, after.size, keep=_clip(box, after.size), sideways=not narrow)
    half = after.crop(_corners(window))
    _veil(half, window, layout, 1.0, after, keep=[box])
    _draw_box(ImageDraw.Draw(half), _shift(box, window), STYLES["changed"],
              [_shift(o, window) for o in layout.boxes])
    if narrow and half.width > NARROW_WIDTH:
        half = _resize(half, NARROW_WIDTH / half.width)
    size = NARROW_LABEL_SIZE if narrow else LABEL_SIZE
    picture = _with_header(half, t("picture.link_place", name=name), size)
    lines = [(t("picture.target_before"), old_target), (t("picture.target_after"), new_target)]
    return _encode(_with_text(picture, lines, NARROW_LABEL_SIZE if narrow else LEGEND_SIZE))


def step_crop(run: ProcedureRun, *, narrow: bool = False) -> bytes | None:
    """The spot where a procedure broke, before (last run that worked) and now: the element it used, outlined;
    now, the nearest candidate (what to click instead), the element found but unusable, or the field the page
    stopped on, outlined. None when the run did not break or nothing is known of where."""
    failed = run.failed
    if run.status != "broken" or failed is None or not run.shots or not run.shots[-1].png:
        return None
    reference = run.reference
    before_box = reference.found.box if reference and reference.found else None
    now = run.shots[-1].skeleton
    after_box = run.candidate.box if run.candidate else (failed.found.box if failed.found else None)
    stopped = [e.box for e in now.elements if e.box and e.role in FIELD_ROLES and e.name in run.blocked_by]
    if run.reference_png is None or not (before_box or after_box or stopped):
        return None
    note = t("picture.stopped") if stopped and not after_box else t("picture.click_now") if run.candidate else None
    return crop_pair(run.reference_png, run.shots[-1].png, before_box, after_box,
                     before_layout=layout_of_skeleton(run.reference_page), after_layout=layout_of_skeleton(now),
                     narrow=narrow, after_marks=stopped if not after_box else (), after_note=note)


# --------------------------------------------------------------------------------------------------- windows


def _after_window(after: Page, diff: VisualDiff, focus: Box | None) -> tuple[Box, int]:
    """The part of AFTER to show, and how many changes fall outside it."""
    boxes = [_after_box(region, diff) for region in diff.regions]
    if focus is not None:
        wanted = focus
    elif not boxes:
        wanted = (0, 0, after.width, min(after.height, MAX_WINDOW_HEIGHT))
    else:
        wanted = _union(boxes)
        if wanted[3] + 2 * MARGIN > MAX_WINDOW_HEIGHT:
            # Too tall to stay legible: show the biggest change with what fits around it.
            wanted = max(boxes, key=lambda box: box[2] * box[3])
    window = _clip(_grow(_full_width_if_close(wanted, after.width), MARGIN), after.size)
    window = (window[0], window[1], window[2], min(window[3], MAX_WINDOW_HEIGHT))
    hidden = sum(1 for box in boxes if not _overlaps(box, window))
    return window, hidden


def _full_width_if_close(box: Box, page_width: int) -> Box:
    # People find a button by the page around it (logo, menu): show the whole width whenever both halves still
    # fit side by side at a legible zoom; only wider pages are cropped sideways around the change.
    fits = 2 * page_width * MIN_SCALE <= MAX_WIDTH
    if page_width <= NARROW_PAGE or fits or box[2] > page_width // 2:
        return (0, box[1], page_width, box[3])
    return box


def _after_box(region: Region, diff: VisualDiff) -> Box:
    if region.kind != "removed":
        return region.box
    top = diff.row_map.after_row(region.y)
    return (region.x, top, region.width, 1)


def _before_window(before: Page, diff: VisualDiff, window: Box) -> Box:
    """The same part of BEFORE: starts at the row facing the window's top, as tall as the window."""
    x, y, width, height = window
    top = diff.row_map.before_row(y)
    return _clip((x, top, width, height), before.size)


def _grow(box: Box, margin: int) -> Box:
    x, y, width, height = box
    return (x - margin, y - margin, width + 2 * margin, height + 2 * margin)


def _clip(box: Box, size: tuple[int, int]) -> Box:
    x, y, width, height = box
    x0, y0 = max(0, min(x, size[0] - 1)), max(0, min(y, size[1] - 1))
    x1, y1 = max(x0 + 1, min(x + width, size[0])), max(y0 + 1, min(y + height, size[1]))
    return (x0, y0, x1 - x0, y1 - y0)


def _union(boxes: Sequence[Box]) -> Box:
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _corners(box: Box) -> tuple[int, int, int, int]:
    return (box[0], box[1], box[0] + box[2], box[1] + box[3])


def _shift(box: Box, window: Box, scale: float = 1.0) -> Box:
    return (
        round((box[0] - window[0]) * scale),
        round((box[1] - window[1]) * scale),
        max(round(box[2] * scale), 1),
        max(round(box[3] * scale), 1),
    )


def _narrow_window(box: Box, margin: int) -> Box:
    """At most NARROW_WIDTH wide around `box`, with `margin` above and below. A wider box (a heading, a label
    and its field: blocks as wide as the page's column, their words at the left) is shown from its left edge:
    the picture stays unscaled, so its text keeps the page's size."""
    x, y, w, h = box
    if w + 16 > NARROW_WIDTH:
        return (x - 8, y - margin, NARROW_WIDTH, h + 2 * margin)
    width = min(NARROW_WIDTH, w + 2 * margin)
    return (x + w // 2 - width // 2, y - margin, width, h + 2 * margin)


def _fit(box: Box, layout: Layout) -> Box:
    """A changed region narrowed to the elements it holds (with their labels): a band the width of the page
    becomes the field and label that were inserted, so the outline runs around them, not across text."""
    inside = [b for b in layout.boxes if _contains(box, _centre(b))]
    if not inside:
        return box
    inside += [label for field_box, label in layout.labels if field_box in inside]
    return _union(inside)


def _centre(box: Box) -> tuple[int, int]:
    return (box[0] + box[2] // 2, box[1] + box[3] // 2)


def _contains(box: Box, point: tuple[int, int]) -> bool:
    return box[0] <= point[0] < box[0] + box[2] and box[1] <= point[1] < box[1] + box[3]


# ---------------------------------------------------------------------------------------------------- layout

CONTROL_TAGS = frozenset({"input", "select", "textarea", "button", "img", "svg", "video", "canvas", "iframe"})
FIELD_TAGS = frozenset({"input", "select", "textarea"})
CONTAINER_ROLES = frozenset({"banner", "main", "navigation", "contentinfo", "complementary", "region", "form",
                             "search", "dialog", "alertdialog", "list", "group", "document", "application"})
LABEL_LINE = 32  # page px: a field's label line, where only the skeleton is known (no label box stored)


@dataclass(frozen=True)
class Layout:
    """Where a page's words and controls are (CSS px of the full page), so pictures never cut through them:
    `boxes` the elements holding text of their own or being a control, `labels` a field's box -> its label's
    box (`<label for>` or a wrapping `<label>`, HTML-AAM's label association)."""

    boxes: tuple[Box, ...] = ()
    labels: tuple[tuple[Box, Box], ...] = ()

    def with_label(self, box: Box) -> Box:
        """The box grown to take in its label, when it is a field with one."""
        found = [label for field_box, label in self.labels if field_box == box]
        return _union([box, *found]) if found else box


def layout_of_dom(html: str | bytes | None) -> Layout:
    """The Layout of an annotated capture (dom.html, whose elements carry `data-watcher-box`); empty when the
    HTML is missing or unreadable."""
    if not html:
        return Layout()
    try:
        root = lxml_html.fromstring(html)
    except (ValueError, TypeError, etree.ParserError):
        return Layout()
    boxes: list[Box] = []
    by_id: dict[str, Box] = {}
    labels: list[tuple[Box, Box]] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.get("data-watcher-visible") == "false":
            continue
        box = parse_box(element.get("data-watcher-box"))
        if box is None or box[2] <= 0 or box[3] <= 0:
            continue
        tag = element.tag.lower()
        own_text = bool((element.text or "").strip()) or any((child.tail or "").strip() for child in element)
        if (own_text and tag not in ("html", "body")) or tag in CONTROL_TAGS:
            boxes.append(box)
        if element.get("id"):
            by_id[str(element.get("id"))] = box
        if tag in FIELD_TAGS:
            wrapping = next((a for a in element.iterancestors() if a.tag == "label"), None)
            label_box = parse_box(wrapping.get("data-watcher-box")) if wrapping is not None else None
            if label_box:
                labels.append((box, label_box))
    for label in root.iter("label"):
        target = by_id.get(str(label.get("for") or ""))
        label_box = parse_box(label.get("data-watcher-box"))
        if target and label_box:
            labels.append((target, label_box))
    return Layout(tuple(boxes), tuple(labels))


def layout_of_skeleton(skeleton: Skeleton | None) -> Layout:
    """The Layout a skeleton gives (step captures keep no DOM): its elements' boxes, landmarks left out; a
    field's label is taken as the line just above it when no other element is there (labels sit above fields)."""
    if skeleton is None:
        return Layout()
    boxes = tuple(e.box for e in skeleton.elements if e.box and e.role not in CONTAINER_ROLES and e.box[3] > 0)
    labels = []
    for element in skeleton.elements:
        if element.role in FIELD_ROLES and element.box:
            x, y, w, h = element.box
            above = (x, max(0, y - LABEL_LINE), w, min(LABEL_LINE, y))
            if above[3] > 0 and not any(_overlaps(above, b) for b in boxes if b != element.box):
                labels.append((element.box, above))
    return Layout(boxes, tuple(labels))


def _snap(window: Box, layout: Layout, size: tuple[int, int], keep: Box | None = None,
          sideways: bool = True) -> Box:
    """The window moved to element boundaries: an edge crossing an element moves out to take the whole element
    in when that is within SNAP_LIMIT; a top or bottom edge that cannot moves in to leave it out, when `keep`
    stays whole; what is still cut is veiled afterwards (`_veil`). `sideways=False` keeps the width (the
    narrow pictures, whose width is what keeps their text legible)."""
    x0, y0, x1, y1 = _corners(window)
    far = (x0 - SNAP_LIMIT, y0 - SNAP_LIMIT, x1 + SNAP_LIMIT, y1 + SNAP_LIMIT)
    k = _corners(keep) if keep else None
    for _ in range(4):
        before = (x0, y0, x1, y1)
        for b0, c0, b1, c1 in (_corners(box) for box in layout.boxes):
            if b0 < x1 and b1 > x0:  # the element is across the window's width: check its top and bottom
                if c0 < y0 < c1:
                    y0 = c0 - 4 if c0 - 4 >= far[1] else c1 + 4 if k is None or c1 + 4 <= k[1] else y0
                if c0 < y1 < c1:
                    y1 = c1 + 4 if c1 + 4 <= far[3] else c0 - 4 if k is None or c0 - 4 >= k[3] else y1
            if sideways and c0 < y1 and c1 > y0:
                if b0 < x0 < b1 and b0 - 4 >= far[0]:
                    x0 = b0 - 4
                if b0 < x1 < b1 and b1 + 4 <= far[2]:
                    x1 = b1 + 4
        if (x0, y0, x1, y1) == before:
            break
    return _clip((x0, y0, max(x1 - x0, 1), max(y1 - y0, 1)), size)


def _veil(half: Image.Image, window: Box, layout: Layout, scale: float, page: Page | None = None,
          keep: Sequence[Box] = ()) -> None:
    """Elements the window still cuts through are veiled (page colour at 85 %), so no half word is read: those
    cut by the top or bottom edge, starting left of the window, or whose words (`page`, the whole screenshot)
    go on past the right edge (a block's box is wider than its left-aligned words: only ink tells). The
    elements the picture is about (`keep`) are never veiled."""
    wx0, wy0, wx1, wy1 = _corners(window)
    cut = [b for b in layout.boxes if b not in keep and _overlaps(b, window) and (
        b[1] < wy0 or b[1] + b[3] > wy1 or b[0] < wx0 or (b[0] + b[2] > wx1 and _ink_past(page, b, wx1)))]
    cut = [b for b in cut if b[3] <= window[3] // 2]  # a block taller than that is a container, not a word
    if not cut:
        return
    mask = Image.new("L", half.size, 0)
    draw = ImageDraw.Draw(mask)
    for box in cut:
        x, y, w, h = _shift(box, window, scale)
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=217)
    half.paste(Image.new("RGB", half.size, PAPER), (0, 0), mask)


def _ink_past(page: Page | None, box: Box, edge: int) -> bool:
    """Whether the box has words in the 16 px right of `edge`: a row of that strip whose pixels vary along it
    (a field's border or background is flat along a row; letters are not)."""
    if page is None:
        return False
    right = min(edge + 16, box[0] + box[2], page.width)
    if right <= edge:
        return False
    strip = np.asarray(page.crop((edge, max(box[1], 0), right, min(box[1] + box[3], page.height))).convert("L"))
    if not strip.size:
        return False
    return bool((strip.max(axis=1).astype(np.int16) - strip.min(axis=1) > 48).any())


# ---------------------------------------------------------------------------------------------------- drawing


def _outline_after(half: Image.Image, diff: VisualDiff, window: Box, scale: float, layout: Layout) -> None:
    draw = ImageDraw.Draw(half)
    others = [_shift(o, window, scale) for o in layout.boxes]
    for region in diff.regions:
        if region.kind != "removed":
            style = STYLES[region.kind]
            _draw_tag(half, _draw_box(draw, _shift(_fit(region.box, layout), window, scale), style, others),
                      style, others)


def _outline_before(half: Image.Image, diff: VisualDiff, window: Box, scale: float, layout: Layout) -> None:
    """Removed bands where they were, and changed regions at the place they had before."""
    draw = ImageDraw.Draw(half)
    others = [_shift(o, window, scale) for o in layout.boxes]
    for region in diff.regions:
        if region.kind == "removed":
            box = region.box
        elif region.kind == "changed":
            box = (region.x, diff.row_map.before_row(region.y), region.width, region.height)
        else:
            continue
        style = STYLES[region.kind]
        _draw_tag(half, _draw_box(draw, _shift(_fit(box, layout), window, scale), style, others), style, others)


def _draw_box(draw: ImageDraw.ImageDraw, box: Box, style: Style, others: Sequence[Box] = ()) -> Box:
    """A rectangle drawn OUTLINE_GAP pixels outside the element (the element itself stays visible); on a side
    where that line would run over another element (`others`, same coordinates), the line comes closer, down
    to the element's own edge, so it never crosses words."""
    x, y, w, h = box
    width = style.width
    reach = OUTLINE_GAP + width  # every strip tried lies within this distance of the element
    around = (x - reach, y - reach, w + 2 * reach, h + 2 * reach)
    near = [o for o in others if _overlaps(o, around) and not _overlaps(o, box)]

    def gap(strip: Callable[[int], Box]) -> int:
        for candidate in (OUTLINE_GAP, OUTLINE_GAP // 2, 1):
            if not any(_overlaps(strip(candidate), o) for o in near):
                return candidate
        return -width  # no room outside: just inside the element's edge (its padding, not its words)

    left = gap(lambda g: (x - g - width, y - g - width, width, h + 2 * (g + width)))
    right = gap(lambda g: (x + w + g, y - g - width, width, h + 2 * (g + width)))
    top = gap(lambda g: (x - g - width, y - g - width, w + 2 * (g + width), width))
    bottom = gap(lambda g: (x - g - width, y + h + g, w + 2 * (g + width), width))
    half = width // 2
    x0, y0 = x - left - half - 1, y - top - half - 1
    x1, y1 = x + w + right + half, y + h + bottom + half
    for start, end in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        _draw_line(draw, start, end, style)
    return (x0 - half, y0 - half, x1 - x0 + width, y1 - y0 + width)


TAG_SIZE = 16


def _draw_tag(image: Image.Image, outline: Box, style: Style, others: Sequence[Box]) -> None:
    """The outline's word (« ajouté ») in a small label OUTSIDE it: above, below, right or left, the first
    place inside the picture that covers no element (`others`), else the first inside the picture."""
    if not style.tag:
        return
    text = t(style.tag)
    w, h = round(_text_width(text, TAG_SIZE)) + 10, TAG_SIZE + 8
    x, y, ow, oh = outline
    places = [(x, y - h - 1), (x, y + oh + 1), (x + ow + 2, y), (x - w - 2, y)]
    inside = [(px, py) for px, py in places if px >= 0 and py >= 0 and px + w <= image.width and py + h <= image.height]
    free = [(px, py) for px, py in inside if not any(_overlaps((px, py, w, h), o) for o in others)]
    if not (free or inside):
        return
    px, py = (free or inside)[0]
    draw = ImageDraw.Draw(image)
    draw.rectangle((px, py, px + w - 1, py + h - 1), fill=PAPER, outline=style.colour, width=2)
    draw_text(draw, (px + 5, py + 3), text, TAG_SIZE, INK)


def _draw_line(draw: ImageDraw.ImageDraw, start: tuple[int, int], end: tuple[int, int], style: Style) -> None:
    if style.dash is None:
        draw.line((start, end), fill=style.colour, width=style.width)
        return
    (x0, y0), (x1, y1) = start, end
    length = max(abs(x1 - x0), abs(y1 - y0))
    drawn, skipped = style.dash
    for offset in range(0, length + 1, drawn + skipped):
        stop = min(offset + drawn, length)
        a = (x0 + (x1 - x0) * offset // max(length, 1), y0 + (y1 - y0) * offset // max(length, 1))
        b = (x0 + (x1 - x0) * stop // max(length, 1), y0 + (y1 - y0) * stop // max(length, 1))
        draw.line((a, b), fill=style.colour, width=style.width)


SYSTEM_FONTS = (  # the fonts Chromium's Debian package brings along; any one of them has French accents
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)


@functools.lru_cache(maxsize=16)
def system_font(size: int) -> ImageFont.FreeTypeFont | None:
    """A TrueType font of the system with accented glyphs, or None (then accents are drawn by hand)."""
    for path in SYSTEM_FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return None


def draw_text(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, fill: tuple[int, int, int]) -> None:
    """Text in Pillow's bundled font, whose glyphs lack accents: accented letters are drawn as their base
    letter plus the accent stroked by hand, so « Après » reads right without any system font."""
    system = system_font(size)
    if system is not None:
        draw.text(xy, text, font=system, fill=fill)
        return
    font = ImageFont.load_default(size=size)
    bases = "".join(_base(char) for char in text)
    draw.text(xy, bases, font=font, fill=fill)
    for index, char in enumerate(text):
        mark = _mark(char)
        if mark:
            left = xy[0] + font.getlength(bases[:index])
            _draw_accent(draw, font, (left, xy[1]), bases[index], mark, fill)


def _base(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0] if len(decomposed) > 1 else char


def _mark(char: str) -> str | None:
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[1] if len(decomposed) > 1 else None


def _draw_accent(
    draw: ImageDraw.ImageDraw,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont | ImageFont.TransposedFont,
    origin: tuple[float, int],
    base: str,
    mark: str,
    fill: tuple[int, int, int],
) -> None:
    left, top, right, _ = font.getbbox(base)
    size = float(getattr(font, "size", LABEL_SIZE))
    centre = origin[0] + (left + right) / 2
    bottom = origin[1] + top - size * 0.06  # just above the letter (x-height, or cap height for capitals)
    high = bottom - size * 0.2
    half = size * 0.12
    width = max(1, round(size / 11))
    if mark == "\u0301":  # acute
        draw.line(((centre - half * 0.6, bottom), (centre + half * 0.8, high)), fill=fill, width=width)
    elif mark == "\u0300":  # grave
        draw.line(((centre - half * 0.8, high), (centre + half * 0.6, bottom)), fill=fill, width=width)
    elif mark == "\u0302":  # circumflex
        draw.line(((centre - half, bottom), (centre, high), (centre + half, bottom)), fill=fill, width=width)
    elif mark == "\u0308":  # diaeresis
        for dot in (centre - half * 0.8, centre + half * 0.8):
            draw.ellipse((dot - width, bottom - 2 * width, dot + width, bottom), fill=fill)
    elif mark == "\u0327":  # cedilla, under the letter
        foot = origin[1] + font.getbbox(base)[3]
        draw.line(((centre, foot), (centre + half * 0.5, foot + size * 0.12), (centre - half * 0.5, foot + size * 0.2)), fill=fill, width=width)


def _title(label: str, date: str | None) -> str:
    return f"{label} — {date}" if date else label


def _with_header(half: Image.Image, title: str, size: int = LABEL_SIZE) -> Image.Image:
    """The « Avant / Après » band ABOVE the screenshot (never over the page's heading or menu); it takes a
    second line when the title is wider than the picture."""
    lines = _wrap(title.replace("—", "-"), size, half.width - 24)
    band = (size + 10) * len(lines) + 14
    framed = Image.new("RGB", (half.width, half.height + band), HEADER)
    framed.paste(half, (0, band))
    draw = ImageDraw.Draw(framed)
    for index, line in enumerate(lines):
        draw_text(draw, (12, 8 + index * (size + 10)), line, size, PAPER)
    return framed


def _text_width(text: str, size: int) -> float:
    font = system_font(size) or ImageFont.load_default(size=size)
    return float(font.getlength(text))


def _wrap(text: str, size: int, width: int) -> list[str]:
    """Words in lines at most `width` px wide (a long address is cut between characters)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}".strip()
        if _text_width(candidate, size) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
        while _text_width(current, size) > width and len(current) > 1:
            cut = max(1, int(len(current) * width / _text_width(current, size)) - 1)
            lines.append(current[:cut])
            current = current[cut:]
    return [*lines, current] if current else lines or [""]


def _with_text(picture: Image.Image, lines: Sequence[tuple[str, str]], size: int) -> Image.Image:
    """Lines of words under the picture (« label : value » each), wrapped to the picture's width."""
    width = max(picture.width, 320)
    rows = [row for label, value in lines for row in _wrap(f"{label} : {value}", size, width - 32)]
    framed = Image.new("RGB", (width, picture.height + (size + 10) * len(rows) + 24), PAPER)
    framed.paste(picture, (0, 0))
    draw = ImageDraw.Draw(framed)
    for index, row in enumerate(rows):
        draw_text(draw, (16, picture.height + 12 + index * (size + 10)), row, size, INK)
    return framed


def _arrange(halves: Sequence[Image.Image], stacked: bool) -> Image.Image:
    if stacked:
        size = (max(h.width for h in halves), sum(h.height for h in halves) + GAP)
    else:
        size = (sum(h.width for h in halves) + GAP, max(h.height for h in halves))
    canvas = Image.new("RGB", size, (150, 150, 150))
    position = 0
    for half in halves:
        canvas.paste(half, (0, position) if stacked else (position, 0))
        position += (half.height if stacked else half.width) + GAP
    return canvas


def _present_kinds(diff: VisualDiff) -> list[str]:
    return [kind for kind in STYLES if any(region.kind == kind for region in diff.regions)]


def _with_legend(picture: Image.Image, kinds: Sequence[str], hidden: int) -> Image.Image:
    """A legend under the picture: line samples with words, so colour is never the only cue."""
    lines = [STYLES[kind] for kind in kinds]
    notes = [t("picture.out_of_view", count=hidden)] if hidden else []
    if not lines and not notes:
        return picture
    row = LEGEND_SIZE + 18
    framed = Image.new("RGB", (picture.width, picture.height + row * (len(lines) + len(notes)) + 12), PAPER)
    framed.paste(picture, (0, 0))
    draw = ImageDraw.Draw(framed)
    y = picture.height + 12
    for style in lines:
        _draw_line(draw, (16, y + row // 2 - 4), (86, y + row // 2 - 4), style)
        draw_text(draw, (104, y), t(style.legend), LEGEND_SIZE, INK)
        y += row
    for note in notes:
        draw_text(draw, (16, y), note, LEGEND_SIZE, INK)
        y += row
    return framed


# ----------------------------------------------------------------------------------------------- size & I/O


def _should_stack(page_width: int, halves: Sequence[Image.Image]) -> bool:
    """Mobile pages are stacked; so are wide windows that side by side would shrink below MIN_SCALE."""
    side_by_side = sum(h.width for h in halves) + GAP
    return page_width < NARROW_PAGE or side_by_side * MIN_SCALE > MAX_WIDTH


def _scale(halves: Sequence[Image.Image], stacked: bool) -> float:
    width = max(h.width for h in halves) if stacked else sum(h.width for h in halves) + GAP
    return min(1.0, (MAX_WIDTH - (0 if stacked else GAP)) / max(width, 1)) if width > MAX_WIDTH else 1.0


def _resize(image: Image.Image, scale: float) -> Image.Image:
    if scale >= 1.0:
        return image.copy()
    size = (max(round(image.width * scale), 1), max(round(image.height * scale), 1))
    return image.resize(size, Image.Resampling.LANCZOS)


def _encode(picture: Image.Image) -> bytes:
    """PNG bytes under MAX_BYTES: full colour, then 256 colours, then smaller, until it fits."""
    if picture.width > MAX_WIDTH:
        picture = _resize(picture, MAX_WIDTH / picture.width)
    data = _png(picture)
    candidate = picture
    while len(data) > MAX_BYTES:
        # Screenshots are flat colours and text: 256 colours rarely show, then shrink a little at a time.
        data = _png(candidate.quantize(256, method=Image.Quantize.FASTOCTREE))
        if len(data) <= MAX_BYTES:
            break
        candidate = _resize(candidate, 0.85)
    return data


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # zlib level 3: level 6 took 1.4 to 1.6 times as long, for 8 % fewer bytes on the pictures of a real pair of
    # pages and 4 to 23 % more on those of text pages (level 9: four times as long as 6 for 3 % fewer)
    picture.save(buffer, format="PNG", optimize=False, compress_level=3)
    return buffer.getvalue()


class PageImage:
    """A whole-page screenshot read a strip at a time: what the pictures need of a page image (`size`, `width`,
    `height` in px, `crop` as Pillow's) without decoding the rows no picture shows (detect.visual.ScreenshotRows).
    """

    mode = "RGB"

    def __init__(self, rows: ScreenshotRows) -> None:
        self.rows = rows
        self.size = rows.size
        self.width, self.height = rows.size

    def crop(self, box: tuple[int, int, int, int]) -> Image.Image:
        """The (left, upper, right, lower) rectangle, in px, as an RGB image; as Pillow's `Image.crop`, what lies
        outside the page is black."""
        left, upper, right, lower = (int(v) for v in box)
        out = np.zeros((max(lower - upper, 0), max(right - left, 0), 3), np.uint8)
        x0, x1 = max(left, 0), min(right, self.width)
        if x1 > x0 and out.size:
            rows = self.rows.rgb(upper, lower)
            top = max(upper, 0) - upper
            out[top : top + len(rows), x0 - left : x1 - left] = rows[:, x0:x1]
        return Image.fromarray(out)


Page = Image.Image | PageImage  # a page's screenshot as the pictures read it
ImageSource = Path | str | bytes | Image.Image | PageImage | np.ndarray


def open_rgb(source: ImageSource) -> Page:
    """A screenshot ready for the pictures, read once: a PNG file or its bytes (a `PageImage`, rows decoded when
    a picture needs them; InputError if unusable), an image (returned as it is when already RGB: the pictures only
    read it), or an (height, width, 3|4) uint8 array. Give the result to composite() and crop_pair() when making
    several pictures of one page."""
    if isinstance(source, PageImage):
        return source
    if isinstance(source, Image.Image):
        return source if source.mode == "RGB" else source.convert("RGB")
    if isinstance(source, np.ndarray):
        return Image.fromarray(np.ascontiguousarray(source[:, :, :3]))
    return PageImage(ScreenshotRows(source))


_open = open_rgb
