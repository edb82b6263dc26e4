"""`watcher web` on a free loopback port in a thread, for the web tests (stopped within a bounded time)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import wait_until

from watcher.web.server import bind, make_server


@contextmanager
def running_web(root: Path, lang: str = "fr") -> Iterator[str]:
    """Serve the web page of `root` (targets.yaml, snapshots/, notifiers/) and yield its base URL."""
    sock = bind("127.0.0.1", 0, lang)
    port = sock.getsockname()[1]
    server = make_server(root / "targets.yaml", root / "snapshots", root / "notifiers", lang)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: server.started, timeout=15)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
