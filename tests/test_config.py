"""targets.yaml: a good file loads; every bad one gives exactly one line naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_watcher
from watcher.config.targets import (
    MEMORY_PER_CHECK,
    Settings,
    load_config,
    machine_concurrency,
    parse_schedule,
)
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
    ("targets:\n  - id: caf\n    name: [CAF\n", 4, "erreur de syntaxe YAML"),
    (GOOD.replace("    tags: [caf]\n", "    tags: [caf]\n    colour: blue\n"), 6, "targets[0].colour: clé inconnue"),
    (GOOD.replace("tags: [caf]", "tags: caf"), 5, "targets[0].tags: une liste est attendue"),
    (GOOD.replace("id: ants", "id: ../x"), 7, "targets[1].id: identifiant invalide"),
    (GOOD.replace("id: ants", "id: a/b"), 7, "targets[1].id: identifiant invalide"),
    (GOOD.replace("id: ants", 'id: ""'), 7, "targets[1].id: identifiant invalide"),
    (GOOD.replace('"0 7 * * 1-5"', '"0 7 * *"'), 6, "targets[0].schedule: calendrier invalide"),
    (GOOD.replace('"0 7 * * 1-5"', '"0 25 * * *"'), 6, "targets[0].schedule: calendrier cron invalide"),
    (GOOD.replace("every 6h", "every 6 weeks"), 10, "targets[1].schedule: intervalle invalide"),
    (GOOD.replace("id: ants", "id: caf"), 7, "targets[1].id: identifiant « caf » déjà utilisé"),
    (GOOD.replace("https://ants.gouv.fr/", "ftp://ants.gouv.fr/"), 9, "targets[1].url: l'adresse doit commencer"),
    (GOOD.replace("    name: ANTS\n", ""), 7, "targets[1].name: champ obligatoire manquant"),
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


FIVE_MISTAKES = """\
targets:
  - id: caf
    name: CAF
    url: www.caf.fr/aides
    tag: [caf]
    shedule: "0 7 * * 1-5"
    min_severity: majeur
    ignore: ["div["]
    procedures:
      - name: Se connecter
        steps:
          - click: {role: buton, name: "Mon compte"}
