"""The alert mediators receive: a plain value built from a check, rendered with editable Jinja2 templates.

`Alert` holds everything a message needs (site, changes with their sentences in French and English, when,
pictures, procedures and audiences), so rendering and the outbox never reach back into the check.
Templates live in `notifiers/templates/` (edited by coordinators) and fall back to the defaults shipped in
`watcher/templates/notify/`. Each template sets `title` with `{% set title %}…{% endset %}`; its output is the body.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from watcher.config.severity import rank as severity_rank
from watcher.i18n.dates import PARIS as PARIS  # deliver/notify.py reads it here
from watcher.i18n.dates import moment
from watcher.i18n.phrases import quoted
from watcher.i18n.phrases import short_phrase as short_phrase
from watcher.i18n.templating import environment
from watcher.safety.sanitize import for_format, one_line
from watcher.store.report import CheckReport, ProcedureFacts, Reportable, as_report, report_time

if TYPE_CHECKING:
    from watcher.detect.changes import Change

__all__ = [
    "Alert",
    "AlertChange",
    "Message",
    "PACKAGE_TEMPLATES",
    "PARIS",
    "Renderer",
    "alert_from_result",
    "configuration_message",
    "dumps",
    "loads",
    "render_alert",
    "render_digest",
    "short_phrase",
]

PACKAGE_TEMPLATES = Path(__file__).parents[1] / "templates" / "notify"
APPRISE_FORMAT = {"txt": "text", "short": "text", "md": "markdown", "html": "html"}
# Overrides written before the templates were shared between languages import their macros from these names.
LEGACY_TEMPLATES = {f"_alert.{lang}.j2": '{% import "_alert.j2" as shared %}'
                    '{% macro severity_label(s) %}{{ shared.severity_label(s) }}{% endmacro %}'
                    '{% macro title_text(alert) %}{{ shared.title_text(alert) }}{% endmacro %}'
                    '{% macro prompt(c) %}{{ shared.prompt(c) }}{% endmacro %}' for lang in ("fr", "en")}
LANGS = ("fr", "en")


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
    # the procedures that worked once and fail now (name, broken step), in the order of `breaks`
    blocked: tuple[tuple[str, int], ...] = ()
    already: tuple[str, ...] = ()  # blocked procedures that already failed at that step at the previous check
    said: tuple[str, ...] = ()  # blocked procedures whose break the outbox already sent (set when queued)
    # (procedure, French steps, English steps): a broken procedure's steps as they are now (report.render.steps_now)
    paths: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()

    @property
    def severity(self) -> str:
        """The gravest change; `breaking` (« Démarche bloquée ») whenever a procedure that worked fails now."""
        if self.blocked:
            return "breaking"
        return max((c.severity for c in self.changes), key=severity_rank, default="info")

    @property
    def blocked_names(self) -> tuple[str, ...]:
        """The blocked procedures the title names: those not told already (all of them when every one was)."""
        fresh = tuple(name for name, _ in self.blocked if name not in self.said)
        return fresh or tuple(name for name, _ in self.blocked)

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
        """The broken procedures' notes in `lang`, each a line of its own: a sentence starting with a capital,
        with « (déjà signalé) » only when the outbox sent that break before (`said`), « déjà constaté » when
        only an earlier check saw it."""
        from watcher.i18n.texts import t

        notes = []
        for index, (fr, en) in enumerate(self.breaks):
            note = fr if lang == "fr" else en
            name = self.blocked[index][0] if index < len(self.blocked) else None
            if name is not None and name in self.said:
                note += t("proc.already", lang)
            elif name is not None and name in self.already:
                note += t("proc.already_seen", lang)
            notes.append(note[:1].upper() + note[1:])
        return notes

    def steps_now(self, lang: str) -> list[tuple[str, tuple[str, ...]]]:
        """(procedure, its steps as they are now in `lang`) for each broken procedure that has them."""
        return [(name, fr if lang == "fr" else en) for name, fr, en in self.paths if fr or en]

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
            breaks=tuple((str(fr), str(en)) for fr, en in data.get("breaks") or []),
            paths=tuple((str(n), tuple(map(str, fr)), tuple(map(str, en))) for n, fr, en in data.get("paths") or []),
            blocked=tuple((str(n), int(s)) for n, s in data.get("blocked") or []),
            already=tuple(str(n) for n in data.get("already") or []),
            said=tuple(str(n) for n in data.get("said") or []))


@dataclass(frozen=True)
class Message:
    """A rendered message: what Apprise sends. `body_format` is text, markdown or html."""

    title: str
    body: str
    body_format: str = "text"
    attachments: tuple[Path, ...] = field(default=())


# --- building an Alert from a check ---------------------------------------------------------------


def quoted_name(name: str, lang: str) -> str:
    """A name between the language's quotes (« Mon compte » / “Mon compte”), « sans nom » when empty."""
    return quoted(name, lang)


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
    return tuple(sorted(changes, key=lambda c: -severity_rank(c.severity)))


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

    The procedures of the report that worked once and fail now (`CheckReport.blocked`: never the ones that never
    worked, a configuration problem told to coordinators) are listed, make the alert `breaking` (« Démarche
    bloquée ») and route it by audience; `procedures`, when given, replaces them (names, or objects with `.name`
    and optionally `.audiences`). Sentences are rendered here from the report's facts, in French and English
    (report/render.py).
    """
    from watcher.report.render import procedure_message, steps_now

    report = as_report(result)
    if not report.alert:
        return None
    procs: list[Any] = list(procedures) if procedures is not None else report.blocked
    names = tuple(p.name if isinstance(p, ProcedureFacts) else procedure_name(p) for p in procs)
    audiences = tuple(dict.fromkeys(a for p in procs for a in (
        p.audience if isinstance(p, ProcedureFacts) else procedure_audiences(p))))
    snapshot = Path(report.snapshot).name if report.snapshot else None
    facts = [p for p in procs if isinstance(p, ProcedureFacts) and p.status == "broken" and not p.never_worked]
    return Alert(
        target_id=report.id, target_name=report.target.name, target_url=report.target.url,
        changes=by_severity(change_from(c.change()) for c in report.changes if not c.noise),
        first_seen=(report_time(report) or datetime.now(UTC)).astimezone(UTC), tags=tuple(report.target.tags),
        snapshot=snapshot, images=tuple(Path(p) for p in report.images), procedures=names, audiences=audiences,
        tutorials=tutorial_paths(report, names),
        breaks=tuple((_fresh(procedure_message(p, "fr"), p, "fr"), _fresh(procedure_message(p, "en"), p, "en"))
                     for p in facts),
        paths=tuple((p.name, tuple(steps_now(p, "fr")), tuple(steps_now(p, "en"))) for p in facts if p.plan),
        blocked=tuple((p.name, p.broken_step or 0) for p in facts),
        already=tuple(p.name for p in facts if p.already))


def _fresh(message: str, run: ProcedureFacts, lang: str) -> str:
    """A procedure's sentence without the « déjà constaté » ending: the alert adds its own (`break_notes`)."""
    from watcher.i18n.texts import t

    ending = t("proc.already_seen", lang)
    return message[: -len(ending)] if run.already and message.endswith(ending) else message


