"""The comparison of two pages, and `watcher diff` on files: two HTML pages, two screenshots, or two snapshot folders.

`compare_snapshots` is the one comparison of two skeletons every caller uses (a check, its confirmation, an
alert rebuilt after a restart, `watcher explain`, `watcher diff` on folders): the structural diff, then the
rule that a change touching an element a watched procedure uses is `breaking`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

from watcher.detect.changes import Change, ProcedureChange, Severity, is_alert
from watcher.detect.degraded import Degraded, PageFacts, degraded_side, page_facts
from watcher.detect.htmlio import looks_like_text, read_html
from watcher.detect.skeleton import Skeleton, extract_skeleton
from watcher.detect.structural import diff_skeletons
from watcher.detect.visual import VisualDiff, diff_screenshots
from watcher.errors import InputError

__all__ = [
    "DiffReport",
    "PROCEDURE_RULE",
    "StepUse",
    "compare_snapshots",
    "diff_paths",
    "kind_of",
    "link_steps",
]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PROCEDURE_RULE = "procedure-step"  # the rule id of a change raised to breaking by a procedure


@dataclass(frozen=True)
class StepUse:
    """The elements one watched procedure used on the page in its last run that worked.

    `elements`: (ARIA role, accessible name) pairs, as the skeleton names them; `audiences`: the
    procedure's audience tags (where its alerts are routed).
    """

    procedure: str
    audiences: tuple[str, ...]
    elements: frozenset[tuple[str, str]]


def compare_snapshots(before: Skeleton, after: Skeleton, uses: Sequence[StepUse] = ()) -> list[Change]:
    """What changed between two skeletons, each change with its severity and the rule that decided it.

    `uses`: the procedures watched on this page (empty: none, or unknown); a change whose element (before side)
    one of them uses is `breaking` (rule ``procedure-step``), whatever the structural rules said.
    """
    return link_steps(diff_skeletons(before, after), uses)


def link_steps(changes: Sequence[Change], uses: Sequence[StepUse]) -> list[Change]:
    """Changes touching an element a procedure uses become `ProcedureChange`s: breaking, naming the procedures."""
    linked: list[Change] = []
    for change in changes:
        before = change.before
        users = [u for u in uses if before is not None and (before.role, before.name) in u.elements]
        if not users or change.noise:
            linked.append(change)
            continue
        values = {f.name: getattr(change, f.name) for f in fields(change)}
        values.update(severity=Severity.BREAKING, rule=PROCEDURE_RULE,
                      procedures=tuple(u.procedure for u in users),
                      audiences=tuple(dict.fromkeys(tag for u in users for tag in u.audiences)))
        linked.append(ProcedureChange(**values))
    return linked


@dataclass
class DiffReport:
    """What `watcher diff` found: structural changes, a visual diff, or both (snapshot folders)."""

    changes: list[Change] | None
    visual: VisualDiff | None
    min_severity: Severity
    degraded: tuple[str, Degraded] | None = None  # ("before" | "after", why): that side is no interface

    @property
    def alert(self) -> bool:
        if self.degraded is not None:
            return False
        if self.changes is not None:
            return is_alert(self.changes, self.min_severity)
        return bool(self.visual and self.visual.alert)

    def to_json(self, lang: str = "fr") -> dict[str, Any]:
        if self.changes is None and self.visual is not None:
            return self.visual.to_json()
        # a degraded side is not an interface: its differences are no changes
        changes = [] if self.degraded else self.changes or []
        out: dict[str, Any] = {"alert": self.alert, "changes": [c.to_json(lang) for c in changes]}
        if self.visual is not None:
            out["visual"] = self.visual.to_json()
        if self.degraded is not None:
            side, why = self.degraded
            out["degraded"], out["degraded_reason"] = side, why.reason
            out["degraded_evidence"] = why.evidence
            if why.landmark:
                out["degraded_landmark"] = why.landmark
        return out


def kind_of(path: Path) -> str:
    """'folder', 'png' or 'html' for a usable input; InputError otherwise."""
    if not path.exists():
        raise InputError.text("input.missing", path=path)
    if path.is_dir():
        if not (path / "skeleton.json").is_file() and not (path / "dom.html").is_file():
            raise InputError.text("input.not_snapshot", path=path)
        if (path / "dom.html").is_file() and _file_kind(path / "dom.html") != "html":
            raise InputError.text("input.not_html", path=path / "dom.html")
        return "folder"
    if not path.is_file():  # a pipe would be read twice (sniffed, then read), a FIFO with no writer never
        raise InputError.text("input.not_regular", path=path)
    return _file_kind(path)


def _file_kind(path: Path) -> str:
    """'png' or 'html' from a file's first bytes; InputError for an empty, unreadable or binary file."""
    try:
        with path.open("rb") as file:
            head = file.read(2048)
    except OSError as exc:
        raise InputError.text("input.unreadable", path=path, why=exc.strerror) from None
    if not head.strip():
        raise InputError.text("input.empty", path=path)
    if head.startswith(PNG_MAGIC):
        return "png"
    if path.suffix.lower() == ".png":  # named as a screenshot but not one: not read as a page either
        raise InputError.text("input.not_png", path=path)
    if not looks_like_text(head):
        raise InputError.text("input.not_page", path=path)
    return "html"


