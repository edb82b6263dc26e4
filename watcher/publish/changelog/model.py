"""The changelog's entries: the `changed` rows of the snapshot index, parsed once into typed values.

Everything read here comes from watched pages (names, titles, URLs) or from the index; it is kept as plain
text and only ever reaches HTML through the autoescaping templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path, PurePosixPath
from typing import Any

from watcher.config.severity import DESCENDING
from watcher.report.render import change_summary, procedure_message, procedure_step, step_words, steps_now
from watcher.store.reader import SnapshotReader
from watcher.store.report import ChangeFacts, ProcedureFacts
from watcher.store.snapshots import CheckRecord, Store

__all__ = ["Entry", "SAFE_SEGMENT", "SEVERITIES", "folder_time", "load_entries"]

SEVERITIES: tuple[str, ...] = tuple(s.value for s in DESCENDING)  # gravest first
# Target ids are checked by config.py, but the index is a file on disk: re-check before using them in paths.
SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# A change still waiting for its confirming re-check, or that went back, is not (yet) a change of the site.
UNCONFIRMED = ("pending", "reverted", "trial")  # trial: `check --no-notify`, see store.snapshots.TRIAL
CROP_NAME = re.compile(r"^images/change-(\d+)\.png$")


@dataclass(frozen=True)
class ChangeItem:
    """One typed interface change, as a mediator reads it."""

    kind: str
    role: str
    severity: str
    summary: str
    landmark: str
    noise: bool


@dataclass(frozen=True)
class Procedure:
    """A watched procedure of the page and how it fares after the change."""

    name: str
    status: str
    broken_step: int | None
    step: str
    candidate: str
    steps: tuple[str, ...]
    message: str
    audience: tuple[str, ...]
    slug: str = ""
    never_worked: bool = False  # broken from its first run: a configuration problem, not a blocked procedure

    @property
    def broken(self) -> bool:
        return self.status not in ("ok", "passed", "works", "")

    @property
    def blocked(self) -> bool:
        """It worked once and fails now: « Démarche bloquée »."""
        return self.status == "broken" and not self.never_worked


@dataclass(frozen=True)
class Picture:
    """An image of the snapshot folder that the change page shows (copied into the site)."""

    source: str  # relative to the snapshot folder
    name: str  # file name inside the change folder
    summary: str  # what the picture shows, for its alt text
    overview: bool


@dataclass
class Entry:
    """One change of one site: a `changed` check of the index."""

    check_id: int
    target_id: str
    folder: str
    time: datetime
    alert: bool
    site_name: str
    url: str
    tags: tuple[str, ...]
    changes: list[ChangeItem]
    procedures: list[Procedure]
    pictures: list[Picture]
    snapshot_dir: Path
    baseline_dir: Path | None
    baseline_time: datetime | None
    changed_ratio: float | None
    regions: int
    # filled by link_entries: neighbours in the site's history and in the global timeline
    prev_site: Entry | None = field(default=None, repr=False)
    next_site: Entry | None = field(default=None, repr=False)
    prev_all: Entry | None = field(default=None, repr=False)
    next_all: Entry | None = field(default=None, repr=False)

    @property
    def path(self) -> str:
        """The permanent address of the change inside the site (never moves)."""
        return f"changes/{self.target_id}/{self.folder}/"

    @property
    def shown(self) -> list[ChangeItem]:
        """The changes worth reading, gravest first (rotating content is only counted)."""
        real = [c for c in self.changes if not c.noise]
        return sorted(real, key=lambda c: SEVERITIES.index(c.severity) if c.severity in SEVERITIES else 9)

    @property
    def noise_count(self) -> int:
        return sum(1 for c in self.changes if c.noise)

    @property
    def severity(self) -> str:
        """The gravest change, `breaking` (« Démarche bloquée ») when a procedure that worked fails now; a
        visual-only change counts as minor."""
        if any(p.blocked for p in self.procedures):
            return "breaking"
        shown = self.shown
        return shown[0].severity if shown else "minor"

    @property
    def safe_url(self) -> str | None:
        """The watched URL if it may be a link (never a javascript: or data: URL from a tampered index)."""
        return self.url if re.match(r"^https?://", self.url) else None


# Control characters are meaningless on screen and make an Atom feed invalid XML.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else "" if value is None else str(value)
    return CONTROL.sub("", text)


def parse_change(facts: ChangeFacts, lang: str = "fr") -> ChangeItem:
    """A stored change as the changelog shows it, its sentence in `lang`."""
    severity = facts.severity if facts.severity in SEVERITIES else "info"
    return ChangeItem(kind=_text(facts.kind), role=_text(facts.role), severity=severity,
                      summary=_text(change_summary(facts, lang)), landmark=_text(facts.landmark), noise=facts.noise)


def parse_procedure(facts: ProcedureFacts, snapshot: Path, lang: str = "fr") -> Procedure:
    """A stored procedure replay as the changelog shows it, its sentences in `lang`."""
    slug = facts.slug if SAFE_SEGMENT.match(facts.slug) else ""
    candidate = facts.candidate.name if facts.candidate else ""
    return Procedure(
        name=_text(facts.name), status=_text(facts.status), broken_step=facts.broken_step,
        step=_text(procedure_step(facts, lang) or ""), candidate=_text(candidate),
        steps=tuple(_text(s) for s in facts.legacy_steps or (steps_now(facts, lang) if facts.plan else
                                                              stored_steps(snapshot, slug, lang)) if s),
        message=_text(procedure_message(facts, lang)), audience=tuple(_text(a) for a in facts.audience if a),
        slug=slug, never_worked=facts.never_worked,
    )


def stored_steps(snapshot: Path, slug: str, lang: str = "fr") -> list[str]:
    """The steps of a procedure's replay as stored with the snapshot (procedures/<slug>/run.json), in words."""
    run = SnapshotReader(snapshot).run(slug) if slug else None
    if run is None:
        return []
    return [step_words(s.expected, lang) if s.expected is not None else s.text or "" for s in run.steps]


