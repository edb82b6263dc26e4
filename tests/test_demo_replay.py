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


def test_the_english_demo_reports_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`watcher demo --lang en`: the per-page lines use English punctuation (« name: status », no « name : »)."""
    pages = {target: [record_folder(tmp_path / "pages" / version / target,
                                    (SITE / version / page).read_text(encoding="utf-8"))
                      for version in ("v1", "v2")]
             for target, page in PAGES.items()}
    capsys.readouterr()
    assert run_demo(tmp_path / "out", "en", capturer=ReplayCapturer(pages)) == 0
    out = capsys.readouterr().out
    assert "Mes Aides Démo — accueil: first capture" in out and "accueil : " not in out.split("Alerts sent")[0]
