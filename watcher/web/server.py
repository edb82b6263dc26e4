"""Serving the web application with uvicorn: address checks, one socket bound first (port 0 = a free one)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import uvicorn

from watcher.errors import InputError
from watcher.store.snapshots import Store
from watcher.web.accounts import Accounts
from watcher.web.app import WebSettings, create_app

__all__ = ["WebThread", "announce_text", "bind", "check_exposure", "is_loopback", "make_server", "serve"]

def _t(key: str, lang: str, **values: object) -> str:
    """The words of `key` (« web.server.<key> » in the gettext catalogs) in `lang`, with `values` filled in."""
    from watcher.i18n.texts import t

    return t("web.server." + key, lang, **values)


def announce_text(host: str, port: int, lang: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return _t("serving", lang, host=shown, port=port)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and "localhost"."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(snapshots: Path, host: str, lang: str) -> None:
    """InputError when asked to listen beyond this machine while no account exists (anyone could look)."""
    if is_loopback(host):
        return
    with Store(snapshots) as store:
        if Accounts(store).count() == 0:
            raise InputError(_t("no_account", lang, host=host))


def bind(host: str, port: int, lang: str) -> socket.socket:
    """A listening socket on host:port (port 0: a free port chosen by the system)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise InputError(_t("bind", lang, host=host, port=port, error=exc.strerror or exc)) from None
    sock.set_inheritable(True)
    return sock


def make_server(config: Path, snapshots: Path, notifiers: Path, lang: str, in_service: bool = False) -> uvicorn.Server:
    """The uvicorn server of the web application (`in_service`: inside `watcher run --web`, whose scheduler
    performs « Vérifier maintenant »). Stopping (`should_exit`) waits at most 5 s for requests in progress."""
    app = create_app(WebSettings(config, snapshots, notifiers, lang, in_service=in_service))
    # proxy_headers: behind a local reverse proxy (https), X-Forwarded-Proto makes the cookies Secure
    return uvicorn.Server(uvicorn.Config(app, log_level="warning", proxy_headers=True, timeout_graceful_shutdown=5,
                                         forwarded_allow_ips="127.0.0.1", server_header=False))


class WebThread:
    """The web application served by uvicorn in a thread of another process (`watcher run --web`): its own
    asyncio loop, no signal handlers (the service's handle SIGTERM and call `stop`)."""

    def __init__(self, config: Path, snapshots: Path, notifiers: Path, host: str, port: int, lang: str,
                 in_service: bool = True) -> None:
        """Checks the address (InputError: beyond this machine without an account) and binds it now, so a port
        in use is said before the service starts (port 0: a free one, see `address`). `in_service`: as in
        make_server; False for a web page that checks by itself (scripts/web_screenshot.py)."""
        check_exposure(snapshots, host, lang)
        self.sock = bind(host, port, lang)
        self.server = make_server(config, snapshots, notifiers, lang, in_service=in_service)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="watcher-web", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        bound = self.sock.getsockname()
        return str(bound[0]), int(bound[1])

    @property
    def started(self) -> bool:
        """True once uvicorn answers requests."""
        return bool(self.server.started)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving: requests in progress get up to 5 s, the thread `timeout` seconds."""
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout)
        self.sock.close()


def serve(config: Path, snapshots: Path, notifiers: Path, host: str, port: int, lang: str,
          announce: Callable[[str, int], None] | None = None) -> None:
    """Serve until interrupted (Ctrl+C)."""
    check_exposure(snapshots, host, lang)
    sock = bind(host, port, lang)
    server = make_server(config, snapshots, notifiers, lang)
    if announce is not None:
        bound = sock.getsockname()
        announce(str(bound[0]), int(bound[1]))
    server.run(sockets=[sock])
