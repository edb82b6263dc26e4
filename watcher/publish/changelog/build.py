"""The visual changelog: a static site (timeline, site and change pages, Atom feeds, co-training sheets).

The site only uses relative links and copies every image it shows, so the folder works from file://, from any
web server, or once moved. Change pages live at `changes/<target-id>/<snapshot-folder>/`, which never move.
Files are only rewritten when their content differs, so a rebuild is idempotent and cheap; a sheet's PDF is
only printed again when its printable page changed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from watcher.config.targets import Config, load_config
from watcher.errors import StoreError, WatcherError
from watcher.publish.changelog import texts
from watcher.publish.changelog.model import SEVERITIES, Entry, load_entries
from watcher.publish.changelog.pdf import PdfJob, print_pdfs
from watcher.publish.tutorial_render import ROOT as TUTORIALS_ROOT
from watcher.publish.tutorial_render import EntryTutorial, TutorialPublisher, find_procedure
from watcher.store import files as snapfiles
from watcher.store.snapshots import TMP_PREFIX, Store

__all__ = ["BuildReport", "ChangelogBuilder", "beside_config", "build_changelog", "build_tutorial", "default_out",
           "run_build"]

STATIC_FILES = ("style.css", "filter.js", "tutorial.js")
FALLBACK_HEIGHT = 1600  # a full-page screenshot can be 16 000 px tall: show its top only
FEED_ENTRIES = 50


@dataclass
class BuildReport:
    """What a build did: counts a coordinator can read, and where the site is."""

    out: Path
    alerts: int = 0
    minor: int = 0
    files_written: int = 0
    files_unchanged: int = 0
    pdfs_made: int = 0
    pdfs_kept: int = 0
    tutorials: int = 0
    seconds: float = 0.0

    def describe(self, lang: str = "fr") -> str:
        return texts.ui("built", lang, out=self.out, alerts=self.alerts, minor=self.minor, tutorials=self.tutorials,
                        files=self.files_written, pdfs=self.pdfs_made, seconds=self.seconds)


class SiteWriter:
    """Writes files of the site, only when their content changed, and counts what it did."""

    def __init__(self, out: Path, report: BuildReport, lang: str) -> None:
        self.out = out
        self.report = report
        self.lang = lang

    def write(self, rel: str, data: str | bytes) -> bool:
        """Write `rel` if its content differs; returns whether it was written."""
        body = data.encode() if isinstance(data, str) else data
        path = self.out / rel
        if path.is_file() and path.stat().st_size == len(body) and path.read_bytes() == body:
            self.report.files_unchanged += 1
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(TMP_PREFIX + path.name)
        tmp.write_bytes(body)
        # No fsync: the site is derived data, rebuilt from the index at will; a rename keeps readers safe.
        os.replace(tmp, path)
        self.report.files_written += 1
        return True


def slug(text: str) -> str:
    """A folder name for an audience tag: « Seniors & aidants » -> seniors-aidants."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    name = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60]
    return name or "tag-" + hashlib.sha1(text.encode()).hexdigest()[:8]


