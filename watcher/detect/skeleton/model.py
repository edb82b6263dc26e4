"""The skeleton's data: `Element` (one thing a person clicks, fills in or orients by), `Skeleton` (a page's
elements in document order, as stored in skeleton.json, version `SKELETON_VERSION`) and the role families
(landmarks, fields, actions) the rest of the package and the diffs sort elements by."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["ACTION_ROLES", "Element", "FIELD_ROLES", "INTERACTIVE_ROLES", "LANDMARK_ROLES", "READS_ALL", "READS_AX", "SKELETON_ROLES", "SKELETON_VERSION", "Skeleton"]

LANDMARK_ROLES = frozenset(
    {"banner", "navigation", "main", "contentinfo", "form", "search", "region", "complementary"}
)


FIELD_ROLES = frozenset(
    {"textbox", "searchbox", "spinbutton", "combobox", "listbox", "checkbox", "radio", "switch", "slider"}
)


ACTION_ROLES = frozenset(
    {"link", "button", "menuitem", "menuitemcheckbox", "menuitemradio", "tab", "option", "treeitem"}
)


INTERACTIVE_ROLES = FIELD_ROLES | ACTION_ROLES


SKELETON_ROLES = INTERACTIVE_ROLES | LANDMARK_ROLES | {"heading"}


# Version of skeleton.json. 2: `reads` (what the extraction read, see Skeleton); 3: generated ids masked in
# names, unnamed forms listed for their destination, in_form / expands / name_unseen / badge / shown recorded.
# A stored skeleton of an older version is rebuilt from its snapshot's dom.html before comparing
# (watcher.service.check.load_skeleton), so that names compare alike.
SKELETON_VERSION = 3


# What an extraction reads: 1, the page's own DOM; 2, also iframes' documents, open shadow roots and
# revealable content (annotated DOM version 2, docs/architecture.md); 3, also Chromium's computed roles and
# accessible names recorded by capture (annotated DOM version 3, data-watcher-ax-role / data-watcher-ax-name).
READS_ALL = 2


READS_AX = 3


@dataclass(frozen=True)
class Element:
    """One thing a person interacts with or orients by: a link, a button, a field, a heading, a landmark."""

    role: str
    name: str
    landmark: str
    order: int
    level: int | None = None
    control: str | None = None
    required: bool = False
    disabled: bool = False
    checked: bool | None = None
    options: tuple[str, ...] = ()
    target: str | None = None
    box: tuple[int, int, int, int] | None = None
    context: str = ""
    # Which repeated block (≥3 same-shape siblings: a menu, a news list, a carousel) holds the element,
    # which item of it, and whether its items are "cards" (more than one link, images, loose text).
    repeat: str = ""
    repeat_item: int = -1
    repeat_rich: bool = False
    # Name of the dialog (cookie banner, modal) holding the element; "" outside dialogs.
    dialog: str = ""
    # Hidden until a control is used (a menu button, a disclosure, a <summary>): that control's (role, name).
    # None for what is shown without doing anything. JSON: {"role": ..., "name": ...}.
    revealed_by: tuple[str, str] | None = None
    # Inside a form (<form>, role form or search) that is not the wrapper of a whole page (a form holding
    # the page's header, menu, main content or footer, as ASP.NET pages do): where a person answers and submits.
    in_form: bool = False
    # A disclosure control (aria-expanded): it shows or hides content, it does not act or answer.
    expands: bool = False
    # The name is no text shown on screen (an icon's aria-label, a logo's alt, a title): renaming it
    # changes nothing a sighted person sees.
    name_unseen: bool = False
    # Text of badges inside the name (« Nouveauté », « 3 messages non lus »: an element styled as a badge,
    # tag, pill or counter): status that changes while the control stays the same.
    badge: str = ""
    # The words shown on screen, when they differ from the name (the name adds an icon's title or text for
    # screen readers only); "" when they are the name or when nothing is shown (see name_unseen).
    shown: str = ""

    def to_json(self) -> dict[str, Any]:
        """Only the fields that differ from their default, to keep skeleton.json small."""
        out: dict[str, Any] = {"role": self.role, "name": self.name, "landmark": self.landmark, "order": self.order}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in out and value != f.default:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        if self.revealed_by is not None:
            out["revealed_by"] = {"role": self.revealed_by[0], "name": self.revealed_by[1]}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Element:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("options") is not None:
            values["options"] = tuple(values["options"])
        if values.get("box") is not None:
            x, y, w, h = (int(v) for v in values["box"])
            values["box"] = (x, y, w, h)
        revealed = values.get("revealed_by")
        if isinstance(revealed, dict):
            values["revealed_by"] = (str(revealed.get("role", "")), str(revealed.get("name", "")))
        elif revealed is not None:
            values["revealed_by"] = (str(revealed[0]), str(revealed[1]))
        return cls(**values)


@dataclass
class Skeleton:
    """The interface of one page, in document order.

    `reads`: what the extraction read. 1: the page's own DOM; 2 (READS_ALL): also iframes' documents,
    open shadow roots and revealable content (annotated DOM version 2, docs/architecture.md); 3 (READS_AX): also
    Chromium's roles and accessible names, where capture recorded them (annotated DOM version 3).
    """

    url: str | None
    elements: list[Element] = field(default_factory=list)
    reads: int = READS_ALL

    def to_json(self) -> dict[str, Any]:
        return {"version": SKELETON_VERSION, "reads": self.reads, "url": self.url,
                "elements": [e.to_json() for e in self.elements]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Skeleton:
        return cls(url=data.get("url"), elements=[Element.from_json(e) for e in data["elements"]],
                   reads=int(data.get("reads", 1)))
