"""`watcher run`: the long-running service. Scheduled checks that confirm changes before alerting,
treat unreachable sites as such, survive restarts, and stop cleanly.

Pieces:
- `RunLock`: one service per snapshots folder (an advisory file lock).
- `SharedBrowser`: one Chromium in an asyncio loop thread, restarted when it dies or grows too big.
- `Service`: APScheduler 3 (BlockingScheduler, SQLAlchemy job store in the snapshots folder) wiring,
  the confirmation of detected changes, retries of unreachable sites, reloads and signals.
Jobs are module-level functions (`check_job`, `confirm_job`) so the job store can keep them across restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import random
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import CancelledError as FutureCancelled
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from apscheduler.events import EVENT_SCHEDULER_START
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from playwright.async_api import Browser, Playwright, async_playwright

from watcher.capture.browser import start_browser
from watcher.capture.capturer import Capturer, PlaywrightCapturer
from watcher.config.channels import load_channels
from watcher.config.targets import Config, Target, load_config, parse_schedule
from watcher.deliver.notify import Notifier, Outbox, notify_check_result
from watcher.errors import ConfigError, WatcherError
from watcher.report.alerts import alert_from_result
from watcher.service import policy
from watcher.service.check import CheckResult, check_target
from watcher.service.confirmation import (
    rebuild_result,
    recheck_state,
)
from watcher.service.delivery import queue_with_check
from watcher.store.snapshots import Store, utc_now

__all__ = ["RunLock", "Service", "ServiceOptions"]

log = logging.getLogger("watcher.service.scheduler")
T = TypeVar("T")

RETRY_DELAYS = (60, 300, 900)          # seconds before re-checking an unreachable site
BROWSER_MAX_PAGES = 500                 # a long-lived Chromium slowly grows; start a fresh one now and then
BROWSER_MAX_MB = 1300  # proportional set size of Chromium's processes
MEMORY_CHECK_EVERY = 10                 # pages between two measures of that size
STOP_GRACE_S = 8.0                      # a page in progress gets this long to finish at SIGTERM
DRAIN_S = 20.0                          # at SIGTERM, jobs and sends in flight get this long before the close
CONFIG_POLL_S = 5


class RunLock:
    """An exclusive lock on the snapshots folder, released by the OS even if the process is killed."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "watcher.lock"
        self.handle: Any = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")  # noqa: SIM115 - held for the life of the service
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "?"
            self.handle.close()
            raise WatcherError(f"another watcher run (pid {holder}) already uses {self.path.parent}") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(str(os.getpid()))
        self.handle.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def descendants_memory_mb(pid: int) -> float:
    """Memory of every process started by `pid` (Chromium's browser, GPU and renderer processes).

    Proportional set size (PSS): Chromium's processes share much of their memory, so adding up their RSS would
    count it several times over (measured: 1.9 GB of summed RSS for 1.1 GB of PSS).
    """
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total_kb, stack = 0, list(children.get(pid, []))
    while stack:
        child = stack.pop()
        stack.extend(children.get(child, []))
        total_kb += _memory_kb(child)
    return total_kb / 1024


def _memory_kb(pid: int) -> int:
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):  # smaps_rollup needs Linux >= 4.14
        try:
            for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except OSError:
            continue
    return 0


