"""Saved HTML is read with the page's own encoding: BOM, HTTP header stored in meta.json, <meta>, detection."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.conftest import LocalSite
from watcher.detect.compare import diff_paths, kind_of
from watcher.detect.htmlio import charset_of, codec_for, decode_html, read_html
from watcher.detect.skeleton import extract_skeleton
from watcher.store.reader import folder_skeleton

REPO = Path(__file__).resolve().parent.parent
NAMES = ["Étape 1 sur 3 : vos données", "Déclarer un changement de résidence", "Suivant »", "Numéro fiscal (€)"]


def page(head: str = "", body_extra: str = "") -> str:
    """A small French page whose names need accents (and a windows-1252 letter: « € »)."""
    return (f"<!DOCTYPE html><html lang=\"fr\"><head>{head}<title>Démarche</title></head><body><main>"
            f"<h1>{NAMES[0]}</h1><a href=\"/residence\">{NAMES[1]}</a>"
            f"<label for=\"n\">{NAMES[3]}</label><input id=\"n\" name=\"n\" required>"
            f"<button type=\"submit\">{NAMES[2]}</button>{body_extra}</main></body></html>")


def names(text: str) -> list[str]:
    return [e.name for e in extract_skeleton(text).elements]


def assert_reads_accents(text: str) -> None:
    got = names(text)
    for name in NAMES:
        assert name in got, got
    assert "\ufffd" not in text


def test_latin1_declared_in_meta_charset() -> None:
    data = page('<meta charset="iso-8859-1">').replace("€", "EUR").encode("latin-1")
    decoded = decode_html(data)
    assert (decoded.encoding, decoded.source) == ("cp1252", "meta")
    assert "Étape 1 sur 3" in decoded.text and "Numéro fiscal (EUR)" in decoded.text


def test_windows_1252_declared_with_http_equiv() -> None:
    data = page('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">').encode("cp1252")
    decoded = decode_html(data)
    assert (decoded.encoding, decoded.source) == ("cp1252", "meta")
    assert_reads_accents(decoded.text)


def test_iso_8859_1_label_reads_as_windows_1252_like_browsers() -> None:
    # Encoding standard: the label iso-8859-1 means windows-1252, whose byte 0x80 is « € », not a C1 control.
    data = page('<meta charset="ISO-8859-1">').encode("cp1252")
    assert_reads_accents(decode_html(data).text)


def test_utf8_with_bom_wins_over_a_wrong_declaration() -> None:
    data = b"\xef\xbb\xbf" + page('<meta charset="iso-8859-1">').encode("utf-8")
    decoded = decode_html(data, content_type="text/html; charset=iso-8859-1")
    assert (decoded.encoding, decoded.source) == ("utf-8", "bom")
    assert not decoded.text.startswith("\ufeff")
    assert_reads_accents(decoded.text)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_bom(codec: str) -> None:
    data = page('<meta charset="utf-16">').encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    decoded = decode_html(data)
    assert decoded.source == "bom"
    assert_reads_accents(decoded.text)


def test_no_declaration_utf8_then_windows_1252() -> None:
    utf8 = decode_html(page().encode("utf-8"))
    legacy = decode_html(page().encode("cp1252"))
    assert (utf8.encoding, utf8.source) == ("utf-8", "detector")
    assert (legacy.encoding, legacy.source) == ("cp1252", "detector")
    assert_reads_accents(utf8.text)
    assert_reads_accents(legacy.text)


def test_no_declaration_utf16_without_bom_goes_to_the_detector() -> None:
    decoded = decode_html(page().encode("utf-16-le"))
    assert decoded.encoding.startswith("utf-16")
    assert_reads_accents(decoded.text)


def test_http_header_overrides_the_meta_charset() -> None:
    data = page('<meta charset="utf-8">').replace("€", "EUR").encode("latin-1")
    decoded = decode_html(data, content_type='text/html; charset="ISO-8859-1"')
    assert (decoded.encoding, decoded.source) == ("cp1252", "header")
    assert "Numéro fiscal (EUR)" in decoded.text


def test_declaration_contradicted_by_the_bytes_loses() -> None:
    # A tool re-encoded the page in UTF-8 but kept <meta charset="windows-1252">, and the other way round.
    resaved = decode_html(page('<meta charset="windows-1252">').encode("utf-8"))
    assert (resaved.encoding, resaved.source) == ("utf-8", "content")
    assert_reads_accents(resaved.text)
    legacy = decode_html(page('<meta charset="utf-8">').encode("cp1252"))
    assert (legacy.encoding, legacy.source) == ("cp1252", "content")
    assert_reads_accents(legacy.text)


def test_labels_and_headers() -> None:
    assert charset_of("text/html; charset=ISO-8859-15") == "ISO-8859-15"
    assert charset_of("text/html") is None and charset_of(None) is None
    assert codec_for("latin1") == codec_for("us-ascii") == "cp1252"
    assert codec_for("utf-16le", in_meta=True) == "utf-8"
    assert codec_for("no-such-charset") is None


def snapshot(folder: Path, dom: bytes, meta: dict[str, object] | None) -> Path:
    folder.mkdir(parents=True)
    (folder / "dom.html").write_bytes(dom)
    if meta is not None:
        (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def test_snapshot_folder_header_in_meta_json_overrides_meta_charset(tmp_path: Path) -> None:
    dom = page('<meta charset="utf-8">').replace("€", "EUR").encode("latin-1")
    folder = snapshot(tmp_path / "s", dom, {"content_type": "text/html; charset=iso-8859-1"})
    assert "Numéro fiscal (EUR)" in names(read_html(folder / "dom.html"))


def test_watcher_snapshots_are_utf8_whatever_the_page_declared(tmp_path: Path) -> None:
    # dom.html is the browser's serialisation written in UTF-8; it keeps the page's <meta charset="iso-8859-1">
    # and meta.json keeps the page's header: neither describes the file's bytes.
    dom = page('<meta charset="iso-8859-1">').encode("utf-8")
    header = "text/html; charset=iso-8859-1"
    current = snapshot(tmp_path / "new", dom, {"watcher_version": "0.1.0", "content_type": header,
                                               "dom_encoding": "utf-8"})
    older = snapshot(tmp_path / "old", dom, {"watcher_version": "0.1.0", "http_status": 200})
    viewport = snapshot(tmp_path / "new2", dom, {"watcher_version": "0.1.0", "content_type": header})
    (viewport / "viewports" / "mobile").mkdir(parents=True)
    (viewport / "viewports" / "mobile" / "dom.html").write_bytes(dom)
    for path in (current / "dom.html", older / "dom.html", viewport / "viewports" / "mobile" / "dom.html"):
        assert_reads_accents(read_html(path))


def test_snapshot_folders_written_before_the_header_was_stored_still_diff(tmp_path: Path) -> None:
    # Older snapshots: meta.json without content_type/dom_encoding, or no meta.json at all; dom.html in UTF-8.
    dom = page('<meta charset="iso-8859-1">').encode("utf-8")
    old = snapshot(tmp_path / "old", dom, {"watcher_version": "0.1.0", "http_status": 200})
    bare = snapshot(tmp_path / "bare", page().encode("utf-8"), None)
    new = snapshot(tmp_path / "new", dom, {"watcher_version": "0.2.0", "dom_encoding": "utf-8",
                                           "content_type": "text/html; charset=iso-8859-1"})
    for before, after in ((old, new), (bare, new), (old, bare)):
        report = diff_paths(before, after, folder_skeleton=folder_skeleton)
        assert report.changes == [] and not report.alert, (before.name, after.name)


def test_diff_of_the_same_page_in_two_encodings_is_quiet(tmp_path: Path) -> None:
    latin = tmp_path / "avant.html"
    latin.write_bytes(page('<meta charset="windows-1252">').encode("cp1252"))
    utf16 = tmp_path / "apres.html"
    utf16.write_bytes(page('<meta charset="utf-8">').encode("utf-16"))
    assert kind_of(utf16) == "html"
    report = diff_paths(latin, utf16)
    assert report.changes == [] and not report.alert


def test_cli_diff_and_skeleton_read_files_with_their_encoding(tmp_path: Path) -> None:
    before, after = tmp_path / "avant.html", tmp_path / "apres.html"
    before.write_bytes(page('<meta charset="iso-8859-1">').replace("€", "EUR").encode("latin-1"))
    after.write_bytes(page('<meta charset="utf-8">').replace("€", "EUR").encode("utf-8"))
    env_cmd = [sys.executable, "-m", "watcher"]
    diff = subprocess.run([*env_cmd, "diff", str(before), str(after), "--format", "json"],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert json.loads(diff.stdout)["alert"] is False
    skeleton = subprocess.run([*env_cmd, "skeleton", str(before), "--format", "json"],
                              capture_output=True, text=True, timeout=120, cwd=REPO)
    assert skeleton.returncode == 0, skeleton.stderr
    assert "Numéro fiscal (EUR)" in skeleton.stdout


def _latin1_page(handler: BaseHTTPRequestHandler) -> None:
    body = page('<meta charset="iso-8859-1">').replace("€", "EUR").encode("latin-1")
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=ISO-8859-1")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.mark.browser
def test_captured_latin1_page_is_stored_and_read_back(local_site: LocalSite, tmp_path: Path) -> None:
    from watcher.capture.browser import launch_browser
    from watcher.capture.page import Capture, capture_target
    from watcher.config.targets import Target

    local_site.routes["/"] = _latin1_page

    async def go() -> Capture:
        async with launch_browser() as browser:
            return await capture_target(browser, Target(id="t", name="T", url=local_site.url("/")), max_height=4000)

    capture = asyncio.run(go())
    assert capture.status == "ok", capture.reason
    assert capture.meta["content_type"] == "text/html; charset=ISO-8859-1"
    folder = snapshot(tmp_path / "s", capture.main.dom.encode(), capture.meta)  # as check.py writes them
    text = read_html(folder / "dom.html")
    assert "Numéro fiscal (EUR)" in names(text) and "Étape 1 sur 3 : vos données" in names(text)
