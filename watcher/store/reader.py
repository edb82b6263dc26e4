"""Reading one snapshot folder: the one place that knows its files (docs/architecture.md, "Snapshot folder").

    <snapshot>/screenshot.png  dom.html  aria.yaml  meta.json  skeleton.json  [degraded.json]
               images/composite.png  images/change-N.png
               procedures/<slug>/run.json  step-NN.png  step-NN.skeleton.json  [crop.png]

Everything here reads files written by earlier versions too (skeleton.json by older rules is rebuilt from
dom.html, run.json with a stored `text` sentence instead of the step's facts) and never trusts them: a
missing or damaged file reads as None (or raises `SnapshotError` where the caller needs the file).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from watcher.capture.procedures import References, RunRecord, StepResult
from watcher.config.targets import Procedure
from watcher.detect.degraded import Degraded
from watcher.detect.skeleton import SKELETON_VERSION, Skeleton, extract_skeleton
from watcher.errors import WatcherError
from watcher.store.report import StepFacts

__all__ = ["SnapshotError", "SnapshotReader", "StoredStep", "folder_skeleton", "read_references"]

# procedures/<slug>/: a slug is lowercase ASCII words joined by "-" (config.targets); checked before use in a path
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class SnapshotError(WatcherError):
    """A snapshot file that is needed is missing or damaged; `path` names it."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path = path


class _Stored(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FoundFacts(_Stored):
    """The element a step acted on: role, accessible name (Chromium's), box [x, y, width, height] page px."""

    role: str = ""
    name: str = ""
    box: tuple[int, int, int, int] | None = None


class StoredStep(_Stored):
    """One step of run.json: `number` (1-based), `action`, `status` ok / failed / refused, `url` of the page it
    acted on, `found`, `problem` code and `detail`, `seconds`, `expected` (what it acts on, as configured:
    run.json of format 2) or `text` (the French sentence that older run.json files kept instead)."""

    number: int
    action: str = ""
    status: str = "ok"
    url: str = ""
    found: FoundFacts | None = None
    problem: str | None = None
    detail: str | None = None
    seconds: float = 0.0
    expected: StepFacts | None = None
    text: str | None = None


class StoredCandidate(_Stored):
    role: str = ""
    name: str = ""
    box: tuple[int, int, int, int] | None = None
    score: float = 0.0


class StoredRun(_Stored):
    """procedures/<slug>/run.json: one replay (`status` ok / broken / unreachable, `broken_step`, `reason`,
    `start_url`, `duration_s` seconds, `steps`, `candidate`, `blocked_by`). Never holds a typed value."""

    name: str = ""
    slug: str = ""
    audience: list[str] = Field(default_factory=list)
    status: str = ""
    broken_step: int | None = None
    reason: str | None = None
    start_url: str | None = None
    duration_s: float = 0.0
    steps: list[StoredStep] = Field(default_factory=list)
    candidate: StoredCandidate | None = None
    blocked_by: list[str] = Field(default_factory=list)

    def step_results(self) -> list[StepResult]:
        """The steps as capture/procedures.StepResult values."""
        return [StepResult.from_json(step.model_dump(exclude={"expected", "text"})) for step in self.steps]

    def record(self) -> RunRecord:
        """The run as capture/procedures compares it with a new replay."""
        return RunRecord(self.status, self.broken_step, self.start_url, self.step_results())


@dataclass(frozen=True)
class SnapshotReader:
    """The files of one snapshot folder, typed. Cheap to make (reads nothing until asked).

    Raises nothing for a missing optional file (None instead); `skeleton()` raises SnapshotError when
    neither skeleton.json nor dom.html can be read.
    """

    folder: Path

    @property
    def name(self) -> str:
        """The folder name: the UTC time of the check (store.folder_name)."""
        return self.folder.name

    def is_snapshot(self) -> bool:
        """Whether the folder holds a page (a skeleton.json or a dom.html)."""
        return (self.folder / "skeleton.json").is_file() or (self.folder / "dom.html").is_file()

    # --- the page ------------------------------------------------------------------------------------------

    def skeleton(self, ignore: Sequence[str] = (), *, rebuild: bool = False, reads: int | None = None) -> Skeleton:
        """The page's skeleton: the stored skeleton.json as it is, unless it was written by older rules (its
        `version` < SKELETON_VERSION) or `rebuild` is asked (other `ignore` selectors than the capture's, as
        `watcher diff --ignore` gives): then it is extracted again from dom.html with `ignore` (when there is
        a dom.html). `reads` asks for a narrower reading of dom.html (skeleton.extract_skeleton's `reads`, as
        when the other side of a comparison was captured by an older version). Raises SnapshotError when
        neither file is usable."""
        saved, dom = self.folder / "skeleton.json", self.folder / "dom.html"
        data = _json(saved) if saved.is_file() else None
        if saved.is_file() and not isinstance(data, dict):
            raise SnapshotError(saved, "damaged skeleton")
        rebuild = rebuild or (reads is not None and dom.is_file())
        if data is not None and not rebuild and (int(data.get("version") or 1) >= SKELETON_VERSION
                                                or not dom.is_file()):
            try:
                return Skeleton.from_json(data)
            except (ValueError, KeyError, TypeError, AttributeError):
                raise SnapshotError(saved, "damaged skeleton") from None
        html = self.dom()
        if html is None:
            raise SnapshotError(dom, "missing page")
        return extract_skeleton(html, base_url=data.get("url") if data else self.final_url(), ignore=ignore,
                                reads=reads)

    def dom(self) -> str | None:
        """dom.html as text (the annotated DOM, see docs/architecture.md), None without one."""
        from watcher.detect.htmlio import read_html

        path = self.folder / "dom.html"
        return read_html(path) if path.is_file() else None

    def screenshot(self) -> Path | None:
        """screenshot.png (full page, CSS px at device scale 1), None without one."""
        path = self.folder / "screenshot.png"
        return path if path.is_file() else None

    def meta(self) -> dict[str, Any]:
        """meta.json (capture facts: `final_url`, HTTP `status`, headers, timings…), {} when missing."""
        data = _json(self.folder / "meta.json")
        return data if isinstance(data, dict) else {}

    def final_url(self) -> str | None:
        url = self.meta().get("final_url")
        return url if isinstance(url, str) else None

    def degraded(self) -> Degraded | None:
        """degraded.json of a degraded check (reason code, evidence, landmark), None otherwise."""
        data = _json(self.folder / "degraded.json")
        if not isinstance(data, dict) or not isinstance(data.get("reason"), str):
            return None
        return Degraded(data["reason"], str(data.get("evidence") or ""), str(data.get("landmark") or ""))

    def image(self, name: str) -> Path | None:
        """A picture stored with the snapshot, by its name relative to the folder (`images/composite.png`,
        `procedures/<slug>/crop.png`); None when it is not a PNG inside the folder or is missing."""
        parts = Path(name).parts
        if Path(name).is_absolute() or ".." in parts or not name.endswith(".png"):
            return None
        path = self.folder / name
        return path if path.is_file() else None

    # --- procedures ----------------------------------------------------------------------------------------

    def procedure_slugs(self) -> list[str]:
        """The procedures replayed in this snapshot (folder names under procedures/), sorted."""
        folder = self.folder / "procedures"
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and SLUG.match(p.name)) if folder.is_dir() else []

    def procedure_folder(self, slug: str) -> Path | None:
        """procedures/<slug>/ (None for a slug that is no folder name)."""
        return self.folder / "procedures" / slug if SLUG.match(slug) else None

    def run(self, slug: str) -> StoredRun | None:
        """procedures/<slug>/run.json, None when the procedure was not replayed here or the file is damaged."""
        folder = self.procedure_folder(slug)
        data = _json(folder / "run.json") if folder else None
        try:
            return StoredRun.model_validate(data) if isinstance(data, dict) else None
        except ValidationError:
            return None

    def step_skeleton(self, slug: str, index: int) -> Skeleton | None:
        """The page at point `index` of a replay (0: loaded; N: after step N, or where it failed)."""
        folder = self.procedure_folder(slug)
        data = _json(folder / f"step-{index:02d}.skeleton.json") if folder else None
        try:
            return Skeleton.from_json(data) if isinstance(data, dict) else None
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def step_elements(self, slug: str, index: int) -> list[dict[str, Any]]:
        """The same page's elements as stored (raw dicts), [] when missing."""
        folder = self.procedure_folder(slug)
        data = _json(folder / f"step-{index:02d}.skeleton.json") if folder else None
        elements = data.get("elements") if isinstance(data, dict) else None
        return [e for e in elements or [] if isinstance(e, dict)]

    def step_screenshot(self, slug: str, index: int) -> Path | None:
        """step-NN.png of a replay (full page cut at 4000 px), None when missing."""
        folder = self.procedure_folder(slug)
        path = folder / f"step-{index:02d}.png" if folder else None
        return path if path is not None and path.is_file() else None


