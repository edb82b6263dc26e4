"""The stored report of one check: facts only (kinds, roles, names, rule ids, problem codes), never sentences.

`CheckReport` is what the index keeps in `checks.report` for a check that stored a snapshot (new, changed,
degraded), written by the check (service/check.py) and read back by every reader: confirmation, alerts and
the outbox, the changelog, `explain`. Sentences are rendered when shown, in the reader's language
(report/render.py, through report/messages.py).

Format versions (`format_version`):
- 1 (no `format_version` key; written until December 2026): the `watcher check --format json` entry in French
  (`summary`, `step`, `message` sentences) plus `changes_en` / `procedures_en` (the same in English),
  `image_files` and `target`. Read by `CheckReport.read`, converted to the current model: every fact is kept,
  the stored procedure sentences are kept aside (`ProcedureFacts.legacy`) because version 1 did not store the
  step's action nor what it expected beyond role and name, so the words are not rebuilt from facts.
- 2: this model.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

if TYPE_CHECKING:
    from watcher.capture.procedures import ProcedureRun
    from watcher.config.targets import Step
    from watcher.detect.changes import Change
    from watcher.detect.degraded import Degraded
    from watcher.detect.skeleton import Element

__all__ = [
    "CandidateFacts",
    "ChangeFacts",
    "CheckReport",
    "ElementFacts",
    "FORMAT_VERSION",
    "ProcedureFacts",
    "Reportable",
    "StepFacts",
    "TargetFacts",
    "VisualFacts",
    "as_report",
    "report_time",
]

FORMAT_VERSION = 2


class _Facts(BaseModel):
    # unknown keys (a newer version's additions, or version 1's sentences) are dropped on read
    model_config = ConfigDict(extra="ignore")


class ElementFacts(BaseModel):
    """An element as a change shows it: `role`, `name`, `landmark` and the skeleton's other facts
    (`level`, `control`, `required`, `options`, `target`, `box` [x, y, width, height] CSS px, `context`,
    `revealed_by` {role, name}, ...; see detect/skeleton.Element), kept as the skeleton wrote them."""

    model_config = ConfigDict(extra="allow")

    role: str = ""
    name: str = ""
    landmark: str = ""

    def element(self) -> Element:
        """The skeleton's Element (order 0 when not stored: a change never shows it)."""
        from watcher.detect.skeleton import Element

        return Element.from_json({"order": 0, **self.model_dump()})

    @classmethod
    def of(cls, element: Element | None) -> ElementFacts | None:
        from watcher.detect.changes import _element_json

        data = _element_json(element)
        return cls.model_validate(data) if data is not None else None


class ChangeFacts(_Facts):
    """One interface change: `kind` (added / removed / renamed / moved / target_changed / required_changed),
    `role` (ARIA), `before` / `after` elements, `landmark`, `severity` (info / minor / major / breaking),
    `noise`, `rule` (the severity rule id, structural.severity_rule), and for a change touching a watched
    procedure's step the `procedures` (names) and their `audiences`."""

    kind: str
    role: str = ""
    before: ElementFacts | None = None
    after: ElementFacts | None = None
    landmark: str = ""
    severity: str = "info"
    noise: bool = False
    rule: str = ""
    procedures: list[str] = Field(default_factory=list)
    audiences: list[str] = Field(default_factory=list)
    # version 1 only: the summary it stored, by language ({"fr": ..., "en": ...})
    legacy: dict[str, str] | None = None

    @classmethod
    def of(cls, change: Change) -> ChangeFacts:
        return cls(kind=str(change.kind), role=change.role, before=ElementFacts.of(change.before),
                   after=ElementFacts.of(change.after), landmark=change.landmark, severity=str(change.severity),
                   noise=change.noise, rule=change.rule, procedures=list(getattr(change, "procedures", ())),
                   audiences=list(getattr(change, "audiences", ())))

    def change(self) -> Change:
        """The detect-layer Change these facts describe (a ProcedureChange when procedures are named)."""
        from watcher.detect.changes import Change, Kind, ProcedureChange, Severity

        values: dict[str, Any] = {
            "kind": Kind(self.kind), "role": self.role, "landmark": self.landmark,
            "before": self.before.element() if self.before else None,
            "after": self.after.element() if self.after else None,
            "severity": Severity(self.severity), "noise": self.noise, "rule": self.rule}
        if self.procedures:
            return ProcedureChange(**values, procedures=tuple(self.procedures), audiences=tuple(self.audiences))
        return Change(**values)


class StepFacts(_Facts):
    """What a procedure step acts on, as configured: `action` (click / expect / fill / select / check / goto /
    wait) and `role` + `name` (click, expect), `label` (fill, select, check), `option` (select), `url` (goto),
    `wait` (seconds). Never a typed value."""

    action: str = ""
    role: str | None = None
    name: str | None = None
    label: str | None = None
    option: str | None = None
    url: str | None = None
    wait: float | None = None

    @classmethod
    def of(cls, step: Step) -> StepFacts:
        from watcher.capture.procedures import step_facts

        return cls.model_validate(step_facts(step))

    def expected(self) -> dict[str, Any]:
        """The public `expected` of `watcher check --format json`: {role, name}, {label}, {url} or {wait}."""
        if self.role is not None:
            return {"role": self.role, "name": self.name}
        if self.label is not None:
            return {"label": self.label}
        return {"url": self.url} if self.url else {"wait": self.wait}


