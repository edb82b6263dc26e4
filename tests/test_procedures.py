"""Procedures replayed in a real Chromium against local pages: which step broke, and what is there now."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import Browser

from tests.conftest import LocalSite
from watcher.capture import procedures
from watcher.capture.browser import launch_browser
from watcher.capture.procedures import (
    ProcedureRun,
    RunRecord,
    diagnose,
    link_changes,
    procedure_files,
    replay,
)
from watcher.config.targets import Procedure, Settings, Target
from watcher.detect.structural import diff_skeletons
from watcher.service.check import CheckResult, check_target
from watcher.store.reader import read_references
from watcher.store.snapshots import Store

pytestmark = pytest.mark.browser

T = TypeVar("T")
FAST = 1.0  # seconds a step waits for its element in these tests (5 s in real checks)


class Shared:
    """One browser for the whole module, driven from one event loop kept open between tests."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.context = launch_browser()
        self.browser: Browser = self.runner.run(self.context.__aenter__())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)

    def close(self) -> None:
        self.runner.run(self.context.__aexit__(None, None, None))
        self.runner.close()


@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    value = Shared()
    yield value
    value.close()


@pytest.fixture(autouse=True)
def fast_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(procedures, "STEP_TIMEOUT", FAST)


def home(account: str = "Mon Compte", *, news: str = "La prime de Noël", ids: str = "1",
         account_in_footer: bool = False, with_account: bool = True) -> str:
    link = f'<li><a href="/compte" id="l-{ids}">{account}</a></li>' if with_account else ""
    top, bottom = ("", link) if account_in_footer else (link, "")
    return f"""<!DOCTYPE html><html lang="fr"><head><title>Accueil</title></head><body>
<header id="h-{ids}"><nav aria-label="Menu principal"><ul><li><a href="/">Accueil</a></li>
<li><a href="/aides">Mes aides</a></li>{top}</ul></nav></header>
<main id="m-{ids}"><h1>Bienvenue</h1><section aria-label="À la une"><ul>
<li><a href="/actu/{ids}">{news}</a></li><li><a href="/actu/b{ids}">Permanences {ids}</a></li></ul></section>
<a href="/demande">Déclarer mes ressources</a></main>
<footer><nav aria-label="Pied de page"><ul><li><a href="/mentions">Mentions légales</a></li>{bottom}</ul></nav>
</footer></body></html>"""


ACCOUNT = """<!DOCTYPE html><html lang="fr"><head><title>Mon Compte</title></head><body><main>
<h1>Mon Compte</h1><form action="/connexion" method="get">
<label for="id">Numéro d'allocataire</label><input id="id" name="id">
<label for="pw">Identifiant secret</label><input id="pw" name="pw" type="password">
<button type="submit">Valider</button></form></main></body></html>"""


def form_page(required_date: bool = False) -> str:
    date = ('<label for="d">Date de naissance</label><input type="date" id="d" name="d" required>'
            if required_date else "")
    return f"""<!DOCTYPE html><html lang="fr"><head><title>Étape 1</title></head><body><main>
<h1>Déclarer mes ressources</h1><form action="/etape2" method="get">
<label for="cp">Code postal</label><input id="cp" name="cp" required>{date}
<label for="s">Votre situation</label><select id="s" name="s"><option>Seul(e)</option><option>En couple</option></select>
<input type="checkbox" id="a" name="a"><label for="a">J'atteste</label>
<button type="submit">Continuer</button></form></main></body></html>"""


STEP2 = "<html lang='fr'><body><main><h1>Vos ressources du trimestre</h1></main></body></html>"

ACCOUNT_PROCEDURE = {"name": "Se connecter à Mon Compte", "audience": ["caf", "rsa"], "steps": [
    {"expect": {"role": "heading", "name": "Bienvenue"}},
    {"click": {"role": "link", "name": "Mon Compte"}},
    {"expect": {"role": "heading", "name": "Mon Compte"}},
    {"fill": {"label": "Numéro d'allocataire", "value": "1234567"}},
]}
DECLARE_PROCEDURE = {"name": "Déclarer ses ressources", "audience": ["rsa"], "steps": [
    {"fill": {"label": "Code postal", "value": "75001"}},
    {"select": {"label": "Votre situation", "option": "En couple"}},
    {"check": {"label": "J'atteste"}},
    {"click": {"role": "button", "name": "Continuer", "submits": True}},  # a form that files nothing
    {"expect": {"role": "heading", "name": "Vos ressources du trimestre"}},
]}


def target(site: LocalSite, path: str = "/", *procs: dict[str, Any]) -> Target:
    return Target(id="t", name="Test", url=site.url(path), timeout=10,
                  procedures=[Procedure.model_validate(p) for p in procs])


