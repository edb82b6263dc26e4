"""Precision and recall of the structural diff over tests/diffcases/, against a naive text diff.

Alerts: a case is positive when expected.yaml says alert: true. Typed changes: the non-noise changes,
compared as (kind, role, name before, name after). The naive peer alerts whenever the visible text differs.
Run: .venv/bin/python bench/eval_structural.py
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import yaml

from watcher.changes import is_alert
from watcher.skeleton import extract_skeleton
from watcher.structural import diff_skeletons

CASES = Path(__file__).resolve().parent.parent / "tests" / "diffcases"


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


if __name__ == "__main__":
    main()
