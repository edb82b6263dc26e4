"""Coordinators' tools: tune a noisy page, add a page, explain an alert, count false alarms, export schemas."""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from pydantic import ValidationError

from watcher.capture.page import Capture
from watcher.cli.commands.history import target_url
from watcher.cli.common import Paths, emit_json
from watcher.config.edit import TargetsFile, already_watched, slug_id
from watcher.config.problems import default_lang, issues_from_validation
from watcher.config.severity import DESCENDING
from watcher.config.severity import rank as severity_rank
from watcher.config.targets import Config, Target, load_config, url_suggestion
from watcher.detect.changes import Change, ProcedureChange, Severity, is_alert
from watcher.detect.compare import PROCEDURE_RULE, StepUse, compare_snapshots
from watcher.detect.htmlio import read_html
from watcher.detect.skeleton import Skeleton, render_skeleton_text
from watcher.detect.tuning import (
    CookieHint,
    Sample,
    TuneReport,
    Variation,
    block_selector,
    merged_proposals,
    tune,
)
from watcher.errors import ConfigError, InputError, WatcherError
from watcher.i18n.texts import known, plain_reason, t
from watcher.report import messages
from watcher.store.reader import SnapshotError, SnapshotReader
from watcher.store.report import ChangeFacts
from watcher.store.snapshots import CheckRecord, Store

__all__ = [
    "NewTarget",
    "mark_label",
    "noise_hints",
    "rule_of",
    "run_add",
    "run_explain",
    "run_mark",
    "run_schema",
    "run_stats",
    "run_tune",
]

DEFAULT_SCHEDULE = "0 7 * * 1-5"



def _target(config: Config, target_id: str) -> Target:
    try:
        return config.target(target_id)
    except KeyError as exc:
        raise InputError(str(exc.args[0])) from None


# --- tune ----------------------------------------------------------------------------------------------------


async def capture_runs(target: Target, runs: int, max_height: int) -> list[Capture]:
    """`runs` captures of the page through the real capture path, one browser for all."""
    from watcher.capture.browser import launch_browser
    from watcher.capture.page import capture_target

    captures = []
    async with launch_browser([target]) as browser:
        for _ in range(runs):
            capture = await capture_target(browser, target, max_height)
            if capture.status != "ok":
                raise InputError(t("unreachable", default_lang(), url=target.url,
                                   reason=plain_reason(capture.reason or "", target.url, default_lang())))
            captures.append(capture)
    return captures


def samples_by_viewport(captures: list[Capture]) -> dict[str, list[Sample]]:
    out: dict[str, list[Sample]] = {}
    for capture in captures:
        for view in capture.views:
            out.setdefault(view.viewport.name, []).append(
                Sample(view.dom, view.screenshot, capture.meta.get("final_url")))
    return out


def run_tune(paths: Paths, target_id: str, runs: int, write: bool, lang: str) -> None:
    """Capture a page several times, show what varies and the settings that silence it; --write saves them."""
    config = load_config(paths.config)
    target = _target(config, target_id)
    captures = asyncio.run(capture_runs(target, runs, config.settings.max_height))
    reports = tune(target, samples_by_viewport(captures))
    for report in reports:
        click.echo(format_tune(target, report, runs, lang))
    for line in noise_hints(paths, target, lang):
        click.echo(line)
    proposals = merged_proposals(reports)
    cookie = next((r.cookie for r in reports if r.cookie), None)
    if not write:
        if any(proposals.values()) or cookie:
            click.echo(t("tune.write", lang, file=paths.config, id=target.id))
        return
    click.echo(write_tuning(paths.config, target, proposals, cookie, lang))


