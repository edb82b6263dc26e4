"""`watcher diff` and `watcher skeleton`: compare two captures, or show what watcher sees in a page."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from watcher.cli.common import EXIT_ALERT, EXIT_OK, Paths, emit_json
from watcher.config.targets import Target, load_config
from watcher.detect.changes import Severity
from watcher.detect.compare import DiffReport, StepUse, diff_paths, kind_of
from watcher.detect.htmlio import read_html
from watcher.detect.skeleton import Skeleton, extract_skeleton, render_skeleton_text
from watcher.errors import InputError
from watcher.i18n.texts import known, plain_reason, t, visual_words
from watcher.store.reader import folder_skeleton

__all__ = ["run_diff", "show_skeleton"]


def run_diff(paths: Paths, before: Path, after: Path, fmt: str, lang: str, target_id: str | None) -> int:
    """Compare; exit code 1 when the difference deserves an alert."""
    ignore: list[str] = []
    min_severity = Severity.MAJOR
    uses: list[StepUse] = []
    if target_id:
        config = load_config(paths.config)
        try:
            target = config.target(target_id)
        except KeyError as exc:
            raise InputError(str(exc.args[0])) from None
        ignore, min_severity = list(target.ignore), Severity(target.min_severity)
        uses = folder_uses(target, before) if before.is_dir() and after.is_dir() else []
    report = diff_paths(before, after, ignore=ignore, min_severity=min_severity, uses=uses,
                        folder_skeleton=folder_skeleton)
    if fmt == "json":
        emit_json(report.to_json(lang))
    else:
        click.echo(format_report(report, lang))
    return EXIT_ALERT if report.alert else EXIT_OK


def folder_uses(target: Target, before: Path, limit: int = 30) -> list[StepUse]:
    """The elements the target's procedures used, from the runs stored in `before` and the snapshot folders
    beside it that are older (folder names are UTC times), as a check would have read them."""
    from watcher.service.check import procedure_uses
    from watcher.store.reader import read_references

    if not target.procedures:
        return []
    older = sorted((p for p in before.parent.iterdir() if p.is_dir() and p.name <= before.name), reverse=True)
    return procedure_uses(target, read_references(older[:limit], target.procedures))


def format_report(report: DiffReport, lang: str) -> str:
    lines = [t("alert", lang) if report.alert else t("no_alert", lang)]
    if report.degraded is not None:
        side, why = report.degraded
        lines.append("  " + t("degraded.diff", lang, side=t(f"side.{side}", lang), why=why.describe(lang)))
        return "\n".join(lines)
    for change in report.changes or []:
        lines.append(f"  {'·' if change.noise else '•'} {change.summary(lang)} [{t('severity.' + change.severity.value, lang)}]")
    if report.changes == []:
        lines.append("  " + t("no_change", lang))
    if report.visual is not None:
        lines.append("  " + visual_words(report.visual.changed_ratio, len(report.visual.regions), lang))
        for r in report.visual.regions:
            kind = t(f"region.{r.kind}", lang) if known(f"region.{r.kind}") else r.kind
            lines.append(f"    {kind}{t('colon', lang)}x={r.x} y={r.y} {r.width}×{r.height}")
    return "\n".join(lines)


def show_skeleton(source: str, fmt: str, lang: str) -> None:
    """Print the skeleton of an HTML file, a snapshot folder or a live URL."""
    if source.startswith(("http://", "https://")):
        skeleton = asyncio.run(_skeleton_of_url(source, lang))
    else:
        path = Path(source)
        kind = kind_of(path)  # reads the file's head: once
        if kind == "folder":
            path = path / "dom.html"
        elif kind != "html":
            raise InputError.text("input.not_html", path=source)
        skeleton = extract_skeleton(read_html(path))
    if fmt == "json":
        emit_json(skeleton.to_json())
    else:
        click.echo(render_skeleton_text(skeleton, lang))


async def _skeleton_of_url(url: str, lang: str = "fr") -> Skeleton:
    from watcher.capture.browser import launch_browser
    from watcher.capture.page import capture_target
    from watcher.config.targets import Target

    target = Target(id="adhoc", name=url, url=url)
    async with launch_browser([target]) as browser:
        capture = await capture_target(browser, target, max_height=2000)
    if capture.status != "ok":
        raise InputError(t("unreachable", lang, url=url, reason=plain_reason(capture.reason or "?", url, lang)))
    return extract_skeleton(capture.main.dom, base_url=capture.meta.get("final_url"))
