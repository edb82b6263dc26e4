"""One check of one target: capture, compare with the baseline, store, and say what happened.

This is the one place that maps what happened to an outcome: `new`, `unchanged`, `changed`,
`unreachable` (the page could not be loaded), `degraded` (the page loaded but is not the site's interface:
a maintenance, queue, loading or half-rendered page, see degraded.py; stored for the record, never the
baseline, never an alert, procedures not replayed) or `error` (watcher itself failed on this target).
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.async_api import Browser

from watcher.capture.browser import launch_browser
from watcher.capture.capturer import Capturer, PlaywrightCapturer
from watcher.capture.page import Capture
from watcher.capture.procedures import (
    ProcedureRun,
    References,
    degraded_runs,
    diagnose,
    procedure_files,
    step_uses,
    unreachable_runs,
)
from watcher.config.targets import Config, Settings, Target
from watcher.detect.changes import Change, Severity, is_alert
from watcher.detect.compare import StepUse, compare_snapshots
from watcher.detect.degraded import Degraded, PageFacts, assess, page_facts
from watcher.detect.skeleton import Skeleton, extract_skeleton
from watcher.detect.visual import NO_VISUAL_CHANGE, Region, ScreenshotRows, VisualDiff, diff_screenshots
from watcher.errors import StoreError, first_line
from watcher.store.reader import SnapshotReader, read_references
from watcher.store.replay import png_height
from watcher.store.report import (
    ChangeFacts,
    CheckReport,
    ProcedureFacts,
    TargetFacts,
    VisualFacts,
)
from watcher.store.snapshots import TRIAL, SnapshotWriter, Store, utc_now

__all__ = [
    "CheckResult",
    "check_target",
    "check_targets",
    "compare",
    "procedure_uses",
    "references",
    "relevant_regions",
]

log = logging.getLogger(__name__)

MAX_CROPS = 6


@dataclass
class CheckResult:
    """What one check of one target found."""

    target: Target
    time: datetime
    status: str
    alert: bool = False
    changes: list[Change] = field(default_factory=list)
    visual: VisualDiff | None = None
    snapshot: Path | None = None
    baseline: Path | None = None
    reason: str | None = None
    check_id: int | None = None
    images: list[Path] = field(default_factory=list)
    procedures: list[ProcedureRun] = field(default_factory=list)
    degraded: Degraded | None = None  # status "degraded": why (reason holds its code)

    def report(self, image_files: Sequence[str] = ()) -> CheckReport:
        """The facts of this check as the index keeps them (store/report.py), `image_files` relative to the
        snapshot folder."""
        return CheckReport(
            id=self.target.id, status=self.status, alert=self.alert,
            time=self.time.astimezone(UTC).isoformat(timespec="seconds"),
            changes=[ChangeFacts.of(change) for change in self.changes],
            procedures=[ProcedureFacts.of(run) for run in self.procedures],
            snapshot=str(self.snapshot) if self.snapshot else None, reason=self.reason,
            visual=VisualFacts.model_validate(self.visual.to_json()) if self.visual else None,
            images=[str(p) for p in self.images], image_files=list(image_files),
            target=TargetFacts(name=self.target.name, url=self.target.url, tags=list(self.target.tags)),
            degraded_evidence=self.degraded.evidence if self.degraded else None,
            degraded_landmark=self.degraded.landmark or None if self.degraded else None)

    def to_json(self, lang: str = "fr") -> dict[str, Any]:
        """The `watcher check --format json` entry of this target (public contract, extended only)."""
        from watcher.report.render import report_json

        return report_json(self.report(), lang)

    def describe_reason(self, lang: str = "fr") -> str | None:
        """The reason in words: a degraded page's kind, or the network failure as a coordinator says it."""
        from watcher.i18n.texts import plain_reason

        if self.degraded:
            return self.degraded.describe(lang)
        return plain_reason(self.reason, self.target.url, lang) if self.reason else None


@dataclass
class Comparison:
    """What `compare` found; `screenshots`: (before, after) as the visual diff read them, kept for the alert's
    pictures (None when the screenshots were byte for byte equal: nothing was decoded)."""

    changes: list[Change]
    visual: VisualDiff | None
    screenshots: tuple[ScreenshotRows, ScreenshotRows] | None = None


