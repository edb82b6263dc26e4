"""Saved HTML read with the page's own encoding.

Every place that reads an HTML file from disk (`watcher diff` on files and snapshot folders, `watcher skeleton FILE`,
the coordinator's block finder, tests) goes through `read_html` or `decode_html`, never `read_text("utf-8")`: a page
saved in ISO-8859-1 or windows-1252 read as UTF-8 turns « Étape » into « �tape » and every accented name into a change.

The order follows the encoding sniffing algorithm of the HTML standard
(https://html.spec.whatwg.org/multipage/parsing.html#encoding-sniffing-algorithm):

1. a byte order mark (UTF-8, UTF-16, UTF-32) wins over everything;
2. the encoding the file is known to be written in (a snapshot's `meta.json` `dom_encoding`: watcher writes
   `dom.html` as UTF-8 whatever the page's charset, because it is the browser's serialisation, not the response);
3. the charset of the HTTP `Content-Type` header (`meta.json` `content_type`; the "transport layer" of the standard);
4. a `<meta charset>` or `<meta http-equiv="Content-Type" content="…; charset=…">` near the top of the file;
5. no declaration: UTF-8 when the bytes are valid UTF-8, otherwise windows-1252 (the standard's default for
   French-language pages); BOM-less UTF-16 is left to beautifulsoup4's detector.

Labels are read as the Encoding standard does (https://encoding.spec.whatwg.org/#names-and-labels): « iso-8859-1 »,
« latin1 » and « ascii » mean windows-1252, a `<meta>` claiming UTF-16 means UTF-8. One deviation, for saved files:
a declaration that contradicts the bytes (legacy charset declared, bytes valid UTF-8 with accented letters; or UTF-8
declared and no valid multi-byte sequence at all) loses to the bytes, because tools that save or re-encode pages keep
the original `<meta charset>` while changing the bytes. BOM sniffing and `<meta>` detection are beautifulsoup4's
`EncodingDetector`; the fallback detection is its `UnicodeDammit`.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from bs4.dammit import EncodingDetector, UnicodeDammit

from watcher.errors import InputError

__all__ = ["DOM_ENCODING", "charset_of", "codec_for", "decode_html", "looks_like_text", "read_html"]

#: The encoding watcher writes a snapshot's dom.html in (the browser's serialisation, a Python str).
DOM_ENCODING = "utf-8"

# Encoding standard: these labels all decode as windows-1252 (its bytes 0x80-0x9F are letters, not C1 controls).
_AS_WINDOWS_1252 = {"latin-1", "iso8859-1", "ascii", "cp1252"}
_UNICODE = {"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
# The start of BOM-less UTF-16 markup: optional white space, then "<" (little- or big-endian).
_UTF16_START = re.compile(rb"(?:[\t\n\r ]\x00)*<\x00|(?:\x00[\t\n\r ])*\x00<")
# The start of a byte-oriented HTML page: optional white space, then a tag, a doctype or a comment.
_MARKUP_START = re.compile(rb"[\t\n\r ]*<[!?a-zA-Z]")
# Control bytes a text page does not hold (binary data does), NUL aside.
_OTHER_CONTROLS = re.compile(rb"[\x01-\x08\x0b\x0e-\x1a\x1c-\x1f]")
# A valid UTF-8 multi-byte sequence (RFC 3629); a legacy-encoded French text almost never contains one.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass(frozen=True)
class DecodedHtml:
    """An HTML file's text and how its encoding was chosen.

    `encoding` is a Python codec name ("utf-8", "cp1252", "utf-16-le"…); `source` is one of "bom", "file"
    (the encoding watcher wrote it in), "header" (HTTP Content-Type), "meta" (`<meta>` in the page),
    "content" (the bytes contradicted the declaration) or "detector" (no declaration).
    """

    text: str
    encoding: str
    source: str


def charset_of(content_type: str | None) -> str | None:
    """The `charset` parameter of a Content-Type header value (RFC 9110 §8.3), or None."""
    if not content_type:
        return None
    message = Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    return charset.strip() if isinstance(charset, str) and charset.strip() else None


def codec_for(label: str | None, *, in_meta: bool = False) -> str | None:
    """The Python codec for an encoding label as browsers read it, or None for an unknown or unusable label."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label == "x-user-defined":
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in _AS_WINDOWS_1252:
        return "cp1252"
    if in_meta and name.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a <meta> readable as ASCII cannot be in UTF-16: the standard reads the page as UTF-8
    if name == "iso8859-9":
        return "cp1254"
    return name