def replay_one(shared: Shared, tgt: Target) -> ProcedureRun:
    return shared.run(replay(shared.browser, tgt, tgt.procedures[0]))


def check(shared: Shared, store: Store, tgt: Target) -> CheckResult:
    return shared.run(check_target(shared.browser, store, tgt, Settings()))


def test_renamed_step_breaks_there_with_the_new_name_as_candidate(shared: Shared, local_site: LocalSite,
                                                                  tmp_path: Path) -> None:
    local_site.routes.update({"/": home(), "/compte": ACCOUNT})
    tgt = target(local_site, "/", ACCOUNT_PROCEDURE)
    with Store(tmp_path / "snapshots") as store:
        first = check(shared, store, tgt)
        assert first.status == "new" and first.procedures[0].status == "ok"
        local_site.routes["/"] = home("Mon espace personnel")
        second = check(shared, store, tgt)
        third = check(shared, store, tgt)

    entry = second.to_json("fr")
    proc = entry["procedures"][0]
    assert entry["status"] == "changed" and entry["alert"] is True
    assert proc["status"] == "broken" and proc["broken_step"] == 2
    assert proc["step"] == "cliquer sur le lien « Mon Compte »"
    assert proc["candidate"] == {"role": "link", "name": "Mon espace personnel", "landmark": "banner > navigation"}
    assert proc["url"] == local_site.url("/")
    assert proc["message"] == ("La procédure « Se connecter à Mon Compte » ne passe plus à l'étape 2 : le lien "
                               "« Mon Compte » est introuvable ; à sa place : le lien « Mon espace personnel » "
                               "(menu de l'en-tête)")
    assert "no longer gets through step 2" in second.to_json("en")["procedures"][0]["message"]
    renamed = [c for c in entry["changes"] if c["kind"] == "renamed"]
    assert renamed and renamed[0]["severity"] == "breaking"
    assert renamed[0]["procedures"] == ["Se connecter à Mon Compte"] and renamed[0]["audiences"] == ["caf", "rsa"]

    folder = second.snapshot / "procedures" / "se-connecter-a-mon-compte"
    assert {"step-00.png", "step-01.png", "step-02.png", "step-02.skeleton.json", "run.json", "crop.png"} <= {
        p.name for p in folder.iterdir()}
    run = json.loads((folder / "run.json").read_text())
    assert run["steps"][0]["found"]["role"] == "heading" and run["steps"][1]["problem"] == "missing"
    assert folder / "crop.png" in second.images

    # Still broken at the same step: already seen, nothing new to alert about; « déjà signalé » is only said
    # of what the outbox sent, which a check alone does not know.
    assert third.status == "unchanged" and third.alert is False
    assert third.procedures[0].already_broken and "déjà signalé" not in message(third.procedures[0])
    assert "déjà constaté" in message(third.procedures[0])


def replay_twice(shared: Shared, local_site: LocalSite, tmp_path: Path, changed_home: str
                 ) -> tuple[ProcedureRun, ProcedureRun]:
    """A good run on the first home page, then a run on the changed one, judged against the good one."""
    local_site.routes.update({"/": home(), "/compte": ACCOUNT})
    tgt = target(local_site, "/", ACCOUNT_PROCEDURE)
    good = replay_one(shared, tgt)
    for name, data in procedure_files(good).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    local_site.routes["/"] = changed_home
    now = replay_one(shared, tgt)
    diagnose(now, read_references([tmp_path], tgt.procedures)[tgt.procedures[0].slug])
    return good, now


def test_removed_step_is_reported_without_a_far_fetched_candidate(shared: Shared, local_site: LocalSite,
                                                                  tmp_path: Path) -> None:
    _, now = replay_twice(shared, local_site, tmp_path, home(with_account=False))
    from watcher.report.render import procedure_json
    from watcher.store.report import ProcedureFacts

    proc = procedure_json(ProcedureFacts.of(now))
    assert now.newly_broken and proc["broken_step"] == 2 and proc["problem"] == "missing"
    assert proc["candidate"] is None


def test_step_moved_to_another_menu_still_works_and_the_diff_says_moved(shared: Shared, local_site: LocalSite,
                                                                         tmp_path: Path) -> None:
    good, now = replay_twice(shared, local_site, tmp_path, home(account_in_footer=True))
    assert now.status == "ok" and not now.differs_from_baseline
    changes = diff_skeletons(good.shots[0].skeleton, now.shots[0].skeleton)
    linked = link_changes(changes, [(good.procedure, RunRecord.from_json(good.run_json()))])
    moved = [c for c in linked if c.kind == "moved" and c.role == "link"]
    assert moved and moved[0].severity == "breaking"
    assert moved[0].to_json()["procedures"] == ["Se connecter à Mon Compte"]
    assert "étape de la procédure « Se connecter à Mon Compte »" in moved[0].summary("fr")


