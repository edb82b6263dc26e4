"""Two Apprise destinations that work offline, for the default channel and the demo.

`console://`            prints each message on standard output.
`watcherfile:///PATH`   appends each message to a text file (relative paths in channels.yaml start beside it).

They are Apprise custom plugins (`@notify`), so they go through the same outbox and result objects as
e-mail or Tchap. Importing this module registers them (once per process).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote


def quiet_imghdr() -> None:
    """Import the stdlib `imghdr` once with its own DeprecationWarning silenced.

    apprise's e-mail plugin imports `imghdr` (deprecated in Python 3.11, removed in 3.13) when apprise first
    loads its plugins; doing it here keeps `-W error` / pytest's filterwarnings=error usable without a
    project-wide filter.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'imghdr' is deprecated", category=DeprecationWarning)
        try:
            import imghdr  # noqa: F401
        except ImportError:  # Python >= 3.13: apprise uses its own shim
            pass


quiet_imghdr()

from apprise.decorators import notify as apprise_notify  # noqa: E402 - after the imghdr import above

Plugin = Callable[..., bool]
# apprise's @notify(on=scheme, name=…) decorator, which apprise ships without type hints.
notify = cast("Callable[..., Callable[[Plugin], Plugin]]", apprise_notify)


def _attachment_names(attach: Any) -> list[str]:
    return [str(getattr(a, "name", None) or a) for a in (attach or [])]


def _text(title: str, body: str, attach: Any) -> str:
    """The message as text; the attached files' names in brackets after it, without words: the body already
    says, in its channel's language, that pictures are attached (a plugin does not know that language)."""
    names = _attachment_names(attach)
    lines = [title, "=" * min(len(title), 78), body.rstrip()]
    if names:
        lines.append("[" + ", ".join(names) + "]")
    return "\n".join(lines) + "\n"


@notify(on="console", name="watcher console")
def console(body: str, title: str, notify_type: str, meta: dict[str, Any], attach: Any = None,
            *args: Any, **kwargs: Any) -> bool:
    """Print the message (standard output)."""
    print(_text(title, body, attach), flush=True)
    return True


@notify(on="watcherfile", name="watcher file")
def to_file(body: str, title: str, notify_type: str, meta: dict[str, Any], attach: Any = None,
            *args: Any, **kwargs: Any) -> bool:
    """Append the message to a text file; the path is absolute (channels.py resolves relative ones)."""
    # Apprise parses "watcherfile:///a/b.txt" as host "a", path "/b.txt": put the path back together.
    path = Path("/" + unquote((meta.get("host") or "") + (meta.get("fullpath") or "")))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(_text(title, body, attach) + "\n")
    except OSError:
        return False
    return True
