"""The built changelog in a real Chromium: pages open, images load, links lead on, no script from a watched
page runs, the PDF sheets exist, and `watcher serve` refuses what lies outside the site."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from changelog_sample import make_sample_store
from conftest import wait_until
from playwright.sync_api import Browser, Page, sync_playwright

from watcher.capture.browser import LAUNCH_ARGS, find_chromium, sandbox_enabled
from watcher.publish.changelog import build_changelog

pytestmark = pytest.mark.browser

CAF_FIRST = "changes/caf/20250304T080000.000000Z/"
ANTS = "changes/ants/20250305T100000.000000Z/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build with real PDFs for the whole module (printing is the slow part)."""
    root = tmp_path_factory.mktemp("browser-site")
    with make_sample_store(root / "snapshots") as store:
        report = build_changelog(store, root / "changelog")
    assert report.pdfs_made == 5
    return root / "changelog"


@pytest.fixture(scope="module")
def browser(site: Path) -> Iterator[Browser]:
    # Depends on `site` so the build (which runs its own event loop) finishes before sync Playwright starts.
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS,
                                     chromium_sandbox=sandbox_enabled())
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    opened.dialogs = []  # type: ignore[attr-defined]
    opened.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    yield opened
    context.close()


def broken_images(page: Page) -> list[str]:
    return page.eval_on_selector_all("img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0))"
                                            ".map(e => e.getAttribute('src'))")


def test_index_to_change_to_neighbours_to_site_page(site: Path, page: Page) -> None:
    page.goto((site / "index.html").as_uri())
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("link", name="impots.gouv.fr : changement du 4 mars 2025").click()
    assert page.url.endswith("changes/impots/20250304T140000.000000Z/index.html")
    assert page.locator("h1").inner_text().startswith("impots.gouv.fr : changement du 4 mars 2025")
    assert page.locator("img").count() >= 2 and broken_images(page) == []
    page.get_by_role("link", name=re.compile("^← Changement précédent, tous sites")).click()
    assert CAF_FIRST in page.url and broken_images(page) == []
    page.locator("a[rel=next]").click()  # next change of the same site (the minor one)
    assert "changes/caf/20250305T080000.000000Z/" in page.url and broken_images(page) == []
    page.get_by_role("link", name="Tout l'historique de CAF — Mon Compte").click()
    assert page.url.endswith("sites/caf/index.html")
    assert page.locator(".timeline .entry").count() == 3


def test_skip_link_is_first_and_focus_is_visible(site: Path, page: Page) -> None:
    page.goto((site / CAF_FIRST / "index.html").as_uri())
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.textContent, getComputedStyle(document.activeElement)"
                            ".outlineStyle, document.activeElement.getBoundingClientRect().left]")
    assert focused[0] == "Aller au contenu" and focused[1] == "solid" and focused[2] >= 0
    page.keyboard.press("Enter")
    assert page.url.endswith("#contenu")


def test_no_script_from_a_watched_page_ever_runs(site: Path, page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for html in sorted(site.rglob("*.html")):
        page.goto(html.as_uri())
        assert page.evaluate("window.__pwned") is None, html
    assert page.dialogs == [] and errors == []  # type: ignore[attr-defined]
    page.goto((site / ANTS / "index.html").as_uri())
    assert "<img src=x onerror=" in page.locator("h1").inner_text()  # shown as text, not run


def test_word_filter_is_a_progressive_enhancement(site: Path, page: Page) -> None:
    page.goto((site / "index.html").as_uri())
    page.get_by_label("Filtrer par mot").fill("espace particulier")
    assert page.locator(".timeline .entry:visible").count() == 1


def test_phone_width_has_no_horizontal_scroll(site: Path, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    phone = context.new_page()
    for rel in ("index.html", ANTS + "index.html"):
        phone.goto((site / rel).as_uri())
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), rel
    context.close()


def test_pdf_sheets_are_a4_pdfs(site: Path) -> None:
    pdf = (site / CAF_FIRST / "fiche.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 1
    assert re.search(rb"/MediaBox\s*\[0 0 59[45][.0-9]* 84[12][.0-9]*\]", pdf)  # A4 in points


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """`watcher serve` as a coordinator starts it, on a free port."""
    (site.parent / "secret.txt").write_text("not for the web")
    (site / "leak.txt").symlink_to(site.parent / "secret.txt")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "serve", "--dir", str(site), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: status(port, "/") == 200, timeout=60)  # a new Python importing the package: slow when loaded
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def status(port: int, path: str) -> int:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", path)
        code = connection.getresponse().status
        connection.close()
        return code
    except OSError:
        return 0


def test_served_site_works_and_refuses_traversal(served: str, page: Page) -> None:
    page.goto(served + "/" + CAF_FIRST)
    assert broken_images(page) == []
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""  # the stylesheet was allowed
    port = int(served.rsplit(":", 1)[1])
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt", "/leak.txt"):
        assert status(port, path) in (403, 404), path
    response = page.goto(served + "/leak.txt")
    assert response is not None and response.status == 404
