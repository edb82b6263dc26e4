"""One comparison for every caller: a check, its confirmation, `explain` and `watcher diff` on folders agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_service import PROCEDURE, URL, V1, V2
from watcher.capture.procedures import Found, ProcedureRun, StepResult
from watcher.cli.commands.check import run_check
from watcher.cli.commands.diff import run_diff
from watcher.cli.common import Paths
from watcher.config.targets import load_config
from watcher.detect.compare import StepUse, compare_snapshots
from watcher.detect.skeleton import extract_skeleton
from watcher.store.replay import ReplayCapturer, record_folder


def test_a_change_touching_a_procedure_step_is_breaking_and_says_so() -> None:
    use = StepUse("Se connecter", ("caf",), frozenset({("button", "Se connecter")}))
    plain = compare_snapshots(extract_skeleton(V1), extract_skeleton(V2))
    linked = compare_snapshots(extract_skeleton(V1), extract_skeleton(V2), [use])
    assert [(c.severity, c.rule) for c in plain] == [("major", "step")]
    assert [(c.severity, c.rule) for c in linked] == [("breaking", "procedure-step")]
    assert linked[0].to_json()["procedures"] == ["Se connecter"] and linked[0].to_json()["audiences"] == ["caf"]


def test_check_and_diff_on_its_folders_give_the_same_changes(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "targets.yaml"
    config.write_text(f"targets:\n  - id: page\n    name: Page\n    url: {URL}\n{PROCEDURE}", encoding="utf-8")
    procedure = load_config(config).targets[0].procedures[0]
    ok = ProcedureRun(procedure, "ok", start_url=URL,
                      steps=[StepResult(1, "click", "ok", URL, found=Found("button", "Se connecter"))])
    broken = ProcedureRun(procedure, "broken", start_url=URL,
                          steps=[StepResult(1, "click", "failed", URL, problem="missing")])
    v1, v2 = record_folder(tmp_path / "v1", V1, runs=[ok]), record_folder(tmp_path / "v2", V2, runs=[broken])
    paths = Paths(str(config), str(tmp_path / "snapshots"), None)
    run_check(paths, ["page"], "json", "fr", capturer=ReplayCapturer({"page": [v1]}))
    capsys.readouterr()
    assert run_check(paths, ["page"], "json", "fr", capturer=ReplayCapturer({"page": [v2]})) == 1
    checked = json.loads(capsys.readouterr().out)["targets"][0]
    before, after = sorted((tmp_path / "snapshots" / "page").iterdir())
    assert run_diff(paths, before, after, "json", "fr", "page") == 1
    diffed = json.loads(capsys.readouterr().out)
    keys = ("kind", "severity", "rule", "procedures")
    assert [{k: c.get(k) for k in keys} for c in diffed["changes"]] == \
        [{k: c.get(k) for k in keys} for c in checked["changes"]] == \
        [{"kind": "renamed", "severity": "breaking", "rule": "procedure-step", "procedures": ["Se connecter"]}]
