"""The before/after picture outlines where the interface changed, not the noise next to it."""

from __future__ import annotations

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
