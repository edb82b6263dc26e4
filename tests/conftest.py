"""Shared fixtures: a local web server on a free port, a CLI runner, and marks for browser tests."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

Handler = Callable[[BaseHTTPRequestHandler], None]
T = TypeVar("T")


class SharedBrowser:
    """One Chromium for a whole test module, driven from one event loop kept open between tests: starting
    Chromium costs more than most captures. Each capture still opens its own browser context."""

    def __init__(self) -> None:
        from watcher.capture.browser import launch_browser

        self.runner = asyncio.Runner()
        self.context = launch_browser()
        self.browser = self.runner.run(self.context.__aenter__())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)

    def close(self) -> None:
        try:
            self.runner.run(self.context.__aexit__(None, None, None))
        finally:
            self.runner.close()


@pytest.fixture(scope="module")
def shared_browser() -> Iterator[SharedBrowser]:
    """A `SharedBrowser` for the module (closed after its last test)."""
    value = SharedBrowser()
    try:
        yield value
    finally:
        value.close()


@dataclass
class LocalSite:
    """Pages served on 127.0.0.1: a path maps to HTML text or to a function that answers the request."""

    routes: dict[str, str | Handler] = field(default_factory=dict)
    base: str = ""
    hits: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base + path


def _make_handler(site: LocalSite) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
            path = self.path.split("?", 1)[0]
            site.hits[path] = site.hits.get(path, 0) + 1
            route = site.routes.get(path)
            if route is None:
                self.send_error(404)
            elif callable(route):
                route(self)
            else:
                body = route.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return H


@pytest.fixture
def local_site() -> Iterator[LocalSite]:
    site = LocalSite()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(site))
    httpd.daemon_threads = True
    site.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_watcher(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> Run:
    """Run the `watcher` command in this process, through the entry point `python -m watcher` and the
    `watcher` script call (`watcher.cli.fast.main`, reading sys.argv): what it prints on stdout and stderr,
    its exit code. A new Python that imports the package costs about 1.3 s of CPU per command, most of what
    these tests spend; tests about the process itself (signals, kills, locks, what a terminal receives, the
    entry point's own imports) use `run_watcher_process`. An error that escapes the command raises here (a
    real process would print a traceback); `timeout` (seconds) is left to pytest-timeout in process."""
    from watcher.cli.fast import main

    out, err = io.StringIO(), io.StringIO()
    argv, here = sys.argv, Path.cwd()
    sys.argv = ["watcher", *map(str, args)]
    code: int = 0
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                if isinstance(exc.code, int) or exc.code is None:
                    code = exc.code or 0
                else:  # sys.exit("message"): printed on stderr, exit 1, as Python does
                    print(exc.code, file=sys.stderr)
                    code = 1
    finally:
        sys.argv = argv
        os.chdir(here)
    return Run(code, out.getvalue(), err.getvalue())


def run_watcher_process(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> Run:
    """Run the real `watcher` command in a subprocess, as a coordinator would (`timeout` in seconds)."""
    proc = subprocess.run([sys.executable, "-m", "watcher", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def watcher_cli() -> Callable[..., Run]:
    return run_watcher


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
