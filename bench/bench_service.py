"""Scale benchmark (issue 7): N local pages checked by watcher against a bare Playwright loop, same pages, one run.

Run: `.venv/bin/python bench/bench_service.py [--pages 60] [--latency 150] [--service-seconds 0]`.

- The site: N French public-service-like pages (50-100 KB: header, nav, search, news, text, tables, a form,
  FAQ, footer, inline SVG and data-URI images) on 127.0.0.1, each answer delayed by --latency ms. Even pages
  change their first news item between rounds, so the second round exercises the diff and storing path.
- The peer: one browser (watcher.capture.browser.launch_browser); per page a new context, goto (load), full-page PNG
  screenshot, page.content(), close. Sequential, and with our concurrency.
- Ours: `watcher.service.check.check_targets` twice on a temporary targets.yaml (round 1: new; round 2: compare with
  the baseline: skeleton, structural and visual diffs, storing). With --service-seconds, the real service
  (`watcher.service.scheduler.Service`, as `watcher run --confirm-delay 0` builds it) runs in a subprocess and the checks
  it records in the index during that window are counted.
- Memory: a thread sums VmRSS (and PSS, which does not count shared pages twice) of this process and all its
  descendants (Playwright's driver, Chromium and its renderers) every 100 ms; the peak of each phase is shown.
- When ours/bare is above the 1.5x aim (or with --profile), a sequential pass times each stage of our check and
  of the bare loop on the same pages.
Nothing leaves 127.0.0.1; temporary folders are removed; the exit code is 0 unless the benchmark itself broke.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import inspect
import json
import logging
import os
import random
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import watcher.capture.page as capture_module  # noqa: E402
import watcher.service.check as check_module  # noqa: E402
from watcher.capture.browser import find_chromium, launch_browser  # noqa: E402
from watcher.capture.scripts import ADD_STYLE, ANNOTATE_DOM, CHALLENGE_MARKERS, PAGE_HEIGHT  # noqa: E402
from watcher.config.targets import load_config, machine_concurrency  # noqa: E402
from watcher.store.snapshots import SnapshotWriter, Store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
AIM_RATIO = 1.3
AIM_CHECKS_PER_HOUR = 5000
AIM_RSS_MB = 1536
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
VIEWPORT = {"width": 1280, "height": 800}

# --------------------------------------------------------------------------------------------------------------
# The site
# --------------------------------------------------------------------------------------------------------------

WORDS = (
    "demande allocation logement caisse bénéficiaire dossier justificatif revenus déclaration impôts prélèvement "
    "source mairie préfecture titre séjour carte identité passeport rendez-vous délai démarche en ligne compte "
    "personnel identifiant France Connect formulaire pièce jointe attestation domicile employeur ressources "
    "trimestrielle situation familiale enfant charge pension retraite complémentaire versement mensuel droits "
    "conditions montant plafond barème simulateur agence accueil téléphone courrier recommandé recours amiable "
    "commission décision notification usager service public administration numérique accompagnement conseiller "
    "médiateur association permanence guichet espace"
).split()

TOPICS = (
    "Aide personnalisée au logement (APL)", "Revenu de solidarité active (RSA)", "Prime d'activité",
    "Carte nationale d'identité", "Passeport biométrique", "Déclaration de revenus", "Titre de séjour",
    "Allocations familiales", "Complémentaire santé solidaire", "Inscription à France Travail",
    "Permis de conduire", "Certificat d'immatriculation", "Acte de naissance", "Retraite de base",
    "Bourse sur critères sociaux", "Chèque énergie",
)

CSS_RULES = "".join(
    f".u-m{i}{{margin:{i * 2}px}}.u-p{i}{{padding:{i * 2}px}}.u-c{i}{{color:#{(i * 2221) % 0xFFFFFF:06x}}}"
    f".fr-grid-row--{i} > .fr-col{{flex:0 0 {100 / (i % 12 + 1):.3f}%}}\n" for i in range(140)
)

BASE_CSS = """
body{margin:0;font:16px/1.5 Marianne,Arial,sans-serif;color:#161616}
header{border-bottom:1px solid #ddd;padding:8px 40px}.brand{display:flex;gap:16px;align-items:center}
nav.main ul{display:flex;gap:24px;list-style:none;padding:0;margin:8px 0}nav a{color:#000091}
main{max-width:960px;margin:0 auto;padding:24px 40px}h1{font-size:40px;line-height:48px}
.news li{margin:4px 0}.card{border:1px solid #ddd;padding:16px;margin:16px 0;background:#f6f6f6}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
form label{display:block;margin-top:12px;font-weight:bold}input,select,textarea{width:60%;padding:6px}
button{background:#000091;color:#fff;border:0;padding:10px 20px;margin-top:16px}
footer{background:#f6f6f6;padding:24px 40px;columns:4}footer a{display:block;color:#3a3a3a;font-size:14px}
figure{margin:16px 0}figure img{display:block}
"""


def svg_icon(rng: random.Random, size: int, shapes: int) -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 100 100">']
    for _ in range(shapes):
        color = f"#{rng.randrange(0xFFFFFF):06x}"
        x, y, r = rng.randrange(100), rng.randrange(100), rng.randrange(4, 30)
        parts.append(f'<circle cx="{x}" cy="{y}" r="{r}" fill="{color}" opacity="0.7"/>')
        parts.append(f'<path d="M{x} {y} L{(x + 37) % 100} {(y + 53) % 100} L{(x + 71) % 100} {y} Z" fill="{color}"/>')
    return "".join(parts) + "</svg>"


def data_uri_image(rng: random.Random, width: int, height: int) -> str:
    svg = svg_icon(rng, 100, 40).replace('width="100" height="100"', f'width="{width}" height="{height}"')
    encoded = base64.b64encode(svg.encode()).decode()
    return f'<img src="data:image/svg+xml;base64,{encoded}" width="{width}" height="{height}" alt="">'


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random) -> str:
    return "<p>" + " ".join(sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(2, 4))) + "</p>"


def header_html(rng: random.Random) -> str:
    menu = "".join(f'<li><a href="/rubrique/{i}" class="fr-nav__link u-p{i}">{t.split(" (")[0]}</a></li>'
                   for i, t in enumerate(TOPICS[:7]))
    return (
        '<a class="skip" href="#main">Aller au contenu</a><header role="banner"><div class="brand">'
        f'{svg_icon(rng, 64, 12)}<p>République<br>française</p><a href="/" title="Accueil - Service public">'
        'Service public</a></div><form role="search" action="/recherche"><label for="q">Rechercher</label>'
        '<input id="q" name="q" type="search"><button type="submit">Rechercher</button></form>'
        f'<nav class="main" aria-label="Menu principal"><ul>{menu}</ul></nav></header>'
    )


def news_html(index: int, round_number: int, rng: random.Random) -> str:
    first = f"Nouveau : le téléservice {TOPICS[index % len(TOPICS)]} évolue (information n° {index})"
    if index % 2 == 0 and round_number:  # half the pages change a little from one round to the next
        first = f"Mise à jour n° {round_number} : nouvelles conditions pour {TOPICS[index % len(TOPICS)]}"
    items = [first] + [sentence(rng, 9) for _ in range(3)]
    lis = "".join(f'<li><a href="/actualites/{index}-{n}">{text}</a></li>' for n, text in enumerate(items))
    return f'<section class="news" aria-labelledby="news"><h2 id="news">Actualités</h2><ul>{lis}</ul></section>'


def form_html(rng: random.Random) -> str:
    options = "".join(f"<option>{t}</option>" for t in TOPICS)
    radios = "".join(f'<label><input type="radio" name="situation" value="{v}"> {v}</label>'
                     for v in ("Seul(e)", "En couple", "Avec enfants"))
    return (
        '<form class="card" action="/simulateur" method="post"><fieldset><legend>Simulateur : estimer vos '
        'droits</legend><label for="cp">Code postal</label><input id="cp" name="cp" autocomplete="postal-code">'
        f'<label for="aide">Aide demandée</label><select id="aide" name="aide">{options}</select>'
        f'<fieldset><legend>Situation familiale</legend>{radios}</fieldset>'
        '<label for="rev">Revenus mensuels (en euros)</label><input id="rev" name="rev" inputmode="numeric">'
        '<label><input type="checkbox" name="ok"> J\'accepte les conditions d\'utilisation</label>'
        '<label for="msg">Précisions</label><textarea id="msg" name="msg"></textarea>'
        '<button type="submit">Lancer la simulation</button></fieldset></form>'
    )


def body_sections(rng: random.Random, budget: int) -> list[str]:
    """Text, tables, figures and FAQ items until `budget` characters of markup."""
    parts: list[str] = []
    size, n = 0, 0
    while size < budget:
        n += 1
        rows = "".join(f"<tr><td>{sentence(rng, 3)}</td><td>{rng.randint(100, 9000)} €</td>"
                       f"<td>{sentence(rng, 5)}</td></tr>" for _ in range(4))
        section = (
            f'<section class="card fr-grid-row--{n % 140}"><h2>{sentence(rng, 4)[:-1]}</h2>'
            + "".join(paragraph(rng) for _ in range(2))
            + (f'<figure>{data_uri_image(rng, 320, 120)}<figcaption>{sentence(rng, 6)}</figcaption></figure>'
               if n % 3 == 0 else "")
            + (f"<table><caption>Barème</caption><tr><th>Situation</th><th>Montant</th><th>Précision</th></tr>"
               f"{rows}</table>" if n % 2 == 0 else "")
            + f"<details><summary>{sentence(rng, 7)[:-1]} ?</summary>{paragraph(rng)}</details></section>"
        )
        parts.append(section)
        size += len(section)
    return parts


def footer_html(rng: random.Random) -> str:
    links = "".join(f'<a href="/pied/{i}">{sentence(rng, 3)[:-1]}</a>' for i in range(48))
    return f'<footer role="contentinfo"><p>{svg_icon(rng, 48, 6)}</p>{links}<p>© République française</p></footer>'


def page_html(index: int, round_number: int) -> str:
    """One page of the site; only the first news item of even pages depends on `round_number`."""
    rng = random.Random(index)
    title = TOPICS[index % len(TOPICS)]
    head = header_html(rng)
    news = news_html(index, round_number, random.Random(index * 7919))
    sections = body_sections(rng, rng.randint(14_000, 34_000))
    data = ",".join(f'{{"id":{i},"label":"{sentence(rng, 4)}","href":"/r/{i}"}}' for i in range(rng.randint(60, 140)))
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title} | Service-Public</title>'
        f'<meta name="viewport" content="width=device-width"><style>{BASE_CSS}{CSS_RULES}</style></head><body>'
        f'{head}<main id="main"><nav aria-label="Fil d\'Ariane"><a href="/">Accueil</a> › '
        f'<a href="/particuliers">Particuliers</a> › {title}</nav><h1>{title}</h1>'
        f'<p role="status">Vérifié le 12 mars 2025 - Direction de l\'information légale et administrative</p>'
        f'{news}{"".join(sections[:2])}{form_html(rng)}{"".join(sections[2:])}</main>{footer_html(rng)}'
        f'<script>window.__MENU__=[{data}];document.documentElement.classList.add("js")</script></body></html>'
    )


class Site:
    """The pages, served on a free port of 127.0.0.1, each answer delayed by `latency` seconds."""

    def __init__(self, pages: int, latency: float) -> None:
        self.pages, self.latency = pages, latency
        self.round = 0
        self.flip_every: float | None = None  # service mode: the round follows the clock
        self._cache: dict[tuple[int, int], bytes] = {}
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, index: int) -> str:
        return f"{self.base}/page-{index:03d}.html"

    def current_round(self) -> int:
        if self.flip_every:
            return int(time.monotonic() / self.flip_every) % 2
        return self.round

    def body(self, index: int) -> bytes:
        key = (index, self.current_round())
        with self._lock:
            if key not in self._cache:
                self._cache[key] = page_html(*key).encode()
            return self._cache[key]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
                name = self.path.split("?", 1)[0].lstrip("/")
                if not (name.startswith("page-") and name.endswith(".html")):
                    self.send_error(404)
                    return
                index = int(name[5:8])
                time.sleep(site.latency)
                body = site.body(index)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler

    def __enter__(self) -> Site:
        threading.Thread(target=self.httpd.serve_forever, name="bench-site", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """`pid` and every process it started, directly or not."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children[ppid].append(int(entry.name))
    tree, stack = [pid], list(children[pid])
    while stack:
        child = stack.pop()
        tree.append(child)
        stack.extend(children[child])
    return tree


def memory_kb(pid: int, path: str, key: str) -> int:
    try:
        with open(f"/proc/{pid}/{path}") as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its descendants that ended and were waited for (Playwright's
    driver waits for Chromium, Chromium for its renderers, we for the driver: once a browser is closed, all its
    processes' time is here)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def tree_cpu_seconds() -> float:
    """User + system CPU time of this process and of every live process it started (Playwright's driver, Chromium
    and its renderers), read from /proc: the stage profile's all-process column (a stage run alone, sequentially)."""
    total = 0.0
    for pid in process_tree(os.getpid()):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += sum(int(value) for value in fields[11:15]) / CLOCK_TICKS  # its own and its waited-for children's
    return total


class MemorySampler:
    """Peak RSS and PSS (MB) of a process tree, sampled every 100 ms in a thread; one peak per phase. Also the CPU
    time of the phase (this process and its descendants, cpu_seconds), less the sampler's own."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0.0
        self.samples = 0
        self.cpu = 0.0  # seconds, set when the phase ends
        self._own_cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            pids = process_tree(self.pid)
            rss = sum(memory_kb(p, "status", "VmRSS:") for p in pids) / 1024
            pss = sum(memory_kb(p, "smaps_rollup", "Pss:") for p in pids) / 1024
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.samples += 1
        self._own_cpu = time.thread_time()

    def __enter__(self) -> MemorySampler:
        self._started_cpu = cpu_seconds()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu = cpu_seconds() - self._started_cpu - self._own_cpu


@contextlib.contextmanager
def sampled(pid: int) -> Iterator[MemorySampler]:
    with MemorySampler(pid) as sampler:
        yield sampler


# --------------------------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One pass over the pages: wall time, per-page times, memory peaks and what the checks said."""

    name: str
    pages: int
    wall: float
    per_page: list[float]
    peak_rss: float = 0.0
    peak_pss: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    cpu: float = 0.0  # seconds of CPU, this process and the browser's (cpu_seconds)
    note: str = ""
    load: float = field(default_factory=lambda: os.getloadavg()[0])  # other work on the machine skews figures

    @property
    def pages_per_minute(self) -> float:
        return self.pages / self.wall * 60 if self.wall else 0.0

    @property
    def cpu_per_page(self) -> float:
        return self.cpu / self.pages if self.pages else 0.0

    @property
    def wall_per_page(self) -> float:
        return self.wall / self.pages if self.pages else 0.0

    @property
    def mean(self) -> float:
        return statistics.fmean(self.per_page) if self.per_page else float("nan")

    @property
    def p95(self) -> float:
        if len(self.per_page) < 2:
            return self.mean
        return statistics.quantiles(self.per_page, n=20, method="inclusive")[-1]


async def bare_page(browser: Any, url: str) -> float:
    """The peer: what any screenshot tool does for one page."""
    started = time.perf_counter()
    context = await browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    try:
        page = await context.new_page()
        await page.goto(url, wait_until="load", timeout=30_000)
        await page.screenshot(type="png", full_page=True)
        await page.content()
    finally:
        await context.close()
    return time.perf_counter() - started


async def bare_loop(urls: list[str], concurrency: int) -> tuple[float, list[float]]:
    started = time.perf_counter()
    async with launch_browser() as browser:
        limit = asyncio.Semaphore(concurrency)

        async def one(url: str) -> float:
            async with limit:
                return await bare_page(browser, url)

        times = list(await asyncio.gather(*(one(u) for u in urls)))
    return time.perf_counter() - started, times


def run_bare(name: str, urls: list[str], concurrency: int) -> Run:
    print(f"  running {name} ...")
    with sampled(os.getpid()) as memory:
        wall, times = asyncio.run(bare_loop(urls, concurrency))
    return Run(name, len(urls), wall, times, memory.peak_rss, memory.peak_pss, {"ok": len(times)}, cpu=memory.cpu)


@contextlib.contextmanager
def patched(owner: Any, name: str, replacement: Any) -> Iterator[None]:
    original = inspect.getattr_static(owner, name)  # a classmethod put back as one
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        setattr(owner, name, original)


async def checked_round(config_path: Path, snapshots: Path) -> tuple[float, list[float], dict[str, int], list[str]]:
    """One `check_targets` pass over every target; per-target times come from a wrapper around check_target."""
    config = load_config(config_path)
    times: list[float] = []
    original = check_module.check_target

    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            times.append(time.perf_counter() - started)

    with patched(check_module, "check_target", timed), Store(snapshots) as store:
        started = time.perf_counter()
        results = await check_module.check_targets(config, store, config.targets)
        wall = time.perf_counter() - started
    statuses: dict[str, int] = defaultdict(int)
    for result in results:
        statuses[result.status] += 1
    problems = [f"{r.target.id}: {r.status} {r.reason}" for r in results if r.status in ("error", "unreachable")]
    return wall, times, dict(statuses), problems


def run_ours(name: str, config_path: Path, snapshots: Path) -> Run:
    print(f"  running {name} ...")
    with sampled(os.getpid()) as memory:
        wall, times, statuses, problems = asyncio.run(checked_round(config_path, snapshots))
    for problem in problems[:5]:
        print(f"  ! {problem}")
    return Run(name, len(times), wall, times, memory.peak_rss, memory.peak_pss, statuses, cpu=memory.cpu)


def write_targets(path: Path, site: Site, concurrency: int | None, every: int) -> None:
    """targets.yaml for the site; without `concurrency`, watcher sizes it from the machine (Settings.workers)."""
    lines = (["settings:", f"  concurrency: {concurrency}"] if concurrency else []) + ["targets:"]
    for index in range(site.pages):
        lines += [f"  - id: page-{index:03d}", f'    name: "Page {index} du site de test"',
                  f"    url: {site.url(index)}", f'    schedule: "every {every}s"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------------------------
# Stage profile
# --------------------------------------------------------------------------------------------------------------


class Stages:
    """Seconds spent in each named stage, summed over the pages of a sequential pass."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)  # CPU time of the steps run in Python (one thread each)
        self.tree_cpu: dict[str, float] = defaultdict(float)  # CPU time of every process (Python, driver, Chromium)
        self.calls: dict[str, int] = defaultdict(int)
        self.identical: dict[str, int] = defaultdict(int)

    def add(self, stage: str, seconds: float, tree_cpu: float) -> None:
        self.seconds[stage] += seconds
        self.tree_cpu[stage] += tree_cpu
        self.calls[stage] += 1

    def wrap_async(self, stage: Callable[..., str], func: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        @functools.wraps(func)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started, started_tree = time.perf_counter(), tree_cpu_seconds()
            try:
                return await func(*args, **kwargs)
            finally:
                self.add(stage(*args, **kwargs), time.perf_counter() - started, tree_cpu_seconds() - started_tree)

        return timed

    def wrap_sync(self, stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started, started_cpu, started_tree = time.perf_counter(), time.thread_time(), tree_cpu_seconds()
            try:
                return func(*args, **kwargs)
            finally:
                self.add(stage, time.perf_counter() - started, tree_cpu_seconds() - started_tree)
                self.cpu[stage] += time.thread_time() - started_cpu

        return timed


def evaluate_stage(_page: Any, expression: str, *_: Any, **__: Any) -> str:
    names = {ANNOTATE_DOM: "annotate DOM (evaluate)", CHALLENGE_MARKERS: "bot-wall check (evaluate)",
             PAGE_HEIGHT: "page height (evaluate)", ADD_STYLE: "still CSS (add_style_tag)"}
    return names.get(expression, "other evaluate (user agent)")


def screenshot_stage(_page: Any, *_: Any, **kwargs: Any) -> str:
    return "full-page screenshot" if kwargs.get("full_page") else "stable-viewport screenshots"


def constant(name: str) -> Callable[..., str]:
    return lambda *_, **__: name


@contextlib.contextmanager
def instrumented(stages: Stages) -> Iterator[None]:
    """Time Playwright calls and watcher's check steps by patching them in place (this process only)."""
    from playwright.async_api import BrowserContext, Locator, Page

    from watcher.capture.axnames import AxNamer
    from watcher.safety.netpolicy import RequestPolicy

    browser_calls = [
        (Page, "goto", constant("goto (load)")), (Page, "wait_for_load_state", constant("wait networkidle")),
        (Page, "evaluate", evaluate_stage), (Page, "screenshot", screenshot_stage),
        (Page, "content", constant("content()")), (Page, "add_style_tag", constant("still CSS (add_style_tag)")),
        (Page, "wait_for_timeout", constant("wait_for_timeout")), (Locator, "aria_snapshot", constant("aria snapshot")),
        (BrowserContext, "new_page", constant("new page")), (BrowserContext, "close", constant("context close")),
        (AxNamer, "name_frame", constant("Chromium names (axnames, per frame)")),
        (capture_module, "stable_viewport", constant("stable-viewport screenshots")),
        (capture_module, "full_page_png", constant("full-page screenshot")),
        (RequestPolicy, "handle", constant("request policy (route handler)")),
    ]
    check_steps = [
        (check_module, "extract_skeleton", "skeleton extraction"), (check_module, "compare_snapshots", "structural diff"),
        (check_module, "diff_screenshots", "visual diff"), (check_module, "_reference", "baseline skeleton read"),
        (check_module, "write_capture", "store: write files"), (check_module, "write_images", "alert images"),
        (check_module, "stored_report", "report JSON"), (SnapshotWriter, "publish", "store: fsync + rename"),
        (Store, "record_check", "index: record"), (Store, "baseline", "index: baseline"),
    ]
    with contextlib.ExitStack() as stack:
        for owner, name, stage in browser_calls:
            stack.enter_context(patched(owner, name, stages.wrap_async(stage, getattr(owner, name))))
        stack.enter_context(patched(capture_module, "new_context", stages.wrap_async(
            constant("new context (+route)"), capture_module.new_context)))
        for owner, name, label in check_steps:
            if not hasattr(owner, name):  # renamed since: the profile goes on without that line
                print(f"  (not timed: {getattr(owner, '__name__', owner)}.{name} no longer exists)")
                continue
            stack.enter_context(patched(owner, name, stages.wrap_sync(label, getattr(owner, name))))
        if hasattr(check_module, "ScreenshotRows"):  # the visual diff's reading of both PNGs, kept for the pictures
            rows = check_module.ScreenshotRows
            stack.enter_context(patched(rows, "pair", staticmethod(stages.wrap_sync("visual diff: read PNGs",
                                                                                   rows.pair))))
        yield


async def profiled_bare(urls: list[str], stages: Stages) -> tuple[float, float]:
    """Seconds of wall time and of CPU (every process, tree_cpu_seconds) of the bare loop over `urls`."""
    async with launch_browser() as browser:
        from playwright.async_api import Browser

        with patched(Browser, "new_context", stages.wrap_async(constant("new context (+route)"), Browser.new_context)):
            started, started_cpu = time.perf_counter(), tree_cpu_seconds()
            for url in urls:
                await bare_page(browser, url)
            return time.perf_counter() - started, tree_cpu_seconds() - started_cpu


def count_identical(stages: Stages, compare: Callable[..., Any]) -> Callable[..., Any]:
    """Counts comparisons a byte-equality test would have settled without decoding or diffing anything."""

    def counted(baseline: Path, capture: Any, skeleton: Any, *rest: Any, **options: Any) -> Any:
        same_png = (baseline / "screenshot.png").read_bytes() == capture.main.screenshot
        stored = json.loads((baseline / "skeleton.json").read_text(encoding="utf-8"))
        same_skeleton = json.dumps(stored, sort_keys=True) == json.dumps(skeleton.to_json(), sort_keys=True)
        stages.identical["screenshot bytes equal"] += same_png
        stages.identical["skeleton equal"] += same_skeleton
        stages.identical["both equal"] += same_png and same_skeleton
        return compare(baseline, capture, skeleton, *rest, **options)

    return counted


async def profiled_ours(config_path: Path, snapshots: Path, count: int, stages: Stages) -> tuple[float, float]:
    """Seconds of wall time and of CPU (every process, tree_cpu_seconds) of our checks of the first `count`
    targets."""
    config = load_config(config_path)
    with Store(snapshots) as store, patched(check_module, "compare", count_identical(stages, check_module.compare)):
        async with launch_browser() as browser:
            started, started_cpu = time.perf_counter(), tree_cpu_seconds()
            for target in config.targets[:count]:
                await check_module.check_target(browser, store, target, config.settings)
            return time.perf_counter() - started, tree_cpu_seconds() - started_cpu


def profile(site: Site, config_path: Path, snapshots: Path, count: int) -> None:
    """Sequential pass over `count` pages (a new round: half of them changed) with every stage timed."""
    urls = [site.url(i) for i in range(count)]
    bare, ours = Stages(), Stages()
    with instrumented(bare):
        bare_wall, bare_cpu = asyncio.run(profiled_bare(urls, bare))
    site.round = 2
    with instrumented(ours):
        ours_wall, ours_cpu = asyncio.run(profiled_ours(config_path, snapshots, count, ours))
    print(f"\nStage breakdown, sequential (concurrency 1), {count} pages, ms per page "
          f"(ours: compare round, {sum(1 for i in range(count) if i % 2 == 0)} changed pages):")
    names = sorted(set(bare.seconds) | set(ours.seconds), key=lambda n: -max(ours.seconds[n], bare.seconds[n]))
    print(f"  {'stage':34} {'ours':>8} {'bare':>8} {'calls/page (ours)':>18} {'ours CPU in Python':>18}"
          f" {'CPU all processes: ours':>24} {'bare':>6}")
    for name in names:
        cpu = f"{ours.cpu[name] / count * 1000:18.1f}" if name in ours.cpu else f"{'(browser)':>18}"
        print(f"  {name:34} {ours.seconds[name] / count * 1000:8.1f} {bare.seconds[name] / count * 1000:8.1f} "
              f"{ours.calls[name] / count:18.1f} {cpu} {ours.tree_cpu[name] / count * 1000:24.1f}"
              f" {bare.tree_cpu[name] / count * 1000:6.1f}")
    for label, wall, stages in (("ours", ours_wall, ours), ("bare", bare_wall, bare)):
        timed = sum(stages.seconds.values())
        print(f"  {label}: {wall / count * 1000:.0f} ms per page = timed stages {timed / count * 1000:.0f} ms"
              f" + other (Python glue, route handler, event loop) {(wall - timed) / count * 1000:.0f} ms")
    print(f"  sequential ours/bare: {ours_wall / bare_wall:.2f}x wall; CPU of all processes {ours_cpu / count * 1000:.0f}"
          f" ms against {bare_cpu / count * 1000:.0f} ms a page: {ours_cpu / bare_cpu:.2f}x")
    print("  comparisons with the baseline: " + ", ".join(f"{k} {v}/{count}" for k, v in ours.identical.items()))
    print("  (stages run one at a time here; at concurrency 2 the Python steps - visual diff, skeleton, pictures -"
          " run in worker threads and share the CPUs with Chromium; the visual diff's CPU column counts its calling"
          " thread only, not its decoding and comparing threads)")


# --------------------------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------------------------

SERVICE_LAUNCHER = """
import logging, sys
from pathlib import Path
from watcher.service.scheduler import Service, ServiceOptions
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logging.getLogger("apscheduler").setLevel(logging.WARNING)
config, snapshots = Path(sys.argv[1]), Path(sys.argv[2])
# as `watcher run --confirm-delay 0`, without the 5 s spread of the first checks (a 5 min ramp for 60 pages)
options = ServiceOptions(confirm_delay=0, startup_spread=0, notifiers=config.parent / "notifiers")
Service(config, snapshots, options).start()
"""


def index_rows(snapshots: Path, after_id: int = 0) -> list[tuple[int, str]]:
    db = sqlite3.connect(f"file:{snapshots / 'index.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        return list(db.execute("SELECT id, status FROM checks WHERE id > ? ORDER BY id", (after_id,)))
    finally:
        db.close()


def last_id(snapshots: Path) -> int:
    rows = index_rows(snapshots)
    return rows[-1][0] if rows else 0


def start_service(config_path: Path, snapshots: Path, log_path: Path, use_cli: bool) -> subprocess.Popen[bytes]:
    if use_cli:
        command = [sys.executable, "-m", "watcher", "run", "--config", str(config_path), "--snapshots",
                   str(snapshots), "--confirm-delay", "0"]
    else:
        command = [sys.executable, "-c", SERVICE_LAUNCHER, str(config_path), str(snapshots)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log_path, "wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_service(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_service(site: Site, config_path: Path, snapshots: Path, seconds: float, use_cli: bool) -> Run:
    """The real service on the same pages; checks recorded in the index during `seconds`, after its start."""
    log_path = config_path.parent / "service.log"
    print(f"  running the service ({seconds:.0f} s window after its first check) ...")
    site.flip_every = 45.0
    before = last_id(snapshots)
    process = start_service(config_path, snapshots, log_path, use_cli)
    try:
        deadline = time.monotonic() + 60
        while last_id(snapshots) == before:  # started: Chromium up, first check recorded
            if process.poll() is not None or time.monotonic() > deadline:
                print(log_path.read_text(errors="replace")[-2000:])
                raise RuntimeError("the service did not record a check within 60 s")
            time.sleep(0.2)
        time.sleep(5)
        start_id = last_id(snapshots)
        with sampled(process.pid) as memory:
            started = time.perf_counter()
            time.sleep(seconds)
            rows = index_rows(snapshots, start_id)
            wall = time.perf_counter() - started
    finally:
        stop_service(process)
        site.flip_every = None
    statuses: dict[str, int] = defaultdict(int)
    for _, status in rows:
        statuses[status] += 1
    log_text = log_path.read_text(errors="replace")
    run = Run(f"service {seconds:.0f} s window", len(rows), wall, [], memory.peak_rss, memory.peak_pss,
              dict(statuses))
    # SharedBrowser restarts Chromium above BROWSER_MAX_MB of PSS: count how often it did
    run.note = (f"Chromium (re)starts in the log: {log_text.count('starting a fresh Chromium')}, "
                f"errors logged: {log_text.count(' ERROR ')}")
    return run


# --------------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------------


def print_table(runs: list[Run]) -> None:
    print(f"\n| {'run':30} | {'pages':>5} | {'wall s':>7} | {'pages/min':>9} | {'checks/h':>8} | "
          f"{'mean s':>6} | {'p95 s':>6} | {'CPU s/page':>10} | {'peak RSS MB':>11} | {'peak PSS MB':>11} | "
          f"{'load':>4} | statuses |")
    print("|" + "|".join("-" * w for w in (32, 7, 9, 11, 10, 8, 8, 12, 13, 13, 6, 10)) + "|")
    for run in runs:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(run.statuses.items()))
        mean, p95 = (f"{run.mean:6.2f}", f"{run.p95:6.2f}") if run.per_page else ("     -", "     -")
        print(f"| {run.name:30} | {run.pages:5d} | {run.wall:7.1f} | {run.pages_per_minute:9.1f} | "
              f"{run.pages_per_minute * 60:8.0f} | {mean} | {p95} | {run.cpu_per_page:10.2f} | {run.peak_rss:11.0f} | "
              f"{run.peak_pss:11.0f} | {run.load:4.1f} | {statuses} |")


def bracketed(before: Run, after: Run) -> Run:
    """The bare loop measured before and after ours, as one run (sums: per-page figures are their means)."""
    return Run("bare loop, both runs", before.pages + after.pages, before.wall + after.wall,
               before.per_page + after.per_page, max(before.peak_rss, after.peak_rss),
               max(before.peak_pss, after.peak_pss), cpu=before.cpu + after.cpu, load=(before.load + after.load) / 2)


def load_text() -> str:
    """The machine's load averages (1, 5, 15 min) and CPU count, as printed with every figure."""
    return f"load {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1/5/15 min) on {os.cpu_count()} cores"


def print_ratios(bare: Run, ours: Run, concurrency: int, service: Run | None) -> float:
    ratio = ours.wall_per_page / bare.wall_per_page
    latency_ratio = ours.mean / bare.mean
    per_hour = (service or ours).pages_per_minute * 60
    peak = max(r.peak_rss for r in [ours, bare] + ([service] if service else []))
    peak_pss = max(r.peak_pss for r in [ours, bare] + ([service] if service else []))
    print(f"\nRatios (concurrency {concurrency}, ours = compare round, bare = its runs before and after ours;"
          f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {load_text()}):")
    print(f"  ours/bare wall time per page : {ratio:.2f}x  ({ours.wall_per_page:.3f} s vs {bare.wall_per_page:.3f} s;"
          f" aim <= {AIM_RATIO}x: {'OK' if ratio <= AIM_RATIO else 'ABOVE AIM'})")
    print(f"  ours/bare mean page latency  : {latency_ratio:.2f}x  ({ours.mean:.3f} s vs {bare.mean:.3f} s)")
    if bare.cpu_per_page:
        cpus = machine_cpus()
        print(f"  ours/bare CPU time per page  : {ours.cpu_per_page / bare.cpu_per_page:.2f}x  ({ours.cpu_per_page:.2f} s"
              f" vs {bare.cpu_per_page:.2f} s, Python + driver + Chromium; steadier than wall time on a shared"
              f" machine)")
        print(f"  checks per hour {cpus} CPUs could do if CPU-bound: ours {cpus * 3600 / ours.cpu_per_page:.0f}, bare"
              f" {cpus * 3600 / bare.cpu_per_page:.0f} (an estimate: 3600 s x CPUs / CPU s per check)")
    source = "service window" if service else "compare round"
    print(f"  checks per hour ({source}) : {per_hour:.0f} = {per_hour / AIM_CHECKS_PER_HOUR:.2f}x the "
          f"{AIM_CHECKS_PER_HOUR} aim ({'OK' if per_hour >= AIM_CHECKS_PER_HOUR else 'BELOW AIM'}; "
          f"{os.cpu_count()} cores)")
    print(f"  peak PSS (Python + driver + Chromium): {peak_pss:.0f} MB = {peak_pss / AIM_RSS_MB:.2f}x the 1.5 GB aim "
          f"({'OK' if peak_pss <= AIM_RSS_MB else 'ABOVE AIM'}); summed RSS {peak:.0f} MB (counts shared pages"
          f" once per process)")
    cpu_ratio = ours.cpu_per_page / bare.cpu_per_page if bare.cpu_per_page else float("nan")
    idle = max(ours.load, bare.load) < 1.5
    if idle:
        verdict = ("OK" if per_hour >= AIM_CHECKS_PER_HOUR and peak_pss <= AIM_RSS_MB else "BELOW AIM")
        aim = f"idle machine: aim >= {AIM_CHECKS_PER_HOUR} checks/h with peak PSS < 1.5 GB"
    else:
        verdict = "OK" if ratio <= AIM_RATIO else "ABOVE AIM"
        aim = f"loaded machine: aim ours/bare <= {AIM_RATIO}x"
    print(f"\n==> {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {load_text()} (mean 1-min load during"
          f" the runs: ours {ours.load:.1f}, bare {bare.load:.1f}):\n    ours/bare = {ratio:.2f}x wall, {cpu_ratio:.2f}x"
          f" CPU; {per_hour:.0f} checks/h; peak PSS {peak_pss:.0f} MB -> {verdict} ({aim})")
    return ratio


def machine_cpus() -> int:
    """CPUs this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60, help="number of local pages (default 60)")
    parser.add_argument("--latency", type=float, default=150, help="server delay per answer in ms (default 150)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="settings.concurrency (default: absent from targets.yaml, watcher's own default sized"
                             " from the machine, machine_concurrency(); the bare loop uses the same number)")
    parser.add_argument("--service-seconds", type=float, default=0,
                        help="run the real service for this long and count its checks (default 0: skip)")
    parser.add_argument("--service-every", type=int, default=60, help="schedule of every page in the service (s)")
    parser.add_argument("--service-cli", action="store_true",
                        help="start the service with the literal `watcher run` (first checks 5 s apart)")
    parser.add_argument("--profile", action="store_true", help="time each stage even if ours/bare is within aim")
    parser.add_argument("--profile-pages", type=int, default=16, help="pages of the stage profile (default 16)")
    parser.add_argument("--names-off", action="store_true",
                        help="a third round with Chromium's names (capture/axnames.py) not read, to see their cost")
    parser.add_argument("--profile-only", action="store_true",
                        help="only the stage profile (after one unmeasured round that stores the baselines)")
    args = parser.parse_args(argv)
    if not 1 <= args.pages <= 999:
        parser.error("--pages must be between 1 and 999")
    if args.service_every < 10:
        parser.error("--service-every must be at least 10 (watcher's shortest interval)")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows up when piped
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="watcher-bench-") as tmp, Site(args.pages, args.latency / 1000) as site:
        folder = Path(tmp)
        config_path, snapshots = folder / "targets.yaml", folder / "snapshots"
        write_targets(config_path, site, args.concurrency, args.service_every)
        explicit, args.concurrency = args.concurrency, args.concurrency or machine_concurrency()
        sizes = [len(site.body(i)) for i in range(args.pages)]
        print(f"watcher scale benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {args.pages} pages "
              f"({min(sizes) // 1024}-{max(sizes) // 1024} KB, mean {statistics.fmean(sizes) / 1024:.0f} KB), "
              f"{args.latency:.0f} ms latency, concurrency {args.concurrency}"
              f"{'' if explicit else ' (watcher default, sized from the machine)'}, {load_text()}, Chromium "
              f"{find_chromium() or 'Playwright'}")
        urls = [site.url(i) for i in range(args.pages)]
        if args.profile_only:
            asyncio.run(checked_round(config_path, snapshots))
            site.round = 1
            profile(site, config_path, snapshots, min(args.profile_pages, args.pages))
            return 0
        runs = [run_bare("bare loop, sequential", urls, 1),
                run_bare(f"bare loop, concurrency {args.concurrency}", urls, args.concurrency)]
        first = run_ours(f"ours round 1 (new), c={args.concurrency}", config_path, snapshots)
        site.round = 1
        second = run_ours(f"ours round 2 (compare), c={args.concurrency}", config_path, snapshots)
        runs += [first, second]
        if args.names_off:  # the same work as round 2 (even pages change back), Chromium's names not read
            site.round = 0
            from watcher.capture.axnames import AxNamer

            async def left_to_python(*_: Any, **__: Any) -> bool:
                return False

            with patched(AxNamer, "name_frame", left_to_python):
                runs.append(run_ours(f"ours round 3, Chromium names off, c={args.concurrency}", config_path,
                                     snapshots))
        # The bare loop again after ours: the load of the machine drifts, the ratio takes both bare runs.
        runs.append(run_bare(f"bare loop, concurrency {args.concurrency}, again", urls, args.concurrency))
        bare = bracketed(runs[1], runs[-1])
        service = None
        if args.service_seconds > 0:
            service = run_service(site, config_path, snapshots, args.service_seconds, args.service_cli)
            demand = args.pages * 60 / args.service_every
            service.note += (f"; schedule demand {demand:.0f}/min: "
                            + ("schedule-bound (kept up)" if service.pages_per_minute >= 0.9 * demand
                               else "capacity-bound"))
            runs.append(service)
        print_table(runs)
        if service:
            print(f"  service: {service.note}")
        ratio = print_ratios(bare, second, args.concurrency, service)
        if args.names_off:
            off = runs[4]
            print(f"  Chromium names (axnames.py) on/off, compare rounds: CPU per page {second.cpu_per_page:.2f} s / "
                  f"{off.cpu_per_page:.2f} s ({second.cpu_per_page / off.cpu_per_page:.2f}x), wall per page "
                  f"{second.wall_per_page:.2f} s / {off.wall_per_page:.2f} s")
        if ratio > AIM_RATIO or args.profile:
            profile(site, config_path, snapshots, min(args.profile_pages, args.pages))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
