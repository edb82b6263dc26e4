"""Illustrated tutorials of the watched procedures, drawn from their latest successful replay.

A tutorial is one numbered step per action of a procedure: the page the step acts on (the screenshot taken
BEFORE the action: step-(N-1).png for step N), cropped around the element, the element outlined with a number
badge, and a caption a mediator would say (« Étape 2 : cliquez sur le bouton « Continuer » »). Values typed
are the dummy ones of targets.yaml; any field that may hold something personal is blurred.

Everything here is pure (values and Pillow images in, values and bytes out); writing the site is
tutorial_render.py's job.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from watcher.config.targets import Procedure, Step
from watcher.i18n.phrases import quoted, role_noun
from watcher.i18n.texts import t
from watcher.report.pictures import draw_text, system_font
from watcher.report.render import step_words
from watcher.store import files as snapfiles
from watcher.store.reader import SnapshotReader
from watcher.store.reader import StoredStep as ReadStep

__all__ = [
    "HIGHLIGHT",
    "OUTLINE",
    "PAD",
    "StoredRun",
    "StoredStep",
    "Tutorial",
    "animation",
    "looks_personal",
    "make_tutorial",
    "png_bytes",
    "private_boxes",
    "read_run",
    "step_caption",
    "step_picture",
]

Box = tuple[int, int, int, int]

CROP_WIDTH = 1000  # wide enough to recognise the page, narrow enough for a phone and a projector
CROP_HEIGHT = 600
NARROW = (480, 440)  # the phone version: a tighter crop, so the page's text stays readable on a small screen
HIGHLIGHT = (214, 0, 112)  # magenta: a colour public-service sites (blue, white, red) do not use
OUTLINE = 7
PAD = 6  # space between the element and its outline, so the outline never hides the element's text
BADGE = 46
ANIMATION_WIDTH = 800
FRAME_MS = 2000
CAPTION_SIZE = 26
TEXT_ROLES = frozenset({"textbox", "searchbox", "spinbutton", "combobox"})
SECRET_CONTROLS = frozenset({"password"})
# Values that look like a person's data, even when a coordinator typed them in targets.yaml as "examples".
PERSONAL = [
    re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.I),  # e-mail
    re.compile(r"^(\+33\s?|0)[1-9]([\s.-]?\d{2}){4}$"),  # French phone number
    re.compile(r"^[12]\s?\d{2}\s?(0[1-9]|1[0-2]|[2-9]\d)\s?(\d{2}|2A|2B)\s?\d{3}\s?\d{3}(\s?\d{2})?$", re.I),  # NIR
    re.compile(r"^[A-Z]{2}\d{2}(\s?[A-Z0-9]{4}){2,7}(\s?[A-Z0-9]{1,4})?$", re.I),  # IBAN
    re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-](19|20)\d{2}$|^(19|20)\d{2}-\d{2}-\d{2}$"),  # date (of birth)
]



@dataclass(frozen=True)
class StoredStep:
    """One step of a stored run.json, as the tutorial needs it."""

    number: int
    action: str
    role: str
    name: str
    box: Box | None
    url: str
    login: bool
    text: str  # the stored step text (infinitive), used when targets.yaml is not at hand
    submits: bool = False  # found, never clicked: it would have sent data to the site (the replay stopped there)

    @classmethod
    def of(cls, step: ReadStep) -> StoredStep:
        found = step.found
        text = step_words(step.expected) if step.expected is not None else step.text or ""
        return cls(step.number, step.action, found.role if found else "", found.name if found else "",
                   found.box if found else None, step.url, step.detail == "login", text, step.detail == "submits")


@dataclass(frozen=True)
class StoredRun:
    """A successful replay kept in a snapshot: procedures/<slug>/ of one snapshot folder."""

    folder: Path  # the procedures/<slug>/ folder
    name: str
    slug: str
    status: str
    broken_step: int | None
    steps: tuple[StoredStep, ...]
    candidate: str | None

    @property
    def snapshot(self) -> str:
        return self.folder.parent.parent.name

    def screenshot(self, index: int) -> Path:
        return self.folder / f"step-{index:02d}.png"

    def skeleton(self, index: int) -> list[dict[str, Any]]:
        """The elements of the page as recorded at that point (raw dicts: a `value` key is read if present)."""
        return SnapshotReader(self.folder.parent.parent).step_elements(self.folder.name, index)


def read_run(folder: Path) -> StoredRun | None:
    """The run stored in procedures/<slug>/run.json, or None if there is none (or it is unreadable)."""
    run = SnapshotReader(folder.parent.parent).run(folder.name)
    if run is None or not run.name or not run.slug or not run.status:
        return None
    return StoredRun(folder, run.name, run.slug, run.status, run.broken_step, tuple(StoredStep.of(s) for s in run.steps),
                     run.candidate.name if run.candidate and run.candidate.name else None)


# --- captions ------------------------------------------------------------------------------------------------

def _subject(role: str, name: str, lang: str) -> str:
    noun = role_noun(role, lang)
    return f"the {quoted(name, 'en')} {noun.text}" if lang == "en" else f"{noun.the} {quoted(name)}"


def _matching(step: StoredStep, config_step: Step | None) -> Step | None:
    """The targets.yaml step for this stored step, if the procedure was not edited since (same action)."""
    return config_step if config_step is not None and config_step.action == step.action else None


def step_caption(step: StoredStep, config_step: Step | None, lang: str = "fr") -> str:
    """« Étape 3 : dans le champ « Code postal », écrivez 75001 (exemple) »."""
    text = _caption_text(step, _matching(step, config_step), lang)
    if lang == "fr":  # French quotes stay with their words when the caption wraps
        text = text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")
    return t("caption.step", lang, number=step.number, text=text)


def _caption_text(step: StoredStep, conf: Step | None, lang: str) -> str:
    ref = conf.click or conf.expect if conf else None
    role, name = (ref.role, ref.name) if ref else (step.role, step.name)
    if step.action == "click":
        key = "caption.login" if step.login else "caption.submits" if step.submits else "caption.click"
        return t(key, lang, subject=_subject(role, name, lang))
    if step.action == "expect":
        return t("caption.expect", lang, subject=_subject(role, name, lang))
    if step.action in ("fill", "select", "check"):
        return _field_caption(step, conf, lang)
    if step.action == "goto" and conf and conf.goto:
        return t("caption.goto", lang, url=conf.goto)
    if step.action == "wait" and conf and conf.wait:
        return t("caption.wait", lang, seconds=f"{conf.wait:g}")
    return step.text


def _field_caption(step: StoredStep, conf: Step | None, lang: str) -> str:
    label_ref = (conf.fill or conf.select or conf.check) if conf else None
    label = label_ref.label if label_ref else step.name
    role = {"select": "combobox", "check": "checkbox"}.get(step.action, "textbox")
    subject = _subject(role, label, lang)
    if step.action == "check":
        return t("caption.check", lang, subject=subject)
    if step.action == "select":
        option = conf.select.option if conf and conf.select else None
        if option:
            return t("caption.select", lang, subject=subject, option=quoted(option, lang))
        return t("caption.select_own", lang, subject=subject)
    value = conf.fill.value if conf and conf.fill else None
    if value is None:
        return t("caption.fill_own", lang, subject=subject, label=label[:1].lower() + label[1:])
    return t("caption.fill", lang, subject=subject, value=value if not looks_personal(value) else "…")


# --- dummy data only -----------------------------------------------------------------------------------------

def looks_personal(value: str) -> bool:
    """Whether a value looks like someone's data: e-mail, phone, NIR, IBAN, date of birth."""
    text = value.strip()
    return any(pattern.search(text) for pattern in PERSONAL)


