"""The alert mediators receive: a plain value built from a check, rendered with editable Jinja2 templates.

`Alert` holds everything a message needs (site, changes with their sentences in French and English, when,
pictures, procedures and audiences), so rendering and the outbox never reach back into the check.
Templates live in `notifiers/templates/` (edited by coordinators) and fall back to the defaults shipped in
`watcher/templates/notify/`. Each template sets `title` with `{% set title %}…{% endset %}`; its output is the body.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from watcher.store.report import CheckReport, ProcedureFacts, Reportable, as_report, report_time

if TYPE_CHECKING:
    from watcher.detect.changes import Change

PARIS = ZoneInfo("Europe/Paris")
PACKAGE_TEMPLATES = Path(__file__).parents[1] / "templates" / "notify"
SEVERITY_RANK = {"info": 0, "minor": 1, "major": 2, "breaking": 3}
APPRISE_FORMAT = {"txt": "text", "short": "text", "md": "markdown", "html": "html"}
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre")


@dataclass(frozen=True)
class AlertChange:
    """One change as an alert tells it: sentences already written in both languages."""

    kind: str
    role: str
    severity: str
    summary: dict[str, str]  # lang -> full sentence ("Le bouton « A » s'appelle désormais « B » (en-tête)")
    short: dict[str, str]  # lang -> title form ("le bouton « A » a changé")
    before_name: str | None = None
    after_name: str | None = None
    landmark: str = ""

    @property
    def name(self) -> str:
        return self.after_name or self.before_name or ""

    def text(self, key: str, lang: str) -> str:
        values: dict[str, str] = getattr(self, key)
        return values.get(lang) or values.get("fr") or next(iter(values.values()), "")

    def identity(self) -> str:
        """What makes two detections the same change (times and snapshots excluded)."""
        return "|".join([self.kind, self.role, self.before_name or "", self.after_name or "", self.landmark])


@dataclass(frozen=True)
class Alert:
    """What one check of one target found worth telling mediators, in one message per destination."""

    target_id: str
    target_name: str
    target_url: str
    changes: tuple[AlertChange, ...]
    first_seen: datetime  # aware, UTC
    tags: tuple[str, ...] = ()
    snapshot: str | None = None  # snapshot folder name, used in the changelog link
    images: tuple[Path, ...] = ()
    procedures: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    tutorials: tuple[tuple[str, str], ...] = ()  # (procedure, tutorial path inside the changelog site)
    breaks: tuple[tuple[str, str], ...] = ()  # (French, English) « la procédure … ne passe plus à l'étape N … »

    @property
    def severity(self) -> str:
        return max((c.severity for c in self.changes), key=lambda s: SEVERITY_RANK.get(s, 0), default="info")

    @property
    def fingerprint(self) -> str:
        """Same target and same set of changes -> same fingerprint, whenever and however often detected."""
        parts = [self.target_id, *sorted(c.identity() for c in self.changes)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    def link(self, changelog_url: str | None) -> str | None:
        if not changelog_url or not self.snapshot:
            return None
        return f"{changelog_url.rstrip('/')}/changes/{self.target_id}/{self.snapshot}/"

    def break_notes(self, lang: str) -> list[str]:
        return [fr if lang == "fr" else en for fr, en in self.breaks]

    def tutorial_links(self, changelog_url: str | None) -> list[tuple[str, str]]:
        """(procedure, address of its current tutorial) for the procedures this change broke or altered."""
        if not changelog_url:
            return []
        return [(name, f"{changelog_url.rstrip('/')}/{path}") for name, path in self.tutorials]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["first_seen"] = self.first_seen.isoformat()
        data["images"] = [str(p) for p in self.images]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Alert:
        return cls(
            target_id=data["target_id"], target_name=data["target_name"], target_url=data["target_url"],
            changes=tuple(AlertChange(**c) for c in data["changes"]),
            first_seen=datetime.fromisoformat(data["first_seen"]), tags=tuple(data["tags"]),
            snapshot=data["snapshot"], images=tuple(Path(p) for p in data["images"]),
            procedures=tuple(data["procedures"]), audiences=tuple(data["audiences"]),
            tutorials=tuple((str(n), str(p)) for n, p in data.get("tutorials") or []),
            breaks=tuple((str(fr), str(en)) for fr, en in data.get("breaks") or []))


@dataclass(frozen=True)
class Message:
    """A rendered message: what Apprise sends. `body_format` is text, markdown or html."""

    title: str
    body: str
    body_format: str = "text"
    attachments: tuple[Path, ...] = field(default=())


# --- building an Alert from a check ---------------------------------------------------------------


def short_phrase(kind: str, role: str, name: str, lang: str = "fr") -> str:
    """The change in a few words for a title: « le bouton « Se connecter » a changé »."""
    from watcher.report import messages

    if lang == "en":
        what = f"the {quoted_name(name, 'en')} {messages.ROLE_EN.get(role, 'element')}"
        verb = {"added": "appeared", "removed": "disappeared", "moved": "moved"}.get(kind, "changed")
        return f"{what} {verb}"
    noun = messages.ROLE_FR.get(role, messages.Noun("élément"))
    what = f"{noun.definite()} {quoted_name(name, 'fr')}"
    verbs = {"added": f"est {noun.agree('apparu')}", "removed": "a disparu", "moved": "a changé de place"}
    return f"{what} {verbs.get(kind, 'a changé')}"


def quoted_name(name: str, lang: str) -> str:
    if lang == "en":
        return f"“{name}”" if name else "(unnamed)"
    return f"« {name} »" if name else "sans nom"


def change_from(change: Change) -> AlertChange:
    """Adapter from the diff's Change to the alert's own value."""
    before = change.before.name if change.before else None
    after = change.after.name if change.after else None
    subject = change.after or change.before
    role = subject.role if subject is not None else change.role
    name = after or before or ""
    return AlertChange(
        kind=str(change.kind), role=role, severity=str(change.severity),
        summary={lang: change.summary(lang) for lang in ("fr", "en")},
        short={lang: short_phrase(str(change.kind), role, before or name, lang) for lang in ("fr", "en")},
        before_name=before, after_name=after, landmark=change.landmark)


def by_severity(changes: Iterable[AlertChange]) -> tuple[AlertChange, ...]:
    return tuple(sorted(changes, key=lambda c: -SEVERITY_RANK.get(c.severity, 0)))


def procedure_name(item: Any) -> str:
    """A procedure's name, from a name, a Procedure, or a replay of one (which holds its Procedure)."""
    procedure = getattr(item, "procedure", item)
    return str(getattr(procedure, "name", procedure))


