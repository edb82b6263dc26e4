"""The `watcher` command's entry point (and `python -m watcher`'s).

`watcher diff BEFORE.png AFTER.png --format json` is answered here without loading the command line: click and
the modules of every command cost about 0.1 s of CPU at each start, a tenth of the whole diff of two full-page
screenshots (bench/bench_visual.py). Everything else, and that command whenever it fails (so errors keep their
words, language and exit code), goes to watcher.cli.main.main.
"""

from __future__ import annotations

import sys
from pathlib import Path

from watcher.cli.sniff import is_png_file

__all__ = ["main"]

# Exit codes of watcher.cli.common (not imported here: it loads click).
EXIT_OK, EXIT_ALERT = 0, 1


def main() -> None:
    """Runs the command given on the command line; exits with its code."""
    files = png_diff_files(sys.argv[1:])
    if files is not None:
        code = _png_diff(*files)
        if code is not None:
            sys.exit(code)
    from watcher.cli.main import main as full_main

    full_main()


def png_diff_files(args: list[str]) -> tuple[Path, Path] | None:
    """(BEFORE, AFTER) when `args` are exactly `diff BEFORE AFTER --format json` (`--format=json`, in any order)
    and both files start with the PNG signature; None for anything else."""
    if not args or args[0] != "diff":
        return None
    rest = args[1:]
    if "--format=json" in rest:
        rest.remove("--format=json")
    elif "--format" in rest and rest.index("--format") + 1 < len(rest) and rest[rest.index("--format") + 1] == "json":
        at = rest.index("--format")
        del rest[at : at + 2]
    else:
        return None
    if len(rest) != 2 or any(arg.startswith("-") for arg in rest):
        return None
    before, after = Path(rest[0]), Path(rest[1])
    return (before, after) if is_png_file(before) and is_png_file(after) else None


def _keep_freed_memory() -> None:
    """Asks glibc's malloc to reuse freed blocks up to 32 MiB rather than return them to the system: the diff
    allocates and frees blocks of about 1 MiB strip after strip, and each new mapping costs page faults and
    zeroed pages (a third of the system time). The peak resident size does not change."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: blocks above this only are mapped apart
        libc.mallopt(-1, 256 << 20)  # M_TRIM_THRESHOLD: free memory kept at the heap's top
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def _png_diff(before: Path, after: Path) -> int | None:
    """The JSON of the visual diff on stdout and its exit code; None when it failed (the full command line then
    runs it again and says why, in the coordinator's language)."""
    import gc
    import os

    # A short process whose objects live to its end: the cycle collector, run again and again while numpy's
    # modules load, would only cost time (about 2 % of the diff's CPU).
    gc.disable()
    # The diff uses no BLAS; OpenBLAS's thread pool, started with numpy, spins on the CPU for a while (3 %).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    _keep_freed_memory()
    import json

    from watcher.detect.visual import diff_screenshots
    from watcher.errors import WatcherError

    # libpng writes its warnings ("PNG warning: ...") straight to the standard error: silenced here, as the
    # full command line says again whatever went wrong (else each warning would be written twice).
    saved = os.dup(2)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)
    try:
        visual = diff_screenshots(before, after)
    except WatcherError:
        return None
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(quiet)
    # As watcher.cli.common.emit_json writes it (click.echo of the same text); numbers and kinds only.
    sys.stdout.write(json.dumps(visual.to_json(), ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()
    return EXIT_ALERT if visual.alert else EXIT_OK
