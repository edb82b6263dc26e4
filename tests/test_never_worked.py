"""A procedure that never worked as written is a configuration problem: coordinators hear of it, with the
nearest names the page has; mediators do not; « (déjà signalé) » only for what the outbox really sent."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tests.test_service import URL, V1, Setup, make_setup
from watcher.capture.procedures import Candidate, ProcedureRun, StepResult, nearest_candidate
from watcher.config.targets import Step, load_config
from watcher.detect.skeleton import extract_skeleton

TYPO = """    procedures:
      - name: Se connecter
        audience: [caf]
        steps:
          - click: {role: link, name: "Mon Espace"}
"""
PAGE = V1.replace("Mon Compte", "Mon espace")


def _setup(tmp_path: Path) -> tuple[Setup, Path]:
    setup = make_setup(tmp_path)
    setup.config.write_text(setup.config.read_text(encoding="utf-8") + TYPO, encoding="utf-8")
    coordinators = tmp_path / "coordination.txt"
    with (setup.notifiers / "channels.yaml").open("a", encoding="utf-8") as file:
        file.write(f"  coordination:\n    urls: ['watcherfile://{coordinators}']\n    coordinators: true\n")
    return setup, coordinators


def _broken_page(setup: Setup, name: str = "typo", html: str = PAGE) -> Path:
    procedure = load_config(setup.config).targets[0].procedures[0]
    broken = ProcedureRun(procedure, "broken", start_url=URL,
                          steps=[StepResult(1, "click", "failed", URL, problem="missing")],
                          candidate=Candidate("link", "Mon espace", None, 1.0))
    return setup.page(name, html, [broken])


def _rows(setup: Setup) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(setup.folder / "snapshots" / "index.sqlite3")) as con:
        return con.execute("SELECT kind, channel, title FROM outbox ORDER BY id").fetchall()


def test_a_procedure_failing_from_its_first_run_goes_to_coordinators_with_the_nearest_name(tmp_path: Path) -> None:
    setup, coordinators = _setup(tmp_path)
    service = setup.service()
    setup.pages.show("page", _broken_page(setup))
    first = service.run_check("page")
    assert first is not None and not first.alert
    told = coordinators.read_text(encoding="utf-8")
    assert "Démarche à corriger dans targets.yaml : « Page de test »" in told
    assert "« Se connecter » : étape 1 : « Mon Espace » introuvable ; le plus proche : « Mon espace »" in told
    assert not setup.inbox.is_file()  # mediators: nothing
    assert _rows(setup) == [("configuration", "coordination",
                             "Démarche à corriger dans targets.yaml : « Page de test »")]

    setup.clock.advance(600)
    service.run_check("page")  # the same mistake again: told once
    assert len(_rows(setup)) == 1
    assert "déjà signalé" not in told
    service.close()


def test_a_page_change_does_not_turn_a_never_working_procedure_into_an_alert(tmp_path: Path) -> None:
    setup, _coordinators = _setup(tmp_path)
    service = setup.service()
    setup.pages.show("page", _broken_page(setup))
    service.run_check("page")
    setup.clock.advance(600)
    setup.pages.show("page", _broken_page(setup, "v2", PAGE.replace("Se connecter", "Accéder à mon espace")))
    held = service.run_check("page")
    assert held is not None
    facts = held.report().procedures
    assert facts and facts[0].never_worked and not facts[0].new
    setup.clock.advance(600)
    if held.check_id is not None:
        service.run_confirmation("page", held.check_id)
    text = setup.inbox.read_text(encoding="utf-8") if setup.inbox.is_file() else ""
    assert "« Accéder à mon espace »" in text  # the page's own change is told
    assert "Démarche bloquée" not in text and "Se connecter » ne passe plus" not in text
    assert "déjà signalé" not in text
    service.close()


def test_the_nearest_name_ignores_case_and_accents() -> None:
    page = extract_skeleton('<html><body><nav><a href="/e">Mon espace</a> <a href="/d">Démarches</a>'
                            '<a href="/x">Contact</a></nav></body></html>')
    for wanted, found in (("Mon Espace", "Mon espace"), ("Demarches", "Démarches")):
        step = Step.model_validate({"click": {"role": "link", "name": wanted}})
        candidate = nearest_candidate(step, None, None, URL, page)
        assert candidate is not None and candidate.name == found


def test_numbers_read_french() -> None:
    from watcher.i18n.numbers import decimal, percent
    from watcher.i18n.texts import t

    assert percent(0.002, "fr") == "0,2\u202f%" and percent(0.002, "en") == "0.2%"
    assert decimal(1.5, "fr") == "1,5" and decimal(1.5, "en") == "1.5"
    assert t("visual", "fr", ratio=0.017, regions=2).startswith("1,7\u202f% de la page")


def test_stats_count_a_blocked_procedure_first(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from watcher.cli.commands.coordinator import target_stats
    from watcher.store.snapshots import Store

    blocked = {"name": "Se connecter", "status": "broken", "broken_step": 1, "new": True}
    with Store(tmp_path / "snapshots") as store:
        store.record_check("page", datetime(2026, 3, 2, tzinfo=UTC), "changed", alert=True,
                           report={"changes": [], "procedures": [blocked]})
        store.record_check("page", datetime(2026, 3, 3, tzinfo=UTC), "changed", alert=True,
                           report={"changes": [], "procedures": [dict(blocked, never_worked=True)]})
        row = target_stats(store, ["page"])[0]
    assert list(row["by_severity"]) == ["breaking", "major", "minor", "info"]
    assert row["by_severity"]["breaking"] == 1


def test_an_ignore_rule_never_hides_a_form_or_a_step() -> None:
    from watcher.detect.tuning import safe_to_ignore

    dom = ('<html><body><main><form class="connexion"><label>Nom <input name="n"></label>'
           '<button>Se connecter</button></form><ul class="actus"><li><a href="/a">Actu</a></li></ul>'
           '<div class="bloc"><a href="/compte">Mon compte</a></div></main></body></html>')
    assert not safe_to_ignore(dom, "form")
    assert not safe_to_ignore(dom, "main > *")  # holds a form
    assert not safe_to_ignore(dom, "div.bloc", [("link", "Mon compte")])  # a procedure's step
    assert safe_to_ignore(dom, "ul.actus", [("link", "Mon compte")])
