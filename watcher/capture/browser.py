"""Finding and launching Chromium, in one place.

Order: the WATCHER_CHROMIUM variable, a system Chromium or Chrome, then Playwright's own download.
`python -m watcher.capture.browser --check` prints the browser found (used by scripts/setup.sh).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Playwright, async_playwright

from watcher.errors import BrowserError, first_line

SYSTEM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Passing our own --disable-features would replace Playwright's list, so we only add switches.
LAUNCH_ARGS = ["--disable-gpu", "--disable-quic", "--disable-dev-shm-usage", "--hide-scrollbars"]


def playwright_browser_path() -> str | None:
    """The Chromium that `python -m playwright install chromium` downloaded, if any."""
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:  # Playwright raises plain Error subclasses when its driver is missing
        return None
    return path if path and Path(path).is_file() else None


def find_chromium() -> str | None:
    """Path to a Chromium executable, or None when Playwright's own browser must be used (or none exists)."""
    env = os.environ.get("WATCHER_CHROMIUM")
    if env:
        found = shutil.which(env) or (env if Path(env).is_file() else None)
        if not found:
            raise BrowserError(f"WATCHER_CHROMIUM={env} is not an executable file")
        return found
    for candidate in SYSTEM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def describe_browser() -> str:
    """Which browser watcher will launch, or BrowserError."""
    path = find_chromium() or playwright_browser_path()
    if not path:
        raise BrowserError(
            "no Chromium found: install one (apt-get install chromium) or set WATCHER_CHROMIUM to its path"
        )
    return path


def sandbox_enabled() -> bool:
    """Chromium keeps its sandbox unless we run as root, where it cannot start with one."""
    return hasattr(os, "geteuid") and os.geteuid() != 0


async def start_browser(playwright: Playwright) -> Browser:
    """Launch Chromium with watcher's settings; BrowserError with the first line of the cause otherwise."""
    path = find_chromium()
    try:
        return await playwright.chromium.launch(
            executable_path=path, args=LAUNCH_ARGS, chromium_sandbox=sandbox_enabled()
        )
    except Exception as exc:  # Playwright's launch errors carry pages of logs; keep the first line
        raise BrowserError(f"Chromium could not start ({path or 'Playwright browser'}): {first_line(exc)}") from None


async def start_playwright() -> Playwright:
    """Playwright's driver (a Node.js process shipped in the wheel); BrowserError when it cannot run."""
    try:
        return await async_playwright().start()
    except Exception as exc:  # the driver died: usually a missing system library (libatomic1 on Debian)
        raise BrowserError(f"Playwright's driver could not start ({first_line(exc)}); run `make setup` again") from None


@asynccontextmanager
async def launch_browser() -> AsyncIterator[Browser]:
    """One headless Chromium for a whole run."""
    playwright = await start_playwright()
    try:
        browser = await start_browser(playwright)
        try:
            yield browser
        finally:
            await browser.close()
    finally:
        await playwright.stop()


async def _try_launch() -> None:
    async with launch_browser() as browser:
        page = await browser.new_page()
        await page.set_content("<p>ok</p>")


def main(argv: list[str]) -> int:
    """`--check`: which browser would be used; `--launch`: also start it once through Playwright."""
    if argv[1:] not in (["--check"], ["--launch"]):
        print("usage: python -m watcher.capture.browser --check | --launch", file=sys.stderr)
        return 2
    try:
        path = describe_browser()
        if argv[1] == "--launch":
            asyncio.run(_try_launch())
    except BrowserError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
