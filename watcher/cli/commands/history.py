"""`watcher history TARGET`: every check of one target, read from the index only.

Kept apart from the `check` command so that reading the history loads no browser, notifier or image code (about
1 s of start-up on a 2-core machine).
"""

from __future__ import annotations

import click

from watcher.cli.common import Paths, emit_json
from watcher.config.targets import load_config
from watcher.errors import InputError, WatcherError
from watcher.i18n.texts import known, plain_reason, t
from watcher.store.snapshots import TRIAL, CheckRecord, Store

__all__ = ["show_history", "target_url"]


def show_history(paths: Paths, target_id: str, fmt: str, lang: str = "fr") -> None:
    """Every check of one target, oldest first: JSON in UTC ISO times, a table in Paris time for people."""
    with Store(paths.snapshots) as store:
        records = store.history(target_id)
        if fmt == "json":
            emit_json({"target": target_id, "checks": [
                {"id": r.id, "time": r.time, "status": r.status, "alert": r.alert,
                 "snapshot": str(store.path(r.snapshot)) if r.snapshot else None, "reason": r.reason,
                 **({"trial": True} if r.trial else {})}
                for r in records]})
            return
        if not records:
            _unknown_target(paths, store.targets(), target_id, lang)
            click.echo(t("history.empty", lang, target=target_id))
            return
        from watcher.cli.tables import paris_time, table

        url = target_url(paths, target_id)
        rows = [[r.id, paris_time(r.time), t("status." + r.status, lang), _alert_word(r, lang),
                 _reason_words(r.status, r.reason, url, lang) if r.reason else "", r.snapshot or ""] for r in records]
        headers = [t("col." + key, lang) for key in ("id", "time", "status", "alert", "reason", "snapshot")]
        click.echo(table(headers, rows, numeric=(0,)))


def _alert_word(record: CheckRecord, lang: str) -> str:
    """The history's « alerte » column: « oui », « essai, non envoyée » (a `--no-notify` trial) or nothing."""
    if not record.alert:
        return ""
    return t("history.alert.trial", lang) if record.confirmation == TRIAL else t("yes", lang)


def _unknown_target(paths: Paths, stored: list[str], target_id: str, lang: str) -> None:
    """Raise InputError (exit 2) when `target_id` is neither in targets.yaml nor in the store, naming the close one."""
    from watcher.config.problems import closest
    try:
        known = [target.id for target in load_config(paths.config).targets]
    except WatcherError:
        known = []
    if target_id in known:
        return
    ids = list(dict.fromkeys([*known, *stored]))
    suggestion = closest(target_id, ids)
    raise InputError(t("history.unknown", lang, target=target_id, ids=", ".join(ids) or "—")
                     + (t("cfg.suggest", lang, value=suggestion) if suggestion else ""))


def _reason_words(status: str, reason: str, url: str, lang: str) -> str:
    """A degraded check's reason code in words (« page de maintenance »); a network failure as people say it."""
    key = f"degraded.{reason}"
    if status == "degraded" and known(key):
        return t(key, lang)
    return plain_reason(reason, url, lang)


def target_url(paths: Paths, target_id: str) -> str:
    """The page's address in targets.yaml, or "" when the file or the page is not there any more."""
    try:
        config = load_config(paths.config)
    except WatcherError:
        return ""
    return next((target.url for target in config.targets if target.id == target_id), "")
