"""Public pages only: the one request policy every browser context of watcher applies.

Each request a watched page makes (its own navigation, redirects, images, scripts, iframes, JavaScript
navigations) is checked before Chromium sends it: the scheme must be http(s) (data: and blob: stay inside the
browser), and the host must resolve only to public addresses. Loopback, private (RFC 1918), link-local
(169.254/16, where cloud metadata lives), CGNAT (100.64/10), multicast, unspecified, reserved, IPv6 ULA (fc00::/7)
and IPv6 link-local addresses are refused, using the classification of Python's `ipaddress` module (IANA special
registries). The host of the page's own configured URL is always allowed (the coordinator chose it: the demo,
tests and intranet pages work with no setting); `settings.allow_private` in targets.yaml allows more.

A refused request is aborted as "blocked by client"; when it was the page's own navigation the capture is
`unreachable` with the reason REFUSED_REASON (shown as « adresse non publique refusée »).

Known limits: the host is resolved here, then again by Chromium; a DNS answer that changes between the two
(DNS rebinding with a very short TTL) is not caught. Chromium never runs the PAC script for loopback names
(localhost, 127.0.0.1, [::1]): a redirect hop to one of them is sent, then recorded as refused and the page
it leads to is not stored. Chromium's own background traffic is switched off by the
launch flags in watcher/capture/browser.py.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from watcher.safety.sendguard import SendGuard

__all__ = [
    "IPNetwork",
    "RequestPolicy",
    "is_error_page",
    "is_public",
    "pac_switches",
    "parse_networks",
    "resolve",
]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

REFUSED_REASON = "non-public address refused"
# Schemes that never leave the browser: kept (pages build images and workers from them).
LOCAL_SCHEMES = ("data:", "blob:", "about:")
CGNAT = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 shared address space: not is_private before 3.11.4
RESOLVE_TIMEOUT_S = 10.0


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """`["10.0.0.0/8", "192.168.1.20"]` -> networks; ValueError naming the first value that is neither an
    address nor a network (a bare address is a /32 or /128)."""
    networks: list[IPNetwork] = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            raise ValueError(value) from None
    return tuple(networks)


def is_public(address: IPAddress) -> bool:
    """Whether an address is reachable on the public Internet (not loopback, private, link-local, CGNAT,
    multicast, unspecified, reserved, IPv6 site-local or ULA); an IPv4-mapped IPv6 address is judged as IPv4."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address.is_site_local:
            return False
    elif address in CGNAT:
        return False
    if address.is_multicast or address.is_unspecified or address.is_loopback or address.is_link_local:
        return False
    return address.is_global and not address.is_reserved and not address.is_private


def resolve(host: str) -> list[str]:
    """Every address `host` resolves to (blocking; run in a thread). Tests replace this function to simulate
    private or metadata answers without traffic. Raises OSError (socket.gaierror) when the name is unknown."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]).split("%", 1)[0] for info in infos})


_answers: dict[str, tuple[float, list[str]]] = {}
ANSWER_TTL_S = 60.0  # a page's dozen hosts are resolved once a minute, not once per capture


def _resolve_cached(host: str) -> list[str]:
    """`resolve` with a short memory (answers only; a failure is asked again next time)."""
    now = time.monotonic()
    known = _answers.get(host)
    if known is not None and now - known[0] < ANSWER_TTL_S:
        return known[1]
    found = resolve(host)
    if len(_answers) > 10_000:
        _answers.clear()
    _answers[host] = (now, found)
    return found


@dataclass
class Verdict:
    """Whether one request may go, and why not (the refused host and address, for the reason shown)."""

    allowed: bool
    host: str = ""
    address: str = ""


@dataclass
class RequestPolicy:
    """The policy of one browser context: the page's own host, the extra allowed networks, and what was refused.

    `refused_navigation` holds the first refused navigation of the top document (a redirect or a JavaScript
    navigation to a private address), so the capture can say why it stopped instead of storing an error page.
    """

    page_host: str
    allowed: tuple[IPNetwork, ...] = ()
    refused: list[Verdict] = field(default_factory=list)
    refused_navigation: Verdict | None = None
    guard: SendGuard = field(default_factory=SendGuard)  # what may never be sent (watcher/safety/sendguard.py)
    _cache: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def for_url(cls, url: str, allow_private: Sequence[IPNetwork] = ()) -> RequestPolicy:
        """The policy for a page configured at `url` (its host allowed whatever it resolves to)."""
        return cls(_host_of(url), tuple(allow_private))

    async def check(self, url: str) -> Verdict:
        """Whether a request to `url` may be sent; resolves the host off the event loop."""
        if url.startswith(LOCAL_SCHEMES):
            return Verdict(True)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return Verdict(False, parts.scheme or url[:20])
        host = parts.hostname.lower().rstrip(".")
        if host == self.page_host:
            return Verdict(True, host)
        if host in self._cache:
            return Verdict(self._cache[host], host)
        verdict = await self._judge(host)
        self._cache[host] = verdict.allowed
        return verdict

    async def _judge(self, host: str) -> Verdict:
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                found = await asyncio.wait_for(asyncio.to_thread(_resolve_cached, host), RESOLVE_TIMEOUT_S)
            except (OSError, TimeoutError, UnicodeError):
                return Verdict(True, host)  # unknown name: Chromium fails on it too ("name not resolved")
            addresses = [ipaddress.ip_address(text) for text in found]
        for address in addresses:
            if not is_public(address) and not any(address in network for network in self.allowed):
                return Verdict(False, host, str(address))
        return Verdict(True, host)

    async def handle(self, route: Any) -> None:
        """Playwright route handler: continue or abort the request according to the policy; a request that would
        send data is aborted first (as "aborted": a blocked form post leaves the page as it was, no error page)."""
        request = route.request
        if self.guard.judge(request.method, request.url, request.post_data_buffer, request.resource_type,
                            _is_navigation(request), self.page_host) is not None:
            await route.abort("aborted")
            return
        verdict = await self.check(request.url)
        if verdict.allowed:
            await route.continue_()
            return
        self.refused.append(verdict)
        if self.refused_navigation is None and _top_navigation(request):
            self.refused_navigation = verdict
        await route.abort("blockedbyclient")

    def redirected(self, request: Any) -> None:
        """Playwright `request` listener for redirect hops to loopback names (localhost, 127.0.0.1, [::1]):
        Chromium never consults the PAC script for them, so such a hop is sent; it is recorded as refused so the
        page it leads to is never stored."""
        if request.redirected_from is None:
            return
        host = _host_of(request.url).strip("[]")
        if host == self.page_host.strip("[]") or not _loopback_name(host):
            return
        try:
            address = ipaddress.ip_address("127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host)
        except ValueError:
            return
        if any(address in network for network in self.allowed):
            return
        verdict = Verdict(False, host, str(address))
        self.refused.append(verdict)
        if self.refused_navigation is None and _top_navigation(request):
            self.refused_navigation = verdict

    def failed(self, request: Any) -> None:
        """Playwright `requestfailed` listener: a redirect hop refused by the PAC script (pac_script) is
        recorded like a request refused by `handle`."""
        failure = str(request.failure or "")
        if "ERR_PROXY_CONNECTION_FAILED" not in failure and "ERR_TUNNEL_CONNECTION_FAILED" not in failure:
            return
        verdict = Verdict(False, _host_of(request.url))
        self.refused.append(verdict)
        if self.refused_navigation is None and _top_navigation(request):
            self.refused_navigation = verdict

    def reason(self) -> str | None:
        """REFUSED_REASON with the refused host, when the top document's navigation was refused."""
        verdict = self.refused_navigation
        if verdict is None:
            return None
        return f"{REFUSED_REASON} ({verdict.host})" if verdict.host else REFUSED_REASON


