"""What a check leads to: one pure decision shared by the service, `watcher check` and the demo.

`after_check(result, state)` returns the actions that follow one check, in order; each caller carries them out
its own way (the service schedules re-checks and sends through the outbox, `watcher check --confirm` re-checks
in the same process, the demo sends at once). Nothing here reads the disk, the clock or the network.

The rules:
- an unreachable or degraded page is checked again soon (`RetryLater`); coordinators hear of long outages and
  of recoveries (`TellCoordinators`, after every check);
- a procedure that never worked as written (failing from its first run, or never passed) is a configuration
  problem: it never makes a check alert (`ProcedureRun.newly_broken` needs a run that passed once), and
  coordinators hear of it with the nearest names the page has (`TellCoordinators`, once per mistake), never
  mediators;
- a check that found something new (`new`, `changed`) updates the changelog (`RebuildChangelog`) and, with a disk
  budget, prunes old snapshots (`Prune`);
- a change worth an alert waits for a confirming re-check when confirmation is on (`Hold`), and alerts at once
  otherwise (`Alert`);
- the confirming re-check of a held change (`state.pending`) settles it: a page not seen (unreachable, degraded,
  error) settles nothing (`RecheckLater`); a page that did not change again confirms it (`Release`); a page
  back to what it was before reverts it (no alert); a page that changed once more supersedes it: the new change
  is held in turn, from the service and from the command line alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watcher.capture.page import BROWSER_CRASHED

if TYPE_CHECKING:
    from watcher.service.check import CheckResult

__all__ = [
    "Action",
    "Alert",
    "CONFIRMED",
    "Hold",
    "PENDING",
    "PolicyState",
    "Prune",
    "REVERTED",
    "RebuildChangelog",
    "RecheckLater",
    "Release",
    "ResetRetries",
    "RetryLater",
    "SUPERSEDED",
    "SetConfirmation",
    "TellCoordinators",
    "UNSEEN",
    "Withdraw",
    "after_check",
    "settled",
]

# Confirmation states kept in the index (checks.confirmation)
PENDING = "pending"        # waiting for its confirming re-check
CONFIRMED = "confirmed"    # still there at the re-check: alerted
REVERTED = "reverted"      # back as before at the re-check: recorded, never alerted
SUPERSEDED = "superseded"  # changed again: the re-check's own change waits for confirmation instead

UNSEEN = ("unreachable", "degraded", "error")  # statuses of a check that did not see the site's interface
OUTAGE = ("unreachable", "degraded")


@dataclass(frozen=True)
class PolicyState:
    """What the policy needs to know besides the check itself.

    `confirm`: alerts wait for a confirming re-check; `prune`: a disk budget is set (settings.max_disk_mb);
    `pending`: this check is the confirming re-check of the held check with that id; `reverted`: (a re-check)
    its page is back to what it was before the held change (see confirmation.is_reverted).
    """

    confirm: bool = False
    prune: bool = False
    pending: int | None = None
    reverted: bool = False


@dataclass(frozen=True)
class SetConfirmation:
    """Store: record a check's confirmation state (and whether it alerted) in the index."""

    check_id: int
    state: str
    alert: bool


@dataclass(frozen=True)
class Prune:
    """Store: drop the target's oldest snapshots beyond the disk budget."""

    target_id: str


@dataclass(frozen=True)
class Hold:
    """Hold this check's alert until a re-check confirms it (the alert waits in the outbox)."""

    result: CheckResult


@dataclass(frozen=True)
class Alert:
    """Send this check's alert to the mediators' channels now."""

    result: CheckResult


@dataclass(frozen=True)
class Release:
    """Send the alert held since check `check_id`: its change is confirmed."""

    check_id: int


@dataclass(frozen=True)
class Withdraw:
    """Drop the alert held since check `check_id`: its change was reverted or superseded."""

    check_id: int


@dataclass(frozen=True)
class RecheckLater:
    """The confirming re-check of held check `check_id` saw nothing: re-check the target later."""

    target_id: str
    check_id: int


@dataclass(frozen=True)
class RetryLater:
    """The page could not be seen: check it again before its next scheduled time."""

    target_id: str


@dataclass(frozen=True)
class ResetRetries:
    """The page was seen: its retries start again from the first delay next time."""

    target_id: str


@dataclass(frozen=True)
class TellCoordinators:
    """Tell coordinators of a long outage, or of a recovery, when this check makes one (never an alert)."""

    result: CheckResult


@dataclass(frozen=True)
class RebuildChangelog:
    """Rebuild the changelog soon: something new to show."""


Action = (SetConfirmation | Prune | Hold | Alert | Release | Withdraw | RecheckLater | RetryLater | ResetRetries
          | TellCoordinators | RebuildChangelog)


def after_check(result: CheckResult, state: PolicyState) -> list[Action]:
    """The actions that follow one check, in the order they are to be carried out."""
    target_id = result.target.id
    # an outage, or a check cut by a browser crash (not held against the site): look again soon
    outage = result.status in OUTAGE or result.reason == BROWSER_CRASHED
    actions: list[Action] = [RetryLater(target_id) if outage else ResetRetries(target_id)]
    if state.prune and result.status == "changed":
        actions.append(Prune(target_id))
    if result.status in ("new", "changed"):
        actions.append(RebuildChangelog())
    actions.append(TellCoordinators(result))
    if state.pending is not None:
        return actions + _settle(result, state.pending, state.reverted)
    if result.alert and result.check_id is not None:
        return actions + (_hold(result) if state.confirm else [Alert(result)])
    return actions


def _hold(result: CheckResult) -> list[Action]:
    assert result.check_id is not None
    return [SetConfirmation(result.check_id, PENDING, alert=False), Hold(result)]


def _settle(recheck: CheckResult, pending: int, reverted: bool) -> list[Action]:
    """What the confirming re-check `recheck` means for the held check `pending`."""
    if recheck.status in UNSEEN or recheck.check_id is None:
        return [RecheckLater(recheck.target.id, pending)]  # a maintenance or queue page says nothing
    if not recheck.alert:
        return [SetConfirmation(pending, CONFIRMED, alert=True), Release(pending), RebuildChangelog()]
    if reverted:
        return [SetConfirmation(pending, REVERTED, alert=False),
                SetConfirmation(recheck.check_id, REVERTED, alert=False), Withdraw(pending)]
    return [SetConfirmation(pending, SUPERSEDED, alert=False), Withdraw(pending), *_hold(recheck)]


def settled(actions: Sequence[Action], pending: int) -> str | None:
    """The confirmation state these actions give the held check `pending` (None: not settled yet)."""
    return next((a.state for a in actions if isinstance(a, SetConfirmation) and a.check_id == pending), None)
