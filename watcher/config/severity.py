"""How much a change matters: the one severity scale of watcher (info < minor < major < breaking).

Coordinators write it in targets.yaml (`min_severity` of a page) and channels.yaml (`min_severity` of a
channel); detection gives one to each change (detect.structural.severity_rule, with the id of the rule that
decided); alerts, the changelog and the statistics show it. It lives with the configuration, the lowest
stage that needs it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import WithJsonSchema

__all__ = ["DESCENDING", "Severity", "SeverityName", "at_least", "rank"]


class Severity(StrEnum):
    """How much a change matters to a mediator: info < minor < major < breaking (compared by rank)."""

    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"
    BREAKING = "breaking"  # a step of a watched procedure no longer works as taught

    @property
    def rank(self) -> int:
        """0 (info) to 3 (breaking)."""
        return _RANK[self.value]

    def next(self) -> Severity | None:
        """The level above this one (None above breaking): the threshold that silences an alert of this level."""
        return next((s for s in Severity if s.rank == self.rank + 1), None)

    def __lt__(self, other: object) -> bool:
        return self.rank < Severity(other).rank if isinstance(other, str) else NotImplemented

    def __le__(self, other: object) -> bool:
        return self.rank <= Severity(other).rank if isinstance(other, str) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.rank > Severity(other).rank if isinstance(other, str) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return self.rank >= Severity(other).rank if isinstance(other, str) else NotImplemented

    __hash__ = StrEnum.__hash__


_RANK = {"info": 0, "minor": 1, "major": 2, "breaking": 3}

# Highest first: the order of the changelog's filters and of changes in an alert.
DESCENDING: tuple[Severity, ...] = (Severity.BREAKING, Severity.MAJOR, Severity.MINOR, Severity.INFO)


def rank(value: str | None) -> int:
    """The rank of a severity read from stored data (an unknown or missing one counts as info: 0)."""
    return _RANK.get(value or "", 0)


def at_least(severity: str, minimum: str) -> bool:
    """Whether `severity` reaches `minimum` (both severity names; an unknown `severity` is info)."""
    return rank(severity) >= Severity(minimum).rank


# The field type of `min_severity` in targets.yaml and channels.yaml: the enum, described in the JSON Schemas
# as the plain list of its names (what coordinators type), as when the field was a Literal.
SeverityName = Annotated[Severity, WithJsonSchema({"enum": [s.value for s in Severity], "title": "Min Severity",
                                                   "type": "string"})]
