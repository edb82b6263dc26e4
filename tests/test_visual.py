"""Visual diff on page pairs drawn with Pillow: shifts, removals, real changes and the noise that must not alert."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from watcher.detect.visual import Region, VisualDiff, diff_screenshots, load_png
from watcher.errors import InputError

WIDTH = 800
FONT = ImageFont.load_default(size=16)


def draw_page(
    width: int = WIDTH, *, banner: int = 0, button: str = "Envoyer", paragraphs: int = 12, caret: bool = False
) -> Image.Image:
    """A plain service page: header, optional banner, paragraphs of distinct text, a field and a button."""
    lines_height = paragraphs * 60
    image = Image.new("RGB", (width, 120 + banner + lines_height + 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 59), fill=(0, 0, 145))
    draw.text((20, 20), "Service public", font=FONT, fill="white")
    y = 60
    if banner:
        draw.rectangle((0, y, width, y + banner - 1), fill=(255, 230, 150))
        draw.text((20, y + banner // 2 - 8), "Nouveau : prenez rendez-vous en ligne", font=FONT, fill="black")
        y += banner
    y += 40
    for line in range(paragraphs):
        draw.text((40, y), f"Ligne {line} : les démarches en ligne n°{line * 7} pour les usagers", font=FONT, fill="black")
        y += 60
    draw.rectangle((40, y, 340, y + 36), outline=(90, 90, 90))
    if caret:
        draw.line((50, y + 9, 50, y + 27), fill="black", width=2)
    draw.rounded_rectangle((40, y + 80, 200, y + 120), radius=6, fill=(0, 0, 145))
    draw.text((60, y + 90), button, font=FONT, fill="white")
    return image


def as_array(image: Image.Image) -> np.ndarray:
    return np.asarray(image)


def kinds(diff: VisualDiff) -> list[str]:
    return [region.kind for region in diff.regions]


def test_identical_images_do_not_alert() -> None:
    diff = diff_screenshots(draw_page(), draw_page())
    assert (diff.alert, diff.regions, diff.changed_ratio) == (False, [], 0.0)


def test_banner_inserted_at_top_is_one_inserted_region() -> None:
    diff = diff_screenshots(draw_page(), draw_page(banner=80))
    assert kinds(diff) == ["inserted"]
    region = diff.regions[0]
    assert region.y == pytest.approx(60, abs=2) and region.height == pytest.approx(80, abs=4)
    assert diff.alert and 0 < diff.changed_ratio < 0.15
    # Rows below the banner map back to the same content before.
    assert diff.row_map.before_row(600 + 80) == 600


def test_banner_removed_is_one_removed_region_in_before_coordinates() -> None:
    diff = diff_screenshots(draw_page(banner=80), draw_page())
    assert kinds(diff) == ["removed"]
    assert diff.regions[0].y == pytest.approx(60, abs=2)
    assert diff.alert and 0 < diff.changed_ratio < 0.15


def test_renamed_button_is_a_changed_region_where_the_button_is() -> None:
    diff = diff_screenshots(draw_page(), draw_page(button="Valider"))
    assert kinds(diff) == ["changed"]
    region = diff.regions[0]
    button_top = 60 + 40 + 12 * 60 + 80
    assert 40 <= region.x and region.x + region.width <= 200
    assert button_top <= region.y and region.y + region.height <= button_top + 40
    assert diff.alert and diff.changed_ratio < 0.01


def test_banner_and_renamed_button_together() -> None:
    diff = diff_screenshots(draw_page(), draw_page(banner=50, button="Valider"))
    assert sorted(kinds(diff)) == ["changed", "inserted"]


def test_colour_noise_under_threshold_does_not_alert() -> None:
    before = as_array(draw_page())
    noise = np.random.default_rng(1).integers(-3, 4, size=before.shape)
    after = np.clip(before.astype(int) + noise, 0, 255).astype(np.uint8)
    diff = diff_screenshots(before, after)
    assert not diff.alert and diff.changed_ratio == 0.0


def test_strong_colour_change_alerts() -> None:
    before = draw_page()
    after = draw_page()
    ImageDraw.Draw(after).rectangle((0, 0, WIDTH, 59), fill=(200, 0, 0))
    diff = diff_screenshots(before, after)
    assert diff.alert and kinds(diff) == ["changed"]


def render_text_with_subpixel_shift(shift: int) -> Image.Image:
    """Text drawn 4x larger and shrunk: a 1 px shift at 4x moves the glyph edges by a quarter pixel."""
    big = Image.new("RGB", (WIDTH * 4, 200 * 4), "white")
    draw = ImageDraw.Draw(big)
    font = ImageFont.load_default(size=64)
    for line in range(4):
        # Unaccented: Pillow's bundled font draws accented letters as boxes.
        draw.text((80 + shift, 60 + line * 160), f"Demarche numero {line} : carte grise", font=font, fill="black")
    return big.resize((WIDTH, 200), Image.Resampling.BOX)


def test_anti_aliased_edges_shifted_slightly_do_not_alert() -> None:
    before, after = render_text_with_subpixel_shift(0), render_text_with_subpixel_shift(1)
    assert (np.asarray(before) != np.asarray(after)).any()
    assert not diff_screenshots(before, after).alert


def test_blinking_caret_does_not_alert() -> None:
    diff = diff_screenshots(draw_page(), draw_page(caret=True))
    assert not diff.alert and diff.regions == []


def test_change_under_a_mask_does_not_alert() -> None:
    before, after = draw_page(), draw_page(button="Valider")
    button_top = 60 + 40 + 12 * 60 + 80
    assert not diff_screenshots(before, after, masks=[(30, button_top - 10, 200, 60)]).alert
    assert diff_screenshots(before, after, masks=[(600, 0, 100, 100)]).alert


def test_different_heights_work() -> None:
    diff = diff_screenshots(draw_page(paragraphs=12), draw_page(paragraphs=14))
    assert diff.alert
    assert "inserted" in kinds(diff)
    assert all(r.y + r.height <= draw_page(paragraphs=14).height for r in diff.regions if r.kind != "removed")


def test_different_widths_compare_the_common_width() -> None:
    narrow = draw_page(width=780)
    wide = draw_page(width=800)
    diff = diff_screenshots(narrow, wide)
    assert diff.alert
    assert Region(780, 0, 20, wide.height, "changed") in diff.regions
    diff_back = diff_screenshots(wide, narrow)
    assert Region(780, 0, 20, wide.height, "removed") in diff_back.regions


def test_json_contract_is_exact() -> None:
    data = diff_screenshots(draw_page(), draw_page(banner=40)).to_json()
    assert set(data) == {"alert", "changed_ratio", "regions"}
    assert isinstance(data["alert"], bool) and isinstance(data["changed_ratio"], float)
    assert all(set(region) == {"x", "y", "width", "height", "kind"} for region in data["regions"])
    assert all(isinstance(region["x"], int) for region in data["regions"])


def test_png_paths_are_read(tmp_path: Path) -> None:
    draw_page().save(tmp_path / "a.png")
    draw_page(banner=40).save(tmp_path / "b.png")
    assert kinds(diff_screenshots(tmp_path / "a.png", str(tmp_path / "b.png"))) == ["inserted"]
    assert load_png(tmp_path / "a.png").shape == (draw_page().height, WIDTH, 3)


def test_png_bytes_and_rgba_files_give_the_same_diff_as_rgb_paths(tmp_path: Path) -> None:
    draw_page().save(tmp_path / "a.png")
    draw_page(banner=40, button="Valider").save(tmp_path / "b.png")
    draw_page(banner=40, button="Valider").convert("RGBA").save(tmp_path / "b-rgba.png")
    from_paths = diff_screenshots(tmp_path / "a.png", tmp_path / "b.png")
    from_bytes = diff_screenshots((tmp_path / "a.png").read_bytes(), (tmp_path / "b.png").read_bytes())
    from_rgba = diff_screenshots(tmp_path / "a.png", tmp_path / "b-rgba.png")
    assert from_paths.to_json() == from_bytes.to_json() == from_rgba.to_json()
    assert kinds(from_paths) == ["inserted", "changed"]
    with pytest.raises(InputError, match="damaged"):
        diff_screenshots(b"\x89PNG\r\n\x1a\nbroken", (tmp_path / "a.png").read_bytes())


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"", "empty"), (b"GIF89a....", "not a PNG"), (b"\x89PNG\r\n\x1a\nbroken", "damaged")],
)
def test_unusable_files_raise_one_line_input_errors(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "shot.png"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message) as error:
        load_png(path)
    assert "\n" not in str(error.value)


def chromium_png(image: Image.Image, mode: str = "RGB", *, sub: bool = True, up: bool = False) -> bytes:
    """A PNG as Chromium writes them: every row filtered with Sub (or None; or, `up`, Up, as its fast encoder
    does), the data split in several IDAT chunks, an ancillary chunk before them."""
    import zlib

    pixels = np.asarray(image.convert(mode)).astype(np.int16)
    height, width, depth = pixels.shape
    kind = 2 if up else int(sub)
    if up:
        pixels[1:] -= pixels[:-1].copy()
    elif sub:
        pixels[:, 1:] -= pixels[:, :-1].copy()
    lines = np.concatenate([np.full((height, 1), kind), (pixels & 0xFF).reshape(height, -1)], axis=1)
    stream = zlib.compress(lines.astype(np.uint8).tobytes())

    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 6 if depth == 4 else 2, 0, 0, 0])
    half = len(stream) // 2
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"pHYs", bytes(9))
            + chunk(b"IDAT", stream[:half]) + chunk(b"IDAT", stream[half:]) + chunk(b"IEND", b""))


def test_chromium_pngs_give_the_same_diff_as_their_pixels() -> None:
    before, after = draw_page(), draw_page(banner=40, button="Valider")
    expected = diff_screenshots(as_array(before), as_array(after)).to_json()
    assert kinds(diff_screenshots(as_array(before), as_array(after))) == ["inserted", "changed"]
    transparent = after.convert("RGBA")
    transparent.putpixel((5, 5), (255, 255, 255, 0))  # a transparent pixel keeps its colour
    pairs = [
        (chromium_png(before), chromium_png(after)),
        (chromium_png(before, "RGBA"), chromium_png(after, "RGBA")),
        (chromium_png(before, sub=False), chromium_png(after, sub=False)),
        (chromium_png(before, "RGBA"), chromium_png(after)),  # different forms: pixels hashed
        (chromium_png(before, sub=False), chromium_png(after)),
        (chromium_png(before, up=True), chromium_png(after, up=True)),  # Chromium's fast encoder
        (chromium_png(before, "RGBA", up=True), chromium_png(after, "RGBA", up=True)),
        (chromium_png(before, up=True), chromium_png(after, sub=False)),  # Up held as None: hashed as they are
        (chromium_png(before, up=True), chromium_png(after)),
        (chromium_png(before, "RGBA"), chromium_png(transparent, "RGBA")),
    ]
    for png_b, png_a in pairs:
        assert diff_screenshots(png_b, png_a).to_json() == expected
    pillow = io.BytesIO()
    after.save(pillow, format="PNG")
    assert diff_screenshots(chromium_png(before), pillow.getvalue()).to_json() == expected


def test_chromium_pngs_of_different_sizes_and_damaged_ones() -> None:
    wide, narrow = draw_page(WIDTH + 40, button="Valider"), draw_page()
    expected = diff_screenshots(as_array(narrow), as_array(wide)).to_json()
    assert diff_screenshots(chromium_png(narrow), chromium_png(wide, "RGBA")).to_json() == expected
    assert diff_screenshots(chromium_png(narrow, "RGBA"), chromium_png(wide, "RGBA")).to_json() == expected
    png = bytearray(chromium_png(narrow))
    png[-30] ^= 0xFF  # inside the last IDAT chunk: its CRC no longer matches
    with pytest.raises(InputError, match="damaged"):
        diff_screenshots(bytes(png), chromium_png(narrow))


@pytest.mark.parametrize("sub,up", [(True, False), (False, False), (False, True)])
def test_chromium_pngs_with_a_pixel_not_opaque_are_decoded_whole(sub: bool, up: bool) -> None:
    from watcher.detect.visual import _Scanlines

    image = draw_page(banner=30).convert("RGBA")  # 1070 rows: two rows after the last group of four
    width, height = image.size
    opaque = _Scanlines.read(chromium_png(image, "RGBA", sub=sub, up=up))
    assert opaque is not None and opaque.opaque_hashes(width) is not None
    for x, y in [(5, 5), (0, 7), (0, 0), (3, height - 2), (width - 1, height - 1)]:
        shot = image.copy()
        shot.putpixel((x, y), (*shot.getpixel((x, y))[:3], 254))
        scanlines = _Scanlines.read(chromium_png(shot, "RGBA", sub=sub, up=up))
        assert scanlines is not None and scanlines.opaque_hashes(width) is None, (x, y)


def test_screenshots_read_for_a_check_are_compared_without_decoding_them_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A check reads both PNGs once (`ScreenshotRows.pair`) for the diff and the alert's pictures. When their
    scanlines cannot be compared as they are (masks, a transparent pixel, scanlines of two forms, or a PNG of
    another encoder, held decoded), the diff takes the pixels from what was read, not from decoding the PNGs
    again, and finds what it finds in the PNG files."""
    import imagecodecs

    from watcher.detect.visual import ScreenshotRows

    before, after = draw_page(), draw_page(banner=80, button="Valider")
    transparent = after.convert("RGBA")
    transparent.putpixel((5, 5), (255, 255, 255, 0))
    pillow = io.BytesIO()
    after.save(pillow, format="PNG")  # filters chosen row by row: decoded whole when read
    masks = [(30, 200, 300, 50), (-10, 900, 2000, 40)]
    cases = [
        (chromium_png(before, up=True), chromium_png(after, up=True), masks),
        (chromium_png(before, "RGBA", up=True), chromium_png(transparent, "RGBA", up=True), []),
        (chromium_png(before, up=True), chromium_png(after), []),  # None (once Up) and Sub
        (chromium_png(before, up=True), pillow.getvalue(), []),
        (pillow.getvalue(), chromium_png(before, "RGBA"), masks),
    ]
    decodes: list[object] = []
    png_decode = imagecodecs.png_decode

    def counted(*args: object, **kwargs: object) -> object:
        decodes.append(args)
        return png_decode(*args, **kwargs)

    for png_b, png_a, boxes in cases:
        expected = diff_screenshots(png_b, png_a, masks=boxes).to_json()
        rows = ScreenshotRows.pair(png_b, png_a)
        monkeypatch.setattr(imagecodecs, "png_decode", counted)
        assert diff_screenshots(*rows, masks=boxes).to_json() == expected
        monkeypatch.setattr(imagecodecs, "png_decode", png_decode)
        assert decodes == []
        assert np.array_equal(rows[1].rgb(0, rows[1].height), load_png(png_a))  # masks painted on copies