def _top_navigation(request: Any) -> bool:
    try:
        return bool(request.is_navigation_request()) and request.frame.parent_frame is None
    except Exception:  # service-worker requests have no frame (and service workers are blocked anyway)
        return False


def _is_navigation(request: Any) -> bool:
    try:
        return bool(request.is_navigation_request())
    except Exception:  # service-worker requests have no frame
        return False


def _loopback_name(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def is_error_page(url: str) -> bool:
    """Whether a frame shows Chromium's own error page (a failed or refused navigation), never a snapshot."""
    return url.startswith("chrome-error:")


# --- the same rule inside Chromium, for redirects ---------------------------------------------------------------
# Playwright's route handlers see the first request of a redirect chain only (Chromium follows 3xx itself), so the
# browser is also given a proxy auto-config script: Chromium runs it for every request, each redirect hop included,
# and sends a hop whose host resolves to a non-public address to REFUSE_PROXY, which fails at once
# (net::ERR_PROXY_CONNECTION_FAILED). dnsResolveEx and isInNetEx are Chromium's IPv6-aware PAC functions.
REFUSE_PROXY = "PROXY 0.0.0.0:1"
NON_PUBLIC = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",
    "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10",
    "fec0::/10", "ff00::/8",
)
PAC_TEMPLATE = """
var ALLOWED_HOSTS = %(hosts)s;
var ALLOWED_NETS = %(allowed)s;
var NON_PUBLIC = %(non_public)s;
function inAny(ip, nets) {
  for (var i = 0; i < nets.length; i++) { if (isInNetEx(ip, nets[i])) return true; }
  return false;
}
function FindProxyForURL(url, host) {
  host = host.toLowerCase().replace(/^\\[|\\]$/g, "");
  if (ALLOWED_HOSTS.indexOf(host) >= 0) return "DIRECT";
  var found = dnsResolveEx(host);
  if (!found) return "DIRECT";
  var ips = found.split(";");
  for (var i = 0; i < ips.length; i++) {
    if (ips[i] && inAny(ips[i], NON_PUBLIC) && !inAny(ips[i], ALLOWED_NETS)) return "%(refuse)s";
  }
  return "DIRECT";
}
"""


def pac_script(hosts: Iterable[str], allowed: Iterable[IPNetwork]) -> str:
    """The proxy auto-config script that refuses non-public redirect hops except to `hosts` (the configured
    pages' own hosts) and `allowed` networks (settings.allow_private)."""
    import json

    return PAC_TEMPLATE % {
        "hosts": json.dumps(sorted({host.lower().strip("[]") for host in hosts if host})),
        "allowed": json.dumps(sorted({str(network) for network in allowed})),
        "non_public": json.dumps(list(NON_PUBLIC)),
        "refuse": REFUSE_PROXY,
    }


def pac_switches(hosts: Iterable[str], allowed: Iterable[IPNetwork]) -> list[str]:
    """Chromium switches that install pac_script (as a data: URL) and check loopback names too."""
    import base64

    script = base64.b64encode(pac_script(hosts, allowed).encode()).decode()
    return [f"--proxy-pac-url=data:application/x-ns-proxy-autoconfig;base64,{script}",
            "--proxy-bypass-list=<-loopback>"]