class CandidateFacts(_Facts):
    """The element now present that most likely replaced the missing one: role, name and `landmark` (where it
    is now, as the skeleton's landmark path: "banner > navigation"; "" when unknown)."""

    role: str
    name: str
    landmark: str = ""

    @classmethod
    def of(cls, run: ProcedureRun) -> CandidateFacts | None:
        candidate = run.candidate
        if candidate is None:
            return None
        now = run.shots[-1].skeleton.elements if run.shots else []
        same = [e for e in now if (e.role, e.name) == (candidate.role, candidate.name)]
        here = next((e for e in same if e.box == candidate.box), same[0] if same else None)
        return cls(role=candidate.role, name=candidate.name, landmark=here.landmark if here else "")


class ProcedureFacts(_Facts):
    """One replay of a watched procedure: `status` ok / broken / unreachable, the broken step (`broken_step`
    1-based, `step` what it acts on, `problem` code: missing / hidden / disabled / ambiguous / no_effect /
    option_missing / navigation / secret / after_login, `detail`, `url` where it broke), the `candidate`,
    `blocked_by` (required fields left empty), `new` (broken now and not at the baseline, after working once),
    `already` (broken at the same step at the baseline), `never_worked` (broken and no earlier run ever passed: a
    configuration problem for coordinators), `reason` (unreachable: network reason, or `degraded: <code>`)."""

    name: str
    slug: str = ""
    audience: list[str] = Field(default_factory=list)
    status: str
    broken_step: int | None = None
    step: StepFacts | None = None
    steps: int = 0  # how many steps the procedure has
    problem: str | None = None
    detail: str | None = None
    url: str | None = None
    candidate: CandidateFacts | None = None
    blocked_by: list[str] = Field(default_factory=list)
    new: bool = False
    already: bool = False
    never_worked: bool = False
    reason: str | None = None
    degraded_evidence: str = ""
    degraded_landmark: str = ""
    duration_s: float = 0.0
    plan: list[StepFacts] = Field(default_factory=list)  # every configured step, in order (the path as taught)
    # the step the replay stopped at, found but never made because it would have sent data (detail `submits`)
    stopped_at: int | None = None
    # version 1 only: the sentences it stored, by language ({"fr": {"step": ..., "message": ...}, "en": ...})
    legacy: dict[str, dict[str, str]] | None = None
    legacy_steps: list[str] | None = None  # version 1 reports that listed the steps in words

    @classmethod
    def of(cls, run: ProcedureRun) -> ProcedureFacts:
        failed = run.failed if run.status == "broken" else None
        step = run.procedure.steps[failed.number - 1] if failed else None
        degraded = run.degraded
        return cls(
            name=run.procedure.name, slug=run.procedure.slug, audience=list(run.procedure.audience),
            status=run.status, broken_step=run.broken_step, step=StepFacts.of(step) if step else None,
            steps=len(run.procedure.steps), problem=failed.problem if failed else None,
            detail=failed.detail if failed else None, url=failed.url if failed else None,
            candidate=CandidateFacts.of(run), plan=[StepFacts.of(s) for s in run.procedure.steps],
            blocked_by=list(run.blocked_by), new=run.newly_broken, already=run.already_broken,
            never_worked=run.never_worked, reason=run.reason,
            degraded_evidence=degraded.evidence if degraded else "",
            degraded_landmark=degraded.landmark if degraded else "", duration_s=run.duration_s,
            stopped_at=next((s.number for s in run.steps if s.status == "ok" and s.detail == "submits"), None))

    def degraded(self) -> Degraded | None:
        """The degraded page that kept the procedure from being replayed, if that is why it is unreachable."""
        from watcher.detect.degraded import Degraded

        if self.status != "unreachable" or not (self.reason or "").startswith("degraded: "):
            return None
        return Degraded((self.reason or "")[len("degraded: "):], self.degraded_evidence, self.degraded_landmark)


class TargetFacts(_Facts):
    """The target as it was configured at the time of the check."""

    name: str = ""
    url: str = ""
    tags: list[str] = Field(default_factory=list)


class RegionFacts(_Facts):
    """A changed area of the screenshot, CSS px of the page (removed ones in the baseline's coordinates)."""

    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0
    kind: Literal["changed", "inserted", "removed"] | str = "changed"


class VisualFacts(_Facts):
    """The visual diff: share of pixels changed (0..1) and the regions."""

    alert: bool = False
    changed_ratio: float = 0.0
    regions: list[RegionFacts] = Field(default_factory=list)