def change_uuid(entry: Entry) -> str:
    """The Atom id of a change: stable forever, whatever the base URL the site is published at."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'watcher:change:{entry.target_id}/{entry.folder}')}"


@functools.lru_cache(maxsize=4)
def make_env(lang: str) -> Environment:
    """Jinja with autoescaping on everything: page text comes from watched pages and must stay text."""
    env = Environment(loader=PackageLoader("watcher.publish.changelog", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals.update(lang=lang, t=lambda key, **kw: texts.ui(key, lang, **kw), severities=SEVERITIES)
    env.filters.update(day=lambda d: texts.day(d, lang), moment=lambda d: texts.moment(d, lang),
                       severity=lambda s: texts.severity_label(s, lang), percent=lambda r: texts.percent(r, lang),
                       iso=lambda d: d.isoformat(timespec="seconds"), slug=slug)
    return env


@dataclass
class Navigation:
    """The filters shown on every timeline page: sites, audience tags and severities that have changes."""

    sites: list[tuple[str, str, int]]  # id, name, number of important changes
    tags: list[tuple[str, str, int]]  # slug, tag, number of important changes
    severities: list[tuple[str, int]]
    minor: int


def navigation(entries: list[Entry]) -> Navigation:
    alerts = [e for e in entries if e.alert]
    names = {e.target_id: e.site_name for e in entries}  # latest name wins (entries are oldest first)
    sites = sorted(names, key=lambda i: names[i].lower())
    tags = sorted({t for e in entries for t in e.tags}, key=str.lower)
    return Navigation(
        sites=[(i, names[i], sum(1 for e in alerts if e.target_id == i)) for i in sites],
        tags=[(slug(t), t, sum(1 for e in alerts if t in e.tags)) for t in tags],
        severities=[(s, n) for s in SEVERITIES if (n := sum(1 for e in alerts if e.severity == s))],
        minor=len(entries) - len(alerts),
    )


class ChangelogBuilder:
    """Renders and writes every page of the site for a list of entries."""

    def __init__(self, out: Path, entries: list[Entry], lang: str, base_url: str | None, report: BuildReport,
                 pdf: bool = True):
        self.env = make_env(lang)
        self.pdf = pdf
        self.with_pdf: set[str] = set()  # change folders whose sheet has (or will have) a PDF
        self.entries = entries
        self.lang = lang
        self.base_url = base_url.rstrip("/") + "/" if base_url else None
        self.site = SiteWriter(out, report, lang)
        self.nav = navigation(entries)
        self.tutorials: TutorialPublisher | None = None

    def t(self, key: str, **values: Any) -> str:
        return texts.ui(key, self.lang, **values)

    def render(self, template: str, root: str, **context: Any) -> str:
        return self.env.get_template(template).render(root=root, nav=self.nav, **context)

    def timeline(self, rel_dir: str, title: str, entries: Iterable[Entry], **context: Any) -> None:
        root = "../" * rel_dir.count("/")
        newest_first = sorted(entries, key=lambda e: e.time, reverse=True)
        context.setdefault("current", rel_dir)
        self.site.write(rel_dir + "index.html", self.render("timeline.html.j2", root, title=title,
                                                            entries=newest_first, **context))

    def write_timelines(self) -> None:
        alerts = [e for e in self.entries if e.alert]
        self.timeline("", texts.ui("timeline_all", self.lang), alerts, feed="feed.xml", show_filters=True)
        self.timeline("minor/", texts.ui("timeline_minor", self.lang), [e for e in self.entries if not e.alert],
                      intro=texts.ui("minor_intro", self.lang))
        for severity, _count in self.nav.severities:
            label = texts.severity_label(severity, self.lang)
            self.timeline(f"severity/{severity}/", texts.ui("timeline_severity", self.lang, severity=label),
                          [e for e in alerts if e.severity == severity], show_filters=True)
        for tag_slug, tag, _count in self.nav.tags:
            self.timeline(f"tags/{tag_slug}/", texts.ui("timeline_tag", self.lang, tag=tag),
                          [e for e in alerts if tag in e.tags], feed="feed.xml", show_filters=True)

    def write_sites(self) -> None:
        self.site.write("sites/index.html", self.render("sites.html.j2", "../"))
        for target_id, name, _count in self.nav.sites:
            history = [e for e in self.entries if e.target_id == target_id]
            self.timeline(f"sites/{target_id}/", texts.ui("timeline_site", self.lang, name=name),
                          [e for e in history if e.alert], feed="feed.xml", show_filters=True, site=history[-1],
                          minor_entries=sorted((e for e in history if not e.alert), key=lambda e: e.time,
                                               reverse=True))

    def feed(self, rel_dir: str, title: str, entries: list[Entry]) -> None:
        """An Atom feed of important changes, newest first, in `rel_dir`."""
        root = "../" * rel_dir.count("/")
        prefix = self.base_url or root
        newest = sorted(entries, key=lambda e: e.time, reverse=True)[:FEED_ENTRIES]
        items = [{"entry": e, "id": change_uuid(e), "href": prefix + e.path, "has_pdf": e.path in self.with_pdf,
                  "content": self.render("feed_content.html.j2", prefix, entry=e,
                                         has_pdf=e.path in self.with_pdf)} for e in newest]
        feed_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'watcher:feed:{rel_dir}')}"
        updated = newest[0].time if newest else datetime(2000, 1, 1, tzinfo=UTC)
        self.site.write(rel_dir + "feed.xml", self.render(
            "feed.xml.j2", root, title=title, feed_id=feed_id, updated=updated, items=items,
            self_href=self.base_url + rel_dir + "feed.xml" if self.base_url else "feed.xml",
            alt_href=prefix + rel_dir))

    def write_feeds(self) -> None:
        alerts = [e for e in self.entries if e.alert]
        self.feed("", texts.ui("feed_title", self.lang), alerts)
        for target_id, name, _count in self.nav.sites:
            self.feed(f"sites/{target_id}/", texts.ui("feed_title_site", self.lang, name=name),
                      [e for e in alerts if e.target_id == target_id])
        for tag_slug, tag, _count in self.nav.tags:
            self.feed(f"tags/{tag_slug}/", texts.ui("feed_title_tag", self.lang, tag=tag),
                      [e for e in alerts if tag in e.tags])

    def write_change(self, entry: Entry) -> PdfJob:
        """The change page, its printable sheet and its images; returns what the PDF needs."""
        root = "../../../"
        pictures = copy_pictures(entry, self.site)
        sheet = self.render("sheet.html.j2", root, entry=entry, pictures=pictures)
        job = PdfJob(self.site.out / entry.path / "fiche.html", self.site.out / entry.path / "fiche.pdf")
        if not job.html.is_file() or job.html.read_text(encoding="utf-8") != sheet:
            job.pdf.unlink(missing_ok=True)  # a stale PDF must never outlive the sheet it was printed from
        self.site.write(entry.path + "fiche.html", sheet)
        if self.pdf or job.pdf.is_file():
            self.with_pdf.add(entry.path)
        self.site.write(entry.path + "index.html", self.render(
            "change.html.j2", root, entry=entry, pictures=pictures, has_pdf=entry.path in self.with_pdf,
            tutorials=self.entry_tutorials(entry)))
        return job

    def entry_tutorials(self, entry: Entry) -> list[EntryTutorial]:
        if self.tutorials is None:
            return []
        baseline = entry.baseline_dir.name if entry.baseline_dir else None
        return self.tutorials.for_entry(entry.target_id, entry.folder, baseline, entry.procedures)

    def write_static(self) -> None:
        for name in STATIC_FILES:
            data = resources.files("watcher.publish.changelog").joinpath("templates", name).read_bytes()
            self.site.write(name, data)


@dataclass(frozen=True)
class ShownPicture:
    """A picture as the change page shows it: file name in the change folder, alt text and caption."""

    name: str
    alt: str
    caption: str
    overview: bool
    narrow: str | None = None  # its phone / print version (crops drawn unscaled, report.pictures.NARROW_WIDTH)


def copy_pictures(entry: Entry, site: SiteWriter) -> list[ShownPicture]:
    """Copy the change's images into its folder (the site must stand alone), with alt texts."""
    lang = site.lang
    before = texts.day(entry.baseline_time, lang) if entry.baseline_time else "?"
    overview_caption = texts.ui("overview_caption", lang, before=before, after=texts.day(entry.time, lang))
    shown = []
    for picture in entry.pictures:
        data = snapfiles.read_bytes(entry.snapshot_dir, Path(picture.source))  # no symlink out of the folder
        if data is None:
            continue
        site.write(entry.path + picture.name, data)
        key = "overview_alt" if picture.overview else "crop_alt"
        alt = texts.ui(key, lang, name=entry.site_name, summary=picture.summary)
        narrow = snapfiles.read_bytes(entry.snapshot_dir, Path(picture.source).with_suffix(".phone.png"))
        if narrow is not None:
            site.write(entry.path + picture.name.removesuffix(".png") + ".phone.png", narrow)
        shown.append(ShownPicture(picture.name, alt, overview_caption if picture.overview else picture.summary,
                                  picture.overview,
                                  picture.name.removesuffix(".png") + ".phone.png" if narrow is not None else None))
    return shown or fallback_pictures(entry, site, lang)


