"""The service's decisions without a browser: recorded pages (ReplayCapturer) and a clock the test moves.

Confirmation before alerting, reverts, downtime and retries, alerts held in the outbox across a restart, and the
severity of an alert sent after a restart. The real process (lock, signals, kill -9) is in test_service_process.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from watcher.capture.procedures import Found, ProcedureRun, StepResult
from watcher.cli.tables import outbox_table
from watcher.config.targets import load_config
from watcher.service.scheduler import Service, ServiceOptions
from watcher.store.replay import ReplayCapturer, record_folder

URL = "http://127.0.0.1:9/"  # never loaded: pages come from recorded folders
V1 = """<html lang="fr"><body><header><nav aria-label="Menu"><a href="/compte">Mon Compte</a>
<a href="/aide">Aide</a></nav></header><main><h1>Accueil</h1><p>Numéro du jour : 1</p>
<button>Se connecter</button></main></body></html>"""
V2 = V1.replace("Se connecter", "Accéder à mon espace")
PROCEDURE = """    procedures:
      - name: Se connecter
        audience: [caf]
        steps:
          - click: {role: button, name: "Se connecter"}
"""


class Clock:
    """UTC time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Setup:
    folder: Path
    config: Path
    notifiers: Path
    inbox: Path  # what the mediators' channel received (watcherfile://)
    clock: Clock
    pages: ReplayCapturer

    def service(self, confirm_delay: float = 600) -> Service:
        return Service(self.config, self.folder / "snapshots",
                       ServiceOptions(confirm_delay=confirm_delay, notifiers=self.notifiers, jitter=0),
                       capturer=self.pages, clock=self.clock)

    def page(self, name: str, html: str, runs: list[ProcedureRun] | None = None) -> Path:
        return record_folder(self.folder / "pages" / name, html, runs=runs or [])


def make_setup(folder: Path, *, procedure: bool = False, min_severity: str = "major") -> Setup:
    config = folder / "targets.yaml"
    config.write_text(f"""targets:
  - id: page
    name: Page de test
    url: {URL}
    schedule: every 10m
{PROCEDURE if procedure else ""}""", encoding="utf-8")
    notifiers = folder / "notifiers"
    notifiers.mkdir()
    inbox = folder / "recu.txt"
    (notifiers / "channels.yaml").write_text(
        f"channels:\n  mediateurs:\n    urls: ['watcherfile://{inbox}']\n    min_severity: {min_severity}\n",
        encoding="utf-8")
    return Setup(folder, config, notifiers, inbox, Clock(), ReplayCapturer())


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    yield make_setup(tmp_path)


def checks(setup: Setup) -> list[tuple[str, int, str | None]]:
    with closing(sqlite3.connect(setup.folder / "snapshots" / "index.sqlite3")) as con:
        return con.execute("SELECT status, alert, confirmation FROM checks ORDER BY id").fetchall()


def outbox(setup: Setup) -> list[str]:
    with closing(sqlite3.connect(setup.folder / "snapshots" / "index.sqlite3")) as con:
        return [row[0] for row in con.execute("SELECT status FROM outbox WHERE kind = 'alert' ORDER BY id")]


def received(setup: Setup) -> str:
    return setup.inbox.read_text(encoding="utf-8") if setup.inbox.is_file() else ""


def job_time(service: Service, job_id: str) -> datetime | None:
    jobs = [job for job in service.scheduler.get_jobs() if job.id == job_id]
    return jobs[-1].trigger.run_date if jobs else None


def test_a_change_alerts_once_after_its_confirming_recheck(setup: Setup) -> None:
    service = setup.service()
    setup.pages.show("page", setup.page("v1", V1))
    assert service.run_check("page") is not None
    setup.clock.advance(600)
    setup.pages.show("page", setup.page("v2", V2))
    held = service.run_check("page")
    assert held is not None and held.alert and held.check_id is not None
    assert checks(setup)[-1] == ("changed", 0, "pending")
    assert outbox(setup) == ["confirming"] and received(setup) == ""  # waits in the outbox, not in memory
    assert "en attente de confirmation" in outbox_table(service.outbox.entries(), "fr")  # `watcher outbox`
    assert job_time(service, "confirm:page") == setup.clock.now + timedelta(seconds=600)

    setup.clock.advance(600)
    service.run_confirmation("page", held.check_id)
    assert checks(setup)[1] == ("changed", 1, "confirmed")
    assert outbox(setup) == ["sent"]
    assert received(setup).count("« Se connecter »") >= 1

    setup.clock.advance(600)
    service.run_check("page")  # the same page again: nothing new to say
    assert outbox(setup) == ["sent"] and checks(setup)[-1][0] == "unchanged"
    service.close()


def test_a_flapping_change_is_recorded_never_alerted(setup: Setup) -> None:
    service = setup.service()
    setup.pages.show("page", setup.page("v1", V1))
    service.run_check("page")
    setup.clock.advance(60)
    setup.pages.show("page", setup.page("v2", V2))
    held = service.run_check("page")
    assert held is not None and held.check_id is not None
    setup.clock.advance(600)
    setup.pages.show("page", setup.page("v1", V1))  # back as it was before the confirming re-check
    service.run_confirmation("page", held.check_id)
    assert [c[2] for c in checks(setup)] == [None, "reverted", "reverted"]
    assert not any(c[1] for c in checks(setup))
    assert outbox(setup) == [] and received(setup) == ""
    service.close()


