"""« Ajouter une page »: a trial capture through the real capture path, then the entry appended to targets.yaml.

The same rules as `watcher add`: an address already watched is refused (`config.edit.already_watched`), the
entry is validated as a `Target` and written by the round-trip editor (comments kept, `.bak`, re-validated).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from watcher.config.edit import TargetsFile, already_watched, slug_id
from watcher.config.problems import issues_from_validation
from watcher.config.targets import Target, url_suggestion
from watcher.detect.skeleton import Skeleton, extract_skeleton
from watcher.errors import ConfigError, WatcherError
from watcher.i18n.texts import plain_reason
from watcher.web.texts import ui

__all__ = ["AddError", "save", "trial"]

MAX_HEIGHT = 4000  # CSS px of page kept in the trial screenshot


class AddError(WatcherError):
    """The page cannot be added; the message is in the coordinator's language."""


@dataclass(frozen=True)
class Seen:
    """What the trial capture saw: final address, screenshot (PNG bytes), title, skeleton."""

    url: str
    screenshot: bytes
    title: str | None
    skeleton: Skeleton


def _validated(entry: dict[str, Any], lang: str) -> Target:
    try:
        return Target.model_validate({k: v for k, v in entry.items() if v is not None})
    except ValidationError as exc:
        issues = issues_from_validation(Path("--"), None, exc, Target)
        raise AddError(ui("add.invalid", lang, error="; ".join(i.message(lang) for i in issues))) from None


def _title(skeleton_dom: str) -> str | None:
    from watcher.detect.tuning import parse_dom

    title = parse_dom(skeleton_dom).find(".//head/title")
    text = " ".join("".join(title.itertext()).split()) if title is not None else ""
    return text[:120] or None


def _targets_file(config: Path, lang: str, create: bool = False) -> TargetsFile:
    """targets.yaml opened for a round-trip edit; AddError naming its first problem when it cannot be read."""
    try:
        return TargetsFile(config, create=create)
    except ConfigError as exc:
        raise AddError(ui("config.error", lang, error=str(exc).splitlines()[0])) from None


def _refuse_watched(config: Path, url: str, lang: str) -> None:
    if config.is_file():
        watched = already_watched(url, _targets_file(config, lang).urls())
        if watched:
            raise AddError(ui("add.watched", lang, id=watched))


async def trial(config: Path, url: str, lang: str) -> Seen:
    """Capture the page once (nothing is stored); AddError when the address is refused, already watched or
    unreachable."""
    from watcher.capture.browser import launch_browser
    from watcher.capture.page import capture_target

    url = url.strip()
    if "://" not in url:
        url = url_suggestion(url) or url
    probe = _validated({"id": "essai", "name": url or "?", "url": url}, lang)
    _refuse_watched(config, probe.url, lang)
    async with launch_browser() as browser:
        capture = await capture_target(browser, probe, MAX_HEIGHT)
    if capture.status != "ok":
        raise AddError(ui("add.unreachable", lang, reason=plain_reason(capture.reason or "", probe.url, lang)))
    view = capture.main
    final = str(capture.meta.get("final_url") or probe.url)
    return Seen(probe.url, view.screenshot, _title(view.dom), extract_skeleton(view.dom, base_url=final))


def save(config: Path, url: str, name: str, tags: list[str], schedule: str, lang: str) -> str:
    """Append the page to targets.yaml (created when missing); returns its new id."""
    edited = _targets_file(config, lang, create=True)
    watched = already_watched(url, edited.urls())
    if watched:
        raise AddError(ui("add.watched", lang, id=watched))
    entry: dict[str, Any] = {"id": slug_id(url, set(edited.ids())), "name": name or urlsplit(url).netloc,
                             "url": url, "tags": tags or None, "schedule": schedule}
    _validated(entry, lang)
    edited.add_target(entry)
    edited.save()
    return str(entry["id"])
