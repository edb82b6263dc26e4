"""A readable listing of a skeleton for coordinators (`watcher skeleton`)."""

from __future__ import annotations

from collections.abc import Iterator

from watcher.detect.skeleton.model import LANDMARK_ROLES, Skeleton
from watcher.detect.skeleton.targets import short_target
from watcher.i18n import phrases

__all__ = ["render_skeleton_text"]

def render_skeleton_text(sk: Skeleton, lang: str = "fr") -> str:
    """The skeleton as an indented listing: `[menu] lien « Mon Compte » → /mon-compte`."""
    return "\n".join(_render_lines(sk, lang))


def _render_lines(sk: Skeleton, lang: str) -> Iterator[str]:
    for el in sk.elements:
        depth = el.landmark.count(" > ") + 1 if el.landmark else 0
        indent = "  " * depth
        if el.role in LANDMARK_ROLES:
            label = phrases.landmark_label(el.role, lang)
            yield f"{indent}[{label}{' ' + phrases.quoted(el.name, lang) if el.name else ''}]"
            continue
        line = f"{indent}{phrases.role_label(el.role, lang)} {phrases.quoted(el.name, lang)}"
        details = phrases.element_details(el, lang)
        if details:
            line += f" ({details})"
        if el.target:
            line += f" → {short_target(el.target, sk.url)}"
        yield line
