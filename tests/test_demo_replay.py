"""The demo's dry run: the whole pipeline (check, policy, outbox, changelog) on recorded pages, no browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.demo.runner import run_demo
from watcher.store.replay import ReplayCapturer, record_folder

SITE = Path(__file__).parents[1] / "watcher" / "demo" / "site"
PAGES = {"demo-accueil": "index.html", "demo-mon-compte": "mon-compte.html",
         "demo-declaration": "demande/etape1.html"}


def test_the_demo_runs_on_recorded_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pages = {target: [record_folder(tmp_path / "pages" / version / target,
                                    (SITE / version / page).read_text(encoding="utf-8"))
                      for version in ("v1", "v2")]
             for target, page in PAGES.items()}
    assert run_demo(tmp_path / "out", "fr", capturer=ReplayCapturer(pages)) == 0
    received = (tmp_path / "out" / "alertes.txt").read_text(encoding="utf-8")
    assert "Mes Aides Démo" in received
    assert (tmp_path / "out" / "changelog" / "index.html").is_file()
    capsys.readouterr()
