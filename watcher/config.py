"""The coordinators' configuration: `targets.yaml`, parsed once into typed models with file:line errors."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from watcher.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
EVERY = re.compile(r"^every\s+(\d+)\s*([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are frozen once parsed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Viewport(Strict):
    """A browser window size a page is captured in (e.g. desktop and phone)."""

    name: str = "desktop"
    width: int = Field(default=1280, ge=320, le=3840)
    height: int = Field(default=800, ge=320, le=4000)


def parse_schedule(text: str) -> tuple[str, int | str]:
    """Schedule text -> ("interval", seconds) or ("cron", expression); raises ValueError in plain words."""
    text = text.strip()
    match = EVERY.match(text)
    if match:
        seconds = int(match.group(1)) * UNIT_SECONDS[match.group(2)]
        if seconds < 10:
            raise ValueError("interval too short (at least 10s)")
        return "interval", seconds
    if text.startswith("every"):
        raise ValueError("invalid interval, expected 'every N' followed by s, m, h or d (e.g. 'every 6h')")
    if len(text.split()) != 5:
        raise ValueError("invalid cron expression, expected 5 fields (e.g. '0 7 * * 1-5') or 'every 6h'")
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(text, timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"invalid cron expression ({exc})") from None
    return "cron", text


ACTIONS = ("click", "fill", "select", "check", "expect", "goto", "wait")
# Labels of fields that hold secrets: procedures stop before the login, never type a credential.
SECRET_LABEL = re.compile(r"mot\s+de\s+passe|password|\bpasse\b|code\s+secret|\bmdp\b|\bpin\b", re.I)
# Buttons that submit a login form: nothing after them is public, so a procedure must end there.
LOGIN_BUTTON = re.compile(
    r"^(se connecter|connexion|me connecter|s'identifier|m'identifier|log ?in|sign ?in)$", re.I)


class RoleRef(Strict):
    """An element found the way a person describes it: its role and its visible name (Playwright get_by_role)."""

    role: str
    name: str = Field(min_length=1)
    exact: bool = True

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        from watcher.skeleton import VALID_ROLES

        if value not in VALID_ROLES - {"image"}:
            raise ValueError(f"unknown role {value!r} (ARIA roles such as link, button, textbox, heading)")
        return value


class LabelRef(Strict):
    """A form field found by its label (Playwright get_by_label)."""

    label: str = Field(min_length=1)
    exact: bool = True


class FillRef(LabelRef):
    value: str

    @field_validator("label")
    @classmethod
    def _not_a_secret(cls, value: str) -> str:
        if SECRET_LABEL.search(value):
            raise ValueError("procedures never fill in passwords or secret codes (public, pre-login steps only)")
        return value


class SelectRef(LabelRef):
    option: str = Field(min_length=1)


class Step(Strict):
    """One thing a mediator shows: exactly one action among click, fill, select, check, expect, goto, wait."""

    click: RoleRef | None = None
    fill: FillRef | None = None
    select: SelectRef | None = None
    check: LabelRef | None = None
    expect: RoleRef | None = None
    goto: str | None = None
    wait: Annotated[float, Field(gt=0, le=30)] | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        if sum(getattr(self, name) is not None for name in ACTIONS) != 1:
            raise ValueError("a step needs exactly one of " + ", ".join(ACTIONS))
        return self

    @field_validator("goto")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^(https?://[^/\s]+|/)", value):
            raise ValueError(f"goto needs an http(s) address or a path starting with / (got {value!r})")
        return value

    @property
    def action(self) -> str:
        return next(name for name in ACTIONS if getattr(self, name) is not None)

    @property
    def is_login_submit(self) -> bool:
        """Whether this step visibly submits a login form (detectable from its words only)."""
        return self.click is not None and self.click.role == "button" and bool(
            LOGIN_BUTTON.match(self.click.name.strip()))


class Procedure(Strict):
    """A public procedure mediators teach, replayed step by step at each check."""

    name: str = Field(min_length=1)
    audience: list[str] = []
    steps: list[Step] = Field(min_length=1, max_length=40)

    @property
    def slug(self) -> str:
        """Folder name of the procedure's step captures: "Déclarer ses ressources" -> "declarer-ses-ressources"."""
        plain = unicodedata.normalize("NFKD", self.name).encode("ascii", "ignore").decode().lower()
        return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60] or "procedure"

    @model_validator(mode="after")
    def _ends_at_login(self) -> Procedure:
        for index, step in enumerate(self.steps[:-1]):
            if step.is_login_submit:
                raise StepAfterLoginError(index + 1)
        return self


class StepAfterLoginError(ValueError):
    """A step follows a login submit: only the public part of a procedure may be replayed."""

    def __init__(self, index: int) -> None:
        self.index = index
        super().__init__("no step may follow a login submit (the procedure must end at the login button)")


