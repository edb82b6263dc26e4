"""Alerts queued with the check that found them: one SQLite transaction for both.

`queue_with_check(store, notifier, state)` gives the hook `check_target(..., queue=hook)` calls while the check
is being recorded (`Store.record_check(within=...)`): the policy's decision for the check (`policy.after_check`)
is carried out there for the part that concerns the outbox — `Alert` queues the alert for its routed channels,
`Hold` queues it « en attente de confirmation » and marks the check pending. A process killed after the check
is recorded has therefore queued its alerts too; one killed before has recorded neither (the next check finds
the change again). The caller carries out the policy's actions afterwards as before: queueing the same alert
again is a no-op (the outbox's idempotency keys), so only sending remains.

Used by the service (`watcher run`) and `watcher check`, so both route, hold and deduplicate alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from watcher.deliver.notify import DeliveryReport, Notifier
from watcher.report.alerts import alert_from_result
from watcher.service import policy
from watcher.service.check import CheckResult
from watcher.store.snapshots import Store

__all__ = ["queue_alert_actions", "queue_with_check"]

log = logging.getLogger(__name__)


def queue_alert_actions(store: Store, notifier: Notifier, result: CheckResult,
                        actions: list[policy.Action]) -> DeliveryReport:
    """Carry out the outbox part of `actions` for `result` (Alert, Hold, Withdraw and the confirmation states);
    returns what was queued (status `duplicate` for an alert already in the outbox). Each is idempotent: the
    caller's own carrying out of the same actions afterwards changes nothing."""
    report = DeliveryReport()
    for action in actions:
        if isinstance(action, policy.SetConfirmation):
            store.set_confirmation(action.check_id, action.state, alert=action.alert)
        elif isinstance(action, policy.Withdraw):  # a held change superseded by this one
            notifier.withdraw(action.check_id)
        elif isinstance(action, policy.Hold | policy.Alert):
            alert = alert_from_result(action.result)
            if alert is None:
                continue
            confirming = action.result.check_id if isinstance(action, policy.Hold) else None
            report.extend(notifier.queue_alert(alert, confirming=confirming))
    return report


def queue_with_check(store: Store, notifier: Notifier,
                     state: policy.PolicyState | Callable[[CheckResult], policy.PolicyState],
                     queued: DeliveryReport | None = None) -> Callable[[CheckResult], None]:
    """The hook for `check_target(queue=...)`: queue an alerting check's alerts inside its recording
    transaction (the check's `check_id` is set); what was queued is added to `queued` when given. `state`: the
    policy's state, or a function giving it for the check (a confirming re-check: `recheck_state`).

    The outbox of `notifier` must be the store's own (`Outbox.of_store(store)`), or the two writes are not one
    transaction. Errors of SQLite roll the check back with its alerts; a rendering bug is logged and leaves
    the queueing to the caller's carrying out of the policy (the alert is then queued just after)."""
    def queue(result: CheckResult) -> None:
        if not result.alert or result.check_id is None:
            return
        try:
            now = state(result) if callable(state) else state
            report = queue_alert_actions(store, notifier, result, policy.after_check(result, now))
        except Exception as exc:  # noqa: BLE001 - a template bug must not cost the check its record
            from watcher.errors import StoreError

            if isinstance(exc, StoreError):
                raise
            log.error("%s: alert not queued with its check (%s); queued after it", result.target.id, exc)
            return
        if queued is not None:
            queued.extend(report)

    return queue
