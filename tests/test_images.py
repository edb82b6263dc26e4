"""Before/after pictures: valid PNGs, at most 1600 px wide and 1 MB, stacked for mobile pages, cropped when tall."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw
from test_visual import chromium_png, draw_page

from watcher.detect.visual import diff_screenshots, load_png
from watcher.report.pictures import (
    LABEL_SIZE,
    MAX_BYTES,
    MAX_WIDTH,
    NARROW_WIDTH,
    STYLES,
    Layout,
    PageImage,
    _draw_box,
    _fit,
    _snap,
    _veil,
    _with_header,
    composite,
    crop_pair,
    draw_text,
    layout_of_dom,
    open_rgb,
    target_picture,
)


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def check_limits(data: bytes) -> Image.Image:
    image = open_png(data)
    assert image.width <= MAX_WIDTH and len(data) <= MAX_BYTES
    return image


def test_desktop_composite_is_side_by_side_and_within_limits() -> None:
    before, after = draw_page(width=1280), draw_page(width=1280, banner=60, button="Valider")
    image = check_limits(composite(before, after, diff_screenshots(before, after), before_date="01/03/2025"))
    assert image.width > image.height / 2  # two pages next to each other, not one above the other
    assert image.width > 1280


def test_mobile_composite_is_stacked() -> None:
    before, after = draw_page(width=390), draw_page(width=390, button="Valider")
    image = check_limits(composite(before, after, diff_screenshots(before, after)))
    assert image.width <= 400 and image.height > 1.5 * image.width  # Avant above Après


def test_tall_page_is_cropped_around_the_change_not_shrunk() -> None:
    before, after = draw_page(width=1000, paragraphs=150), draw_page(width=1000, paragraphs=150, button="Valider")
    assert before.height > 9000
    image = check_limits(composite(before, after, diff_screenshots(before, after)))
    assert image.height < 2000


def test_noisy_huge_composite_is_reduced_under_one_megabyte() -> None:
    noise = np.random.default_rng(2).integers(0, 256, size=(1500, 1200, 3), dtype=np.uint8)
    other = noise.copy()
    other[100:300, 100:300] = 0
    check_limits(composite(noise, other, diff_screenshots(noise, other)))


def test_crop_pair_shows_both_neighbourhoods() -> None:
    before, after = draw_page(), draw_page(banner=80, button="Valider")
    button_top = 60 + 40 + 12 * 60 + 80
    data = crop_pair(before, after, (40, button_top, 160, 40), (40, button_top + 80, 160, 40))
    image = check_limits(data)
    assert image.width >= 2 * 160


def test_crop_pair_with_a_missing_element() -> None:
    before, after = draw_page(), draw_page(button="Valider")
    check_limits(crop_pair(before, after, None, (40, 900, 160, 40)))
    with pytest.raises(Exception, match="box"):
        crop_pair(before, after, None, None)


def test_accented_labels_differ_from_their_base_letters() -> None:
    def render(text: str) -> np.ndarray:
        image = Image.new("RGB", (200, 60), "white")
        draw_text(ImageDraw.Draw(image), (10, 10), text, 28, (0, 0, 0))
        return np.asarray(image)

    assert (render("Après") != render("Apres")).any()
    assert (render("Après")[:, :, 0] < 128).sum() > (render("Apres")[:, :, 0] < 128).sum()


# --- pictures people can read (issue 15 item 5) ---------------------------------------------------------------

FORM_DOM = """<html><body data-watcher-box="0,0,800,600">
<main data-watcher-box="0,0,800,600">
<h1 data-watcher-box="20,20,760,40">Déclarer mes ressources</h1>
<div data-watcher-box="20,100,760,70"><label for="cp" data-watcher-box="20,100,760,24">Code postal</label>
<input id="cp" data-watcher-box="20,128,300,40"></div>
<label data-watcher-box="20,200,760,70">Date de naissance <input data-watcher-box="20,228,300,40"></label>
<p data-watcher-box="20,300,760,24">Un texte <a href="/x" data-watcher-box="100,302,60,20">lien</a> fin.</p>
</main></body></html>"""


def page(width: int = 800, height: int = 600) -> Image.Image:
    """A white page with a black bar of 'text' in every element box of FORM_DOM."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for box in layout_of_dom(FORM_DOM).boxes:
        x, y, w, h = box
        draw.rectangle((x + 2, y + 6, x + min(w, 200) - 2, y + h - 6), fill=(30, 30, 30))
    return image


def test_layout_reads_text_boxes_and_labels_for_and_wrapping() -> None:
    layout = layout_of_dom(FORM_DOM)
    assert (20, 20, 760, 40) in layout.boxes and (20, 128, 300, 40) in layout.boxes
    assert (0, 0, 800, 600) not in layout.boxes  # body and main hold no words of their own
    assert layout.with_label((20, 128, 300, 40)) == (20, 100, 760, 68)  # <label for>
    assert layout.with_label((20, 228, 300, 40)) == (20, 200, 760, 70)  # wrapping <label>
    assert layout_of_dom("") == Layout() and layout_of_dom(None) == Layout()


def test_a_crop_takes_whole_elements_and_the_field_label() -> None:
    layout = layout_of_dom(FORM_DOM)
    window = _snap((0, 110, 800, 100), layout, (800, 600))  # its top edge runs through « Code postal »'s label
    assert window[1] <= 100 and window[1] + window[3] >= 168
    crop = check_limits(crop_pair(page(), page(), None, (20, 128, 300, 40), after_layout=layout, margin=10))
    assert crop.height > 68  # the label above the field is in the picture