def parse_pictures(files: list[Any], changes: list[ChangeItem]) -> list[Picture]:
    """The stored images, each with the summary of what it shows (crop N is the N-th non-noise change)."""
    real = [c for c in changes if not c.noise]
    everything = "; ".join(c.summary for c in real[:3]) + (" …" if len(real) > 3 else "")
    pictures = []
    for source in files:
        path = PurePosixPath(_text(source))
        if path.is_absolute() or ".." in path.parts or path.suffix.lower() != ".png":
            continue  # only images inside the snapshot folder
        match = CROP_NAME.match(str(path))
        number = int(match.group(1)) if match else 0
        summary = real[number - 1].summary if 0 < number <= len(real) else everything
        # images/x.png keeps its name; procedures/<slug>/crop.png needs its folder in it to stay unique
        name = path.name if path.parts[0] == "images" else "-".join(path.parts)
        pictures.append(Picture(str(path), name, summary, overview=match is None and path.parts[0] == "images"))
    return pictures


def parse_time(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def folder_time(name: str) -> datetime | None:
    """The UTC time a snapshot folder is named after (see store.folder_name)."""
    try:
        return datetime.strptime(name, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def entry_of(store: Store, record: CheckRecord, lang: str) -> Entry | None:
    """The changelog entry of one check, or None if it is not a change the site can show."""
    snapshot = store.path(record.snapshot)
    report = record.check_report
    if record.status != "changed" or report is None or snapshot is None or not SAFE_SEGMENT.match(record.target):
        return None
    if not SAFE_SEGMENT.match(snapshot.name) or getattr(record, "confirmation", None) in UNCONFIRMED:
        return None
    changes = [parse_change(c, lang) for c in report.changes]
    target, visual = report.target, report.visual
    baseline = store.path(record.baseline)
    return Entry(
        check_id=record.id, target_id=record.target, folder=snapshot.name, time=parse_time(record.time),
        alert=record.alert, site_name=_text(target.name) or record.target,
        url=_text(target.url), tags=tuple(_text(t) for t in target.tags if t),
        changes=changes, procedures=[parse_procedure(p, snapshot, lang) for p in report.procedures],
        pictures=parse_pictures(list(report.image_files), changes), snapshot_dir=snapshot,
        baseline_dir=baseline, baseline_time=folder_time(baseline.name) if baseline else None,
        changed_ratio=visual.changed_ratio if visual else None, regions=len(visual.regions) if visual else 0,
    )


def link_entries(entries: list[Entry]) -> None:
    """Set each entry's neighbours: in its site's history, and in its timeline (alerts, or minor changes)."""
    for members in _group(entries, lambda e: e.target_id).values():
        for older, newer in pairwise(members):
            older.next_site, newer.prev_site = newer, older
    for members in _group(entries, lambda e: e.alert).values():
        for older, newer in pairwise(members):
            older.next_all, newer.prev_all = newer, older


def _group(entries: list[Entry], key: Any) -> dict[Any, list[Entry]]:
    groups: dict[Any, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(key(entry), []).append(entry)
    return groups


def load_entries(store: Store, lang: str = "fr") -> list[Entry]:
    """Every change of every target in the index, oldest first, linked to its neighbours."""
    entries = []
    for target in store.targets():
        for record in store.history(target):
            entry = entry_of(store, record, lang)
            if entry is not None:
                entries.append(entry)
    entries.sort(key=lambda e: (e.time, e.target_id, e.check_id))
    link_entries(entries)
    return entries
