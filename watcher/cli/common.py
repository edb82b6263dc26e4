"""What every command of the command line shares: exit codes, where the files are, JSON output."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

__all__ = ["EXIT_ALERT", "EXIT_ERROR", "EXIT_OK", "Paths", "emit_json"]

EXIT_OK, EXIT_ALERT, EXIT_ERROR = 0, 1, 2


class Paths:
    """Where the configuration, the snapshots and the notifiers folder are, from options and environment."""

    def __init__(self, config: str, snapshots: str | None, notifiers: str | None) -> None:
        self.config = Path(config)
        base = self.config.resolve().parent
        env = os.environ.get("WATCHER_SNAPSHOTS")
        self.snapshots = Path(snapshots) if snapshots else Path(env) if env else base / "snapshots"
        self.notifiers = Path(notifiers) if notifiers else base / "notifiers"



def emit_json(value: Any) -> None:
    """Print `value` as indented JSON (UTF-8 characters kept) on stdout."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def write_schemas(folder: Path) -> list[Path]:
    """Write the JSON Schemas of targets.yaml and channels.yaml into `folder` (created), atomically; their paths.

    Raises OSError when the folder cannot be written.
    """
    from watcher.config.schema import FILES, render
    from watcher.store.snapshots import write_atomic

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FILES:
        write_atomic(folder / name, render(name).encode())
        written.append(folder / name)
    return written