def procedure_audiences(item: Any) -> tuple[str, ...]:
    procedure = getattr(item, "procedure", item)
    return tuple(getattr(procedure, "audience", None) or getattr(item, "audiences", None) or ())


def alert_from_result(result: CheckReport | Reportable, procedures: Sequence[Any] | None = None) -> Alert | None:
    """The alert of a check (its stored CheckReport, or a check result that gives one), or None when the check
    has nothing to tell mediators.

    The broken procedures of the report are listed and route the alert by audience; `procedures`, when given,
    replaces them (names, or objects with `.name` and optionally `.audiences`). Sentences are rendered here
    from the report's facts, in French and English (report/render.py).
    """
    from watcher.report.render import procedure_message

    report = as_report(result)
    if not report.alert:
        return None
    procs: list[Any] = list(procedures) if procedures is not None else report.broken
    names = tuple(p.name if isinstance(p, ProcedureFacts) else procedure_name(p) for p in procs)
    audiences = tuple(dict.fromkeys(a for p in procs for a in (
        p.audience if isinstance(p, ProcedureFacts) else procedure_audiences(p))))
    snapshot = Path(report.snapshot).name if report.snapshot else None
    return Alert(
        target_id=report.id, target_name=report.target.name, target_url=report.target.url,
        changes=by_severity(change_from(c.change()) for c in report.changes if not c.noise),
        first_seen=(report_time(report) or datetime.now(UTC)).astimezone(UTC), tags=tuple(report.target.tags),
        snapshot=snapshot, images=tuple(Path(p) for p in report.images), procedures=names, audiences=audiences,
        tutorials=tutorial_paths(report, names),
        breaks=tuple((procedure_message(p, "fr"), procedure_message(p, "en")) for p in procs
                     if isinstance(p, ProcedureFacts)))


