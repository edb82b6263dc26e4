"""What the web pages show, as plain values built from the configuration and the snapshot store.

No HTTP here: each function takes the `Store` (and the configured targets) and returns dataclasses the
templates read, so they are tested without a server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from watcher.config.targets import Target
from watcher.detect.changes import Change
from watcher.detect.skeleton import Element, Skeleton
from watcher.detect.structural import diff_skeletons
from watcher.report.render import step_words
from watcher.store.report import StepFacts
from watcher.store.requests import CheckRequest
from watcher.store.snapshots import CheckRecord, Mark, Store
from watcher.web.schedules import schedule_words
from watcher.web.texts import ui

__all__ = [
    "NOTHING_TO_JUDGE",
    "ReviewedChange",
    "STRIP_LENGTH",
    "dashboard",
    "grouped_skeleton",
    "hidden_by",
    "page_checks",
    "page_row",
    "paris",
    "picture_path",
    "pictures",
    "rebuilt_changes",
    "report_procedures",
    "request_view",
    "stored_summaries",
]

PARIS = ZoneInfo("Europe/Paris")
STRIP_LENGTH = 30
REBUILT_LIMIT = 10  # changes re-derived from skeletons per page view (each is a diff of two skeletons)
# Checks that compared nothing (`watcher mark` refuses them the same way).
NOTHING_TO_JUDGE = ("new", "unreachable", "error", "degraded")


def paris(value: str | None) -> str:
    """A stored UTC ISO time as Paris wall-clock time "2025-03-01 08:00"; "" for none."""
    if not value:
        return ""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class ProcedureState:
    """One procedure of a page as last seen: "ok", "broken", "never" (broken and never seen working) or
    "unreachable"; where it broke."""

    name: str
    state: str
    broken_step: int | None = None
    step: str | None = None


@dataclass(frozen=True)
class Cell:
    """One check in a page's strip: its status, Paris time and index id; `trial`: a `--no-notify` alert, not sent."""

    check_id: int
    status: str
    time: str
    alert: bool
    trial: bool = False


@dataclass
class PageRow:
    """One watched page on the dashboard."""

    id: str
    name: str
    url: str
    tags: list[str]
    status: str  # a check status, or "none" when never checked
    last_time: str
    last_alert: str
    procedures: list[ProcedureState] = field(default_factory=list)
    strip: list[Cell] = field(default_factory=list)
    configured: bool = True
    schedule: str = ""  # in words (« chaque jour à 7 h UTC »); "" for a page no longer configured


def _procedure_states(history: list[CheckRecord], lang: str = "fr") -> list[ProcedureState]:
    latest = next((r.report for r in reversed(history) if r.report and r.report.get("procedures") is not None), None)
    if latest is None:
        return []
    steps = {str(run.get("name")): run.get("step") for run in latest.get("procedures_en") or []} if lang == "en" else {}
    worked = {run.get("name") for r in history if r.report
              for run in r.report.get("procedures") or [] if run.get("status") == "ok"}
    out = []
    for run in latest.get("procedures") or []:
        status = str(run.get("status") or "")
        state = "never" if status == "broken" and run.get("name") not in worked else status
        name = str(run.get("name"))
        out.append(ProcedureState(name, state, run.get("broken_step"), steps.get(name) or step_text(run.get("step"), lang)))
    return out


def step_text(step: Any, lang: str) -> str | None:
    """A stored broken step in words: facts (a CheckReport's StepFacts: action, role, name…) worded in `lang`,
    or the sentence older reports stored as is."""
    if isinstance(step, dict):
        try:
            return step_words(StepFacts.model_validate(step), lang)
        except ValidationError:
            return None
    return step if isinstance(step, str) else None


