"""A local web server for the demo site, on 127.0.0.1 and a free port, whose version can be switched."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any

__all__ = ["DemoSite"]

SITE = Path(str(files("watcher.demo") / "site"))
VERSIONS = ("v1", "v2")


class DemoHandler(SimpleHTTPRequestHandler):
    """Serves /static/ from the shared folder and every other path from the current version's folder."""

    def __init__(self, *args: Any, server_state: DemoSite, **kwargs: Any) -> None:
        self.state = server_state
        super().__init__(*args, directory=str(SITE), **kwargs)

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if clean.endswith("/"):
            clean += "index.html"
        if clean.startswith("/static/"):
            return super().translate_path(clean)
        return super().translate_path(f"/{self.state.version}{clean}")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        pass  # the demo prints its own progress


class DemoSite:
    """The demo site running in a background thread: `with DemoSite() as site: site.url`."""

    def __init__(self, version: str = "v1") -> None:
        self.version = version
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(DemoHandler, server_state=self))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        if isinstance(host, (bytes, bytearray)):  # typeshed allows bytes (AF_UNIX); an AF_INET server gives str
            host = host.decode()
        return f"http://{host}:{port}"

    def switch(self, version: str) -> None:
        if version not in VERSIONS:
            raise ValueError(f"unknown demo version {version}")
        self.version = version

    def __enter__(self) -> DemoSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