class Target(Strict):
    """One watched page: where it is, who it matters to, when to check it and what to leave out."""

    id: str
    name: str = Field(min_length=1)
    url: str
    tags: list[str] = []
    schedule: str = "every 6h"
    viewports: list[Viewport] = [Viewport()]
    wait_for: str | None = None
    ignore: list[str] = []
    mask: list[str] = []
    cookie_banner: str | None = None
    min_severity: Literal["info", "minor", "major", "breaking"] = "major"
    timeout: Annotated[float, Field(gt=0, le=300)] = 30.0
    max_height: Annotated[int, Field(ge=500, le=100_000)] | None = None
    procedures: list[Procedure] = []

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        if not SAFE_ID.match(value):
            raise ValueError(
                f"unsafe id {value!r}: use lowercase letters, digits, '-', '_' or '.', starting with a letter or digit"
            )
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"url must start with http:// or https:// (got {value!r})")
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        parse_schedule(value)
        return value.strip()

    @field_validator("viewports")
    @classmethod
    def _viewports(cls, value: list[Viewport]) -> list[Viewport]:
        if not value:
            raise ValueError("at least one viewport is needed")
        names = [v.name for v in value]
        if len(set(names)) != len(names):
            raise ValueError("viewport names must be distinct")
        return value

    @field_validator("procedures")
    @classmethod
    def _distinct_procedures(cls, value: list[Procedure]) -> list[Procedure]:
        slugs = [p.slug for p in value]
        if len(set(slugs)) != len(slugs):
            raise ValueError("procedure names must be distinct")
        return value


class Settings(Strict):
    """Settings shared by every target."""

    concurrency: int = Field(default=2, ge=1, le=16)
    max_height: int = Field(default=16_000, ge=500, le=100_000)
    lang: Literal["fr", "en"] = "fr"
    # disk kept per page; the oldest snapshots no change refers to are removed beyond it (0: keep everything)
    max_disk_mb: int = Field(default=500, ge=0)
    keep_recent: int = Field(default=10, ge=1)  # the latest snapshots of a page are always kept


class Config(Strict):
    """The whole targets.yaml file."""

    settings: Settings = Settings()
    targets: list[Target]

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        seen: set[str] = set()
        for index, target in enumerate(self.targets):
            if target.id in seen:
                raise DuplicateIdError(index, target.id)
            seen.add(target.id)
        return self

    def target(self, target_id: str) -> Target:
        for target in self.targets:
            if target.id == target_id:
                return target
        known = ", ".join(t.id for t in self.targets)
        raise KeyError(f"unknown target {target_id!r} (known: {known})")

    def select(self, ids: Sequence[str]) -> list[Target]:
        return [self.target(i) for i in ids] if ids else list(self.targets)


class DuplicateIdError(ValueError):
    def __init__(self, index: int, target_id: str) -> None:
        self.index = index
        super().__init__(f"duplicate id {target_id!r}")


def read_yaml(path: Path) -> Any:
    """Round-trip YAML load (keeps line numbers); syntax errors become ConfigError with file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), None, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), None, "", f"cannot read file ({exc.__class__.__name__})") from None
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise ConfigError(str(path), line, "", f"YAML syntax error: {problem}") from None


def line_of(data: Any, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of the YAML node at `loc`, or of its deepest existing parent."""
    line: int | None = None
    node = data
    for key in loc:
        if isinstance(node, CommentedMap) and key in node:
            line = node.lc.key(key)[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line = node.lc.item(key)[0] + 1
            node = node[key]
        else:
            break
    if line is None and isinstance(data, CommentedMap | CommentedSeq):
        line = data.lc.line + 1
    return line


def format_loc(loc: Sequence[str | int]) -> str:
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def validation_to_config_error(path: Path, data: Any, exc: ValidationError) -> ConfigError:
    """The first pydantic error, placed at its file line and field path."""
    error = exc.errors()[0]
    loc = [part for part in error["loc"] if not (isinstance(part, str) and "[" in part)]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, DuplicateIdError):
        loc = ["targets", cause.index, "id"]
    elif isinstance(cause, StepAfterLoginError):
        loc = [*loc, "steps", cause.index]
    message = str(cause) if cause is not None else error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown field (not allowed here)"
    elif error["type"] == "missing":
        message = "required field is missing"
    return ConfigError(str(path), line_of(data, loc), format_loc(loc), message)


def parse_model(path: Path, model: type[M]) -> M:
    """Read a YAML file into `model`, or raise one ConfigError naming file, line and field."""
    data = read_yaml(path)
    if data is None:
        raise ConfigError(str(path), None, "", "the file is empty")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_to_config_error(path, data, exc) from None


def load_config(path: Path) -> Config:
    """Load and validate targets.yaml."""
    return parse_model(path, Config)
