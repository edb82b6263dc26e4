"""The coordinators' configuration: `targets.yaml`, parsed once into typed models with file:line errors."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from watcher.config.problems import ConfigProblems as ConfigProblems  # re-exported: the CLI renders them
from watcher.config.problems import (
    ConfigValueError,
    issues_from_validation,
    problems,
    role_problem,
    single,
)
from watcher.config.problems import format_loc as format_loc
from watcher.config.problems import line_of as line_of
from watcher.config.roles import STEP_ROLES
from watcher.config.selectors import ignore_problem, page_selector_problem
from watcher.config.severity import Severity, SeverityName
from watcher.safety.netpolicy import IPNetwork, parse_networks

__all__ = [
    "ClickRef",
    "Config",
    "MEMORY_PER_CHECK",
    "Procedure",
    "RoleRef",
    "SAFE_ID",
    "Settings",
    "Step",
    "Strict",
    "Target",
    "Viewport",
    "line_of",
    "load_config",
    "machine_concurrency",
    "parse_model",
    "parse_schedule",
    "read_yaml",
    "url_suggestion",
]

M = TypeVar("M", bound=BaseModel)

SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
EVERY = re.compile(r"^every\s+(\d+)\s*([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_CONFIG_BYTES = 1_000_000  # targets.yaml and channels.yaml: a territory's few hundred pages fit in 200 kB


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
            raise ConfigValueError("cfg.interval_short")
        return "interval", seconds
    if text.startswith("every"):
        raise ConfigValueError("cfg.interval")
    if len(text.split()) != 5:
        raise ConfigValueError("cfg.cron_fields", value=text)
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(text, timezone="UTC")
    except ValueError as exc:
        raise ConfigValueError("cfg.cron", value=text, detail=str(exc)) from None
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
        if value not in STEP_ROLES:
            raise role_problem(value, sorted(STEP_ROLES))
        return value


class ClickRef(RoleRef):
    """The element a `click` step presses; `submits: true` confirms that this click only moves to the next screen
    of a simulator or a multi-step form that files nothing, so the data typed so far may be sent to the site
    (watcher/safety/sendguard.py). Never on a login form nor on a procedure's last step."""

    submits: bool = False


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
            raise ConfigValueError("cfg.secret_fill")
        return value


class SelectRef(LabelRef):
    option: str = Field(min_length=1)


