"""Compares two full-page screenshots and says where the interface changed.

The pages are first aligned vertically, so that a banner inserted at the top is reported as one inserted band
instead of "everything below moved, the whole page changed". Aligned rows are then compared pixel by pixel with
a perceptual colour threshold and an anti-aliasing test (both after pixelmatch, vectorised with numpy), and the
differing pixels are grouped into a few rectangles a mediator can look at.
"""

from __future__ import annotations

import bisect
import io
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from watcher.errors import InputError

_xxh3_64: Callable[[Any], int] | None = None  # XXH3 (xxhash): a 64-bit hash several times faster than hash()
try:
    from xxhash import xxh3_64_intdigest

    _xxh3_64 = xxh3_64_intdigest
except ImportError:  # pragma: no cover - a dependency; Python's hash() is the fallback
    pass

__all__ = ["Box", "NO_VISUAL_CHANGE", "Region", "ScreenshotRows", "VisualDiff", "diff_screenshots", "load_png"]

Box = tuple[int, int, int, int]  # x, y, width, height
if TYPE_CHECKING:  # Pillow is imported only when a PIL image or an unusual PNG is given
    from typing import TypeAlias

    from PIL import Image

    # bytes: a PNG file's content; ScreenshotRows: one read for the diff and the alert's pictures
    ImageInput: TypeAlias = "Path | str | bytes | Image.Image | np.ndarray | ScreenshotRows"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TILE = 16  # side of the grid cells differing pixels are grouped by
STRIP = 256  # rows widened at once when an RGB PNG is decoded
LIBPNG_MAX_SIDE = 1_000_000  # libpng's default limit on a PNG's width and height (PNG_USER_WIDTH_MAX)
PEEK_ROWS = 4  # rows inflated first to see how a PNG is filtered
UP_ROW_LOOP = 320  # bytes a row from which Up-filtered rows are unfiltered row after row (narrower: column sums)
HASH_ROWS = 32  # scanlines hashed (and their alpha checked) at once: a multiple of 4, within a core's cache
COMPARE_ROWS = 64  # rows compared at once: bounds the temporaries, and small enough to share work between threads
CHUNK = 65_536  # differing pixels tested at once for anti-aliasing: bounds the (9, n) temporaries
CARET_MAX_WIDTH = 3  # a blinking text caret is a 1-2 px vertical bar...
CARET_MAX_HEIGHT = 48  # ...as tall as one line of a text field
STRAY_RUN = 48  # matched rows fewer than this, at a shift neither neighbour has, are a coincidence
SHIFT_MARGIN = 8  # colour levels of slack when a pixel is compared with its neighbours in the other image
SPECK_PIXELS = 6  # a lone tile with this few differing pixels is smoothing noise, not a change
MERGE_GAP = TILE  # inserted/removed bands closer than this are one band (alignment may split on a blank row)
# pixelmatch's weights for the YIQ colour difference and its largest possible value (35215).
_YIQ = np.array(
    [
        [0.29889531, 0.58662247, 0.11448223],
        [0.59597799, -0.27417610, -0.32180189],
        [0.21147017, -0.52261711, 0.31114694],
    ],
    dtype=np.float32,
)
_LUMA = np.append(_YIQ[0], np.float32(0))  # Y of an (R, G, B, A) pixel: alpha weighs nothing
_YIQ_WEIGHTS = np.array([0.5053, 0.299, 0.1957], dtype=np.float32)
_MAX_YIQ_DELTA = 35215.0
_NEIGHBOURS = [(dy, dx) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dy, dx) != (0, 0)]


@dataclass(frozen=True)
class Region:
    """A rectangle that changed; changed/inserted in AFTER coordinates, removed in BEFORE coordinates."""

    x: int
    y: int
    width: int
    height: int
    kind: str  # "changed" | "inserted" | "removed"

    @property
    def box(self) -> Box:
        return (self.x, self.y, self.width, self.height)


@dataclass(frozen=True)
class Band:
    """A run of rows of the alignment: BEFORE rows [before_start, before_end) face AFTER rows [after_start, after_end).

    kind: "same" (identical rows), "compared" (same count, compared pixel by pixel),
    "inserted" (only in AFTER) or "removed" (only in BEFORE).
    """

    before_start: int
    before_end: int
    after_start: int
    after_end: int
    kind: str


@dataclass(frozen=True)
class RowMap:
    """Maps AFTER rows to BEFORE rows (used to show the same part of both pages)."""

    bands: tuple[Band, ...]

    def before_row(self, after_y: int) -> int:
        """The BEFORE row facing `after_y`; for an inserted row, the BEFORE row where the insertion happened."""
        for band in self.bands:
            if band.after_start <= after_y < band.after_end:
                if band.kind == "inserted":
                    return band.before_start
                return band.before_start + after_y - band.after_start
        last = self.bands[-1] if self.bands else None
        return last.before_end + after_y - last.after_end if last else after_y

    def after_row(self, before_y: int) -> int:
        """The AFTER row facing `before_y`; for a removed row, the AFTER row where the removal happened."""
        for band in self.bands:
            if band.before_start <= before_y < band.before_end:
                if band.kind == "removed":
                    return band.after_start
                return band.after_start + before_y - band.before_start
        last = self.bands[-1] if self.bands else None
        return last.after_end + before_y - last.before_end if last else before_y


@dataclass(frozen=True)
class VisualDiff:
    """What changed between two screenshots: rectangles, the changed share of the page, and whether to alert."""

    changed_ratio: float
    regions: list[Region]
    alert: bool
    row_map: RowMap

    def to_json(self) -> dict[str, Any]:
        return {
            "alert": self.alert,
            "changed_ratio": self.changed_ratio,
            "regions": [
                {"x": r.x, "y": r.y, "width": r.width, "height": r.height, "kind": r.kind} for r in self.regions
            ],
        }


# ---------------------------------------------------------------------------------------------------- loading
#
# Images are held as 2-D arrays of packed pixels: one little-endian 32-bit word per pixel, bytes R, G, B, A, the
# alpha byte forced to 255 (screenshots are opaque; a transparent pixel simply keeps its colour). An RGBA PNG
# decodes straight into that form (no copy), one comparison tells two pixels apart, and a row is one buffer.

PIXEL = np.dtype("<u4")
_OPAQUE = 0xFF000000
_MASK_COLOUR = 0xFFFF00FF  # (255, 0, 255), opaque
# Pillow's guard against decompression bombs (twice Image.MAX_IMAGE_PIXELS): a bigger PNG is refused unread.
MAX_PIXELS = 2 * 89_478_485


def load_png(source: Path | str | bytes) -> np.ndarray:
    """Reads a PNG screenshot (a file, or a PNG file's bytes) as an (height, width, 3) uint8 RGB array;
    InputError for anything unusable."""
    return _rgb_of(_read_png(source), _name(source))


def _rgb_of(data: bytes, name: Path) -> np.ndarray:
    """load_png on bytes already read and checked (`_read_png`); `name` for its errors."""
    if data[24:26] == b"\x08\x02":  # 8-bit RGB, Chromium's usual kind: decoded as it is, no packing
        from imagecodecs import png_decode

        try:
            pixels = png_decode(data)
        except (RuntimeError, ValueError, MemoryError) as exc:
            raise _damaged(name, exc) from None
        if pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3:
            return pixels
    return _channels(_decode(data, name))[..., :3].copy()