def page_row(store: Store, target_id: str, target: Target | None, lang: str = "fr") -> PageRow:
    """The dashboard line of one page (configured or only known from the index); its procedures' broken steps
    in `lang` when the stored report has them in it. Bounded: the page's last STRIP_LENGTH checks and its last
    alert (two indexed queries), never its whole history; a procedure « jamais fonctionné » is one broken in
    its latest run and never ok in those checks."""
    history = store.recent(target_id, STRIP_LENGTH)
    last = history[-1] if history else None
    last_alert = store.last_alert(target_id)
    stored = ((last.report or {}).get("target") or {}) if last else {}
    return PageRow(
        id=target_id,
        name=target.name if target else str(stored.get("name") or target_id),
        url=target.url if target else str(stored.get("url") or ""),
        tags=list(target.tags) if target else list(stored.get("tags") or []),
        status=last.status if last else "none",
        last_time=paris(last.time) if last else "",
        last_alert=paris(last_alert),
        schedule=schedule_words(target.schedule, lang) if target else "",
        procedures=_procedure_states(history, lang),
        strip=[Cell(r.id, r.status, paris(r.time), r.alert, r.trial) for r in history[-STRIP_LENGTH:]],
        configured=target is not None,
    )


def dashboard(store: Store, targets: list[Target], tag: str | None,
              lang: str = "fr") -> tuple[list[PageRow], list[str]]:
    """Every watched page (configured first, then pages only the index remembers), filtered by `tag`; and
    every tag, sorted."""
    by_id = {target.id: target for target in targets}
    ids = list(dict.fromkeys([*by_id, *store.targets()]))
    rows = [page_row(store, target_id, by_id.get(target_id), lang) for target_id in ids]
    tags = sorted({tag for row in rows for tag in row.tags})
    if tag:
        rows = [row for row in rows if tag in row.tags]
    return rows, tags


@dataclass(frozen=True)
class RequestView:
    """The page's latest « Vérifier maintenant » as shown: its state (queued, running, done, failed, expired),
    a sentence, who performed it, the check that answered, and whether the page should reload by itself."""

    state: str
    text: str
    performer: str
    check_id: int | None
    refresh: bool


REQUEST_SHOWN_FOR = 15 * 60  # seconds a finished request stays on its page


def request_view(asked: CheckRequest | None, store: Store, lang: str, failure: str | None = None,
                 now: datetime | None = None) -> RequestView | None:
    """What to say of the page's latest request; None when there is none or it ended long ago. `failure`: why
    this process's own check failed (its words)."""
    if asked is None:
        return None
    now = now or datetime.now(UTC)
    try:
        age = (now - datetime.fromisoformat(asked.updated)).total_seconds()
    except ValueError:
        age = 0.0
    if not asked.open and age > REQUEST_SHOWN_FOR:
        return None
    time = paris(asked.requested)[-5:]
    performer = asked.performer or "service"
    if asked.state == "done" and asked.check_id is not None:
        record = store.check(asked.check_id)
        status = record.status if record else "error"
        text = ui("page.check_done", lang, status=ui("status." + status, lang))
    elif asked.state == "failed" and failure:
        text = failure
    else:
        text = ui("request." + asked.state, lang, time=time)
    return RequestView(asked.state, text, performer, asked.check_id, asked.open)


@dataclass(frozen=True)
class CheckLine:
    """One check on a page's own view."""

    record: CheckRecord
    time: str
    summaries: list[str]
    mark: Mark | None


def page_checks(store: Store, target_id: str, lang: str, limit: int = 50) -> list[CheckLine]:
    """A page's checks, newest first, with the stored summaries of its changes and coordinators' marks."""
    marks = {m.check_id: m for m in store.marks()}
    out = []
    rebuilt = 0
    for record in reversed(store.recent(target_id, limit)):
        summaries = stored_summaries(record, lang)
        if not summaries and record.status == "changed" and rebuilt < REBUILT_LIMIT:
            # a report that keeps facts only (no sentences): the words come from the stored skeletons
            rebuilt += 1
            summaries = [item.change.summary(lang) for item in rebuilt_changes(store, record)
                         if not item.change.noise]
        out.append(CheckLine(record, paris(record.time), summaries, marks.get(record.id)))
    return out


def stored_summaries(record: CheckRecord, lang: str) -> list[str]:
    """The summaries the check stored (French; English ones when they were stored), alerting ones first."""
    report = record.report or {}
    changes = report.get("changes_en") if lang == "en" and report.get("changes_en") else report.get("changes")
    return [str(c.get("summary")) for c in changes or [] if c.get("summary") and not c.get("noise")]


