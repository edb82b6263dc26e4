"""Publishing the tutorials in the changelog site: pages, printable page + PDF, animation, and their history.

Layout (inside the site): `tutoriels/index.html` lists them; `tutoriels/<target-id>/<slug>/index.html` is the
current tutorial; `tutoriels/<target-id>/<slug>/<snapshot-folder>/` is each version, permanent. A new version is
made only when the screens of the procedure changed (the tutorial's fingerprint differs from the last
version's); `versions.json` beside the current page remembers the versions and how far the store was read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from watcher.config.targets import Config, Procedure
from watcher.errors import InputError
from watcher.publish.changelog.model import SAFE_SEGMENT, folder_time
from watcher.publish.changelog.pdf import PdfJob
from watcher.publish.tutorials import StoredRun, Tutorial, animation, make_tutorial, png_bytes, read_run
from watcher.store.reader import SnapshotReader
from watcher.store.snapshots import Store

__all__ = ["ROOT", "EntryTutorial", "SiteFiles", "SitePages", "TutorialPublisher", "find_procedure"]

RENDER_VERSION = "2"  # bump when pictures are drawn differently: every version is drawn again
ROOT = "tutoriels/"


class SiteFiles(Protocol):
    """Where the site's files go: `out` is its folder; `write(rel, data)` writes one file (path relative to
    `out`, text or bytes) only when its content changed, and returns whether it wrote."""

    @property
    def out(self) -> Path: ...

    def write(self, rel: str, data: str | bytes) -> bool: ...


class SitePages(Protocol):
    """What the tutorials need from the site builder (`publish.changelog.build.ChangelogBuilder` is one):
    its language, whether PDFs are printed, its files, its page templates and its interface words. A protocol,
    so this module does not import the builder that imports it."""

    lang: str
    pdf: bool

    @property
    def site(self) -> SiteFiles: ...

    def render(self, template: str, root: str, **context: Any) -> str: ...

    def t(self, key: str, **values: Any) -> str: ...


@dataclass(frozen=True)
class Version:
    """One version of a tutorial: the snapshot whose run it was made from, and its screens' fingerprint."""

    folder: str
    fingerprint: str
    drawn: str = ""  # what the pictures were drawn with (render version, language, captions)

    @property
    def time(self) -> datetime | None:
        return folder_time(self.folder)


@dataclass
class History:
    """Every version of one procedure's tutorial, and how the procedure fares in the latest replay."""

    target_id: str
    target_name: str
    slug: str
    name: str
    versions: list[Version] = field(default_factory=list)
    read_up_to: str = ""
    latest: StoredRun | None = None  # the latest run that reached the site (ok or broken)

    @property
    def path(self) -> str:
        return f"{ROOT}{self.target_id}/{self.slug}/"

    def version_at(self, folder: str) -> Version | None:
        """The version in force at a snapshot: the newest one made from that snapshot or an earlier one."""
        older = [v for v in self.versions if v.folder <= folder]
        return older[-1] if older else None

    @property
    def broken_now(self) -> bool:
        return self.latest is not None and self.latest.status == "broken"


@dataclass(frozen=True)
class EntryTutorial:
    """What a change page says about one procedure's tutorial: old and new versions, or why there is no new one."""

    name: str
    current: str  # site-relative path of the current tutorial
    old: str | None
    new: str | None
    broken_step: int | None
    candidate: str | None


def procedure_runs(store: Store, target_id: str) -> dict[str, list[StoredRun]]:
    """slug -> the runs stored for the target, oldest first (unreachable runs left out: they show nothing)."""
    runs: dict[str, list[StoredRun]] = {}
    seen: set[Path] = set()
    for record in store.history(target_id):
        snapshot = store.path(record.snapshot)
        if snapshot is None or snapshot in seen:
            continue
        seen.add(snapshot)
        for slug in SnapshotReader(snapshot).procedure_slugs():
            run = read_run(snapshot / "procedures" / slug) if SAFE_SEGMENT.match(slug) else None
            if run is not None and run.status != "unreachable" and run.slug == slug:
                runs.setdefault(slug, []).append(run)
    return runs


def configured(config: Config | None, target_id: str, slug: str) -> Procedure | None:
    """The procedure as targets.yaml says it (for its dummy values), if targets.yaml is at hand."""
    if config is None:
        return None
    target = next((t for t in config.targets if t.id == target_id), None)
    return next((p for p in target.procedures if p.slug == slug), None) if target else None


def target_name(store: Store, target_id: str) -> str:
    for record in reversed(store.history(target_id)):
        name = ((record.report or {}).get("target") or {}).get("name")
        if name:
            return str(name)
    return target_id


