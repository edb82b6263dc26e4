"""`watcher check` and `watcher history`: check pages now, and show what happened to one over time."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import click

from watcher.capture.capturer import Capturer
from watcher.cli.common import EXIT_ALERT, EXIT_OK, Paths, emit_json
from watcher.config.targets import Config, Target, load_config
from watcher.deliver.notify import DeliveryReport, Notifier, Outbox, OutboxEntry, Sender
from watcher.errors import InputError
from watcher.i18n.texts import t, visual_words
from watcher.service import policy
from watcher.service.check import CheckResult, check_targets
from watcher.service.confirmation import recheck_state
from watcher.service.delivery import queue_alert_actions, queue_with_check
from watcher.store.snapshots import TRIAL, Store

__all__ = ["delivery_words", "format_result", "run_check"]

CONFIRM_ROUNDS = 3  # re-checks of a page that keeps changing before `check --confirm` leaves it pending


def select_targets(config: Config, ids: list[str]) -> list[Target]:
    try:
        return config.select(ids)
    except KeyError as exc:
        raise InputError(str(exc.args[0])) from None


@dataclass
class Delivering:
    """What `watcher check` queued in the outbox (None notifier: `--no-notify`, nothing queued)."""

    notifier: Notifier | None
    queued: DeliveryReport = field(default_factory=DeliveryReport)
    released: list[int] = field(default_factory=list)  # rows of held alerts confirmed by --confirm

    def row_ids(self) -> list[int]:
        return sorted({d.row_id for d in self.queued.deliveries if d.row_id is not None} | set(self.released))

    def already(self) -> set[int]:
        """Rows that were in the outbox before this run (the same change already alerted): found as duplicates
        and never queued by this run (its own rows are met again when the policy is carried out)."""
        fresh = {d.row_id for d in self.queued.deliveries if d.status != "duplicate"}
        return {d.row_id for d in self.queued.deliveries
                if d.status == "duplicate" and d.row_id is not None and d.row_id not in fresh}


def run_check(paths: Paths, ids: list[str], fmt: str, lang: str, confirm_delay: float | None = None,
              capturer: Capturer | None = None, notify: bool = True, sender: Sender | None = None) -> int:
    """Check the chosen targets and deliver their alerts through the outbox, as the service does (routing by
    channels.yaml, min_severity, idempotency keys: an alert already sent is not sent again); exit code 1 when
    something alerts (once confirmed, with --confirm). `notify=False` (`--no-notify`): a trial, nothing queued.

    `capturer` loads the pages (None: one Chromium for the command; tests pass a ReplayCapturer); `sender`
    replaces Apprise (tests)."""
    config = load_config(paths.config)
    targets = select_targets(config, ids)
    with Store(paths.snapshots) as store:
        store.clean_partial()
        delivering = Delivering(_notifier(paths, store, sender) if notify else None)
        state = policy.PolicyState(confirm=confirm_delay is not None)
        hook = queue_with_check(store, delivering.notifier, state, delivering.queued) \
            if delivering.notifier is not None else None
        results = asyncio.run(_check_with_progress(config, store, targets, show=fmt == "text", capturer=capturer,
                                                   queue=hook))
        holds = _carry_out(store, [(r, policy.after_check(r, state)) for r in results], delivering)
        if confirm_delay is not None:
            results = asyncio.run(confirm_alerts(config, store, results, holds, confirm_delay, capturer=capturer,
                                                 delivering=delivering))
        if not notify:
            _keep_as_trials(store, results)
        entries = _send(delivering, quiet_stdout=fmt == "json")
    if fmt == "json":
        emit_json({"targets": [_json_entry(r, lang, entries) for r in results], "notify": notify})
    else:
        for result in results:
            click.echo(format_result(result, lang))
            for line in delivery_words(result, entries, delivering.already(), lang):
                click.echo("  " + line)
        click.echo(t("summary", lang, count=len(results), alerts=sum(r.alert for r in results)))
        summary = _delivery_summary(results, entries, notify, lang)
        if summary:
            click.echo(summary)
    return EXIT_ALERT if any(r.alert for r in results) else EXIT_OK


def _keep_as_trials(store: Store, results: list[CheckResult]) -> None:
    """`--no-notify`: an alerting change this run saw is marked a trial (store.snapshots.TRIAL), so that it never
    becomes the baseline: the next `watcher check` or the service sees the same change again and sends it."""
    for result in results:
        if result.alert and result.check_id is not None:
            store.set_confirmation(result.check_id, TRIAL, alert=True)


def _notifier(paths: Paths, store: Store, sender: Sender | None) -> Notifier:
    from watcher.config.channels import load_channels

    return Notifier(Outbox.of_store(store), load_channels(paths.notifiers), sender)


def _send(delivering: Delivering, quiet_stdout: bool) -> list[OutboxEntry]:
    """Send the alerts this run queued (claimed like the service's, see deliver/notify.py); returns their rows.
    With `quiet_stdout` (JSON output), what a console channel prints goes to stderr."""
    notifier = delivering.notifier
    if notifier is None:
        return []
    ids = delivering.row_ids()
    with _stdout_to_stderr() if quiet_stdout else contextlib.nullcontext():
        notifier.send_due(ids=ids)
    return notifier.outbox.entries(ids=ids)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    with contextlib.redirect_stdout(sys.stderr):
        yield


def _json_entry(result: CheckResult, lang: str, entries: list[OutboxEntry]) -> dict[str, object]:
    """The result's JSON (contract), extended with its change number and where its alert went."""
    entry = result.to_json(lang)
    entry["check_id"] = result.check_id
    entry["notified"] = [{"outbox_id": e.id, "channel": e.channel, "destination": e.destination,
                          "status": e.status} for e in entries if e.target == result.target.id and e.kind == "alert"]
    return entry


DELIVERY_ORDER = ("sent", "already", "pending", "sending", "failed", "held", "confirming")


def delivery_words(result: CheckResult, entries: list[OutboxEntry], already: set[int], lang: str) -> list[str]:
    """Where this check's alert went, one line per outcome (« Alerte envoyée à : local, mediateurs-drouais »)."""
    mine = [e for e in entries if e.target == result.target.id and e.kind == "alert"]
    if not result.alert or not mine:
        return []
    groups: dict[str, list[str]] = {}
    for e in mine:
        outcome = "already" if e.id in already and e.status == "sent" else e.status
        names = groups.setdefault(outcome, [])
        if e.channel not in names:
            names.append(e.channel)
    return [t("check.delivery." + outcome, lang, channels=", ".join(groups[outcome]))
            for outcome in DELIVERY_ORDER if outcome in groups]


def _delivery_summary(results: list[CheckResult], entries: list[OutboxEntry], notify: bool, lang: str) -> str:
    if not notify:
        return t("check.delivery.no_notify", lang)
    if not any(r.alert for r in results):
        return t("check.delivery.none", lang)
    if not any(e.kind == "alert" for e in entries):
        return t("check.delivery.no_channel", lang)
    return "" if all(e.status == "sent" for e in entries) else t("check.delivery.outbox", lang)


def _carry_out(store: Store, decided: list[tuple[CheckResult, list[policy.Action]]],
               delivering: Delivering | None = None) -> list[CheckResult]:
    """The command line's part of the policy: the index's confirmation states and the outbox (alerts queued,
    held alerts released or withdrawn; queueing an alert queued with its check again is a no-op); returns the
    held checks. (Coordinators' news of outages wait for the service.)"""
    holds = []
    notifier = delivering.notifier if delivering else None
    for result, actions in decided:
        if notifier is not None and delivering is not None:
            delivering.queued.extend(queue_alert_actions(store, notifier, result, actions))
        for action in actions:
            if isinstance(action, policy.SetConfirmation):
                store.set_confirmation(action.check_id, action.state, alert=action.alert)
            elif isinstance(action, policy.Hold):
                holds.append(action.result)
            elif isinstance(action, policy.Release) and notifier is not None and delivering is not None:
                delivering.released.extend(row.id for row in notifier.outbox.confirming(action.check_id))
                notifier.release(action.check_id)
            elif isinstance(action, policy.Withdraw) and notifier is not None:
                notifier.withdraw(action.check_id)
    return holds


async def confirm_alerts(config: Config, store: Store, results: list[CheckResult], holds: list[CheckResult],
                         delay: float, rounds: int = CONFIRM_ROUNDS, capturer: Capturer | None = None,
                         delivering: Delivering | None = None) -> list[CheckResult]:
    """Re-check the held targets after `delay` seconds, as the service does: a change still there alerts, a
    reverted one does not, and one superseded by a newer change is held in turn (at most `rounds` re-checks;
    a change still moving after them stays pending in the index, for the service to confirm)."""
    final = {r.target.id: r for r in results}
    for result in holds:
        final[result.target.id] = _quiet(result)
    for _round in range(rounds):
        if not holds:
            break
        await asyncio.sleep(delay)
        held_ids = {r.target.id: (r.target, r.check_id) for r in holds}

        def state_of(again: CheckResult, held_ids: dict[str, tuple[Target, int | None]] = held_ids
                     ) -> policy.PolicyState:
            target, held_id = held_ids[again.target.id]
            assert held_id is not None
            return recheck_state(store, target, held_id, again)

        notifier = delivering.notifier if delivering else None
        hook = queue_with_check(store, notifier, state_of, delivering.queued) \
            if notifier is not None and delivering is not None else None
        rechecks = await check_targets(config, store, [r.target for r in holds], capturer=capturer, queue=hook)
        waiting = []
        for held, again in zip(holds, rechecks, strict=True):
            assert held.check_id is not None
            actions = policy.after_check(again, recheck_state(store, held.target, held.check_id, again))
            held_again = _carry_out(store, [(again, actions)], delivering)
            if any(isinstance(a, policy.Release) for a in actions):
                final[held.target.id] = held  # confirmed: the change detected first is the one to tell
            elif any(isinstance(a, policy.RecheckLater) for a in actions):
                waiting.append(held)  # the page was not seen: look again
            else:
                final[held.target.id] = _quiet(again)
                waiting.extend(held_again)
        holds = waiting
    return [final[r.target.id] for r in results]


def _quiet(result: CheckResult) -> CheckResult:
    """The check as reported while (or because) its change is not confirmed: no alert."""
    from dataclasses import replace

    return replace(result, alert=False)


async def _check_with_progress(config: Config, store: Store, targets: list[Target], show: bool,
                               capturer: Capturer | None = None,
                               queue: Callable[[CheckResult], None] | None = None) -> list[CheckResult]:
    if not show or len(targets) < 2 or not sys.stderr.isatty():
        return await check_targets(config, store, targets, capturer=capturer, queue=queue)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task(t("checking"), total=len(targets))
        return await check_targets(config, store, targets, on_done=lambda _r: progress.advance(task),
                                   capturer=capturer, queue=queue)


def format_result(result: CheckResult, lang: str) -> str:
    """A few lines a coordinator reads at a glance."""
    from watcher.report.render import procedure_message
    from watcher.store.report import ProcedureFacts

    head = f"{result.target.id} — {result.target.name}{t('colon', lang)}{t('status.' + result.status, lang)}"
    if result.alert:
        head += f"  [{t('alert', lang)}]"
    lines = [head]
    if result.status == "changed" and result.check_id is not None:
        lines.append("  " + t("check.change_number", lang, id=result.check_id))
    if result.reason:
        lines.append(f"  {t('reason', lang)}{t('colon', lang)}{result.describe_reason(lang)}")
    for change in result.changes:
        marker = "•" if not change.noise else "·"
        lines.append(f"  {marker} {change.summary(lang)} [{t('severity.' + change.severity.value, lang)}]")
    if result.visual and result.visual.regions:
        lines.append("  " + visual_words(result.visual.changed_ratio,
                                     len(result.visual.regions), lang))
    if result.status == "changed" and not result.changes and not result.procedures:
        lines.append("  " + t("no_change", lang))
    for run in result.procedures:
        marker = "✗" if run.status == "broken" else "✓" if run.status == "ok" else "?"
        lines.append(f"  {marker} {procedure_message(ProcedureFacts.of(run), lang)}")
    for image in result.images:
        lines.append(f"  {t('images', lang)}{t('colon', lang)}{image}")
    if result.snapshot:
        lines.append(f"  {t('snapshot', lang)}{t('colon', lang)}{result.snapshot}")
    return "\n".join(lines)


