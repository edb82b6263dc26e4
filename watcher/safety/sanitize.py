"""Text taken from watched pages is data: made harmless for where it goes (terminal, log, Markdown, HTML, chat).

A button's name is whatever the site (or whoever broke into it) wrote: ANSI escape sequences that repaint a
coordinator's terminal, `@everyone` that pings a whole Discord server, `[cliquez](http://…)` that becomes a
link in a Markdown alert. Each output escapes for its own syntax:

- terminals and logs: `strip_controls` removes ANSI/VT escape sequences (ECMA-48 CSI, OSC, DCS…) and every other
  C0/C1 control character (tabs and line breaks kept, or turned into spaces by `one_line`);
- chat messages in any format: `neutralise` breaks mass mentions (`@everyone`, `@here`, `@channel`, `@room`,
  `@all`) and bare web addresses with an invisible word joiner (U+2060), so nothing pings and nothing links;
- Markdown bodies: `escape_markdown` backslash-escapes CommonMark's ASCII punctuation that starts syntax
  (CommonMark 0.31 §2.4: any ASCII punctuation may be backslash-escaped);
- HTML bodies: Jinja2's autoescape (markupsafe) already escapes; `neutralise` still applies.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

__all__ = ["escape_markdown", "for_format", "guard_stdout", "neutralise", "one_line", "strip_controls"]

# ECMA-48: CSI (ESC [ … final byte), OSC/DCS/SOS/PM/APC strings (ESC ] … BEL or ST), two-byte escapes,
# and the 8-bit C1 forms (U+009B CSI, U+009D OSC…).
ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI … final
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"  # OSC, DCS, SOS, PM, APC … BEL/ST
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
    r"|\x1b", re.S)
# C0 controls but tab and line feed, DEL, C1 controls; also bidi overrides that reorder a line on screen.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MENTION = re.compile(r"@(everyone|here|channel|room|all)\b", re.I)
BARE_LINK = re.compile(r"(?i)\b(https?|ftp)://|\bwww\.")
# Inline syntax only: values are put on one line first, so block syntax (#, -, 1.) cannot start a line.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
WORD_JOINER = "\u2060"


def strip_controls(text: str) -> str:
    """`text` without escape sequences and control characters (\\n and \\t kept); \\r\\n becomes \\n."""
    text = text.replace("\r\n", "\n")
    return CONTROLS.sub("", ANSI.sub("", text))


def one_line(text: str) -> str:
    """`text` stripped of controls, its whitespace (line breaks included) collapsed to single spaces."""
    return " ".join(strip_controls(text).split())


def neutralise(text: str) -> str:
    """Mass mentions and bare web addresses made inert for chat clients (an invisible joiner after the `@`
    or inside `://` / `www.`); what a person reads is unchanged."""
    text = MENTION.sub(lambda m: "@" + WORD_JOINER + m.group(1), text)
    return BARE_LINK.sub(lambda m: m.group(0).replace("://", ":" + WORD_JOINER + "//").replace(
        "www.", "www" + WORD_JOINER + "."), text)


def escape_markdown(text: str) -> str:
    """`text` safe inside a Markdown body: on one line, mentions and links neutralised, every character that
    could start emphasis, a link, an image, code, raw HTML, a table cell or strikethrough backslash-escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", neutralise(one_line(text)))


def for_format(text: str, fmt: str) -> str:
    """`text` (from a watched page) made safe for a message body in `fmt`: "md" escapes Markdown, "html" is
    left to the template's autoescape, every format strips controls and neutralises mentions and links."""
    if fmt == "md":
        return escape_markdown(text)
    return neutralise(one_line(text))


class TerminalStream:
    """A text stream that writes through `strip_controls`: nothing printed can drive the terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(strip_controls(text))
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


def guard_stdout() -> None:
    """Route sys.stdout through TerminalStream (once): tables, `watcher diff`, `watcher skeleton`…"""
    if not isinstance(sys.stdout, TerminalStream):
        sys.stdout = TerminalStream(sys.stdout)