def typed_values(run: StoredRun, before: int, procedure: Procedure | None) -> dict[tuple[str, str, str], str | None]:
    """(role, name, url) -> value typed by the steps before step `before` (None: not known without targets.yaml)."""
    typed: dict[tuple[str, str, str], str | None] = {}
    for step in run.steps:
        if step.number >= before or step.action != "fill":
            continue
        conf = _matching(step, procedure.steps[step.number - 1] if procedure and step.number <= len(
            procedure.steps) else None)
        typed[(step.role, step.name, step.url)] = conf.fill.value if conf and conf.fill else None
    return typed


def private_boxes(elements: Sequence[dict[str, Any]], page_url: str, typed: dict[tuple[str, str, str], str | None],
                  dummies: set[str]) -> list[Box]:
    """Boxes of the fields to blur on a page: passwords always; a text field whose value is not a dummy value
    of targets.yaml, looks personal, or was typed but cannot be checked (targets.yaml not at hand)."""
    boxes = []
    for element in elements:
        box = element.get("box")
        if not box or len(box) != 4:
            continue
        secret = element.get("control") in SECRET_CONTROLS
        if not secret and element.get("role") not in TEXT_ROLES:
            continue
        key = (str(element.get("role")), str(element.get("name")), page_url)
        value = element.get("value") if "value" in element else typed.get(key, "") if key in typed else ""
        if secret or _needs_blur(value, key in typed, dummies):
            boxes.append((int(box[0]), int(box[1]), int(box[2]), int(box[3])))
    return boxes