def test_the_band_is_above_the_screenshot_not_over_it() -> None:
    shot = page()
    framed = _with_header(shot.crop((0, 0, 400, 200)), "Avant - 01/12/2026")
    band = framed.height - 200
    assert band >= LABEL_SIZE
    assert np.array_equal(np.asarray(framed)[band:], np.asarray(shot.crop((0, 0, 400, 200))))


def test_outline_keeps_off_the_neighbouring_words() -> None:
    image = Image.new("RGB", (300, 120), "white")
    neighbour = (0, 0, 300, 50)  # a line of text right above the element
    element = (20, 52, 100, 40)
    _draw_box(ImageDraw.Draw(image), element, STYLES["inserted"], [neighbour])
    pixels = np.asarray(image)
    assert (pixels[0:50] == 255).all()  # nothing drawn on the words above
    assert (pixels[92:110, 20:120] != 255).any()  # the outline is there below the element


def test_a_cut_word_is_veiled() -> None:
    layout = layout_of_dom(FORM_DOM)
    window = (0, 30, 800, 200)  # the heading (20..60) is cut by the top edge
    half = page().crop((0, 30, 800, 230))
    before = np.asarray(half).copy()
    _veil(half, window, layout, 1.0, page())
    after = np.asarray(half)
    assert after[0:20, 30:200].min() > before[0:20, 30:200].min()  # the heading's ink is faded
    assert (after[100:130] == before[100:130]).all()  # whole elements untouched


def test_an_inserted_band_is_outlined_around_its_elements() -> None:
    layout = layout_of_dom(FORM_DOM)
    assert _fit((0, 190, 800, 90), layout) == (20, 200, 760, 70)  # the label and its field, not the page width


def test_a_target_change_is_written_out_not_shown_twice() -> None:
    image = check_limits(target_picture(page(), (100, 302, 60, 20), "https://a.fr/ancien", "https://a.fr/nouveau",
                                        layout=layout_of_dom(FORM_DOM), name="lien"))
    assert image.width < 800  # one place, not two pages side by side


def test_phone_pictures_are_unscaled_crops_at_most_the_narrow_width() -> None:
    layout = layout_of_dom(FORM_DOM)
    for data in (crop_pair(page(), page(), (20, 128, 300, 40), (20, 228, 300, 40), before_layout=layout,
                           after_layout=layout, narrow=True),
                 target_picture(page(), (100, 302, 60, 20), "a", "b", layout=layout, narrow=True)):
        image = check_limits(data)
        assert image.width <= NARROW_WIDTH + 1
    # a 760 px wide label: shown from its left edge, not shrunk (the page's text stays its size)
    wide = check_limits(crop_pair(page(), page(), (20, 20, 760, 40), (20, 20, 760, 40), narrow=True))
    assert wide.width == NARROW_WIDTH


@pytest.mark.parametrize("mode, sub", [("RGB", True), ("RGBA", True), ("RGBA", False), ("pillow", False),
                                       ("RGB", "up"), ("RGBA", "up")])
def test_a_page_read_a_strip_at_a_time_crops_as_pillow_does(mode: str, sub: bool | str) -> None:
    """open_rgb reads a PNG's rows only when a picture crops them (Chromium's Sub- or None-filtered PNGs, and its
    fast encoder's Up-filtered ones, unfiltered once; any other PNG decoded whole): every crop, inside, across or
    outside the page's edges, is Pillow's crop of the whole decoded page, pixel for pixel."""
    page = draw_page(paragraphs=40)
    if mode == "pillow":
        buffer = io.BytesIO()
        page.save(buffer, format="PNG")
        data = buffer.getvalue()
    else:
        data = chromium_png(page, mode, sub=sub is True, up=sub == "up")
    lazy = open_rgb(data)
    assert isinstance(lazy, PageImage) and lazy.size == page.size
    width, height = page.size
    for box in [(0, 0, width, height), (10, 100, 300, 180), (-40, -30, 120, 90), (width - 50, height - 20,
                width + 60, height + 70), (width + 5, 10, width + 40, 60), (30, height + 1, 90, height + 9),
                (5, 5, 5, 40)]:
        assert np.array_equal(np.asarray(lazy.crop(box)), np.asarray(page.crop(box))), box
    assert composite(data, data, diff_screenshots(data, data)) == composite(page, page, diff_screenshots(page, page))


@pytest.mark.parametrize("mode, transparency", [("RGB", (1, 2, 3)), ("RGBA", None), ("L", None), ("LA", None),
                                                ("P", None), ("P", 3)])
def test_unusual_pngs_give_their_colours(mode: str, transparency: object) -> None:
    """PNGs of other encoders (grey, palette, alpha, an RGB one whose tRNS chunk names a transparent colour) are
    read as their RGB colours, alpha left out, as Pillow's conversion to RGB gives them: pictures and diffs
    alike (an RGB PNG with tRNS was refused as damaged: libpng gives it four channels)."""
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (40, 50, 4), np.uint8)
    pixels[:10, :, :3] = (1, 2, 3)  # the colour tRNS says transparent
    image = Image.fromarray(pixels, "RGBA")
    image = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=60) if mode == "P" else image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **({} if transparency is None else {"transparency": transparency}))
    data = buffer.getvalue()
    expected = np.asarray(image.convert("RGBA"))[..., :3] if mode != "P" else np.asarray(image.convert("RGB"))
    assert np.array_equal(load_png(data), expected)
    page = open_rgb(data)
    assert np.array_equal(np.asarray(page.crop((0, 0, 50, 40))), expected)