def read_references(snapshots: Sequence[Path], procedures: Sequence[Procedure]) -> dict[str, References]:
    """For each procedure (by slug), its run at the baseline and its last good run, read from snapshot folders
    given newest first (store/snapshots: a check's earlier snapshots); unreachable runs are skipped."""
    found = {p.slug: References() for p in procedures}
    for folder in snapshots:
        reader = SnapshotReader(folder)
        for slug, refs in found.items():
            if refs.previous is not None and refs.last_good is not None:
                continue
            stored = reader.run(slug)
            if stored is None or not stored.status or stored.status == "unreachable":
                continue  # no such run in this snapshot (or an unreadable one): look further back
            record = stored.record()
            refs.previous = refs.previous or record
            if record.status == "ok" and refs.last_good is None:
                refs.last_good = record
                refs.pages = functools.partial(reader.step_skeleton, slug)
                refs.screenshots = functools.partial(reader.step_screenshot, slug)
    return found


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def folder_skeleton(folder: Path, ignore: Sequence[str] = (), reads: int | None = None) -> Skeleton:
    """`watcher diff` on a snapshot folder: its skeleton, extracted again when `ignore` selectors are given.
    Raises InputError (one line, the command's language) for a damaged or missing skeleton."""
    from watcher.errors import InputError

    try:
        return SnapshotReader(folder).skeleton(ignore, rebuild=bool(ignore), reads=reads)
    except SnapshotError as exc:
        raise InputError.text("input.damaged_skeleton", path=exc.path) from None
