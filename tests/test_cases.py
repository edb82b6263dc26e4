"""The fault-kind cases (tests/cases, copied from the team's shared cases): one small input per kind of fault.

Each folder is judged by its own `run.py` exactly as the shared runner judges it: pair cases through
`watcher diff before.html after.html --format json`, live cases through their `run.sh` (local servers on
127.0.0.1, `watcher check` between version switches, a real Chromium). The expectation is the folder's
`expect.json`; a case stands for its whole kind, and the general mechanisms are tested elsewhere with other pages.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

# each case is bounded by its runner's own timeouts (150 s a command, 300 s the whole); pytest-timeout's 120 s
# cut the live cases short at load 15-20 with the suite on two workers
pytestmark = pytest.mark.timeout(330)

CASES = Path(__file__).parent / "cases"
WATCHER = f"{shlex.quote(sys.executable)} -m watcher"


def _case_names(live: bool) -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if p.is_dir() and (p / "run.sh").exists() == live)


def _run_case(name: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(CASES / "run.py"), "--watcher", WATCHER, "--timeout", "150",
         "--keep-out", str(tmp_path), name],
        capture_output=True, text=True, timeout=300,
    )
    verdict = proc.stdout.strip().splitlines()
    assert proc.returncode == 0, "\n".join(verdict) + proc.stderr[-2000:]
    assert verdict[-1] == "cases: 1/1 passed"


@pytest.mark.parametrize("name", _case_names(live=False))
def test_pair_case(name: str, tmp_path: Path) -> None:
    _run_case(name, tmp_path)


@pytest.mark.browser
@pytest.mark.parametrize("name", _case_names(live=True))
def test_live_case(name: str, tmp_path: Path) -> None:
    _run_case(name, tmp_path)