class FolderSkeleton(Protocol):
    """Reads a snapshot folder's skeleton (store/reader.py `folder_skeleton`): `reads` asks for a narrower
    reading (skeleton.extract_skeleton's `reads`), as when the other side was captured by an older version."""

    def __call__(self, folder: Path, ignore: Sequence[str], reads: int | None = None) -> Skeleton: ...


def diff_paths(before: Path, after: Path, *, ignore: list[str] | None = None,
               min_severity: Severity = Severity.MAJOR, uses: Sequence[StepUse] = (),
               folder_skeleton: FolderSkeleton | None = None) -> DiffReport:
    """Compare two inputs of the same kind (`uses`: the watched procedures of snapshot folders' page).
    Snapshot folders are read with `folder_skeleton(folder, ignore)` (store/reader.py knows the folder format:
    `watcher diff` passes `folder_skeleton` from there); without it, two folders raise TypeError."""
    ignore = ignore or []
    kinds = kind_of(before), kind_of(after)
    if kinds[0] != kinds[1]:
        raise InputError.text("input.mismatch", first_key=f"input.kind.{kinds[0]}", before=before,
                              second_key=f"input.kind.{kinds[1]}", after=after)
    if kinds[0] == "png":
        return DiffReport(None, diff_screenshots(before, after), min_severity)
    if kinds[0] == "html":
        html = read_html(before), read_html(after)
        skeletons = extract_skeleton(html[0], ignore=ignore), extract_skeleton(html[1], ignore=ignore)
        if skeletons[0].reads != skeletons[1].reads:  # read both alike: what one capture did not record is no change
            reads = min(s.reads for s in skeletons)
            skeletons = (extract_skeleton(html[0], ignore=ignore, reads=reads),
                         extract_skeleton(html[1], ignore=ignore, reads=reads))
        changes = compare_snapshots(*skeletons)
        side = degraded_side(skeletons[0], page_facts(html[0]), skeletons[1], page_facts(html[1]))
        return DiffReport(changes, None, min_severity, side)
    if folder_skeleton is None:
        raise TypeError("diff_paths: snapshot folders need folder_skeleton (watcher.store.reader)")
    skeletons = folder_skeleton(before, ignore), folder_skeleton(after, ignore)
    if skeletons[0].reads != skeletons[1].reads:  # read both alike: what one capture did not record is no change
        reads = min(s.reads for s in skeletons)
        skeletons = folder_skeleton(before, ignore, reads), folder_skeleton(after, ignore, reads)
    changes = compare_snapshots(*skeletons, uses)
    shots = before / "screenshot.png", after / "screenshot.png"
    visual = diff_screenshots(*shots) if all(s.is_file() for s in shots) else None
    facts = folder_facts(before), folder_facts(after)
    side = (degraded_side(skeletons[0], facts[0], skeletons[1], facts[1])
            if facts[0] is not None and facts[1] is not None else None)
    return DiffReport(changes, visual, min_severity, side)


def folder_facts(folder: Path) -> PageFacts | None:
    """What degraded.py reads of a snapshot's page (None without a dom.html: no verdict then)."""
    dom = folder / "dom.html"
    return page_facts(read_html(dom)) if dom.is_file() else None