class ScreenshotRows:
    """A PNG screenshot whose pixel rows are decoded only when asked: the alert pictures read a window of the page
    and a few crops, not the whole 1280 x 6000 px page.

    A Chromium PNG (8-bit RGB or RGBA, every row Sub- or None-filtered) is held inflated (libdeflate) and each
    asked row is unfiltered then (ISO/IEC 15948, 9.2: such a row depends on itself alone); one whose rows are
    all Up-filtered (Chromium's fast encoder: our captures) is unfiltered whole once read, and held as
    None-filtered rows; any other PNG is decoded whole at once, as `load_png` does. `width`, `height` in px.
    Raises InputError as `load_png` does (and when memory runs out, as `diff_screenshots`).
    """

    def __init__(self, source: Path | str | bytes) -> None:
        data = self._data = _read_png(source)
        self._name = _name(source)
        try:
            lines = self._lines = _Scanlines.read(data)
            self._pixels = _rgb_of(data, self._name) if lines is None else np.zeros((0, 0, 3), np.uint8)  # all, or none
        except MemoryError:  # as diff_screenshots says it: a check reads its PNGs here before the diff
            raise InputError.text("input.no_memory") from None
        height, width = lines.shape if lines is not None else self._pixels.shape[:2]
        self.width, self.height = int(width), int(height)

    @classmethod
    def pair(cls, before: Path | str | bytes, after: Path | str | bytes) -> tuple[ScreenshotRows, ScreenshotRows]:
        """Both screenshots read at once (inflating releases the GIL; `before` in a second thread): what a check
        gives `diff_screenshots` and then keeps for the alert's pictures, each PNG read once for both. Raises
        InputError as `load_png` does (`before`'s first, even when both are unusable)."""
        found: list[ScreenshotRows | BaseException] = []

        def read_before() -> None:
            try:
                found.append(cls(before))
            except BaseException as exc:  # re-raised in the calling thread
                found.append(exc)

        thread = threading.Thread(target=read_before, name="read-before")
        thread.start()
        try:
            rows_a = cls(after)
        except BaseException:
            thread.join()
            if isinstance(found[0], Exception):  # before's fault first
                raise found[0] from None
            raise
        thread.join()
        if isinstance(found[0], BaseException):
            raise found[0]
        return found[0], rows_a

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in px, as Pillow gives an image's size."""
        return self.width, self.height

    def packed(self) -> np.ndarray:
        """The whole image as packed pixels (module comment, "loading"), a new array the caller may paint on,
        made from what was read (its scanlines unfiltered, or its pixels widened): the PNG is not decoded
        again."""
        if self._lines is not None:
            return self._lines.rows(0, self.height)
        return _packed(self._pixels)

    def rgb(self, top: int, bottom: int) -> np.ndarray:
        """Rows [top, bottom) (clipped to the image) as an (rows, width, 3) uint8 RGB array."""
        top, bottom = max(0, top), min(self.height, bottom)
        if bottom <= top:
            return np.zeros((0, self.width, 3), np.uint8)
        if self._lines is not None:
            return self._lines.rgb(top, bottom)
        return self._pixels[top:bottom]


def _damaged(path: Path, exc: BaseException) -> InputError:
    """The one-line error for a PNG the decoder refused. libpng's message names the chunk at fault, but for a
    chunk whose name is not ASCII imagecodecs fails to decode that message (UnicodeDecodeError): no reason then."""
    if isinstance(exc, UnicodeDecodeError):
        return InputError.text("input.damaged_png_chunks", path=path)
    return InputError.text("input.damaged_png", path=path, why=str(exc).splitlines()[0] if str(exc) else exc)


def _channels(packed: np.ndarray) -> np.ndarray:
    """The (height, width, 4) uint8 view (R, G, B, A) of a C-contiguous packed image."""
    return packed.view(np.uint8).reshape(*packed.shape, 4)


def _read_png(source: Path | str | bytes) -> bytes:
    """The file's bytes (or the bytes given), once checked to be a PNG of a size we accept (InputError otherwise)."""
    if isinstance(source, bytes):
        return _checked_png(source, Path("<PNG bytes>"))
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError.text("input.missing", path=path) from None
    except OSError as exc:
        raise InputError.text("input.unreadable", path=path, why=exc.strerror or exc) from None
    return _checked_png(data, path)


def _checked_png(data: bytes, path: Path) -> bytes:
    if not data:
        raise InputError.text("input.empty", path=path)
    if not data.startswith(PNG_SIGNATURE):
        raise InputError.text("input.not_png", path=path)
    width, height = _png_size(data, path)
    if width * height > MAX_PIXELS:
        raise InputError.text("input.png_too_large", path=path, width=width, height=height)
    return data


