"""Honest statuses and limits (issue 16, item 6): config size cap, slow pages, browser crashes, lost index."""

from __future__ import annotations

import asyncio
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.changelog_sample import make_sample_store
from tests.conftest import LocalSite, run_watcher
from watcher.capture import page as capture_module
from watcher.config.targets import Settings, Target
from watcher.i18n.texts import plain_reason
from watcher.store.layout import IndexMissing
from watcher.store.rebuild import rebuild_index
from watcher.store.snapshots import Store


def test_a_config_file_above_one_megabyte_is_refused_at_once(tmp_path: Path) -> None:
    config = tmp_path / "targets.yaml"
    config.write_text("targets:\n  - {id: a, name: A, url: 'https://www.example.org/'}\n" + "#" * 1_100_000,
                      encoding="utf-8")
    run = run_watcher("validate", "--config", config, timeout=60)
    assert run.code == 2 and "Traceback" not in run.err
    assert "fichier trop gros" in run.err and "1000000" in run.err


def test_reasons_read_as_plain_french() -> None:
    assert "trop lente ou trop lourde" in plain_reason("too slow (30 s)", "https://x.fr/", "fr")
    assert "« timeout »" in plain_reason("too slow (30 s)", "https://x.fr/", "fr")
    assert plain_reason("browser crashed", "https://x.fr/", "fr").startswith("le navigateur s'est arrêté")


def _slow_image(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(8)
    handler.send_error(404)


@pytest.mark.browser
def test_a_page_that_answers_but_loads_too_slowly_has_its_own_reason(local_site: LocalSite) -> None:
    from watcher.capture.browser import launch_browser

    local_site.routes["/"] = '<main><h1>Accueil</h1><img src="/lent.png" alt="lent"></main>'
    local_site.routes["/lent.png"] = _slow_image
    target = Target(id="t", name="T", url=local_site.url("/"), timeout=2)

    async def go() -> capture_module.Capture:
        async with launch_browser([target]) as browser:
            return await capture_module.capture_target(browser, target, 4000)

    result = asyncio.run(go())
    assert result.status == "unreachable" and result.reason == "too slow (2 s)"


@pytest.mark.browser
def test_a_browser_crash_is_an_error_retried_and_not_held_against_the_site(
        local_site: LocalSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from watcher.capture.browser import launch_browser
    from watcher.service.check import check_target

    local_site.routes["/"] = "<main><h1>Accueil</h1><button>Envoyer</button></main>"
    target = Target(id="t", name="T", url=local_site.url("/"))
    attempts: list[int] = []

    async def crash_view(page, *args, **kwargs):  # type: ignore[no-untyped-def]
        attempts.append(1)
        session = await page.context.new_cdp_session(page)
        try:
            await session.send("Page.crash")
        except Exception:  # the session dies with the renderer
            pass
        await page.evaluate("1")

    monkeypatch.setattr(capture_module, "capture_view", crash_view)

    async def go():  # type: ignore[no-untyped-def]
        with Store(tmp_path / "snapshots") as store:
            async with launch_browser([target]) as browser:
                result = await check_target(browser, store, target, Settings())
            return result, store.history("t")

    result, history = asyncio.run(go())
    assert result.status == "error" and result.reason == "browser crashed", result.reason
    assert len(attempts) == 2  # retried once in a fresh context
    assert [check.status for check in history] == ["error"]
    assert (result.describe_reason("fr") or "").startswith("le navigateur s'est arrêté")


def _forget_index(root: Path) -> None:
    for name in ("index.sqlite3", "index.sqlite3-wal", "index.sqlite3-shm"):
        (root / name).unlink(missing_ok=True)


def test_a_lost_index_stops_start_up_and_is_rebuilt_from_the_folders(tmp_path: Path) -> None:
    root = tmp_path / "snapshots"
    store = make_sample_store(root)
    before = {target: [(c.status, c.snapshot) for c in store.history(target) if c.snapshot]
              for target in store.targets()}
    store.close()
    _forget_index(root)
    (root / "caf" / ".tmp-20250101T000000.000000Z").mkdir()
    with pytest.raises(IndexMissing):
        Store(root)
    config = tmp_path / "targets.yaml"
    config.write_text("targets:\n  - {id: caf, name: CAF, url: 'https://www.caf.fr/'}\n", encoding="utf-8")
    run = run_watcher("history", "caf", "--config", config, "--snapshots", root)
    assert run.code == 2 and "Traceback" not in run.err
    assert "watcher store rebuild-index" in run.err and "a disparu" in run.err
    assert not (root / "index.sqlite3").exists()

    run = run_watcher("store", "rebuild-index", "--snapshots", root, "--config", config)
    assert run.code == 0, run.err
    assert "index reconstruit" in run.out and "caf" in run.out and "laissés de côté" in run.out
    with Store(root) as rebuilt:
        for target, checks in before.items():
            assert [c.snapshot for c in rebuilt.history(target)] == [snapshot for _, snapshot in checks]
            assert rebuilt.history(target)[0].status == "new"
            assert rebuilt.baseline(target) is not None
    with pytest.raises(Exception, match="existe déjà|already exists"):
        rebuild_index(root)
