"""`watcher web` on a free loopback port in a thread, for the web tests (stopped within a bounded time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import wait_until

from watcher.web.server import WebThread


@contextmanager
def running_web(root: Path, lang: str = "fr") -> Iterator[str]:
    """Serve the web page of `root` (targets.yaml, snapshots/, notifiers/) and yield its base URL."""
    served = WebThread(root / "targets.yaml", root / "snapshots", root / "notifiers", "127.0.0.1", 0, lang,
                       in_service=False)
    served.start()
    try:
        assert wait_until(lambda: served.started, timeout=15)
        yield f"http://127.0.0.1:{served.address[1]}"
    finally:
        served.stop(timeout=15)
