"""The capture seam: what a check needs from a browser, behind one protocol.

`check_target` asks a `Capturer` for the page (`capture`) and for the replays of its procedures (`replay`).
`PlaywrightCapturer` does both with a real Chromium; `watcher.store.replay.ReplayCapturer` reads recorded
snapshot folders instead, so the service, the policy and the confirmation run in tests without a browser.
"""

from __future__ import annotations

from typing import Protocol

from playwright.async_api import Browser

from watcher.capture.page import Capture, capture_target
from watcher.capture.procedures import ProcedureRun, replay_all
from watcher.config.targets import Target

__all__ = ["Capturer", "PlaywrightCapturer"]


class Capturer(Protocol):
    """Loads a target's page and replays its procedures; never raises for a page that misbehaves."""

    async def capture(self, target: Target, max_height: int) -> Capture:
        """The page of `target` in each of its viewports (`max_height`: CSS px), or an `unreachable` Capture."""
        ...

    async def replay(self, target: Target) -> list[ProcedureRun]:
        """One run per procedure of `target`, in their configured order."""
        ...


class PlaywrightCapturer:
    """The real thing: one Chromium (a Playwright `Browser`), a fresh context per page and per replay."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser

    async def capture(self, target: Target, max_height: int) -> Capture:
        return await capture_target(self.browser, target, max_height)

    async def replay(self, target: Target) -> list[ProcedureRun]:
        return await replay_all(self.browser, target)
