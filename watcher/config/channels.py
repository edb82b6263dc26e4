"""Who is told what: `notifiers/channels.yaml` parsed into typed channels, secrets filled from the environment,
and the routing rule that picks the channels of an alert.

A channel is a group of Apprise URLs (an e-mail list, a Tchap room, a Telegram group, …) with a filter
(target tags, procedure audiences, minimum severity), a mode (immediate or one daily digest) and a language.
Secrets never sit in the file: a URL says `${TELEGRAM_TOKEN}` and the value comes from the environment when
the message is sent. The outbox stores the URL as written (with `${…}`), so secrets never reach the disk,
and every URL shown to a person goes through `mask_url`.

What would fail later is found when the file is read (`inspect_channels`): a secret written in clear (a
warning), a scheme Apprise does not know, a URL Apprise refuses, an unset `${VAR}`. A channel with one of the
last three is disabled alone (`Channels.disabled`): the others route and send as usual.
"""

from __future__ import annotations

import difflib
import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, unquote

from pydantic import Field, field_validator, model_validator

from watcher.config.problems import ConfigValueError, problems, unknown_word_issues
from watcher.config.severity import Severity, SeverityName, at_least
from watcher.config.targets import Config, Strict, line_of, parse_model, read_yaml
from watcher.errors import ConfigError
from watcher.i18n.texts import t

__all__ = [
    "CHANNEL_NAME",
    "Channel",
    "Channels",
    "ChannelsFile",
    "Destination",
    "ENV_VAR",
    "check_channel_words",
    "coordinator_channels",
    "load_channels",
    "mask_url",
    "resolve_url",
    "route",
]

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
# Destinations watcher adds to Apprise (watcher/deliver/apprise_plugins.py): known without loading them.
WATCHER_SCHEMES = ("console", "watcherfile")
BUILTIN_DEFAULT_URLS = ("console://",)


class Channel(Strict):
    """One group of destinations and the alerts it receives."""

    urls: list[str] = Field(min_length=1)
    tags: list[str] | None = None  # targets sharing one of these tags; None = every target
    audiences: list[str] | None = None  # procedures' audiences (e.g. "seniors"); None = any
    min_severity: SeverityName = Severity.MAJOR
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
    """Refuse URLs that are not Apprise URLs (`schema://…`).

    A secret written in clear is not refused here: `inspect_channels` reports it as a warning with the
    `${VAR}` form to use, so the file still loads.
    """
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url):
        raise ConfigValueError("cfg.apprise_url", value=mask_url(url))


@dataclass(frozen=True)
class Destination:
    """One Apprise URL of one channel: `template` as written in channels.yaml, never the resolved secret."""

    channel: str
    template: str

    @property
    def masked(self) -> str:
        return mask_url(self.template)


@dataclass(frozen=True)
class ChannelIssue:
    """Something in one URL of channels.yaml that will fail (or leak) later.

    kind: `clear_secret` (a warning: the channel works, but a secret sits in the file), `unknown_scheme`,
    `invalid_url` (Apprise refuses the URL once its variables are filled) or `unset_variable` (errors: the
    channel is disabled). `detail` is the variable, the scheme, or the secret fields (comma-separated);
    `suggestion` the closest known scheme, or the URL rewritten with `${VAR}` in place of its secrets.
    """

    channel: str
    index: int  # position of the URL in the channel's `urls`
    line: int | None  # 1-based line in channels.yaml
    kind: str
    detail: str
    suggestion: str | None = None

    @property
    def blocking(self) -> bool:
        """True when the channel cannot send (it is disabled); False for a warning."""
        return self.kind != "clear_secret"

    @property
    def field_path(self) -> str:
        return f"channels.{self.channel}.urls[{self.index}]"

    def describe(self, lang: str = "fr") -> str:
        """The problem in words, without file or line (`line_text` adds them)."""
        if self.kind == "unknown_scheme":
            text = t("channel.unknown_scheme", lang, scheme=self.detail)
            return text + (t("channel.did_you_mean", lang, scheme=self.suggestion) if self.suggestion else "")
        if self.kind == "clear_secret":
            names = ", ".join(f"${{{v}}}" for v in _suggested_vars(self))
            text = t("channel.clear_secret", lang, fields=self.detail, vars=names)
            return text + (t("channel.write_instead", lang, url=self.suggestion) if self.suggestion else "")
        return t(f"channel.{self.kind}", lang, var=self.detail)

    def line_text(self, source: str, lang: str = "fr") -> str:
        """One line for a person: `file:line: channels.NAME.urls[N]: problem`."""
        where = f"{source}:{self.line}" if self.line else source
        prefix = "" if self.blocking else t("channel.warning", lang)
        return f"{where}: {self.field_path}: {prefix}{self.describe(lang)}"