def format_tune(target: Target, report: TuneReport, runs: int, lang: str) -> str:
    lines = [t("tune.head", lang, id=target.id, name=target.name, runs=runs, viewport=report.viewport),
             t("tune.skeleton", lang), _indent(render_skeleton_text(report.skeleton, lang)),
             t("tune.variations", lang)]
    lines += [f"  {line}" for line in (_variation_line(v, lang) for v in report.variations)] or [t("tune.none", lang)]
    if report.proposals:
        lines.append(t("tune.proposals", lang))
    for proposal in report.proposals:
        detail = t("tune.explains", lang, count=len(proposal.explains), hidden=proposal.hidden_controls)
        lines.append(f"  {proposal.key}: [{json.dumps(proposal.selector, ensure_ascii=False)}]  ({detail})")
    for refusal in report.refused:
        why = t("why." + refusal.why, lang, share=refusal.share)
        lines.append("  " + t("tune.refused", lang, selector=refusal.selector, why=why))
    lines += _cookie_lines(report.cookie, target, lang)
    if report.variations:
        lines.append(t("tune.quiet", lang) if report.quiet else t(
            "tune.left", lang, changes=len(report.remaining_changes), regions=len(report.remaining_regions)))
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _variation_line(variation: Variation, lang: str) -> str:
    pair = t("tune.pair", lang, a=variation.pair + 1, b=variation.pair + 2)
    if variation.region is not None:
        r = variation.region
        what = t("tune.region", lang, x=r.x, y=r.y, w=r.width, h=r.height, kind=r.kind)
    else:
        assert variation.change is not None
        what = variation.change.summary(lang)
    where = t("tune.block", lang, selector=variation.selector) if variation.selector else t("tune.noblock", lang)
    return f"{pair} : {what} → {where}" if lang == "fr" else f"{pair}: {what} → {where}"


def _cookie_lines(cookie: CookieHint | None, target: Target, lang: str) -> list[str]:
    if cookie is None:
        return []
    lines = [t("tune.cookie", lang, banner=cookie.banner, buttons=", ".join(cookie.buttons))]
    if cookie.configured:
        lines.append(t("tune.cookie.still", lang, current=target.cookie_banner))
    why = t("tune.cookie.refuse" if cookie.refuses else "tune.cookie.accept", lang)
    lines.append(f"  cookie_banner: {json.dumps(cookie.selector, ensure_ascii=False)}  ({why})")
    return lines


def write_tuning(config_path: Path, target: Target, proposals: dict[str, list[str]],
                 cookie: CookieHint | None, lang: str) -> str:
    """Add the proposals to the target in targets.yaml (comments kept, `.bak` kept, re-validated)."""
    edited = TargetsFile(config_path)
    added = [*edited.extend(target.id, "ignore", proposals["ignore"]),
             *edited.extend(target.id, "mask", proposals["mask"])]
    if cookie is not None and target.cookie_banner != cookie.selector:
        edited.set(target.id, "cookie_banner", cookie.selector)
        added.append(cookie.selector)
    if not added:
        return t("tune.nothing", lang)
    backup = edited.save()
    return t("tune.written", lang, file=config_path, backup=backup.name)


def noise_hints(paths: Paths, target: Target, lang: str) -> list[str]:
    """Changes of this page a coordinator marked as noise, with the block that would silence them."""
    if not (paths.snapshots / "index.sqlite3").is_file():
        return []
    with Store(paths.snapshots) as store:
        noisy = [(m, r) for m in store.marks() if m.label == "noise"
                 if (r := store.check(m.check_id)) is not None and r.target == target.id]
        lines = []
        for mark, record in noisy:
            note = f" — {mark.note}" if mark.note else ""
            for change, selector in rebuilt_changes(store, record)[:3]:
                block = f"  → ignore: [{json.dumps(selector, ensure_ascii=False)}]" if selector else ""
                lines.append(f"  #{record.id}{note}{t('colon', lang)}{change.summary(lang)}{block}")
    return [t("tune.hints", lang), *lines] if lines else []


# --- add -----------------------------------------------------------------------------------------------------

def page_title(dom: str) -> str | None:
    from watcher.detect.tuning import parse_dom

    title = parse_dom(dom).find(".//head/title")
    text = " ".join("".join(title.itertext()).split()) if title is not None else ""
    return text[:120] or None


@dataclass
class NewTarget:
    url: str
    name: str | None
    target_id: str | None
    tags: list[str]
    schedule: str


