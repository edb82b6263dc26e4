"""Public pages only (issue 16, item 2): the request policy and Chromium's own traffic, without leaving loopback.

Private and metadata addresses are simulated by replacing `watcher.safety.netpolicy.resolve`: no packet is sent to them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import LocalSite
from watcher.capture import browser
from watcher.capture.browser import (
    LAUNCH_ARGS,
    QUIET_ARGS,
    find_chromium,
    launch_browser,
    sandbox_enabled,
    start_playwright,
)
from watcher.capture.page import Capture, capture_target
from watcher.config.targets import Config, Target
from watcher.i18n.texts import plain_reason
from watcher.safety import netpolicy
from watcher.safety.netpolicy import RequestPolicy, is_public, parse_networks

FAKE_DNS = {"metadata.test": ["169.254.169.254"], "intranet.test": ["10.1.2.3"], "cgnat.test": ["100.64.0.7"],
            "ula.test": ["fd00::1"], "mixed.test": ["93.184.216.34", "192.168.0.1"], "public.test": ["93.184.216.34"], "rebind.test": ["127.0.0.1"]}


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names in FAKE_DNS resolve to their addresses, for watcher and for Chromium (its --host-resolver-rules);
    any other name is looked up for real (localhost only). The policy refuses them before any connection."""
    real = netpolicy.resolve
    monkeypatch.setattr(netpolicy, "resolve", lambda host: FAKE_DNS[host] if host in FAKE_DNS else real(host))
    monkeypatch.setattr(netpolicy, "_answers", {})
    rules = browser.resolver_rules
    monkeypatch.setattr(browser, "resolver_rules", lambda: [
        *rules(), *(f"MAP {host} {addresses[0]}" for host, addresses in FAKE_DNS.items())])
    return FAKE_DNS


