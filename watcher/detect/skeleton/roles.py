"""Roles as browsers compute them (WAI-ARIA role attribute with presentational conflict resolution, else the
HTML-AAM mapping of the tag) and the state a person sees on a control (level, type, required, disabled,
checked, options of a list)."""

from __future__ import annotations

from typing import Any, NamedTuple

from watcher.config.roles import VALID_ROLES
from watcher.detect.skeleton.dom import _hidden_here, _int, normalize_space

__all__ = ["BUTTON_INPUTS", "DATE_INPUTS", "GROUP_ROLES", "KNOWN_INPUTS", "LABELABLE", "NAME_FROM_CONTENT", "SECTIONING", "SECTIONING_ROLES", "TEXT_INPUTS"]

# accname 1.2 "roles supporting name from content" (the ones that can appear in a skeleton).
NAME_FROM_CONTENT = frozenset(
    {"button", "checkbox", "heading", "link", "menuitem", "menuitemcheckbox", "menuitemradio",
     "option", "radio", "switch", "tab", "treeitem", "cell", "gridcell", "columnheader", "rowheader",
     "row", "tooltip"}
)


# Roles of containers whose label names the group a link or field belongs to (menus, fieldsets...).
GROUP_ROLES = frozenset({"list", "menu", "menubar", "tablist", "group", "radiogroup", "tree", "toolbar"})


SECTIONING = frozenset({"article", "aside", "main", "nav", "section"})


SECTIONING_ROLES = frozenset({"article", "complementary", "main", "navigation", "region"})


LABELABLE = frozenset({"input", "select", "textarea", "button", "meter", "output", "progress"})


TEXT_INPUTS = frozenset({"text", "email", "tel", "url", "password"})


DATE_INPUTS = frozenset({"date", "datetime-local", "month", "week", "time"})


BUTTON_INPUTS = frozenset({"button", "submit", "reset", "image"})


KNOWN_INPUTS = TEXT_INPUTS | DATE_INPUTS | BUTTON_INPUTS | {
    "search", "number", "range", "checkbox", "radio", "file", "color", "hidden"}


class _Ctx(NamedTuple):
    """What an element inherits from its ancestors during the walk (a tuple: copied once per element)."""

    landmarks: tuple[str, ...] = ()
    hidden: bool = False  # hidden whatever the descendants say (hidden, aria-hidden, display:none)
    vis_hidden: bool = False  # visibility:hidden, which a descendant may undo
    marked_hidden: bool = False  # capture's data-watcher-visible="false"
    sectioning: bool = False  # inside article/aside/main/nav/section: header/footer are not landmarks
    nested: bool = False  # inside article/aside/nav/section: an unnamed aside is not a landmark
    group: str = ""
    dialog: str = ""
    fieldset_disabled: bool = False
    in_named: bool = False  # inside an element whose name comes from its content
    revealed_by: tuple[str, str] | None = None  # hidden until this control (role, name) is used
    in_form: bool = False  # inside <form>, role form or role search

    @property
    def invisible(self) -> bool:
        return self.hidden or self.vis_hidden or self.marked_hidden


def _input_type(el: Any) -> str:
    if el.tag != "input":
        return str(el.tag)
    kind = el.get("type", "text").strip().lower()
    return kind if kind in KNOWN_INPUTS else "text"


def _focusable(el: Any, tag: str) -> bool:
    if el.get("tabindex") is not None:
        return True
    if tag in ("a", "area"):
        return el.get("href") is not None
    return tag in ("button", "input", "select", "textarea", "summary")


def _role(el: Any, tag: str, ctx: _Ctx) -> str | None:
    """The ARIA role a browser computes: the first valid token of role=, else the HTML-AAM mapping."""
    explicit = el.get("role")
    if explicit:
        for token in explicit.lower().split():
            if token not in VALID_ROLES:
                continue
            if token in ("none", "presentation"):
                # Presentational role conflict resolution: focusable or labelled elements keep their role.
                if _focusable(el, tag) or el.get("aria-label") or el.get("aria-labelledby"):
                    break
                return None
            return "img" if token == "image" else token
    return _implicit_role(el, tag, ctx)


