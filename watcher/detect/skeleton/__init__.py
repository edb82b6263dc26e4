"""The interface skeleton of a page: what a person clicks, fills in or finds their way by.

Roles follow HTML-AAM (how browsers map HTML to ARIA roles) and names follow accname 1.2
(how browsers compute accessible names), so the skeleton is what a screen reader would announce,
not what the HTML source happens to look like. A captured page (annotated DOM version 3) carries
Chromium's own roles and names (capture/axnames.py), which the skeleton takes where they are; the
computation here names raw HTML files and what capture did not mark. Ids, classes, attribute order, scripts, styles and
body text outside interactive elements never reach the skeleton, which is what makes the structural
diff immune to that noise by construction.

One module per concern, lowest first (each imports only the ones before it):
- `model`: `Element`, `Skeleton` (skeleton.json, `SKELETON_VERSION`), role families;
- `targets`: link targets compared across loads (`normalize_target`, `target_key`, `is_destination`);
- `dom`: parsing as a browser nests, ignored selectors, what hides a node by itself;
- `roles`: WAI-ARIA / HTML-AAM roles and the state a person sees on a control;
- `names`: accname 1.2 names in their tree (shadow roots, slots, frames), generated ids masked;
- `extract`: the walk (`extract_skeleton`): places (landmarks, groups, dialogs), revealable content, repeats;
- `listing`: the readable listing for coordinators (`render_skeleton_text`).
This package re-exports the names other packages use, so `from watcher.detect.skeleton import X` keeps working.
"""

from __future__ import annotations

from watcher.detect.selectors import compile_selectors
from watcher.detect.skeleton.dom import MAX_DEPTH, normalize_space, parse_box, parse_html
from watcher.detect.skeleton.extract import extract_skeleton
from watcher.detect.skeleton.listing import render_skeleton_text
from watcher.detect.skeleton.model import (
    ACTION_ROLES,
    FIELD_ROLES,
    INTERACTIVE_ROLES,
    LANDMARK_ROLES,
    READS_ALL,
    READS_AX,
    SKELETON_ROLES,
    SKELETON_VERSION,
    Element,
    Skeleton,
)
from watcher.detect.skeleton.roles import SECTIONING, SECTIONING_ROLES
from watcher.detect.skeleton.targets import is_destination, normalize_target, target_host, target_key

__all__ = [
    "ACTION_ROLES",
    "FIELD_ROLES",
    "INTERACTIVE_ROLES",
    "LANDMARK_ROLES",
    "MAX_DEPTH",
    "READS_ALL",
    "READS_AX",
    "SECTIONING",
    "SECTIONING_ROLES",
    "SKELETON_ROLES",
    "SKELETON_VERSION",
    "Element",
    "Skeleton",
    "compile_selectors",
    "extract_skeleton",
    "is_destination",
    "normalize_space",
    "normalize_target",
    "parse_box",
    "parse_html",
    "render_skeleton_text",
    "target_host",
    "target_key",
]

# Internals the Chromium/Python agreement test (tests/test_axnames.py) reads; not public names (not in __all__).
from watcher.detect.skeleton.dom import _hard_hidden as _hard_hidden  # noqa: E402
from watcher.detect.skeleton.extract import _Walker as _Walker  # noqa: E402
from watcher.detect.skeleton.roles import _Ctx as _Ctx  # noqa: E402
from watcher.detect.skeleton.roles import _role as _role  # noqa: E402