def run_add(paths: Paths, new: NewTarget, force: bool, lang: str) -> None:
    """Trial capture, then append the page to targets.yaml (created when missing or empty) with sensible defaults."""
    guessed = not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", new.url)
    new.url = complete_url(new.url, lang)
    edited = TargetsFile(paths.config, create=True)
    taken = set(edited.ids())
    if new.target_id and new.target_id in taken:
        raise InputError(t("add.taken", lang, id=new.target_id, file=paths.config))
    watched = already_watched(new.url, edited.urls())
    if watched:
        raise InputError(t("add.watched", lang, url=new.url, id=watched))
    probe = _validated({"id": new.target_id or "probe", "name": new.name or new.url, "url": new.url}, lang)
    new.url = probe.url  # as written in targets.yaml: the scheme in lower case
    capture = asyncio.run(trial_capture(probe))
    if capture.status != "ok" and guessed and new.url.startswith("https://"):  # https was our guess: try http
        plain = _validated({**probe.model_dump(include={"id", "name"}), "url": "http://" + new.url[8:]}, lang)
        second = asyncio.run(trial_capture(plain))
        if second.status == "ok":
            click.echo(t("add.http", lang, url=plain.url))
            new.url, probe, capture = plain.url, plain, second
    if capture.status != "ok" and not force:
        reason = plain_reason(capture.reason or "", new.url, lang)
        raise InputError(t("add.unreachable", lang, url=new.url, reason=reason))
    title = page_title(capture.main.dom) if capture.status == "ok" else None
    entry: dict[str, Any] = {
        "id": new.target_id or slug_id(new.url, taken), "name": new.name or title or urlsplit(new.url).netloc,
        "url": new.url, "tags": new.tags or None, "schedule": new.schedule}
    _validated(entry, lang)
    edited.add_target(entry)
    edited.save()
    if edited.created:
        click.echo(t("add.created", lang, file=paths.config))
    click.echo(t("add.done", lang, file=paths.config, id=entry["id"], name=entry["name"], schedule=entry["schedule"]))
    click.echo(t("add.next", lang, id=entry["id"]))