def _png_size(data: bytes, path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, which the PNG specification puts first (ISO/IEC 15948, 5.6)."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise InputError.text("input.no_png_header", path=path)
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _decode(data: bytes, path: Path) -> np.ndarray:
    """PNG bytes to a packed image. libpng (through imagecodecs) releases the GIL, so two decode at once."""
    from imagecodecs import png_decode

    width, height = _png_size(data, path)
    bit_depth, colour_type = data[24], data[25]
    try:
        # 8-bit RGB, no alpha: Chromium's usual kind. A tRNS chunk (one colour said transparent) makes libpng
        # hand back four channels: such a PNG is decoded as an RGBA one (its alpha then left out).
        if bit_depth == 8 and colour_type == 2 and width and height and not _has_trns(data):
            return _expand_rgb(data, width, height)
        pixels = png_decode(data)
    except (RuntimeError, ValueError, MemoryError) as exc:
        raise _damaged(path, exc) from None
    if pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        return _packed(pixels)
    # Grey, grey with alpha, 16 bits per channel: rare for screenshots, converted by Pillow.
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return _image_to_packed(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError.text("input.damaged_png", path=path, why=exc) from None


def _has_trns(data: bytes) -> bool:
    """Whether a tRNS chunk may come before the image data (a false yes only costs the general decode)."""
    return data.find(b"tRNS", 33, max(data.find(b"IDAT", 33), 33)) >= 0


def _expand_rgb(data: bytes, width: int, height: int) -> np.ndarray:
    """Decodes an RGB PNG into the last three quarters of the packed array's own buffer, then widens it to four
    bytes a pixel front to back, in place: packed pixel i ends where RGB pixel i + 1 begins or before, so nothing
    unread is overwritten and the image never needs more than its packed size. Each pixel's three bytes are read
    as one little-endian word whose fourth byte (the next pixel's red) becomes an opaque alpha: one pass over
    words, not a copy channel by channel."""
    from imagecodecs import png_decode

    count = width * height
    packed = np.empty((height, width), PIXEL)
    flat = packed.reshape(-1)
    buffer = flat.view(np.uint8)
    rgb = buffer[count:].reshape(height, width, 3)
    png_decode(data, out=rgb)
    # The last pixel's word would read past the buffer: it is done alone, from its bytes read now.
    red, green, blue = (int(value) for value in rgb[-1, -1])
    words = np.ndarray((count - 1,), dtype=PIXEL, buffer=buffer, offset=count, strides=(3,))
    step = STRIP * width
    for first in range(0, count - 1, step):
        last = min(first + step, count - 1)
        flat[first:last] = words[first:last] | np.uint32(_OPAQUE)  # read whole, then written
    flat[count - 1] = red | green << 8 | blue << 16 | _OPAQUE
    return packed


def _packed(pixels: np.ndarray) -> np.ndarray:
    """An (height, width, 3 or 4) uint8 array as a packed image (a view of an RGBA array we may write, else a copy)."""
    height, width, depth = pixels.shape
    if depth == 4 and pixels.flags.c_contiguous and pixels.flags.writeable:
        packed = pixels.view(PIXEL).reshape(height, width)
    else:
        packed = np.empty((height, width), PIXEL)
        channels = _channels(packed)
        channels[..., :3] = pixels[..., :3]
    packed |= np.uint32(_OPAQUE)
    return packed


def _image_to_packed(image: Image.Image) -> np.ndarray:
    image.load()
    if image.mode != "RGBA":
        image = image.convert("RGBA")
    return _packed(np.array(image))  # a writable copy we own, so masks can be painted in place


class _Scanlines:
    """An 8-bit RGB or RGBA, non-interlaced PNG whose rows are all filtered alike with None or Sub, held as its
    inflated image data: Chromium's screenshots are of this kind (its encoder uses Sub on every row). Rows all
    filtered with Up (Chromium's fast encoder's) are unfiltered when read, and held as None-filtered ones.

    With those two filters a row's filtered bytes depend on that row alone (ISO/IEC 15948, 9.2), so equal rows
    have equal filtered bytes: rows are hashed without being unfiltered, and only the rows the comparison reads
    are, a strip at a time. Inflating with libdeflate takes half of libpng's time for the whole decode.
    """

    def __init__(self, lines: np.ndarray, depth: int, kind: int) -> None:
        self.lines = lines  # (height, 1 + width * depth) uint8: each row's filter type, then its filtered bytes
        self.depth = depth  # bytes a pixel: 3 (RGB) or 4 (RGBA)
        self.kind = kind  # the filter type of every row: 0 (None) or 1 (Sub)
        self.shape: tuple[int, int] = (int(lines.shape[0]), int(lines.shape[1] - 1) // depth)
        self.opaque_checked = False  # every alpha byte is 255: packed rows need no forcing

    @property
    def form(self) -> tuple[int, int]:
        """Scanlines of one form hash equal rows alike."""
        return self.depth, self.kind

    def __len__(self) -> int:
        return self.shape[0]

    @classmethod
    def read(cls, data: bytes) -> _Scanlines | None:
        """The scanlines of a PNG file's bytes; None when it is of another kind or anything about it is unusual
        (the general decoder then reads it, and says what is wrong)."""
        if len(data) < 33 or data[8:16] != b"\x00\x00\x00\x0dIHDR":  # signature, IHDR of 13 bytes (libpng's test)
            return None
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        bit_depth, colour_type, compression, filtering, interlace = data[24:29]
        if bit_depth != 8 or colour_type not in (2, 6) or compression or filtering or interlace or not width * height:
            return None
        if max(width, height) > LIBPNG_MAX_SIDE:  # libpng refuses it: so must we, with libpng's words
            return None
        stream = _idat(data)
        if stream is None:
            return None
        depth = 4 if colour_type == 6 else 3
        row_bytes = 1 + width * depth
        # The first rows' filters, inflated alone, tell at once a PNG of another encoder (mixed filters).
        import zlib

        wanted = min(height, PEEK_ROWS) * row_bytes  # DEFLATE never takes more than 5 bytes per 65535 beyond it
        try:
            head = zlib.decompressobj().decompress(stream[: wanted + wanted // 8192 + 64], wanted)
        except zlib.error:
            return None
        if len(set(head[::row_bytes])) != 1 or head[0] > 2 or stream[1] & 0x20:  # no preset dictionary in PNG
            return None
        from imagecodecs import deflate_decode

        lines = np.empty((height, row_bytes), np.uint8)
        try:
            # The zlib stream, its Adler-32 checked as libpng does (libdeflate's costs about 0.1 ms a MB).
            inflated = deflate_decode(stream, out=lines.reshape(-1).data)
        except (RuntimeError, ValueError, MemoryError):
            return None
        if len(inflated) != lines.size:
            return None
        kinds = lines[:, 0]
        if (kinds != kinds[0]).any():
            return None
        kind = int(kinds[0])
        if kind == 2:
            _unfilter_up(lines)
            kind = 0
        return cls(lines, depth, kind)

    def opaque_hashes(self, width: int) -> np.ndarray | None:
        """One 64-bit hash per row of the first `width` pixels' filtered bytes (None and Sub: they depend on
        those pixels only); None when a pixel is not opaque (alpha is forced to 255 in packed pixels, so rows
        differing only by their alpha must hash alike: such scanlines are decoded whole instead).

        Rows are hashed a few at a time and their alpha bytes checked while they are in the cache: four rows
        are a whole number of aligned 32-bit words, so the alpha bytes of a group of four rows sit at the same
        places of each group, and one OR (Sub: differences, 0 all along) or AND (None: 255 all along) over
        groups of words, then one mask, tells them all.
        """
        hash_row = _xxh3_64 if _xxh3_64 is not None else lambda row: hash(row.tobytes())
        lines, depth = self.lines, self.depth
        height, row_bytes = lines.shape
        rows = lines[:, 1 : 1 + width * depth]
        hashes = np.empty(height, np.uint64 if _xxh3_64 is not None else np.int64)
        if depth == 3:  # no list of Python ints: a tall, thin PNG of a few kB would take gigabytes
            return np.fromiter((hash_row(row) for row in rows), dtype=hashes.dtype, count=height)
        whole = height - height % 4
        groups = lines[:whole].reshape(whole // 4, 4 * row_bytes).view(PIXEL)
        merge = np.bitwise_or if self.kind == 1 else np.bitwise_and
        seen = np.zeros(row_bytes, PIXEL) if self.kind == 1 else np.full(row_bytes, 0xFFFFFFFF, PIXEL)
        for first in range(0, whole, HASH_ROWS):
            hashes[first : first + HASH_ROWS] = [hash_row(row) for row in rows[first : first + HASH_ROWS]]
            seen = merge(seen, merge.reduce(groups[first // 4 : (first + HASH_ROWS) // 4], axis=0))
        hashes[whole:] = [hash_row(row) for row in rows[whole:]]
        alpha = np.zeros((4, row_bytes), np.uint8)
        alpha[:, 8::4] = 0xFF  # each pixel's alpha but the first: filter type byte, then R, G, B, A
        mask = alpha.reshape(-1).view(PIXEL)
        tail = lines[whole:, 8::4]
        if self.kind == 1:  # the first pixel's alpha, then differences
            opaque = not ((seen & mask).any() or tail.any())
        else:
            opaque = not ((seen & mask) != mask).any() and bool((tail == 255).all())
        self.opaque_checked = opaque and bool((lines[:, 4] == 255).all())
        return hashes if self.opaque_checked else None

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Rows [start, stop) unfiltered, as a packed image."""
        count, width = stop - start, self.shape[1]
        data = self.lines[start:stop, 1:].reshape(count, width, self.depth)
        packed = np.empty((count, width), PIXEL)
        # Sub: each byte adds the byte one pixel before it, modulo 256: a cumulative sum along the row, which
        # imagecodecs' delta_decode (TIFF's horizontal predictor) does faster than numpy's cumsum.
        from imagecodecs import delta_decode

        if self.depth == 4:
            channels = _channels(packed)
            if self.kind == 1:
                delta_decode(data, axis=1, out=channels)
            else:
                channels[...] = data
            if not self.opaque_checked:
                packed |= np.uint32(_OPAQUE)
            return packed
        if self.kind == 1:
            data = delta_decode(data, axis=1)
        channels = _channels(packed)
        channels[..., :3] = data
        channels[..., 3] = 255
        return packed

    def rgb(self, start: int, stop: int) -> np.ndarray:
        """Rows [start, stop) unfiltered, as an (rows, width, 3) uint8 RGB array (None-filtered RGB rows: a view,
        nothing copied); alpha left out."""
        count, width = stop - start, self.shape[1]
        data = self.lines[start:stop, 1:].reshape(count, width, self.depth)
        if self.kind == 1:
            from imagecodecs import delta_decode

            data = delta_decode(data, axis=1)
        return data[..., :3]


def _unfilter_up(lines: np.ndarray) -> None:
    """Scanlines all filtered with Up (Chromium's fast encoder: `Page.captureScreenshot` with `optimizeForSpeed`)
    unfiltered in place into None-filtered ones: each byte adds the byte above it, modulo 256 (ISO/IEC 15948, 9.2;
    the first row's "above" is zero). A row depends on every row above it, so the whole image is done at once,
    row after row (numpy's cumulative sum along the columns is twenty times slower: it walks them one by one);
    with libdeflate's inflating, half of libpng's time for the whole decode. Rows of fewer than UP_ROW_LOOP
    bytes are summed down their columns instead: a row loop costs a Python call a row, however narrow (a 4 kB
    PNG of 1 x 1 000 000 px took twenty times libpng's whole decode). `lines`: (height, 1 + row bytes)."""
    body = lines[:, 1:]
    if body.shape[1] < UP_ROW_LOOP:
        np.add.accumulate(body, axis=0, out=body)
    else:
        add = np.add
        for row in range(1, len(lines)):
            add(body[row - 1], body[row], out=body[row])
    lines[:, 0] = 0


def _idat(data: bytes) -> bytes | None:
    """The zlib stream of a PNG's IDAT chunks, their CRCs checked; None for any chunk layout libpng might judge
    otherwise (a critical chunk we do not know, IDAT chunks apart, a truncated file)."""
    import zlib

    parts: list[memoryview] = []
    view = memoryview(data)
    position, ended = 8, False
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            return None
        critical = kind[0] & 0x20 == 0  # ISO/IEC 15948, 5.4: libpng refuses these when damaged
        if critical and zlib.crc32(view[position + 4 : end - 4]) != int.from_bytes(data[end - 4 : end], "big"):
            return None
        if kind == b"IDAT":
            if ended:
                return None
            parts.append(view[position + 8 : end - 4])
        elif kind == b"IEND":
            break
        else:
            if parts:
                ended = True
            if critical and kind != b"PLTE" and (kind != b"IHDR" or position != 8):  # unknown, or a second IHDR
                return None
        position = end
    return b"".join(parts) if parts else None


_Image = np.ndarray | _Scanlines  # packed pixels, or scanlines unfiltered a strip at a time


def _rows(image: _Image, start: int, stop: int) -> np.ndarray:
    """Rows [start, stop) of an image as packed pixels (a view of a packed image)."""
    return image[start:stop] if isinstance(image, np.ndarray) else image.rows(start, stop)


def _as_packed(image: ImageInput) -> np.ndarray:
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
            raise InputError(f"expected an (height, width, 3) uint8 image, got {image.shape} {image.dtype}")
        return _packed(image.copy() if image.shape[2] == 4 else image)  # the caller's array is left alone
    if isinstance(image, Path | str | bytes):
        return _decode(_read_png(image), _name(image))
    if isinstance(image, ScreenshotRows):  # with masks, or beside another kind of input: a packed copy
        return image.packed()
    return _image_to_packed(image)


@dataclass
class _Prepared:
    """One image ready to compare: its pixels (masks painted) and the hashes of its rows."""

    pixels: _Image
    hashes: np.ndarray


def _prepare_pair(
    before: ImageInput, after: ImageInput, masks: Sequence[Box]
) -> tuple[_Prepared, _Prepared]:
    """Decodes, masks and hashes both images; two PNG files are handled at once, one thread each."""
    if isinstance(before, Path | str | bytes) and isinstance(after, Path | str | bytes):
        data_b, data_a = _read_png(before), _read_png(after)  # errors first, in argument order
        name_b, name_a = _name(before), _name(after)
        width = min(_png_size(data_b, name_b)[0], _png_size(data_a, name_a)[0])
        # Threads, not a pool: concurrent.futures alone takes longer to import than a small diff.
        results: dict[str, _Prepared | BaseException] = {}

        def prepare_before() -> None:
            try:
                results["before"] = _prepare_png(data_b, name_b, masks, width)
            except BaseException as exc:  # re-raised in the calling thread
                results["before"] = exc

        thread = threading.Thread(target=prepare_before, name="decode-before")
        thread.start()
        try:
            prepared_a = _prepare_png(data_a, name_a, masks, width)
        finally:
            thread.join()
        prepared_b = results.pop("before")
        if isinstance(prepared_b, BaseException):
            raise prepared_b
        scan_b, scan_a = prepared_b.pixels, prepared_a.pixels
        if isinstance(scan_b, _Scanlines) and isinstance(scan_a, _Scanlines) and scan_b.form == scan_a.form:
            return prepared_b, prepared_a
        # Row hashes of one kind in both images: scanlines hashed as they are compare only with scanlines of
        # the same form. Otherwise scanlines are dropped (their memory freed first) and the PNG decoded whole
        # (one file from another encoder: rare).
        del scan_b, scan_a
        if isinstance(prepared_b.pixels, _Scanlines):
            del prepared_b
            prepared_b = _prepare(_decode(data_b, name_b), masks, width)
        if isinstance(prepared_a.pixels, _Scanlines):
            del prepared_a
            prepared_a = _prepare(_decode(data_a, name_a), masks, width)
        return prepared_b, prepared_a
    if isinstance(before, ScreenshotRows) and isinstance(after, ScreenshotRows) and not masks:
        return _prepare_rows(before, after)
    image_b, image_a = _as_packed(before), _as_packed(after)
    width = min(image_b.shape[1], image_a.shape[1])
    return _prepare(image_b, masks, width), _prepare(image_a, masks, width)


def _prepare_rows(before: ScreenshotRows, after: ScreenshotRows) -> tuple[_Prepared, _Prepared]:
    """Two screenshots already read (`ScreenshotRows.pair`) ready to compare: their scanlines hashed as they are
    when both are of one form and opaque; otherwise each whole as packed pixels made from what was read
    (`ScreenshotRows.packed`: the PNGs are not decoded again, what was read is left to the pictures)."""
    width = min(before.width, after.width)
    lines_b, lines_a = before._lines, after._lines
    if lines_b is not None and lines_a is not None and lines_b.form == lines_a.form:
        hashes_b, hashes_a = lines_b.opaque_hashes(width), lines_a.opaque_hashes(width)
        if hashes_b is not None and hashes_a is not None:
            return _Prepared(lines_b, hashes_b), _Prepared(lines_a, hashes_a)
    return _prepare(_as_packed(before), (), width), _prepare(_as_packed(after), (), width)


def _name(source: Path | str | bytes) -> Path:
    return Path("<PNG bytes>") if isinstance(source, bytes) else Path(source)


def _prepare(image: np.ndarray, masks: Sequence[Box], width: int) -> _Prepared:
    pixels = _paint_masks(image, masks)
    return _Prepared(pixels, row_hashes(pixels, width))


def _prepare_png(data: bytes, name: Path, masks: Sequence[Box], width: int) -> _Prepared:
    """A PNG file's pixels and row hashes: as scanlines (hashed as they are) when it is of Chromium's kind and
    nothing is masked, else decoded whole."""
    scanlines = None if masks else _Scanlines.read(data)
    hashes = None if scanlines is None else scanlines.opaque_hashes(width)
    if scanlines is not None and hashes is not None:
        return _Prepared(scanlines, hashes)
    return _prepare(_decode(data, name), masks, width)


def _load_pair(before: ImageInput, after: ImageInput) -> tuple[np.ndarray, np.ndarray]:
    """Both images as packed arrays (PNG files decoded at once)."""
    prepared_b, prepared_a = _prepare_pair(before, after, ())
    return _rows(prepared_b.pixels, 0, len(prepared_b.pixels)), _rows(prepared_a.pixels, 0, len(prepared_a.pixels))


def _paint_masks(image: np.ndarray, masks: Sequence[Box]) -> np.ndarray:
    """Fills ignored rectangles with one flat colour in both images, so they compare (and align) as equal."""
    for x, y, width, height in masks:
        image[max(y, 0) : max(y + height, 0), max(x, 0) : max(x + width, 0)] = _MASK_COLOUR
    return image


# -------------------------------------------------------------------------------------------------- alignment


def row_hashes(image: np.ndarray, width: int) -> np.ndarray:
    """One 64-bit hash per row of the first `width` columns: equal rows have equal hashes (the hashes of one
    diff are only compared with each other)."""
    rows = image[:, :width]
    if _xxh3_64 is not None:
        # XXH3 reads each row where it lies (no copy): a quarter of the time of SipHash over a copy of it. One
        # hash for both images, whatever their widths: the first `width` pixels of a wider image's rows are
        # each in one piece but not the whole of them (SipHash on one side only would match no row).
        if image.strides[1] == image.itemsize:
            return np.fromiter((_xxh3_64(row) for row in rows), dtype=np.uint64, count=len(rows))
        return np.fromiter((_xxh3_64(row.tobytes()) for row in rows), dtype=np.uint64, count=len(rows))
    # Python's SipHash over each row's bytes measured faster here than a vectorised numpy hash.
    return np.fromiter((hash(row.tobytes()) for row in rows), dtype=np.int64, count=len(rows))


def align_rows(before: np.ndarray, after: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of identical rows (before_start, after_start, length), increasing in both, as a patience diff finds them."""
    matches: list[tuple[int, int, int]] = []
    stack = [(0, len(before), 0, len(after))]
    while stack:
        b0, b1, a0, a1 = stack.pop()
        matches.extend(_match_range(before, after, b0, b1, a0, a1, stack))
    return _drop_stray_runs(sorted(matches))


def _drop_stray_runs(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Forgets short runs matched at a shift their neighbours both disagree with: two cards whose bottom border
    is alike are not a reason to report "removed here, inserted there" in a block that was simply replaced."""
    kept = list(matches)
    changed = True
    while changed:
        changed = False
        for i in range(1, len(kept) - 1):
            (pb, pa, _), (b, a, length), (nb, na, _) = kept[i - 1], kept[i], kept[i + 1]
            shift, around = a - b, pa - pb
            if length < STRAY_RUN and shift != around and na - nb == around:
                del kept[i]
                changed = True
                break
    return kept


def _common_run(before: np.ndarray, after: np.ndarray, reverse: bool) -> int:
    n = min(len(before), len(after))
    if reverse:
        equal = before[len(before) - n :][::-1] == after[len(after) - n :][::-1]
    else:
        equal = before[:n] == after[:n]
    return n if equal.all() else int(np.argmin(equal))


def _match_range(
    before: np.ndarray, after: np.ndarray, b0: int, b1: int, a0: int, a1: int, stack: list[tuple[int, int, int, int]]
) -> list[tuple[int, int, int]]:
    """Matches one gap: trims its equal ends, anchors on rows unique in both sides, and queues the sub-gaps."""
    found: list[tuple[int, int, int]] = []
    head = _common_run(before[b0:b1], after[a0:a1], reverse=False)
    if head:
        found.append((b0, a0, head))
        b0, a0 = b0 + head, a0 + head
    tail = _common_run(before[b0:b1], after[a0:a1], reverse=True)
    if tail:
        found.append((b1 - tail, a1 - tail, tail))
        b1, a1 = b1 - tail, a1 - tail
    if b0 == b1 or a0 == a1:
        return found
    anchors = _unique_anchors(before[b0:b1], after[a0:a1])
    runs = _extend_anchors(before, after, [(b0 + b, a0 + a) for b, a in anchors], (b0, b1, a0, a1))
    found.extend(runs)
    previous_b, previous_a = b0, a0
    for rb, ra, length in [*runs, (b1, a1, 0)]:
        if (rb > previous_b or ra > previous_a) and runs:
            stack.append((previous_b, rb, previous_a, ra))
        previous_b, previous_a = rb + length, ra + length
    return found


def _unique_anchors(before: np.ndarray, after: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of positions of rows that occur exactly once on each side, kept in increasing order (longest chain)."""
    values_b, index_b, counts_b = np.unique(before, return_index=True, return_counts=True)
    values_a, index_a, counts_a = np.unique(after, return_index=True, return_counts=True)
    unique_b, unique_a = values_b[counts_b == 1], values_a[counts_a == 1]
    common, in_b, in_a = np.intersect1d(unique_b, unique_a, assume_unique=True, return_indices=True)
    if not len(common):
        return []
    pos_b = index_b[counts_b == 1][in_b]
    pos_a = index_a[counts_a == 1][in_a]
    order = np.argsort(pos_b)
    return _longest_increasing(pos_b[order].tolist(), pos_a[order].tolist())


def _longest_increasing(pos_b: list[int], pos_a: list[int]) -> list[tuple[int, int]]:
    """Patience sorting: the longest subsequence whose AFTER positions increase too."""
    tails: list[int] = []
    tail_index: list[int] = []
    parent = [-1] * len(pos_a)
    for i, a in enumerate(pos_a):
        k = bisect.bisect_left(tails, a)
        parent[i] = tail_index[k - 1] if k else -1
        if k == len(tails):
            tails.append(a)
            tail_index.append(i)
        else:
            tails[k], tail_index[k] = a, i
    chain: list[tuple[int, int]] = []
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        chain.append((pos_b[i], pos_a[i]))
        i = parent[i]
    return chain[::-1]


def _extend_anchors(
    before: np.ndarray, after: np.ndarray, anchors: list[tuple[int, int]], limits: tuple[int, int, int, int]
) -> list[tuple[int, int, int]]:
    """Grows each anchor into the run of identical rows around it (blank rows are never unique, but do match)."""
    b0, b1, a0, a1 = limits
    runs: list[tuple[int, int, int]] = []
    floor_b, floor_a = b0, a0
    for b, a in anchors:
        if b < floor_b or a < floor_a:
            continue  # already inside the previous run
        back = _common_run(before[floor_b:b], after[floor_a:a], reverse=True)
        forward = _common_run(before[b:b1], after[a:a1], reverse=False)
        runs.append((b - back, a - back, back + forward))
        floor_b, floor_a = b + forward, a + forward
    return runs


def _bands(matches: list[tuple[int, int, int]], height_b: int, height_a: int) -> list[Band]:
    """Turns matched runs into bands covering both pages: same, compared, inserted and removed rows."""
    bands: list[Band] = []
    b, a = 0, 0
    for mb, ma, length in [*matches, (height_b, height_a, 0)]:
        bands.extend(_gap_bands(b, mb, a, ma))
        if length:
            bands.append(Band(mb, mb + length, ma, ma + length, "same"))
        b, a = mb + length, ma + length
    return bands


def _gap_bands(b0: int, b1: int, a0: int, a1: int) -> list[Band]:
    # Rows facing each other are compared top-aligned; whatever is left over was inserted or removed.
    common = min(b1 - b0, a1 - a0)
    bands = [Band(b0, b0 + common, a0, a0 + common, "compared")] if common else []
    if a1 - a0 > common:
        bands.append(Band(b0 + common, b0 + common, a0 + common, a1, "inserted"))
    if b1 - b0 > common:
        bands.append(Band(b0 + common, b1, a0 + common, a0 + common, "removed"))
    return bands


# ------------------------------------------------------------------------------------------------- comparison


@dataclass
class _TileStats:
    """Per-tile count and tight bounding box of differing pixels, in AFTER coordinates ((rows, columns) arrays)."""

    count: np.ndarray
    min_x: np.ndarray
    max_x: np.ndarray
    min_y: np.ndarray
    max_y: np.ndarray

    @classmethod
    def empty(cls, height: int, width: int) -> _TileStats:
        shape = (max(-(-height // TILE), 1), max(-(-width // TILE), 1))
        big = np.iinfo(np.int32).max
        return cls(
            np.zeros(shape, np.int64),
            np.full(shape, big, np.int32),
            np.full(shape, -1, np.int32),
            np.full(shape, big, np.int32),
            np.full(shape, -1, np.int32),
        )

    @classmethod
    def merged(cls, shares: list[_TileStats]) -> _TileStats:
        """One set of statistics from those of disjoint groups of strips."""
        first = shares[0]
        for other in shares[1:]:
            first.count += other.count
            np.minimum(first.min_x, other.min_x, out=first.min_x)
            np.maximum(first.max_x, other.max_x, out=first.max_x)
            np.minimum(first.min_y, other.min_y, out=first.min_y)
            np.maximum(first.max_y, other.max_y, out=first.max_y)
        return first

    def add(self, ys: np.ndarray, xs: np.ndarray) -> None:
        """Adds differing pixels (after coordinates) of one strip, through a small dense tile-aligned mask."""
        if not len(ys):
            return
        first, last = int(ys.min()) // TILE, int(ys.max()) // TILE + 1
        columns = self.count.shape[1]
        mask = np.zeros(((last - first) * TILE, columns * TILE), dtype=bool)
        mask[ys - first * TILE, xs] = True
        tiles = mask.reshape(last - first, TILE, columns, TILE)
        # numpy's stubs type .any(axis=...) as "bool | ndarray" whatever the ndim; on a 4-D array it is an array.
        hit_rows = cast(np.ndarray, tiles.any(axis=3))  # (tile rows, TILE, columns)
        hit_columns = cast(np.ndarray, tiles.any(axis=1))  # (tile rows, columns, TILE)
        base_y = (np.arange(first, last) * TILE)[:, None]
        base_x = (np.arange(columns) * TILE)[None, :]
        found = hit_rows.any(axis=1)
        rows = slice(first, last)
        self.count[rows] += tiles.sum(axis=(1, 3))
        top = np.where(found, base_y + hit_rows.argmax(axis=1), np.iinfo(np.int32).max)
        bottom = np.where(found, base_y + TILE - 1 - hit_rows[:, ::-1].argmax(axis=1), -1)
        left = np.where(found, base_x + hit_columns.argmax(axis=2), np.iinfo(np.int32).max)
        right = np.where(found, base_x + TILE - 1 - hit_columns[:, :, ::-1].argmax(axis=2), -1)
        np.minimum(self.min_y[rows], top, out=self.min_y[rows])
        np.maximum(self.max_y[rows], bottom, out=self.max_y[rows])
        np.minimum(self.min_x[rows], left, out=self.min_x[rows])
        np.maximum(self.max_x[rows], right, out=self.max_x[rows])


def _strips(band: Band) -> list[tuple[int, int, int]]:
    """The (before top, after top, rows) strips a compared band is checked by."""
    height = band.after_end - band.after_start
    return [
        (band.before_start + offset, band.after_start + offset, min(COMPARE_ROWS, height - offset))
        for offset in range(0, height, COMPARE_ROWS)
    ]


def _compare_strips(
    before: _Image, after: _Image, strips: list[tuple[int, int, int]], width: int, threshold: float
) -> _TileStats:
    """Compares the facing rows strip by strip and records the pixels that really differ. The strips are shared
    between threads (numpy releases the GIL on whole arrays), each with its own tile counts, merged at the end.
    Each thread takes the next strip when it is done with one: changes gather in a few strips (a replaced
    picture), so a fixed split would leave one thread doing most of the work."""
    workers = min(_cpus(), 2, len(strips)) or 1
    shares = [_TileStats.empty(len(after), width) for _ in range(workers)]
    pending = iter(strips)
    lock = threading.Lock()

    def work(share: int) -> None:
        while True:
            with lock:
                strip = next(pending, None)
            if strip is None:
                return
            b_top, a_top, rows = strip
            _compare_strip(before, after, b_top, a_top, rows, width, threshold, shares[share])

    threads = [threading.Thread(target=work, args=(share,), name=f"compare-{share}") for share in range(1, workers)]
    for thread in threads:
        thread.start()
    try:
        work(0)
    finally:
        for thread in threads:
            thread.join()
    return _TileStats.merged(shares)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _compare_strip(
    before: _Image, after: _Image, b_top: int, a_top: int, rows: int, width: int, threshold: float,
    stats: _TileStats,
) -> None:
    # The strip's rows and the two rows around them the anti-aliasing test looks at (fewer at the page's edges).
    start_b, start_a = max(b_top - 2, 0), max(a_top - 2, 0)
    block_b = _rows(before, start_b, min(b_top + rows + 2, len(before)))
    block_a = _rows(after, start_a, min(a_top + rows + 2, len(after)))
    top_b, top_a = b_top - start_b, a_top - start_a
    strip_b = block_b[top_b : top_b + rows, :width]
    strip_a = block_a[top_a : top_a + rows, :width]
    if not strip_b.flags.c_contiguous:  # pages of different widths: their common columns, copied strip by strip
        strip_b, strip_a = np.ascontiguousarray(strip_b), np.ascontiguousarray(strip_a)
    flat_b, flat_a = strip_b.reshape(-1), strip_a.reshape(-1)
    found = _differing(flat_b, flat_a)
    if not len(found):
        return
    found = found[_perceptible(flat_b[found], flat_a[found], threshold)]
    if len(found):
        ys, xs = np.divmod(found, width)
        aa = _antialiased_pair(block_b, block_a, top_b, top_a, ys, xs, width)
        stats.add(ys[~aa] + a_top, xs[~aa])


def _differing(flat_b: np.ndarray, flat_a: np.ndarray) -> np.ndarray:
    """Positions of the pixels that are not bit-identical in two flat runs of packed pixels (cheap: most of a
    page is; one word per pixel)."""
    return np.flatnonzero(flat_b != flat_a)


def _perceptible(pixels_b: np.ndarray, pixels_a: np.ndarray, threshold: float) -> np.ndarray:
    """pixelmatch's YIQ colour distance, above `threshold` (0..1) of the largest possible distance."""
    # Channel differences as three contiguous rows (one pass to int16, one transposing copy to float32).
    delta = (_channels_of(pixels_a).astype(np.int16) - _channels_of(pixels_b))[:, :3].T.astype(np.float32)
    red, green, blue = delta[0], delta[1], delta[2]
    distance = np.zeros(len(pixels_a), dtype=np.float32)
    # Written out per channel: a matmul with a 3x3 matrix is slow on millions of rows. In place, same order of
    # operations (so the same rounding) as weight * component * component.
    for (wr, wg, wb), weight in zip(_YIQ.tolist(), _YIQ_WEIGHTS.tolist(), strict=True):
        component = red * np.float32(wr)
        component += green * np.float32(wg)
        component += blue * np.float32(wb)
        weighted = component * np.float32(weight)
        weighted *= component
        distance += weighted
    return distance > _MAX_YIQ_DELTA * threshold * threshold


def _channels_of(pixels: np.ndarray) -> np.ndarray:
    """(n, 4) uint8 channels (R, G, B, A) of a 1-D array of packed pixels."""
    return np.ascontiguousarray(pixels).view(np.uint8).reshape(-1, 4)


def _window(image: np.ndarray, top: int, ys: np.ndarray, xs: np.ndarray, width: int) -> np.ndarray:
    """The box around the pixels plus two rows and two columns on each side (the image's edges repeated
    where the box goes past them). Its origin is (top + ys.min() - 2, xs.min() - 2) in the image."""
    first, last = int(ys.min()) + top - 2, int(ys.max()) + top + 3
    left, right = int(xs.min()) - 2, int(xs.max()) + 3
    window = image[max(first, 0) : min(last, len(image)), max(left, 0) : min(right, width)]
    pad_top, pad_bottom = max(-first, 0), max(last - len(image), 0)
    pad_left, pad_right = max(-left, 0), max(right - width, 0)
    if pad_top or pad_bottom or pad_left or pad_right:
        return np.pad(window, ((pad_top, pad_bottom), (pad_left, pad_right)), mode="edge")
    return window


def _antialiased_pair(
    before: np.ndarray, after: np.ndarray, b_top: int, a_top: int, ys: np.ndarray, xs: np.ndarray, width: int
) -> np.ndarray:
    """pixelmatch's anti-aliasing test, in either image: such pixels are font smoothing, not a change."""
    window_b, window_a = _window(before, b_top, ys, xs, width), _window(after, a_top, ys, xs, width)
    # Both windows start two rows above and two columns left of the first differing pixel: they line up.
    stride = window_b.shape[1]
    index = (ys - ys.min() + 2) * stride + xs - xs.min() + 2  # positions in the flattened windows
    siblings_b, siblings_a = _many_siblings(window_b), _many_siblings(window_a)
    flat_both = siblings_b & siblings_a
    # pixelmatch's test can only pass in an image where the pixel has at most two neighbours of its own
    # brightness (so not more than two of its exact colour), and when one of its neighbours is flat in both
    # images: the pixels failing that in both images are not tested (most pixels of a real change).
    candidates = np.flatnonzero(
        _dilate(flat_both).ravel()[index] & ~(siblings_b.ravel()[index] & siblings_a.ravel()[index])
    )
    flat_both = flat_both.ravel()
    smoothing = np.zeros(len(index), dtype=bool)
    if len(candidates):
        brightness_b, brightness_a = _brightness(window_b).ravel(), _brightness(window_a).ravel()
        for start in range(0, len(candidates), CHUNK):  # chunks bound the (8, n) temporaries
            chosen = candidates[start : start + CHUNK]
            part = index[chosen]
            neighbours = part[None, :] + _offsets(stride)[:, None]  # (8, n)
            smoothing[chosen] = _antialiased(brightness_b, flat_both, part, neighbours) | _antialiased(
                brightness_a, flat_both, part, neighbours
            )
    flat_b, flat_a = window_b.ravel(), window_a.ravel()
    rest = np.flatnonzero(~smoothing)
    for start in range(0, len(rest), CHUNK):
        part = rest[start : start + CHUNK]
        smoothing[part] = _explained_by_subpixel_shift(flat_b, flat_a, index[part], stride)
    return smoothing


def _explained_by_subpixel_shift(flat_b: np.ndarray, flat_a: np.ndarray, index: np.ndarray, stride: int) -> np.ndarray:
    """Each image's pixel lies, channel by channel, between the extremes of the other image's 3x3 neighbourhood:
    a glyph re-rendered a fraction of a pixel aside, not a new colour or shape (a recoloured or new element
    has pixels whose neighbourhood in the other image holds nothing like them)."""
    inside = _within_neighbourhood(flat_a[index], flat_b, index, stride)
    both = np.flatnonzero(inside)  # the second test only where the first passed (a real change fails the first)
    inside[both] = _within_neighbourhood(flat_b[index[both]], flat_a, index[both], stride)
    return inside


def _within_neighbourhood(pixels: np.ndarray, other: np.ndarray, index: np.ndarray, stride: int) -> np.ndarray:
    offsets = np.array([0, *(dy * stride + dx for dy, dx in _NEIGHBOURS)])
    around = other[index[None, :] + offsets[:, None]]  # (9, n) packed pixels
    # Channel by channel over whole words (alpha, 255 everywhere, always passes): contiguous, so fast.
    channels = around.view(np.uint8).reshape(len(offsets), len(index) * 4)
    low, high = channels.min(axis=0).astype(np.int16), channels.max(axis=0).astype(np.int16)
    # A stem that lands on the pixel grid gets darker than any of its blurred neighbours: allow overshooting
    # by a share of the local contrast (zero in a flat area, so new shapes and recolourings still count).
    slack = SHIFT_MARGIN + (high - low) // 3
    own = np.ascontiguousarray(pixels).view(np.uint8)
    inside = (own >= low - slack) & (own <= high + slack)
    inside_all: np.ndarray = inside.reshape(len(index), 4).all(axis=1)
    return inside_all


def _brightness(window: np.ndarray) -> np.ndarray:
    """pixelmatch's Y (luma) of each packed pixel, as float32 of the window's shape: ((R wr + G wg) + B wb), the
    order and rounding of a float32 matrix product with (wr, wg, wb, 0) (checked equal on all 2^24 colours),
    without BLAS, whose threads spin on the CPU after each call."""
    channels = _channels(window)
    luma = channels[..., 0].astype(np.float32)
    luma *= _LUMA[0]
    for channel in (1, 2):
        weighted = channels[..., channel].astype(np.float32)
        weighted *= _LUMA[channel]
        luma += weighted
    return luma


def _many_siblings(packed: np.ndarray) -> np.ndarray:
    """Pixels with more than two of their eight neighbours of exactly their colour (a flat area), as a map
    of the window's size (its outer ring, not needed, stays False)."""
    height, width = packed.shape
    centre = packed[1:-1, 1:-1]
    same = np.zeros(centre.shape, dtype=np.uint8)
    equal = np.empty(centre.shape, dtype=bool)
    for dy, dx in _NEIGHBOURS:
        np.equal(packed[1 + dy : height - 1 + dy, 1 + dx : width - 1 + dx], centre, out=equal)
        same += equal.view(np.uint8)  # a bool is one byte 0 or 1: added as it is, no cast
    flat = np.zeros(packed.shape, dtype=bool)
    np.greater(same, 2, out=flat[1:-1, 1:-1])
    return flat


def _offsets(stride: int) -> np.ndarray:
    """Flat offsets of the eight neighbours in an array `stride` pixels wide, in _NEIGHBOURS order."""
    return np.array([dy * stride + dx for dy, dx in _NEIGHBOURS])


def _antialiased(flat_brightness: np.ndarray, flat_both: np.ndarray, index: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """A pixel is anti-aliased if it has a darker and a brighter neighbour, few equal ones, and its darkest or
    brightest neighbour lies in a flat area in both images (the glyph or the background around it).

    `flat_brightness`: the flattened window's luma; `index`: (n,) positions in it; `neighbours`: (8, n) positions
    of their neighbours. Works on all eight neighbours at once.
    """
    around = flat_brightness[neighbours]
    delta = np.subtract(flat_brightness[index], around, out=around)
    equal = np.count_nonzero(delta == 0, axis=0)
    # pixelmatch keeps the first strict minimum and maximum.
    darkest, brightest = _first_extremes(delta)
    columns = np.arange(len(index))
    lowest_flat = flat_both[neighbours[darkest, columns]]
    highest_flat = flat_both[neighbours[brightest, columns]]
    found: np.ndarray = (equal <= 2) & (delta.min(axis=0) < 0) & (delta.max(axis=0) > 0) & (lowest_flat | highest_flat)
    return found


def _first_extremes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """argmin and argmax over the first axis (the first of equal extremes) of a float32 (8, n) array without
    NaN. numpy's argmin/argmax along a short first axis go column by column; here the position is folded into
    an int64 key (the float's order as an integer, shifted, and the row), so min and max over whole rows do."""
    bits = values.view(np.int32)
    ordered = (bits ^ ((bits >> 31) & np.int32(0x7FFFFFFF))).astype(np.int64) << 3  # IEEE 754 order as integers
    row = np.arange(len(values), dtype=np.int64)[:, None]
    first_min = (ordered | row).min(axis=0) & 7
    first_max = 7 - ((ordered | (7 - row)).max(axis=0) & 7)
    return first_min, first_max


# ------------------------------------------------------------------------------------------------- clustering


def _label_tiles(grid: np.ndarray) -> np.ndarray:
    """Connected components (8-neighbourhood) of a small boolean grid, by union-find over horizontal runs
    (runs labelled 1, 2, ... row by row, left to right)."""
    height, width = grid.shape
    rows, starts, ends = _runs(grid)
    parent = list(range(len(starts) + 1))
    previous: list[tuple[int, int, int]] = []  # (start, end, label) of the runs of the row above
    current: list[tuple[int, int, int]] = []
    current_row = -1
    for label, (row, start, end) in enumerate(zip(rows, starts, ends, strict=True), start=1):
        if row != current_row:
            previous = current if row == current_row + 1 else []
            current, current_row = [], row
        for p_start, p_end, p_label in previous:
            if p_start <= end and start <= p_end:  # touching, diagonals included
                _union(parent, label, p_label)
        current.append((start, end, label))
    roots = np.array([_find(parent, i) for i in range(len(parent))], dtype=np.int32)
    # Each run's label over its cells: +label where it starts, -label where it ends, summed along the row.
    marks = np.zeros((height, width + 1), np.int32)
    run_labels = np.arange(1, len(starts) + 1, dtype=np.int32)
    marks[rows, starts] = run_labels
    marks[rows, ends] -= run_labels
    labels = np.cumsum(marks, axis=1, dtype=np.int32)[:, :width]
    return roots[labels]


def _runs(grid: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """(rows, starts, ends) of the runs of True cells of a boolean grid, row by row, left to right."""
    padded = np.zeros((grid.shape[0], grid.shape[1] + 2), np.int8)
    padded[:, 1:-1] = grid
    edges = np.flatnonzero(np.diff(padded, axis=1))  # in each row: a run's start, then its end, and so on
    rows, columns = np.divmod(edges, grid.shape[1] + 1)
    return rows[::2].tolist(), columns[::2].tolist(), columns[1::2].tolist()


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent: list[int], a: int, b: int) -> None:
    root_a, root_b = _find(parent, a), _find(parent, b)
    parent[max(root_a, root_b)] = min(root_a, root_b)


def _without_specks(count: np.ndarray) -> np.ndarray:
    """Tiles with differences, minus lone tiles holding only a few pixels: leftovers of font smoothing that
    dilation would otherwise chain, line after line, into one tall sliver."""
    grid = count > 0
    tiles: np.ndarray = grid & ~((count <= SPECK_PIXELS) & ~_has_neighbour(grid))
    return tiles


def _has_neighbour(grid: np.ndarray) -> np.ndarray:
    padded = np.pad(grid, 1)
    around = np.zeros(grid.shape, dtype=bool)
    height, width = grid.shape
    for dy, dx in _NEIGHBOURS:
        around |= padded[1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]
    return around


def _dilate(grid: np.ndarray) -> np.ndarray:
    """Grows the grid by one tile, so changes a tile apart (a word and the next line) form one region."""
    grown = grid.copy()
    grown[1:] |= grid[:-1]
    grown[:-1] |= grid[1:]
    wide = grown.copy()
    wide[:, 1:] |= grown[:, :-1]
    wide[:, :-1] |= grown[:, 1:]
    return wide


def _changed_regions(stats: _TileStats, min_region_area: int) -> tuple[list[Region], int]:
    """Groups differing tiles into rectangles; drops specks and caret-like slivers. Returns regions and pixels."""
    grid = _without_specks(stats.count)
    if not grid.any():
        return [], 0
    labels = _label_tiles(_dilate(grid))[grid]
    tiles = np.flatnonzero(grid.ravel())
    regions, pixels = [], 0
    # Tiles grouped by label, labels in increasing order (np.unique would import numpy.ma: start-up counts).
    order = np.argsort(labels, kind="stable")
    for group in np.split(order, np.flatnonzero(np.diff(labels[order])) + 1):
        member = tiles[group]
        x0, x1 = int(stats.min_x.flat[member].min()), int(stats.max_x.flat[member].max()) + 1
        y0, y1 = int(stats.min_y.flat[member].min()), int(stats.max_y.flat[member].max()) + 1
        if _is_noise(x1 - x0, y1 - y0, min_region_area):
            continue
        regions.append(Region(x0, y0, x1 - x0, y1 - y0, "changed"))
        pixels += int(stats.count.flat[member].sum())
    return regions, pixels


def _is_noise(width: int, height: int, min_region_area: int) -> bool:
    caret = width <= CARET_MAX_WIDTH and height <= CARET_MAX_HEIGHT
    return caret or width * height < min_region_area


def _band_regions(bands: list[Band], width_b: int, width_a: int) -> list[Region]:
    """One region per inserted or removed band; neighbouring bands split by a blank row are merged."""
    regions: list[Region] = []
    for band in bands:
        if band.kind == "inserted":
            new = Region(0, band.after_start, width_a, band.after_end - band.after_start, "inserted")
        elif band.kind == "removed":
            new = Region(0, band.before_start, width_b, band.before_end - band.before_start, "removed")
        else:
            continue
        same_kind = [r for r in regions if r.kind == new.kind]
        last = same_kind[-1] if same_kind else None
        if last and new.y - (last.y + last.height) <= MERGE_GAP:
            regions.remove(last)
            new = Region(0, last.y, last.width, new.y + new.height - last.y, new.kind)
        regions.append(new)
    return regions


def _width_regions(before: _Image, after: _Image) -> list[Region]:
    """When the widths differ, the columns only one page has are changed (AFTER) or removed (BEFORE)."""
    (height_b, width_b), (height_a, width_a) = before.shape[:2], after.shape[:2]
    if width_a > width_b:
        return [Region(width_b, 0, width_a - width_b, height_a, "changed")]
    if width_b > width_a:
        return [Region(width_a, 0, width_b - width_a, height_b, "removed")]
    return []


# ------------------------------------------------------------------------------------------------------- main


NO_VISUAL_CHANGE = VisualDiff(changed_ratio=0.0, regions=[], alert=False, row_map=RowMap(()))


def diff_screenshots(
    before: ImageInput,
    after: ImageInput,
    *,
    masks: Sequence[Box] = (),
    threshold: float = 0.1,
    min_region_area: int = 50,
) -> VisualDiff:
    """Compares two screenshots after aligning them vertically; masks are ignored rectangles (both images).

    Screenshots: PNG paths or PNG bytes (decoded at once, two threads), PIL images, (height, width, 3|4) uint8
    arrays, or two `ScreenshotRows` (`ScreenshotRows.pair`: read once for the diff and the alert's pictures,
    left as they were read). Boxes and regions are in screenshot pixels. InputError for an unusable image, or
    when memory runs out (two PNGs of a few hundred kB may hold MAX_PIXELS pixels each: 4 bytes a pixel, twice).
    """
    try:
        return _diff_screenshots(before, after, masks, threshold, min_region_area)
    except MemoryError:
        raise InputError.text("input.no_memory") from None


def _diff_screenshots(
    before: ImageInput, after: ImageInput, masks: Sequence[Box], threshold: float, min_region_area: int
) -> VisualDiff:
    prepared_b, prepared_a = _prepare_pair(before, after, masks)
    image_b, image_a = prepared_b.pixels, prepared_a.pixels
    width = min(image_b.shape[1], image_a.shape[1])
    matches = align_rows(prepared_b.hashes, prepared_a.hashes)
    bands = _bands(matches, len(image_b), len(image_a))
    strips = [strip for band in bands if band.kind == "compared" for strip in _strips(band)]
    stats = _compare_strips(image_b, image_a, strips, width, threshold)
    changed, changed_pixels = _changed_regions(stats, min_region_area)
    regions = _band_regions(bands, image_b.shape[1], image_a.shape[1]) + changed + _width_regions(image_b, image_a)
    regions.sort(key=lambda r: (r.y, r.x, r.kind))
    ratio = _changed_ratio(image_b, image_a, bands, changed_pixels)
    return VisualDiff(changed_ratio=ratio, regions=regions, alert=bool(regions), row_map=RowMap(tuple(bands)))


def _changed_ratio(before: _Image, after: _Image, bands: list[Band], changed_pixels: int) -> float:
    """Differing pixels over the pixels of AFTER plus those only BEFORE had (so a removal is not 0 %)."""
    (height_b, width_b), (height_a, width_a) = before.shape[:2], after.shape[:2]
    width = min(width_b, width_a)
    inserted = sum(b.after_end - b.after_start for b in bands if b.kind == "inserted") * width
    removed = sum(b.before_end - b.before_start for b in bands if b.kind == "removed") * width
    extra_after = (width_a - width) * height_a
    extra_before = (width_b - width) * height_b
    differing = changed_pixels + inserted + removed + extra_after + extra_before
    total = height_a * width_a + removed + extra_before
    return round(min(differing / total, 1.0), 6) if total else 0.0