def tutorial_paths(report: CheckReport, broken: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Where the tutorials of the procedures a check broke or altered live in the changelog site."""
    touched = set(broken) | {n for c in report.changes for n in c.procedures}
    return tuple((p.name, f"tutoriels/{report.id}/{p.slug}/index.html")
                 for p in report.procedures if p.name in touched and p.slug)


# --- rendering ------------------------------------------------------------------------------------


def format_when(when: datetime, lang: str = "fr") -> str:
    """A date and time in Paris, the way people write it: « 12 mars 2025 à 14 h 05 » (watcher.i18n.dates)."""
    return moment(when, lang)


class Renderer:
    """Templates from notifiers/templates/, falling back to the package's defaults (watcher/templates/notify/).

    The package's templates exist once for all languages: their words come from the gettext catalogs through
    Jinja2's i18n extension (`_()`, `ngettext()`), one environment per language and output kind. A coordinator
    may override a template for one language (`alert.fr.txt.j2`, the older naming, still first choice) or for all
    (`alert.txt.j2`, with `_()`); `_alert.fr.j2` / `_alert.en.j2`, which older overrides import, still answer.
    HTML is rendered by its own environment with autoescape on for every template, macros included, so a name taken
    from a page can never inject markup (Jinja2 marks a macro's output safe in the caller).
    """

    def __init__(self, templates_dir: Path | None = None) -> None:
        self.folders = [str(templates_dir)] if templates_dir else []
        self.envs: dict[tuple[str, bool], jinja2.Environment] = {}

    def env(self, lang: str, html: bool) -> jinja2.Environment:
        """The environment rendering `lang` (French when unknown), HTML-escaped or not; made at first use."""
        lang = lang if lang in LANGS else "fr"
        if (lang, html) not in self.envs:
            self.envs[lang, html] = self._environment(self.folders, html, lang)
        return self.envs[lang, html]

    @staticmethod
    def _environment(folders: list[str], html: bool, lang: str) -> jinja2.Environment:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader([*folders, str(PACKAGE_TEMPLATES)]),
                                      jinja2.DictLoader(LEGACY_TEMPLATES)])
        env = environment(lang, loader, autoescape=html, trim_blocks=True, lstrip_blocks=True,
                          undefined=jinja2.StrictUndefined)

        def when(moment: datetime, language: str = lang) -> str:
            return format_when(moment, language)

        def quoted(name: str | None, language: str = lang) -> str:
            return quoted_name(name or "", language)

        env.filters["when"] = when
        env.filters["quoted"] = quoted
        return env

    def template_for(self, name: str, lang: str, fmt: str) -> tuple[jinja2.Template, str]:
        """The most specific template that exists: a coordinator's for this language, then the one for all
        languages (a coordinator's, else the package's), in the wanted format, then in plain text."""
        for fmt_ in dict.fromkeys((fmt, "txt")):
            env = self.env(lang, fmt_ == "html")
            for file in (f"{name}.{lang}.{fmt_}.j2", f"{name}.{fmt_}.j2"):
                try:
                    return env.get_template(file), fmt_
                except jinja2.TemplateNotFound:
                    continue
        raise jinja2.TemplateNotFound(f"{name}.{fmt}.j2")

    def render(self, name: str, lang: str, fmt: str, **context: Any) -> Message:
        template, used = self.template_for(name, lang, fmt)
        module = template.make_module({"lang": lang, **context})
        title = getattr(module, "title", "")
        title = Markup(title).unescape() if isinstance(title, Markup) else str(title)
        body = str(module).strip() + "\n"
        return Message(one_line(title), body, APPRISE_FORMAT[used])


def escaped(alert: Alert, fmt: str) -> Alert:
    """A copy of `alert` whose words from the page (and the coordinator's names) are safe in a body of format
    `fmt` (watcher/safety/sanitize.py: Markdown escaped, mentions and bare links neutralised, one line each);
    addresses (the page's, the changelog's) are kept as they are."""
    def safe(text: str) -> str:
        return for_format(text, fmt)

    def safe_opt(text: str | None) -> str | None:
        return None if text is None else safe(text)

    changes = tuple(dataclasses.replace(
        c, summary={k: safe(v) for k, v in c.summary.items()}, short={k: safe(v) for k, v in c.short.items()},
        before_name=safe_opt(c.before_name), after_name=safe_opt(c.after_name), landmark=safe(c.landmark))
        for c in alert.changes)
    return dataclasses.replace(
        alert, target_name=safe(alert.target_name), changes=changes, tags=tuple(map(safe, alert.tags)),
        procedures=tuple(map(safe, alert.procedures)), audiences=tuple(map(safe, alert.audiences)),
        tutorials=tuple((safe(name), path) for name, path in alert.tutorials),
        breaks=tuple((safe(fr), safe(en)) for fr, en in alert.breaks),
        paths=tuple((safe(n), tuple(map(safe, fr)), tuple(map(safe, en))) for n, fr, en in alert.paths))


def render_alert(renderer: Renderer, alert: Alert, lang: str, fmt: str, changelog_url: str | None) -> Message:
    """The message of one alert in one language and format (txt, md, html or short for SMS); words from the
    watched page are escaped for that format (`escaped`)."""
    alert = escaped(alert, fmt)
    message = renderer.render("alert", lang, fmt, alert=alert, changes=alert.changes,
                              link=alert.link(changelog_url), tutorials=alert.tutorial_links(changelog_url))
    return Message(message.title, message.body, message.body_format, alert.images)


def render_digest(renderer: Renderer, alerts: Sequence[Alert], lang: str, fmt: str,
                  changelog_url: str | None) -> Message:
    """One message grouping a day's alerts for a digest channel, gravest first (« Démarche bloquée » leads),
    each under its alert's title (attachments: the composites)."""
    alerts = sorted(alerts, key=lambda a: -severity_rank(a.severity))  # blocked procedures first
    items = [{"alert": escaped(a, fmt), "link": a.link(changelog_url)} for a in alerts]
    message = renderer.render("digest", lang, fmt, items=items, count=len(alerts))
    pictures = tuple(a.images[0] for a in alerts if a.images)
    return Message(message.title, message.body, message.body_format, pictures)


def configuration_message(report: CheckReport, renderer: Renderer | None = None) -> dict[str, Message]:
    """The coordinators' message (fr and en) about the procedures of a check that never worked as written in
    targets.yaml, each with its mistake and the nearest name the page has (« étape 2 : « Mon Espace »
    introuvable ; le plus proche : « Mon espace » »); template `configuration.txt.j2`."""
    from watcher.report.render import configuration_words

    renderer = renderer or Renderer()
    messages = {}
    for lang in LANGS:
        problems = [(run.name, configuration_words(run, lang)) for run in report.never_worked]
        messages[lang] = renderer.render("configuration", lang, "txt", target_name=report.target.name or report.id,
                                         target_url=report.target.url, problems=problems)
    return messages


def dumps(alert: Alert) -> str:
    return json.dumps(alert.to_json(), ensure_ascii=False, sort_keys=True)


def loads(text: str) -> Alert:
    return Alert.from_json(json.loads(text))
