"""Confirmation of detected changes: a change alerts only if a later re-check still sees it.

Used by the service (`watcher run`, re-check after a delay) and by `watcher check --confirm`; what a re-check
means is decided by the policy (policy.after_check). A change whose page went back to what it was is recorded
as `reverted` and never alerts; a page that changed again in the meantime (a staged roll-out) gets its new
change confirmed in turn (`superseded`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from watcher.config.targets import Target
from watcher.detect.changes import Severity, is_alert
from watcher.detect.compare import compare_snapshots
from watcher.errors import WatcherError
from watcher.service.check import CheckResult, procedure_uses, references
from watcher.service.policy import UNSEEN, PolicyState
from watcher.store.reader import SnapshotReader
from watcher.store.replay import stored_runs
from watcher.store.snapshots import Store

__all__ = ["rebuild_result", "recheck_state"]

log = logging.getLogger(__name__)


def recheck_state(store: Store, target: Target, pending_id: int, recheck: CheckResult, *,
                  confirm: bool = True, prune: bool = False) -> PolicyState:
    """The policy's state for the confirming re-check `recheck` of the held check `pending_id`."""
    return PolicyState(confirm=confirm, prune=prune, pending=pending_id,
                       reverted=is_reverted(store, target, pending_id, recheck))


def is_reverted(store: Store, target: Target, pending_id: int, recheck: CheckResult) -> bool:
    """Whether the re-check's page is back to what it was before the held change (nothing alerting between
    the held check's baseline and the re-check's snapshot)."""
    if recheck.status in UNSEEN or not recheck.alert or recheck.snapshot is None:
        return False
    pending = store.check(pending_id)
    original = store.path(pending.baseline) if pending else None
    if original is None:
        return False
    uses = procedure_uses(target, references(store, target, up_to=pending_id))
    back = compare_snapshots(SnapshotReader(original).skeleton(), SnapshotReader(recheck.snapshot).skeleton(), uses)
    if is_alert(back, Severity(target.min_severity)):
        return False
    log.info("%s: the change seen earlier was reverted; no alert", target.id)
    return True


def rebuild_result(store: Store, target: Target, check_id: int) -> CheckResult:
    """The CheckResult of a stored check, recomputed from its snapshots with the comparison every check uses
    (`compare_snapshots`, procedures linked as they were when it was detected)."""
    record = store.check(check_id)
    snapshot = store.path(record.snapshot) if record else None
    baseline = store.path(record.baseline) if record else None
    if record is None or snapshot is None or baseline is None:
        raise WatcherError(f"check {check_id} has no snapshot to rebuild")
    uses = procedure_uses(target, references(store, target, up_to=check_id - 1))
    changes = compare_snapshots(SnapshotReader(baseline).skeleton(), SnapshotReader(snapshot).skeleton(), uses)
    report = record.check_report
    images = [snapshot / name for name in (report.image_files if report else [])]
    return CheckResult(target, datetime.fromisoformat(record.time), record.status, alert=record.alert,
                       changes=changes, snapshot=snapshot, baseline=baseline, check_id=check_id, images=images,
                       procedures=stored_runs(SnapshotReader(snapshot), target))
