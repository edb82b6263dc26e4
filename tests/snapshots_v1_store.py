"""Build a store (folders + index) from the recorded snapshots of an older version (tests/snapshots_v1)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from watcher.store.snapshots import Store

HERE = Path(__file__).parent / "snapshots_v1"
COLUMNS = ("id", "target", "time", "status", "alert", "reason", "snapshot", "baseline", "screenshot_hash",
           "dom_hash", "skeleton_hash", "report", "confirmation")


def v1_store(root: Path) -> Store:
    """A Store at `root` holding the recorded folders and index rows exactly as the older version wrote them."""
    store = Store(root)  # the index first: folders without an index would be refused (IndexMissing)
    for target in ("demo-accueil", "demo-declaration"):
        shutil.copytree(HERE / target, root / target)
    rows = json.loads((HERE / "index.json").read_text(encoding="utf-8"))
    for row in rows:
        values = [json.dumps(row[c], ensure_ascii=False) if c == "report" and row[c] is not None else row[c]
                  for c in COLUMNS]
        store.db.execute(f"INSERT INTO checks ({', '.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))})", values)
    return store


def v1_config(root: Path) -> Path:
    """targets.yaml of the recorded demo, beside a snapshots folder `root`."""
    path = root.parent / "targets.yaml"
    shutil.copy(HERE / "targets.yaml", path)
    return path
