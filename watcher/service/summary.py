"""What `watcher run` says when it starts: the pages, the channels (disabled ones with why) and the next checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from watcher.config.channels import Channels, mask_url
from watcher.config.targets import Config
from watcher.i18n.texts import t

__all__ = ["paris_time", "startup_lines"]

PARIS = ZoneInfo("Europe/Paris")
SHOWN_CHECKS = 10


def paris_time(when: datetime, lang: str = "fr") -> str:
    """`lun. 30/11 22:15` (Europe/Paris, daylight saving included) from an aware datetime."""
    from babel.dates import format_datetime

    return format_datetime(when, "EEE dd/MM HH:mm", tzinfo=PARIS, locale="en" if lang == "en" else "fr")


def startup_lines(config: Config, channels: Channels, next_checks: Sequence[tuple[str, datetime]],
                  lang: str = "fr") -> list[str]:
    """The start-up summary, one fact a line; `next_checks` are (target id, next run time) pairs."""
    procedures = sum(len(target.procedures) for target in config.targets)
    lines = [t("run.started", lang, pages=len(config.targets), procedures=procedures)]
    disabled = channels.disabled
    for name, channel in channels.settings.channels.items():
        if name in disabled:
            lines.extend(t("run.channel_off", lang, name=name, why=issue.line_text(channels.source, lang))
                         for issue in disabled[name])
            continue
        role = t("run.coordinators", lang) if channel.coordinators else ""
        lines.append(t("run.channel", lang, name=name, urls=", ".join(mask_url(u) for u in channel.urls), role=role))
        lines.extend(t("run.channel_warn", lang, name=name, why=issue.line_text(channels.source, lang))
                     for issue in channels.warnings if issue.channel == name)
    upcoming = sorted(next_checks, key=lambda pair: pair[1])
    if upcoming:
        lines.append(t("run.next", lang))
        lines.extend(t("run.next_line", lang, when=paris_time(when, lang), id=target_id)
                     for target_id, when in upcoming[:SHOWN_CHECKS])
        if len(upcoming) > SHOWN_CHECKS:
            lines.append(t("run.more", lang, count=len(upcoming) - SHOWN_CHECKS))
    return lines