class TutorialPublisher:
    """Makes, updates and writes every procedure's tutorial into the changelog site."""

    def __init__(self, builder: SitePages, store: Store, config: Config | None) -> None:
        self.builder = builder
        self.store = store
        self.config = config
        self.histories: dict[tuple[str, str], History] = {}
        self.jobs: list[PdfJob] = []

    @property
    def lang(self) -> str:
        return self.builder.lang

    def publish_all(self, only: Iterable[tuple[str, str]] | None = None) -> list[PdfJob]:
        """Every tutorial of every target in the store (or only these (target, slug)); returns PDF jobs."""
        wanted = set(only) if only is not None else None
        for target_id in self.store.targets():
            if not SAFE_SEGMENT.match(target_id):
                continue
            for slug, runs in procedure_runs(self.store, target_id).items():
                if wanted is None or (target_id, slug) in wanted:
                    self.publish(target_id, slug, runs)
        if wanted is None or not (self.builder.site.out / ROOT / "index.html").is_file():
            self.write_index()  # one tutorial made on demand must not shrink the full list to itself
        return self.jobs

    def publish(self, target_id: str, slug: str, runs: list[StoredRun]) -> History:
        history = self.load_history(target_id, slug, runs[-1].name)
        history.latest = runs[-1]
        procedure = configured(self.config, target_id, slug)
        made: dict[str, Tutorial] = {}
        for run in runs:
            if run.status == "ok" and run.snapshot > history.read_up_to:
                made[run.snapshot] = self.consider(history, run, procedure)
        history.read_up_to = max([history.read_up_to, *(r.snapshot for r in runs)])
        good = {r.snapshot: r for r in runs if r.status == "ok"}
        for index, version in enumerate(history.versions):
            good_run = good.get(version.folder)
            if good_run is not None:
                made.setdefault(good_run.snapshot, make_tutorial(good_run, procedure, self.lang))
                history.versions[index] = self.write_version(history, version, made[good_run.snapshot])
        if history.versions and history.versions[-1].folder in made:
            self.write_current(history, made[history.versions[-1].folder])
        self.save_history(history)
        self.histories[(target_id, slug)] = history
        return history

    def consider(self, history: History, run: StoredRun, procedure: Procedure | None) -> Tutorial:
        """A successful run becomes a new version when its screens differ from the last version's."""
        tutorial = make_tutorial(run, procedure, self.lang)
        if not history.versions or history.versions[-1].fingerprint != tutorial.fingerprint:
            history.versions.append(Version(run.snapshot, tutorial.fingerprint))
        return tutorial

    # --- one version -----------------------------------------------------------------------------------------

    def write_version(self, history: History, version: Version, tutorial: Tutorial) -> Version:
        """Pictures (only when not drawn yet with the same captions), page, printable page; queue its PDF."""
        warning = self.warning(history, version)
        drawn = hashlib.sha256(json.dumps([RENDER_VERSION, self.lang, [s.caption for s in tutorial.steps], warning])
                               .encode()).hexdigest()[:16]
        rel = f"{history.path}{version.folder}/"
        if drawn != version.drawn or not (self.builder.site.out / rel / "animation.webp").is_file():
            self.draw(rel, tutorial, warning)
        context = self.context(history, version, tutorial, prefix="")
        site = self.builder.site
        printable = self.builder.render("tutorial_print.html.j2", "../" * rel.count("/"), **context)
        job = PdfJob(site.out / rel / "imprimer.html", site.out / rel / "tutoriel.pdf")
        if not job.html.is_file() or job.html.read_text(encoding="utf-8") != printable:
            job.pdf.unlink(missing_ok=True)  # a PDF never outlives the page it was printed from
        site.write(rel + "imprimer.html", printable)
        if self.builder.pdf and not job.pdf.is_file():
            self.jobs.append(job)
        site.write(rel + "index.html", self.builder.render("tutorial.html.j2", "../" * rel.count("/"),
                                                            has_pdf=self.has_pdf(job), **context))
        return Version(version.folder, version.fingerprint, drawn)

    def has_pdf(self, job: PdfJob) -> bool:
        return self.builder.pdf or job.pdf.is_file()

    def warning(self, history: History, version: Version) -> str | None:
        """The warning a broken procedure's current tutorial carries (page, printed sheet, PDF, animation)."""
        from watcher.i18n.dates import day

        if not history.broken_now or not history.versions or history.versions[-1].folder != version.folder:
            return None
        latest = history.latest
        return self.builder.t("tutorial_broken", step=latest.broken_step if latest else "?",
                              date=day(version.time, self.lang) if version.time else "")

    def draw(self, rel: str, tutorial: Tutorial, warning: str | None = None) -> None:
        for step in tutorial.steps:
            self.builder.site.write(f"{rel}etape-{step.number:02d}.png", png_bytes(step.picture.image))
            if step.picture.narrow is not None:
                self.builder.site.write(f"{rel}etape-{step.number:02d}-tel.png", png_bytes(step.picture.narrow))
        frames = [(step.picture.image, step.caption) for step in tutorial.steps]
        self.builder.site.write(rel + "animation.webp", animation(frames, warning=warning))

    def context(self, history: History, version: Version, tutorial: Tutorial, prefix: str) -> dict[str, Any]:
        steps = [{"number": s.number, "caption": s.caption, "image": f"{prefix}etape-{s.number:02d}.png",
                  "narrow": f"{prefix}etape-{s.number:02d}-tel.png" if s.picture.narrow else None,
                  "width": s.picture.image.width, "height": s.picture.image.height} for s in tutorial.steps]
        current = history.versions[-1].folder == version.folder
        return {"history": history, "version": version, "steps": steps, "prefix": prefix, "is_current": current,
                "title": self.builder.t("tutorial_title", name=history.name)}

    # --- the current tutorial and the list -------------------------------------------------------------------

    def write_current(self, history: History, tutorial: Tutorial) -> None:
        """index.html of the procedure: the latest version's content, its pictures read from its folder."""
        version = history.versions[-1]
        rel = f"{history.path}{version.folder}/"
        context = self.context(history, version, tutorial, prefix=f"{version.folder}/")
        job = PdfJob(self.builder.site.out / rel / "imprimer.html", self.builder.site.out / rel / "tutoriel.pdf")
        self.builder.site.write(history.path + "index.html", self.builder.render(
            "tutorial.html.j2", "../" * history.path.count("/"), has_pdf=self.has_pdf(job), current_page=True,
            **context))

    def write_index(self) -> None:
        histories = sorted((h for h in self.histories.values() if h.versions),
                           key=lambda h: (h.target_name.lower(), h.name.lower()))
        self.builder.site.write(ROOT + "index.html", self.builder.render(
            "tutorials.html.j2", "../", histories=histories, title=self.builder.t("tutorials_title")))

    # --- state ---------------------------------------------------------------------------------------------

    def load_history(self, target_id: str, slug: str, name: str) -> History:
        history = History(target_id, target_name(self.store, target_id), slug, name)
        path = self.builder.site.out / history.path / "versions.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            history.versions = [Version(str(v["folder"]), str(v["fingerprint"]), str(v.get("drawn", "")))
                                for v in data["versions"] if SAFE_SEGMENT.match(str(v["folder"]))]
            history.read_up_to = str(data.get("read_up_to", ""))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # first build (or a damaged file): read the whole store again
        return history

    def save_history(self, history: History) -> None:
        data = {"versions": [vars(v) for v in history.versions], "read_up_to": history.read_up_to}
        self.builder.site.write(history.path + "versions.json",
                                json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))

    # --- links from change pages ---------------------------------------------------------------------------

    def for_entry(self, target_id: str, folder: str, baseline: str | None,
                  procedures: Iterable[Any]) -> list[EntryTutorial]:
        """Old and new tutorials of the procedures a change broke or altered (screens changed)."""
        links = []
        for proc in procedures:
            history = self.histories.get((target_id, getattr(proc, "slug", "")))
            if history is None or not history.versions:
                continue
            old = history.version_at(baseline) if baseline else None
            new = None if proc.broken else history.version_at(folder)
            if not proc.broken and old is not None and new is not None and old.folder == new.folder:
                continue  # same screens before and after: the tutorial did not change
            links.append(EntryTutorial(
                proc.name, history.path, f"{history.path}{old.folder}/" if old else None,
                f"{history.path}{new.folder}/" if new else None, proc.broken_step if proc.broken else None,
                proc.candidate or None))
        return links


# --- `watcher tutorial` ------------------------------------------------------------------------------------

def find_procedure(store: Store, query: str, target_id: str | None) -> tuple[str, str, list[StoredRun]]:
    """(target, slug, runs) of the procedure named `query` (name or slug); InputError when unknown,
    ambiguous or never replayed successfully."""
    wanted = query.strip().casefold()
    found = []
    for tid in store.targets():
        if target_id is not None and tid != target_id:
            continue
        for slug, runs in procedure_runs(store, tid).items():
            if wanted in (slug, runs[-1].name.casefold()):
                found.append((tid, slug, runs))
    if not found:
        if target_id:
            raise InputError.text("tutorial.unknown_on", query=query, target=target_id)
        raise InputError.text("tutorial.unknown", query=query)
    if len(found) > 1:
        names = ", ".join(f"{tid}/{slug}" for tid, slug, _ in found)
        raise InputError.text("tutorial.ambiguous", query=query, names=names)
    tid, slug, runs = found[0]
    if not any(r.status == "ok" for r in runs):
        raise InputError.text("tutorial.never_ok", name=runs[-1].name, target=tid)
    return tid, slug, runs