@pytest.mark.parametrize("address, public", [
    ("93.184.216.34", True), ("2606:2800:220:1::1", True), ("127.0.0.1", False), ("10.0.0.1", False),
    ("172.16.5.4", False), ("192.168.1.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
    ("100.127.255.254", False), ("224.0.0.251", False), ("0.0.0.0", False), ("255.255.255.255", False),
    ("::1", False), ("::", False), ("fd00::1", False), ("fe80::1", False), ("ff02::1", False),
    ("::ffff:169.254.169.254", False), ("::ffff:93.184.216.34", True), ("fec0::1", False),
])
def test_public_addresses_are_told_from_the_others(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def check(policy: RequestPolicy, url: str) -> bool:
    return asyncio.run(policy.check(url)).allowed


def test_policy_allows_the_pages_own_host_and_public_hosts_only(fake_dns: dict[str, list[str]]) -> None:
    policy = RequestPolicy.for_url("http://127.0.0.1:8000/demarche")
    assert check(policy, "http://127.0.0.1:9999/autre-port")
    assert check(policy, "https://public.test/image.png")
    assert check(policy, "data:image/png;base64,AAAA") and check(policy, "blob:http://127.0.0.1/x")
    for refused in ("http://metadata.test/latest/meta-data", "http://intranet.test/", "http://cgnat.test/",
                    "http://ula.test/", "http://mixed.test/", "http://169.254.169.254/", "http://[::1]:80/",
                    "http://localhost/", "file:///etc/passwd", "ftp://public.test/", "ws://public.test/"):
        assert not check(policy, refused), refused


def test_allow_private_lets_chosen_networks_through(fake_dns: dict[str, list[str]]) -> None:
    policy = RequestPolicy.for_url("https://www.example.org/", parse_networks(["10.0.0.0/8", "fd00::1"]))
    assert check(policy, "http://intranet.test/") and check(policy, "http://ula.test/")
    assert not check(policy, "http://metadata.test/")


def test_allow_private_is_validated_with_a_french_error(tmp_path: Path, watcher_cli: object) -> None:
    from watcher.config.targets import load_config
    from watcher.errors import WatcherError

    config = tmp_path / "targets.yaml"
    config.write_text("settings:\n  allow_private: [10.0.0.0/8, pas-une-adresse]\n"
                      "targets:\n  - {id: a, name: A, url: 'https://www.example.org/'}\n", encoding="utf-8")
    with pytest.raises(WatcherError) as caught:
        load_config(config)
    text = caught.value.render("fr") if hasattr(caught.value, "render") else str(caught.value)
    assert "pas-une-adresse" in text and "ni une adresse IP ni un réseau" in text
    config.write_text("settings:\n  allow_private: [10.0.0.0/8, '192.168.1.20']\n"
                      "targets:\n  - {id: a, name: A, url: 'https://www.example.org/'}\n", encoding="utf-8")
    loaded = load_config(config)
    assert [str(n) for n in loaded.targets[0].allow_private] == ["10.0.0.0/8", "192.168.1.20/32"]


def test_refused_reason_reads_as_plain_french() -> None:
    assert plain_reason("non-public address refused (metadata.test)", "https://x.fr/", "fr").startswith(
        "adresse non publique refusée (metadata.test)")


# --- in a real Chromium ------------------------------------------------------------------------------------------


def capture(target: Target) -> Capture:
    async def go() -> Capture:
        async with launch_browser([target]) as browser:
            return await capture_target(browser, target, max_height=4000)

    return asyncio.run(go())


def redirect_to(location: str):  # type: ignore[no-untyped-def]
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return answer


@pytest.mark.browser
def test_redirect_to_the_metadata_address_is_refused_and_not_stored(local_site: LocalSite,
                                                                    fake_dns: dict[str, list[str]]) -> None:
    local_site.routes["/"] = redirect_to("http://metadata.test/latest/meta-data/")
    result = capture(Target(id="t", name="T", url=local_site.url("/")))
    assert result.status == "unreachable" and not result.views
    assert result.reason == "non-public address refused (metadata.test)"


@pytest.mark.browser
@pytest.mark.parametrize("name", ["rebind.test", "localhost"])
def test_redirect_to_another_local_name_needs_allow_private(local_site: LocalSite, fake_dns: dict[str, list[str]],
                                                            name: str) -> None:
    port = local_site.base.rsplit(":", 1)[1]
    local_site.routes["/"] = redirect_to(f"http://{name}:{port}/fin")
    local_site.routes["/fin"] = "<main><h1>Fin</h1></main>"
    target = Target(id="t", name="T", url=local_site.url("/"))
    refused = capture(target)
    assert refused.status == "unreachable" and not refused.views
    assert refused.reason == f"non-public address refused ({name})"
    if name == "rebind.test":
        assert local_site.hits.get("/fin") is None  # refused before Chromium sent it
    allowed = Config.model_validate({"settings": {"allow_private": ["127.0.0.0/8", "::1"]},
                                     "targets": [target.model_dump()]}).targets[0]
    assert capture(allowed).status == "ok"


@pytest.mark.browser
def test_javascript_navigation_to_a_private_address_is_not_stored(local_site: LocalSite,
                                                                  fake_dns: dict[str, list[str]]) -> None:
    local_site.routes["/"] = ("<main><h1>Accueil</h1></main>"
                              "<script>setTimeout(() => { location.href = 'http://intranet.test/admin'; }, 30)</script>")
    result = capture(Target(id="t", name="T", url=local_site.url("/")))
    assert result.status == "unreachable" and result.reason == "non-public address refused (intranet.test)"


@pytest.mark.browser
def test_private_images_and_frames_are_not_requested_but_the_page_is_captured(
        local_site: LocalSite, fake_dns: dict[str, list[str]]) -> None:
    local_site.routes["/"] = ('<main><h1>Accueil</h1><img src="http://metadata.test/x.png" alt="x">'
                              '<iframe src="http://intranet.test/frame" title="cadre"></iframe>'
                              '<a href="/suite">Suite</a></main>')
    result = capture(Target(id="t", name="T", url=local_site.url("/")))
    assert result.status == "ok", result.reason
    assert result.meta["refused_hosts"] == ["intranet.test", "metadata.test"]
    assert "chrome-error" not in result.main.dom and "Suite" in result.main.dom


# --- Chromium's own traffic --------------------------------------------------------------------------------------


@pytest.fixture
def plain_site() -> Iterator[str]:
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
            body = b"<main><h1>Page</h1></main>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_chromium_resolves_and_connects_to_nothing_but_the_watched_page(plain_site: str, tmp_path: Path) -> None:
    """Chromium's net log (every DNS job and TCP connection it makes) during a page load and a few quiet seconds.

    (Its UDP "connect" to a public IPv6 address is the resolver's route probe: connect() on UDP sends no packet.)"""
    log_file = tmp_path / "net.json"

    async def run() -> None:
        playwright = await start_playwright()
        try:
            chromium = await playwright.chromium.launch(
                executable_path=find_chromium(), chromium_sandbox=sandbox_enabled(),
                args=[*LAUNCH_ARGS, *QUIET_ARGS, "--host-resolver-rules=" + ", ".join(browser.resolver_rules()),
                      f"--log-net-log={log_file}"])
            context = await chromium.new_context()
            page = await context.new_page()
            await page.goto(plain_site)
            await asyncio.sleep(6)  # the background requests seen before these switches start within 2 s
            await chromium.close()
        finally:
            await playwright.stop()

    asyncio.run(run())
    log = json.loads(log_file.read_text(encoding="utf-8"))
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    resolved, connected = set(), set()
    for event in log["events"]:
        kind, params = names[event["type"]], event.get("params") or {}
        if kind == "HOST_RESOLVER_MANAGER_JOB" and params.get("host"):
            resolved.add(str(params["host"]))
        if kind.startswith("TCP_CONNECT") and "address" in params:
            connected.add(str(params["address"]).rsplit(":", 1)[0])
    assert resolved == set(), resolved
    assert connected <= {"127.0.0.1"}, connected
