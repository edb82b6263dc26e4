"""The snapshot store: atomic folders, shared identical files, an index that is the source of truth."""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from watcher.errors import StoreError
from watcher.store.snapshots import Store

T0 = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def snapshot(store: Store, target: str, when: datetime, files: dict[str, bytes]) -> Path:
    with store.new_snapshot(target, when, store.baseline(target)) as writer:
        for name, data in files.items():
            writer.add(name, data)
    store.record_check(target, when, "new", snapshot=writer.final, hashes=writer.hashes)
    return writer.final


def test_snapshot_is_published_whole_and_indexed(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        folder = snapshot(store, "caf", T0, {"screenshot.png": b"png", "dom.html": b"<html>"})
        assert folder.parent == tmp_path / "caf"
        assert sorted(p.name for p in folder.iterdir()) == ["dom.html", "screenshot.png"]
        assert store.baseline("caf") == folder
        [record] = store.history("caf")
        assert record.status == "new" and record.snapshot == f"caf/{folder.name}"


def test_identical_files_are_stored_once(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        first = snapshot(store, "caf", T0, {"screenshot.png": b"same", "dom.html": b"v1"})
        second = snapshot(store, "caf", T0 + timedelta(hours=1), {"screenshot.png": b"same", "dom.html": b"v2"})
    assert os.path.samefile(first / "screenshot.png", second / "screenshot.png")
    assert not os.path.samefile(first / "dom.html", second / "dom.html")
    assert (second / "dom.html").read_bytes() == b"v2"


def test_failure_mid_snapshot_leaves_nothing(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        with pytest.raises(RuntimeError), store.new_snapshot("caf", T0, None) as writer:
            writer.add("screenshot.png", b"half")
            raise RuntimeError("crash while capturing")
        assert list((tmp_path / "caf").iterdir()) == []
        assert store.baseline("caf") is None
        assert store.history("caf") == []


def test_leftover_temporary_folder_is_ignored_and_cleaned(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        good = snapshot(store, "caf", T0, {"dom.html": b"ok"})
        (tmp_path / "caf" / ".tmp-20261126T080000.000000Z").mkdir()  # what a kill -9 mid-capture leaves
        assert store.baseline("caf") == good
        assert store.clean_partial() == 1
        assert [p.name for p in (tmp_path / "caf").iterdir()] == [good.name]


def test_disk_full_is_a_clear_error_and_keeps_what_was_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(tmp_path) as store:
        good = snapshot(store, "caf", T0, {"dom.html": b"ok"})

        def full(*args: object, **kwargs: object) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "fsync", full)
        with pytest.raises(StoreError, match="disk is full") as failure:
            snapshot(store, "caf", T0 + timedelta(hours=1), {"dom.html": b"new"})
        monkeypatch.undo()
        assert failure.value.render("fr") == "impossible d'enregistrer la capture de caf : le disque est plein " \
            "(rien n'a été modifié)"
        assert store.baseline("caf") == good
        assert [p.name for p in (tmp_path / "caf").iterdir()] == [good.name]
        assert len(store.history("caf")) == 1


def test_a_damaged_index_is_one_line_in_french_naming_the_rebuild(tmp_path: Path) -> None:
    (tmp_path / "index.sqlite3").write_bytes(b"garbage, not a database" * 100)
    with pytest.raises(StoreError) as failure:
        Store(tmp_path).__enter__()
    words = failure.value.render("fr")
    assert words.startswith(f"impossible d'ouvrir le dossier des captures {tmp_path} : l'index SQLite est illisible "
                            "(ce fichier n'est pas une base SQLite)"), words
    assert "watcher store rebuild-index" in words and "\n" not in words
    assert "not a database" not in words and "cannot" in failure.value.render("en")


def test_unreachable_checks_never_become_the_baseline(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        good = snapshot(store, "caf", T0, {"dom.html": b"ok"})
        store.record_check("caf", T0 + timedelta(hours=1), "unreachable", reason="HTTP 500")
        assert store.baseline("caf") == good
        assert [r.status for r in store.history("caf")] == ["new", "unreachable"]


def test_prune_keeps_recent_baseline_and_changes_and_frees_the_rest(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        folders = []
        for hour in range(8):
            when = T0 + timedelta(hours=hour)
            with store.new_snapshot("caf", when, None) as writer:
                writer.add("screenshot.png", bytes([hour]) * 1000)
            status = "new" if hour == 0 else "changed"
            check_id = store.record_check("caf", when, status, snapshot=writer.final,
                                          baseline=folders[-1] if folders else None, alert=hour == 3)
            if hour == 3:
                store.set_confirmation(check_id, "confirmed", alert=True)
            folders.append(writer.final)
        removed = store.prune("caf", max_bytes=4000, keep_recent=2)
        kept = sorted(p.name for p in (tmp_path / "caf").iterdir())
        # the first (new), the alerting change and its baseline, and the 2 latest stay
        assert kept == sorted(folders[i].name for i in (0, 2, 3, 6, 7))
        assert sorted(removed) == sorted(folders[i] for i in (1, 4, 5))
        assert store.baseline("caf") == folders[7]
        history = store.history("caf")
        assert [r.snapshot is None for r in history] == [False, True, False, False, True, True, False, False]
