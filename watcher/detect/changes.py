"""What changed in an interface, how much it matters, and how to say it.

The public contract (`watcher diff --format json`) knows six kinds of change. A form field whose control
changes while its label stays (a text box that becomes a drop-down list) is reported as two changes,
``removed`` for the old control and ``added`` for the new one, both at least ``major``: the person no
longer finds the thing they used to type into, and must now use a different kind of control. Folding it into
``renamed`` would be false (the name did not change), and a seventh kind would break consumers of the
contract. A link that became a button with the same name (or the reverse) is not a change: the person
clicks the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from watcher.config.severity import Severity as Severity  # re-exported for detection's callers
from watcher.detect.skeleton import Element
from watcher.i18n.phrases import quoted, summarize

__all__ = ["Change", "Kind", "ProcedureChange", "Severity", "is_alert", "max_severity"]


class Kind(StrEnum):
    """The six kinds of interface change of the public contract."""

    ADDED = "added"
    REMOVED = "removed"
    RENAMED = "renamed"
    MOVED = "moved"
    TARGET_CHANGED = "target_changed"
    REQUIRED_CHANGED = "required_changed"


@dataclass(frozen=True)
class Change:
    """One typed change between two skeletons; ``noise`` marks rotating or dynamic content."""

    kind: Kind
    role: str
    before: Element | None
    after: Element | None
    landmark: str
    severity: Severity
    noise: bool = False
    # Short id of the rule that decided the severity (structural.severity_rule), e.g. "added-control-in-form".
    rule: str = ""

    def with_severity(self, severity: Severity) -> Change:
        """The same change at another severity (procedures raise it to breaking)."""
        return replace(self, severity=severity)

    def summary(self, lang: str = "fr") -> str:
        return summarize(self, lang)

    def to_json(self, lang: str = "fr") -> dict[str, Any]:
        """The change in `watcher diff/check --format json` (public contract, extended only)."""
        return {
            "kind": self.kind.value,
            "role": self.role,
            "before": _element_json(self.before),
            "after": _element_json(self.after),
            "landmark": self.landmark,
            "severity": self.severity.value,
            "noise": self.noise,
            "summary": self.summary(lang),
            "rule": self.rule,
        }


@dataclass(frozen=True)
class ProcedureChange(Change):
    """A structural change that touches an element a watched procedure uses: always breaking, and it says which."""

    procedures: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()

    def summary(self, lang: str = "fr") -> str:
        from watcher.i18n.texts import t

        names = ", ".join(quoted(n, lang) for n in self.procedures)
        return super().summary(lang) + t("proc.affects", lang, names=names)

    def to_json(self, lang: str = "fr") -> dict[str, Any]:
        data = super().to_json(lang)
        data["procedures"] = list(self.procedures)
        data["audiences"] = list(self.audiences)
        return data


_INTERNAL_FIELDS = ("order", "repeat", "repeat_item", "repeat_rich", "in_form", "expands", "name_unseen")


def _element_json(el: Element | None) -> dict[str, Any] | None:
    if el is None:
        return None
    data = el.to_json()
    for key in _INTERNAL_FIELDS:
        data.pop(key, None)
    return data


def max_severity(changes: Iterable[Change]) -> Severity | None:
    """The highest severity among changes that are not noise, None when there are none."""
    found = [c.severity for c in changes if not c.noise]
    return max(found, key=lambda s: s.rank) if found else None


def is_alert(changes: Sequence[Change], min_severity: Severity = Severity.MAJOR) -> bool:
    """Whether these changes are worth telling mediators about."""
    threshold = Severity(min_severity)
    return any(not c.noise and c.severity >= threshold for c in changes)
