"""Who is told what: `notifiers/channels.yaml` parsed into typed channels, secrets filled from the environment,
and the routing rule that picks the channels of an alert.

A channel is a group of Apprise URLs (an e-mail list, a Tchap room, a Telegram group, …) with a filter
(target tags, procedure audiences, minimum severity), a mode (immediate or one daily digest) and a language.
Secrets never sit in the file: a URL says `${TELEGRAM_TOKEN}` and the value comes from the environment when
the message is sent. The outbox stores the URL as written (with `${…}`), so secrets never reach the disk,
and every URL shown to a person goes through `mask_url`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote, unquote

from pydantic import Field, field_validator, model_validator

from watcher.config import Strict, line_of, parse_model, read_yaml
from watcher.config_errors import ConfigValueError
from watcher.errors import ConfigError

SEVERITY_RANK = {"info": 0, "minor": 1, "major": 2, "breaking": 3}
SeverityName = Literal["info", "minor", "major", "breaking"]
ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
# Schemas whose host is a server name worth showing; for the others (tgram://TOKEN/CHAT, discord://ID/TOKEN)
# the host and path are credentials, so they are masked whole.
SERVER_SCHEMAS = {
    "mailto", "mailtos", "json", "jsons", "form", "forms", "xml", "xmls", "matrix", "matrixs", "mmost",
    "mmosts", "ntfy", "ntfys", "console", "watcherfile", "http", "https",
}
SECRET_QUERY = re.compile(r"(pass|token|secret|key|auth|pwd)", re.IGNORECASE)
FILE_SCHEMA = "watcherfile://"
BUILTIN_DEFAULT_URLS = ("console://",)


class Channel(Strict):
    """One group of destinations and the alerts it receives."""

    urls: list[str] = Field(min_length=1)
    tags: list[str] | None = None  # targets sharing one of these tags; None = every target
    audiences: list[str] | None = None  # procedures' audiences (e.g. "seniors"); None = any
    min_severity: SeverityName = "major"
    mode: Literal["immediate", "digest"] = "immediate"
    digest_hour: Annotated[int, Field(ge=0, le=23)] | None = None  # Paris time; None = the file's digest_hour
    lang: Literal["fr", "en"] = "fr"
    coordinators: bool = False  # coordinators' channel: unreachable sites and recoveries, not change alerts
    # Caps per message; the defaults fit Telegram and Discord (10 files, 8 MB).
    max_attachments: Annotated[int, Field(ge=0, le=50)] = 10
    max_attachment_bytes: Annotated[int, Field(ge=0)] = 8_000_000
    max_body_chars: Annotated[int, Field(ge=100)] | None = None

    @field_validator("urls")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            check_url_shape(url)
        return urls


class ChannelsFile(Strict):
    """The whole notifiers/channels.yaml."""

    changelog_url: str | None = None  # base of the published changelog, e.g. https://veille.example.org/
    unreachable_after: Annotated[int, Field(ge=1, le=100)] = 3  # failed checks in a row before coordinators hear
    digest_hour: Annotated[int, Field(ge=0, le=23)] = 8  # Paris time
    channels: dict[str, Channel] = Field(min_length=1)

    @field_validator("changelog_url")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://\S+$", value):
            raise ConfigValueError("cfg.changelog_url")
        return value if value is None or value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _names(self) -> ChannelsFile:
        for name in self.channels:
            if not CHANNEL_NAME.match(name):
                raise ConfigValueError("cfg.channel_name", value=name)
        return self


def check_url_shape(url: str) -> None:
    """Refuse URLs that are not Apprise URLs, or that carry a password written in clear."""
    match = re.match(r"^([a-z][a-z0-9+.-]*)://([^@/?]*)@", url)
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url):
        raise ConfigValueError("cfg.apprise_url", value=mask_url(url))
    if match and ":" in match.group(2) and not ENV_VAR.search(match.group(2).split(":", 1)[1]):
        raise ConfigValueError("cfg.clear_password")


@dataclass(frozen=True)
class Destination:
    """One Apprise URL of one channel: `template` as written in channels.yaml, never the resolved secret."""

    channel: str
    template: str

    @property
    def masked(self) -> str:
        return mask_url(self.template)


@dataclass
class Channels:
    """The parsed channels file, where it came from, and how to fill its secrets."""

    settings: ChannelsFile
    base_dir: Path | None = None  # folder of channels.yaml: relative watcherfile:// paths start here
    env: Mapping[str, str] = field(default_factory=lambda: os.environ, repr=False)

    @property
    def plugin_paths(self) -> list[str]:
        folder = self.base_dir / "plugins" if self.base_dir else None
        return [str(folder)] if folder and folder.is_dir() else []

    @property
    def templates_dir(self) -> Path | None:
        folder = self.base_dir / "templates" if self.base_dir else None
        return folder if folder and folder.is_dir() else None

    def channel(self, name: str) -> Channel:
        try:
            return self.settings.channels[name]
        except KeyError:
            known = ", ".join(self.settings.channels)
            raise ConfigError(self.source, None, f"channels.{name}", f"unknown channel (known: {known})") from None

    @property
    def source(self) -> str:
        return str(self.base_dir / "channels.yaml") if self.base_dir else "<built-in channels>"

    def destinations(self, name: str) -> list[Destination]:
        return [Destination(name, url) for url in self.channel(name).urls]

    def resolve(self, template: str) -> str:
        """The real URL to hand to Apprise (secrets filled in). Never print or store the result."""
        return resolve_url(template, self.env, self.base_dir)

    def with_extra(self, name: str, urls: Sequence[str], **options: object) -> Channels:
        """A copy with one more channel (the demo adds its alert file this way)."""
        extra = Channel.model_validate({"urls": list(urls), "min_severity": "info", **options})
        merged = ChannelsFile.model_validate(
            {**self.settings.model_dump(), "channels": {**self.settings.model_dump()["channels"], name: extra}})
        return Channels(merged, self.base_dir, self.env)


def resolve_url(template: str, env: Mapping[str, str], base_dir: Path | None = None) -> str:
    """Fill `${VAR}` from the environment (values URL-quoted) and make watcherfile:// paths absolute."""

    def fill(match: re.Match[str]) -> str:
        value = env.get(match.group(1))
        if value is None:
            raise KeyError(match.group(1))
        return quote(value, safe=":")  # a token with '/' or '@' must not change the URL's shape

    url = ENV_VAR.sub(fill, template)
    if url.startswith(FILE_SCHEMA):
        path = Path(unquote(url[len(FILE_SCHEMA):]))
        if not path.is_absolute() and base_dir is not None:
            path = Path(os.path.normpath(base_dir.resolve() / path))
        url = FILE_SCHEMA + quote(str(path))
    return url