def compare(baseline: Path, capture: Capture, skeleton: Skeleton, ignore: Sequence[str] = (),
            uses: Sequence[StepUse] = ()) -> Comparison:
    """Structural and visual differences between the baseline snapshot and a new capture (`uses`: the
    procedures watched on the page, see `compare_snapshots`)."""
    before = SnapshotReader(baseline).skeleton(ignore)
    if before.reads < skeleton.reads:  # stored before frames, shadow roots and menus were read: no news
        skeleton = extract_skeleton(capture.main.dom, base_url=capture.meta.get("final_url"), ignore=ignore,
                                    reads=before.reads)
    changes = compare_snapshots(before, skeleton, uses)
    before_png = (baseline / "screenshot.png").read_bytes()
    if before_png == capture.main.screenshot:  # most checks: nothing decoded
        return Comparison(changes, NO_VISUAL_CHANGE)
    screenshots = ScreenshotRows.pair(before_png, capture.main.screenshot)  # both read at once, and once
    return Comparison(changes, diff_screenshots(*screenshots), screenshots)


def png_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def outcome(baseline: Path | None, comparison: Comparison | None, runs: Sequence[ProcedureRun] = ()) -> str:
    if baseline is None or comparison is None:
        return "new"
    if comparison.changes or (comparison.visual and comparison.visual.regions):
        return "changed"
    if any(run.differs_from_baseline for run in runs):
        return "changed"  # a procedure broke (or works again) while the watched page itself did not change
    return "unchanged"


def snapshot_folders(store: Store, target_id: str, limit: int = 30, up_to: int | None = None) -> list[Path]:
    """The target's snapshot folders, newest first (where earlier procedure runs are read from); with `up_to`,
    only those of checks up to that check id; a `--no-notify` trial's are skipped, see store.snapshots.TRIAL)."""
    folders: list[Path] = []
    for record in reversed(store.history(target_id)):
        if (up_to is not None and record.id > up_to) or (record.confirmation == TRIAL and record.id != up_to):
            continue
        path = store.path(record.snapshot)
        if path is not None and path not in folders and path.is_dir():
            folders.append(path)
        if len(folders) >= limit:
            break
    return folders


def references(store: Store, target: Target, up_to: int | None = None) -> dict[str, References]:
    """Each procedure's baseline run and last good run, from the target's snapshots (up to check `up_to`)."""
    if not target.procedures:
        return {}
    return read_references(snapshot_folders(store, target.id, up_to=up_to), target.procedures)


def procedure_uses(target: Target, refs: dict[str, References]) -> list[StepUse]:
    """The elements each procedure of `target` used in its last good run (what `compare_snapshots` links)."""
    return step_uses((p, good) for p in target.procedures
                     if p.slug in refs and (good := refs[p.slug].last_good) is not None)


def judge_procedures(runs: Sequence[ProcedureRun], refs: dict[str, References]) -> None:
    """Set each run's baseline state and candidate (from `refs`, see `references`)."""
    for run in runs:
        spare_degraded_step(run, refs[run.procedure.slug])
        diagnose(run, refs[run.procedure.slug])


def spare_degraded_step(run: ProcedureRun, refs: References) -> None:
    """A run that broke on a maintenance, queue or loading page is not broken: the site was not there
    (status `unreachable`, like a site that did not answer; degraded.py decides, against the page the step
    acted on in the last run that worked)."""
    failed = run.failed
    if run.status != "broken" or failed is None or not run.shots or run.shots[-1].facts is None:
        return
    shot = run.shots[-1]
    assert shot.facts is not None
    why = assess(shot.skeleton, shot.facts, refs.page_before(failed.number))
    if why is not None:
        log.info("%s: stopped on a degraded page (%s), not broken", run.procedure.name, why.describe("en"))
        run.status, run.reason, run.degraded = "unreachable", f"degraded: {why.reason}", why


def write_procedures(writer: SnapshotWriter, runs: Sequence[ProcedureRun]) -> list[str]:
    """Step captures and run.json of each procedure; returns the before/after crops among them."""
    from watcher.report.pictures import step_crop

    crops = []
    for run in runs:
        files = procedure_files(run)
        crop = step_crop(run)  # before/after of the spot where the step broke (drawn here, not in capture)
        if crop is not None:
            files[f"procedures/{run.procedure.slug}/crop.png"] = crop
            files[f"procedures/{run.procedure.slug}/crop.phone.png"] = step_crop(run, narrow=True) or crop
        for name, data in files.items():
            writer.add(name, data)
            if name.endswith("/crop.png"):  # the phone version beside it is found by name
                crops.append(name)
    return crops


