"""Accessible names as browsers compute them (accname 1.2, with HTML-AAM's native names: labels, alt, value,
legend), read in the right tree (shadow roots and their slots, inlined frames), with generated ids masked.
Where capture recorded Chromium's name (annotated DOM version 3), that name wins."""

from __future__ import annotations

import re
from typing import Any

from watcher.detect.skeleton.dom import (
    BLOCK_TAGS,
    FRAME_TAG,
    SKIPPED_TAGS,
    _hidden_here,
    _is_shadow_template,
    normalize_space,
)
from watcher.detect.skeleton.roles import LABELABLE, NAME_FROM_CONTENT, _Ctx, _input_type, _role

__all__ = ["DEFAULT_BUTTONS"]

# What Chromium shows on <input type=submit|reset> without a value (HTML-AAM: the button's default label, in the
# browser's language; captures run a French browser).
DEFAULT_BUTTONS = {"submit": "Envoyer", "reset": "Réinitialiser", "button": ""}


# Attributes holding identifiers (generated ids leak from them into names) and what an id token looks like.
_ID_ATTRIBUTES = ("id", "for", "name", "aria-controls", "aria-labelledby", "aria-describedby", "aria-owns",
                  "aria-activedescendant", "headers", "form", "list")


_ID_TOKEN_HINT = re.compile(r"\d")


_ID_LIKE = re.compile(r"^(?:(?=(?:\D*\d){4})[\d_-]+|(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_-]{3,})$")


_ID_SPLIT = re.compile(r"[^A-Za-z0-9_-]+")


_TOKEN_EDGES = "()[]{}«»\"'.,;:!?#"


def _labels_this(label: Any, control: Any) -> bool:
    """A label without for= labels its first labelable descendant; with for=, only that id."""
    target = label.get("for")
    if target:
        return bool(control.get("id") == target)
    first = next((d for d in label.iterdescendants(*LABELABLE) if _input_type(d) != "hidden"), None)
    return first is control


def _aria_label(el: Any, walker: _Names) -> str:
    return walker._labelledby(el) or normalize_space(el.get("aria-label", ""))