def fallback_pictures(entry: Entry, site: SiteWriter, lang: str) -> list[ShownPicture]:
    """Without stored before/after images, show the top of both screenshots (made once, then kept)."""
    pairs = [("before.png", entry.baseline_dir, "before_alt", entry.baseline_time),
             ("after.png", entry.snapshot_dir, "after_alt", entry.time)]
    shown = []
    for name, folder, key, when in pairs:
        source = folder / "screenshot.png" if folder else None
        dest = site.out / entry.path / name
        if not dest.is_file() and source is not None and folder is not None and snapfiles.contained(folder, source):
            site.write(entry.path + name, screenshot_top(source))
        if dest.is_file():
            text = texts.ui(key, lang, name=entry.site_name, date=texts.day(when, lang) if when else "?")
            shown.append(ShownPicture(name, text, text, True))
    return shown


def screenshot_top(path: Path) -> bytes:
    from io import BytesIO

    from PIL import Image

    with Image.open(path) as image:
        top = image.crop((0, 0, image.width, min(image.height, FALLBACK_HEIGHT)))
        buffer = BytesIO()
        top.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def build_changelog(store: Store, out: Path, *, lang: str = "fr", pdf: bool = True, base_url: str | None = None,
                    printer: Callable[[list[PdfJob]], int] = print_pdfs, config: Config | None = None) -> BuildReport:
    """Build (or bring up to date) the changelog site in `out` from the snapshot index, tutorials included
    (`config`, the targets.yaml in force, gives the dummy values the tutorials show as typed)."""
    started = time.monotonic()
    report = BuildReport(out)
    entries = load_entries(store, lang)
    report.alerts = sum(1 for e in entries if e.alert)
    report.minor = len(entries) - report.alerts
    try:
        out.mkdir(parents=True, exist_ok=True)
        builder = ChangelogBuilder(out, entries, lang, base_url, report, pdf)
        builder.tutorials = TutorialPublisher(builder, store, config)
        tutorial_jobs = builder.tutorials.publish_all()
        report.tutorials = sum(1 for h in builder.tutorials.histories.values() if h.versions)
        jobs = [builder.write_change(entry) for entry in entries]
        builder.write_timelines()
        builder.write_sites()
        builder.write_feeds()
        builder.write_static()
    except OSError as exc:
        raise StoreError(f"cannot write the changelog in {out}: {exc.strerror or exc}") from None
    if pdf:
        missing = [job for job in jobs if not job.pdf.is_file()]
        report.pdfs_made = printer(missing + tutorial_jobs) if missing or tutorial_jobs else 0
        report.pdfs_kept = len(jobs) - len(missing)
    report.seconds = time.monotonic() - started
    return report


