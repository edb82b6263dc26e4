"""The changelog site without a browser: layout, escaping, links, feeds, idempotent rebuilds, the server."""

from __future__ import annotations

import http.client
import os
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from changelog_sample import PAYLOAD_IMG, make_sample_store

from watcher.publish.changelog import build_changelog
from watcher.publish.changelog.pdf import PdfJob
from watcher.publish.changelog.serve import make_server
from watcher.store.snapshots import Store

ATOM = "{http://www.w3.org/2005/Atom}"


def fake_printer(jobs: list[PdfJob]) -> int:
    """Stands in for Chromium: the pure suite checks which sheets would be printed, not how."""
    for job in jobs:
        job.pdf.write_bytes(b"%PDF-1.4 fake " + job.html.read_bytes()[:20])
    fake_printer.printed.extend(jobs)  # type: ignore[attr-defined]
    return len(jobs)


fake_printer.printed = []  # type: ignore[attr-defined]


# Module-scoped: the store writes with fsync, and most tests only read the site.
@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with make_sample_store(tmp_path_factory.mktemp("store") / "snapshots") as sample:
        yield sample


@pytest.fixture(scope="module")
def site(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "changelog"
    build_changelog(store, out, pdf=False)
    return out


class Page(HTMLParser):
    """What the tests look at in a page: links, images, headings, scripts, attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.headings: list[int] = []
        self.scripts: list[dict[str, str | None]] = []
        self.attrs: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.attrs.extend(name for name, _ in attrs)
        if tag in ("a", "link") and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "img":
            self.images.append(values)
        if tag == "script":
            self.scripts.append(values)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def change_dirs(site: Path) -> list[Path]:
    return sorted(p.parent for p in site.glob("changes/*/*/index.html"))


def test_layout_has_permanent_change_folders_feeds_and_filters(site: Path, store: Store) -> None:
    folders = [p.relative_to(site).as_posix() for p in change_dirs(site)]
    expected = [f"changes/{r.target}/{Path(r.snapshot or '').name}" for t in store.targets()
                for r in store.history(t) if r.status == "changed"]
    assert sorted(folders) == sorted(expected)
    for rel in ("index.html", "feed.xml", "style.css", "minor/index.html", "sites/index.html",
                "sites/caf/index.html", "sites/caf/feed.xml", "tags/allocataires/feed.xml",
                "tags/declaration-revenus/index.html", "severity/major/index.html", "severity/breaking/index.html"):
        assert (site / rel).is_file(), rel
    first = site / folders[0]
    assert {"index.html", "fiche.html"} <= {p.name for p in first.iterdir()}


def test_images_are_copied_into_the_site(site: Path) -> None:
    caf = site / "changes/caf/20250304T080000.000000Z"
    assert (caf / "composite.png").read_bytes()[:4] == b"\x89PNG"
    assert not (caf / "composite.png").is_symlink()
    minor = site / "changes/caf/20250305T080000.000000Z"  # no stored images: screenshots stand in
    assert (minor / "before.png").is_file() and (minor / "after.png").is_file()


def test_minor_changes_are_kept_apart_from_alerts(site: Path) -> None:
    index = (site / "index.html").read_text()
    minor = (site / "minor/index.html").read_text()
    assert "Le lien « Contact » a changé de place" not in index
    assert "Le lien « Contact » a changé de place" in minor
    assert "Sans alerte" in minor
    feed = (site / "feed.xml").read_text()
    assert "Contact" not in feed


def test_every_local_link_and_image_resolves(site: Path) -> None:
    for page in pages(site):
        parsed = Page(page.read_text())
        for ref in parsed.links + [str(i.get("src")) for i in parsed.images]:
            if ref.startswith(("http://", "https://", "#")):
                continue
            assert not ref.startswith(("/", "file:", "javascript:")), (page, ref)
            assert (page.parent / ref.split("#")[0]).resolve().exists(), (page.relative_to(site), ref)


def test_pages_are_accessible_and_strict(site: Path) -> None:
    for page in pages(site):
        text = page.read_text()
        parsed = Page(text)
        assert re.search(r'<html lang="fr">', text), page
        assert "default-src 'self'" in text and "script-src" in text, page
        assert parsed.headings.count(1) == 1, page
        assert all(b - a <= 1 for a, b in zip(parsed.headings, parsed.headings[1:], strict=False)), page
        assert all(s.get("src") for s in parsed.scripts), "no inline script"
        assert "style" not in parsed.attrs and not any(a.startswith("on") for a in parsed.attrs), page
        for image in parsed.images:
            assert re.match(r"^(Avant/Après|Avant :|Après :)", image.get("alt") or ""), (page, image)
        if page.name == "index.html" and "changes/" not in page.as_posix():
            assert 'href="#contenu"' in text


def test_watched_page_text_is_escaped_everywhere(site: Path) -> None:
    for path in [*pages(site), *site.rglob("*.xml")]:
        text = path.read_text()
        assert "<img src=x" not in text and "<script>window" not in text, path
        assert 'href="javascript:' not in text, path
    change = (site / "changes/ants/20250305T100000.000000Z/index.html").read_text()
    assert "&lt;img src=x onerror=" in change and "&lt;/script&gt;&lt;script&gt;" in change


def test_alt_text_tells_what_changed(site: Path) -> None:
    page = Page((site / "changes/caf/20250304T080000.000000Z/index.html").read_text())
    alts = [i.get("alt") for i in page.images]
    assert "Avant/Après : Le bouton « Se connecter » s'appelle désormais « Me connecter »" in alts
    assert "Avant/Après : Le lien « Aide » a disparu" in alts


def test_change_page_has_procedure_audiences_and_neighbours(site: Path) -> None:
    text = (site / "changes/caf/20250304T080000.000000Z/index.html").read_text()
    assert "Déclarer un changement de situation" in text and "Choisir « Mon profil »" in text
    assert "allocataires" in text and 'rel="next"' in text
    assert '<time datetime="2025-03-04T08:00:00+00:00">4 mars 2025 à 9 h 00</time>' in text
    assert "1 changement de contenu qui tourne" in text  # noise counted, not listed
    assert "Actu 2" not in text


def test_feeds_are_atom(site: Path) -> None:
    for feed in site.rglob("feed.xml"):
        root = ET.parse(feed).getroot()
        assert root.tag == f"{ATOM}feed"
        for name in ("id", "title", "updated", "author"):
            assert root.find(f"{ATOM}{name}") is not None, (feed, name)
        rels = {link.get("rel") for link in root.findall(f"{ATOM}link")}
        assert {"self", "alternate"} <= rels
        for entry in root.findall(f"{ATOM}entry"):
            assert (entry.findtext(f"{ATOM}id") or "").startswith("urn:uuid:")
            assert entry.find(f"{ATOM}updated") is not None and entry.find(f"{ATOM}title") is not None
            content = entry.find(f"{ATOM}content")
            assert content is not None and content.get("type") == "html"
            assert "<img src=x" not in (content.text or "")  # the HTML a reader gets still escapes the payload
    ids = [e.findtext(f"{ATOM}id") for e in ET.parse(site / "feed.xml").getroot().findall(f"{ATOM}entry")]
    assert len(ids) == 4 and len(set(ids)) == 4


def test_feed_ids_are_stable_and_base_url_makes_links_absolute(store: Store, site: Path, tmp_path: Path) -> None:
    other = tmp_path / "published"
    build_changelog(store, other, pdf=False, base_url="https://mediation.example.org/journal")
    feed = ET.parse(other / "sites/caf/feed.xml").getroot()
    before = ET.parse(site / "sites/caf/feed.xml").getroot()
    assert [e.findtext(f"{ATOM}id") for e in feed.iter(f"{ATOM}entry")] == \
        [e.findtext(f"{ATOM}id") for e in before.iter(f"{ATOM}entry")]
    hrefs = [link.get("href") or "" for link in feed.iter(f"{ATOM}link")]
    assert all(h.startswith("https://mediation.example.org/journal/") for h in hrefs)


def test_english_pages_use_english_summaries(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "en"
    build_changelog(store, out, lang="en", pdf=False)
    text = (out / "changes/caf/20250304T080000.000000Z/index.html").read_text()
    assert '<html lang="en">' in text and "EN Le bouton" in text and "What changed" in text
    # English punctuation: no French space before a colon in the words the templates join
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"(</strong>|</a>|</span>|affected|Audiences|now) :", html), page


def test_rebuild_is_idempotent_and_prints_only_new_sheets(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "site"
    fake_printer.printed.clear()  # type: ignore[attr-defined]
    first = build_changelog(store, out, printer=fake_printer)
    assert first.pdfs_made == 5 and (out / "changes/caf/20250304T080000.000000Z/fiche.pdf").is_file()
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    second = build_changelog(store, out, printer=fake_printer)
    assert (second.files_written, second.pdfs_made, second.pdfs_kept) == (0, 0, 5)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stamps
    sheet = out / "changes/impots/20250304T140000.000000Z/fiche.html"
    sheet.write_text("an older version of the sheet")
    third = build_changelog(store, out, printer=fake_printer)
    assert third.pdfs_made == 1 and fake_printer.printed[-1].html == sheet  # type: ignore[attr-defined]


def test_no_pdf_build_does_not_link_missing_pdfs(site: Path) -> None:
    assert not list(site.rglob("fiche.pdf"))
    assert 'href="fiche.pdf"' not in (site / "changes/caf/20250304T080000.000000Z/index.html").read_text()


def test_unsafe_index_rows_are_skipped(tmp_path: Path) -> None:
    with Store(tmp_path / "snap") as store:
        store.record_check("../evil", make_time(), "changed", alert=True, snapshot=tmp_path / "snap/x/y",
                           report={"changes": []})
        report = build_changelog(store, tmp_path / "out", pdf=False)
    assert report.alerts == 0 and not (tmp_path / "evil").exists()


def make_time():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[tuple[str, int]]:
    secret = site.parent / "secret.txt"
    secret.write_text("not for the web")
    os.symlink(secret, site / "leak.txt")
    os.symlink(site.parent, site / "up")
    server = make_server(site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", int(server.server_address[1])
    server.shutdown()
    server.server_close()


def request(where: tuple[str, int], method: str, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(*where, timeout=5)
    connection.request(method, path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/leak.txt",
                                  "/up/secret.txt", "/changes/%2e%2e/%2e%2e/%2e%2e/secret.txt", "/changes/",
                                  "/.tmp-index.html", "//etc/passwd"])
def test_server_refuses_what_is_outside_the_site(served: tuple[str, int], path: str) -> None:
    status, body = request(served, "GET", path)
    assert status in (403, 404) and b"not for the web" not in body


def test_server_is_read_only(served: tuple[str, int]) -> None:
    assert request(served, "GET", "/")[0] == 200
    assert request(served, "HEAD", "/feed.xml")[0] == 200
    assert request(served, "GET", "/changes/caf/20250304T080000.000000Z/")[0] == 200
    assert request(served, "GET", "/sites/caf")[0] == 301  # folder without slash: redirected, links stay relative
    for method in ("POST", "PUT", "DELETE"):
        assert request(served, method, "/index.html")[0] == 405


def test_cli_builds_the_site(store: Store, tmp_path: Path, watcher_cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cli-site"
    run = watcher_cli("changelog", "build", "--snapshots", store.root, "--out", out, "--no-pdf")
    assert run.code == 0, run.err
    assert "4 changements importants" in run.out and (out / "index.html").is_file()
    assert PAYLOAD_IMG not in (out / "index.html").read_text()


def test_procedure_steps_come_from_the_stored_replay_and_pending_changes_wait(tmp_path: Path) -> None:
    from changelog_sample import CAF, START, SampleWriter, png, renamed

    with Store(tmp_path / "snap") as store:
        sample = SampleWriter(store)
        sample.first(CAF, START)
        run = b'{"steps": [{"number": 1, "text": "ouvrir la page"}, {"number": 2, "text": "cliquer sur Envoyer"}]}'
        with store.new_snapshot(CAF.id, make_time(), sample.previous[CAF.id]) as writer:
            writer.add("procedures/envoi/run.json", run)
            writer.add("procedures/envoi/crop.png", png(200, 100, "#ffd27f"))
        report = {"changes": [renamed("A", "B")], "image_files": ["procedures/envoi/crop.png"], "target": {},
                  "procedures": [{"name": "Envoyer", "slug": "envoi", "status": "broken", "message": "Bloquée."}]}
        check_id = store.record_check(CAF.id, make_time(), "changed", alert=True, snapshot=writer.final,
                                      baseline=sample.previous[CAF.id], report=report)
        out = tmp_path / "out"
        build_changelog(store, out, pdf=False)
        page = (out / f"changes/caf/{writer.final.name}/index.html").read_text()
        assert "cliquer sur Envoyer" in page and "Bloquée." in page
        assert (out / f"changes/caf/{writer.final.name}/procedures-envoi-crop.png").is_file()
        if hasattr(store, "set_confirmation"):
            store.set_confirmation(check_id, "pending", alert=True)
            assert build_changelog(store, tmp_path / "out2", pdf=False).alerts == 0
