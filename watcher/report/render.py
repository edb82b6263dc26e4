"""Sentences from stored facts, in the reader's language: the words of a `CheckReport` when it is shown.

The stored report (store/report.py) keeps facts only; everything a person or a program reads as words
(`summary` of a change, `step` and `message` of a procedure) is rendered here, through report/messages.py
and the i18n texts, in the language of whoever reads it (`lang`: "fr" or "en").
"""

from __future__ import annotations

from typing import Any

from watcher.i18n.phrases import place, quoted, role_noun
from watcher.i18n.texts import t
from watcher.store.report import ChangeFacts, CheckReport, ProcedureFacts, StepFacts

__all__ = [
    "change_summary",
    "configuration_words",
    "procedure_json",
    "procedure_message",
    "procedure_step",
    "report_json",
    "candidate_words",
    "steps_now",
    "sentence",
    "step_words",
]


def change_summary(change: ChangeFacts, lang: str = "fr") -> str:
    """« Le bouton « A » s'appelle désormais « B » (en-tête) »: one change in a sentence (a version 1
    report's own sentence, English when it stored one)."""
    if change.legacy is not None:
        return change.legacy.get(lang) or change.legacy.get("fr") or change.change().summary(lang)
    return change.change().summary(lang)


def change_json(change: ChangeFacts, lang: str = "fr") -> dict[str, Any]:
    """A change as `watcher check` / `watcher diff --format json` show it (facts plus `summary`)."""
    return dict(change.change().to_json(lang), summary=change_summary(change, lang))


def _role_subject(role: str, name: str, lang: str) -> str:
    return f"{role_noun(role, lang).the} {quoted(name, lang)}"


def step_subject(step: StepFacts, lang: str = "fr") -> str:
    """The element a step is about, as a mediator says it: « le lien « Mon Compte » »."""
    if step.role is not None:
        return _role_subject(step.role, step.name or "", lang)
    kind = "list" if step.action == "select" else "box" if step.action == "check" else "field"
    return t(f"proc.subject.{kind}", lang, name=quoted(step.label or "", lang))


def _feminine(step: StepFacts) -> bool:
    if step.role is not None:
        return role_noun(step.role).feminine
    return step.action in ("select", "check")


def step_words(step: StepFacts, lang: str = "fr") -> str:
    """« cliquer sur le lien « Mon Compte » »: the step as written in a co-training sheet (no typed value)."""
    if step.action == "goto" or (not step.action and step.url):
        return t("proc.step.goto", lang, url=step.url or "")
    if step.action == "wait" or (not step.action and step.wait is not None):
        return t("proc.step.wait", lang, seconds=step.wait or 0)
    action = step.action or ("click" if step.role else "fill")
    option = quoted(step.option, lang) if step.option is not None else ""
    return t(f"proc.step.{action}", lang, subject=step_subject(step, lang), option=option)


def problem_words(step: StepFacts, problem: str | None, detail: str | None, lang: str = "fr") -> str:
    """Why a step failed, from its problem code: « le lien « Mon Compte » est introuvable »."""
    option = quoted(step.option, lang) if step.option is not None else ""
    return t(f"proc.problem.{problem or 'missing'}", lang, subject=step_subject(step, lang),
             e="e" if _feminine(step) else "", detail=detail or "", option=option)


def procedure_message(run: ProcedureFacts, lang: str = "fr", said: bool = False) -> str:
    """How a procedure fares, in one sentence: « La procédure « X » ne passe plus à l'étape 2 : … ».

    `said`: this break was already sent to the reader (the outbox says so), which adds « (déjà signalé) »; a
    break only seen by an earlier check says so instead (« déjà constaté … »): nothing claims a message that
    was never sent."""
    if run.legacy is not None:  # a version 1 report: its own sentences, English when it stored them
        words = run.legacy.get(lang) or run.legacy.get("fr") or {}
        return words.get("message", "")
    return sentence(_procedure_words(run, lang, said))


def _procedure_words(run: ProcedureFacts, lang: str, said: bool) -> str:
    name = quoted(run.name, lang)
    degraded = run.degraded()
    if degraded is not None:
        return t("proc.degraded", lang, name=name, reason=degraded.describe(lang))
    if run.status == "unreachable":
        return t("proc.unreachable", lang, name=name, reason=run.reason or "?")
    if run.status != "broken" or run.step is None or run.broken_step is None:
        stopped = t("proc.stopped_submits", lang, number=run.stopped_at) if run.stopped_at else ""
        return t("proc.ok", lang, name=name, count=run.steps) + (" — " + stopped if stopped else "")
    if run.never_worked:
        return t("proc.never_worked", lang, name=name, problem=configuration_words(run, lang))
    text = t("proc.broken", lang, name=name, number=run.broken_step,
             problem=problem_words(run.step, run.problem, run.detail, lang))
    if run.candidate:
        text += t("proc.candidate", lang, name=candidate_words(run, lang))
    if run.blocked_by:
        text += t("proc.blocked", lang, fields=", ".join(quoted(f, lang) for f in run.blocked_by))
    if run.already:
        text += t("proc.already", lang) if said else t("proc.already_seen", lang)
    return text


