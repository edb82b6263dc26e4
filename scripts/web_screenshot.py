"""Regenerate docs/web-dashboard.png: the dashboard of `watcher web` on a demo's output, as a coordinator sees it.

Run after `watcher demo --out DIR`: `.venv/bin/python scripts/web_screenshot.py DIR [--width 1280] [--out PNG]`.
It serves DIR (targets.yaml, snapshots/, notifiers/) on a free loopback port with a throw-away account (the
accounts live in the index of DIR's snapshots: the account is removed at the end), logs in with Chromium and
saves a full-page screenshot of the dashboard. Not part of the package: a maintainer's tool for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from pathlib import Path

from watcher.capture.browser import find_chromium
from watcher.store.snapshots import Store
from watcher.web.accounts import Accounts
from watcher.web.server import WebThread

ROOT = Path(__file__).resolve().parent.parent


async def shoot(base: str, user: str, password: str, width: int, out: Path, path: str = "/") -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=find_chromium())
        page = await browser.new_page(viewport={"width": width, "height": 800}, locale="fr-FR",
                                      timezone_id="Europe/Paris")
        await page.goto(f"{base}/login")
        await page.get_by_label("Identifiant").fill(user)
        await page.get_by_label("Mot de passe").fill(password)
        await page.get_by_role("button", name="Se connecter").click()
        await page.wait_for_url(f"{base}/")
        if path != "/":
            await page.goto(base + path)
        await page.screenshot(path=str(out), full_page=True)
        await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("demo", type=Path, help="the folder given to `watcher demo --out`")
    parser.add_argument("--width", type=int, default=1280, help="viewport width, CSS px")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "web-dashboard.png")
    parser.add_argument("--path", default="/", help="the page of the web app to shoot (default: the dashboard)")
    parser.add_argument("--user", default="camille", help="the throw-away account's name, shown on the page")
    args = parser.parse_args()
    root: Path = args.demo
    user, password = args.user, secrets.token_urlsafe(16)
    with Store(root / "snapshots") as store:
        Accounts(store).add(user, password)
    served = WebThread(root / "targets.yaml", root / "snapshots", root / "notifiers", "127.0.0.1", 0, "fr",
                       in_service=False)
    served.start()
    try:
        deadline = time.monotonic() + 15
        while not served.started and time.monotonic() < deadline:
            time.sleep(0.05)
        asyncio.run(shoot(f"http://127.0.0.1:{served.address[1]}", user, password, args.width, args.out, args.path))
    finally:
        served.stop()
        with Store(root / "snapshots") as store:
            Accounts(store).remove(user)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