def test_new_required_field_blocks_continue_and_the_next_step_reports_it(shared: Shared,
                                                                          local_site: LocalSite) -> None:
    local_site.routes.update({"/demande": form_page(), "/etape2": STEP2})
    tgt = target(local_site, "/demande", DECLARE_PROCEDURE)
    assert replay_one(shared, tgt).status == "ok"
    local_site.routes["/demande"] = form_page(required_date=True)
    run = replay_one(shared, tgt)
    assert run.status == "broken" and run.broken_step == 5
    assert run.failed is not None and run.failed.problem == "missing"
    assert run.blocked_by == ["Date de naissance"]
    assert "champ obligatoire non rempli : « Date de naissance »" in message(run)
    assert len(run.shots) == 6  # page loaded + one per step, the last one at the failure


def test_procedure_survives_noise_news_and_ids(shared: Shared, local_site: LocalSite) -> None:
    local_site.routes.update({"/": home(), "/compte": ACCOUNT})
    tgt = target(local_site, "/", ACCOUNT_PROCEDURE)
    local_site.routes["/"] = home(news="Le calendrier 2027", ids="9876")
    run = replay_one(shared, tgt)
    assert run.status == "ok", message(run)
    assert [s.found.name for s in run.steps if s.found] == [
        "Bienvenue", "Mon Compte", "Mon Compte", "Numéro d'allocataire"]
    assert 'data-watcher-value' not in json.dumps(run.shots[-1].skeleton.to_json())


def test_unreachable_site_leaves_procedures_unreachable_not_broken(shared: Shared, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    tgt = Target(id="t", name="T", url=f"http://127.0.0.1:{port}/", timeout=5,
                 procedures=[Procedure.model_validate(ACCOUNT_PROCEDURE)])
    assert replay_one(shared, tgt).status == "unreachable"
    with Store(tmp_path / "snapshots") as store:
        result = check(shared, store, tgt)
    proc = result.to_json()["procedures"][0]
    assert result.status == "unreachable" and proc["status"] == "unreachable" and proc["broken_step"] is None


def test_password_field_is_never_filled(shared: Shared, local_site: LocalSite) -> None:
    local_site.routes["/compte"] = ACCOUNT
    tgt = target(local_site, "/compte", {"name": "p", "steps": [
        {"fill": {"label": "Identifiant secret", "value": "x"}}]})
    run = replay_one(shared, tgt)
    assert run.status == "broken" and run.steps[0].status == "refused" and run.steps[0].problem == "secret"
    assert "ne remplit jamais de mot de passe" in message(run)


def test_nothing_is_replayed_after_a_login_submit(shared: Shared, local_site: LocalSite) -> None:
    local_site.routes["/compte"] = ACCOUNT
    tgt = target(local_site, "/compte", {"name": "p", "steps": [
        {"click": {"role": "button", "name": "Valider"}},
        {"expect": {"role": "heading", "name": "Bienvenue"}}]})
    run = replay_one(shared, tgt)
    assert run.steps[0].status == "ok" and run.steps[0].detail == "login"  # found, not clicked
    assert run.steps[1].status == "refused" and run.steps[1].problem == "after_login"
    assert "/connexion" not in local_site.hits


@pytest.mark.parametrize("body, problem", [
    ("<button>Continuer</button><button>Continuer</button>", "ambiguous"),
    ("<button style='display:none'>Continuer</button>", "hidden"),
    ("<button disabled>Continuer</button>", "disabled"),
    ("<a href='/nowhere'>Continuer</a>", "navigation"),
])
def test_step_fails_when_element_is_ambiguous_hidden_disabled_or_leads_nowhere(
        shared: Shared, local_site: LocalSite, body: str, problem: str) -> None:
    local_site.routes["/"] = f"<html lang='fr'><body><main>{body}</main></body></html>"
    role = "link" if "href" in body else "button"
    tgt = target(local_site, "/", {"name": "p", "steps": [{"click": {"role": role, "name": "Continuer"}}]})
    run = replay_one(shared, tgt)
    assert run.status == "broken" and run.broken_step == 1
    assert run.failed is not None and run.failed.problem == problem


def message(run: ProcedureRun, lang: str = "fr") -> str:
    """How a replay fares in words, as reports render it from its facts."""
    from watcher.report.render import procedure_message
    from watcher.store.report import ProcedureFacts

    return procedure_message(ProcedureFacts.of(run), lang)
