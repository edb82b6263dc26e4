"""`watcher validate [FILE] [--online]`: what will fail later, found now.

Offline, it reads targets.yaml and notifiers/channels.yaml and reports, one line each with file:line and field:
errors (a malformed file, an unset `${VAR}`, a scheme Apprise does not know, a URL Apprise refuses) and warnings
(a secret written in clear, with the `${VAR}` form to use). Exit code 2 when there is an error, 0 otherwise
(warnings are printed). `--online` then makes one trial capture of each page and one replay of each procedure,
the same as a first check but with nothing stored, and says which work.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from watcher.capture.page import Capture
from watcher.capture.procedures import ProcedureRun
from watcher.cli.common import EXIT_ERROR, EXIT_OK, Paths
from watcher.config.channels import check_channel_words, load_channels
from watcher.config.problems import ConfigProblems
from watcher.config.targets import Config, Target, load_config
from watcher.detect.degraded import Degraded, assess, page_facts
from watcher.errors import ConfigError
from watcher.i18n.texts import plain_reason, t
from watcher.report.render import procedure_message
from watcher.store.report import ProcedureFacts

__all__ = ["run_validate"]


@dataclass
class Findings:
    """Lines to show: errors make the exit code 2, warnings are only printed; `ok` lines go to stdout."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ok: list[str] = field(default_factory=list)


def notifiers_for(paths: Paths, file: Path | None) -> Path:
    """The notifiers/ folder of the validated file: beside FILE, unless --notifiers said otherwise."""
    default = paths.config.resolve().parent / "notifiers"
    if file is None or paths.notifiers != default:
        return paths.notifiers
    return file.resolve().parent / "notifiers"


def check_files(config_path: Path, notifiers: Path, lang: str) -> tuple[Config | None, Findings]:
    """Read both files without sending or loading anything; the parsed targets (None if invalid) and findings."""
    found = Findings()
    config = None
    try:
        config = load_config(config_path)
        found.ok.append(t("validate.ok", lang, file=config_path, count=len(config.targets)))
        check_channel_words(notifiers / "channels.yaml", config)
    except ConfigError as exc:
        found.errors.append(_in_lang(exc, lang))
    try:
        channels = load_channels(notifiers)
    except ConfigError as exc:
        message = _in_lang(exc, lang)
        if message not in found.errors:  # check_channel_words above may have read the same broken file
            found.errors.append(message)
        return config, found
    for issue in channels.issues:
        (found.errors if issue.blocking else found.warnings).append(issue.line_text(channels.source, lang))
    if not (notifiers / "channels.yaml").is_file():  # alerts would only be printed: nobody would receive them
        if not found.errors:  # said once targets.yaml is right, not among its mistakes
            found.warnings.append(t("validate.no_channels", lang, file=notifiers / "channels.yaml"))
    elif not channels.disabled:
        found.ok.append(t("validate.channels_ok", lang, file=channels.source, count=len(channels.settings.channels)))
    return config, found


def _in_lang(exc: ConfigError, lang: str) -> str:
    """A configuration error's lines in the command's language (every mistake at once where it has them)."""
    return exc.render(lang) if isinstance(exc, ConfigProblems) else str(exc)


@dataclass
class Trial:
    """One page's trial: its capture (never stored) and one replay of each of its procedures."""

    target: Target
    capture: Capture
    runs: list[ProcedureRun]
    elements: int = 0
    degraded: Degraded | None = None  # loaded, but a maintenance, queue or loading page: not the interface

    @property
    def page_ok(self) -> bool:
        return self.capture.status == "ok" and self.degraded is None


async def trial_targets(config: Config, targets: Sequence[Target]) -> list[Trial]:
    """Capture each page once and replay each procedure once, with one browser; nothing is written to disk."""
    from watcher.capture.browser import launch_browser
    from watcher.capture.page import capture_target
    from watcher.capture.procedures import replay_all, unreachable_runs
    from watcher.detect.skeleton import extract_skeleton

    limit = asyncio.Semaphore(config.settings.workers)
    async with launch_browser(config.targets) as browser:
        async def one(target: Target) -> Trial:
            async with limit:
                capture = await capture_target(browser, target, config.settings.max_height)
                if capture.status != "ok":
                    return Trial(target, capture, unreachable_runs(target, capture.reason))
                runs = await replay_all(browser, target)
            skeleton = await asyncio.to_thread(extract_skeleton, capture.main.dom,
                                               base_url=capture.meta.get("final_url"), ignore=target.ignore)
            degraded = assess(skeleton, page_facts(capture.main.dom))  # what the page says of itself
            return Trial(target, capture, runs, len(skeleton.elements), degraded)

        return list(await asyncio.gather(*(one(target) for target in targets)))


def trial_lines(trials: Sequence[Trial], lang: str) -> tuple[list[str], bool]:
    """One line per page and per procedure, and whether everything worked."""
    lines, all_ok = [], True
    for trial in trials:
        target = trial.target
        if trial.capture.status == "ok" and trial.degraded is not None:
            all_ok = False
            lines.append(t("validate.page_degraded", lang, id=target.id, reason=trial.degraded.describe(lang),
                           url=target.url))
        elif trial.page_ok:
            lines.append(t("validate.page_ok", lang, id=target.id, count=trial.elements,
                           seconds=float(trial.capture.meta.get("duration_s") or 0)))
        else:
            all_ok = False
            lines.append(t("validate.page_bad", lang, id=target.id, reason=plain_reason(trial.capture.reason or "?", target.url, lang),
                           url=target.url))
        for run in trial.runs:
            key = "validate.proc_ok" if run.status == "ok" else "validate.proc_bad"
            all_ok = all_ok and run.status == "ok"
            message = procedure_message(ProcedureFacts.of(run), lang)  # a sentence: here it follows « — »
            lines.append(t(key, lang, id=target.id, message=message[:1].lower() + message[1:]))
    procs = [run for trial in trials for run in trial.runs]
    lines.append(t("validate.online_summary", lang, pages=len(trials), pages_ok=sum(tr.page_ok for tr in trials),
                   procs=len(procs), procs_ok=sum(run.status == "ok" for run in procs)))
    return lines, all_ok


def run_validate(paths: Paths, file: Path | None, online: bool, lang: str) -> int:
    """Print what is wrong (stderr) and what is fine (stdout); the exit code (0, or 2 on any error)."""
    config_path = file or paths.config
    config, found = check_files(config_path, notifiers_for(paths, file), lang)
    for line in found.ok:
        click.echo(line)
    for line in [*found.errors, *found.warnings]:
        click.echo(line, err=True)
    if found.errors and found.warnings:  # errors alone speak for themselves: one line each, nothing more
        click.echo(t("validate.failed", lang, errors=len(found.errors), warnings=len(found.warnings)), err=True)
    elif found.warnings:
        click.echo(t("validate.warnings", lang, warnings=len(found.warnings)), err=True)
    worked = True
    if online and config is not None and config.targets:
        click.echo(t("validate.online", lang))
        sys.stdout.flush()
        lines, worked = trial_lines(asyncio.run(trial_targets(config, config.targets)), lang)
        for line in lines:
            click.echo(line)
    return EXIT_ERROR if found.errors or not worked else EXIT_OK
