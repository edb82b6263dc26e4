"""Precision and recall of the structural diff, against a naive text diff, on two corpora printed apart.

1. tests/diffcases/ (hand-made pairs). Alerts: a case is positive when expected.yaml says alert: true.
   Typed changes: the non-noise changes, compared as (kind, role, name before, name after).
2. tests/realpages/ (real pages, hand-labelled before any detector run): alerts as `watcher diff` gives
   them, per site and overall, then every pair where the detector and the label disagree.
The naive peer alerts whenever the visible text differs.
Run: .venv/bin/python bench/eval_structural.py
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import yaml

from watcher.detect.changes import is_alert
from watcher.detect.skeleton import extract_skeleton
from watcher.detect.structural import diff_skeletons

TESTS = Path(__file__).resolve().parent.parent / "tests"
CASES = TESTS / "diffcases"
sys.path.insert(0, str(TESTS))
from realpages_corpus import RealPair, detector_alert, load_pairs  # noqa: E402 - lives beside the tests


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: bool, actual: bool) -> None:
        self.tp += predicted and actual
        self.fp += predicted and not actual
        self.fn += actual and not predicted

    def line(self, label: str) -> str:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return f"{label:<28} precision {precision:6.1%}  recall {recall:6.1%}  (tp {self.tp}, fp {self.fp}, fn {self.fn})"


def visible_text(html: str) -> str:
    root = lxml.html.document_fromstring(html)
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    return " ".join(root.text_content().split())


def read_page(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def eval_realpages() -> None:
    """Alerts on the real-page corpus: per site, overall, the naive peer, and each disagreement."""
    pairs = load_pairs()
    by_site: dict[str, Score] = defaultdict(Score)
    overall, naive = Score(), Score()
    missing: list[RealPair] = []
    disagree: list[tuple[RealPair, bool, tuple[str, ...]]] = []
    for pair in pairs:
        pages = pair.pages()
        if pages is None:
            missing.append(pair)
            continue
        alert, changes = detector_alert(pair)
        by_site[pair.site].add(alert, pair.alert)
        overall.add(alert, pair.alert)
        naive.add(visible_text(read_page(pages[0])) != visible_text(read_page(pages[1])), pair.alert)
        if alert != pair.alert:
            disagree.append((pair, alert, changes))
    scored = len(pairs) - len(missing)
    positives = sum(p.alert for p in pairs if p.pages() is not None)
    print(f"\nreal pages: {scored} pairs from {len(by_site)} sites ({positives} alert, {scored - positives} noise)"
          + (f", {len(missing)} skipped (pages not on this machine)" if missing else ""))
    for site in sorted(by_site):
        print(by_site[site].line(f"  {site}"))
    print(overall.line("alerts (structural)"))
    print(naive.line("alerts (naive text diff)"))
    print(f"disagreements: {len(disagree)}")
    for pair, alert, changes in disagree:
        kind = "missed alert" if pair.alert else "false alert"
        print(f"  {pair.id}: {kind} (label {pair.alert}, detector {alert}): {pair.why}")
        if pair.known_disagreement:
            print(f"      known: {pair.known_disagreement}")
        for line in changes[:3]:
            print(f"      {line}")
        if len(changes) > 3:
            print(f"      ... {len(changes) - 3} more")


def main() -> None:
    alerts, typed, naive = Score(), Score(), Score()
    misses = []
    folders = sorted(p for p in CASES.iterdir() if (p / "expected.yaml").is_file())
    for folder in folders:
        expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
        before, after = ((folder / n).read_text(encoding="utf-8") for n in ("before.html", "after.html"))
        changes = diff_skeletons(extract_skeleton(before), extract_skeleton(after))
        alerts.add(is_alert(changes), expected["alert"])
        naive.add(visible_text(before) != visible_text(after), expected["alert"])
        got = Counter((c.kind.value, c.role, c.before and c.before.name, c.after and c.after.name)
                      for c in changes if not c.noise)
        want = Counter((c["kind"], c["role"], c["before"], c["after"]) for c in expected["changes"])
        typed.tp += sum((got & want).values())
        typed.fp += sum((got - want).values())
        typed.fn += sum((want - got).values())
        if got != want or is_alert(changes) != expected["alert"]:
            misses.append(folder.name)
    print(f"{len(folders)} cases")
    print(alerts.line("alerts (structural)"))
    print(typed.line("typed changes (structural)"))
    print(naive.line("alerts (naive text diff)"))
    print("cases with a difference: " + (", ".join(misses) or "none"))
    eval_realpages()


if __name__ == "__main__":
    main()
