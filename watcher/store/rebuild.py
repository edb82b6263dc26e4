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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from watcher.errors import StoreError
from watcher.store.layout import (
    HASHED,
    INDEX_NAME,
    snapshot_folders,
)

__all__ = ["rebuild_index"]


@dataclass
class RebuildReport:
    """What `rebuild_index` found: checks recorded per page and status, and folders left alone."""

    pages: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def checks(self) -> int:
        return sum(sum(counts.values()) for counts in self.pages.values())

    def describe(self, lang: str = "fr") -> str:
        from watcher.i18n.texts import t

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
    from watcher.store import files as snapfiles

    hashes = {}
    for name in HASHED:
        data = snapfiles.read_bytes(folder, Path(name))
        if data is not None:
            hashes[name] = hashlib.sha256(data).hexdigest()
    return hashes


def rebuild_index(root: Path) -> RebuildReport:
    """Create the index of `root` from its snapshot folders; StoreError if an index with checks exists."""
    from watcher.config.problems import default_lang
    from watcher.i18n.texts import t
    from watcher.store.snapshots import Store

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
                store.record_check(target, when, status, alert=alert, reason="rebuilt",
                                   snapshot=folder, baseline=baseline if status != "new" else None,
                                   hashes=_hashes(folder))
                if status != "degraded":
                    baseline = folder
                counts[status] = counts.get(status, 0) + 1
            report.pages[target] = counts
    return report