def _needs_blur(value: Any, typed: bool, dummies: set[str]) -> bool:
    if value is None:
        return typed  # typed earlier with a value we cannot see: assume the worst
    text = str(value)
    return bool(text) and (text not in dummies or looks_personal(text))


def dummy_values(procedure: Procedure | None) -> set[str]:
    return {s.fill.value for s in procedure.steps if s.fill} if procedure else set()


# --- pictures ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepPicture:
    """One step's picture, before encoding: the crop, where the element is in it, and its fingerprint."""

    image: Image.Image
    box: Box | None  # the element, in crop pixels
    digest: str  # hash of the crop as captured (before highlight and blur): what "the screen changed" means
    narrow: Image.Image | None = None  # the same, cropped tighter for phones


def page_for(run: StoredRun, step: StoredStep) -> int:
    """Which screenshot shows the page a step acts on: the one before it, except after a goto."""
    return step.number if step.action == "goto" else step.number - 1


def window(box: Box | None, size: tuple[int, int], crop: tuple[int, int] = (CROP_WIDTH, CROP_HEIGHT)) -> Box:
    """A crop-sized window around the box (top of the page without one), inside the image."""
    width, height = min(crop[0], size[0]), min(crop[1], size[1])
    if box is None:
        return (0, 0, width, height)
    x, y, w, h = box
    width, height = min(max(width, w + 2 * BADGE), size[0]), min(max(height, h + 2 * BADGE), size[1])
    left = min(max(0, x + w // 2 - width // 2), size[0] - width)
    top = min(max(0, y + h // 2 - height // 2), size[1] - height)
    return (left, top, width, height)


def step_picture(screenshot: Image.Image, box: Box | None, number: int, blur: Sequence[Box]) -> StepPicture:
    """The crop around the element, personal fields blurred, the element outlined with its number."""
    page = screenshot.convert("RGB")
    if box is not None and (box[0] >= page.width or box[1] >= page.height or box[2] <= 0 or box[3] <= 0):
        box = None  # below the 4000 px the step screenshots keep: show the top of the page
    area = window(box, page.size)
    corners = (area[0], area[1], area[0] + area[2], area[1] + area[3])
    digest = hashlib.sha256(page.crop(corners).tobytes()).hexdigest()
    for private in blur:
        blur_box(page, private)
    crop, local = _cropped(page, box, number, area)
    narrow = _cropped(page, box, number, window(box, page.size, NARROW))[0] if box else None
    return StepPicture(crop, local, digest, narrow)


def _cropped(page: Image.Image, box: Box | None, number: int, area: Box) -> tuple[Image.Image, Box | None]:
    crop = page.crop((area[0], area[1], area[0] + area[2], area[1] + area[3]))
    local = (box[0] - area[0], box[1] - area[1], box[2], box[3]) if box else None
    if local is not None:
        highlight(crop, local, number)
    return crop, local


def blur_box(image: Image.Image, box: Box) -> None:
    """Blur a field in place, hard enough that no character can be read back."""
    x, y, w, h = box
    corners = (max(0, x - 3), max(0, y - 3), min(image.width, x + w + 3), min(image.height, y + h + 3))
    if corners[2] <= corners[0] or corners[3] <= corners[1]:
        return
    region = image.crop(corners)
    image.paste(region.filter(ImageFilter.GaussianBlur(radius=max(8, h // 3))), corners[:2])


def highlight(image: Image.Image, box: Box, number: int) -> None:
    """A thick outline (white edges keep it visible on dark and magenta-ish backgrounds) and a number badge."""
    corner = _badge_place(image, box)  # chosen on the page as it is, before the outline is drawn
    draw = ImageDraw.Draw(image)
    x, y, w, h = box
    outer = (x - PAD - OUTLINE, y - PAD - OUTLINE, x + w + PAD + OUTLINE - 1, y + h + PAD + OUTLINE - 1)
    draw.rectangle((outer[0] - 2, outer[1] - 2, outer[2] + 2, outer[3] + 2), outline=(255, 255, 255), width=2)
    draw.rectangle(outer, outline=HIGHLIGHT, width=OUTLINE)
    draw.rectangle((outer[0] + OUTLINE, outer[1] + OUTLINE, outer[2] - OUTLINE, outer[3] - OUTLINE),
                   outline=(255, 255, 255), width=1)
    _badge(draw, corner, number)


def _badge_place(image: Image.Image, box: Box) -> tuple[int, int]:
    """Top-left corner of the badge: on a corner of the outline or beside it, wherever it hides the least
    (plain background rather than a label or the next menu entry)."""
    x, y, w, h = box
    edge = PAD + OUTLINE // 2
    half = BADGE // 2
    gap = PAD + OUTLINE + 6
    # On the outline's corners but never over the element itself, whose words the learner must read.
    left, right, top, bottom = x - edge - half, x + w + edge - half, y - BADGE - 1, y + h + 1
    spots = [(right, top), (left, top), (right, bottom), (left, bottom), (x + w + gap, y + h // 2 - half),
             (x - gap - BADGE, y + h // 2 - half)]
    inside = [(sx, sy) for sx, sy in spots if 0 <= sx <= image.width - BADGE and 0 <= sy <= image.height - BADGE]
    if not inside:
        return max(0, min(x, image.width - BADGE)), max(0, min(y, image.height - BADGE))
    return min(inside, key=lambda spot: _ink(image, spot))


def _ink(image: Image.Image, corner: tuple[int, int]) -> float:
    """Share of the spot's pixels that stand out from its background (text, borders, pictures)."""
    sx, sy = corner
    grey = np.asarray(image.crop((sx, sy, sx + BADGE, sy + BADGE)).convert("L"), dtype=np.int16)
    background = int(np.median(grey))
    return float(np.mean(np.abs(grey - background) > 40))


def _badge(draw: ImageDraw.ImageDraw, corner: tuple[int, int], number: int) -> None:
    left, top = corner
    draw.ellipse((left - 3, top - 3, left + BADGE + 3, top + BADGE + 3), fill=(255, 255, 255))
    draw.ellipse((left, top, left + BADGE, top + BADGE), fill=HIGHLIGHT)
    font = ImageFont.load_default(size=28)
    text = str(number)
    x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=font)
    draw.text((left + (BADGE - (x1 - x0)) / 2 - x0, top + (BADGE - (y1 - y0)) / 2 - y0), text, font=font,
              fill=(255, 255, 255))


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


# --- the walkthrough animation -------------------------------------------------------------------------------

def animation(frames: Sequence[tuple[Image.Image, str]], *, width: int = ANIMATION_WIDTH,
              warning: str | None = None) -> bytes:
    """An animated WebP playing the steps (~2 s each), each frame captioned; ≤ `width` px wide. A `warning`
    (a broken procedure) opens the animation on a frame of its own and heads every step's caption."""
    rendered = [_frame(image, f"⚠ {caption}" if warning else caption, width) for image, caption in frames]
    if warning:
        rendered.insert(0, _warning_frame(warning, width, rendered[0].height if rendered else 300))
    height = max(f.height for f in rendered)
    padded = []
    for frame in rendered:
        canvas = Image.new("RGB", (width, height), (255, 255, 255))
        canvas.paste(frame, (0, 0))
        padded.append(canvas)
    buffer = io.BytesIO()
    padded[0].save(buffer, "WEBP", save_all=True, append_images=padded[1:], duration=FRAME_MS, loop=0,
                   quality=80, method=1)
    return buffer.getvalue()


WARNING_PAPER = (255, 236, 179)  # a pale amber: the colour of a notice, not of an error


def _warning_frame(text: str, width: int, height: int) -> Image.Image:
    """A frame holding only the warning, in large type on amber, shown twice as long as a step."""
    size = CAPTION_SIZE + 4
    font = system_font(size) or ImageFont.load_default(size=size)  # the font draw_text will draw with
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width - 48:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    frame = Image.new("RGB", (width, max(height, 40 + len(lines) * (CAPTION_SIZE + 14))), WARNING_PAPER)
    draw = ImageDraw.Draw(frame)
    for index, line in enumerate(lines):
        draw_text(draw, (24, 24 + index * (CAPTION_SIZE + 14)), line, CAPTION_SIZE + 4, (60, 30, 0))
    return frame


def _frame(image: Image.Image, caption: str, width: int) -> Image.Image:
    scale = min(1.0, width / image.width)
    shown = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    lines = wrap(caption, CAPTION_SIZE, width - 32)
    band = 20 + len(lines) * (CAPTION_SIZE + 10)
    frame = Image.new("RGB", (width, band + shown.height), (255, 255, 255))
    draw = ImageDraw.Draw(frame)
    draw.rectangle((0, 0, width, band - 1), fill=(20, 20, 20))
    for index, line in enumerate(lines):
        draw_text(draw, (16, 12 + index * (CAPTION_SIZE + 10)), line, CAPTION_SIZE, (255, 255, 255))
    frame.paste(shown, (0, band))
    return frame


def wrap(text: str, size: int, width: int) -> list[str]:
    """Words into lines that fit `width` px in Pillow's bundled font."""
    font = ImageFont.load_default(size=size)
    lines: list[str] = []
    for word in text.replace("\u202f", " ").split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


# --- one tutorial --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TutorialStep:
    """One numbered step of a tutorial: caption (also the picture's alt text) and picture."""

    number: int
    caption: str
    picture: StepPicture


@dataclass(frozen=True)
class Tutorial:
    """A procedure's tutorial, made from one successful run."""

    run: StoredRun
    steps: tuple[TutorialStep, ...]

    @property
    def fingerprint(self) -> str:
        """Changes when the screens of the procedure change (not when a caption's wording does)."""
        parts = [f"{s.number}|{s.picture.digest}|{s.picture.box}" for s in self.steps]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def stored_screenshot(run: StoredRun, index: int) -> Image.Image:
    """A step's screenshot (RGB); a blank page when it is a symbolic link or not a file of the snapshot
    (watcher/store/files.py): nothing outside the snapshot folder is ever drawn into a tutorial."""
    path = run.screenshot(index)
    if not snapfiles.contained(run.folder.parent.parent, path):
        return Image.new("RGB", (1280, 800), "white")
    with Image.open(path) as image:
        return image.convert("RGB")


def make_tutorial(run: StoredRun, procedure: Procedure | None, lang: str = "fr") -> Tutorial:
    """The tutorial of a successful run; `procedure` (from targets.yaml) gives the dummy values typed."""
    dummies = dummy_values(procedure)
    steps = []
    shots: dict[int, Image.Image] = {}
    for step in run.steps:
        index = page_for(run, step)
        if index not in shots:
            shots[index] = stored_screenshot(run, index)
        url = step.url if step.action != "goto" else ""
        blur = private_boxes(run.skeleton(index), url, typed_values(run, step.number, procedure), dummies)
        conf = procedure.steps[step.number - 1] if procedure and step.number <= len(procedure.steps) else None
        picture = step_picture(shots[index], step.box, step.number, blur)
        steps.append(TutorialStep(step.number, step_caption(step, conf, lang), picture))
    return Tutorial(run, tuple(steps))
