"""The snapshot index lost, found again: refuse to start without it, rebuild it from the snapshot folders.

Without `index.sqlite3`, watcher would take every page for new: the changelog would be emptied and the existing
folders orphaned. So opening a store whose index is missing while snapshot folders exist raises `IndexMissing`
(the command stops with a message naming `watcher store rebuild-index`), and `rebuild_index` records one check
per folder, oldest first, from what the folder itself holds:

- a folder with `degraded.json` is a `degraded` check (never a baseline);
- otherwise the first folder of a page is `new`, the next ones `changed` (a folder is only written when the page
  differed), alerting when the folder holds before/after images (`images/`), compared with the previous one;
- the time is the folder's name (UTC); file hashes are recomputed; reports, marks and confirmations are lost.

Folders that are not snapshots (temporary `.tmp-…`, other names, symbolic links) are counted and left alone.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from watcher.errors import StoreError

INDEX_NAME = "index.sqlite3"
SNAPSHOT_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z$")
TARGET_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
HASHED = ("screenshot.png", "dom.html", "skeleton.json")


class IndexMissing(StoreError):
    """The index is gone but snapshot folders remain: starting would forget them all."""

    def __init__(self, root: Path, folders: int) -> None:
        from watcher.config_errors import default_lang
        from watcher.texts import t

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


@dataclass
class RebuildReport:
    """What `rebuild_index` found: checks recorded per page and status, and folders left alone."""

    pages: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def checks(self) -> int:
        return sum(sum(counts.values()) for counts in self.pages.values())

    def describe(self, lang: str = "fr") -> str:
        from watcher.texts import t

        lines = [t("store.rebuilt", lang, checks=self.checks, pages=len(self.pages))]
        for page, counts in sorted(self.pages.items()):
            detail = ", ".join(f"{t('status.' + status, lang)} {n}" for status, n in sorted(counts.items()))
            lines.append(f"  {page} : {detail}" if lang == "fr" else f"  {page}: {detail}")
        if self.skipped:
            lines.append(t("store.skipped", lang, count=len(self.skipped), names=", ".join(self.skipped[:10])))
        return "\n".join(lines)


def _skipped(root: Path, kept: dict[str, list[Path]]) -> list[str]:
    keep = {p for folders in kept.values() for p in folders}
    names = []
    for target in sorted(root.iterdir()) if root.is_dir() else []:
        if not target.is_dir() or target.is_symlink():
            if target.is_symlink():
                names.append(target.name)
            continue
        names += [f"{target.name}/{p.name}" for p in sorted(target.iterdir()) if p.is_dir() and p not in keep]
    return names


def _hashes(folder: Path) -> dict[str, str]:
    from watcher import snapfiles

    hashes = {}
    for name in HASHED:
        data = snapfiles.read_bytes(folder, Path(name))
        if data is not None:
            hashes[name] = hashlib.sha256(data).hexdigest()
    return hashes


def rebuild_index(root: Path) -> RebuildReport:
    """Create the index of `root` from its snapshot folders; StoreError if an index with checks exists."""
    from watcher.config_errors import default_lang
    from watcher.store import Store
    from watcher.texts import t

    if (root / INDEX_NAME).exists():
        with Store(root, check=False) as existing:
            if existing.targets():
                raise StoreError(t("store.index_exists", default_lang(), index=root / INDEX_NAME))
    report = RebuildReport()
    folders = snapshot_folders(root)
    report.skipped = _skipped(root, folders)
    with Store(root, check=False) as store:
        for target, snapshots in folders.items():
            counts: dict[str, int] = {}
            baseline: Path | None = None
            for folder in snapshots:
                when = datetime.strptime(folder.name, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)
                if (folder / "degraded.json").is_file():
                    status, alert = "degraded", False
                else:
                    status = "new" if baseline is None else "changed"
                    alert = status == "changed" and (folder / "images").is_dir()
                store.record_check(target, when, status, alert=alert, reason="rebuilt from the snapshot folder",
                                   snapshot=folder, baseline=baseline if status != "new" else None,
                                   hashes=_hashes(folder))
                if status != "degraded":
                    baseline = folder
                counts[status] = counts.get(status, 0) + 1
            report.pages[target] = counts
    return report
