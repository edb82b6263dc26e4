"""Visual diff against odiff (native, npm odiff-bin) and pixelmatch (pure Python, PyPI), same pairs, one run.

Run: `cd bench && npm ci` (or `npm install --no-save`) once, then `.venv/bin/python bench/bench_visual.py [runs]`.

Both tools run as whole processes, start-up included: `watcher diff A.png B.png --format json` against
`odiff A.png B.png diff.png --antialiasing`, alternated, `runs` times each (5 by default), after one untimed run;
watcher's modules are compiled to bytecode first, as an installed package has them. For each we print the
median wall time, the median CPU time (user + system: steadier than wall time on a shared machine) and the peak
resident set size (the child's ru_maxrss from wait4: both tools are one process each), then the ratios.
Pairs: the real 3446x10728 pair of /work/shared/bench (or $WATCHER_BENCH_PAIR_DIR), and a synthetic 1280x16000 page
with a 90 px band inserted near the top and one button renamed. pixelmatch is far too slow on whole pages: it runs
on a 1280x600 crop of each pair and is extrapolated by pixel count.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ODIFF = HERE / "node_modules" / "@odiff" / "linux-x64" / "odiff"
REAL = Path(os.environ.get("WATCHER_BENCH_PAIR_DIR", "/work/shared/bench"))
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


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # seconds, user + system
    rss: int  # bytes, peak resident set size
    stdout: str


# A tiny launcher measures each run. Linux records, at exec, the peak RSS of the memory the new program replaces;
# a child started by vfork (what subprocess and posix_spawn do) replaces its parent's, so a child of this bench
# (which holds decoded pages for pixelmatch) would be charged this process's peak. The launcher is small (~10 MiB).
LAUNCHER = """
import json, os, sys, time
actions = [(os.POSIX_SPAWN_OPEN, 1, sys.argv[1], os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ, file_actions=actions)
_, status, usage = os.wait4(pid, 0)
print(json.dumps([time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024]))
"""


def run_process(command: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Runs one process to its end through the launcher; wall time (s), CPU time (s) and peak RSS (bytes).
    It runs in this tree's root: `python -m` puts the working directory first on the path, so from another
    tree the other tree's watcher would be measured."""
    with tempfile.NamedTemporaryFile() as out:
        report = subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCHER, out.name, *command],
                                stdout=subprocess.PIPE, env=env, cwd=ROOT, check=True)
        child_out = Path(out.name).read_bytes()
    wall, cpu, rss = json.loads(report.stdout)
    return Run(wall, cpu, rss, child_out.decode("utf-8", "replace"))


def watcher_command(before: Path, after: Path) -> list[str]:
    return [sys.executable, "-m", "watcher", "diff", str(before), str(after), "--format", "json"]


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
    start = time.perf_counter()
    pixelmatch(crop_b, crop_a, threshold=0.1)
    return (time.perf_counter() - start) * (width * height) / (box[2] * (box[3] - box[1]))


def compile_bytecode() -> None:
    """Writes the bytecode of watcher's modules, as installing the package does: a checkout run with
    PYTHONDONTWRITEBYTECODE=1 (as here) would otherwise compile them from source at each start (0.1-0.2 s of
    CPU on a loaded machine), which no installed `watcher` command does. Stale files are ignored by Python."""
    import compileall

    compileall.compile_dir(ROOT / "watcher", quiet=1)


def bench_pair(name: str, before: Path, after: Path, work: Path, runs: int) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ours: list[Run] = []
    theirs: list[Run] = []
    odiff = [str(ODIFF), str(before), str(after), str(work / "odiff.png"), "--antialiasing"]
    for _ in range(runs + 1):  # alternated, so both see the same load; the first runs, untimed, fill the page cache
        ours.append(run_process(watcher_command(before, after), env))
        if ODIFF.exists():
            theirs.append(run_process(odiff))
    ours, theirs = ours[1:], theirs[1:]
    result = json.loads(ours[-1].stdout)
    kinds = [region["kind"] for region in result["regions"]]
    pixelmatch = pixelmatch_seconds(before, after)
    with Image.open(after) as image:
        size = f"{image.width}x{image.height}"

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    wall, cpu, rss = median([r.wall for r in ours]), median([r.cpu for r in ours]), max(r.rss for r in ours)
    o_wall, o_cpu = median([r.wall for r in theirs]), median([r.cpu for r in theirs])
    o_rss = max((r.rss for r in theirs), default=0)
    return [
        name, size, f"{wall:.2f}", f"{cpu:.2f}", f"{rss / 2**20:.0f}", f"{o_wall:.2f}", f"{o_cpu:.2f}",
        f"{o_rss / 2**20:.0f}" if o_rss else "n/a", f"{wall / o_wall:.2f}", f"{cpu / o_cpu:.2f}",
        f"{rss / o_rss:.2f}" if o_rss else "n/a", f"{pixelmatch:.0f}",
        f"{len(kinds)} ({kinds.count('inserted')} inserted)", f"{result['changed_ratio']:.4f}",
    ]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(time.strftime("%Y-%m-%d %H:%M %Z"), "| load average", " ".join(f"{x:.2f}" for x in os.getloadavg()),
          f"| {os.cpu_count()} CPUs | {runs} runs each, alternated")
    if not ODIFF.exists():
        print("odiff not installed (cd bench && npm ci): its columns are empty")
    compile_bytecode()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        real_b, real_a = REAL / "www.cypress.io.png", REAL / "www.cypress.io-1.png"
        if real_b.exists() and real_a.exists():
            rows.append(bench_pair("cypress.io real pair", real_b, real_a, work, runs))
        tall_b, tall_a = work / "tall-before.png", work / "tall-after.png"
        synthetic_page(1280, 16000).save(tall_b)
        synthetic_page(1280, 16000 + 90, banner=90, changed=True).save(tall_a)
        rows.append(bench_pair("band inserted + button renamed", tall_b, tall_a, work, runs))
    header = ["pair", "size", "ours s", "ours cpu s", "ours MiB", "odiff s", "odiff cpu s", "odiff MiB",
              "time ratio", "cpu ratio", "RSS ratio", "pixelmatch s*", "our regions", "ratio"]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    print("Whole processes, start-up included; medians of the runs; MiB = peak RSS (largest run); ratios = ours/odiff.")
    print(f"* pixelmatch (in process) extrapolated from a {PIXELMATCH_CROP[0]}x{PIXELMATCH_CROP[1]} crop by pixel count.")
    print("load average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
