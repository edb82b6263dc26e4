"""Configuration mistakes told to coordinators: every one at once, each on one line, in their language.

A mistake of `targets.yaml` or `notifiers/channels.yaml` becomes a `ConfigIssue` (file, line, field path,
a text key of watcher/i18n/texts.py and its values). Pydantic's own messages are never shown: each pydantic error
type is mapped to one of our texts, and our validators raise `ConfigValueError` (a text key, not a sentence).
When what was typed is close to something known — a key of the model, a value of a closed list (severities,
modes, roles), a French word for it — the line ends with « vouliez-vous dire « … » ? » (difflib).
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from watcher.errors import ConfigError
from watcher.i18n.texts import t

__all__ = [
    "ConfigIssue",
    "ConfigProblems",
    "ConfigValueError",
    "closest",
    "default_lang",
    "format_loc",
    "issues_from_validation",
    "line_of",
    "problems",
    "role_problem",
    "single",
    "unknown_word_issues",
]

MAX_ISSUES = 20
# French words coordinators type for a key or a value; suggested only when the English word fits the place.
FRENCH_WORDS = {
    "nom": "name", "adresse": "url", "lien": "link", "étiquettes": "tags", "etiquettes": "tags",
    "étiquette": "tags", "etiquette": "tags", "calendrier": "schedule", "horaire": "schedule",
    "procédures": "procedures", "procedures": "procedures", "étapes": "steps", "etapes": "steps",
    "cliquer": "click", "remplir": "fill", "choisir": "select", "cocher": "check", "voir": "expect",
    "attendre": "wait", "public": "audience", "publics": "audiences", "ignorer": "ignore", "masquer": "mask",
    "gravité": "min_severity", "gravite": "min_severity", "seuil": "min_severity", "libellé": "label",
    "libelle": "label", "valeur": "value", "rôle": "role", "role": "role", "canaux": "channels",
    "majeur": "major", "mineur": "minor", "bloquant": "breaking", "bloquante": "breaking", "majeure": "major",
    "mineure": "minor", "immédiat": "immediate", "immediat": "immediate", "résumé": "digest", "resume": "digest",
    "français": "fr", "francais": "fr", "anglais": "en", "bouton": "button", "champ": "textbox",
    "titre": "heading", "case": "checkbox", "liste": "combobox", "onglet": "tab", "menu": "navigation",
}


class ConfigValueError(ValueError):
    """A value refused by one of our validators: a text key of watcher/i18n/texts.py and its values.

    `suggestion` (a value, or "") adds « vouliez-vous dire … ? ». The exception's own text is the English one.
    `field`, set by a model-level rule, is where under the model the mistake sits (its line and field path).
    """

    field: tuple[str | int, ...] = ()

    def __init__(self, key: str, **values: Any) -> None:
        self.key = key
        self.values = values
        super().__init__(render(key, values, "en"))


def render(key: str, values: dict[str, Any], lang: str) -> str:
    """The text `key` with its values, and the suggestion when there is one."""
    values = {name: short(value) if isinstance(value, str) else value for name, value in values.items()}
    suggestion = values.pop("suggestion", "")
    got = values.get("got")
    if isinstance(got, str) and got.startswith("@text:"):
        values["got"] = t("cfg.got.text", lang, value=got[6:])
    elif isinstance(got, str) and got.startswith("@"):
        values["got"] = t("cfg.got." + got[1:], lang)
    text = t(key, lang, **values)
    return text + t("cfg.suggest", lang, value=suggestion) if suggestion else text


QUOTE_CHARS = 80  # characters of a value quoted back in a message (a whole file pasted in a field stays one line)


def short(text: str, limit: int = QUOTE_CHARS) -> str:
    """`text` on one line (whitespace runs become one space), cut to `limit` characters with « … »."""
    flat = " ".join(text.split()) if text.strip() else text
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def default_lang() -> str:
    return os.environ.get("WATCHER_LANG", "fr")


def closest(value: str, known: Iterable[str]) -> str:
    """The known word the coordinator probably meant: a French synonym, a spelling variant, or ""."""
    known = list(dict.fromkeys(known))
    word = value.strip().lower()
    if FRENCH_WORDS.get(word) in known:
        return FRENCH_WORDS[word]
    folded = {k.lower(): k for k in known}
    if word in folded and folded[word] != value:
        return folded[word]
    found = difflib.get_close_matches(word, list(folded), n=1, cutoff=0.6)
    return folded[found[0]] if found else ""


def role_problem(value: str, roles: Sequence[str]) -> ConfigValueError:
    return ConfigValueError("cfg.role", value=value, suggestion=closest(value, roles))


# --- where in the file ---------------------------------------------------------------------------------------


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
    """("targets", 0, "ignore", 1) -> "targets[0].ignore[1]"."""
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


# --- the issues --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigIssue:
    """One mistake: where it is (file, 1-based line or None, field path) and what it is (text key, values)."""

    file: str
    line: int | None
    path: str
    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return render(self.key, self.values, lang)

    def text(self, lang: str) -> str:
        """`file:line: field.path: message`."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        place = f" {self.path}:" if self.path else ""
        return f"{where}:{place} {self.message(lang)}"


class ConfigProblems(ConfigError):
    """Every mistake found in one configuration file (the first ones up to MAX_ISSUES), one line each."""

    def __init__(self, issues: Sequence[ConfigIssue], more: int = 0) -> None:
        self.issues = list(issues)
        self.more = more
        first = self.issues[0]
        super().__init__(first.file, first.line, first.path, first.message(default_lang()))

    def render(self, lang: str) -> str:
        lines = [issue.text(lang) for issue in self.issues]
        if self.more:
            lines.append(t("cfg.more", lang, count=self.more))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render(default_lang())


