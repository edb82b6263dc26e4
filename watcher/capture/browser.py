"""Finding and launching Chromium, in one place.

Order: the WATCHER_CHROMIUM variable, a system Chromium or Chrome, then Playwright's own download.
`python -m watcher.capture.browser --check` prints the browser found (used by scripts/setup.sh).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Browser, Playwright, async_playwright

from watcher.config.targets import Target
from watcher.errors import BrowserError, first_line
from watcher.safety.netpolicy import pac_switches

__all__ = [
    "LAUNCH_ARGS",
    "QUIET_ARGS",
    "find_chromium",
    "launch_browser",
    "resolver_rules",
    "sandbox_enabled",
    "start_browser",
    "start_playwright",
]

SYSTEM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Passing our own --disable-features would replace Playwright's list, so we only add switches.
LAUNCH_ARGS = ["--disable-gpu", "--disable-quic", "--disable-dev-shm-usage", "--hide-scrollbars"]
# Chromium's own traffic off (component and safe-browsing updates, sync, sign-in, metrics, variations, pings,
# DNS prefetch, WebRTC to local addresses): only the watched pages leave the machine. Playwright already passes
# --disable-background-networking, --disable-component-update, --disable-default-apps, --metrics-recording-only
# and --disable-field-trial-config; they are repeated so that this list stands on its own.
# tests/test_safety_network.py watches every request through a logging proxy.
QUIET_ARGS = [
    "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
    "--metrics-recording-only", "--disable-field-trial-config", "--disable-sync", "--no-pings",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--safebrowsing-disable-auto-update",
    "--disable-breakpad", "--no-default-browser-check", "--no-first-run", "--dns-prefetch-disable",
    "--disable-signin-promo", "--allow-browser-signin=false", "--disable-translate",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
]
# Chromium 156 still asks for an on-demand component (update.googleapis.com) and calls accounts.google.com with
# every switch above; these hosts serve the browser itself, never a page's content, so they resolve nowhere.
BROWSER_SERVICE_HOSTS = (
    "accounts.google.com", "update.googleapis.com", "clients1.google.com", "clients2.google.com",
    "clients4.google.com", "clientservices.googleapis.com", "android.clients.google.com", "*.gvt1.com",
    "*.gvt2.com", "optimizationguide-pa.googleapis.com", "safebrowsing.googleapis.com", "safebrowsing.google.com",
    "sb-ssl.google.com", "content-autofill.googleapis.com", "chromesyncpasswords-pa.googleapis.com",
    "www.googleapis.com", "oauthaccountmanager.googleapis.com", "play.googleapis.com",
)


def resolver_rules() -> list[str]:
    """Chromium's --host-resolver-rules entries (tests add names that stand for private addresses)."""
    return [f"MAP {host} ~NOTFOUND" for host in BROWSER_SERVICE_HOSTS]


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


async def start_browser(playwright: Playwright, targets: Sequence[Target] = ()) -> Browser:
    """Launch Chromium with watcher's settings; BrowserError with the first line of the cause otherwise.

    `targets` are the pages this browser will load: their own hosts (and settings.allow_private) are the only
    non-public addresses a redirect may lead to (watcher/safety/netpolicy.py)."""
    path = find_chromium()
    allowed = {network for target in targets for network in target.allow_private}
    pac = pac_switches([urlsplit(target.url).hostname or "" for target in targets], allowed)
    try:
        return await playwright.chromium.launch(
            executable_path=path, chromium_sandbox=sandbox_enabled(),
            args=[*LAUNCH_ARGS, *QUIET_ARGS, "--host-resolver-rules=" + ", ".join(resolver_rules()), *pac],
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
async def launch_browser(targets: Sequence[Target] = ()) -> AsyncIterator[Browser]:
    """One headless Chromium for a whole run of `targets` (the pages it may load, for the request policy)."""
    playwright = await start_playwright()
    try:
        browser = await start_browser(playwright, targets)
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
