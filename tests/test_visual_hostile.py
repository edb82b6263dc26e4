"""Hostile or unlucky PNG files on the visual diff's fast path (Chromium-style PNGs parsed by watcher itself):
each gives the result of the general decoder (libpng) or a one-line InputError, never another exception."""

from __future__ import annotations

import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import watcher.detect.visual as visual
from tests.test_visual import chromium_png, draw_page
from watcher.errors import InputError

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    found, position = [], 8
    while position + 12 <= len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        found.append((png[position + 4 : position + 8], png[position + 8 : position + 8 + length]))
        position += 12 + length
    return found


def build(parts: list[tuple[bytes, bytes]]) -> bytes:
    return SIGNATURE + b"".join(chunk(kind, body) for kind, body in parts)


BEFORE = chromium_png(draw_page())
AFTER = chromium_png(draw_page(banner=40, button="Valider"))
IHDR = chunks(BEFORE)[0]
STREAM = b"".join(body for kind, body in chunks(BEFORE) if kind == b"IDAT")


def with_stream(stream: bytes) -> bytes:
    return build([IHDR, (b"IDAT", stream), (b"IEND", b"")])


def last_row_up() -> bytes:
    pixels = np.asarray(draw_page().convert("RGB")).astype(np.int16)
    height = pixels.shape[0]
    sub = pixels.copy()
    sub[:, 1:] -= pixels[:, :-1]
    lines = np.concatenate([np.ones((height, 1), np.int16), (sub & 0xFF).reshape(height, -1)], axis=1)
    lines[-1, 0], lines[-1, 1:] = 2, ((pixels[-1] - pixels[-2]) & 0xFF).reshape(-1)  # Up, not Sub
    return with_stream(zlib.compress(lines.astype(np.uint8).tobytes()))


def tall_png(height: int) -> bytes:
    """A white PNG one pixel wide: a few kB for a million rows."""
    header = (1).to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return build([(b"IHDR", header), (b"IDAT", zlib.compress(bytes([1, 255, 255, 255]) * height)), (b"IEND", b"")])


def crc_flipped(png: bytes, kind: bytes) -> bytes:
    damaged, position = bytearray(png), 8
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        if png[position + 4 : position + 8] == kind:
            damaged[position + 8 + length] ^= 1
            return bytes(damaged)
        position += 12 + length
    raise AssertionError(kind)


