"""Secrets never in logs (issue 16, item 5), and secrets with reserved characters keep the URL's shape."""

from __future__ import annotations

import base64
import io
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, unquote_plus

import apprise
import pytest

from watcher.config.channels import load_channels
from watcher.safety import secrets as secrets_filter

PASSWORD = "p4ss:w/rd@x#y"
TOKEN = "t0k:en/with@all#reserved"


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, str]]]]:
    received: list[dict[str, str]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - name fixed by http.server
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append({"path": self.path, "auth": self.headers.get("Authorization", "")})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def test_secrets_are_redacted_from_every_log_and_keep_the_url_shape(
        tmp_path: Path, webhook: tuple[str, list[dict[str, str]]]) -> None:
    address, received = webhook
    notifiers = tmp_path / "notifiers"
    notifiers.mkdir()
    (notifiers / "channels.yaml").write_text(
        "channels:\n  equipe:\n    min_severity: info\n    urls:\n"
        f"      - 'json://mediateur:${{HOOK_PASSWORD}}@{address}/hook/${{HOOK_TOKEN}}'\n", encoding="utf-8")
    channels = load_channels(notifiers, env={"HOOK_PASSWORD": PASSWORD, "HOOK_TOKEN": TOKEN})
    assert not [issue for issue in channels.issues if issue.blocking]
    url = channels.resolve(channels.destinations("equipe")[0].template)

    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.getLogger("apprise").setLevel(logging.DEBUG)
    try:
        sender = apprise.Apprise()
        assert sender.add(url)
        assert sender.notify(title="Alerte", body="Le bouton a changé")
        logging.getLogger("watcher.test").debug("sending to %s", url)
        try:
            raise RuntimeError(f"failed on {url}")
        except RuntimeError:
            logging.getLogger("watcher.test").exception("delivery failed")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    text = log.getvalue()
    assert "hook" in text and "***" in text  # Apprise did log the URL, with its secrets masked
    for secret in (PASSWORD, TOKEN):  # neither as written, nor percent-encoded, nor in a mix of both
        assert secret not in unquote(text) and secret not in unquote_plus(text)
        for form in secrets_filter.forms(secret):
            assert form not in text, form
    assert received, "the webhook got nothing"
    assert base64.b64decode(received[0]["auth"].split()[1]).decode() == f"mediateur:{PASSWORD}"
    assert received[0]["path"].startswith("/hook/t0k")


def test_control_characters_never_reach_a_log_line() -> None:
    secrets_filter.install()
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logger = logging.getLogger("watcher.test.controls")
    logger.addHandler(handler)
    try:
        logger.warning("name %s", "Envoyer\x1b[2J\x1b]0;pwned\x07")
    finally:
        logger.removeHandler(handler)
    assert log.getvalue() == "name Envoyer\n"