def _implicit_role(el: Any, tag: str, ctx: _Ctx) -> str | None:
    if tag == "input":
        return _input_role(el)
    simple = _SIMPLE_ROLES.get(tag)
    if simple:
        return simple
    if tag in ("a", "area"):
        return "link" if el.get("href") is not None else None
    if tag == "select":
        multiple = el.get("multiple") is not None
        return "listbox" if multiple or _int(el.get("size"), 0) > 1 else "combobox"
    if tag in ("header", "footer"):
        if ctx.sectioning:
            return None
        return "banner" if tag == "header" else "contentinfo"
    if tag == "summary":
        parent = el.getparent()
        return "button" if parent is not None and parent.tag == "details" else None
    return None


_SIMPLE_ROLES = {
    "button": "button", "textarea": "textbox", "nav": "navigation", "main": "main", "aside": "complementary",
    "section": "region", "form": "form", "search": "search", "h1": "heading", "h2": "heading",
    "h3": "heading", "h4": "heading", "h5": "heading", "h6": "heading", "ul": "list", "ol": "list",
    "menu": "list", "fieldset": "group", "dialog": "dialog", "article": "article", "img": "img",
}


def _input_role(el: Any) -> str | None:
    kind = _input_type(el)
    has_list = el.get("list") is not None
    if kind in TEXT_INPUTS or kind in DATE_INPUTS:
        return "combobox" if has_list and kind in TEXT_INPUTS else "textbox"
    if kind == "search":
        return "combobox" if has_list else "searchbox"
    if kind == "checkbox":
        return "switch" if el.get("switch") is not None else "checkbox"
    return _INPUT_ROLES.get(kind)


# Chromium exposes file and colour pickers as buttons; type=hidden has no role at all.
_INPUT_ROLES = {
    "number": "spinbutton", "range": "slider", "radio": "radio", "button": "button", "submit": "button",
    "reset": "button", "image": "button", "file": "button", "color": "button",
}


def _state(el: Any, tag: str, role: str, ctx: _Ctx) -> dict[str, Any]:
    """Level, control type, required/disabled/checked: the state a person sees on a control."""
    attrib = el.attrib
    state: dict[str, Any] = {
        "level": _level(el, tag) if role == "heading" else None,
        "control": _input_type(el) if tag in ("input", "select", "textarea") else None,
        "required": (tag in ("input", "select", "textarea") and "required" in attrib)
        or attrib.get("aria-required", "").lower() == "true",
        "disabled": attrib.get("aria-disabled", "").lower() == "true"
        or (tag in ("button", "input", "select", "textarea") and ("disabled" in attrib or ctx.fieldset_disabled)),
        "checked": None,
    }
    if role in ("checkbox", "radio", "switch", "menuitemcheckbox", "menuitemradio"):
        if "data-watcher-checked" in attrib:
            state["checked"] = attrib["data-watcher-checked"] == "true"
        elif "aria-checked" in attrib:
            state["checked"] = attrib["aria-checked"].lower() == "true"
        else:
            state["checked"] = "checked" in attrib
    return state


def _level(el: Any, tag: str) -> int:
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and el.get("aria-level") is None:
        return int(tag[1])
    return _int(el.get("aria-level"), 2)


def _options(select: Any, revealing: bool = False) -> tuple[str, ...]:
    out = []
    for option in select.iter("option"):
        # A disabled option (a « Sélectionner » placeholder, a choice no longer offered) cannot be chosen.
        if _hidden_here(option, revealing) or option.get("disabled") is not None:
            continue
        group = option.getparent()
        if group is not None and group.tag == "optgroup" and group.get("disabled") is not None:
            continue
        text = normalize_space(option.get("label") or "".join(option.itertext()))
        if text:
            out.append(text)
    return tuple(out)