def _suggested_vars(issue: ChannelIssue) -> list[str]:
    return [env_name(issue.channel, name) for name in issue.detail.split(", ")]


def env_name(channel: str, field_name: str) -> str:
    """The variable name proposed for a secret: `mediateurs-drouais` + `password` -> MEDIATEURS_DROUAIS_PASSWORD."""
    return re.sub(r"[^A-Z0-9]+", "_", f"{channel}_{field_name}".upper()).strip("_")


@dataclass
class Channels:
    """The parsed channels file, where it came from, how to fill its secrets, and what is wrong in it."""

    settings: ChannelsFile
    base_dir: Path | None = None  # folder of channels.yaml: relative watcherfile:// paths start here
    env: Mapping[str, str] = field(default_factory=lambda: os.environ, repr=False)
    issues: list[ChannelIssue] = field(default_factory=list)

    @property
    def disabled(self) -> dict[str, list[ChannelIssue]]:
        """Channels that cannot send (unset variable, unknown scheme, refused URL) and why; nothing routes there."""
        found: dict[str, list[ChannelIssue]] = {}
        for issue in self.issues:
            if issue.blocking:
                found.setdefault(issue.channel, []).append(issue)
        return found

    @property
    def warnings(self) -> list[ChannelIssue]:
        return [issue for issue in self.issues if not issue.blocking]

    def require_usable(self, name: str, lang: str = "fr") -> None:
        """Raise ConfigError (file, line, field, why) when the channel `name` is disabled."""
        self.channel(name)
        problems = self.disabled.get(name)
        if problems:
            first = problems[0]
            raise ConfigError(self.source, first.line, first.field_path,
                              t("channel.disabled", lang, name=name, why=first.describe(lang)))

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
            from watcher.config.problems import closest, single

            known = list(self.settings.channels)
            if self.base_dir is None or not (self.base_dir / "channels.yaml").is_file():
                raise single("notifiers/channels.yaml", None, f"channels.{name}", "ch.no_file",
                             known=", ".join(known)) from None
            raise single(self.source, None, f"channels.{name}", "ch.unknown", name=name, known=", ".join(known),
                         suggestion=closest(name, known)) from None

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
        return Channels(merged, self.base_dir, self.env, self.issues)


