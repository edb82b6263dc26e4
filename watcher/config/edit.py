"""Safe edits of targets.yaml: round-trip YAML that keeps the coordinators' comments, order and quoting.

Every edit is checked before the file is replaced: the new text must load back to exactly the intended data
and pass `load_config`; then the old file is kept as `targets.yaml.bak` and the new one is renamed into
place, so an interrupted or refused edit never leaves a broken file behind.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from watcher.config.problems import ConfigIssue, ConfigProblems, default_lang, line_of, single
from watcher.config.targets import Target, load_config, read_yaml
from watcher.errors import WatcherError

__all__ = ["TargetsFile", "already_watched", "slug_id"]

# Where a new key goes inside a target: the order of the Target model, so edited files read like the docs.
KEY_ORDER = list(Target.model_fields)
# What `watcher add` starts from when there is no targets.yaml yet (or an empty one).
NEW_FILE = """\
# yaml-language-server: $schema=./schema/targets.schema.json
# Les pages que watcher surveille (watcher init en donne un exemple commenté). Vérifier : watcher validate

targets: []
"""
QUOTED_KEYS = frozenset({"name", "schedule", "cookie_banner", "wait_for"})


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)  # the layout of the shipped targets.yaml
    yaml.width = 4096  # never fold a long selector or URL onto two lines
    return yaml


def _plain(node: Any) -> Any:
    """Comment-free Python data, to compare what a file says before and after an edit."""
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return str(node) if isinstance(node, str) else node


def _flow(values: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


def _value(value: Any) -> Any:
    """A Python value as YAML nodes: strings double-quoted, lists in flow style like the shipped file."""
    if isinstance(value, str):  # single quotes when the value holds double ones (`:has-text("…")`)
        return SingleQuotedScalarString(value) if '"' in value else DoubleQuotedScalarString(value)
    if isinstance(value, list | tuple):
        return _flow([_value(v) for v in value])
    if isinstance(value, Mapping):
        out = CommentedMap()
        for key, item in value.items():
            out[key] = _value(item)
        return out
    return value


class TargetsFile:
    """targets.yaml loaded for editing; `save()` writes it back only if the result is a valid configuration."""

    def __init__(self, path: Path, create: bool = False) -> None:
        """`create`: a missing or empty file (or one whose `targets:` is empty) starts as an empty list."""
        self.path = path
        self.created = create and (not path.exists() or read_yaml(path) is None)
        if self.created:
            self.data = _yaml().load(NEW_FILE)
        else:
            read_yaml(path)  # file:line error for a syntax problem, before anything else
            self.data = _yaml().load(path.read_text(encoding="utf-8"))
        if create and isinstance(self.data, CommentedMap) and self.data.get("targets") is None:
            self.data["targets"] = CommentedSeq()
        if not isinstance(self.data, CommentedMap) or not isinstance(self.data.get("targets"), CommentedSeq):
            raise single(path, line_of(self.data, ["targets"]), "targets", "cfg.no_target_list")
        if not self.targets:
            self.targets.fa.set_block_style()  # `targets: []` grows into a block list like the shipped file
        self.expected = _plain(self.data)

    @property
    def targets(self) -> CommentedSeq:
        targets: CommentedSeq = self.data["targets"]
        return targets

    def ids(self) -> list[str]:
        return [str(t.get("id")) for t in self.targets if isinstance(t, Mapping)]

    def urls(self) -> dict[str, str]:
        """Each target's id -> its url, as written."""
        return {str(t.get("id")): str(t.get("url")) for t in self.targets if isinstance(t, Mapping)}

    def target(self, target_id: str) -> CommentedMap:
        for item in self.targets:
            if isinstance(item, CommentedMap) and str(item.get("id")) == target_id:
                return item
        raise WatcherError(f"{self.path}: unknown target {target_id!r}")

    def add_target(self, entry: Mapping[str, Any]) -> None:
        """Append a target at the end of the list (after any commented-out examples)."""
        node = CommentedMap()
        for key, value in entry.items():
            if value is not None:  # quoted like the shipped file: names and schedules, not ids or URLs
                node[key] = _value(value) if key in QUOTED_KEYS or not isinstance(value, str) else value
        if isinstance(node.get("tags"), CommentedSeq):
            node["tags"] = _flow([str(tag) for tag in entry["tags"]])
        self.targets.append(node)
        # A blank line before the new target, like between the others (ruamel: a comment token "before" it).
        if len(self.targets) > 1:
            self.targets.ca.items[len(self.targets) - 1] = [None, [CommentToken("\n", CommentMark(0), None)], None,
                                                            None]
        self.expected["targets"].append(_plain(node))

    def extend(self, target_id: str, key: str, values: Iterable[str]) -> list[str]:
        """Add values to a list setting (ignore, mask, tags) of one target; returns the ones really added."""
        node = self.target(target_id)
        current = node.get(key)
        have = [str(v) for v in current] if isinstance(current, list) else []
        new = [v for v in dict.fromkeys(values) if v not in have]
        if not new:
            return []
        if isinstance(current, CommentedSeq):
            current.extend(_value(v) for v in new)
        else:
            self._insert(node, key, _value(new))
        self._expect(target_id)[key] = have + new
        return new

    def set(self, target_id: str, key: str, value: Any) -> None:
        """Set one scalar setting of a target (cookie_banner, min_severity…), in place or at its usual spot."""
        node = self.target(target_id)
        if key in node:
            node[key] = _value(value)
        else:
            self._insert(node, key, _value(value))
        self._expect(target_id)[key] = _plain(value)

    def _expect(self, target_id: str) -> dict[str, Any]:
        return next(t for t in self.expected["targets"] if str(t.get("id")) == target_id)

    def _insert(self, node: CommentedMap, key: str, value: Any) -> None:
        rank = KEY_ORDER.index(key) if key in KEY_ORDER else len(KEY_ORDER)
        keys = list(node.keys())
        position = next((i for i, k in enumerate(keys) if k in KEY_ORDER and KEY_ORDER.index(k) > rank), len(keys))
        if position == len(keys) and keys:
            _move_trailing_comment(node, keys[-1], key)
        node.insert(position, key, value)

    def render(self) -> str:
        out = io.StringIO()
        _yaml().dump(self.data, out)
        return out.getvalue()

    def save(self) -> Path:
        """Check the edited text, keep a `.bak` of the old file, and replace it in one rename."""
        text = self.render()
        if _plain(YAML(typ="rt").load(text)) != self.expected:
            raise WatcherError(f"{self.path}: the edit could not be written safely (nothing was changed)")
        folder = self.path.resolve().parent
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".yaml", dir=folder)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            _validate(tmp, self.path)
            backup = self.path.with_name(self.path.name + ".bak")
            if self.path.exists():
                shutil.copy2(self.path, backup)
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        return backup


