"""The service's side of « Vérifier maintenant »: requests written in the index (store/requests.py) by the web
page are carried out by the running service's own scheduler.

`attach_check_requests` is a `ServiceOptions.on_start` hook. Every `POLL_S` seconds it moves each queued request's
page job (`check:<id>`, the one the schedule runs) to now (`job.modify(next_run_time=now)`); APScheduler then
runs it like any scheduled check (one at a time per page: `max_instances=1`, the policy, the outbox, the
confirmation). Job events move the request on: submitted → running; executed → done with the page's new check
(failed when none was recorded, e.g. the service stopped meanwhile). A request whose page is running already
stays queued and is moved once that check ends, so it is answered by a check that started after it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.triggers.interval import IntervalTrigger

from watcher.store.requests import CheckRequests

if TYPE_CHECKING:
    from watcher.service.scheduler import Service

__all__ = ["POLL_S", "attach_check_requests"]

log = logging.getLogger("watcher.service.requests")
POLL_S = 2.0  # seconds between two reads of the requests table (one small indexed query)


def attach_check_requests(service: Service, poll: float = POLL_S) -> None:
    """Carry out the web page's « Vérifier maintenant » requests in `service` (already started). Requests left
    running by a service that was killed are queued again."""
    requests = CheckRequests(service.store)
    for request in requests.open_requests("running"):
        requests.set_state(request.id, "queued", now=service.clock())

    busy: set[str] = set()  # pages whose check job runs now: moved again once it ends (no skipped-run warning)

    def poll_once() -> None:
        if service.stopping.is_set():
            return
        now = service.clock()
        requests.expire(now)
        for request in requests.open_requests("queued"):
            if request.target in busy:
                continue
            job = service.scheduler.get_job(f"check:{request.target}")
            if job is None:  # the page left targets.yaml since it was asked
                requests.set_state(request.id, "failed", now=now)
                continue
            if job.next_run_time is None or job.next_run_time > now:
                job.modify(next_run_time=now)
                log.info("%s: checked now, as asked on the web page", request.target)

    def on_event(event: JobEvent) -> None:
        job_id = str(event.job_id)
        if not job_id.startswith("check:"):
            return
        target = job_id.split(":", 1)[1]
        now = service.clock()
        if event.code == EVENT_JOB_SUBMITTED:
            busy.add(target)
            for request in requests.open_requests("queued"):
                if request.target == target:
                    requests.set_state(request.id, "running", now=now)
            return
        busy.discard(target)
        for request in requests.open_requests("running"):
            if request.target == target:
                requests.finish(request, now)

    service.scheduler.add_listener(on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    service.scheduler.add_job(poll_once, IntervalTrigger(seconds=poll), id="check-requests", jobstore="memory",
                              replace_existing=True, next_run_time=service.clock())