class CheckReport(_Facts):
    """What the index keeps of one check (see the module docstring for the versions).

    `id` is the target id; `status` new / unchanged / changed / unreachable / error / degraded; `snapshot`
    the snapshot folder (as an absolute path string, as `watcher check --format json` shows it); `images`
    absolute paths of the before/after pictures, `image_files` the same relative to the snapshot folder
    (`images/composite.png`, `images/change-N.png`, `procedures/<slug>/crop.png`); `reason` a network reason,
    an error, or a degraded page's reason code, with `degraded_evidence` / `degraded_landmark`.
    """

    format_version: int = FORMAT_VERSION
    id: str = ""
    status: str = ""
    alert: bool = False
    time: str | None = None  # UTC ISO 8601, seconds
    changes: list[ChangeFacts] = Field(default_factory=list)
    procedures: list[ProcedureFacts] = Field(default_factory=list)
    snapshot: str | None = None
    reason: str | None = None
    visual: VisualFacts | None = None
    images: list[str] = Field(default_factory=list)
    image_files: list[str] = Field(default_factory=list)
    target: TargetFacts = Field(default_factory=TargetFacts)
    degraded_evidence: str | None = None
    degraded_landmark: str | None = None

    def stored(self) -> dict[str, Any]:
        """The JSON value kept in the index (facts only; a report read from version 1 keeps its `legacy`
        procedure sentences and its version, so writing it back loses nothing)."""
        if self.format_version < FORMAT_VERSION:
            return self.model_dump(mode="json")
        return self.model_dump(mode="json", exclude={"procedures": {"__all__": {"legacy", "legacy_steps"}},
                                                     "changes": {"__all__": {"legacy"}}}, exclude_none=False)

    def degraded(self) -> Degraded | None:
        """Why the page was degraded (status `degraded`), None otherwise."""
        from watcher.detect.degraded import Degraded

        if self.status != "degraded" or not self.reason:
            return None
        return Degraded(self.reason, self.degraded_evidence or "", self.degraded_landmark or "")

    @property
    def broken(self) -> list[ProcedureFacts]:
        """The procedures that no longer pass."""
        return [p for p in self.procedures if p.status == "broken"]

    @property
    def blocked(self) -> list[ProcedureFacts]:
        """The procedures that worked once and fail now: what mediators are told as « Démarche bloquée »
        (a procedure that never passed is a configuration problem, see `never_worked`)."""
        return [p for p in self.broken if not p.never_worked]

    @property
    def never_worked(self) -> list[ProcedureFacts]:
        """The procedures that fail and never passed: configuration problems, told to coordinators only."""
        return [p for p in self.broken if p.never_worked]

    @classmethod
    def read(cls, data: Any) -> CheckReport | None:
        """A stored report of any version, as the current model; None for nothing or a damaged value."""
        if not isinstance(data, dict):
            return None
        try:
            if "format_version" not in data:  # version 1 had no version key
                return cls.model_validate(_from_v1(data))
            return cls.model_validate(data)
        except (ValidationError, ValueError, TypeError):
            return None


def _from_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version 1 report as version 2 data: facts kept, sentences set aside (procedures) or dropped."""
    out = {k: v for k, v in data.items() if k not in ("changes_en", "procedures_en")}
    changes_en = [c for c in data.get("changes_en") or [] if isinstance(c, dict)]
    changes = [c for c in data.get("changes") or [] if isinstance(c, dict)]
    out["changes"] = [dict(c, legacy={lang: str(source.get("summary") or "") for lang, source in (
        ("fr", c), ("en", changes_en[i] if i < len(changes_en) else None)) if isinstance(source, dict)})
        for i, c in enumerate(changes)]
    english = {p.get("name"): p for p in data.get("procedures_en") or [] if isinstance(p, dict)}
    procedures = []
    for entry in data.get("procedures") or []:
        if not isinstance(entry, dict):
            continue
        run = {k: v for k, v in entry.items() if k not in ("step", "message", "expected", "candidate", "steps")}
        if isinstance(entry.get("steps"), list):
            run["legacy_steps"] = [str(s) for s in entry["steps"] if isinstance(s, str | int | float)]
        candidate = entry.get("candidate")
        run["candidate"] = candidate if isinstance(candidate, dict) else None
        expected = entry.get("expected")
        if isinstance(expected, dict):
            run["step"] = {"role": expected.get("role"), "name": expected.get("name"),
                           "label": expected.get("label"), "url": expected.get("url"), "wait": expected.get("wait")}
        run["legacy"] = {lang: {"step": str(source.get("step") or ""), "message": str(source.get("message") or "")}
                         for lang, source in (("fr", entry), ("en", english.get(entry.get("name"))))
                         if isinstance(source, dict)}
        procedures.append(run)
    out["procedures"] = procedures
    out["format_version"] = 1
    return out


class Reportable(Protocol):
    """Anything that can give its CheckReport (service/check.CheckResult does)."""

    def report(self, image_files: Sequence[str] = ()) -> CheckReport: ...


def as_report(value: CheckReport | Reportable) -> CheckReport:
    """The CheckReport itself, or the one a check result gives."""
    return value if isinstance(value, CheckReport) else value.report()


def report_time(report: CheckReport) -> datetime | None:
    """When the check ran (UTC, aware), None when the report does not say."""
    from datetime import UTC

    if not report.time:
        return None
    when = datetime.fromisoformat(report.time)
    return when if when.tzinfo else when.replace(tzinfo=UTC)