def problems(issues: Sequence[ConfigIssue]) -> ConfigProblems:
    ordered = sorted(issues, key=lambda i: (i.line or 0))
    return ConfigProblems(ordered[:MAX_ISSUES], max(0, len(ordered) - MAX_ISSUES))


def single(file: str | Path, line: int | None, path: str, key: str, **values: Any) -> ConfigProblems:
    return ConfigProblems([ConfigIssue(str(file), line, path, key, values)])


def issues_from_validation(path: Path, data: Any, exc: ValidationError,
                           model: type[BaseModel]) -> list[ConfigIssue]:
    """Every pydantic error as an issue with its line, field path and our text (one per field)."""
    issues: dict[str, ConfigIssue] = {}
    for error in exc.errors():
        loc = [part for part in error["loc"] if not (isinstance(part, str) and "[" in part)]  # union tags
        key, values, loc = _translate(error, loc, model)
        where = format_loc(loc)
        if where not in issues:
            issues[where] = ConfigIssue(str(path), line_of(data, loc), where, key, values)
    return list(issues.values())


def _translate(error: Any, loc: list[Any], model: type[BaseModel]) -> tuple[str, dict[str, Any], list[Any]]:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    cause = ctx.get("error")
    if isinstance(cause, ConfigValueError):
        index = getattr(cause, "index", None)
        if cause.key == "cfg.duplicate_id" and index is not None:
            loc = ["targets", index, "id"]
        elif cause.key == "cfg.after_login" and index is not None:
            loc = [*loc, "steps", index]
        elif cause.field:  # a procedure-level rule that names one step's field
            loc = [*loc, *cause.field]
        return cause.key, cause.values, loc
    if kind == "extra_forbidden":
        known = _fields(model, loc[:-1])
        return "cfg.unknown_key", {"name": loc[-1], "suggestion": closest(str(loc[-1]), known)}, loc
    if kind in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return "cfg.choice", {"value": value, "choices": ", ".join(choices),
                              "suggestion": closest(str(value), choices)}, loc
    if kind in SIMPLE:
        return SIMPLE[kind], {"got": _got(value), **{k: v for k, v in ctx.items() if k != "error"}}, loc
    if cause is not None:
        return "cfg.refused", {"detail": str(cause)}, loc
    return "cfg.refused", {"detail": kind}, loc


SIMPLE = {
    "missing": "cfg.missing", "list_type": "cfg.list_type", "dict_type": "cfg.dict_type",
    "model_type": "cfg.dict_type", "model_attributes_type": "cfg.dict_type", "string_type": "cfg.string_type",
    "int_parsing": "cfg.int_type", "int_type": "cfg.int_type", "int_from_float": "cfg.int_type",
    "float_parsing": "cfg.number_type", "float_type": "cfg.number_type", "bool_parsing": "cfg.bool_type",
    "bool_type": "cfg.bool_type", "greater_than": "cfg.gt", "greater_than_equal": "cfg.ge", "less_than": "cfg.lt",
    "less_than_equal": "cfg.le", "too_short": "cfg.too_short", "too_long": "cfg.too_long",
    "string_too_short": "cfg.empty_string", "string_too_long": "cfg.string_too_long",
}


def _got(value: Any) -> str:
    """What was written instead, in a few words: « du texte « caf » », « une liste », « rien »."""
    if value is None:
        return "@nothing"
    if isinstance(value, dict):
        return "@block"
    if isinstance(value, list):
        return "@list"
    return f"@text:{value}" if isinstance(value, str) else str(value)


def _fields(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The keys allowed at `loc` (the parent of an unknown key), by walking the models' annotations."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    target = _model_in(current)
    return list(target.model_fields) if target else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg) if typing.get_origin(annotation) in (typing.Union, types.UnionType,
                                                                    typing.Annotated) else None
        if found:
            return found
    return None


def _step(annotation: Any, part: Any) -> Any:
    """The annotation one step down: a model's field, a list's item, a dict's value."""
    model = _model_in(annotation)
    if isinstance(part, str) and model is not None and part in model.model_fields:
        return model.model_fields[part].annotation
    for candidate in _unwrap(annotation):
        origin = typing.get_origin(candidate)
        if origin is list and isinstance(part, int):
            return typing.get_args(candidate)[0]
        if origin is dict and isinstance(part, str):
            return typing.get_args(candidate)[1]
    return None


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [a for arg in typing.get_args(annotation) for a in _unwrap(arg)]
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    return [annotation]


def unknown_word_issues(path: Path, data: Any, channels: dict[str, Any], used: dict[str, set[str]]) -> list[ConfigIssue]:
    """Channel filters naming a tag or an audience no page uses, when it is close to one in use (a typo: the
    channel would silently receive nothing). `used`: {"tags": {...}, "audiences": {...}} from targets.yaml."""
    issues = []
    for name, channel in channels.items():
        for key in ("tags", "audiences"):
            for index, word in enumerate(getattr(channel, key) or []):
                if word in used[key]:
                    continue
                suggestion = closest(word, used[key])
                if suggestion:
                    loc: list[str | int] = ["channels", name, key, index]
                    issues.append(ConfigIssue(str(path), line_of(data, loc), format_loc(loc),
                                              "cfg.channel_tag" if key == "tags" else "cfg.channel_audience",
                                              {"value": word, "suggestion": suggestion}))
    return issues