def resolve_url(template: str, env: Mapping[str, str], base_dir: Path | None = None) -> str:
    """Fill `${VAR}` from the environment (values URL-quoted) and make watcherfile:// paths absolute."""

    def fill(match: re.Match[str]) -> str:
        value = env.get(match.group(1))
        if value is None:
            raise KeyError(match.group(1))
        return quote(value, safe="")  # a secret with ":", "/", "@" or "#" must not change the URL's shape

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

    A malformed file (YAML, unknown field, bad value) is a ConfigError naming file, line and field. What would
    only fail when sending (unset `${VAR}`, unknown scheme, refused URL) disables that channel alone and is
    listed in `Channels.issues`, with the secrets written in clear (warnings).
    """
    env = os.environ if env is None else env
    path = notifiers_dir / "channels.yaml" if notifiers_dir else None
    if path is None or not path.is_file():
        builtin = ChannelsFile(channels={"console": Channel(urls=list(BUILTIN_DEFAULT_URLS), min_severity=Severity.INFO)})
        return Channels(builtin, notifiers_dir if notifiers_dir and notifiers_dir.is_dir() else None, env)
    settings = parse_model(path, ChannelsFile)
    channels = Channels(settings, notifiers_dir, env)
    register_secrets(channels)
    channels.issues = inspect_channels(channels, read_yaml(path))
    return channels


def check_channel_words(channels_path: Path, config: Config) -> None:
    """Raise ConfigProblems when a channel filters on a tag or audience no page of `config` (a Config) has,
    but close to one that does: a typo the channel would pay for by never receiving anything."""
    if not channels_path.is_file():
        return
    settings = parse_model(channels_path, ChannelsFile)
    used = {"tags": {tag for target in config.targets for tag in target.tags},
            "audiences": {a for target in config.targets for p in target.procedures for a in p.audience}}
    issues = unknown_word_issues(channels_path, read_yaml(channels_path), dict(settings.channels), used)
    if issues:
        raise problems(issues)


def register_secrets(channels: Channels) -> None:
    """Tell the log redaction (watcher/safety/secrets.py) every secret value these channels use: the
    `${VAR}` values and the secrets written in clear."""
    from watcher.safety import secrets as secrets_filter

    registry = apprise_registry(channels.plugin_paths)
    values: list[str] = []
    for channel in channels.settings.channels.values():
        for template in channel.urls:
            values += [channels.env[name] for name in ENV_VAR.findall(template) if name in channels.env]
            clear = list(clear_secrets(template, registry).values())
            values += clear + [unquote(value) for value in clear]
    secrets_filter.register(values)


# --- what will fail later -------------------------------------------------------------------------------------


def inspect_channels(channels: Channels, data: Any = None) -> list[ChannelIssue]:
    """Every URL's problems, in file order: clear secrets, unset variables, unknown schemes, refused URLs.

    `data` is the round-trip YAML of channels.yaml (for line numbers); None gives issues without lines.
    Apprise itself is asked which schemes exist (its plugin registry, with watcher's and notifiers/plugins/'
    own plugins loaded) and whether it accepts each URL once its variables are filled.
    """
    registry = apprise_registry(channels.plugin_paths)
    issues: list[ChannelIssue] = []
    for name, channel in channels.settings.channels.items():
        for index, template in enumerate(channel.urls):
            line = line_of(data, ["channels", name, "urls", index]) if data is not None else None
            issues.extend(url_issues(channels, registry, name, index, line, template))
    return issues


def url_issues(channels: Channels, registry: Any, name: str, index: int, line: int | None,
               template: str) -> list[ChannelIssue]:
    """The problems of one URL of one channel (see `ChannelIssue` for the kinds)."""
    found: list[ChannelIssue] = []
    secrets = clear_secrets(template, registry)
    if secrets:
        fields = ", ".join(secrets)
        found.append(ChannelIssue(name, index, line, "clear_secret", fields,
                                  rewrite_secrets(template, name, secrets)))
    scheme = template.split("://", 1)[0].lower()
    missing = [var for var in ENV_VAR.findall(template) if var not in channels.env]
    found.extend(ChannelIssue(name, index, line, "unset_variable", var) for var in dict.fromkeys(missing))
    if scheme in WATCHER_SCHEMES:
        return found  # watcher's own destinations take any path (watcherfile: resolved beside channels.yaml)
    if scheme not in registry:
        known = [*registry.schemas(), *WATCHER_SCHEMES]
        close = difflib.get_close_matches(scheme, known, n=1, cutoff=0.6)
        suggestion = f"{close[0]}://" if close else None
        if scheme in WEB_SCHEMES:  # a webhook's address as a browser writes it: Apprise's JSON POST (or json:// )
            suggestion = f"{WEB_SCHEMES[scheme]}://"
        found.append(ChannelIssue(name, index, line, "unknown_scheme", f"{scheme}://", suggestion))
    elif not missing and not _apprise_accepts(channels.resolve(template), channels.plugin_paths):
        found.append(ChannelIssue(name, index, line, "invalid_url", mask_url(template)))
    return found


# A webhook written as a plain web address: Apprise posts JSON to it with json:// (http) or jsons:// (https)
WEB_SCHEMES = {"http": "json", "https": "jsons"}


def _quiet_imghdr() -> None:
    """Apprise's e-mail plugin imports the stdlib `imghdr`, deprecated since Python 3.11, when it loads its
    plugins; importing it first with that warning silenced keeps `-W error` usable however a process first
    meets Apprise (reading channels.yaml here, or sending: watcher.deliver.apprise_plugins does the same)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'imghdr' is deprecated", category=DeprecationWarning)
        try:
            import imghdr  # noqa: F401
        except ImportError:  # Python >= 3.13: Apprise uses its own shim
            pass


