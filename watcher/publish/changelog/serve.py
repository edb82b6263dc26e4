"""Serving a built changelog over HTTP, read-only: GET and HEAD of files inside its folder, nothing else."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from watcher.errors import InputError
from watcher.publish.changelog import texts

__all__ = ["make_server", "serve_changelog"]

# Type for files the site contains; the stdlib table lacks some of them or varies by platform.
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript",
         ".xml": "application/atom+xml; charset=utf-8", ".png": "image/png", ".pdf": "application/pdf"}


MAX_PATH_CHARS = 2048


def well_formed(raw_path: str) -> bool:
    """Whether a request path can name a file: not too long, and no NUL or other control character once
    percent-decoded (`/a%00b`)."""
    path = unquote(raw_path.split("?", 1)[0].split("#", 1)[0], errors="replace")
    return len(raw_path) <= MAX_PATH_CHARS and raw_path.startswith("/") and not any(
        ord(char) < 32 or ord(char) == 127 for char in path)


class ChangelogHandler(SimpleHTTPRequestHandler):
    """Answers GET/HEAD with files under the site root; 404 for anything outside it, listings and hidden files."""

    server_version = "watcher"
    sys_version = ""
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def __init__(self, *args: Any, directory: str, **kwargs: Any) -> None:
        self.root = os.path.realpath(directory)
        super().__init__(*args, directory=self.root, **kwargs)

    def send_head(self) -> Any:
        """The file's headers (and open file), 404 outside the site, 400 for a malformed path: never a traceback."""
        if not well_formed(self.path):
            self.send_error(HTTPStatus.BAD_REQUEST)
            return None
        try:
            path = self.translate_path(self.path)
            target = os.path.join(path, "index.html") if os.path.isdir(path) else path
            if not self._allowed(target):
                self.send_error(HTTPStatus.NOT_FOUND)
                return None
            return super().send_head()
        except (ValueError, OSError):  # undecodable bytes, a name too long for the file system
            self.send_error(HTTPStatus.BAD_REQUEST)
            return None

    def _allowed(self, path: str) -> bool:
        """Whether `path` is a regular file inside the root once symlinks are resolved (no hidden files)."""
        real = os.path.realpath(path)
        inside = os.path.commonpath([real, self.root]) == self.root
        hidden = any(part.startswith(".") for part in Path(os.path.relpath(real, self.root)).parts)
        return inside and not hidden and os.path.isfile(real)

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(HTTPStatus.NOT_FOUND)  # a folder without index.html is not a page of the site
        return None

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                         "script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'")
        super().end_headers()

    def _refuse(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse  # noqa: N815 - names fixed by http.server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature fixed by http.server
        pass


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """An HTTP server for the changelog in `directory` (port 0 picks a free port); not yet serving."""
    if not (directory / "index.html").is_file():
        raise InputError(texts.ui("no_site", "fr", dir=directory))
    server = ThreadingHTTPServer((host, port), partial(ChangelogHandler, directory=str(directory)))
    server.daemon_threads = True
    return server


def serve_changelog(directory: Path, host: str = "127.0.0.1", port: int = 8000,
                    announce: Callable[[str, int], None] | None = None) -> None:
    """Serve the changelog until interrupted (Ctrl+C)."""
    server = make_server(Path(directory), host, port)
    if announce is not None:
        announce(str(server.server_address[0]), int(server.server_address[1]))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
