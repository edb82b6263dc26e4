"""`watcher run [--web]`: start the service in the foreground (systemd or a terminal keeps it running); with
--web, the coordinators' web page is served by the same process (one lock holder, one writer of the snapshots)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import click

from watcher.cli.common import Paths
from watcher.service.requests import attach_check_requests
from watcher.service.scheduler import Service, ServiceOptions

__all__ = ["WebOptions", "run_service"]


@dataclass(frozen=True)
class WebOptions:
    """Where `watcher run --web` serves the web page, and its default language."""

    host: str = "127.0.0.1"
    port: int = 8080
    lang: str = "fr"


def run_service(paths: Paths, *, confirm_delay: float, verbose: bool, web: WebOptions | None = None) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from watcher.publish.changelog.build import default_out

    options = ServiceOptions(confirm_delay=confirm_delay, notifiers=paths.notifiers,
                             changelog=default_out(paths.snapshots))
    # « Vérifier maintenant » asked on a web page (this process's with --web, or a `watcher web` beside it)
    options.on_start.append(attach_check_requests)
    if web is not None:
        from watcher.i18n.texts import t
        from watcher.web.server import WebThread

        served = WebThread(paths.config, paths.snapshots, paths.notifiers, web.host, web.port, web.lang)

        def start_web(_service: Service) -> None:
            served.start()
            host, port = served.address
            click.echo(t("web.serving_in_service", web.lang, host=f"[{host}]" if ":" in host else host, port=port))

        options.on_start.append(start_web)
        options.on_stop.append(served.stop)
    Service(paths.config, paths.snapshots, options).start()
