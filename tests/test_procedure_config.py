"""Procedures in targets.yaml: good ones parse into steps; bad ones give one line with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.config.targets import Step, load_config
from watcher.demo.runner import DEMO_TARGETS
from watcher.errors import ConfigError
from watcher.report.render import step_words
from watcher.store.report import StepFacts

ROOT = Path(__file__).resolve().parents[1]

GOOD = """\
targets:
  - id: caf
    name: CAF
    url: https://www.caf.fr/
  - id: demo
    name: Démo
    url: https://example.org/
    procedures:
      - name: Déclarer ses ressources
        audience: [rsa, caf]
        steps:
          - click: {role: link, name: Mon Compte}
          - fill: {label: Code postal, value: "75001"}
          - select: {label: Votre situation, option: En couple}
          - check: {label: J'atteste, exact: false}
          - expect: {role: heading, name: Vos ressources}
          - goto: /demande/etape1.html
          - wait: 1.5
"""
STEP3 = "          - expect: {role: heading, name: Vos ressources}\n"


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These cases read the English texts of the mistakes (`WATCHER_LANG=en`); French is the default."""
    monkeypatch.setenv("WATCHER_LANG", "en")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_procedure_steps_parse_into_typed_actions(tmp_path: Path) -> None:
    procedure = load_config(write(tmp_path, GOOD)).targets[1].procedures[0]
    assert procedure.slug == "declarer-ses-ressources" and procedure.audience == ["rsa", "caf"]
    assert [s.action for s in procedure.steps] == ["click", "fill", "select", "check", "expect", "goto", "wait"]
    assert procedure.steps[3].check is not None and procedure.steps[3].check.exact is False
    assert [step_text(s) for s in procedure.steps[:5]] == [
        "cliquer sur le lien « Mon Compte »", "remplir le champ « Code postal »",
        "choisir « En couple » dans la liste « Votre situation »", "cocher la case « J'atteste »",
        "voir le titre « Vos ressources »"]
    assert step_text(procedure.steps[0], "en") == "click the link “Mon Compte”"


@pytest.mark.parametrize("replacement, line, fragment", [
    ("          - {}\n", 16, "targets[1].procedures[0].steps[4]: a step needs exactly one of click, fill, "
                             "select, check, expect, goto, wait"),
    ("          - expect: {role: heading, name: X}\n            wait: 2\n", 16,
     "targets[1].procedures[0].steps[4]: a step needs exactly one of"),
    ("          - clic: {role: link, name: X}\n", 16, "targets[1].procedures[0].steps[4].clic: unknown field “clic”; did you mean “click”?"),
    ("          - expect: {role: lien, name: X}\n", 16, "steps[4].expect.role: unknown role “lien”"),
    ("          - expect: {role: heading}\n", 16, "steps[4].expect.name: required field is missing"),
    ("          - fill: {label: Mot de passe, value: x}\n", 16, "steps[4].fill.label: procedures never fill in"),
    ("          - fill: {label: Code secret, value: x}\n", 16, "procedures never fill in passwords"),
    ("          - goto: ftp://x\n", 16, "steps[4].goto: goto needs an http(s) address"),
    ("          - wait: 90\n", 16, "steps[4].wait:"),
    ("          - click: {role: button, name: Se connecter}\n", 17,
     "targets[1].procedures[0].steps[5]: no step may follow a login submit"),
    ("          - click: {role: button, name: Continuer, submits: peut-être}\n", 16, "steps[4].click.submits: true or false"),
    ("          - expect: {role: heading, name: X, submits: true}\n", 16,
     "steps[4].expect.submits: unknown field “submits”"),
    ("          - click:\n              role: button\n              name: Se connecter\n              submits: true\n",
     19, "targets[1].procedures[0].steps[4].click.submits: “submits: true” is refused on a login button"),
])
def test_bad_steps_name_file_line_and_field(tmp_path: Path, replacement: str, line: int, fragment: str) -> None:
    path = write(tmp_path, GOOD.replace(STEP3, replacement))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert fragment in message, message


def test_a_login_button_may_end_a_procedure(tmp_path: Path) -> None:
    text = GOOD.split("          - fill:")[0] + "          - click: {role: button, name: Se connecter}\n"
    assert load_config(write(tmp_path, text)).targets[1].procedures[0].steps[-1].is_login_submit


def test_submits_marks_a_click_that_moves_on_but_never_the_last_step(tmp_path: Path) -> None:
    marked = GOOD.replace("          - click: {role: link, name: Mon Compte}\n",
                          "          - click: {role: button, name: Continuer, submits: true}\n")
    steps = load_config(write(tmp_path, marked)).targets[1].procedures[0].steps
    assert steps[0].submits and steps[0].click is not None and steps[0].click.submits
    assert not any(step.submits for step in steps[1:])
    last = GOOD.split("          - fill:")[0] + "          - click: {role: button, name: Envoyer, submits: true}\n"
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, last))
    assert str(info.value).startswith(f"{tmp_path / 'targets.yaml'}:13: targets[1].procedures[0].steps[1]"
                                      ".click.submits: “submits: true” is refused on the last step")
    assert "\n" not in str(info.value)


def test_procedure_names_must_be_distinct(tmp_path: Path) -> None:
    text = GOOD + GOOD.split("    procedures:\n")[1]
    with pytest.raises(ConfigError, match="targets\\[1\\].procedures: procedure names must be distinct"):
        load_config(write(tmp_path, text))


def test_shipped_and_demo_procedures_are_valid(tmp_path: Path) -> None:
    shipped = load_config(ROOT / "targets.yaml")
    assert sum(len(t.procedures) for t in shipped.targets) >= 3
    demo = load_config(write(tmp_path, DEMO_TARGETS.format(base="http://127.0.0.1:1")))
    assert sum(len(t.procedures) for t in demo.targets) >= 2


def step_text(step: Step, lang: str = "fr") -> str:
    """A configured step in words, as the report renders it from its facts."""
    return step_words(StepFacts.of(step), lang)
