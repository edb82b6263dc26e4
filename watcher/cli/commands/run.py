"""`watcher run`: start the service in the foreground (systemd or a terminal keeps it running)."""

from __future__ import annotations

import logging

from watcher.cli.common import Paths
from watcher.service.scheduler import Service, ServiceOptions

__all__ = ["run_service"]


def run_service(paths: Paths, *, confirm_delay: float, verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from watcher.publish.changelog.build import default_out

    options = ServiceOptions(confirm_delay=confirm_delay, notifiers=paths.notifiers,
                             changelog=default_out(paths.snapshots))
    Service(paths.config, paths.snapshots, options).start()
