"""Before/after pictures for alerts: the changed part of the page, both versions, changes outlined.

Every picture is at most 1600 px wide and 1 MB, so it goes through e-mail, Tchap or SMS gateways and stays
readable on a phone: a tall page is cropped around the changes rather than shrunk into illegibility.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from watcher.detect.visual import Box, Region, VisualDiff, load_png
from watcher.errors import InputError
from watcher.i18n.texts import t

__all__ = ["MAX_BYTES", "MAX_WIDTH", "composite", "crop_pair", "draw_text", "open_rgb"]

MAX_WIDTH = 1600
MAX_BYTES = 1_000_000
NARROW_PAGE = 800  # a mobile viewport: the two versions are stacked instead of side by side
MAX_WINDOW_HEIGHT = 1400  # AFTER rows shown at most; taller pages are cropped around the changes
MARGIN = 120  # context kept around the changes
GAP = 16
MIN_SCALE = 0.6  # side by side below this zoom, desktop text gets too small for a phone
LABEL_SIZE = 28
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


STYLES = {
    "inserted": Style((0, 140, 60), 6, None, "picture.inserted"),
    "removed": Style((210, 0, 0), 4, (18, 8), "picture.removed"),
    "changed": Style((245, 130, 0), 4, (5, 5), "picture.changed"),
}

ImageSource = Path | str | bytes | Image.Image | np.ndarray


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
) -> bytes:
    """Both versions of the page (side by side, or stacked for a mobile page), changes outlined, as PNG bytes."""
    before, after = _open(before_png), _open(after_png)
    window, hidden = _after_window(after, diff, focus)
    before_window = _before_window(before, diff, window)
    halves = [before.crop(_corners(before_window)), after.crop(_corners(window))]
    stacked = _should_stack(after.width, halves)
    scale = _scale(halves, stacked)
    halves = [_resize(half, scale) for half in halves]
    _outline_before(halves[0], diff, before_window, scale)
    _outline_after(halves[1], diff, window, scale)
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
) -> bytes:
    """One element's neighbourhood before and after, the element outlined; a missing box shows the same place
    of the other version, marked « élément absent »."""
    before, after = _open(before_png), _open(after_png)
    place_b = before_box or after_box
    place_a = after_box or before_box
    if place_b is None or place_a is None:
        raise InputError("crop_pair needs the element's box in at least one of the two versions")
    halves, titles = [], []
    for image, box, place, label in ((before, before_box, place_b, before_label), (after, after_box, place_a, after_label)):
        window = _clip(_grow(place, margin), image.size)
        half = image.crop(_corners(window))
        if box is not None:
            _draw_box(ImageDraw.Draw(half), _shift(box, window), STYLES["changed"])
        halves.append(half)
        titles.append(label if box is not None else f"{label} : {t('picture.absent')}")
    stacked = sum(h.width for h in halves) + GAP > MAX_WIDTH
    scale = _scale(halves, stacked)
    labelled = [_with_header(_resize(h, scale), t) for h, t in zip(halves, titles, strict=True)]
    return _encode(_arrange(labelled, stacked))


# --------------------------------------------------------------------------------------------------- windows


def _after_window(after: Image.Image, diff: VisualDiff, focus: Box | None) -> tuple[Box, int]:
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


def _before_window(before: Image.Image, diff: VisualDiff, window: Box) -> Box:
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


# ---------------------------------------------------------------------------------------------------- drawing


def _outline_after(half: Image.Image, diff: VisualDiff, window: Box, scale: float) -> None:
    draw = ImageDraw.Draw(half)
    for region in diff.regions:
        if region.kind != "removed":
            _draw_box(draw, _shift(region.box, window, scale), STYLES[region.kind])


def _outline_before(half: Image.Image, diff: VisualDiff, window: Box, scale: float) -> None:
    """Removed bands where they were, and changed regions at the place they had before."""
    draw = ImageDraw.Draw(half)
    for region in diff.regions:
        if region.kind == "removed":
            box = region.box
        elif region.kind == "changed":
            box = (region.x, diff.row_map.before_row(region.y), region.width, region.height)
        else:
            continue
        _draw_box(draw, _shift(box, window, scale), STYLES[region.kind])


def _draw_box(draw: ImageDraw.ImageDraw, box: Box, style: Style) -> None:
    """A rectangle drawn a few pixels outside the change (so the change itself stays visible)."""
    pad = style.width
    x0, y0 = box[0] - pad, box[1] - pad
    x1, y1 = box[0] + box[2] + pad - 1, box[1] + box[3] + pad - 1
    for start, end in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        _draw_line(draw, start, end, style)


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


def _with_header(half: Image.Image, title: str) -> Image.Image:
    band = LABEL_SIZE + 24
    framed = Image.new("RGB", (half.width, half.height + band), HEADER)
    framed.paste(half, (0, band))
    draw_text(ImageDraw.Draw(framed), (12, 14), title.replace("—", "-"), LABEL_SIZE, PAPER)
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
    # zlib level 6: level 9 took four times as long for 3 % fewer bytes on screenshots
    picture.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def open_rgb(source: ImageSource) -> Image.Image:
    """A screenshot as an RGB image, decoded once: a PNG file or its bytes (InputError if unusable), an image
    (returned as it is when already RGB: the pictures only read it), or an (height, width, 3|4) uint8 array.
    Give the result to composite() and crop_pair() when making several pictures of one page."""
    if isinstance(source, Image.Image):
        return source if source.mode == "RGB" else source.convert("RGB")
    if isinstance(source, np.ndarray):
        return Image.fromarray(np.ascontiguousarray(source[:, :, :3]))
    return Image.fromarray(load_png(source))


_open = open_rgb
