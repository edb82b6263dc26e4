"""Visual diff speed against odiff (native, npm odiff-bin) and pixelmatch (pure Python, PyPI), same pairs, one run.

Run: `cd bench && npm install` once, then `.venv/bin/python bench/bench_visual.py`.
Our time includes PNG decoding (both files, in two threads); the decode alone and the diff alone are shown too.
pixelmatch is far too slow on whole pages: it runs on a 1280x600 crop of each pair and is extrapolated by pixel count.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from watcher.visual import _load_pair, diff_screenshots  # noqa: E402

HERE = Path(__file__).resolve().parent
ODIFF = HERE / "node_modules" / "@odiff" / "linux-x64" / "odiff"
REAL = Path("/work/shared/bench")
PIXELMATCH_CROP = (1280, 600)


def synthetic_page(width: int, height: int, *, banner: int = 0, changed: bool = False) -> Image.Image:
    """A long service page: header, text paragraphs, grey cards, buttons; optional banner and one renamed button."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=16)
    draw.rectangle((0, 0, width, 79), fill=(0, 0, 145))
    y = 80
    if banner:
        draw.rectangle((0, y, width, y + banner - 1), fill=(255, 230, 150))
        draw.text((40, y + banner // 2 - 8), "Information : nouveau service en ligne", font=font, fill="black")
        y += banner
    block = 0
    while y < height - 200:
        draw.rectangle((40, y, width - 40, y + 150), fill=(240, 240, 245))
        for line in range(5):
            draw.text((60, y + 12 + line * 24), f"Bloc {block} ligne {line} : texte de la demarche {block * 13 + line}", font=font, fill="black")
        label = "Valider" if changed and block == 20 else "Continuer"
        draw.rounded_rectangle((width - 240, y + 100, width - 60, y + 136), radius=6, fill=(0, 0, 145))
        draw.text((width - 220, y + 108), label, font=font, fill="white")
        y += 190
        block += 1
    return image


def time_it(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def odiff_seconds(before: Path, after: Path, out: Path) -> float:
    if not ODIFF.exists():
        return float("nan")
    command = [str(ODIFF), str(before), str(after), str(out), "--antialiasing"]
    return time_it(lambda: subprocess.run(command, capture_output=True, check=False))


def pixelmatch_seconds(before: Path, after: Path) -> float:
    """pixelmatch on a crop, scaled up to the whole page by pixel count (it is linear in pixels)."""
    try:
        from pixelmatch.contrib.PIL import pixelmatch
    except ImportError:
        return float("nan")
    with Image.open(before) as b, Image.open(after) as a:
        width, height = min(b.width, a.width), min(b.height, a.height)
        # Start the crop at the first differing row: on identical buffers pixelmatch returns at once.
        rows = (np.asarray(b.convert("RGB"))[:height, :width] != np.asarray(a.convert("RGB"))[:height, :width]).any(axis=(1, 2))
        top = min(int(rows.argmax()), max(height - PIXELMATCH_CROP[1], 0))
        box = (0, top, min(PIXELMATCH_CROP[0], width), top + min(PIXELMATCH_CROP[1], height))
        crop_b, crop_a = b.convert("RGBA").crop(box), a.convert("RGBA").crop(box)
    seconds = time_it(lambda: pixelmatch(crop_b, crop_a, threshold=0.1))
    return seconds * (width * height) / (box[2] * (box[3] - box[1]))


def bench_pair(name: str, before: Path, after: Path, work: Path) -> list[str]:
    decode = time_it(lambda: _load_pair(before, after))
    arrays = _load_pair(before, after)
    diff_only = time_it(lambda: diff_screenshots(*arrays))
    ours = time_it(lambda: diff_screenshots(before, after))
    result = diff_screenshots(*arrays)
    odiff = odiff_seconds(before, after, work / f"{name}-odiff.png")
    pixelmatch = pixelmatch_seconds(before, after)
    with Image.open(after) as image:
        size = f"{image.width}x{image.height}"
    return [
        name, size, f"{decode:.2f}", f"{diff_only:.2f}", f"{ours:.2f}", f"{odiff:.2f}", f"{pixelmatch:.1f}",
        f"{ours / odiff:.2f}", f"{ours / pixelmatch:.3f}", f"{len(result.regions)}", f"{result.changed_ratio:.4f}",
    ]


def peak_memory(work: Path) -> str:
    """Peak traced allocation of one diff of a 1280x16000 pair from PNG files (decoded images included)."""
    before, after = work / "tall-before.png", work / "tall-after.png"
    synthetic_page(1280, 16000).save(before)
    synthetic_page(1280, 16000, banner=90, changed=True).save(after)
    tracemalloc.start()
    seconds = time_it(lambda: diff_screenshots(before, after))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    images = 2 * 1280 * 16000 * 3
    return f"1280x16000 pair: {seconds:.2f} s, peak traced memory {peak / 2**20:.0f} MiB (of which the two decoded images {images / 2**20:.0f} MiB)"


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        pairs = {
            "page 8000 small change": (synthetic_page(1280, 8000), synthetic_page(1280, 8000, changed=True)),
            "banner inserted (shift)": (synthetic_page(1280, 8000), synthetic_page(1280, 8000 + 90, banner=90)),
        }
        for name, (before, after) in pairs.items():
            before.save(work / "b.png")
            after.save(work / "a.png")
            rows.append(bench_pair(name, work / "b.png", work / "a.png", work))
        real_b, real_a = REAL / "www.cypress.io.png", REAL / "www.cypress.io-1.png"
        if real_b.exists():
            rows.append(bench_pair("cypress.io real pair", real_b, real_a, work))
        memory = peak_memory(work)
    header = ["pair", "size", "decode s", "diff s", "ours s", "odiff s", "pixelmatch s*", "ours/odiff", "ours/pm", "regions", "ratio"]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    print("ours s = decode + diff from the PNG files (alignment included); odiff: whole process, --antialiasing.")
    print(f"* pixelmatch extrapolated from a {PIXELMATCH_CROP[0]}x{PIXELMATCH_CROP[1]} crop by pixel count.")
    print(memory)
    print(f"numpy {np.__version__}")


if __name__ == "__main__":
    main()
