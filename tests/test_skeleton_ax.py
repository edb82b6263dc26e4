"""The skeleton of an annotated DOM version 3 reads Chromium's roles and names (data-watcher-ax-role/-name,
capture/axnames.py) where capture recorded them, and the Python computation elsewhere; reads=2 and version 2
DOMs ignore them; `watcher diff` reads two pages alike when only one has them."""

from __future__ import annotations

from pathlib import Path

from watcher.detect.compare import diff_paths
from watcher.detect.skeleton import READS_ALL, READS_AX, extract_skeleton

BODY = (
    '<main data-watcher-box="0,0,100,100" data-watcher-ax-role="main" data-watcher-ax-name="">'
    '<a href="/a" data-watcher-box="0,0,10,10" data-watcher-ax-role="link" data-watcher-ax-name="Chromium dit">'
    "Python dit</a>"
    '<div role="button" data-watcher-box="0,0,10,10" data-watcher-ax-role="button">Sans nom marqué</div>'
    '<summary data-watcher-box="0,0,10,10" data-watcher-ax-role="button" data-watcher-ax-name="Plus">Plus</summary>'
    '<button aria-haspopup="true" data-watcher-box="0,0,10,10" data-watcher-ax-role="button" '
    'data-watcher-ax-name="Menu">Menu</button>'
    '<ul data-watcher-visible="false" data-watcher-hidden="display"><li data-watcher-visible="false">'
    '<a href="/cache" data-watcher-visible="false">Entrée cachée</a></li></ul></main>'
)


def page(version: str, body: str = BODY) -> str:
    return (f'<!DOCTYPE html><html lang="fr" data-watcher-url="https://e.fr/" data-watcher-dom-version="{version}">'
            f"<head></head><body>{body}</body></html>")


def names(html: str, reads: int | None = None) -> list[tuple[str, str]]:
    return [(e.role, e.name) for e in extract_skeleton(html, reads=reads).elements]


def test_version_3_reads_chromium_names_where_marked() -> None:
    sk = extract_skeleton(page("3"))
    assert sk.reads == READS_AX
    found = [(e.role, e.name) for e in sk.elements]
    assert ("link", "Chromium dit") in found
    assert ("button", "Sans nom marqué") in found  # a role without a name mark: the Python name
    # revealed content is outside Chromium's tree until shown: named by Python, revealed by Chromium's control
    revealed = next(e for e in sk.elements if e.name == "Entrée cachée")
    assert revealed.revealed_by == ("button", "Menu")


def test_version_2_and_reads_2_ignore_the_marks() -> None:
    assert ("link", "Python dit") in names(page("2"))
    assert extract_skeleton(page("2")).reads == READS_ALL
    assert ("link", "Python dit") in names(page("3"), reads=2)
    assert extract_skeleton(page("3"), reads=2).reads == READS_ALL


def test_diff_of_a_version_2_and_a_version_3_page_reads_both_alike(tmp_path: Path) -> None:
    before, after = tmp_path / "before.html", tmp_path / "after.html"
    before.write_text(page("2"), encoding="utf-8")
    after.write_text(page("3"), encoding="utf-8")
    report = diff_paths(before, after)
    assert report.changes == []


def test_a_control_in_its_own_labelledby_gives_its_aria_label() -> None:
    """accname 1.2 2C/2E: a self-reference is no embedded control, its aria-label is part of its name (Chromium)."""
    html = ('<html><body><p id="l">Prix</p><input type="range" id="r" aria-labelledby="r l" '
            'aria-label="Valeur minimale"></body></html>')
    assert names(html) == [("slider", "Valeur minimale Prix")]
