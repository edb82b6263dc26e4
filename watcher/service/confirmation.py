"""Confirmation of detected changes: a change alerts only if a later re-check still sees it.

Used by the service (`watcher run`, re-check after a delay) and by `watcher check --confirm`. A change whose
page went back to what it was is recorded as `reverted` and never alerts; a page that changed again in the
meantime (a staged roll-out) gets its new change confirmed in turn (`superseded`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from watcher.capture.procedures import Candidate, ProcedureRun
from watcher.config.targets import Target
from watcher.detect.changes import Severity, is_alert
from watcher.detect.structural import diff_skeletons
from watcher.errors import WatcherError
from watcher.service.check import CheckResult
from watcher.store.reader import SnapshotReader
from watcher.store.snapshots import Store

log = logging.getLogger(__name__)

RETRY = "retry"          # the re-check could not see the page (unreachable, degraded): try again later
CONFIRMED = "confirmed"  # still there: alert now
REVERTED = "reverted"    # back as before: record, don't alert
SUPERSEDED = "superseded"  # changed again: the re-check's own change now waits for confirmation


def hold(store: Store, result: CheckResult) -> None:
    """Keep an alerting check quiet until it is confirmed."""
    assert result.check_id is not None
    store.set_confirmation(result.check_id, "pending", alert=False)


def settle(store: Store, target: Target, pending_id: int, recheck: CheckResult) -> str:
    """What the re-check `recheck` means for the pending change `pending_id`; the index is updated."""
    if recheck.status in ("unreachable", "degraded", "error") or recheck.check_id is None:
        return RETRY  # a maintenance or queue page says nothing about the change: look again later
    if not recheck.alert:
        store.set_confirmation(pending_id, CONFIRMED, alert=True)
        return CONFIRMED
    pending = store.check(pending_id)
    original = store.path(pending.baseline) if pending else None
    if original is None or recheck.snapshot is None:
        store.set_confirmation(pending_id, SUPERSEDED, alert=False)
        return SUPERSEDED
    back = diff_skeletons(SnapshotReader(original).skeleton(), SnapshotReader(recheck.snapshot).skeleton())
    if not is_alert(back, Severity(target.min_severity)):
        store.set_confirmation(pending_id, REVERTED, alert=False)
        store.set_confirmation(recheck.check_id, REVERTED, alert=False)
        log.info("%s: the change seen earlier was reverted; no alert", target.id)
        return REVERTED
    store.set_confirmation(pending_id, SUPERSEDED, alert=False)
    return SUPERSEDED


def rebuild_result(store: Store, target: Target, check_id: int) -> CheckResult:
    """The CheckResult of a stored check, recomputed from its snapshots (the diff is a pure function)."""
    record = store.check(check_id)
    snapshot = store.path(record.snapshot) if record else None
    baseline = store.path(record.baseline) if record else None
    if record is None or snapshot is None or baseline is None:
        raise WatcherError(f"check {check_id} has no snapshot to rebuild")
    changes = diff_skeletons(SnapshotReader(baseline).skeleton(), SnapshotReader(snapshot).skeleton())
    report = record.check_report
    images = [snapshot / name for name in (report.image_files if report else [])]
    return CheckResult(target, datetime.fromisoformat(record.time), record.status, alert=record.alert,
                       changes=changes, snapshot=snapshot, baseline=baseline, check_id=check_id, images=images,
                       procedures=stored_runs(SnapshotReader(snapshot), target))


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
