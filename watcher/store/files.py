"""Files inside a snapshot folder are never trusted: only regular files that really live in the folder are read.

A snapshot folder is written by watcher, but it sits on a disk others may write to (a restored backup, a shared
volume, a compromised page host). A symbolic link in it (`composite.png -> /etc/passwd`) must not turn the
changelog into a way of publishing any file of the machine: before a file of a snapshot is read, published or
served, `contained` checks that the path has no symbolic link between the snapshot folder and the file, that
the folder itself is not one, and that the file is a regular file.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["contained", "read_bytes"]


def contained(folder: Path, path: Path) -> bool:
    """Whether `path` is a regular file inside `folder` with no symbolic link on the way (`folder` included).

    `path` may be relative to `folder` or absolute; ".." that leads outside counts as outside. Never raises:
    an unreadable, missing or malformed path (NUL byte, name too long) is simply not contained."""
    try:
        base = Path(os.path.abspath(folder))
        full = Path(os.path.abspath(base / path))
        relative = full.relative_to(base)
        if base.is_symlink() or not base.is_dir():
            return False
        current = base
        for part in relative.parts:
            current = current / part
            if current.is_symlink():
                return False
        return full.is_file() and Path(os.path.realpath(full)) == Path(os.path.realpath(base)) / relative
    except (OSError, ValueError):
        return False


def read_bytes(folder: Path, path: Path) -> bytes | None:
    """The bytes of `path` when it is `contained` in `folder`, else None (also when it cannot be read)."""
    if not contained(folder, path):
        return None
    try:
        return (folder / path).read_bytes()
    except OSError:
        return None


def read_text(folder: Path, path: Path) -> str:
    """The UTF-8 text of `path` when `contained` in `folder`; OSError otherwise (callers already handle it)."""
    if not contained(folder, path):
        raise FileNotFoundError(str(path))
    return (folder / path).read_text(encoding="utf-8")
