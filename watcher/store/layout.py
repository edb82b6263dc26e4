"""Where things are in a snapshots folder: the index file, the page folders and their snapshot folders.

Shared by the store (which refuses to open an index missing beside snapshot folders) and the index rebuild.
"""

from __future__ import annotations

import re
from pathlib import Path

from watcher.errors import StoreError

__all__ = ["HASHED", "INDEX_NAME", "IndexMissing", "check_index", "snapshot_folders"]

INDEX_NAME = "index.sqlite3"
SNAPSHOT_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z$")
TARGET_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
HASHED = ("screenshot.png", "dom.html", "skeleton.json")


class IndexMissing(StoreError):
    """The index is gone but snapshot folders remain: starting would forget them all."""

    def __init__(self, root: Path, folders: int) -> None:
        from watcher.config.problems import default_lang
        from watcher.i18n.texts import t

        self.root, self.folders = root, folders
        super().__init__(t("store.index_missing", default_lang(), index=root / INDEX_NAME, count=folders))


def snapshot_folders(root: Path) -> dict[str, list[Path]]:
    """{target id: its snapshot folders, oldest first}: real folders named like a snapshot, no links."""
    found: dict[str, list[Path]] = {}
    if not root.is_dir():
        return found
    for target in sorted(root.iterdir()):
        if target.is_symlink() or not target.is_dir() or not TARGET_NAME.match(target.name):
            continue
        folders = sorted(p for p in target.iterdir()
                         if SNAPSHOT_NAME.match(p.name) and p.is_dir() and not p.is_symlink())
        if folders:
            found[target.name] = folders
    return found


def check_index(root: Path) -> None:
    """Raise IndexMissing when `root` has snapshot folders but no index file."""
    if (root / INDEX_NAME).exists():
        return
    count = sum(len(folders) for folders in snapshot_folders(root).values())
    if count:
        raise IndexMissing(root, count)