def write_capture(writer: SnapshotWriter, capture: Capture, skeleton: Skeleton) -> None:
    """The files of a snapshot: the first viewport at the top, the others in a folder named after them."""
    for index, view in enumerate(capture.views):
        prefix = "" if index == 0 else f"viewports/{view.viewport.name}/"
        writer.add(prefix + "screenshot.png", view.screenshot)
        writer.add(prefix + "dom.html", view.dom.encode())
        writer.add(prefix + "aria.yaml", view.aria.encode())
    writer.add_json("meta.json", capture.meta)
    writer.add_json("skeleton.json", skeleton.to_json())


def write_images(writer: SnapshotWriter, baseline: Path, capture: Capture, result: CheckResult,
                 screenshots: tuple[ScreenshotRows, ScreenshotRows] | None = None) -> list[str]:
    """Before/after composite and element crops for an alert, stored with the snapshot; each crop also in a
    phone / print version beside it (`change-N.phone.png`, not listed: the changelog finds it by name).
    `screenshots`: the baseline's and the capture's, as the visual diff read them (`Comparison.screenshots`);
    None: read from the files."""
    from watcher.report.pictures import (
        PageImage,
        composite,
        crop_pair,
        layout_of_dom,
        open_rgb,
        target_picture,
    )

    # each page read once for all its pictures (and for the visual diff, when it read them)
    before_png, after_png = ((PageImage(screenshots[0]), PageImage(screenshots[1])) if screenshots is not None
                             else (open_rgb(baseline / "screenshot.png"), open_rgb(capture.main.screenshot)))
    before_dom = baseline / "dom.html"
    layouts = (layout_of_dom(before_dom.read_bytes() if before_dom.is_file() else None),
               layout_of_dom(capture.main.dom))
    before_date = baseline.name[:8]
    names = []
    alerting = sorted((c for c in result.changes if not c.noise), key=lambda c: -c.severity.rank)
    if result.visual is not None:
        writer.add("images/composite.png", composite(
            before_png, after_png, relevant_regions(result.visual, alerting), before_date=_pretty_date(before_date),
            after_date=result.time.strftime("%d/%m/%Y"), before_layout=layouts[0], after_layout=layouts[1]))
        names.append("images/composite.png")
    for number, change in enumerate(alerting[:MAX_CROPS], start=1):
        before_box = change.before.box if change.before else None
        after_box = change.after.box if change.after else None
        if before_box is None and after_box is None:
            continue
        name = f"images/change-{number}.png"
        for narrow, file in ((False, name), (True, f"images/change-{number}.phone.png")):
            if change.kind == "target_changed" and after_box and change.before and change.after:
                picture = target_picture(after_png, after_box, change.before.target or "", change.after.target or "",
                                         layout=layouts[1], narrow=narrow, name=change.after.name)
            else:
                picture = crop_pair(before_png, after_png, before_box, after_box, before_layout=layouts[0],
                                    after_layout=layouts[1], narrow=narrow)
            writer.add(file, picture)
        names.append(name)
    return names


def relevant_regions(visual: VisualDiff, changes: Sequence[Change], margin: int = 24) -> VisualDiff:
    """The visual diff cut down to the regions where the interface changed, each grown to the whole element,
    so the picture mediators get outlines the renamed button, not the rotated news cards next to it nor half
    a word (all regions, as they are, if none touches a change)."""
    after_boxes = [c.after.box for c in changes if c.after and c.after.box]
    before_boxes = [c.before.box for c in changes if c.before and c.before.box]
    kept = []
    for region in visual.regions:
        # removed regions are in BEFORE coordinates, the others in AFTER coordinates
        boxes = before_boxes if region.kind == "removed" else after_boxes + before_boxes
        touching = [box for box in boxes if _near(region, box, margin)]
        if touching:
            kept.append(_grown(region, touching if region.kind == "removed" else
                               [b for b in touching if b in after_boxes] or touching))
    return replace(visual, regions=kept) if kept else visual


def _near(region: Region, box: tuple[int, int, int, int], margin: int) -> bool:
    x, y, w, h = box
    return (region.x < x + w + margin and x - margin < region.x + region.width
            and region.y < y + h + margin and y - margin < region.y + region.height)


