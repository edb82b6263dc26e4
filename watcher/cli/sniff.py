"""Whether a file given on the command line is a PNG, told from its first bytes without loading anything else.

Imported by both `watcher.cli.fast` (the entry point, which must stay light) and `watcher.cli.main`.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PNG_SIGNATURE", "is_png_file"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"  # ISO/IEC 15948, 5.2


def is_png_file(path: Path) -> bool:
    """True when `path` is a regular file starting with the 8-byte PNG signature. Anything else — a missing or
    unreadable file, a pipe or a device (reading one here would lose its first bytes) — is False: the general
    path then says what is wrong, in words. Never raises."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as stream:
            return stream.read(8) == PNG_SIGNATURE
    except OSError:
        return False