def test_a_change_superseded_before_its_confirmation_waits_for_its_own(setup: Setup) -> None:
    service = setup.service()
    setup.pages.show("page", setup.page("v1", V1))
    service.run_check("page")
    setup.clock.advance(60)
    setup.pages.show("page", setup.page("v2", V2))
    first = service.run_check("page")
    assert first is not None and first.check_id is not None
    setup.clock.advance(600)
    setup.pages.show("page", setup.page("v3", V2.replace("Aide", "Besoin d'aide ?")))
    service.run_confirmation("page", first.check_id)
    assert [c[2] for c in checks(setup)] == [None, "superseded", "pending"]
    assert outbox(setup) == ["confirming"] and received(setup) == ""  # the first alert withdrawn, the new one held


def test_a_confirmed_alert_for_a_digest_channel_waits_for_the_digest(tmp_path: Path) -> None:
    setup = make_setup(tmp_path)
    (setup.notifiers / "channels.yaml").write_text(
        f"digest_hour: 18\nchannels:\n  soir:\n    urls: ['watcherfile://{setup.inbox}']\n    mode: digest\n",
        encoding="utf-8")
    service = setup.service()
    setup.pages.show("page", setup.page("v1", V1))
    service.run_check("page")
    setup.clock.advance(60)
    setup.pages.show("page", setup.page("v2", V2))
    held = service.run_check("page")
    assert held is not None and held.check_id is not None and outbox(setup) == ["confirming"]
    setup.clock.advance(600)
    service.run_confirmation("page", held.check_id)
    assert outbox(setup) == ["held"] and received(setup) == ""  # in the 18:00 digest, not before
    setup.clock.now = datetime(2026, 3, 2, 17, 0, 1, tzinfo=UTC)  # 18:00:01 in Paris
    service.notifier.send_due()
    assert outbox(setup) == ["digested"] and "Page de test" in received(setup)
    service.close()


def test_downtime_is_retried_never_an_alert_nor_a_baseline(setup: Setup) -> None:
    service = setup.service(confirm_delay=120)
    setup.pages.show("page", setup.page("v1", V1))
    service.run_check("page")
    setup.clock.advance(600)
    setup.pages.show("page", "net::ERR_CONNECTION_REFUSED")
    down = service.run_check("page")
    assert down is not None and down.status == "unreachable"
    retry = job_time(service, "retry:page")
    assert retry is not None and timedelta(seconds=48) <= retry - setup.clock.now <= timedelta(seconds=72)
    setup.clock.advance(60)
    setup.pages.show("page", setup.page("v1", V1))
    back = service.run_check("page")
    assert back is not None and back.status == "unchanged" and back.baseline == setup.folder / "snapshots" / "page" \
        / back.baseline.name  # compared with the page before the outage
    assert not any(c[1] for c in checks(setup)) and outbox(setup) == []
    assert service.retries == {}
    service.close()


def test_a_held_alert_survives_a_restart_and_is_sent_once(setup: Setup) -> None:
    first = setup.service()
    setup.pages.show("page", setup.page("v1", V1))
    first.run_check("page")
    setup.clock.advance(60)
    setup.pages.show("page", setup.page("v2", V2))
    held = first.run_check("page")
    assert held is not None and held.check_id is not None
    first.close()  # the service stops (or is killed) while the alert waits

    again = setup.service()
    again.run_confirmation("page", held.check_id)
    assert outbox(setup) == ["sent"]
    assert received(setup).count("Page de test") >= 1
    again.close()


def _procedure_pages(setup: Setup) -> tuple[Path, Path]:
    """v1 where the procedure works (its step uses « Se connecter »), v2 where that button was renamed."""
    procedure = load_config(setup.config).targets[0].procedures[0]
    ok = ProcedureRun(procedure, "ok", start_url=URL,
                      steps=[StepResult(1, "click", "ok", URL, found=Found("button", "Se connecter"))])
    broken = ProcedureRun(procedure, "broken", start_url=URL,
                          steps=[StepResult(1, "click", "failed", URL, problem="missing")])
    return setup.page("v1", V1, [ok]), setup.page("v2", V2, [broken])


@pytest.mark.parametrize("held_in", ["outbox", "memory"])
def test_an_alert_sent_after_a_restart_keeps_its_procedure_severity(tmp_path: Path, held_in: str) -> None:
    """A change touching a procedure step is breaking, so a `min_severity: breaking` channel gets it, also when
    the alert goes out after a restart, and also when it was held by a version that kept it in memory (the
    alert is then rebuilt from the snapshots, with the same comparison)."""
    setup = make_setup(tmp_path, procedure=True, min_severity="breaking")
    v1, v2 = _procedure_pages(setup)
    first = setup.service()
    setup.pages.show("page", v1)
    first.run_check("page")
    setup.clock.advance(60)
    setup.pages.show("page", v2)
    held = first.run_check("page")
    assert held is not None and held.check_id is not None
    assert [c.severity for c in held.changes if c.kind == "renamed"] == ["breaking"]
    if held_in == "memory":
        first.outbox.withdraw(held.check_id)  # what an older version left: a pending check, nothing in the outbox
    first.close()

    again = setup.service()
    setup.clock.advance(600)
    again.run_confirmation("page", held.check_id)
    assert checks(setup)[1] == ("changed", 1, "confirmed")
    assert outbox(setup) == ["sent"], outbox(setup)
    assert "Se connecter" in received(setup)
    again.close()


def test_reload_keeps_the_old_configuration_when_the_new_one_is_broken(setup: Setup) -> None:
    service = setup.service()
    setup.config.write_text(setup.config.read_text() + "  - id: autre\n    name: Autre\n    url: " + URL
                            + "autre\n    schedule: every 1h\n", encoding="utf-8")
    assert service.reload_config() and [t.id for t in service.config.targets] == ["page", "autre"]
    setup.config.write_text("targets: [oops", encoding="utf-8")
    assert not service.reload_config() and [t.id for t in service.config.targets] == ["page", "autre"]
    service.close()
