"""The committed JSON Schemas are the generated ones, and they accept the shipped files and refuse broken ones.

`jsonschema` is not a dependency, so a small validator of the keywords pydantic emits is enough here
(type, properties, required, additionalProperties, items, enum, anyOf, $ref, pattern, bounds, sizes).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from watcher.config.schema import FILES, render

ROOT = Path(__file__).resolve().parent.parent
TYPES = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float), "boolean": bool,
         "null": type(None)}


def errors(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str = "$") -> list[str]:
    if "$ref" in schema:
        return errors(value, root["$defs"][schema["$ref"].rsplit("/", 1)[1]], root, where)
    if "anyOf" in schema:
        options = [errors(value, option, root, where) for option in schema["anyOf"]]
        return [] if any(not found for found in options) else min(options, key=len)
    wanted = schema.get("type")
    if wanted and (not isinstance(value, TYPES[wanted]) or (wanted != "boolean" and isinstance(value, bool))):
        return [f"{where}: expected {wanted}"]
    found = _scalar_errors(value, schema, where)
    if isinstance(value, dict):
        found += _object_errors(value, schema, root, where)
    if isinstance(value, list):
        found += [e for i, item in enumerate(value) for e in errors(item, schema.get("items", {}), root, f"{where}[{i}]")]
        if len(value) < schema.get("minItems", 0):
            found.append(f"{where}: too few items")
    return found


def _scalar_errors(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    found = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: not one of {schema['enum']}")
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        found.append(f"{where}: does not match {schema['pattern']}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        found.append(f"{where}: too short")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"] or "maximum" in schema and value > schema["maximum"]:
            found.append(f"{where}: out of bounds")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            found.append(f"{where}: out of bounds")
    return found


def _object_errors(value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    found = [f"{where}: missing {key}" for key in schema.get("required", []) if key not in value]
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in props:
            found += errors(item, props[key], root, f"{where}.{key}")
        elif extra is False:
            found.append(f"{where}.{key}: unknown field")
        elif isinstance(extra, dict):
            found += errors(item, extra, root, f"{where}.{key}")
        names = schema.get("propertyNames", {}).get("pattern")
        if names and not re.search(names, key):
            found.append(f"{where}.{key}: bad name")
    if not schema.get("minProperties", 0) <= len(value) <= schema.get("maxProperties", len(value)):
        found.append(f"{where}: wrong number of keys")
    return found


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def schema(name: str) -> dict[str, Any]:
    import json

    return json.loads((ROOT / "schema" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", list(FILES))
def test_committed_schema_is_the_generated_one(name: str) -> None:
    assert (ROOT / "schema" / name).read_text(encoding="utf-8") == render(name), "run `watcher schema`"


@pytest.mark.parametrize("path, name", [
    ("targets.yaml", "targets.schema.json"), ("docs/examples/targets.yaml", "targets.schema.json"),
    ("notifiers/channels.yaml", "channels.schema.json"),
    ("docs/examples/notifiers/channels.yaml", "channels.schema.json"),
])
def test_shipped_files_are_valid_and_point_to_their_schema(path: str, name: str) -> None:
    file = ROOT / path
    assert errors(load(file), schema(name), schema(name)) == []
    first = file.read_text(encoding="utf-8").splitlines()[0]
    reference = first.removeprefix("# yaml-language-server: $schema=")
    assert reference != first and (file.parent / reference).resolve() == (ROOT / "schema" / name).resolve()


@pytest.mark.parametrize("broken, problem", [
    ({"targets": [{"id": "x", "name": "X"}]}, "missing url"),
    ({"targets": [{"id": "Pas Bon", "name": "X", "url": "https://a.fr/"}]}, "does not match"),
    ({"targets": [{"id": "x", "name": "X", "url": "ftp://a.fr/"}]}, "does not match"),
    ({"targets": [{"id": "x", "name": "X", "url": "https://a.fr/", "banana": 1}]}, "unknown field"),
    ({"targets": [{"id": "x", "name": "X", "url": "https://a.fr/", "min_severity": "huge"}]}, "not one of"),
    ({"targets": [{"id": "x", "name": "X", "url": "https://a.fr/", "ignore": "nav"}]}, "expected array"),
    ({"targets": [{"id": "x", "name": "X", "url": "https://a.fr/", "procedures": [{"name": "p", "steps": [
        {"click": {"role": "link", "name": "A"}, "wait": 1}]}]}]}, "wrong number of keys"),
])
def test_targets_schema_rejects_broken_files(broken: dict[str, Any], problem: str) -> None:
    found = errors(broken, schema("targets.schema.json"), schema("targets.schema.json"))
    assert any(problem in e for e in found), found


def test_channels_schema_rejects_broken_files() -> None:
    root = schema("channels.schema.json")
    assert errors({"channels": {"Mauvais Nom": {"urls": ["console://"]}}}, root, root)
    assert errors({"channels": {"ok": {"urls": ["console://"], "mode": "weekly"}}}, root, root)