def mask_url(url: str) -> str:
    """A URL safe to show: no user/password, no `${…}` values, tokens in host/path and query hidden."""
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://([^?#]*)(\?[^#]*)?", url)
    if not match:
        return "***"
    schema, rest, query = match.group(1).lower(), match.group(2), match.group(3) or ""
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    if schema not in SERVER_SCHEMAS:
        rest = "/".join("***" if part else part for part in rest.split("/"))
    rest = ENV_VAR.sub("***", rest)
    return f"{schema}://{rest}{_mask_query(query)}"


def _mask_query(query: str) -> str:
    if not query:
        return ""
    parts = []
    for pair in query[1:].split("&"):
        key, sep, value = pair.partition("=")
        secret = SECRET_QUERY.search(key) or ENV_VAR.search(value)
        parts.append(f"{key}{sep}***" if secret and sep else pair)
    return "?" + "&".join(parts)


def load_channels(notifiers_dir: Path | None, env: Mapping[str, str] | None = None) -> Channels:
    """Read notifiers/channels.yaml; without one, a console channel so watcher still says something offline.

    Every `${VAR}` must be set in the environment: a missing one is a ConfigError naming file, line and field.
    """
    env = os.environ if env is None else env
    path = notifiers_dir / "channels.yaml" if notifiers_dir else None
    if path is None or not path.is_file():
        builtin = ChannelsFile(channels={"console": Channel(urls=list(BUILTIN_DEFAULT_URLS), min_severity="info")})
        return Channels(builtin, notifiers_dir if notifiers_dir and notifiers_dir.is_dir() else None, env)
    settings = parse_model(path, ChannelsFile)
    _check_env(path, settings, env)
    return Channels(settings, notifiers_dir, env)


def _check_env(path: Path, settings: ChannelsFile, env: Mapping[str, str]) -> None:
    for name, channel in settings.channels.items():
        for index, url in enumerate(channel.urls):
            for var in ENV_VAR.findall(url):
                if var not in env:
                    loc: list[str | int] = ["channels", name, "urls", index]
                    line = line_of(read_yaml(path), loc)
                    raise ConfigError(str(path), line, f"channels.{name}.urls[{index}]",
                                      f"environment variable {var} is not set (variable d'environnement manquante)")


def severity_at_least(severity: str, minimum: str) -> bool:
    return SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK[minimum]


def route(channels: Channels, severity: str, tags: Iterable[str], audiences: Iterable[str] = ()) -> list[str]:
    """Names of the mediators' channels that receive an alert of this severity about a target with these tags."""
    tags, audiences = set(tags), set(audiences)
    chosen = []
    for name, channel in channels.settings.channels.items():
        if channel.coordinators or not severity_at_least(severity, channel.min_severity):
            continue
        if channel.tags is not None and not tags & set(channel.tags):
            continue
        if channel.audiences is not None and not audiences & set(channel.audiences):
            continue
        chosen.append(name)
    return chosen


def coordinator_channels(channels: Channels) -> list[str]:
    return [name for name, channel in channels.settings.channels.items() if channel.coordinators]
