"""Tables and times for people reading the command line: aligned columns (rich), times in Paris time.

JSON outputs keep UTC ISO times; only what a person reads goes through here.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

from watcher.i18n.dates import stamp

__all__ = ["outbox_table", "paris_time", "table"]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[int] = ()) -> str:
    """Rows under their headers in aligned columns (numbers right-aligned), no borders, no colours, no wrapping."""
    grid = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0), header_style="")
    for index, header in enumerate(headers):
        grid.add_column(header, justify="right" if index in numeric else "left", no_wrap=True)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    out = io.StringIO()
    Console(file=out, width=10_000, color_system=None, highlight=False, emoji=False, markup=False).print(grid)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines())


def paris_time(value: str | datetime | None) -> str:
    """A stored UTC time (ISO text or datetime) as Paris wall-clock time: "2025-03-01 08:00:00"."""
    if value is None or value == "":
        return ""
    when = value if isinstance(value, datetime) else _parse(value)
    if when is None:
        return str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return stamp(when)


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def outbox_table(entries: Sequence[object], lang: str) -> str:
    """The outbox for a person: one row per message (destinations already masked), times in Paris time."""
    from watcher.deliver.notify import OutboxEntry, status_words
    from watcher.i18n.texts import t

    if not entries:
        return t("outbox.empty", lang)
    rows = []
    for e in entries:
        assert isinstance(e, OutboxEntry)
        due = paris_time(e.due) if e.status == "pending" and e.attempts else ""
        error = " ; ".join(part for part in (e.error_words(lang), e.uncertain(lang)) if part)
        rows.append([e.id, status_words(e.status, lang), e.channel, e.destination, e.title, e.attempts, due,
                     error])
    headers = [t("col." + key, lang) for key in ("id", "status", "channel", "destination", "title", "attempts",
                                                 "next", "reason")]
    return table(headers, rows, numeric=(0, 5))
