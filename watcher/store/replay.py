"""A `Capturer` without a browser: it replays recorded snapshot folders.

A recorded folder is what `watcher check` stores (`dom.html`, `screenshot.png`, optional `aria.yaml`,
`meta.json`, `viewports/<name>/…` and `procedures/<slug>/run.json`), or a hand-made one with at least
`dom.html`. Tests and dry runs say which folder each target shows now (`show`), or queue several
(`ReplayCapturer({"page": [v1, v2]})`: each capture takes the next one, the last one stays).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from watcher.capture.page import Capture, ViewportCapture
from watcher.capture.procedures import Candidate, ProcedureRun, unreachable_runs
from watcher.config.targets import Target, Viewport
from watcher.store.reader import SnapshotReader

__all__ = ["ReplayCapturer", "png_height", "record_folder", "stored_runs"]

UNREACHABLE = "unreachable"


class ReplayCapturer:
    """Captures read from snapshot folders; `None` (or a reason string) in place of a folder is an unreachable
    page with that reason (`"net::ERR_CONNECTION_REFUSED"` when None)."""

    def __init__(self, pages: Mapping[str, Sequence[Path | str | None]] | None = None) -> None:
        self.queues: dict[str, list[Path | str | None]] = {k: list(v) for k, v in (pages or {}).items()}
        self.captures: dict[str, int] = {}  # captures served per target
        self.last: dict[str, Path | str | None] = {}  # what the latest capture of each target came from

    def show(self, target_id: str, folder: Path | str | None) -> None:
        """What every later capture of `target_id` returns: a folder, or an unreachable page (None, a reason)."""
        self.queues[target_id] = [folder]

    def _current(self, target_id: str) -> Path | str | None:
        queue = self.queues.get(target_id)
        if not queue:
            return None
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async def capture(self, target: Target, max_height: int) -> Capture:
        """The page of the folder `target` shows now; `max_height` is ignored (the folder was cut already)."""
        self.captures[target.id] = self.captures.get(target.id, 0) + 1
        source = self._current(target.id)
        self.last[target.id] = source
        if not isinstance(source, Path):
            reason = source or "net::ERR_CONNECTION_REFUSED"
            return Capture(target.id, UNREACHABLE, reason, {"requested_url": target.url, "reason": reason})
        return read_capture(source, target)

    async def replay(self, target: Target) -> list[ProcedureRun]:
        """The runs stored in the folder the last capture came from (`procedures/<slug>/run.json`)."""
        source = self.last.get(target.id)
        if not isinstance(source, Path):
            return unreachable_runs(target, source)
        return stored_runs(SnapshotReader(source), target)


def read_capture(folder: Path, target: Target) -> Capture:
    """A recorded snapshot folder as the Capture it was made from (viewports found under `viewports/`)."""
    meta: dict[str, Any] = {"requested_url": target.url, "final_url": target.url}
    if (folder / "meta.json").is_file():
        meta.update(json.loads((folder / "meta.json").read_text(encoding="utf-8")))
    views = []
    for index, viewport in enumerate(target.viewports):
        where = folder if index == 0 else folder / "viewports" / viewport.name
        if index and not where.is_dir():
            continue
        views.append(_view(where, viewport))
    return Capture(target.id, "ok", None, meta, views)


def _view(folder: Path, viewport: Viewport) -> ViewportCapture:
    png = (folder / "screenshot.png").read_bytes() if (folder / "screenshot.png").is_file() else b""
    aria = (folder / "aria.yaml").read_text(encoding="utf-8") if (folder / "aria.yaml").is_file() else ""
    height = png_height(png) or viewport.height
    return ViewportCapture(viewport, png, (folder / "dom.html").read_text(encoding="utf-8"), aria, height, height)


def png_height(png: bytes) -> int | None:
    """A PNG's height in pixels (None for anything else): the IHDR chunk's height, big-endian, at bytes 20-24."""
    return int.from_bytes(png[20:24], "big") if png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) >= 24 else None


def record_folder(folder: Path, html: str, *, png: bytes | None = None,
                  runs: Sequence[ProcedureRun] = ()) -> Path:
    """Write a recorded folder from raw HTML (and optionally a screenshot and procedure runs); returns it.

    Without `png`, a blank 1280×800 screenshot is written (Pillow), so the visual diff has two equal pictures.
    """
    from watcher.capture.procedures import procedure_files

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dom.html").write_text(html, encoding="utf-8")
    (folder / "screenshot.png").write_bytes(png if png is not None else blank_png())
    for run in runs:
        for name, data in procedure_files(run).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    return folder


def blank_png(width: int = 1280, height: int = 800) -> bytes:
    """A white PNG of this size (CSS px at device scale 1)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


def stored_runs(snapshot: SnapshotReader, target: Target) -> list[ProcedureRun]:
    """The runs kept in a snapshot, rebuilt for an alert sent later (no screenshots; baseline state unknown)."""
    runs = []
    for procedure in target.procedures:
        stored = snapshot.run(procedure.slug)
        if stored is None:
            continue  # the procedure was added after this snapshot
        steps = stored.step_results()
        candidate = stored.candidate
        runs.append(ProcedureRun(
            procedure, stored.status, start_url=stored.start_url, reason=stored.reason, steps=steps,
            duration_s=stored.duration_s, blocked_by=list(stored.blocked_by),
            candidate=Candidate(candidate.role, candidate.name, candidate.box, candidate.score) if candidate else None))
    return runs