def tutorial_paths(report: CheckReport, broken: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Where the tutorials of the procedures a check broke or altered live in the changelog site."""
    touched = set(broken) | {n for c in report.changes for n in c.procedures}
    return tuple((p.name, f"tutoriels/{report.id}/{p.slug}/index.html")
                 for p in report.procedures if p.name in touched and p.slug)


# --- rendering ------------------------------------------------------------------------------------


def format_when(when: datetime, lang: str = "fr") -> str:
    """A date and time in Paris, the way people write it: « 12 mars 2025 à 14 h 05 »."""
    local = when.astimezone(PARIS)
    if lang == "en":
        return local.strftime("%d %B %Y at %H:%M (Paris time)").lstrip("0")
    return f"{local.day} {MONTHS_FR[local.month - 1]} {local.year} à {local.hour} h {local.minute:02d}"


class Renderer:
    """Templates from notifiers/templates/, falling back to the package's defaults.

    HTML is rendered by its own environment with autoescape on for every template, macros included, so a
    name taken from a page can never inject markup (Jinja2 marks a macro's output safe in the caller).
    """

    def __init__(self, templates_dir: Path | None = None) -> None:
        folders = [str(templates_dir)] if templates_dir else []
        self.envs = {html: self._environment(folders, html) for html in (False, True)}

    @staticmethod
    def _environment(folders: list[str], html: bool) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([*folders, str(PACKAGE_TEMPLATES)]), autoescape=html,
            trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
        env.filters["when"] = format_when
        env.filters["quoted"] = quoted_name
        return env

    def template_for(self, name: str, lang: str, fmt: str) -> tuple[jinja2.Template, str]:
        """The most specific template that exists: wanted language and format, then text, then French."""
        for lang_, fmt_ in ((lang, fmt), (lang, "txt"), ("fr", fmt), ("fr", "txt")):
            try:
                return self.envs[fmt_ == "html"].get_template(f"{name}.{lang_}.{fmt_}.j2"), fmt_
            except jinja2.TemplateNotFound:
                continue
        raise jinja2.TemplateNotFound(f"{name}.{lang}.{fmt}.j2")

    def render(self, name: str, lang: str, fmt: str, **context: Any) -> Message:
        template, used = self.template_for(name, lang, fmt)
        module = template.make_module({"lang": lang, **context})
        title = getattr(module, "title", "")
        title = Markup(title).unescape() if isinstance(title, Markup) else str(title)
        body = str(module).strip() + "\n"
        return Message(" ".join(title.split()), body, APPRISE_FORMAT[used])


def render_alert(renderer: Renderer, alert: Alert, lang: str, fmt: str, changelog_url: str | None) -> Message:
    """The message of one alert in one language and format (txt, md, html or short for SMS)."""
    message = renderer.render("alert", lang, fmt, alert=alert, changes=alert.changes,
                              link=alert.link(changelog_url), tutorials=alert.tutorial_links(changelog_url))
    return Message(message.title, message.body, message.body_format, alert.images)


def render_digest(renderer: Renderer, alerts: Sequence[Alert], lang: str, fmt: str,
                  changelog_url: str | None) -> Message:
    """One message grouping a day's alerts for a digest channel (attachments: the composites)."""
    items = [{"alert": a, "link": a.link(changelog_url)} for a in alerts]
    message = renderer.render("digest", lang, fmt, items=items, count=len(alerts))
    pictures = tuple(a.images[0] for a in alerts if a.images)
    return Message(message.title, message.body, message.body_format, pictures)


def dumps(alert: Alert) -> str:
    return json.dumps(alert.to_json(), ensure_ascii=False, sort_keys=True)


def loads(text: str) -> Alert:
    return Alert.from_json(json.loads(text))
