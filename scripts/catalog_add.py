#!/usr/bin/env python3
"""Add messages to both gettext catalogs (watcher/i18n/locale/{fr,en}/LC_MESSAGES/watcher.po).

    scripts/catalog_add.py KEY "texte français" "English text" [KEY FR EN ...]
    scripts/catalog_add.py --json words.json      # {"key": {"fr": "...", "en": "..."}, ...}

For a branch that still adds `TEXTS.update({...})` entries in Python: the same dict, as JSON, goes in with
--json. A plural message is given as {"fr": ["singulier", "pluriel"], "en": ["singular", "plural"]} and is chosen
by the value `count` (see watcher/i18n/catalog.py). Refuses a key that exists; checks the files parse afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[1] / "watcher" / "i18n" / "locale"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def entry(key: str, text: str | list[str]) -> str:
    if isinstance(text, list):
        return f"msgid {quote(key)}\nmsgid_plural {quote(key)}\nmsgstr[0] {quote(text[0])}\nmsgstr[1] {quote(text[1])}\n"
    return f"msgid {quote(key)}\nmsgstr {quote(text)}\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help='{"key": {"fr": ..., "en": ...}}')
    parser.add_argument("triples", nargs="*", help="KEY FR EN, repeated")
    args = parser.parse_args()
    words: dict[str, dict[str, str | list[str]]] = {}
    if args.json:
        words.update(json.loads(args.json.read_text(encoding="utf-8")))
    if len(args.triples) % 3:
        parser.error("give KEY FR EN triples")
    for i in range(0, len(args.triples), 3):
        key, fr, en = args.triples[i:i + 3]
        words[key] = {"fr": fr, "en": en}
    for lang in ("fr", "en"):
        po = LOCALE / lang / "LC_MESSAGES" / "watcher.po"
        text = po.read_text(encoding="utf-8")
        for key in words:
            if f"\nmsgid {quote(key)}\n" in text:
                print(f"{po}: {key} exists already", file=sys.stderr)
                return 1
        added = "\n".join(entry(key, forms[lang]) for key, forms in words.items())
        po.write_text(text.rstrip("\n") + "\n\n" + added, encoding="utf-8")
        with po.open("rb") as handle:
            read_po(handle)
    print(f"{len(words)} message(s) added to both catalogs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