def _grown(region: Region, boxes: Sequence[tuple[int, int, int, int]]) -> Region:
    left = min([region.x] + [b[0] for b in boxes])
    top = min([region.y] + [b[1] for b in boxes])
    right = max([region.x + region.width] + [b[0] + b[2] for b in boxes])
    bottom = max([region.y + region.height] + [b[1] + b[3] for b in boxes])
    return Region(left, top, right - left, bottom - top, region.kind)


def _pretty_date(yyyymmdd: str) -> str:
    return f"{yyyymmdd[6:8]}/{yyyymmdd[4:6]}/{yyyymmdd[0:4]}"


@dataclass
class Inspection:
    """A loaded page before it is compared: its skeleton, the baseline, and whether it is degraded."""

    skeleton: Skeleton
    baseline: Path | None
    degraded: Degraded | None


def inspect(store: Store, target: Target, capture: Capture) -> Inspection:
    """Skeleton of the capture, and whether it is a degraded page compared with the baseline (degraded.py)."""
    skeleton = extract_skeleton(capture.main.dom, base_url=capture.meta.get("final_url"), ignore=target.ignore)
    baseline = store.baseline(target.id)
    facts = page_facts(capture.main.dom, height=png_height(capture.main.screenshot))
    reference, reference_facts = _reference(baseline)
    return Inspection(skeleton, baseline, assess(skeleton, facts, reference, reference_facts))


def _reference(baseline: Path | None) -> tuple[Skeleton | None, PageFacts | None]:
    try:
        return _reference_of(str(baseline), (baseline / "dom.html").stat().st_mtime_ns) if baseline else (None, None)
    except (OSError, ValueError, KeyError, TypeError):
        return None, None  # an unreadable baseline: judge the page on its own


@functools.lru_cache(maxsize=256)
def _reference_of(folder: str, _mtime_ns: int) -> tuple[Skeleton, PageFacts]:
    # a baseline serves many checks in a row: read and parse it once (keyed by its dom.html's mtime too)
    html = (Path(folder) / "dom.html").read_text(encoding="utf-8", errors="replace")
    return SnapshotReader(Path(folder)).skeleton(), page_facts(html)


def record_degraded(store: Store, target: Target, capture: Capture, when: datetime,
                    look: Inspection) -> CheckResult:
    """Store a degraded capture for the record and index it as `degraded`: never a baseline, never an alert."""
    assert look.degraded is not None
    result = CheckResult(target, when, "degraded", reason=look.degraded.reason, baseline=look.baseline,
                         procedures=degraded_runs(target, look.degraded), degraded=look.degraded)
    with store.new_snapshot(target.id, when, look.baseline) as writer:
        write_capture(writer, capture, look.skeleton)
        writer.add_json("degraded.json", look.degraded.to_json())
    result.snapshot = writer.final
    report = stored_report(result, [])
    result.check_id = store.record_check(
        target.id, when, "degraded", reason=look.degraded.reason, snapshot=writer.final, baseline=look.baseline,
        hashes=writer.hashes, report=report)
    log.info("%s: degraded page (%s), not compared", target.id, look.degraded.describe("en"))
    return result


Queue = Callable[[CheckResult], None]  # called inside the transaction that records an alerting check


def evaluate(store: Store, target: Target, capture: Capture, when: datetime,
             runs: Sequence[ProcedureRun] = (), look: Inspection | None = None,
             queue: Queue | None = None) -> CheckResult:
    """Compare a successful capture (and procedure replays) with the baseline, store if it differs, record;
    `queue(result)` runs inside the recording transaction of an alerting check (service/delivery.py)."""
    look = look or inspect(store, target, capture)
    skeleton, baseline = look.skeleton, look.baseline
    refs = references(store, target)
    judge_procedures(runs, refs)
    comparison = compare(baseline, capture, skeleton, target.ignore, procedure_uses(target, refs)) if baseline \
        else None
    result = CheckResult(target, when, outcome(baseline, comparison, runs), baseline=baseline,
                         procedures=list(runs))
    if comparison:
        result.changes, result.visual = comparison.changes, comparison.visual
        result.alert = is_alert(comparison.changes, Severity(target.min_severity)) or any(
            run.newly_broken for run in runs)
    if result.status == "unchanged":
        result.snapshot = baseline
        result.check_id = store.record_check(target.id, when, "unchanged", snapshot=baseline, baseline=baseline)
        return result
    with store.new_snapshot(target.id, when, baseline) as writer:
        write_capture(writer, capture, skeleton)
        image_names = write_images(writer, baseline, capture, result, comparison.screenshots if comparison else None) \
            if result.alert and baseline else []
        image_names += write_procedures(writer, runs)
    result.snapshot = writer.final
    result.images = [writer.final / name for name in image_names]
    result.check_id = store.record_check(
        target.id, when, result.status, alert=result.alert, snapshot=writer.final, baseline=baseline,
        hashes=writer.hashes, report=stored_report(result, image_names),
        within=_within(result, queue) if queue is not None and result.alert else None)
    return result


