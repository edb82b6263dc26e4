"""The before/after picture outlines where the interface changed, not the noise next to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.detect.changes import Change, Kind, Severity
from watcher.detect.skeleton import Element
from watcher.detect.visual import Region, VisualDiff
from watcher.service.check import relevant_regions


def visual(*regions: Region) -> VisualDiff:
    return VisualDiff(changed_ratio=0.1, regions=list(regions), alert=True, row_map=None)  # type: ignore[arg-type]


def renamed_button(box: tuple[int, int, int, int]) -> Change:
    before = Element(role="button", name="Se connecter", landmark="main", order=3, box=box)
    after = Element(role="button", name="Accéder à mon espace", landmark="main", order=3, box=box)
    return Change(Kind.RENAMED, "button", before, after, "main", Severity.MAJOR)


def test_only_regions_touching_a_change_are_kept() -> None:
    button = Region(100, 500, 200, 40, "changed")
    news = Region(100, 900, 600, 300, "changed")
    kept = relevant_regions(visual(button, news), [renamed_button((80, 505, 180, 30))])
    assert kept.regions == [Region(80, 500, 220, 40, "changed")]  # grown to the whole button


def test_all_regions_are_kept_when_none_touches_a_change() -> None:
    news = Region(100, 900, 600, 300, "changed")
    assert relevant_regions(visual(news), [renamed_button((0, 0, 10, 10))]).regions == [news]


def test_an_alert_reads_each_screenshot_once_for_the_diff_and_its_pictures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The visual diff's reading of both PNGs (`Comparison.screenshots`) is what the alert's pictures crop: a
    changed page's two 1280 x 6000 px screenshots are inflated (and, Up-filtered, unfiltered) once, not twice."""
    import io
    from datetime import UTC, datetime

    from PIL import Image, ImageDraw

    from watcher.capture.capturer import Capture
    from watcher.capture.page import ViewportCapture
    from watcher.config.targets import Target, Viewport
    from watcher.detect import visual as visual_module
    from watcher.service.check import evaluate
    from watcher.store.snapshots import Store

    def page(button: str) -> tuple[bytes, str]:
        image = Image.new("RGB", (400, 300), "white")
        ImageDraw.Draw(image).text((20, 120), button, fill="black")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue(), f"<html><body><main><h1>Mon compte</h1><button>{button}</button></main></body></html>"

    reads: list[object] = []
    original = visual_module.ScreenshotRows.__init__

    def counted(self: visual_module.ScreenshotRows, source: object) -> None:
        reads.append(source)
        original(self, source)  # type: ignore[arg-type]

    monkeypatch.setattr(visual_module.ScreenshotRows, "__init__", counted)
    target = Target(id="caf", name="CAF", url="https://caf.example/")
    with Store(tmp_path / "snapshots") as store:
        for number, button in enumerate(("Se connecter", "Accéder à mon espace")):
            png, dom = page(button)
            capture = Capture("caf", "ok", None, {}, [ViewportCapture(Viewport(), png, dom, "", 300, 300)])
            result = evaluate(store, target, capture, datetime(2026, 12, 1, 8 + number, tzinfo=UTC))
    assert result.alert and any(path.name == "composite.png" for path in result.images), result
    assert len(reads) == 2  # the baseline's screenshot and the capture's, read by the diff only