def _skeleton(folder: Path | None) -> Skeleton | None:
    path = folder / "skeleton.json" if folder else None
    if path is None or not path.is_file():
        return None
    try:
        return Skeleton.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError):
        return None  # a damaged file: the review shows the stored summaries instead


@dataclass(frozen=True)
class ReviewedChange:
    """One typed change of a check, rebuilt from its two stored skeletons, and where it is on the capture."""

    change: Change
    folder: Path | None  # the snapshot folder holding the element (after, or before for a removal)
    skeleton: Skeleton
    element: Element


def rebuilt_changes(store: Store, record: CheckRecord) -> list[ReviewedChange]:
    """The changes of a check from its stored skeletons (the diff is pure; the same as `watcher explain`)."""
    before_dir, after_dir = store.path(record.baseline), store.path(record.snapshot)
    before, after = _skeleton(before_dir), _skeleton(after_dir)
    if before is None or after is None or record.baseline == record.snapshot:
        return []
    out = []
    for change in diff_skeletons(before, after):
        if change.after is not None:
            out.append(ReviewedChange(change, after_dir, after, change.after))
        elif change.before is not None:
            out.append(ReviewedChange(change, before_dir, before, change.before))
    return out


def pictures(record: CheckRecord) -> list[str]:
    """The before/after pictures a check stored, relative to its snapshot folder."""
    return [str(name) for name in (record.report or {}).get("image_files") or []]


def picture_path(store: Store, record: CheckRecord, name: str) -> Path | None:
    """The file of one of a check's pictures, only if it is one the check lists (or its screenshot) and it
    resolves inside the snapshots folder: a name or a stored path never reaches outside it."""
    allowed = {*pictures(record), "screenshot.png"}
    folder = store.path(record.snapshot)
    if name not in allowed or folder is None:
        return None
    root = store.root.resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def report_procedures(record: CheckRecord, lang: str) -> list[dict[str, Any]]:
    report = record.report or {}
    runs = report.get("procedures_en") if lang == "en" and report.get("procedures_en") else report.get("procedures")
    return [{**run, "step": step_text(run.get("step"), lang)} for run in runs or [] if isinstance(run, dict)]


LANDMARK_ORDER = ("banner", "navigation", "search", "main", "form", "complementary", "dialog", "contentinfo")
SHOWN_ROLES = frozenset({"link", "button", "textbox", "searchbox", "combobox", "listbox", "checkbox", "radio",
                         "switch", "spinbutton", "slider", "menuitem", "tab", "option", "menuitemcheckbox",
                         "menuitemradio"})


def place_of(element: Element) -> str:
    """The place a person names: the innermost of menu, content, footer… holding the element; "other"."""
    parts = [part.split("[")[0].strip() for part in element.landmark.split(" > ") if part.strip()]
    for part in reversed(parts):
        if part in LANDMARK_ORDER:
            return part
    return "other"


def grouped_skeleton(skeleton: Skeleton) -> list[tuple[str, list[Element]]]:
    """The links, buttons and fields of a page grouped by place, in the order places usually come."""
    groups: dict[str, list[Element]] = {}
    for element in skeleton.elements:
        if element.role in SHOWN_ROLES:
            groups.setdefault(place_of(element), []).append(element)
    order = [*LANDMARK_ORDER, "other"]
    return sorted(groups.items(), key=lambda item: order.index(item[0]))


def hidden_by(folder: Path | None, selector: str) -> list[Element]:
    """The elements an `ignore` selector would take out of the skeleton of the capture in `folder` (its
    dom.html read again with and without the rule); [] when the capture is missing."""
    from watcher.detect.htmlio import read_html
    from watcher.detect.skeleton import extract_skeleton

    dom = folder / "dom.html" if folder else None
    if dom is None or not dom.is_file():
        return []
    html = read_html(dom)
    kept = {(e.role, e.name, e.landmark) for e in extract_skeleton(html, ignore=[selector]).elements}
    return [e for e in extract_skeleton(html).elements if (e.role, e.name, e.landmark) not in kept]