def _within(result: CheckResult, queue: Queue) -> Callable[[int], None]:
    def run(check_id: int) -> None:
        result.check_id = check_id
        queue(result)

    return run


def stored_report(result: CheckResult, image_names: list[str]) -> dict[str, Any]:
    """What the index keeps of a check: its facts (store/report.py CheckReport, no sentences), with the target
    as it was configured then and the images relative to the snapshot folder, so the changelog stands alone."""
    return result.report(image_names).stored()


def as_capturer(source: Capturer | Browser) -> Capturer:
    """A Playwright browser wrapped as a Capturer; a Capturer as it is."""
    return PlaywrightCapturer(source) if isinstance(source, Browser) else source


async def check_target(source: Capturer | Browser, store: Store, target: Target, settings: Settings,
                       clock: Callable[[], datetime] = utc_now, queue: Queue | None = None) -> CheckResult:
    """Check one target now; every failure ends as a status, except a store failure (reported as an error).

    `source` loads the page (a `Capturer`, or a Playwright `Browser`); `clock` gives the check's time (UTC);
    `queue(result)` runs inside the transaction recording an alerting check (its alerts enter the outbox with
    it, see service/delivery.py).
    """
    capturer = as_capturer(source)
    when = clock()
    try:
        capture = await capturer.capture(target, settings.max_height)
        if capture.status == "error":  # the renderer crashed: once more, in a fresh page
            capture = await capturer.capture(target, settings.max_height)
        if capture.status == "error":  # the browser stopped: not held against the site (no unreachable streak)
            check_id = store.record_check(target.id, when, "error", reason=capture.reason)
            return CheckResult(target, when, "error", reason=capture.reason, check_id=check_id,
                               baseline=store.baseline(target.id))
        if capture.status != "ok":
            check_id = store.record_check(target.id, when, "unreachable", reason=capture.reason)
            return CheckResult(target, when, "unreachable", reason=capture.reason, check_id=check_id,
                               baseline=store.baseline(target.id),
                               procedures=unreachable_runs(target, capture.reason))
        # parsing, diffs, images and disk writes are CPU and I/O work: off the event loop, so other pages load
        look = await asyncio.to_thread(inspect, store, target, capture)
        if look.degraded is not None:  # a maintenance or queue page: procedures would only "break" on it
            return await asyncio.to_thread(record_degraded, store, target, capture, when, look)
        runs = await capturer.replay(target)
        return await asyncio.to_thread(evaluate, store, target, capture, when, runs, look, queue)
    except StoreError:
        raise
    except Exception as exc:  # a bug or a page that breaks a library: this target fails, the run goes on
        log.error("check of %s failed: %s", target.id, exc)
        log.debug("check of %s failed", target.id, exc_info=True)
        reason = f"{exc.__class__.__name__}: {first_line(exc)}"[:300]
        check_id = store.record_check(target.id, when, "error", reason=reason)
        return CheckResult(target, when, "error", reason=reason, check_id=check_id)


async def check_targets(
    config: Config, store: Store, targets: Sequence[Target],
    on_done: Callable[[CheckResult], None] | None = None, capturer: Capturer | None = None,
    queue: Queue | None = None,
) -> list[CheckResult]:
    """Check several targets, a bounded number at a time; results in the given order (`queue`: see
    `check_target`).

    Pages are loaded by `capturer`, or by one Chromium launched for the call when it is None (its request
    policy allows the hosts of `targets`).
    """
    limit = asyncio.Semaphore(config.settings.workers)

    async def all_with(source: Capturer) -> list[CheckResult]:
        async def one(target: Target) -> CheckResult:
            async with limit:
                result = await check_target(source, store, target, config.settings, queue=queue)
            if on_done:
                on_done(result)
            return result

        return list(await asyncio.gather(*(one(t) for t in targets)))

    if capturer is not None:
        return await all_with(capturer)
    async with launch_browser(targets) as browser:
        return await all_with(PlaywrightCapturer(browser))
