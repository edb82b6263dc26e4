"""Rebuild the git-scraped pages of tests/realpages/ from a local copy of their source repository.

The pages themselves stay out of this repository's history (they are third-party data); each
label.json names its source as "<owner>/<repo> <before-commit>..<after-commit> <path>". Given a bare
or working git directory of that repository, this writes before.html and after.html beside the
label, byte for byte as committed upstream except for two size cuts (see tests/realpages/README.md):
inline base64 payloads become a short placeholder, SVG path drawings (d="...") become "M0 0", and the contents of inline <script> and <style>
elements are dropped when a page is over 50 000 bytes. The encoding is never touched.

Run: python bench/realpages_extract.py OWNER/REPO=GIT_DIR [OWNER/REPO=GIT_DIR ...]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "tests" / "realpages"
BASE64 = re.compile(rb"(data:[\w.+/-]*(?:;[\w-]+=[\w.-]+)*;base64,)[A-Za-z0-9+/=\s]{16,}")
PATH_DATA = re.compile(rb'(\sd=")[^"]{40,}(")')
INLINE = re.compile(rb"(<(script|style)\b(?![^>]*\bsrc=)[^>]*>)(.*?)(</\2\s*>)", re.I | re.S)
LARGE = 50_000  # bytes: past this, inline script and style contents go


def shrink(page: bytes) -> bytes:
    """The page with base64 payloads and SVG path data replaced and, if large, inline script/style emptied."""
    page = BASE64.sub(rb"\1STRIPPED", page)
    page = PATH_DATA.sub(rb"\1M0 0\2", page)
    if len(page) > LARGE:
        page = INLINE.sub(lambda m: m.group(1) + b"/* stripped */" + m.group(4), page)
    return page


def parse_source(source: str) -> tuple[str, str, str, str]:
    """(repo, before commit, after commit, path) from a label's "repo before..after path" source."""
    repo, commits, path = source.split(" ", 2)
    before, after = commits.split("..")
    return repo, before, after, path


def main(argv: list[str]) -> int:
    gits = dict(arg.split("=", 1) for arg in argv)
    done = 0
    for label in sorted(ROOT.glob("*/*/label.json")):
        data = json.loads(label.read_text(encoding="utf-8"))
        if data.get("origin") != "git-scraping":
            continue
        repo, before, after, path = parse_source(data["source"])
        if repo not in gits:
            continue
        for name, commit in (("before.html", before), ("after.html", after)):
            blob = subprocess.run(["git", "-C", gits[repo], "show", f"{commit}:{path}"],
                                  capture_output=True, check=True).stdout
            (label.parent / name).write_bytes(shrink(blob))
        done += 1
    print(f"{done} pairs written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