HOSTILE: dict[str, Callable[[], bytes]] = {
    "cut inside IDAT": lambda: BEFORE[: len(BEFORE) // 2],
    "cut inside IEND": lambda: BEFORE[:-6],
    "no IEND": lambda: BEFORE[:-12],
    "signature only": lambda: BEFORE[:8],
    "many IDAT chunks": lambda: build([IHDR, *((b"IDAT", STREAM[i : i + 97]) for i in range(0, len(STREAM), 97)),
                                       (b"IEND", b"")]),
    "empty IDAT first": lambda: build([IHDR, (b"IDAT", b""), *chunks(BEFORE)[1:]]),
    "only an empty IDAT": lambda: build([IHDR, (b"IDAT", b""), (b"IEND", b"")]),
    "IDAT CRC": lambda: crc_flipped(BEFORE, b"IDAT"),
    "IHDR CRC": lambda: crc_flipped(BEFORE, b"IHDR"),
    "ancillary CRC": lambda: crc_flipped(BEFORE, b"pHYs"),
    "wrong Adler-32": lambda: with_stream(STREAM[:-4] + bytes(4)),
    "data after the zlib stream": lambda: with_stream(STREAM + b"more" * 10),
    "IHDR of 14 bytes": lambda: build([(b"IHDR", IHDR[1] + b"\0"), *chunks(BEFORE)[1:]]),
    "critical chunk named in Latin-1": lambda: build([IHDR, (b"\xceBCD", b"x"), *chunks(BEFORE)[1:]]),
    "two IHDR chunks": lambda: build([IHDR, *chunks(BEFORE)]),
    "IDAT after IEND": lambda: build([IHDR, (b"IEND", b""), (b"IDAT", STREAM)]),
    "IDATs apart": lambda: build([IHDR, (b"IDAT", STREAM[:100]), (b"tEXt", b"a\0b"), (b"IDAT", STREAM[100:]),
                                  (b"IEND", b"")]),
    "100000x100000": lambda: build([(b"IHDR", (100000).to_bytes(4, "big") * 2 + IHDR[1][8:]), *chunks(BEFORE)[1:]]),
    "taller than libpng takes": lambda: tall_png(1_000_001),
    "tall and thin": lambda: tall_png(300_000),
    "height taller than the data": lambda: build([(b"IHDR", IHDR[1][:4] + (2000).to_bytes(4, "big") + IHDR[1][8:]),
                                                  *chunks(BEFORE)[1:]]),
    "last row filtered Up": last_row_up,
    "trailing garbage": lambda: BEFORE + b"garbage" * 100,
    "filter type 5": lambda: with_stream(zlib.compress(bytes([5]) + zlib.decompress(STREAM)[1:])),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_pngs_give_the_general_decoders_answer(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    png = HOSTILE[name]()

    def diff() -> object:
        try:
            return visual.diff_screenshots(png, AFTER).to_json()
        except InputError as error:
            assert "\n" not in str(error)
            return "error"

    fast = diff()
    monkeypatch.setattr(visual._Scanlines, "read", classmethod(lambda cls, data: None))
    assert fast == diff()


def test_one_pixel_wide_and_high_chromium_pngs() -> None:
    for size, spot in [((1, 300), (0, 100)), ((300, 1), (100, 0)), ((1, 1), (0, 0))]:
        plain = Image.new("RGB", size, "white")
        spotted = plain.copy()
        spotted.putpixel(spot, (0, 0, 0))
        expected = visual.diff_screenshots(np.asarray(plain), np.asarray(spotted)).to_json()
        for mode in ("RGB", "RGBA"):
            assert visual.diff_screenshots(chromium_png(plain, mode), chromium_png(spotted, mode)).to_json() == expected
            assert visual.diff_screenshots(chromium_png(plain, mode, up=True),
                                           chromium_png(spotted, mode, up=True)).to_json() == expected


def test_command_line_says_what_is_wrong_in_one_french_line(tmp_path: Path) -> None:
    after = tmp_path / "after.png"
    after.write_bytes(AFTER)
    for name in ("wrong Adler-32", "critical chunk named in Latin-1", "cut inside IDAT"):
        before = tmp_path / "before.png"
        before.write_bytes(HOSTILE[name]())
        done = subprocess.run([sys.executable, "-m", "watcher", "diff", str(before), str(after), "--format", "json"],
                              capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[1])
        assert done.returncode not in (0, 1) and done.stdout == "", name
        assert "Traceback" not in done.stderr and "abîmée" in done.stderr.splitlines()[-1], name


def test_command_line_writes_libpngs_warnings_once(tmp_path: Path) -> None:
    before, after = tmp_path / "before.png", tmp_path / "after.png"
    before.write_bytes(build([(b"IHDR", bytes(4) + IHDR[1][4:]), *chunks(BEFORE)[1:]]))  # width 0
    after.write_bytes(AFTER)
    done = subprocess.run([sys.executable, "-m", "watcher", "diff", str(before), str(after), "--format", "json"],
                          capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[1])
    lines = done.stderr.splitlines()
    assert done.returncode not in (0, 1) and "abîmée" in lines[-1] and "Traceback" not in done.stderr
    assert len(lines) == len(set(lines)), done.stderr


def test_a_banner_on_a_wider_page_is_found_by_every_decoder() -> None:
    """Row hashes are of one kind in both images whatever their widths (the general path once hashed the wider
    image's rows with SipHash and the narrower's with XXH3: no row matched, the banner was a change)."""
    from tests.test_visual import WIDTH

    before, after = draw_page(), draw_page(WIDTH + 40, banner=40)
    from_arrays = visual.diff_screenshots(np.asarray(before), np.asarray(after)).to_json()
    assert "inserted" in [region["kind"] for region in from_arrays["regions"]]
    assert visual.diff_screenshots(chromium_png(before), chromium_png(after)).to_json() == from_arrays


@pytest.mark.parametrize("fmt", [["--format", "json"], []])
def test_a_fifo_is_refused_at_once_not_waited_for(tmp_path: Path, fmt: list[str]) -> None:
    import os

    fifo, after = tmp_path / "before.png", tmp_path / "after.png"
    os.mkfifo(fifo)  # nobody writes to it: opening it would wait for ever
    after.write_bytes(AFTER)
    done = subprocess.run([sys.executable, "-m", "watcher", "diff", str(fifo), str(after), *fmt],
                          capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[1])
    assert done.returncode not in (0, 1) and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "fichier ordinaire" in done.stderr


def test_running_out_of_memory_is_a_one_line_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two PNGs of 700 kB may each hold 13000×13000 pixels (under MAX_PIXELS): 1.4 GB to compare."""

    def no_memory(*args: object) -> None:
        raise MemoryError

    monkeypatch.setattr(visual, "_prepare_pair", no_memory)
    with pytest.raises(InputError, match="memory") as error:
        visual.diff_screenshots(BEFORE, AFTER)
    assert "\n" not in str(error.value)


def test_reading_two_screenshots_for_a_check_runs_out_of_memory_as_the_diff_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A check reads both PNGs (`ScreenshotRows.pair`) before the diff: memory running out there is the same
    one-line InputError as in `diff_screenshots`, not a bare MemoryError in the check's status."""
    page = draw_page(paragraphs=3)

    def no_memory(*args: object) -> None:
        raise MemoryError

    monkeypatch.setattr(visual._Scanlines, "read", no_memory)
    with pytest.raises(InputError, match="memory") as error:
        visual.ScreenshotRows.pair(chromium_png(page, up=True), chromium_png(page, up=True))
    assert "\n" not in str(error.value)


def test_two_unusable_screenshots_read_together_name_the_first_ones_fault() -> None:
    """`ScreenshotRows.pair(before, after)` says what is wrong with `before` first, as its docstring says, even
    when `after` is unusable too and read in the calling thread (files that are not PNGs: the words of
    `diff_screenshots`)."""
    page = chromium_png(draw_page(paragraphs=3), up=True)
    for before, after in ((b"", b"not a PNG"), (b"not a PNG", b"")):
        with pytest.raises(InputError) as expected:
            visual.diff_screenshots(before, after)
        with pytest.raises(InputError) as error:
            visual.ScreenshotRows.pair(before, after)
        assert str(error.value) == str(expected.value)
    # both damaged inside: the one the decoder refuses in the calling thread (after) does not hide before's
    crc = page.index(b"IDAT") + 8 + int.from_bytes(page[page.index(b"IDAT") - 4 : page.index(b"IDAT")], "big")
    bad_header, bad_data = page[:29] + b"\0\0\0\0" + page[33:], page[:crc] + b"\0\0\0\0" + page[crc + 4 :]
    with pytest.raises(InputError, match="IHDR"):
        visual.ScreenshotRows.pair(bad_header, bad_data)
    with pytest.raises(InputError, match="IDAT"):
        visual.ScreenshotRows.pair(bad_data, bad_header)


@pytest.mark.parametrize("width", [1, 7, 106])
def test_a_tall_thin_up_filtered_png_is_not_unfiltered_one_call_a_row(width: int) -> None:
    """Up-filtered rows are unfiltered once read; a row loop costs a Python call a row whatever its width: a
    4 kB PNG of 1 x 1 000 000 px took twenty times libpng's whole decode. Narrow rows are summed down their
    columns instead (counted in lines of Python run, not timed), to the same pixels."""
    from types import FrameType
    from typing import Any

    rng = np.random.default_rng(width)
    image = Image.fromarray(rng.integers(0, 256, (20_000, width, 3), dtype=np.uint8))
    png = chromium_png(image, up=True)
    steps = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal steps
        steps += event == "line"
        return trace if frame.f_code.co_filename == visual.__file__ else None

    sys.settrace(trace)
    try:
        lines = visual._Scanlines.read(png)
    finally:
        sys.settrace(None)
    assert lines is not None and steps < 1000
    assert np.array_equal(lines.rgb(0, 20_000), np.asarray(image))
