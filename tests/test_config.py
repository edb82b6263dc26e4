"""targets.yaml: a good file loads; every bad one gives exactly one line naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_watcher
from watcher.config import load_config, parse_schedule
from watcher.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

GOOD = """\
targets:
  - id: caf
    name: CAF
    url: https://www.caf.fr/
    tags: [caf]
    schedule: "0 7 * * 1-5"
  - id: ants
    name: ANTS
    url: https://ants.gouv.fr/
    schedule: every 6h
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_targets_file_is_valid() -> None:
    config = load_config(ROOT / "targets.yaml")
    assert len(config.targets) >= 8
    ids = {t.id for t in config.targets}
    assert {"caf-accueil", "impots-accueil", "ants-permis", "france-travail", "ameli", "service-public",
            "yeps", "aptic-pass-numerique"} <= ids


def test_good_file_parses_into_models(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert [t.id for t in config.targets] == ["caf", "ants"]
    assert config.targets[1].schedule == "every 6h"
    assert config.targets[0].viewports[0].width == 1280


@pytest.mark.parametrize("text, line, fragment", [
    ("targets:\n  - id: caf\n    name: [CAF\n", 4, "YAML syntax error"),
    (GOOD.replace("    tags: [caf]\n", "    tags: [caf]\n    colour: blue\n"), 6, "targets[0].colour: unknown field"),
    (GOOD.replace("tags: [caf]", "tags: caf"), 5, "targets[0].tags:"),
    (GOOD.replace("id: ants", "id: ../x"), 7, "targets[1].id: unsafe id"),
    (GOOD.replace("id: ants", "id: a/b"), 7, "targets[1].id: unsafe id"),
    (GOOD.replace("id: ants", 'id: ""'), 7, "targets[1].id: unsafe id"),
    (GOOD.replace('"0 7 * * 1-5"', '"0 7 * *"'), 6, "targets[0].schedule: invalid cron expression"),
    (GOOD.replace('"0 7 * * 1-5"', '"0 25 * * *"'), 6, "targets[0].schedule: invalid cron expression"),
    (GOOD.replace("every 6h", "every 6 weeks"), 10, "targets[1].schedule: invalid interval"),
    (GOOD.replace("id: ants", "id: caf"), 7, "targets[1].id: duplicate id 'caf'"),
    (GOOD.replace("https://ants.gouv.fr/", "ftp://ants.gouv.fr/"), 9, "targets[1].url: url must start with http"),
    (GOOD.replace("    name: ANTS\n", ""), 7, "targets[1].name: required field is missing"),
])
def test_bad_file_gives_one_line_with_file_line_and_field(tmp_path: Path, text: str, line: int,
                                                           fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == line, str(info.value)
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}:")
    result = run_watcher("validate", path)
    assert result.code == 2
    assert result.err.strip() == str(info.value)
    assert len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = write(tmp_path, "")
    result = run_watcher("validate", empty)
    assert result.code == 2 and "empty" in result.err and len(result.err.splitlines()) == 1
    result = run_watcher("check", "--config", tmp_path / "nope.yaml")
    assert result.code == 2 and "not found" in result.err and len(result.err.splitlines()) == 1


def test_schedule_forms() -> None:
    assert parse_schedule("every 6h") == ("interval", 21600)
    assert parse_schedule("every 30m") == ("interval", 1800)
    assert parse_schedule("0 7 * * 1-5") == ("cron", "0 7 * * 1-5")
    with pytest.raises(ValueError):
        parse_schedule("every 0s")