class Step(Strict):
    """One thing a mediator shows: exactly one action among click, fill, select, check, expect, goto, wait."""

    click: ClickRef | None = None
    fill: FillRef | None = None
    select: SelectRef | None = None
    check: LabelRef | None = None
    expect: RoleRef | None = None
    goto: str | None = None
    wait: Annotated[float, Field(gt=0, le=30)] | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        if sum(getattr(self, name) is not None for name in ACTIONS) != 1:
            raise ConfigValueError("cfg.one_action", actions=", ".join(ACTIONS))
        return self

    @field_validator("goto")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^(https?://[^/\s]+|/)", value):
            raise ConfigValueError("cfg.goto", value=value)
        return value

    @property
    def action(self) -> str:
        return next(name for name in ACTIONS if getattr(self, name) is not None)

    @property
    def submits(self) -> bool:
        """Whether the coordinator confirmed that this click may send what was typed (`submits: true`)."""
        return self.click is not None and self.click.submits

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
        for index, step in enumerate(self.steps):
            if step.submits and step.is_login_submit:
                raise SubmitsRefusedError(index, "cfg.submits_login")
            if step.submits and index == len(self.steps) - 1:
                raise SubmitsRefusedError(index, "cfg.submits_last")
        for index, step in enumerate(self.steps[:-1]):
            if step.is_login_submit:
                raise StepAfterLoginError(index + 1)
        return self


class StepAfterLoginError(ConfigValueError):
    """A step follows a login submit: only the public part of a procedure may be replayed."""

    def __init__(self, index: int) -> None:
        self.index = index
        super().__init__("cfg.after_login")


class SubmitsRefusedError(ConfigValueError):
    """`submits: true` where it may not be: on a login button or on the last step (that click would file the
    demand, nothing after it is seen). `index` is the step's 0-based position, for the error's line and field."""

    def __init__(self, index: int, key: str) -> None:
        self.index = index
        self.field = ("steps", index, "click", "submits")
        super().__init__(key)


def _ignore_selector(value: str) -> str:
    """An `ignore` rule: CSS that watcher can apply to saved pages (watcher/config/selectors.py)."""
    problem = ignore_problem(value)
    if problem is not None:
        raise problem
    return value


def _page_selector(value: str) -> str:
    """A `mask` / `wait_for` / `cookie_banner` selector, applied by Playwright: CSS Chromium knows, Playwright's
    engines, pseudo-classes and `>>` chains allowed (watcher/config/selectors.py)."""
    problem = page_selector_problem(value)
    if problem is not None:
        raise problem
    return value


IgnoreSelector = Annotated[str, AfterValidator(_ignore_selector)]
PageSelector = Annotated[str, AfterValidator(_page_selector)]


class Target(Strict):
    """One watched page: where it is, who it matters to, when to check it and what to leave out."""

    id: str
    name: str = Field(min_length=1)
    url: str
    tags: list[str] = []
    schedule: str = "every 6h"
    viewports: list[Viewport] = [Viewport()]
    wait_for: PageSelector | None = None
    ignore: list[IgnoreSelector] = []
    mask: list[PageSelector] = []
    cookie_banner: PageSelector | None = None
    min_severity: SeverityName = Severity.MAJOR
    timeout: Annotated[float, Field(gt=0, le=300)] = 30.0
    max_height: Annotated[int, Field(ge=500, le=100_000)] | None = None
    procedures: list[Procedure] = []
    # settings.allow_private, given to each target when the whole file is read (watcher/safety/netpolicy.py)
    _allow_private: tuple[IPNetwork, ...] = PrivateAttr(default=())

    @property
    def allow_private(self) -> tuple[IPNetwork, ...]:
        """Non-public networks this page may redirect to or load from, besides its own host."""
        return self._allow_private

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        if not SAFE_ID.match(value):
            raise ConfigValueError("cfg.unsafe_id", value=value, suggestion=_id_suggestion(value))
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        scheme = re.match(r"^(https?)://[^/\s]+", value, re.IGNORECASE)  # schemes are case-insensitive (RFC 3986)
        if not scheme:
            raise ConfigValueError("cfg.url", value=value, suggestion=url_suggestion(value))
        return scheme.group(1).lower() + value[len(scheme.group(1)):]

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        parse_schedule(value)
        return value.strip()

    @field_validator("viewports")
    @classmethod
    def _viewports(cls, value: list[Viewport]) -> list[Viewport]:
        if not value:
            raise ConfigValueError("cfg.no_viewport")
        names = [v.name for v in value]
        if len(set(names)) != len(names):
            raise ConfigValueError("cfg.viewport_names")
        return value

    @field_validator("procedures")
    @classmethod
    def _distinct_procedures(cls, value: list[Procedure]) -> list[Procedure]:
        slugs = [p.slug for p in value]
        if len(set(slugs)) != len(slugs):
            raise ConfigValueError("cfg.procedure_names")
        return value


MEMORY_PER_CHECK = 512 * 2**20  # bytes of available memory set aside for each page checked at once
MAX_CONCURRENCY = 16


def machine_concurrency(meminfo: Path = Path("/proc/meminfo"), cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """Pages to check at once when targets.yaml does not say: one per CPU this process may use (its affinity mask,
    and the cgroup v2 quota `cpu.max` of a container), fewer when memory is short (one per MEMORY_PER_CHECK bytes
    of /proc/meminfo's MemAvailable: a check holds a browser context and its renderer); 1 to MAX_CONCURRENCY."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text(encoding="ascii").split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota: the affinity mask is the limit
    by_memory = MAX_CONCURRENCY
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                by_memory = int(line.split()[1]) * 1024 // MEMORY_PER_CHECK
    except (OSError, ValueError, IndexError):
        pass  # not Linux: CPUs only
    return max(1, min(cpus, by_memory, MAX_CONCURRENCY))


class Settings(Strict):
    """Settings shared by every target."""

    # pages checked at once; absent (None): sized from the machine when the checks start (see `workers`)
    concurrency: int | None = Field(default=None, ge=1, le=MAX_CONCURRENCY)
    max_height: int = Field(default=16_000, ge=500, le=100_000)
    lang: Literal["fr", "en"] = "fr"
    # disk kept per page; the oldest snapshots no change refers to are removed beyond it (0: keep everything)
    max_disk_mb: int = Field(default=500, ge=0)
    keep_recent: int = Field(default=10, ge=1)  # the latest snapshots of a page are always kept
    # non-public addresses or networks a page may redirect to or load from (its own host is always allowed)
    allow_private: list[str] = []

    @field_validator("allow_private")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        try:
            parse_networks(value)
        except ValueError as exc:
            raise ConfigValueError("cfg.allow_private", value=str(exc)) from None
        return value

    @property
    def workers(self) -> int:
        """Pages checked at once: `concurrency` when targets.yaml gives it, else machine_concurrency()."""
        return self.concurrency or machine_concurrency()


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
        networks = parse_networks(self.settings.allow_private)
        for target in self.targets:
            target._allow_private = networks
        return self

    def target(self, target_id: str) -> Target:
        for target in self.targets:
            if target.id == target_id:
                return target
        from watcher.config.problems import closest, default_lang
        from watcher.i18n.texts import t

        known = [target.id for target in self.targets]
        suggestion = closest(target_id, known)
        lang = default_lang()
        raise KeyError(t("target.unknown", lang, target=target_id, ids=", ".join(known) or "—")
                       + (t("cfg.suggest", lang, value=suggestion) if suggestion else ""))

    def select(self, ids: Sequence[str]) -> list[Target]:
        return [self.target(i) for i in ids] if ids else list(self.targets)


class DuplicateIdError(ConfigValueError):
    def __init__(self, index: int, target_id: str) -> None:
        self.index = index
        super().__init__("cfg.duplicate_id", value=target_id)


def _id_suggestion(value: str) -> str:
    """A safe id close to what was typed ("Mon Compte CAF" -> "mon-compte-caf"), or ""."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9_.]+", "-", plain).strip("-.")[:80]
    return slug if slug and SAFE_ID.match(slug) and slug != value else ""


def url_suggestion(value: str) -> str:
    """`https://` + the text when it looks like a host name ("www.caf.fr/aides"), else ""."""
    text = value.strip()
    if re.match(r"^[\w-]+(\.[\w-]+)+(:\d+)?(/\S*)?$", text):
        return "https://" + text
    return ""


def read_yaml(path: Path) -> Any:
    """Round-trip YAML load (keeps line numbers); syntax errors become ConfigError with file:line."""
    try:
        size = path.stat().st_size if path.is_file() else 0
        if size > MAX_CONFIG_BYTES:  # a 50 MB file took 3 minutes and 877 MB to refuse field by field
            raise single(path, None, "", "cfg.too_big", size=size, limit=MAX_CONFIG_BYTES)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise single(path, None, "", "cfg.not_found") from None
    except IsADirectoryError:
        raise single(path, None, "", "cfg.is_dir") from None
    except UnicodeDecodeError as exc:
        raise single(path, None, "", "cfg.not_text", position=exc.start) from None
    except OSError as exc:
        raise single(path, None, "", "cfg.unreadable", detail=exc.strerror or exc.__class__.__name__) from None
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        hint = next((key for words, key in YAML_PROBLEMS if words in problem), None)
        raise single(path, line, "", hint or "cfg.yaml", detail=problem) from None


# ruamel's words for the usual slips -> our text (the others keep ruamel's own words after "YAML syntax error").
YAML_PROBLEMS = (
    ("mapping values are not allowed", "cfg.yaml.colon"), ("could not find expected ':'", "cfg.yaml.no_colon"),
    ("cannot start any token", "cfg.yaml.tab"), ("expected <block end>", "cfg.yaml.indent"),
    ("end of stream", "cfg.yaml.unclosed"), ("expected ',' or ']'", "cfg.yaml.unclosed"),
    ("expected ',' or '}'", "cfg.yaml.unclosed"), ("found duplicate key", "cfg.yaml.duplicate"),
)


def parse_model(path: Path, model: type[M], empty: str = "cfg.empty") -> M:
    """Read a YAML file into `model`, or raise ConfigProblems naming every mistake (file, line, field)."""
    data = read_yaml(path)
    if data is None:
        raise single(path, None, "", empty)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise problems(issues_from_validation(path, data, exc, model)) from None


def load_config(path: Path) -> Config:
    """Load and validate targets.yaml; a missing or empty file says to run `watcher init`."""
    if not path.exists():
        raise single(path, None, "", "cfg.no_targets", folder=_folder_hint(path))
    return parse_model(path, Config, empty="cfg.empty_targets")


def _folder_hint(path: Path) -> str:
    folder = path.parent
    return "" if str(folder) in ("", ".") else f" {folder}"