def _validate(candidate: Path, original: Path) -> None:
    """load_config on the new text; its errors name the real file, not the temporary one."""
    try:
        load_config(candidate)
    except ConfigProblems as exc:
        raise ConfigProblems([ConfigIssue(str(original), i.line, i.path, "cfg.not_written",
                                          {"message": i.message(default_lang())}) for i in exc.issues]) from None


def _move_trailing_comment(node: CommentedMap, last_key: Any, new_key: str) -> None:
    """Blank lines and comments after a target's last key belong after the key we append, not before it."""
    slot = node.ca.items.get(last_key)
    holder: list[Any] | None = slot if slot and len(slot) > 2 and slot[2] is not None else None
    index = 2
    value = node[last_key]
    if holder is None and isinstance(value, CommentedSeq | CommentedMap) and value.ca.comment:
        holder, index = value.ca.comment, 0  # a flow list keeps its end-of-line comment on itself
    if holder is None or not isinstance(holder[index], CommentToken):
        return
    token: CommentToken = holder[index]
    first, _, rest = token.value.partition("\n")
    if not rest:
        return
    holder[index] = CommentToken(first + "\n", token.start_mark, None) if first.strip() else None
    node.ca.items[new_key] = [None, None, CommentToken("\n" + rest, token.start_mark, None), None]


# --- which page an address names (watcher add, the web page's « Ajouter une page ») ----------------------


def slug_id(url: str, taken: set[str]) -> str:
    """An id from the address: host without www. and path ("https://www.caf.fr/aides" -> "caf-fr-aides")."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    plain = unicodedata.normalize("NFKD", f"{host}/{parts.path}").encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-") or "page"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def normal_url(url: str) -> str:
    """A URL reduced to what names the page: host without `www.` and default port, path without a trailing
    slash, query, no fragment; http and https alike ("HTTPS://www.CAF.fr/aides/#x" -> "caf.fr/aides")."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{f':{port}' if port else ''}{path}{query}"


def already_watched(url: str, watched: dict[str, str]) -> str | None:
    """The id of the target that already watches this page, if any."""
    wanted = normal_url(url)
    return next((target_id for target_id, other in watched.items() if normal_url(other) == wanted), None)
