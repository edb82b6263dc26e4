"""Chromium's computed roles and accessible names, written into the annotated DOM (format version 3).

The skeleton of a captured page names its elements the way the browser does (WAI-ARIA, HTML-AAM, accname 1.2 as
Chromium implements them): each rendered element whose Chromium role is one the skeleton keeps gets
`data-watcher-ax-role` and `data-watcher-ax-name` (docs/architecture.md, "The annotated DOM"). The Python
computation of watcher.detect.skeleton names everything else: raw HTML files, hidden content a control reveals
(not in the accessibility tree until shown), and documents this pass leaves alone.

How: the Chrome DevTools Protocol gives the accessibility tree (`Accessibility.getFullAXTree`, per frame) with
backend DOM node ids; each rendered element is first tagged in JavaScript (`AX_TAG`), `DOM.getDocument` (shadow
trees and in-process frames pierced) maps the tags to backend ids, and one script (`AX_MARK`) writes the marks.
Cross-origin frames living in another renderer process get their own CDP session.

Bounded cost, Python names as fallback: a document with more than `AX_MAX_ELEMENTS` elements, or nested deeper
than `AX_MAX_DEPTH` levels (the protocol's JSON nests two levels per DOM level), is left unmarked, and so is
every document once `AX_BUDGET_S` seconds have gone into this pass for one capture; a document whose tree cannot
be read (detached frame, protocol error) too. Nothing here fails a capture.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import time
from collections.abc import Iterator
from typing import Any

from playwright.async_api import CDPSession, Frame, Page
from playwright.async_api import Error as PlaywrightError

from watcher.capture.scripts import AX_MARK, AX_TAG
from watcher.detect.skeleton import SKELETON_ROLES

__all__ = ["AxNamer", "KEPT_ROLES", "cdp_send"]

# Elements in one document (all of them, rendered or not) above which Chromium's names are not read. The cost
# grows with the page (the protocol's JSON holds about 3 accessibility nodes per element): measured on a 2-core
# machine at load 5, 1 500 elements cost 1.2 s more per capture, 6 000 elements 3.8 s, 15 000 elements 11 s;
# the 50 000-link bench page (150 000 elements) is left to the Python names.
AX_MAX_ELEMENTS = 10_000
AX_MAX_DEPTH = 150
# Seconds spent in this pass for one capture, all frames together.
AX_BUDGET_S = 8.0
# Characters of a name kept (a card link may hold a whole paragraph).
MAX_NAME = 500
# Roles the skeleton reads from the marks: its own, and dialogs (whose name labels what they hold).
KEPT_ROLES = SKELETON_ROLES | {"dialog", "alertdialog"}
# Chromium's internal role names (CDP `role.value`) for what has no ARIA role, as the skeleton classes them
# (HTML-AAM leaves these to the platform): a <summary> is its "disclosure triangle", exposed to platform
# accessibility APIs as a button; date and time fields are text fields; a colour picker is a button.
CHROMIUM_ROLES = {"DisclosureTriangle": "button", "Date": "textbox", "DateTime": "textbox", "InputTime": "textbox",
                  "ColorWell": "button"}


async def cdp_send(session: CDPSession, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """One Chrome DevTools Protocol command on `session`; its reply as the protocol's JSON object (a dict).

    Playwright's public `CDPSession.send` copies every reply, dict by dict and list by list, looking for its own
    objects to wrap, which a CDP reply never holds: on a 60 KB page's accessibility tree and DOM (about 500 KB of
    JSON) that copy cost 80 ms of Python CPU a capture, more than Chromium took to build them. The implementation
    object behind it (`_impl_obj`, present on every object of Playwright's async API) is asked directly; the
    public method is the fallback. Raises Playwright's Error as `send` does (protocol error, closed target).
    """
    sender = getattr(getattr(session, "_impl_obj", None), "send", None)
    options = _impl_send_options(getattr(sender, "__func__", sender)) if sender is not None else None
    if sender is None or options is None:
        return dict(await session.send(method, params or {}))
    reply = await sender(method=method, params=params or {}, **options)
    return reply if isinstance(reply, dict) else dict(reply)


@functools.cache
def _impl_send_options(function: Any) -> dict[str, Any] | None:
    """The keyword arguments beside (method, params) that the implementation's `send` takes — Playwright 1.5x+:
    `timeout` (milliseconds, None: no limit), as the public method passes it —; None when it does not take
    (method, params) as the versions this was written for."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return None
    if not {"method", "params"} <= parameters.keys():
        return None
    return {"timeout": None} if "timeout" in parameters else {}


def skeleton_role(chromium_role: str) -> str | None:
    """The skeleton's role for a CDP accessibility role value ("link", "DisclosureTriangle"...), None if not kept."""
    role = CHROMIUM_ROLES.get(chromium_role, chromium_role)
    return role if role in KEPT_ROLES else None


class AxNamer:
    """Writes Chromium's roles and names into the documents of one page, frame by frame.

    `name_frame` is called once per frame, after the frame was annotated (ANNOTATE_DOM) and before it is
    serialised; the top frame first, then each child with the token its <iframe> carries (data-watcher-frame).
    """

    def __init__(self, page: Page, session: CDPSession | None = None) -> None:
        """`session`: a CDP session already open on `page` (capture_view's), used for its main frame and left
        open by `close` (its opener owns it); None: one is opened when needed."""
        self.page = page
        self.deadline = time.monotonic() + AX_BUDGET_S
        self.sessions: dict[Frame, tuple[CDPSession, bool]] = {}  # frame -> (session, whether it is its root)
        self.borrowed = session
        if session is not None:
            self.sessions[page.main_frame] = (session, True)
        self.count = 0

    async def name_frame(self, frame: Frame, token: str | None, parent: Frame | None) -> bool:
        """Marks the document of `frame`; True when it was marked, False when left to the Python names."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            return False
        prefix = f"a{self.count}-"
        self.count += 1
        try:
            return await asyncio.wait_for(self._name(frame, token, parent, prefix), left)
        except (PlaywrightError, TimeoutError, KeyError, ValueError, TypeError):
            await _untag(frame, prefix)
            return False

    async def _name(self, frame: Frame, token: str | None, parent: Frame | None, prefix: str) -> bool:
        session, is_root = await self._session(frame, parent)
        tagged = int(await frame.evaluate(AX_TAG, {"prefix": prefix, "max": AX_MAX_ELEMENTS,
                                                  "depth": AX_MAX_DEPTH}))
        if tagged <= 0:
            return False
        get_document = cdp_send(session, "DOM.getDocument", {"depth": -1, "pierce": True})
        if is_root:  # the session's own document: both trees asked at once (one wait instead of two)
            reply, tree = await asyncio.gather(get_document, cdp_send(session, "Accessibility.getFullAXTree"))
            document = reply["root"]
        else:  # a frame in its parent's renderer: its tree is asked by the frame id its <iframe> node gives
            owner = _find_frame_owner((await get_document)["root"], token or "")
            if owner is None or "contentDocument" not in owner:
                raise KeyError(token)
            document = owner["contentDocument"]
            tree = await cdp_send(session, "Accessibility.getFullAXTree", {"frameId": owner["frameId"]})
        # The DOM agent getDocument enabled would send an event for each attribute AX_MARK writes and removes
        # (about 500 on a 60 KB page, each parsed and dispatched by Playwright in Python: 30-40 ms a capture)
        await cdp_send(session, "DOM.disable")
        tags = {node["backendNodeId"]: (tag, node) for node, tag in _tagged(document, prefix)}
        marks: dict[str, list[str | None]] = {}
        for ax_node in tree["nodes"]:
            found = tags.get(ax_node.get("backendDOMNodeId"))
            if found is None or ax_node.get("ignored"):
                continue
            role = skeleton_role(str(ax_node.get("role", {}).get("value", "")))
            if role is not None:
                name = None if _default_label(found[1]) else str(ax_node.get("name", {}).get("value", ""))[:MAX_NAME]
                marks[found[0]] = [role, name]
        await frame.evaluate(AX_MARK, {"prefix": prefix, "marks": json.dumps(marks), "read": True})
        return True

    async def _session(self, frame: Frame, parent: Frame | None) -> tuple[CDPSession, bool]:
        """The CDP session of the renderer holding `frame`, and whether `frame` is that session's main frame."""
        known = self.sessions.get(frame)
        if known is not None:
            return known
        if parent is None:
            found = (await self.page.context.new_cdp_session(self.page), True)
        else:
            try:  # a frame in its own renderer process (out-of-process iframe: another site)
                found = (await self.page.context.new_cdp_session(frame), True)
            except PlaywrightError:  # "This frame does not have a separate CDP session": the parent's renderer
                found = (self.sessions[parent][0], False)
        self.sessions[frame] = found
        return found

    async def close(self, *, detach: bool = True) -> None:
        """Detaches the CDP sessions this namer opened. detach=False when the page's context closes right after:
        closing it ends them, and spares Chromium tearing down the accessibility tree first (0.1-0.2 s a page)."""
        sessions, self.sessions = self.sessions, {}
        if not detach:
            return
        for session, is_root in sessions.values():
            if is_root and session is not self.borrowed:
                try:
                    await session.detach()
                except PlaywrightError:
                    pass


async def _untag(frame: Frame, prefix: str) -> None:
    try:
        await frame.evaluate(AX_MARK, {"prefix": prefix, "marks": "{}", "read": False})
    except PlaywrightError:
        pass


def _default_label(node: dict[str, Any]) -> bool:
    """A submit or reset button without a value: Chromium names it with its built-in label, in the browser's
    interface language (English under Playwright), where a French browser says « Envoyer » as the Python
    computation does (HTML: the default label is the user agent's); its role is marked, not its name."""
    if node.get("nodeName") != "INPUT":
        return False
    attributes = node.get("attributes") or []
    values = dict(zip(attributes[::2], attributes[1::2], strict=False))
    return values.get("type", "").strip().lower() in ("submit", "reset", "image") and "value" not in values


def _nodes(root: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of a CDP DOM tree in one document: children and shadow roots, not frames' documents."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("children", ()))
        stack.extend(node.get("shadowRoots", ()))


def _tagged(document: dict[str, Any], prefix: str) -> Iterator[tuple[dict[str, Any], str]]:
    for node in _nodes(document):
        attributes = node.get("attributes")
        if not attributes:
            continue
        for name, value in zip(attributes[::2], attributes[1::2], strict=False):
            if name == "data-watcher-ax-tag" and value.startswith(prefix):
                yield node, value


def _find_frame_owner(root: dict[str, Any], token: str) -> dict[str, Any] | None:
    """The <iframe> node carrying data-watcher-frame=`token`, searched through in-process frames' documents."""
    stack = [root]
    while stack:
        node = stack.pop()
        attributes = node.get("attributes") or []
        if dict(zip(attributes[::2], attributes[1::2], strict=False)).get("data-watcher-frame") == token:
            return node
        stack.extend(node.get("children", ()))
        stack.extend(node.get("shadowRoots", ()))
        if "contentDocument" in node:
            stack.append(node["contentDocument"])
    return None
