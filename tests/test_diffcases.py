"""Every page pair under tests/diffcases/ gives the expected alert and the expected typed changes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from watcher.detect.changes import Change, is_alert
from watcher.detect.htmlio import read_html
from watcher.detect.skeleton import extract_skeleton
from watcher.detect.structural import diff_skeletons

CASES = Path(__file__).parent / "diffcases"
Signature = tuple[str, str, str | None, str | None]


def case_dirs() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "expected.yaml").is_file())


def signature(change: Change) -> Signature:
    return (change.kind.value, change.role, change.before.name if change.before else None,
            change.after.name if change.after else None)


def run_case(folder: Path) -> tuple[list[Change], dict]:
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    before = extract_skeleton(read_html(folder / "before.html"))
    after = extract_skeleton(read_html(folder / "after.html"))
    return diff_skeletons(before, after), expected


def test_the_set_is_large_and_mostly_noise() -> None:
    folders = case_dirs()
    noise = [f for f in folders if not run_case(f)[1]["changes"]]
    assert len(folders) >= 40
    assert len(noise) * 2 >= len(folders)


@pytest.mark.parametrize("folder", case_dirs(), ids=lambda p: p.name)
def test_diff_case(folder: Path) -> None:
    changes, expected = run_case(folder)
    got = Counter(signature(c) for c in changes if not c.noise)
    want = Counter((c["kind"], c["role"], c["before"], c["after"]) for c in expected["changes"])
    summaries = "\n".join(c.summary() for c in changes)
    assert got == want, summaries
    assert is_alert(changes) is expected["alert"], summaries
