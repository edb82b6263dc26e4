"""The real-page corpus of tests/realpages/: hand-labelled pairs of consecutive versions of real pages.

Read by tests/test_realpages.py and bench/eval_structural.py. A pair is a folder
`<site>/<pair>/` holding label.json and, when the pages are on this machine, before.html and after.html
(see tests/realpages/README.md for the format and for why some pages live outside the repository).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from watcher.detect.compare import diff_paths

ROOT = Path(__file__).resolve().parent / "realpages"
# The shared folder sits beside the checkout (../shared), both on the machines and in CI.
SHARED = ROOT.parent.parent.parent / "shared" / "realpages"
REQUIRED = {"alert": bool, "why": str, "source": str, "site": str, "labelled": str}


@dataclass(frozen=True)
class RealPair:
    """One labelled pair: `site`/`name` name its folder; `alert` is the hand-written label."""

    site: str
    name: str
    alert: bool
    why: str
    source: str
    site_name: str
    known_disagreement: str | None

    @property
    def id(self) -> str:
        return f"{self.site}/{self.name}"

    def pages(self) -> tuple[Path, Path] | None:
        """(before.html, after.html) from the first place that has both, or None when no place has them.

        Places, in order: beside the label, $WATCHER_REALPAGES/<site>/<pair>/, ../shared/realpages/<site>/<pair>/.
        """
        places = [ROOT]
        if os.environ.get("WATCHER_REALPAGES"):
            places.append(Path(os.environ["WATCHER_REALPAGES"]))
        places.append(SHARED)
        for place in places:
            folder = place / self.site / self.name
            before, after = folder / "before.html", folder / "after.html"
            if before.is_file() and after.is_file():
                return before, after
        return None


def read_label(path: Path) -> RealPair:
    """The pair whose label.json is `path`; ValueError naming the file when a key is missing or mistyped."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    for key, kind in REQUIRED.items():
        if not isinstance(data.get(key), kind):
            raise ValueError(f"{path}: '{key}' must be a {kind.__name__}")
    if data["labelled"] != "before-detector":
        raise ValueError(f"{path}: 'labelled' must be 'before-detector'")
    known = data.get("known_disagreement")
    if known is not None and not isinstance(known, str):
        raise ValueError(f"{path}: 'known_disagreement' must be a string")
    return RealPair(site=path.parent.parent.name, name=path.parent.name, alert=data["alert"], why=data["why"],
                    source=data["source"], site_name=data["site"], known_disagreement=known)


def load_pairs(root: Path = ROOT) -> list[RealPair]:
    """Every labelled pair under `root`, sorted by site then pair name."""
    return [read_label(p) for p in sorted(root.glob("*/*/label.json"))]


@cache
def detector_alert(pair: RealPair) -> tuple[bool, tuple[str, ...]]:
    """What `watcher diff` says of the pair: its alert and one line per non-noise change.

    Raises FileNotFoundError when the pair's pages are on this machine nowhere.
    """
    pages = pair.pages()
    if pages is None:
        raise FileNotFoundError(f"{pair.id}: before.html/after.html not found")
    report = diff_paths(*pages)
    lines = tuple(f"{c.kind.value} {c.role} {c.before and c.before.name!r} -> {c.after and c.after.name!r}"
                  f" [{c.severity.value}]" for c in report.changes or [] if not c.noise)
    return report.alert, lines