class _Names:
    """Accessible names of one document (accname 1.2), and the trees they are read in: ids per tree (a shadow
    root or an inlined frame has its own), shadow roots' slots, labels. Where capture recorded Chromium's role
    and name (annotated DOM version 3, `chromium`), they win; the computation here names the rest."""

    def __init__(self, root: Any, *, reveal: bool, chromium: bool) -> None:
        self.chromium = chromium  # read Chromium's roles and names where capture marked them
        # Ids are per tree: a shadow root or an inlined frame has its own (scope None: the document).
        self.scoped = reveal and (any(True for _ in root.iter(FRAME_TAG)) or any(
            _is_shadow_template(t) for t in root.iter("template")))
        self.ids: dict[tuple[Any, str], Any] = {}
        self.labels_for: dict[tuple[Any, str], list[Any]] = {}
        self._id_values: list[str] = []  # values of identifier attributes, to mask generated ids in names
        self._ids: set[str] | None = None
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            el_id = el.get("id")
            if el_id:
                self.ids.setdefault((self._scope(el), el_id), el)
            self._id_values.extend(v for a in _ID_ATTRIBUTES if (v := el.get(a)))
            if el.tag == "label" and el.get("for"):
                self.labels_for.setdefault((self._scope(el), el.get("for")), []).append(el)
        self.shadow: dict[Any, Any] = {}  # host -> its shadow root's <template>
        self.slotted: dict[Any, list[Any]] = {}  # <slot> -> the host's nodes (elements and strings) shown there
        if self.scoped:
            self._assign_slots(root)
        self.revealing = False  # names are computed inside revealed content: hidden-by-ancestor marks don't count

    # --- trees: shadow roots, frames, ids ---------------------------------------------------------

    def _scope(self, el: Any) -> Any:
        """The shadow root <template> or <watcher-frame> whose tree holds `el`; None for the document."""
        if not self.scoped:
            return None
        for parent in el.iterancestors():
            if parent.tag == FRAME_TAG or _is_shadow_template(parent):
                return parent
        return None

    def by_id(self, ref_id: str, near: Any) -> Any:
        """The element with id `ref_id` in the same tree as `near` (None when there is none)."""
        return self.ids.get((self._scope(near), ref_id))

    def _assign_slots(self, root: Any) -> None:
        """Slot assignment (DOM Standard "assign slottables"): a host's child with slot="x" is shown at the first
        <slot name="x"> of its shadow tree, other children and text at the first unnamed slot; the rest is not
        rendered. A slot with nothing assigned shows its own content (fallback)."""
        for template in root.iter("template"):
            host = template.getparent()
            if not _is_shadow_template(template) or host is None or host in self.shadow:
                continue
            self.shadow[host] = template
            slots: dict[str, Any] = {}
            stack = list(template)
            while stack:
                node = stack.pop(0)
                if not isinstance(node.tag, str) or _is_shadow_template(node):
                    continue  # a nested shadow tree has its own slots
                if node.tag == "slot":
                    slots.setdefault(node.get("name", "").strip(), node)
                stack[:0] = list(node)
            assigned: dict[Any, list[Any]] = {slot: [] for slot in slots.values()}
            default = slots.get("")
            if default is not None and host.text:
                assigned[default].append(host.text)
            for child in host:
                if child is template or not isinstance(child.tag, str):
                    pass
                else:
                    slot = slots.get(child.get("slot", "").strip()) if child.get("slot") else default
                    if slot is not None:
                        assigned[slot].append(child)
                if child.tail and default is not None:
                    assigned[default].append(child.tail)
            for slot, nodes in assigned.items():
                if nodes:
                    self.slotted[slot] = nodes

    def _nodes(self, el: Any) -> list[Any]:
        """What is rendered inside `el`, in order (elements and strings): the flat tree of shadow DOM."""
        template = self.shadow.get(el)
        if template is not None:
            return self._nodes(template)
        slotted = self.slotted.get(el)
        if slotted is not None:
            return slotted
        nodes: list[Any] = [el.text] if el.text else []
        for child in el:
            if not _is_shadow_template(child):
                nodes.append(child)
            if child.tail:
                nodes.append(child.tail)
        return nodes

    # --- accessible names (accname 1.2) -----------------------------------------------------------

    def _role_of(self, el: Any, tag: str, ctx: _Ctx) -> str | None:
        """Chromium's role where capture marked it, else the role HTML-AAM gives (`_role`)."""
        if self.chromium:
            marked = el.get("data-watcher-ax-role")
            if marked:
                return str(marked)
        return _role(el, tag, ctx)

    def _name_of(self, el: Any, role: str) -> str:
        """Chromium's name where capture marked it for this role, else the name accname 1.2 gives."""
        if self.chromium and el.get("data-watcher-ax-role") == role:
            marked = el.get("data-watcher-ax-name")
            if marked is not None:
                return normalize_space(marked)
        return normalize_space(self._name(el, el.tag, role))

    def _name(self, el: Any, tag: str, role: str) -> str:
        by_ref = self._labelledby(el)
        if by_ref:
            return by_ref
        label = el.get("aria-label", "").strip()
        if label:
            return str(label)
        native = self._native_name(el, tag)
        if native.strip():
            return native
        if role in NAME_FROM_CONTENT or tag == "summary":
            text = self._content(el, allow_hidden=False, in_labelledby=False)
            if text.strip():
                return text
        return str(el.get("title", ""))

    def _labelledby(self, el: Any, allow_hidden: bool = False) -> str:
        ids = el.get("aria-labelledby", "").split()
        parts = []
        for ref_id in ids:
            ref = self.by_id(ref_id, el)
            if ref is el and el.get("aria-label", "").strip():
                # accname 1.2 2C/2E: a control naming itself is no control embedded in another widget's label:
                # its aria-label counts (« Valeur minimale » + the label of a double range slider).
                parts.append(el.get("aria-label", ""))
            elif ref is not None:
                # accname 2B: a hidden node referenced by aria-labelledby still gives its text.
                parts.append(self._alt(ref, allow_hidden=allow_hidden or _hidden_here(ref, self.revealing),
                                       in_labelledby=True))
        return normalize_space(" ".join(parts))

    def _native_name(self, el: Any, tag: str) -> str:
        if tag == "input":
            return self._input_name(el)
        if tag in ("select", "textarea"):
            return self._label_text(el) or el.get("placeholder", "")
        if tag in ("img", "area"):
            return str(el.get("alt", ""))
        if tag == "fieldset":
            return self._legend(el)
        if tag == "button":
            return self._label_text(el)
        return ""

    def _input_name(self, el: Any) -> str:
        kind = _input_type(el)
        labelled = self._label_text(el)
        if labelled:
            return labelled
        if kind in ("submit", "reset", "button"):
            return el.get("value") or DEFAULT_BUTTONS.get(kind, "")
        if kind == "image":
            return el.get("alt") or el.get("value") or DEFAULT_BUTTONS["submit"]
        return str(el.get("placeholder", ""))

    def _label_text(self, el: Any) -> str:
        """Text of the <label>s of a form control: label[for=id] and a wrapping label."""
        # HTML: label[for] labels the first element of its tree with that id (a repeated id labels it alone)
        el_id = el.get("id")
        labels = list(self.labels_for.get((self._scope(el), el_id), ())) if el_id and self.by_id(el_id, el) is el else []
        wrapping = next((a for a in el.iterancestors("label")), None)
        if wrapping is not None and wrapping not in labels and _labels_this(wrapping, el):
            labels.insert(0, wrapping)
        parts = [self._content(lab, allow_hidden=False, in_labelledby=False, skip=el) for lab in labels
                 if not _hidden_here(lab, self.revealing)]
        return normalize_space(" ".join(parts))

    def _alt(self, el: Any, *, allow_hidden: bool, in_labelledby: bool, skip: Any = None) -> str:
        """The text alternative of a node met while computing another node's name (accname step 2, recursion)."""
        tag = el.tag
        if not isinstance(tag, str) or tag in SKIPPED_TAGS or el is skip:
            return ""
        if not allow_hidden and _hidden_here(el, self.revealing):
            return ""
        if not in_labelledby:
            by_ref = self._labelledby(el, allow_hidden)
            if by_ref:
                return by_ref
        label = el.get("aria-label", "").strip()
        if label and tag not in ("input", "select", "textarea"):
            return str(label)
        if tag in ("img", "area"):
            return str(el.get("alt") or el.get("title", ""))
        if tag == "input":
            return self._embedded_input(el)
        if tag in ("select", "textarea"):
            return ""  # embedded controls would bring a person's input into the name
        if tag == "svg":
            title = el.find("title")
            return normalize_space("".join(title.itertext())) if title is not None else ""
        if tag == "br":
            return " "
        text = self._content(el, allow_hidden=allow_hidden, in_labelledby=in_labelledby, skip=skip)
        return text if text.strip() else el.get("title", "")

    def _embedded_input(self, el: Any) -> str:
        kind = _input_type(el)
        if kind in ("submit", "reset", "button"):
            return el.get("value") or DEFAULT_BUTTONS.get(kind, "")
        if kind == "image":
            return str(el.get("alt", ""))
        return ""

    def _content(self, el: Any, *, allow_hidden: bool, in_labelledby: bool, skip: Any = None) -> str:
        """Name from content: text nodes and the text alternatives of child elements, in order."""
        if self.shadow and (el in self.shadow or el in self.slotted or el.tag == "slot"):
            nodes = self._nodes(el)
        else:
            nodes = [el.text or ""]
            for child in el:
                nodes.append(child)
                nodes.append(child.tail or "")
        parts = []
        for node in nodes:
            if isinstance(node, str):
                parts.append(node)
            elif isinstance(node.tag, str):
                text = self._alt(node, allow_hidden=allow_hidden, in_labelledby=in_labelledby, skip=skip)
                # Block-level children are separate words on screen; inline ones run together.
                parts.append(f" {text} " if node.tag in BLOCK_TAGS else text)
        return "".join(parts)

    def _legend(self, fieldset: Any) -> str:
        for child in fieldset:
            if child.tag == "legend":
                return normalize_space(self._content(child, allow_hidden=False, in_labelledby=False))
        return ""

    # --- generated ids in names ------------------------------------------------------------------

    def _mask_ids(self, name: str, el: Any) -> str:
        """A name with the generated ids it embeds replaced by "…" (id-like tokens only).

        Masked: a token equal to the element's own id, or an id-like token (letters and digits, or 4+ digits)
        that the page also uses as an identifier (an id, for, name or aria reference, whole or as a
        hyphen-joined part): CMSs label untitled entries « Rubrique r-8c41e2 » from such ids, which are
        regenerated between two loads. Link targets are not identifiers here: a number in an address is
        a destination (« Rapport 2024 » → /rapport-2024.pdf), its change is a target change.
        """
        if not name or not _ID_TOKEN_HINT.search(name):
            return name
        own = el.get("id") or ""
        words = name.split(" ")
        changed = False
        for k, word in enumerate(words):
            token = word.strip(_TOKEN_EDGES)
            if len(token) < 3 or not _ID_TOKEN_HINT.search(token):
                continue
            if token == own or (_ID_LIKE.match(token) and token in self._identifiers()):
                words[k] = word.replace(token, "…")
                changed = True
        return " ".join(words) if changed else name

    def _identifiers(self) -> set[str]:
        """The pieces of every identifier attribute value of the page, split at punctuation, with each
        run of hyphen- or underscore-joined parts ("r-8c41e2" in "r-8c41e2-desc"); built on first need."""
        if self._ids is None:
            self._ids = set()
            for value in self._id_values:
                for piece in _ID_SPLIT.split(value):
                    if not _ID_TOKEN_HINT.search(piece):
                        continue
                    parts = re.split(r"([-_])", piece)[::2]
                    if len(parts) > 6:
                        self._ids.add(piece)
                        continue
                    for i in range(len(parts)):
                        for j in range(i + 1, len(parts) + 1):
                            self._ids.add("-".join(parts[i:j]))
                            self._ids.add("_".join(parts[i:j]))
        return self._ids