def configuration_words(run: ProcedureFacts, lang: str = "fr") -> str:
    """A never-working procedure's mistake as coordinators fix it in targets.yaml, with the nearest name the
    page has: « étape 2 : « Mon Espace » introuvable ; le plus proche : « Mon espace » »."""
    step = run.step or StepFacts()
    number = run.broken_step or 0
    if run.problem in (None, "missing"):
        wanted = step.name if step.role is not None else step.label if step.label is not None else step.url
        text = t("proc.config.missing", lang, number=number, name=quoted(wanted or "", lang))
    else:
        text = t("proc.config.other", lang, number=number,
                 problem=problem_words(step, run.problem, run.detail, lang))
    if run.candidate is not None:
        return text + t("proc.config.nearest", lang, name=quoted(run.candidate.name, lang))
    if run.problem in (None, "missing"):
        return text + t("proc.config.none", lang)
    return text


def sentence(text: str) -> str:
    """`text` starting with a capital letter (a sentence read on its own)."""
    return text[:1].upper() + text[1:]


def candidate_words(run: ProcedureFacts, lang: str = "fr") -> str:
    """What to click now, as a mediator says it: « le lien « Mon espace personnel » (menu de l'en-tête) »;
    "" without a candidate."""
    candidate = run.candidate
    if candidate is None:
        return ""
    where = place(candidate.landmark, lang)
    subject = _role_subject(candidate.role, candidate.name, lang)
    return f"{subject} ({where})" if where else subject


def steps_now(run: ProcedureFacts, lang: str = "fr") -> list[str]:
    """The procedure's steps as they are now, in words: the broken step replaced by the same action on the
    nearest candidate, marked « à vérifier » (or the step itself, marked so, without a candidate); the steps
    after it, not replayed, marked « pas encore vérifiée ». [] when the report keeps no plan (older reports)."""
    words = []
    for number, step in enumerate(run.plan, start=1):
        broken = run.status == "broken" and run.broken_step
        if broken and number == run.broken_step:
            if run.candidate is not None and step.role is not None:
                step = step.model_copy(update={"role": run.candidate.role, "name": run.candidate.name})
                where = place(run.candidate.landmark, lang)
                text = step_words(step, lang) + (f" ({where})" if where else "")
            else:
                text = step_words(step, lang)
            words.append(t("proc.to_check", lang, step=text))
        elif broken and number > (run.broken_step or 0):
            words.append(t("proc.not_checked", lang, step=step_words(step, lang)))
        else:
            words.append(step_words(step, lang))
    return _with_new_fields(run, words, lang)


def _with_new_fields(run: ProcedureFacts, words: list[str], lang: str) -> list[str]:
    """The required fields the page stopped on (`blocked_by`), each as a step « remplir le champ … — à
    vérifier » before the click that should have moved on (the last click before the broken step)."""
    if run.status != "broken" or not run.blocked_by or not run.broken_step:
        return words
    clicks = [n for n, step in enumerate(run.plan[:run.broken_step], start=1) if step.action == "click"]
    at = (clicks[-1] if clicks else run.broken_step) - 1
    new = [t("proc.to_check", lang, step=t("proc.step.fill", lang, subject=t("proc.subject.field", lang,
                                                                               name=quoted(field, lang))))
           for field in run.blocked_by]
    return words[:at] + new + words[at:]


def procedure_step(run: ProcedureFacts, lang: str = "fr") -> str | None:
    """The broken step in words (None when nothing broke)."""
    if run.legacy is not None:
        words = run.legacy.get(lang) or run.legacy.get("fr") or {}
        return words.get("step") or None
    return step_words(run.step, lang) if run.step is not None and run.status == "broken" else None


def procedure_json(run: ProcedureFacts, lang: str = "fr") -> dict[str, Any]:
    """A procedure entry of `watcher check --format json` (public contract: name, status, broken_step, step,
    candidate; extended with slug, audience, problem, expected, url, blocked_by, new, message, reason,
    duration_s, and `never_worked: true` for a procedure that never passed: a configuration problem)."""
    broken = run.status == "broken" and run.step is not None
    extra = {"never_worked": True} if run.never_worked else {}
    return {
        "name": run.name, "slug": run.slug, "audience": run.audience, "status": run.status,
        "broken_step": run.broken_step, "step": procedure_step(run, lang), "problem": run.problem,
        "expected": run.step.expected() if broken and run.step is not None else None,
        "url": run.url, "candidate": run.candidate.model_dump(exclude_defaults=True) if run.candidate else None,
        "blocked_by": run.blocked_by, "new": run.new, "message": procedure_message(run, lang),
        "reason": run.reason, "duration_s": run.duration_s, **extra,
    }


def report_json(report: CheckReport, lang: str = "fr") -> dict[str, Any]:
    """The `watcher check --format json` entry of one check (public contract, extended only):
    {id, status, alert, changes, procedures, snapshot, reason, visual, images[, degraded_evidence,
    degraded_landmark]}, sentences in `lang`."""
    out: dict[str, Any] = {
        "id": report.id, "status": report.status, "alert": report.alert,
        "changes": [change_json(c, lang) for c in report.changes],
        "procedures": [procedure_json(p, lang) for p in report.procedures],
        "snapshot": report.snapshot, "reason": report.reason,
        "visual": report.visual.model_dump(mode="json") if report.visual else None,
        "images": report.images,
    }
    if report.degraded_evidence is not None:
        out["degraded_evidence"] = report.degraded_evidence
    if report.degraded_landmark:
        out["degraded_landmark"] = report.degraded_landmark
    return out
