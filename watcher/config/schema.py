"""JSON Schemas of targets.yaml and notifiers/channels.yaml, generated from the pydantic models.

Editors that speak the YAML language server (VS Code, vim, Emacs…) read the `# yaml-language-server: $schema=`
first line of each file and then complete keys and underline mistakes while a coordinator types. The models
stay the single source: the rules pydantic checks in Python validators (id pattern, URL shape, ARIA roles,
one action per step, channel names) are added here so the editor knows them too.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from watcher.config.channels import CHANNEL_NAME, ChannelsFile
from watcher.config.roles import STEP_ROLES
from watcher.config.targets import SAFE_ID, Config

__all__ = ["FILES", "render"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FILES: dict[str, type[BaseModel]] = {"targets.schema.json": Config, "channels.schema.json": ChannelsFile}
TITLES = {
    "targets.schema.json": "watcher — targets.yaml (pages surveillées / watched pages)",
    "channels.schema.json": "watcher — notifiers/channels.yaml (canaux d'alerte / alert channels)",
}
HTTP_URL = r"^https?://[^/\s]+"
SCHEDULE = r"^\s*(every\s+\d+\s*[smhd]|\S+(\s+\S+){4})\s*$"


def _with_python_rules(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Add what the models check in validators, so editors flag it too."""
    defs = schema.get("$defs", {})
    if name == "targets.schema.json":
        target = defs["Target"]["properties"]
        target["id"]["pattern"] = SAFE_ID.pattern
        target["url"]["pattern"] = HTTP_URL
        target["schedule"]["pattern"] = SCHEDULE
        for ref in ("RoleRef", "ClickRef"):
            if ref in defs:
                defs[ref]["properties"]["role"]["enum"] = sorted(STEP_ROLES)
        if "Step" in defs:
            defs["Step"]["minProperties"] = defs["Step"]["maxProperties"] = 1  # exactly one action
    else:
        schema["properties"]["channels"]["propertyNames"] = {"pattern": CHANNEL_NAME.pattern}
        if "changelog_url" in schema["properties"]:
            schema["properties"]["changelog_url"]["anyOf"][0]["pattern"] = r"^https?://\S+$"
    return schema


def generate(name: str) -> dict[str, Any]:
    """The schema of one file (targets.schema.json or channels.schema.json)."""
    model: type[BaseModel] = FILES[name]
    schema = _with_python_rules(name, model.model_json_schema())
    schema["title"] = TITLES[name]
    return {"$schema": DIALECT, **schema}


def render(name: str) -> str:
    """The schema as committed: sorted keys, so a regenerated file only differs when a model does."""
    return json.dumps(generate(name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
