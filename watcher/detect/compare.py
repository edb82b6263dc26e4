"""`watcher diff` on files: two HTML pages, two screenshots, or two snapshot folders."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watcher.detect.changes import Change, Severity, is_alert
from watcher.detect.degraded import Degraded, PageFacts, degraded_side, page_facts
from watcher.detect.htmlio import looks_like_text, read_html
from watcher.detect.skeleton import SKELETON_VERSION, Skeleton, extract_skeleton
from watcher.detect.structural import diff_skeletons
from watcher.detect.visual import VisualDiff, diff_screenshots
from watcher.errors import InputError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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
    if not looks_like_text(head):
        raise InputError.text("input.not_page", path=path)
    return "html"


def folder_skeleton(folder: Path, ignore: list[str], reads: int | None = None) -> Skeleton:
    """A snapshot's skeleton: rebuilt from dom.html when there are ignore rules, no saved skeleton, or `reads`
    asks for a narrower reading (skeleton.extract_skeleton's `reads`)."""
    saved = folder / "skeleton.json"
    if saved.is_file() and not ignore and (reads is None or not (folder / "dom.html").is_file()):
        try:
            data = json.loads(saved.read_text(encoding="utf-8"))
            # Stored by older rules: rebuilt from dom.html (see skeleton.SKELETON_VERSION) when it is there.
            if int(data.get("version") or 1) >= SKELETON_VERSION or not (folder / "dom.html").is_file():
                return Skeleton.from_json(data)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InputError.text("input.damaged_skeleton", path=saved) from None
    return extract_skeleton(read_html(folder / "dom.html"), ignore=ignore, reads=reads)


def diff_paths(before: Path, after: Path, *, ignore: list[str] | None = None,
               min_severity: Severity = Severity.MAJOR) -> DiffReport:
    """Compare two inputs of the same kind."""
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
        changes = diff_skeletons(*skeletons)
        side = degraded_side(skeletons[0], page_facts(html[0]), skeletons[1], page_facts(html[1]))
        return DiffReport(changes, None, min_severity, side)
    skeletons = folder_skeleton(before, ignore), folder_skeleton(after, ignore)
    if skeletons[0].reads != skeletons[1].reads:  # read both alike: what one capture did not record is no change
        reads = min(s.reads for s in skeletons)
        skeletons = folder_skeleton(before, ignore, reads), folder_skeleton(after, ignore, reads)
    changes = diff_skeletons(*skeletons)
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
