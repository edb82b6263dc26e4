"""Pages a parser finds hostile: very deep nesting, stray NUL bytes — read as a browser would, without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.detect.compare import diff_paths, kind_of
from watcher.detect.skeleton import MAX_DEPTH, extract_skeleton
from watcher.errors import InputError


def deep_page(depth: int) -> str:
    return ("<html><body><main><h1>Titre</h1>" + "<div>" * depth + '<a href="/profond">Lien profond</a>'
            + "</div>" * depth + '<a href="/apres">Après</a></main></body></html>')


@pytest.mark.parametrize("depth", [300, MAX_DEPTH + 50, 1500])
def test_deeply_nested_content_is_kept(depth: int) -> None:
    names = [e.name for e in extract_skeleton(deep_page(depth)).elements]
    assert "Lien profond" in names and "Après" in names


def test_stray_nul_bytes_are_dropped_like_a_browser(tmp_path: Path) -> None:
    page = tmp_path / "nul.html"
    page.write_bytes(b"<html><body>\x00<main><a href=/x>Mon\x00 espace</a><button>\x00Valider</button></main></body></html>")
    assert kind_of(page) == "html"
    names = [e.name for e in extract_skeleton(page.read_text()).elements]
    assert "Mon espace" in names and "Valider" in names


def test_binary_data_is_still_refused(tmp_path: Path) -> None:
    data = tmp_path / "data.html"
    data.write_bytes(b"<a\x00\x01\x02\x03" + bytes(range(256)) * 4)
    with pytest.raises(InputError):
        kind_of(data)


def test_deep_pages_diff_without_alert(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(deep_page(MAX_DEPTH * 2))
    report = diff_paths(tmp_path / "a.html", tmp_path / "a.html")
    assert report.alert is False and report.degraded is None


def test_snapshot_folder_with_a_binary_dom_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "snap"
    folder.mkdir()
    (folder / "dom.html").write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError) as caught:
        kind_of(folder)
    assert "dom.html" in caught.value.render("fr") and "ni une page HTML" in caught.value.render("fr")