def default_out(snapshots: Path) -> Path:
    """Where the site goes when no --out is given: `changelog/` beside the snapshots folder."""
    return snapshots.resolve().parent / "changelog"


def run_build(snapshots: Path, out: Path | None, lang: str, pdf: bool, base_url: str | None,
              config: Config | None = None) -> BuildReport:
    """The `watcher changelog build` command."""
    with Store(snapshots) as store:
        return build_changelog(store, out or default_out(snapshots), lang=lang, pdf=pdf, base_url=base_url,
                               config=config or beside_config(snapshots))


def beside_config(snapshots: Path) -> Config | None:
    """The targets.yaml of the usual layout (beside the snapshots folder), for the tutorials' dummy values;
    without it (or if it is invalid), tutorials say « écrivez votre … » and blur what was typed."""
    path = snapshots.resolve().parent / "targets.yaml"
    try:
        return load_config(path) if path.is_file() else None
    except WatcherError:
        return None


def build_tutorial(store: Store, out: Path, query: str, target_id: str | None, lang: str, pdf: bool,
                   config: Config | None) -> Path:
    """Make (or bring up to date) one procedure's tutorial in the site folder `out`; returns its page.

    `query` is the procedure's slug or name (case-insensitive), `target_id` narrows it to one target; raises
    `InputError` when no procedure or several match, or when it never ran to its end.
    """
    tid, procedure_slug, _ = find_procedure(store, query, target_id)
    builder = ChangelogBuilder(out, [], lang, None, BuildReport(out), pdf)
    publisher = TutorialPublisher(builder, store, config)
    jobs = publisher.publish_all(only=[(tid, procedure_slug)])
    builder.write_static()
    if pdf and jobs:
        print_pdfs(jobs)
    return out / TUTORIALS_ROOT / tid / procedure_slug / "index.html"