"""


def test_five_mistakes_give_five_french_lines_with_lines_and_suggestions(tmp_path: Path) -> None:
    path = write(tmp_path, FIVE_MISTAKES)
    result = run_watcher("validate", path)
    assert result.code == 2 and "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert lines == [
        f"{path}:4: targets[0].url: l'adresse doit commencer par http:// ou https:// (ici : « www.caf.fr/aides ») ; "
        "vouliez-vous dire « https://www.caf.fr/aides » ?",
        f"{path}:5: targets[0].tag: clé inconnue « tag » ; vouliez-vous dire « tags » ?",
        f"{path}:6: targets[0].shedule: clé inconnue « shedule » ; vouliez-vous dire « schedule » ?",
        f"{path}:7: targets[0].min_severity: valeur inconnue « majeur » (valeurs possibles : info, minor, major, "
        "breaking) ; vouliez-vous dire « major » ?",
        f"{path}:8: targets[0].ignore[0]: sélecteur CSS invalide « div[ » (il s'arrête trop tôt : une parenthèse, "
        "un crochet ou un nom manque)",
        f"{path}:12: targets[0].procedures[0].steps[0].click.role: rôle inconnu « buton » (rôles ARIA : link, "
        "button, textbox, heading…) ; vouliez-vous dire « button » ?",
    ]
    english = run_watcher("validate", path, "--lang", "en")
    assert english.code == 2
    assert f"{path}:6: targets[0].shedule: unknown field “shedule”; did you mean “schedule”?" in english.err
    assert "clé" not in english.err and "Input should" not in english.err


@pytest.mark.parametrize("text, fragment", [
    ("targets: 3\n", "targets: une liste est attendue, par exemple [a, b] (ici : 3)"),
    ("targets:\n", "targets: une liste est attendue, par exemple [a, b] (ici : rien)"),
    ("- a\n", ": un bloc de clés est attendu"),
    ("settings: {concurrency: beaucoup}\ntargets: []\n", "settings.concurrency: un nombre entier est attendu "
                                                           "(ici : « beaucoup »)"),
    ("settings: {concurrency: 0}\ntargets: []\n", "settings.concurrency: doit valoir au moins 1 (ici : 0)"),
    ("targets:\n  - {id: a, name: A, url: 'https://a.fr/', tags: [1]}\n", "targets[0].tags[0]: du texte est attendu"),
    ("targets:\n  - {id: a, name: A, url: 'https://a.fr/', mask: ['a >> ']}\n", "sélecteur invalide"),
    ("targets:\n  - {id: a, name: A, url: 'https://a.fr/', mask: ['a:hovr']}\n", "sélecteur CSS invalide"),
    ("targets:\n  - {id: a, name: A, url: 'https://a.fr/', ignore: ['a:hover']}\n", "non pris en charge par ignore"),
])
def test_pydantic_messages_are_translated(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert fragment in str(info.value)
    assert "Input should" not in str(info.value) and "Value error" not in str(info.value)


def test_playwright_selectors_are_accepted_in_mask_and_wait_for(tmp_path: Path) -> None:
    text = ("targets:\n  - {id: a, name: A, url: 'https://a.fr/', wait_for: 'main h1:visible',\n"
            "     mask: ['#horloge', 'div.carrousel:has-text(\"Actualités\")', 'text=Publicité']}\n")
    assert load_config(write(tmp_path, text)).targets[0].mask[0] == "#horloge"


def test_many_mistakes_are_capped(tmp_path: Path) -> None:
    targets = "".join(f"  - {{id: p{n}, name: P, url: 'https://a.fr/{n}', colour: x}}\n" for n in range(25))
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "targets:\n" + targets))
    lines = str(info.value).splitlines()
    assert len(lines) == 21 and lines[-1].startswith("… et 5 autre(s) erreur(s)")


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = write(tmp_path, "")
    result = run_watcher("validate", empty)
    assert result.code == 2 and "vide" in result.err and "watcher init" in result.err
    assert len(result.err.splitlines()) == 1
    for command in (["check"], ["validate"], ["history", "x"], ["run"], ["tune", "x"], ["explain", "1"]):
        result = run_watcher(*command, "--config", tmp_path / "nope" / "targets.yaml")
        assert result.code == 2, (command, result.err)
        assert "watcher init" in result.err and len(result.err.splitlines()) == 1, (command, result.err)
        assert "Traceback" not in result.err


def test_schedule_forms() -> None:
    assert parse_schedule("every 6h") == ("interval", 21600)
    assert parse_schedule("every 30m") == ("interval", 1800)
    assert parse_schedule("0 7 * * 1-5") == ("cron", "0 7 * * 1-5")
    with pytest.raises(ValueError):
        parse_schedule("every 0s")


@pytest.mark.parametrize("text, line, words", [
    ("targets:\n  - id: caf\n    name: a: b\n", 3, "un « : » de trop"),
    ("targets:\n  - id: caf\n\tname: x\n", 3, "indentez avec des espaces"),
    ("targets:\n  - id: caf\n    name: x\n   url: y\n", 4, "indentation incorrecte"),
    ("targets:\n  - id: a\n    id: b\n", 3, "la même clé apparaît deux fois"),
    ("targets:\n  - id: \"caf\n", 3, "n'est pas fermé"),
])
def test_usual_yaml_slips_are_explained_in_french(tmp_path: Path, text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert str(info.value).startswith(f"{write(tmp_path, text)}:{line}: erreur de syntaxe YAML : ")
    assert words in str(info.value)


def test_a_huge_value_is_quoted_back_short_on_one_line(tmp_path: Path) -> None:
    """A 5 MB file of one word gives one short line, not the whole file echoed back."""
    path = write(tmp_path, "x" * 5_000_000 + "\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = err.value.render("fr") if hasattr(err.value, "render") else str(err.value)
    assert "\n" not in text.strip() and len(text) < 400 and "…" in text


def test_a_binary_file_is_named_plainly(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_bytes(b"targets:\n\xff\xfe\x00\x81 binaire")
    result = run_watcher("validate", str(path))
    assert result.code == 2 and "Traceback" not in result.err
    assert "pas un fichier texte UTF-8" in result.err and "UnicodeDecodeError" not in result.err


def test_concurrency_given_is_kept_and_absent_is_sized_from_the_machine(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(concurrency=3).workers == 3
    assert 1 <= Settings().workers <= 16
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: set(range(8)))
    meminfo, cpu_max = tmp_path / "meminfo", tmp_path / "cpu.max"
    meminfo.write_text(f"MemTotal: 99999999 kB\nMemAvailable: {20 * MEMORY_PER_CHECK // 1024} kB\n")
    assert machine_concurrency(meminfo, cpu_max) == 8  # one per CPU (no cgroup quota file)
    cpu_max.write_text("300000 100000\n")  # a container allowed three CPUs
    assert machine_concurrency(meminfo, cpu_max) == 3
    meminfo.write_text(f"MemAvailable: {2 * MEMORY_PER_CHECK // 1024 + 5} kB\n")  # memory for two checks
    assert machine_concurrency(meminfo, cpu_max) == 2
    meminfo.write_text("MemAvailable: 1000 kB\n")
    assert machine_concurrency(meminfo, tmp_path / "absent") == 1
