"""Never send data to a watched site: the requests a capture or a procedure replay must not let leave the browser.

A procedure types dummy values into a public form to show it still works; on a real public-service site, sending
them would file a request. So, in every browser context watcher opens (the request policy of
watcher/safety/netpolicy.py calls `SendGuard.judge` for each request before anything else):

- a request with a body — any method but GET, HEAD and OPTIONS: a form posted (navigation with method POST), and
  POST / PUT / PATCH / DELETE from fetch, XMLHttpRequest or navigator.sendBeacon — is blocked;
- a request whose address holds a value the procedure typed (in its path or its query, percent- or
  form-encoded, case-insensitively: a GET form submit, an autocomplete call, a link built from a field) is blocked.

Some blocked requests mean the step itself would send data (`Held.stops`): a form navigation, anything carrying a
typed value, a same-site fetch/XHR with a body (the site's own application answering the click). The replay then
stops at that step (capture/procedures.py). A body request to another site that carries nothing typed (an
analytics beacon) is blocked silently: the step goes on.

From a click marked `submits: true` until the next step starts (`SendGuard.open`), nothing is held here: the
coordinator confirmed that this click only moves to the next screen of a form that files nothing. Known limits: a value the page transforms
before sending (hashed, encrypted, split) is not recognised in an address — bodies are blocked whatever they hold;
a page that loads its own content by POST is captured without it.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

__all__ = ["Held", "SendGuard", "same_site", "typed_value_in"]

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Below this length a typed value ("12", "oui") appears in many unrelated addresses: it must be a whole query
# value or path segment to count.
SHORT_VALUE = 4
APPLICATION_REQUESTS = ("fetch", "xhr")


@dataclass(frozen=True)
class Held:
    """One request the guard blocked: its method, address, Playwright resource type, and whether it means the step
    would send data (`stops`) or was only a third-party body without anything typed."""

    method: str
    url: str
    resource_type: str
    stops: bool


@dataclass
class SendGuard:
    """What a browser context may not send: `typed` holds the values the procedure typed so far (fill steps),
    `open` is True only from a click marked `submits: true` to the next step, `held` lists what was blocked."""

    typed: list[str] = field(default_factory=list)
    open: bool = False
    held: list[Held] = field(default_factory=list)

    def judge(self, method: str, url: str, body: bytes | None, resource_type: str, navigation: bool,
              page_host: str) -> Held | None:
        """The Held record when this request must be blocked (also appended to `held`), None when it may go.

        `method` as sent (upper case), `body` the raw bytes or None, `resource_type` Playwright's (document,
        fetch, xhr, ping…), `navigation` whether it loads a frame's document, `page_host` the watched page's host."""
        if self.open:
            return None
        carries = typed_value_in(url, body, self.typed)
        has_body = method.upper() not in SAFE_METHODS
        if not has_body and not carries:
            return None
        stops = carries or navigation or (resource_type in APPLICATION_REQUESTS and same_site(url, page_host))
        held = Held(method.upper(), url, resource_type, stops)
        self.held.append(held)
        return held

    def stops_since(self, mark: int) -> list[Held]:
        """The blocked requests that mean a step would send data, among those held after `len(held) == mark`."""
        return [held for held in self.held[mark:] if held.stops]


def same_site(url: str, page_host: str) -> bool:
    """Whether `url` is on the watched page's own site: the same host, or one a subdomain of the other once a
    leading `www.` is set aside (www.caf.fr and api.caf.fr)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".").removeprefix("www.")
    page = page_host.lower().rstrip(".").removeprefix("www.")
    if not host or not page:
        return False
    return host == page or host.endswith("." + page) or page.endswith("." + host)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def typed_value_in(url: str, body: bytes | None, typed: Iterable[str]) -> bool:
    """Whether a typed value appears in the address (path or query, decoded) or in the body (raw, form-encoded
    or JSON-escaped). Values shorter than SHORT_VALUE count only as a whole query value or path segment."""
    values = [_fold(value.strip()) for value in typed if value and value.strip()]
    if not values:
        return False
    parts = urlsplit(url)
    path = _fold(unquote(parts.path))
    query = _fold(unquote_plus(parts.query))
    whole = {_fold(v) for _, v in parse_qsl(parts.query, keep_blank_values=False)}
    whole |= {_fold(unquote(segment)) for segment in parts.path.split("/") if segment}
    text = _body_text(body)
    for value in values:
        if value in whole:
            return True
        if len(value) >= SHORT_VALUE and (value in path or value in query or (text and _in_body(value, text))):
            return True
    return False


def _body_text(body: bytes | None) -> str:
    if not body:
        return ""
    raw = body[:1_000_000].decode("utf-8", errors="replace")
    return _fold(raw) + "\n" + _fold(unquote_plus(raw))


def _in_body(value: str, text: str) -> bool:
    return value in text or json.dumps(value)[1:-1] in text
