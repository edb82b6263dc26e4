"""After a check: the one policy (pure) and `watcher check --confirm` following it, without a browser."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.test_service import URL, V1, V2
from watcher.cli.commands.check import run_check
from watcher.cli.common import Paths
from watcher.config.targets import Target
from watcher.service import policy
from watcher.service.check import CheckResult
from watcher.store.replay import ReplayCapturer, record_folder

TARGET = Target(id="page", name="Page", url=URL)


def result(status: str, alert: bool = False, check_id: int | None = 7) -> CheckResult:
    return CheckResult(TARGET, datetime(2026, 3, 2, tzinfo=UTC), status, alert=alert, check_id=check_id)


def kinds(actions: list[policy.Action]) -> list[str]:
    return [type(a).__name__ for a in actions]


def test_a_change_is_held_with_confirmation_and_alerts_at_once_without() -> None:
    changed = result("changed", alert=True)
    held = policy.after_check(changed, policy.PolicyState(confirm=True))
    assert kinds(held) == ["ResetRetries", "RebuildChangelog", "TellCoordinators", "SetConfirmation", "Hold"]
    assert policy.SetConfirmation(7, policy.PENDING, alert=False) in held
    assert kinds(policy.after_check(changed, policy.PolicyState()))[-1] == "Alert"


def test_an_unreachable_page_is_retried_and_prunes_nothing() -> None:
    actions = policy.after_check(result("unreachable"), policy.PolicyState(confirm=True, prune=True))
    assert kinds(actions) == ["RetryLater", "TellCoordinators"]


@pytest.mark.parametrize(("recheck", "reverted", "expected", "state"), [
    (result("unreachable", check_id=None), False, ["RecheckLater"], None),
    (result("degraded", check_id=9), False, ["RecheckLater"], None),
    (result("unchanged", check_id=9), False, ["SetConfirmation", "Release", "RebuildChangelog"], policy.CONFIRMED),
    (result("changed", alert=True, check_id=9), True, ["SetConfirmation", "SetConfirmation", "Withdraw"],
     policy.REVERTED),
    (result("changed", alert=True, check_id=9), False, ["SetConfirmation", "Withdraw", "SetConfirmation", "Hold"],
     policy.SUPERSEDED),
])
def test_a_recheck_settles_the_held_change(recheck: CheckResult, reverted: bool, expected: list[str],
                                           state: str | None) -> None:
    actions = policy.after_check(recheck, policy.PolicyState(confirm=True, pending=7, reverted=reverted))
    assert kinds(actions)[-len(expected):] == expected
    assert policy.settled(actions, 7) == state
    assert "Alert" not in kinds(actions)  # a re-check never alerts by itself: it releases or holds


def _index(folder: Path) -> list[tuple[str, int, str | None]]:
    with closing(sqlite3.connect(folder / "snapshots" / "index.sqlite3")) as con:
        return con.execute("SELECT status, alert, confirmation FROM checks ORDER BY id").fetchall()


def test_check_confirm_holds_a_superseded_change_as_the_service_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A page that changed again before the confirming re-check does not alert at once: its new change waits
    for its own confirmation (here the page went back to the first change, so nothing alerts)."""
    config = tmp_path / "targets.yaml"
    config.write_text(f"targets:\n  - id: page\n    name: Page\n    url: {URL}\n", encoding="utf-8")
    paths = Paths(str(config), str(tmp_path / "snapshots"), None)
    pages = {name: record_folder(tmp_path / name, html) for name, html in
             (("v1", V1), ("v2", V2), ("v3", V2.replace("Aide", "Besoin d'aide ?")))}
    assert run_check(paths, ["page"], "json", "fr", capturer=ReplayCapturer({"page": [pages["v1"]]})) == 0
    # seen: v2 (held), re-check 1: v3 (supersedes v2), re-check 2: v2 again (v3's change reverted)
    replay = ReplayCapturer({"page": [pages["v2"], pages["v3"], pages["v2"]]})
    capsys.readouterr()
    assert run_check(paths, ["page"], "json", "fr", confirm_delay=0, capturer=replay) == 0
    assert json.loads(capsys.readouterr().out)["targets"][0]["alert"] is False
    assert [row[2] for row in _index(tmp_path)] == [None, "superseded", "reverted", "reverted"]
    assert not any(row[1] for row in _index(tmp_path))


def test_check_confirm_alerts_a_change_that_stays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "targets.yaml"
    config.write_text(f"targets:\n  - id: page\n    name: Page\n    url: {URL}\n", encoding="utf-8")
    paths = Paths(str(config), str(tmp_path / "snapshots"), None)
    v1, v2 = record_folder(tmp_path / "v1", V1), record_folder(tmp_path / "v2", V2)
    run_check(paths, ["page"], "json", "fr", capturer=ReplayCapturer({"page": [v1]}))
    assert run_check(paths, ["page"], "json", "fr", confirm_delay=0, capturer=ReplayCapturer({"page": [v2]})) == 1
    assert _index(tmp_path)[1:] == [("changed", 1, "confirmed"), ("unchanged", 0, None)]