class SharedBrowser:
    """One Chromium shared by every check, living in its own asyncio loop thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="watcher-browser", daemon=True)
        self.playwright: Playwright | None = None
        self.browser: Browser | None = None
        self.pages_since_start = 0
        self.lock: asyncio.Lock | None = None
        self.targets: list[Target] = []  # the pages it loads: their hosts may redirect to themselves (netpolicy)

    def start(self) -> None:
        self.thread.start()
        self.call(self._start(), timeout=60)

    async def _start(self) -> None:
        self.lock = asyncio.Lock()
        self.playwright = await async_playwright().start()
        self.browser = await start_browser(self.playwright, self.targets)

    async def get(self) -> Browser:
        """The browser, restarted first if it died, served many pages or uses too much memory."""
        assert self.lock is not None and self.playwright is not None
        async with self.lock:
            worn = self.pages_since_start >= BROWSER_MAX_PAGES or self._too_big()
            if self.browser is None or not self.browser.is_connected() or worn:
                if self.browser is not None and self.browser.is_connected():
                    await self.browser.close()
                log.info("starting a fresh Chromium")
                self.browser = await start_browser(self.playwright, self.targets)
                self.pages_since_start = 0
            self.pages_since_start += 1
            return self.browser

    def _too_big(self) -> bool:
        # walking /proc and reading smaps_rollup costs milliseconds per process: not on every page
        if self.pages_since_start % MEMORY_CHECK_EVERY:
            return False
        return descendants_memory_mb(os.getpid()) > BROWSER_MAX_MB

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return self.submit(coro).result(timeout)

    def stop(self) -> None:
        async def close() -> None:
            for task in [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
                task.cancel()
            if self.browser is not None:
                await self.browser.close()
            if self.playwright is not None:
                await self.playwright.stop()

        try:
            self.call(close(), timeout=10)
        except Exception:  # noqa: BLE001 - stopping: nothing left to report to
            log.warning("Chromium did not close cleanly")
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


def trigger_for(target: Target, jitter: int) -> IntervalTrigger | CronTrigger:
    """The APScheduler trigger of a target's schedule, with a random spread so checks don't pile up."""
    kind, value = parse_schedule(target.schedule)
    if kind == "interval":
        seconds = int(value)
        return IntervalTrigger(seconds=seconds, jitter=min(jitter, seconds // 10) or None)
    minute, hour, day, month, day_of_week = str(value).split()
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
                       timezone="UTC", jitter=jitter or None)


@dataclass
class ServiceOptions:
    """How the service behaves; defaults suit a small machine watching a few hundred pages."""

    confirm_delay: float = 600.0        # seconds before re-checking a detected change (0: alert at once)
    jitter: int = 120                   # seconds of random spread added to each scheduled check
    startup_spread: float = 5.0         # seconds between checks that were due while the service was down
    notifiers: Path | None = None       # notifiers/ folder (channels.yaml, templates); None: console only
    send_every: int = 60                # seconds between two passes over the outbox (retries, digests)
    changelog: Path | None = None       # rebuilt (debounced) after checks that change something; None: not kept
    changelog_delay: float = 10.0
    # hooks (`watcher run --web`: the web page and its « Vérifier maintenant » requests, service/requests.py):
    # on_start once the lock is held and the job store open, before the first job; on_stop once the scheduler
    # stopped, before the checks in flight are waited for
    on_start: list[Callable[[Service], None]] = field(default_factory=list)
    on_stop: list[Callable[[], None]] = field(default_factory=list)


SERVICE: Service | None = None  # the running service, for the module-level job functions


def check_job(target_id: str) -> None:
    """Scheduled check of one target (a module-level function so the job store can save it)."""
    if SERVICE is not None:
        SERVICE.run_check(target_id)


def confirm_job(target_id: str, check_id: int) -> None:
    """The re-check that confirms (or not) a change detected earlier."""
    if SERVICE is not None:
        SERVICE.run_confirmation(target_id, check_id)


@dataclass
class Service:
    """The scheduler, the shared browser and the rules that decide when a change alerts (policy.after_check).

    `capturer` loads pages instead of the shared Chromium (tests: watcher.store.replay.ReplayCapturer);
    `clock` gives the current UTC time to checks, schedules and the outbox.
    """

    config_path: Path
    snapshots: Path
    options: ServiceOptions = field(default_factory=ServiceOptions)
    capturer: Capturer | None = None
    clock: Callable[[], datetime] = utc_now

    def __post_init__(self) -> None:
        self.config: Config = load_config(self.config_path)
        self.config_mtime = self.config_path.stat().st_mtime
        self.store = Store(self.snapshots)
        self.browser = SharedBrowser() if self.capturer is None else None
        if self.browser is not None:
            self.browser.targets = list(self.config.targets)
        self.stopping = threading.Event()
        self.in_flight: set[Future[CheckResult]] = set()
        self.retries: dict[str, int] = {}
        self.outbox = Outbox.of_store(self.store, clock=self.clock)  # one transaction for a check and its alerts
        self.notifier = Notifier(self.outbox, load_channels(self.options.notifiers))
        self.notify_lock = threading.Lock()
        self.busy = threading.Condition()  # jobs running: the close waits for them (bounded, DRAIN_S)
        self.running_jobs = 0
        self.scheduler = BlockingScheduler(
            # targets' jobs survive restarts; the service's own housekeeping is re-created at each start
            jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{self.snapshots / 'jobs.sqlite3'}"),
                       "memory": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(self.config.settings.workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone="UTC",
        )

    # --- scheduling -------------------------------------------------------------------------------

    def sync_jobs(self) -> None:
        """One job per target, matching targets.yaml: added, rescheduled or removed as it changes."""
        wanted = {f"check:{t.id}": t for t in self.config.targets}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("check:") and job.id not in wanted:
                job.remove()
        for job_id, target in wanted.items():
            trigger = trigger_for(target, self.options.jitter)
            job = self.scheduler.get_job(job_id)
            if job is None:
                self.scheduler.add_job(check_job, trigger, args=[target.id], id=job_id, name=target.name,
                                       next_run_time=self.clock())
            elif str(job.trigger) != str(trigger):
                job.reschedule(trigger)

    def spread_due_checks(self) -> None:
        """Checks that fell due while the service was down run one after another, not all at once."""
        now = self.clock()
        due = sorted((j for j in self.scheduler.get_jobs(jobstore="default")
                      if j.next_run_time and j.next_run_time <= now), key=lambda j: j.next_run_time)
        for index, job in enumerate(due):
            job.modify(next_run_time=now + timedelta(seconds=index * self.options.startup_spread))

    def reload_config(self) -> bool:
        """Re-read targets.yaml; a broken file is reported and the previous configuration kept."""
        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            log.error("configuration not reloaded: %s", exc)
            return False
        self.config = config
        self.config_mtime = self.config_path.stat().st_mtime
        if self.browser is not None:
            self.browser.targets = list(config.targets)  # new hosts count from the next browser start
            self.browser.pages_since_start = BROWSER_MAX_PAGES
        self.sync_jobs()
        log.info("configuration reloaded: %d target(s)", len(config.targets))
        return True

    def _watch_config(self) -> None:
        try:
            mtime = self.config_path.stat().st_mtime
        except OSError:
            return
        if mtime != self.config_mtime:
            self.config_mtime = mtime
            self.reload_config()

    # --- checks ----------------------------------------------------------------------------------

    def _target(self, target_id: str) -> Target | None:
        try:
            return self.config.target(target_id)
        except KeyError:
            return None  # removed from targets.yaml since the job was planned

    def _check_now(self, target: Target, queue: Callable[[CheckResult], None] | None = None) -> CheckResult | None:
        if self.stopping.is_set():
            return None
        if self.capturer is not None:  # no shared browser: the check runs in this thread
            return asyncio.run(check_target(self.capturer, self.store, target, self.config.settings, self.clock,
                                            queue))

        shared = self.browser
        assert shared is not None

        async def run() -> CheckResult:
            browser = await shared.get()
            return await check_target(PlaywrightCapturer(browser), self.store, target, self.config.settings,
                                      self.clock, queue)

        future = shared.submit(run())
        self.in_flight.add(future)
        try:
            return future.result(timeout=target.timeout * 2 * len(target.viewports) + 120)
        except (FutureTimeout, FutureCancelled, asyncio.CancelledError):
            future.cancel()
            return None
        finally:
            self.in_flight.discard(future)

    def _state(self) -> policy.PolicyState:
        return policy.PolicyState(confirm=self.options.confirm_delay > 0, prune=bool(self.config.settings.max_disk_mb))

    @contextlib.contextmanager
    def _job(self) -> Iterator[bool]:
        """Count a job as running while it works (the close waits for it); yields False once stopping: the job
        then does nothing (no database access after SIGTERM's close)."""
        with self.busy:
            if self.stopping.is_set():
                yield False
                return
            self.running_jobs += 1
        try:
            yield True
        finally:
            with self.busy:
                self.running_jobs -= 1
                self.busy.notify_all()

    def run_check(self, target_id: str) -> CheckResult | None:
        """A scheduled check: unreachable sites are retried, new changes wait for confirmation (an alert enters
        the outbox in the transaction that records its check, service/delivery.py)."""
        with self._job() as working:
            if not working:
                return None
            target = self._target(target_id)
            state = self._state()
            queue = queue_with_check(self.store, self.notifier, state)
            result = self._check_now(target, queue) if target else None
            if result is not None and not self.stopping.is_set():
                self.carry_out(policy.after_check(result, state))
            return result

    def run_confirmation(self, target_id: str, check_id: int) -> None:
        """Re-check a target with a pending change: alert if it is still there, record a revert otherwise."""
        with self._job() as working:
            if working:
                self._run_confirmation(target_id, check_id)

    def _run_confirmation(self, target_id: str, check_id: int) -> None:
        target, pending = self._target(target_id), self.store.check(check_id)
        if target is None or pending is None or pending.confirmation != policy.PENDING:
            return

        def state_of(recheck: CheckResult) -> policy.PolicyState:
            assert target is not None
            return recheck_state(self.store, target, check_id, recheck, confirm=self.options.confirm_delay > 0,
                                 prune=bool(self.config.settings.max_disk_mb))

        # a re-check that changed again settles the held change in the transaction recording it
        result = self._check_now(target, queue_with_check(self.store, self.notifier, state_of))
        if result is None:  # stopping, or the check took too long: look again later
            if not self.stopping.is_set():
                self.carry_out([policy.RecheckLater(target_id, check_id)])
            return
        if not self.stopping.is_set():
            self.carry_out(policy.after_check(result, state_of(result)))

    # --- carrying out the policy's actions -------------------------------------------------------

    def carry_out(self, actions: list[policy.Action]) -> None:
        """Do what the policy decided, in order."""
        for action in actions:
            self._do(action)

    def _do(self, action: policy.Action) -> None:  # noqa: C901 - one branch per action, nothing else
        settings = self.config.settings
        if isinstance(action, policy.SetConfirmation):
            self.store.set_confirmation(action.check_id, action.state, alert=action.alert)
        elif isinstance(action, policy.Prune):
            self.store.prune(action.target_id, settings.max_disk_mb * 1024 * 1024, settings.keep_recent)
        elif isinstance(action, policy.RetryLater):
            self._retry_later(action.target_id)
        elif isinstance(action, policy.ResetRetries):
            self.retries.pop(action.target_id, None)
        elif isinstance(action, policy.RebuildChangelog):
            self._rebuild_changelog_soon()
        elif isinstance(action, policy.TellCoordinators):
            with self.notify_lock:  # mediators hear of a change through Alert/Hold only
                quiet = replace(action.result, alert=False)
                notify_check_result(self.notifier, quiet, self.store.history(action.result.target.id), send=True)
        elif isinstance(action, policy.Hold):
            self._hold_for_confirmation(action.result)
        elif isinstance(action, policy.Alert):
            self._alert(action.result)
        elif isinstance(action, policy.Release):
            self._release(action.check_id)
        elif isinstance(action, policy.Withdraw):
            with self.notify_lock:
                self.notifier.withdraw(action.check_id)
        elif isinstance(action, policy.RecheckLater):
            self._confirm_later(action.target_id, action.check_id, max(self.options.confirm_delay, 60))

    def _retry_later(self, target_id: str) -> None:
        attempt = self.retries.get(target_id, 0)
        if attempt >= len(RETRY_DELAYS):
            return  # back to the normal schedule; the coordinator has been told by the notifier
        self.retries[target_id] = attempt + 1
        delay = RETRY_DELAYS[attempt] * (0.8 + 0.4 * random.random())
        self.scheduler.add_job(check_job, DateTrigger(self.clock() + timedelta(seconds=delay)), args=[target_id],
                               id=f"retry:{target_id}", replace_existing=True)

    def _hold_for_confirmation(self, result: CheckResult) -> None:
        """The alert waits in the outbox (« en attente de confirmation »); the re-check is scheduled."""
        assert result.check_id is not None
        alert = alert_from_result(result)
        if alert is not None:
            with self.notify_lock:
                self.notifier.queue_alert(alert, confirming=result.check_id)
        self._confirm_later(result.target.id, result.check_id, self.options.confirm_delay)

    def _confirm_later(self, target_id: str, check_id: int, delay: float) -> None:
        when = self.clock() + timedelta(seconds=delay)
        self.scheduler.add_job(confirm_job, DateTrigger(when), args=[target_id, check_id],
                               id=f"confirm:{target_id}", replace_existing=True)

    def _release(self, check_id: int) -> None:
        """The held alert goes out; one held before the outbox kept them is rebuilt from its snapshots."""
        with self.notify_lock:
            released = self.notifier.release(check_id)
        record = self.store.check(check_id)
        target = self._target(record.target) if record else None
        if not released and target is not None:
            self._alert(rebuild_result(self.store, target, check_id))
            return
        log.info("%s: confirmed alert released (%d message(s))", record.target if record else "?", released)
        with self.notify_lock:
            self.notifier.send_due()

    def _alert(self, result: CheckResult) -> None:
        log.info("%s: alert (%d change(s))", result.target.id, len(result.changes))
        alert = alert_from_result(result)
        if alert is None:
            return
        with self.notify_lock:
            self.notifier.queue_alert(alert)
            self.notifier.send_due()

    def _rebuild_changelog_soon(self) -> None:
        """One rebuild a little after a burst of checks, not one per check."""
        if self.options.changelog is None:
            return
        when = self.clock() + timedelta(seconds=self.options.changelog_delay)
        self.scheduler.add_job(self._rebuild_changelog, DateTrigger(when), id="changelog", jobstore="memory",
                               replace_existing=True)

    def _rebuild_changelog(self) -> None:
        from watcher.publish.changelog.build import build_changelog

        assert self.options.changelog is not None
        try:
            report = build_changelog(self.store, self.options.changelog, lang=self.config.settings.lang,
                                     config=self.config)
        except Exception as exc:  # noqa: BLE001 - the changelog is a view: checks and alerts go on without it
            log.error("changelog not rebuilt: %s", exc)
            return
        log.info("changelog rebuilt: %s", report.describe("en").splitlines()[0])

    def _send_due(self) -> None:
        with self._job() as working, self.notify_lock:
            if working:
                self.notifier.send_due()

    # --- life cycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Run in the foreground until SIGTERM or SIGINT (exit code 0); SIGHUP reloads targets.yaml."""
        global SERVICE
        SERVICE = self
        with RunLock(self.snapshots):
            self.store.clean_partial()
            if self.browser is not None:
                self.browser.start()
            self._install_signals()
            # runs inside scheduler.start(), once the job store is open and before the first job fires
            self.scheduler.add_listener(lambda _event: self._prepare_jobs(), EVENT_SCHEDULER_START)
            try:
                self.scheduler.start()  # BlockingScheduler: returns after shutdown
            finally:
                self._run_hooks(self.options.on_stop)
                self._shutdown()
                SERVICE = None

    def _prepare_jobs(self) -> None:
        self.scheduler.add_job(self._send_due, IntervalTrigger(seconds=self.options.send_every),
                               id="send-due", jobstore="memory", replace_existing=True)
        self.sync_jobs()
        self._resume_pending()
        self.spread_due_checks()
        self._start_config_watch()
        self._announce()
        self._run_hooks([partial(hook, self) for hook in self.options.on_start])

    def _run_hooks(self, hooks: list[Callable[[], None]]) -> None:
        for hook in hooks:
            try:
                hook()
            except Exception:  # a hook (the web page) failing never stops the checks nor their shutdown
                log.exception("service hook failed")

    def _announce(self) -> None:
        """The start-up summary (stdout); coordinators hear of disabled channels once (stderr without a channel)."""
        from watcher.deliver.notify import tell_disabled_channels
        from watcher.service.summary import startup_lines

        jobs = [(job.id.split(":", 1)[1], job.next_run_time) for job in self.scheduler.get_jobs(jobstore="default")
                if job.id.startswith("check:") and job.next_run_time]
        for line in startup_lines(self.config, self.notifier.channels, jobs, self.config.settings.lang):
            print(line, flush=True)
        with self.notify_lock:
            for line in tell_disabled_channels(self.notifier, self.config.settings.lang):
                print(line, file=sys.stderr, flush=True)
            self.notifier.send_due()

    def _start_config_watch(self) -> None:
        def loop() -> None:
            while not self.stopping.wait(CONFIG_POLL_S):
                self._watch_config()

        threading.Thread(target=loop, name="watcher-config", daemon=True).start()

    def _resume_pending(self) -> None:
        """Pending confirmations of a previous run get their re-check (the job store kept most of them)."""
        for record in self.store.pending():
            if self.scheduler.get_job(f"confirm:{record.target}") is None:
                self.scheduler.add_job(confirm_job, DateTrigger(self.clock()), args=[record.target, record.id],
                                       id=f"confirm:{record.target}", replace_existing=True)

    def _install_signals(self) -> None:
        # the handler only starts a thread: shutting the scheduler down takes locks the main loop may hold
        def request_stop(*_: object) -> None:
            threading.Thread(target=self.stop, name="watcher-stop", daemon=True).start()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=self.reload_config, daemon=True).start())

    def stop(self) -> None:
        """Stop taking work (SIGTERM, SIGINT): no new job, no new send; `_shutdown` then drains and closes."""
        with self.busy:
            self.stopping.set()
        self.notifier.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def _shutdown(self) -> None:
        log.info("stopping")
        self.stop()
        for future in list(self.in_flight):
            try:
                future.result(timeout=STOP_GRACE_S)
            except BaseException:  # noqa: BLE001 - abandoned page: its check is simply not recorded
                future.cancel()
        with self.busy:  # jobs still at work (a check being recorded, a send in flight): bounded wait
            drained = self.busy.wait_for(lambda: self.running_jobs == 0, DRAIN_S)
        if not drained:  # their claims are resolved at the next start (Outbox.resolve_stale)
            log.warning("%d job(s) still running after %.0f s; closing anyway", self.running_jobs, DRAIN_S)
        if self.browser is not None:
            self.browser.stop()
        self.close()

    def close(self) -> None:
        """Close the outbox and the index (a service that was never started, e.g. in tests, too)."""
        self.outbox.close()
        self.store.close()