def utf8_shape(data: bytes) -> str:
    """'ascii', 'utf-8' (valid, with multi-byte letters), 'mixed' (some invalid bytes) or 'legacy' (no UTF-8 letter)."""
    if data.isascii():
        return "ascii"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "mixed" if _UTF8_MULTIBYTE.search(data) else "legacy"


def decode_html(data: bytes, *, content_type: str | None = None, encoding: str | None = None) -> DecodedHtml:
    """Decode saved HTML bytes with the page's own encoding (see the module's docstring for the order).

    `content_type` is the HTTP Content-Type header the page was served with, if known; `encoding` the codec the
    file is known to be written in (it still loses to a BOM). Never raises: undecodable bytes become U+FFFD.
    """
    stripped, bom = EncodingDetector.strip_byte_order_mark(data)
    if bom is not None:
        return DecodedHtml(stripped.decode(bom, "replace"), bom, "bom")
    known = codec_for(encoding)
    if known is not None:
        return DecodedHtml(data.decode(known, "replace"), known, "file")
    declared = (("header", codec_for(charset_of(content_type))),
                ("meta", codec_for(EncodingDetector.find_declared_encoding(data, is_html=True), in_meta=True)))
    for source, codec in declared:
        if codec is not None:
            return _declared(data, codec, source)
    return _detected(data)


def _declared(data: bytes, codec: str, source: str) -> DecodedHtml:
    shape = utf8_shape(data)
    if codec not in _UNICODE and shape == "utf-8":
        codec, source = "utf-8", "content"
    elif codec == "utf-8" and shape == "legacy":
        codec, source = "cp1252", "content"
    return DecodedHtml(data.decode(codec, "replace"), codec, source)


def _detected(data: bytes) -> DecodedHtml:
    if b"\x00" in data[:4096]:
        dammit = UnicodeDammit(data, is_html=True)  # NULs: BOM-less UTF-16/32, for the detector to recognise
    else:
        dammit = UnicodeDammit(data, ["utf-8"], is_html=True, user_encodings=["windows-1252"])
    codec = codec_for(dammit.original_encoding) or "cp1252"
    return DecodedHtml(data.decode(codec, "replace"), codec, "detector")


def looks_like_text(head: bytes) -> bool:
    """Whether the first bytes of a file can be an HTML page: no NUL byte, a BOM, BOM-less UTF-16 markup, or
    markup with a few stray NUL bytes (browsers drop them: HTML Standard, tokenizer « unexpected-null-character »)."""
    if b"\x00" not in head or EncodingDetector.strip_byte_order_mark(head)[1] is not None:
        return True
    if _UTF16_START.match(head) is not None:
        return True
    return _MARKUP_START.match(head) is not None and head.count(b"\x00") * 20 <= len(head) \
        and _OTHER_CONTROLS.search(head) is None


def snapshot_meta(html_path: Path) -> dict[str, object]:
    """The `meta.json` of the snapshot a `dom.html` belongs to (also for `viewports/<name>/dom.html`), or {}."""
    folder = html_path.parent
    if folder.parent.name == "viewports":
        folder = folder.parent.parent
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def read_html(path: Path) -> str:
    """The text of an HTML file or of a snapshot's dom.html, decoded with its own encoding.

    A snapshot's `dom.html` takes its `meta.json` into account: `dom_encoding` (or UTF-8 for any snapshot written by
    watcher, which records `watcher_version`), then the stored `content_type` header. Raises InputError when the
    file cannot be read.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError.text("input.unreadable", path=path, why=exc.strerror) from None
    content_type = encoding = None
    if path.name == "dom.html":
        meta = snapshot_meta(path)
        written = meta.get("dom_encoding") or (DOM_ENCODING if "watcher_version" in meta else None)
        encoding = written if isinstance(written, str) else None
        header = meta.get("content_type")
        content_type = header if isinstance(header, str) else None
    return decode_html(data, content_type=content_type, encoding=encoding).text