def complete_url(url: str, lang: str) -> str:
    """`www.caf.fr` -> `https://www.caf.fr` (and say so); an address with a scheme is kept as it is."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        return url
    full = url_suggestion(url)
    if not full:
        return url  # validation says what is wrong with it
    click.echo(t("add.scheme", lang, url=full))
    return full
def _validated(entry: dict[str, Any], lang: str) -> Target:
    """The new target, or its mistakes in the coordinator's words (the same texts as targets.yaml's)."""
    try:
        return Target.model_validate({k: v for k, v in entry.items() if v is not None})
    except ValidationError as exc:
        issues = issues_from_validation(Path("--"), None, exc, Target)
        raise InputError("; ".join(f"{issue.path}: {issue.message(lang)}" for issue in issues)) from None


async def trial_capture(target: Target) -> Capture:
    from watcher.capture.browser import launch_browser
    from watcher.capture.page import capture_target

    async with launch_browser([target]) as browser:
        return await capture_target(browser, target, 4000)


# --- explain -------------------------------------------------------------------------------------------------


def find_record(store: Store, change_id: str) -> CheckRecord | None:
    """A check by its number, or by `<target>/<snapshot folder>`."""
    if change_id.isdigit():
        return store.check(int(change_id))
    target, _, folder = change_id.strip("/").partition("/")
    wanted = f"{target}/{folder.strip('/')}"
    return next((r for r in reversed(store.history(target)) if r.snapshot == wanted), None)


def _skeleton(folder: Path | None) -> Skeleton | None:
    try:
        return SnapshotReader(folder).skeleton() if folder is not None else None
    except (SnapshotError, InputError):
        return None


def rebuilt_changes(store: Store, record: CheckRecord,
                    uses: Sequence[StepUse] = ()) -> list[tuple[Change, str | None]]:
    """The changes of a check, rebuilt from its two stored skeletons with the comparison every check uses
    (`uses`: the page's procedures), as the check decided them (stored severity, rule, procedures), with the
    block of each."""
    before_dir, after_dir = store.path(record.baseline), store.path(record.snapshot)
    before, after = _skeleton(before_dir), _skeleton(after_dir)
    if before is None or after is None or record.baseline == record.snapshot:
        return []
    steps = {element for use in uses for element in use.elements}
    out = []
    for change in compare_snapshots(before, after, uses):
        change = as_decided(record, change)
        folder, skeleton, element = ((after_dir, after, change.after) if change.after is not None
                                     else (before_dir, before, change.before))
        dom = folder / "dom.html" if folder else None
        selector = block_selector(read_html(dom), skeleton, element) \
            if dom is not None and dom.is_file() and element is not None else None
        if selector is not None and not _may_ignore(selector, (before_dir, after_dir), steps):
            selector = None  # it would hide a form or a procedure's step: never proposed
        out.append((change, selector))
    return out


def _may_ignore(selector: str, folders: Sequence[Path | None], steps: set[tuple[str, str]]) -> bool:
    """Whether ignoring `selector` hides no form and no procedure step on either side of the change."""
    from watcher.detect.tuning import safe_to_ignore

    doms = [folder / "dom.html" for folder in folders if folder is not None and (folder / "dom.html").is_file()]
    return all(safe_to_ignore(read_html(dom), selector, steps) for dom in doms)


# Rule ids whose words are older than messages.RULES: their text keys.
_RULE_TEXT_KEYS = {
    "orientation": "rule.orientation", "link-target": "rule.link_target", "required": "rule.required",
    "added-required-field": "rule.added_required", "added": "rule.added", "moved-far": "rule.moved_far",
    "moved-near": "rule.moved_near", "counter": "rule.numbers", "footer-link": "rule.footer",
    "whole-dialog": "rule.dialog", "step": "rule.step",
}


def rule_of(change: Change, lang: str) -> str:
    """The rule that gave this change its level, in words: read from the change (its `rule` id, kept in the
    stored report), never worked out again here."""
    procedures = getattr(change, "procedures", ())
    if change.noise:
        return messages.rule_text(change.rule, lang) or t("rule.noise", lang)
    if procedures:
        return t("rule.procedure", lang, names=", ".join(f"« {p} »" for p in procedures))
    return messages.rule_text(change.rule, lang) or t(_RULE_TEXT_KEYS.get(change.rule, "rule.step"), lang)


def _stored_entry(record: CheckRecord, change: Change) -> ChangeFacts | None:
    """The stored report's entry of this change (same kind, same names on both sides), if any."""
    report = record.check_report
    mine = (change.before.name if change.before else None, change.after.name if change.after else None)
    for stored in report.changes if report else []:
        names = stored.before.name if stored.before else None, stored.after.name if stored.after else None
        if stored.kind == change.kind.value and names == mine:
            return stored
    return None


def as_decided(record: CheckRecord, change: Change) -> Change:
    """The change with the severity, rule and procedures its check stored (the check knew the procedures'
    runs of the time; reports stored before rule ids were linked say `procedures` only)."""
    stored = _stored_entry(record, change)
    if stored is None:
        return change
    procedures = tuple(stored.procedures)
    values = {f.name: getattr(change, f.name) for f in fields(change)}
    if stored.severity in {s.value for s in Severity}:
        values["severity"] = Severity(stored.severity)
    values["rule"] = PROCEDURE_RULE if procedures else (stored.rule or change.rule)
    if not procedures:
        values.pop("procedures", None)
        values.pop("audiences", None)
        return Change(**values)
    values.update(procedures=procedures, audiences=tuple(stored.audiences))
    return ProcedureChange(**values)


def _min_severity(paths: Paths, target_id: str) -> str:
    try:
        return load_config(paths.config).target(target_id).min_severity
    except (ConfigError, KeyError):
        return "major"


def _procedure_uses(paths: Paths, store: Store, record: CheckRecord) -> list[StepUse]:
    """The procedures of the check's page as they were before it (none when the page left targets.yaml)."""
    from watcher.service.check import procedure_uses, references

    try:
        target = load_config(paths.config).target(record.target)
    except (WatcherError, KeyError):
        return []
    return procedure_uses(target, references(store, target, up_to=record.id - 1))


def run_explain(paths: Paths, change_id: str, lang: str) -> None:
    """Why a change alerted: the elements, the rule, the severity, and the setting that would silence it."""
    with Store(paths.snapshots) as store:
        record = find_record(store, change_id)
        if record is None:
            raise InputError(t("unknown_change", lang, id=change_id, index=paths.snapshots / "index.sqlite3"))
        level = _min_severity(paths, record.target)
        changes = rebuilt_changes(store, record, _procedure_uses(paths, store, record))
        marks = {m.check_id: m for m in store.marks()}
    for line in explain_lines(record, changes, level, lang, target_url(paths, record.target)):
        click.echo(line)
    mark = marks.get(record.id)
    if mark is not None:
        note = f" — {mark.note}" if mark.note else ""
        click.echo(t("explain.marked", lang, label=t("label." + mark.label, lang), note=note))


def explain_lines(record: CheckRecord, changes: list[tuple[Change, str | None]], level: str, lang: str,
                  url: str = "") -> list[str]:
    from watcher.i18n.texts import t

    alert = f"  [{t('alert', lang)}]" if record.alert else ""
    from watcher.cli.tables import paris_time

    lines = [t("explain.head", lang, id=record.id, target=record.target, time=paris_time(record.time),
                status=t("status." + record.status, lang), alert=alert)]
    if record.status == "degraded":  # a maintenance or queue page: nothing to explain nor to silence
        reason = t(f"degraded.{record.reason}", lang) if known(f"degraded.{record.reason}") else record.reason
        return [*lines, t("explain.reason", lang, reason=reason), t("explain.degraded", lang)]
    if record.reason:
        lines.append(t("explain.reason", lang, reason=plain_reason(record.reason, url, lang)))
    if record.snapshot:
        lines.append(t("explain.files", lang, snapshot=record.snapshot, baseline=record.baseline or "—"))
    if record.status == "new":
        return [*lines, t("explain.first", lang)]
    if record.status in ("changed", "unchanged"):
        lines.append(t("explain.threshold_fr", lang, level=level, label=t("severity." + level, lang)))
    if not changes and record.status in ("changed", "unchanged"):
        lines.append(t("explain.nothing", lang))
    for change, selector in changes:
        lines += _change_lines(record, change, selector, level, lang)
    lines += _procedure_lines(record, lang)
    lines += _silence_lines(record, changes, level, lang)
    return lines


def _change_lines(record: CheckRecord, change: Change, selector: str | None, level: str, lang: str) -> list[str]:
    severity = change.severity
    fires = not change.noise and is_alert([change], Severity(level))
    lines = [f"{'•' if not change.noise else '·'} {change.summary(lang)}",
             "    " + t("explain.kind_fr", lang, kind=t("kind." + change.kind.value, lang),
                         severity=t("severity." + severity.value, lang), rule=rule_of(change, lang)),
             "    " + t("explain.elements_fr", lang, before=_describe(change.before, lang),
                         after=_describe(change.after, lang), landmark=landmark_words(change.landmark, lang))]
    if selector:
        lines.append("    " + t("explain.block", lang, selector=selector))
    lines.append("    " + (t("explain.alerts", lang, severity=t("severity." + severity.value, lang),
                             level=t("severity." + level, lang)) if fires else t("explain.below", lang)))
    return lines


def landmark_words(landmark: str, lang: str) -> str:
    """A landmark path in words: "banner > navigation" -> « menu de l'en-tête »; none -> « reste de la page »."""
    from watcher.report import messages

    return messages.place(landmark, lang) or t("landmark.none", lang)


def _describe(element: Any, lang: str) -> str:
    from watcher.report import messages

    return f"{messages.role_label(element.role, lang)} {messages.quoted(element.name, lang)}" if element else "—"


def _procedure_lines(record: CheckRecord, lang: str) -> list[str]:
    from watcher.report.render import procedure_step

    report = record.check_report
    return [t("explain.procedures", lang, message=f"{run.name} — {run.broken_step}: {procedure_step(run, lang)}")
            for run in (report.broken if report else [])]


def _silence_lines(record: CheckRecord, changes: list[tuple[Change, str | None]], level: str, lang: str) -> list[str]:
    """How to stop such an alert, when it may be stopped: never a blocked procedure (it is to be learned again),
    never by hiding a form or a step (rebuilt_changes proposes no such block), never by a threshold that a
    blocked procedure's alert would pass anyway."""
    from watcher.report.render import configuration_words

    report = record.check_report
    lines = [t("explain.blocked", lang, name=messages.quoted(run.name, lang), number=run.broken_step or 0,
               target=record.target) for run in (report.blocked if report and record.alert else [])]
    lines += [t("explain.never_worked", lang, name=messages.quoted(run.name, lang),
                problem=configuration_words(run, lang)) for run in (report.never_worked if report else [])]
    alerting = [(c, s) for c, s in changes if not c.noise and is_alert([c], Severity(level))]
    silenceable = [(c, s) for c, s in alerting if c.severity != Severity.BREAKING]
    if len(silenceable) < len(alerting):
        lines.append(t("explain.kept", lang))
    blocked = bool(report and report.blocked and record.alert)
    if not silenceable and (not record.alert or alerting or lines):
        return lines
    ways = ["  - " + t("explain.ignore", lang, selector=json.dumps(selector, ensure_ascii=False))
            for selector in dict.fromkeys(s for _, s in silenceable if s)]
    above = Severity(level).next()
    if above is not None and not blocked:
        ways.append("  - " + t("explain.level", lang, level=above.value))
    if not blocked:  # a blocked procedure is no false alarm
        ways.append("  - " + t("explain.mark_fr", lang, id=record.id))
    return [*lines, t("explain.silence", lang), *ways] if ways else lines


# --- stats and marks ---------------------------------------------------------------------------------------


def target_stats(store: Store, ids: list[str]) -> list[dict[str, Any]]:
    """Per page: checks, changes, alerts (and by level, `by_severity`: breaking « Démarche bloquée » first),
    unreachable rate, degraded captures (maintenance, queue… never alerted, never a reference) and coordinators'
    judgements."""
    labels: dict[int, str] = {m.check_id: m.label for m in store.marks()}
    out = []
    for target_id in ids:
        records = store.history(target_id)
        unreachable = sum(r.status == "unreachable" for r in records)
        levels = [alert_level(r) for r in records if r.alert]
        out.append({
            "id": target_id, "checks": len(records), "changes": sum(r.status == "changed" for r in records),
            "alerts": sum(r.alert for r in records), "unreachable": unreachable,
            "unreachable_rate": round(unreachable / len(records), 3) if records else 0.0,
            "noise_marks": sum(labels.get(r.id) == "noise" for r in records),
            "real_marks": sum(labels.get(r.id) == "real" for r in records),
            "degraded": sum(r.status == "degraded" for r in records),
            "by_severity": {s.value: levels.count(s.value) for s in DESCENDING},
        })
    return out


def alert_level(record: CheckRecord) -> str:
    """The level of a check's alert, as the alert itself has it (report/alerts.Alert.severity): breaking when a
    procedure that worked fails, else its gravest change."""
    report = record.check_report
    if report is None:
        return "info"
    if report.blocked:
        return "breaking"
    levels = [c.severity for c in report.changes if not c.noise]
    return max(levels, key=severity_rank, default="info")


def run_stats(paths: Paths, fmt: str, lang: str) -> None:
    try:
        configured = [target.id for target in load_config(paths.config).targets]
    except ConfigError:
        configured = []  # the index alone is enough to count
    with Store(paths.snapshots) as store:
        ids = list(dict.fromkeys([*configured, *store.targets()]))
        rows = target_stats(store, ids)
    if fmt == "json":
        emit_json({"targets": rows})
        return
    from watcher.cli.tables import table
    from watcher.i18n.numbers import percent

    headers = [t("col." + key, lang) for key in ("page", "checks", "changes", "alerts")]
    headers += [t("severity." + s.value, lang) for s in DESCENDING]
    headers += [t("col." + key, lang) for key in ("unreachable", "degraded", "noise", "real")]
    click.echo(table(headers, [[row["id"], row["checks"], row["changes"], row["alerts"],
                                *(row["by_severity"][s.value] for s in DESCENDING),
                                percent(row["unreachable_rate"], lang, 0), row["degraded"], row["noise_marks"],
                                row["real_marks"]] for row in rows], numeric=range(1, 12)))


MARK_WORDS = {"bruit": "noise", "noise": "noise", "fausse-alerte": "noise", "faux": "noise",
              "reel": "real", "réel": "real", "real": "real", "vrai": "real"}


def mark_label(word: str, lang: str) -> str:
    """The stored label (noise or real) for what the coordinator typed: bruit / réel, noise / real (any case)."""
    plain = unicodedata.normalize("NFC", word.strip().lower())
    label = MARK_WORDS.get(plain) or MARK_WORDS.get(
        unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode())
    if label is None:
        raise InputError(t("mark.bad", lang, value=word))
    return label


NOTHING_TO_JUDGE = ("new", "unreachable", "error")  # no comparison was made: neither noise nor a real change


def run_mark(paths: Paths, change_id: str, label: str, note: str | None, lang: str) -> None:
    with Store(paths.snapshots) as store:
        record = find_record(store, change_id)
        if record is None:
            raise InputError(t("unknown_change", lang, id=change_id, index=paths.snapshots / "index.sqlite3"))
        if record.status in NOTHING_TO_JUDGE or (label == "noise" and record.status == "unchanged"):
            raise InputError(t("mark.nothing", lang, id=record.id, target=record.target,
                               status=t("status." + record.status, lang)))
        store.mark(record.id, label, note)
    click.echo(t("mark.done", lang, id=record.id, target=record.target, label=t("label." + label, lang)))


# --- schema ------------------------------------------------------------------------------------------------


def run_schema(paths: Paths, out_dir: Path | None, lang: str) -> None:
    from watcher.cli.common import write_schemas

    folder = out_dir or paths.config.resolve().parent / "schema"
    try:
        written = write_schemas(folder)
    except OSError as exc:
        raise WatcherError(f"{folder}: {exc.strerror or exc}") from None
    for path in written:
        click.echo(t("schema.done", lang, file=path))