def apprise_registry(plugin_paths: Sequence[str] = ()) -> Any:
    """Apprise's plugin registry (scheme -> plugin), with the notifiers folder's plugins loaded.

    watcher's own schemes (WATCHER_SCHEMES, registered by watcher.deliver.apprise_plugins when sending) are
    checked here by name: reading the configuration does not load the delivery stage.
    """
    _quiet_imghdr()
    import apprise

    if plugin_paths:
        apprise.AppriseAsset(plugin_paths=list(plugin_paths))  # loads notifiers/plugins/ into the registry
    return apprise.NotificationManager()  # type: ignore[no-untyped-call]  # a process-wide singleton


def _apprise_accepts(url: str, plugin_paths: Sequence[str]) -> bool:
    _quiet_imghdr()
    import apprise

    asset = apprise.AppriseAsset(plugin_paths=list(plugin_paths) or None)
    with apprise.LogCapture(level=apprise.logging.ERROR):  # type: ignore[no-untyped-call]  # its refusal is reported by us, not on stderr
        return apprise.Apprise.instantiate(url, asset=asset) is not None


def clear_secrets(template: str, registry: Any | None = None) -> dict[str, str]:
    """Secrets written in clear in one URL: {field name: value as written}.

    A secret is a field Apprise marks private for this scheme (password, bot_token, webhook_token, apikey…),
    a password in `user:password@`, or a query argument named like one (`?token=`, `&password=`), whose value
    is not a `${VAR}`.
    """
    found: dict[str, str] = {}
    userinfo = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^@/?#]*):([^@/?#]*)@", template)
    if userinfo and userinfo.group(2) and not ENV_VAR.search(userinfo.group(2)):
        found["password"] = userinfo.group(2)
    for key, value in _private_fields(template, registry).items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str) and item and "${" not in item and item not in found.values():
                found[key] = item
    query = template.split("?", 1)[1] if "?" in template else ""
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if value and SECRET_QUERY.search(key) and not ENV_VAR.search(value) and value not in found.values():
            found[key] = value
    return found


def _private_fields(template: str, registry: Any | None) -> dict[str, Any]:
    """The fields of the URL that Apprise's plugin template marks private (empty for unknown schemes)."""
    if registry is None:
        return {}
    _quiet_imghdr()
    import apprise
    from apprise.fields import parse_fields
    from apprise.plugins import details

    with apprise.LogCapture(level=apprise.logging.ERROR):  # type: ignore[no-untyped-call]
        fields = parse_fields(template)
    if not fields or fields["schema"] not in registry:
        return {}
    info = details(registry[fields["schema"]])  # type: ignore[no-untyped-call]
    private = {name for group in ("tokens", "args") for name, meta in info[group].items() if meta.get("private")}
    return {name: value for name, value in fields.items() if name in private}


def rewrite_secrets(template: str, channel: str, secrets: Mapping[str, str]) -> str | None:
    """The URL with `${VAR}` in place of each clear secret, or None when one cannot be placed safely."""
    head, sep, rest = template.partition("://")
    for name, value in secrets.items():
        for candidate in (value, quote(value, safe="")):
            pattern = r"(?:(?<=[/:@=?&,])|^)" + re.escape(candidate) + r"(?=[/:@?&#,]|$)"
            new_rest, count = re.subn(pattern, "${" + env_name(channel, name) + "}", rest, count=1)
            if count:
                rest = new_rest
                break
        else:
            return None
    return head + sep + rest


def route(channels: Channels, severity: str, tags: Iterable[str], audiences: Iterable[str] = ()) -> list[str]:
    """Names of the mediators' channels that receive an alert of this severity about a target with these tags
    (disabled channels never receive anything)."""
    tags, audiences = set(tags), set(audiences)
    chosen = []
    disabled = channels.disabled
    for name, channel in channels.settings.channels.items():
        if name in disabled or channel.coordinators or not at_least(severity, channel.min_severity):
            continue
        if channel.tags is not None and not tags & set(channel.tags):
            continue
        if channel.audiences is not None and not audiences & set(channel.audiences):
            continue
        chosen.append(name)
    return chosen


def coordinator_channels(channels: Channels) -> list[str]:
    """The coordinators' channels that can send (disabled ones left out)."""
    disabled = channels.disabled
    return [name for name, channel in channels.settings.channels.items()
            if channel.coordinators and name not in disabled]
