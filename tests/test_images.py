"""Before/after pictures: valid PNGs, at most 1600 px wide and 1 MB, stacked for mobile pages, cropped when tall."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw
from test_visual import draw_page

from watcher.detect.visual import diff_screenshots
from watcher.report.pictures import MAX_BYTES, MAX_WIDTH, composite, crop_pair, draw_text


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
