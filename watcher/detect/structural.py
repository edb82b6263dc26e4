"""Compares two interface skeletons and names what changed for a person following the page.

Matching works in four passes, from the surest evidence to the weakest:
1. sequence alignment of (role family, normalised name, landmark): the stable anchors, in order;
2. the same role and name elsewhere: the element moved (another landmark, group or place in its menu);
3. renames: between the same two anchors (the same "gap"), or with the same link target, the same role
   family, similar names first;
4. whatever is left was removed or added.
Changes inside a repeated block whose items mostly change together (news cards, carousels) are marked
as noise, by structure rather than by words; a single entry changing in a stable menu is not.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import NamedTuple

from watcher.detect.changes import Change, Kind, Severity
from watcher.detect.skeleton import (
    ACTION_ROLES,
    FIELD_ROLES,
    LANDMARK_ROLES,
    Element,
    Skeleton,
    is_destination,
    target_host,
    target_key,
)
from watcher.detect.skeleton.targets import MEMO_SIZE

__all__ = ["diff_skeletons", "similarity"]

_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
# Pairs to score by name similarity alone when nothing else links them; beyond this, pages are
# too different for fuzzy matching to mean anything and it would only cost time.
MAX_FUZZY_PAIRS = 1_000
# In a big gap (a whole news list replaced), only neighbours by position are rename candidates.
GAP_PAIRS = 400
GAP_REACH = 3
# Controls a person uses the same way: a text box that becomes an e-mail box is still typed into.
_CONTROL_FAMILY = {
    "text": "text", "email": "text", "tel": "text", "url": "text", "password": "text", "search": "text",
    "textarea": "text", "date": "date", "datetime-local": "date", "month": "date", "week": "date",
}


_MONTHS = (r"(?:janv(?:ier)?|f[ée]vr(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|ao[uû]t|sept(?:embre)?|"
           r"oct(?:obre)?|nov(?:embre)?|d[ée]c(?:embre)?|january|february|march|april|may|june|july|august|"
           r"september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|dec)\.?")
_WEEKDAYS = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|" \
    r"saturday|sunday|lun|mar|mer|jeu|ven|sam|dim|mon|tue|wed|thu|fri|sat|sun)\.?,?"
_UNITS_FR = r"(?:s|sec|secondes?|mn|min|minutes?|h|heures?|j|jours?|sem|semaines?|mois|ans?|années?)"
_UNITS_EN = r"(?:s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|mo|months?|y|yrs?|years?)"
# Dates and times, absolute or relative, as they appear in names: « il y a 3 min », « hier », « 12 mars 2025 »,
# « 10 h 30 », « 2025-03-12 », "3 hours ago", "yesterday". They change between two loads, not the interface.
_DATES = re.compile(
    "|".join((
        rf"\b(?:{_WEEKDAYS} )?\d{{1,2}}(?:er|st|nd|rd|th)? {_MONTHS}(?: \d{{4}})?",
        rf"\b(?:{_WEEKDAYS} )?{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?\b",
        rf"\b{_MONTHS} \d{{4}}\b",
        rf"\b{_WEEKDAYS}(?= (?:[àa] )?\d{{1,2}}(?::\d| ?h\b))",
        r"\b\d{4}-\d{2}-\d{2}(?:t\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:z|[+-]\d{2}:?\d{2})?)?\b",
        r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b",
        r"(?:\b[àa] )?\b\d{1,2} ?h(?: ?\d{2})?\b",
        r"(?:\b[àa] )?\b\d{1,2}:\d{2}(?::\d{2})?(?: ?[ap]\.?m\.?)?",
        rf"\bil y a (?:\d+|une?|quelques) ?{_UNITS_FR}\b",
        rf"\b(?:\d+|an?|a few) ?{_UNITS_EN} ago\b",
        r"\b(?:avant-hier|hier|aujourd['’]hui|demain|à l['’]instant|just now|yesterday|today|tomorrow)\b",
    )),
    re.I,
)
_DATE_WORD = " qdateq "
_DATE_RUN = re.compile(r"(?:\s*\bqdateq\b[\s,]*)+")  # « hier à 18 h 30 »: one date, however written


@functools.lru_cache(maxsize=MEMO_SIZE)  # see skeleton/targets.py
def name_key(name: str) -> str:
    """A name as compared: case, punctuation and spacing do not make a different button, and dates and
    times in it (absolute or relative) are masked: they change between two loads, not the interface."""
    folded = name.casefold()
    if any(c.isdigit() for c in folded) or _DATE_HINT.search(folded):
        folded = _DATE_RUN.sub(_DATE_WORD, _DATES.sub(_DATE_WORD, folded))
    return " ".join(_NON_WORD.sub(" ", folded).split())


_DATE_HINT = re.compile(r"hier|aujourd|demain|instant|just now|yesterday|today|tomorrow")


def _family(role: str) -> str:
    """Links, buttons, menu items and tabs are all "things to click": swapping one for another is no change."""
    return "action" if role in ACTION_ROLES and role != "option" else role


def _key(el: Element) -> tuple[str, str, str]:
    return (_family(el.role), name_key(el.name), el.landmark)


@dataclass
class _Matching:
    pairs: list[tuple[int, int]] = field(default_factory=list)
    anchors: list[tuple[int, int]] = field(default_factory=list)
    displaced: set[tuple[int, int]] = field(default_factory=set)
    removed: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)


def diff_skeletons(before: Skeleton, after: Skeleton) -> list[Change]:
    """The typed interface changes from one skeleton to the next, in page order."""
    a, b = before.elements, after.elements
    matching = _match(a, b)
    sides = _Sides.build(a, b, before.url, after.url)
    changes: list[tuple[float, Change]] = []
    position = _Positions(matching.anchors, len(b))
    for i, j in matching.pairs:
        for change in _pair_changes(a[i], b[j], sides, (i, j) in matching.displaced):
            changes.append((position.after(j), change))
    changes += [(position.before(i), _make(Kind.REMOVED, a[i], None, sides.page_a)) for i in matching.removed]
    changes += [(position.after(j), _make(Kind.ADDED, None, b[j], sides.page_b, sides.page_a))
                for j in matching.added]
    changes.sort(key=lambda item: item[0])
    ordered = [change for _, change in changes]
    return _downgrade_dialogs(_mark_noise(ordered, a, b, matching.pairs), a, b)


# --- matching ----------------------------------------------------------------------------------------


def _match(a: list[Element], b: list[Element]) -> _Matching:
    out = _Matching()
    matcher = SequenceMatcher(None, [_key(e) for e in a], [_key(e) for e in b], autojunk=False)
    for block in matcher.get_matching_blocks():
        out.anchors.extend((block.a + k, block.b + k) for k in range(block.size))
    out.anchors = _unpin_homonyms(out.anchors, a, b)
    free_a = sorted(set(range(len(a))) - {i for i, _ in out.anchors})
    free_b = sorted(set(range(len(b))) - {j for _, j in out.anchors})
    moved = _pair_same_name(free_a, free_b, a, b)
    homonyms = Counter(_key(a[i]) for i in free_a) + Counter(_key(b[j]) for j in free_b)
    # A homonym paired by target (a rotating list) did not move: its neighbours changed.
    out.displaced = {(i, j) for i, j in moved if homonyms[_key(a[i])] <= 2}
    free_a = [i for i in free_a if i not in {p[0] for p in moved}]
    free_b = [j for j in free_b if j not in {p[1] for p in moved}]
    renamed = _pair_renames(free_a, free_b, a, b, out.anchors)
    out.pairs = sorted(out.anchors + moved + renamed)
    out.removed = [i for i in free_a if i not in {p[0] for p in renamed}]
    out.added = [j for j in free_b if j not in {p[1] for p in renamed}]
    return out


def _unpin_homonyms(anchors: list[tuple[int, int]], a: list[Element], b: list[Element]) -> list[tuple[int, int]]:
    """Alignment pairs homonyms by order alone; when a repeated name ("En savoir plus", two news items
    with the same title) was aligned with an element leading elsewhere while its own target is still there,
    those anchors are released so that homonyms are paired by target first, then by position."""
    count_a = Counter(_key(e) for e in a)
    count_b = Counter(_key(e) for e in b)
    targets_a: dict[tuple[str, str, str], set[str | None]] = defaultdict(set)
    targets_b: dict[tuple[str, str, str], set[str | None]] = defaultdict(set)
    for e in a:
        if count_a[_key(e)] > 1 or count_b[_key(e)] > 1:
            targets_a[_key(e)].add(target_key(e.target))
    for e in b:
        if count_a[_key(e)] > 1 or count_b[_key(e)] > 1:
            targets_b[_key(e)].add(target_key(e.target))
    wrong: set[tuple[str, str, str]] = set()
    for i, j in anchors:
        key = _key(a[i])
        if key not in targets_a:
            continue
        ta, tb = target_key(a[i].target), target_key(b[j].target)
        if ta != tb and (ta in targets_b[key] or tb in targets_a[key]):
            wrong.add(key)
    if not wrong:
        return anchors
    return [(i, j) for i, j in anchors if _key(a[i]) not in wrong]


def _pair_same_name(free_a: list[int], free_b: list[int], a: list[Element], b: list[Element]) -> list[tuple[int, int]]:
    """Out-of-order elements with the same role and name: the same element, found elsewhere.

    Among homonyms ("En savoir plus"), the one leading to the same place is the same link; the others
    are paired in page order.
    """
    buckets: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j in free_b:
        buckets[(_family(b[j].role), name_key(b[j].name))].append(j)
    pairs: list[tuple[int, int]] = []
    rest: list[int] = []
    for i in free_a:
        bucket = buckets.get((_family(a[i].role), name_key(a[i].name)))
        if not bucket:
            continue
        same = next((j for j in bucket if _same_target(b[j], a[i])), None)
        if same is None:
            rest.append(i)
            continue
        bucket.remove(same)
        pairs.append((i, same))
    for i in rest:
        bucket = buckets.get((_family(a[i].role), name_key(a[i].name)))
        if bucket:
            pairs.append((i, bucket.pop(0)))
    return sorted(pairs)


def _same_target(x: Element, y: Element) -> bool:
    return target_key(x.target) == target_key(y.target)


def _pair_renames(free_a: list[int], free_b: list[int], a: list[Element], b: list[Element],
                  anchors: list[tuple[int, int]]) -> list[tuple[int, int]]:
    gaps = _Gaps(anchors, free_a, free_b, a, b)
    scored = []
    for i, j in _candidates(free_a, free_b, a, b, gaps):
        score = _rename_score(a[i], b[j], gaps.same_gap(i, j), gaps.one_to_one(i, j))
        if score is not None:
            scored.append((-score, gaps.offset(i, j), i, j))
    scored.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for _, _, i, j in scored:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j))
    return pairs


class _Gaps:
    """Where unmatched elements sit between two anchors; the same gap on both sides is the same place."""

    def __init__(self, anchors: list[tuple[int, int]], free_a: list[int], free_b: list[int],
                 a: list[Element], b: list[Element]) -> None:
        self.anchor_a = [i for i, _ in anchors]
        self.anchor_b = [j for _, j in anchors]
        self.gap_a = {i: bisect_right(self.anchor_a, i) for i in free_a}
        self.gap_b = {j: bisect_right(self.anchor_b, j) for j in free_b}
        self.count_a = Counter((g, _family(a[i].role)) for i, g in self.gap_a.items())
        self.count_b = Counter((g, _family(b[j].role)) for j, g in self.gap_b.items())
        self.family_a = {i: _family(a[i].role) for i in free_a}

    def same_gap(self, i: int, j: int) -> bool:
        return self.gap_a[i] == self.gap_b[j]

    def one_to_one(self, i: int, j: int) -> bool:
        key = (self.gap_a[i], self.family_a[i])
        return self.same_gap(i, j) and self.count_a[key] == 1 and self.count_b[key] == 1

    def offset(self, i: int, j: int) -> int:
        """How far apart two elements sit within their gaps: closer pairs are preferred."""
        gi, gj = self.gap_a[i], self.gap_b[j]
        start_a = self.anchor_a[gi - 1] if gi else -1
        start_b = self.anchor_b[gj - 1] if gj else -1
        return abs((i - start_a) - (j - start_b))


def _candidates(free_a: list[int], free_b: list[int], a: list[Element], b: list[Element],
                gaps: _Gaps) -> set[tuple[int, int]]:
    gap_a: dict[int, list[int]] = defaultdict(list)
    gap_b: dict[int, list[int]] = defaultdict(list)
    by_target: dict[str, list[int]] = defaultdict(list)
    for i in free_a:
        gap_a[gaps.gap_a[i]].append(i)
    for j in free_b:
        gap_b[gaps.gap_b[j]].append(j)
        if _meaningful_target(b[j].target):
            by_target[target_key(b[j].target) or ""].append(j)
    found: set[tuple[int, int]] = set()
    for gap, members_a in gap_a.items():
        found.update(_gap_pairs(members_a, gap_b.get(gap, [])))
    for i in free_a:
        if _meaningful_target(a[i].target):
            found.update((i, j) for j in by_target[target_key(a[i].target) or ""])
    if len(free_a) * len(free_b) <= MAX_FUZZY_PAIRS:
        found.update((i, j) for i in free_a for j in free_b
                     if a[i].landmark == b[j].landmark and gaps.gap_a[i] != gaps.gap_b[j])
    return found


def _gap_pairs(members_a: list[int], members_b: list[int]) -> Iterator[tuple[int, int]]:
    if len(members_a) * len(members_b) <= GAP_PAIRS:
        yield from ((i, j) for i in members_a for j in members_b)
        return
    for pos, i in enumerate(members_a):
        for j in members_b[max(0, pos - GAP_REACH): pos + GAP_REACH + 1]:
            yield (i, j)


def _meaningful_target(target: str | None) -> bool:
    return is_destination(target)


def _rename_score(x: Element, y: Element, same_gap: bool, one_to_one: bool) -> float | None:
    """How likely y is x renamed; None when it cannot be."""
    if _family(x.role) != _family(y.role) or (x.role in LANDMARK_ROLES and x.role != y.role):
        return None
    same_target = _meaningful_target(x.target) and _same_target(x, y)
    if x.landmark != y.landmark and not same_target:
        return None
    sim = similarity(x.name, y.name, floor=0.0 if same_gap or same_target else 0.75)
    leads_elsewhere = bool(x.target and y.target and not _same_target(x, y))
    likely = same_target or sim >= 0.75 or (same_gap and (one_to_one or sim >= 0.3 or not leads_elsewhere))
    if not likely:
        return None
    return sim + (1.0 if same_gap else 0.0) + (0.6 if same_target else 0.0) + (0.2 if x.context == y.context else 0.0)


def similarity(a: str, b: str, floor: float = 0.0) -> float:
    """Name similarity in [0, 1]: the better of character overlap and shared words.

    Below ``floor`` the exact figure does not matter, so cheap upper bounds may cut the work short.
    """
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 1.0 if ka == kb else 0.0
    wa, wb = set(ka.split()), set(kb.split())
    words = len(wa & wb) / len(wa | wb)
    chars = SequenceMatcher(None, ka, kb, autojunk=False)
    if max(words, chars.real_quick_ratio()) < floor or max(words, chars.quick_ratio()) < floor:
        return words
    return max(words, chars.ratio())


# --- typed changes of a matched pair -----------------------------------------------------------------


@dataclass
class _Sides:
    """What exists on each side, to tell a real move from a region that was created or dissolved."""

    landmarks_a: set[str]
    landmarks_b: set[str]
    contexts_a: dict[str, set[str]]
    contexts_b: dict[str, set[str]]
    rank_a: dict[int, int]
    rank_b: dict[int, int]
    page_a: _Page
    page_b: _Page

    @classmethod
    def build(cls, a: list[Element], b: list[Element], url_a: str | None = None, url_b: str | None = None) -> _Sides:
        return cls(_landmarks(a), _landmarks(b), _contexts(a), _contexts(b), _ranks(a), _ranks(b),
                   _Page.of(a, url_a), _Page.of(b, url_b))


def _own_host(elements: list[Element]) -> str | None:
    """A page's host when its address is unknown (a saved file): the host most of its absolute links lead
    to, when at least three do and it has more links than any other."""
    hosts = Counter(h for e in elements if e.role == "link" and (h := target_host(e.target)))
    top = hosts.most_common(2)
    if not top or top[0][1] < 3 or (len(top) > 1 and top[1][1] == top[0][1]):
        return None
    return top[0][0]


@dataclass(frozen=True)
class _Page:
    """The layout of one side: where its task area is, where injected overlays sit, how many ways to act."""

    has_main: bool = False
    footer_end: int | None = None  # order of the last element inside the footer
    actions: int = 0  # links, buttons and fields a person can use
    host: str | None = None  # the page's own host, None when unknown (a file)

    @classmethod
    def of(cls, elements: list[Element], url: str | None = None) -> _Page:
        footer = [e.order for e in elements if "contentinfo" in e.landmark.split(" > ") or e.role == "contentinfo"]
        actions = sum(1 for e in elements if e.role in ACTION_ROLES or e.role in FIELD_ROLES)
        return cls(any(e.role == "main" for e in elements), max(footer) if footer else None, actions,
                   target_host(url) or _own_host(elements))

    def external(self, target: str | None) -> bool:
        """Whether a web target leads to another site than this page's (page address unknown: any absolute one)."""
        host = target_host(target) if is_destination(target) else None
        return host is not None and host != self.host

    def overlay(self, el: Element) -> bool:
        """Outside every landmark, after the footer: a chat bubble, a pop-up or a banner injected by a script."""
        return not el.landmark and self.footer_end is not None and el.order > self.footer_end \
            and el.role not in LANDMARK_ROLES

    def task_area(self, el: Element) -> bool:
        """Inside a form, or in the page's content: its main landmark when it has one, else anything outside
        its header, menus, footer, side boxes, dialogs and overlays."""
        if el.in_form:
            return True
        parts = el.landmark.split(" > ")
        if el.dialog or _CHROME.intersection(parts):
            return False
        return "main" in parts if self.has_main else not self.overlay(el)


def _landmarks(elements: list[Element]) -> set[str]:
    out = {e.landmark for e in elements}
    out.update(" > ".join(p for p in (e.landmark, e.role) if p) for e in elements if e.role in LANDMARK_ROLES)
    return out


def _contexts(elements: list[Element]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for e in elements:
        out[e.landmark].add(e.context)
    return out


def _ranks(elements: list[Element]) -> dict[int, int]:
    """Each element's place within its group (same landmark and context): its place in that menu."""
    seen: Counter[tuple[str, str]] = Counter()
    ranks = {}
    for e in elements:
        ranks[e.order] = seen[(e.landmark, e.context)]
        seen[(e.landmark, e.context)] += 1
    return ranks


def _pair_changes(x: Element, y: Element, sides: _Sides, displaced: bool) -> list[Change]:
    if x.role in FIELD_ROLES and _control_family(x) != _control_family(y):
        return [_make(Kind.REMOVED, x, None, sides.page_a),
                _make(Kind.ADDED, None, y, sides.page_b, sides.page_a)]  # see changes.py: control changes
    out = []
    if name_key(x.name) != name_key(y.name):
        out.append(_make(Kind.RENAMED, x, y, sides.page_b))
    if _target_changed(x, y):
        out.append(_make(Kind.TARGET_CHANGED, x, y, sides.page_b))
    if x.required != y.required and x.role in FIELD_ROLES:
        out.append(_make(Kind.REQUIRED_CHANGED, x, y, sides.page_b))
    if _moved(x, y, sides, displaced):
        out.append(_make(Kind.MOVED, x, y, sides.page_b))
    return out + _option_changes(x, y)


def _target_changed(x: Element, y: Element) -> bool:
    """Whether a link now leads elsewhere; a form only when it posts to another page, not new tokens."""
    if x.target is None or y.target is None or _same_target(x, y):
        return False
    if not is_destination(x.target) and not is_destination(y.target):
        return False  # from one non-address (#, a template placeholder) to another: still nowhere
    tx, ty = target_key(x.target) or "", target_key(y.target) or ""
    if x.role == "form":
        return _without(tx, "?") != _without(ty, "?")
    # Another anchor on the same page (often a generated id) takes the person to the same place.
    return _without(tx, "#") != _without(ty, "#")


def _without(target: str, sep: str) -> str:
    return target.split("#", 1)[0].split(sep, 1)[0]


def _control_family(el: Element) -> str | None:
    return _CONTROL_FAMILY.get(el.control or "", el.control)


def _moved(x: Element, y: Element, sides: _Sides, displaced: bool) -> bool:
    if x.role in LANDMARK_ROLES:
        return False
    if x.landmark != y.landmark:
        # A wrapper landmark that appeared or vanished moves nothing a person sees.
        return x.landmark in sides.landmarks_b and y.landmark in sides.landmarks_a
    if x.context != y.context:
        return bool(x.context and y.context) and x.context in sides.contexts_b[y.landmark] \
            and y.context in sides.contexts_a[x.landmark]
    return displaced and abs(sides.rank_a[x.order] - sides.rank_b[y.order]) >= 2


def _option_changes(x: Element, y: Element) -> list[Change]:
    """Choices added to or removed from a drop-down list, reported as elements of role "option"."""
    if not (x.options or y.options) or x.options == y.options:
        return []
    keys_x, keys_y = {name_key(o) for o in x.options}, {name_key(o) for o in y.options}
    gone = [o for o in x.options if name_key(o) not in keys_y]
    new = [o for o in y.options if name_key(o) not in keys_x]
    # Most choices replaced at once (appointment slots, dates): a dynamic list, not a new form.
    dynamic = len(gone) + len(new) >= 0.5 * (len(x.options) + len(y.options))
    out = [_make(Kind.REMOVED, _option(x, o), None) for o in gone]
    out += [_make(Kind.ADDED, None, _option(y, o)) for o in new]
    return [_as_noise(c, "dynamic-options") for c in out] if dynamic else out


def _option(select: Element, text: str) -> Element:
    return Element(role="option", name=text, landmark=select.landmark, order=select.order,
                   context=select.name, box=select.box)


# --- severity ----------------------------------------------------------------------------------------


def _make(kind: Kind, before: Element | None, after: Element | None, page: _Page | None = None,
          other: _Page | None = None) -> Change:
    """A change with its severity; ``page`` is the layout of the element's side, ``other`` the before side's."""
    el = after or before
    assert el is not None
    severity, rule = severity_rule(
        kind, before, after,
        task_area=page.task_area(el) if page else None, overlay=bool(page and page.overlay(el)),
        sparse=bool(other and other.actions < _FEW_ACTIONS),
        external=bool(page and page.external(before.target if before else None)))
    return Change(kind=kind, role=el.role, before=before, after=after, landmark=el.landmark,
                  severity=severity, rule=rule)


class Verdict(NamedTuple):
    """A change's severity and the short id of the rule that decided it (stored on the Change as `rule`)."""

    severity: Severity
    rule: str


def severity_of(kind: Kind, before: Element | None, after: Element | None) -> Verdict:
    """How much a change matters to someone following the page step by step, and which rule says so, judged
    from the elements alone (see ``severity_rule``; the diff also knows the page around them)."""
    return Verdict(*severity_rule(kind, before, after))


# Controls a person answers or presses to go on: added inside a form, they change the step taught.
_CONTROL_ROLES = FIELD_ROLES | {"button", "option"}


def severity_rule(kind: Kind, before: Element | None, after: Element | None, *, task_area: bool | None = None,
                  overlay: bool = False, sparse: bool = False, external: bool = False) -> tuple[Severity, str]:
    """The severity of one change and the short id of the rule that decided it (shown by ``explain``).

    The single place where severity is decided. Rules, first match wins:
    ``form-destination`` (a form sends elsewhere: major), ``step-count`` (a heading's step indicator
    « Étape 1 sur 3 » changes position or total: major), ``orientation`` (other landmark or heading
    changes: minor), ``link-other-host`` (a link now leads to another site: major),
    ``link-target`` (major), ``required`` (major), ``added-required-field`` (major),
    ``options-changed`` (a choice added to or removed from a list: major), ``added-control-in-form``
    (a button, field or choice added inside a form: major), ``added`` (minor), ``moved-far`` /
    ``moved-near``, ``counter`` (only numbers differ, words agreeing with them: minor),
    ``footer-link`` (minor), ``aside`` (in a side box, outside its menus and forms: minor), ``badge`` (only the text of a badge inside the name changed: minor), ``step`` (anything else a person uses to go on: major), and for noise
    ``added-menu-entry`` (a link added to a menu: major), ``in-dialog`` (a change inside a dialog shown
    over the page, cookie banner or promotion, outside a form: minor), ``unseen-name`` (a name no one
    sees on screen, a logo's alt or an icon's label, reworded: minor), ``dummy-link``, ``name-given``.
    ``icon-widget`` (a button without visible words outside every landmark and form: minor),
    ``template-key`` (a name that was or becomes an untranslated key such as ``navigation.main``: minor),
    ``page-overlay`` (outside every landmark after the footer: a chat bubble or pop-up: minor),
    ``few-actions`` (an action added to a page that had almost none, an error page: major).
    ``task_area``: the element sits in a form or the page's content (None: judged from the element alone);
    ``overlay``: it sits outside every landmark after the footer; ``sparse``: the page before had fewer
    than three links, buttons or fields; ``external``: the link leads to another site than the page's
    (``external-link-path``: a link to another site now leads to another page of that same site: minor).
    Elements are skeleton elements (``watcher.detect.skeleton.Element``); ``before``/``after`` is None on the
    side where the element does not exist.
    """
    el = after or before
    assert el is not None
    if kind == Kind.TARGET_CHANGED and el.role == "form":
        return Severity.MAJOR, "form-destination"
    if el.role == "heading" and kind == Kind.RENAMED and before and after and _step_changed(before.name, after.name):
        return Severity.MAJOR, "step-count"
    if el.role in LANDMARK_ROLES or el.role == "heading":
        return Severity.MINOR, "orientation"  # orientation, not a step
    if kind == Kind.TARGET_CHANGED and before is not None and after is not None \
            and _other_host(before.target, after.target):
        return Severity.MAJOR, "link-other-host"
    if "complementary" in el.landmark.split(" > ") and not _in_menu(el) and not el.in_form:
        return Severity.MINOR, "aside"  # supporting content beside the page's task (a promotion, a side note)
    if kind == Kind.TARGET_CHANGED:
        if _mail_domain(before) and _mail_domain(before) == _mail_domain(after):
            return Severity.MINOR, "mail-same-domain"  # another mailbox of the same service, not shown on screen
        if external and is_destination(before.target if before else None):
            # Another page of the same other site (a documentation link): that site reorganised its addresses.
            return Severity.MINOR, "external-link-path"
        return Severity.MAJOR, "link-target"
    if kind == Kind.REQUIRED_CHANGED:
        return Severity.MAJOR, "required"
    if overlay and kind in (Kind.ADDED, Kind.REMOVED, Kind.RENAMED):
        return Severity.MINOR, "page-overlay"
    if kind in (Kind.ADDED, Kind.REMOVED) and el.role == "button" and not el.in_form and not el.landmark \
            and (el.name_unseen or not name_key(el.name)):
        return Severity.MINOR, "icon-widget"  # a launcher without words outside the page's parts (a chat bubble)
    if kind == Kind.RENAMED and before and after and (_TEMPLATE_KEY.match(before.name) or _TEMPLATE_KEY.match(after.name)):
        return Severity.MINOR, "template-key"  # an i18n key shown before its text loaded
    if task_area is None:
        task_area = _in_task_area(el)
    if kind == Kind.ADDED:
        if el.role in FIELD_ROLES and el.required:
            return Severity.MAJOR, "added-required-field"
        if el.role == "option":
            return Severity.MAJOR, "options-changed"
        if el.role in _CONTROL_ROLES and not el.expands and task_area:
            return Severity.MAJOR, "added-control-in-form"
        # (Page numbers of a pagination are no entries: a list of results grew.)
        if el.role in ("link", "menuitem") and _in_menu(el) and _has_letters(el.name) and not el.dialog:
            return Severity.MAJOR, "added-menu-entry"
        if sparse and el.role in ACTION_ROLES and name_key(el.name):
            return Severity.MAJOR, "few-actions"
        return Severity.MINOR, "added"
    if kind == Kind.REMOVED and el.role == "option":
        return Severity.MAJOR, "options-changed"
    if kind in (Kind.ADDED, Kind.REMOVED) and el.role == "link" and not name_key(el.name) \
            and not is_destination(el.target):
        return Severity.MINOR, "dummy-link"  # no words, leads nowhere: « … » between page numbers
    if kind == Kind.MOVED:
        return _move_severity(before, after)
    if kind == Kind.RENAMED and before and after and _only_numbers_differ(before.name, after.name):
        return Severity.MINOR, "counter"  # counters, years, version numbers
    if kind == Kind.RENAMED and before and after and not (name_key(before.name) and name_key(after.name)):
        return Severity.MINOR, "name-given"  # a label associated (or lost): the screen shows the same text
    if kind == Kind.RENAMED and before and after and _same_target(before, after) and (
            (before.name_unseen and after.name_unseen)
            or name_key(before.shown or before.name) == name_key(after.shown or after.name)):
        return Severity.MINOR, "unseen-name"  # the words on screen are the same
    if kind == Kind.RENAMED and before and after and _only_badge_differs(before, after):
        return Severity.MINOR, "badge"  # « Nouveauté » → « Prochainement » beside the same words
    if el.dialog and not el.in_form:
        return Severity.MINOR, "in-dialog"
    if el.role == "link" and "contentinfo" in el.landmark.split(" > "):
        return Severity.MINOR, "footer-link"  # footer links are rarely a step of a procedure
    return Severity.MAJOR, "step"


# Where a page's own task sits: not its header, menus, footer or side boxes.
_CHROME = frozenset({"banner", "navigation", "contentinfo", "complementary"})


def _in_task_area(el: Element) -> bool:
    """Judged from the element alone: in a form, or outside the header, menus, footer, side boxes, dialogs."""
    return el.in_form or not (el.dialog or _CHROME.intersection(el.landmark.split(" > ")))


# An untranslated message key shown instead of its text: « navigation.main », « band_name ».
_TEMPLATE_KEY = re.compile(r"^[a-z][a-z0-9]*(?:[._][a-z0-9]+)*(?:_[a-z0-9]+|\.[a-z0-9]{4,})$")
# A page with fewer ways to act than this (an error page) gains a real one when a link appears.
_FEW_ACTIONS = 3


def _in_menu(el: Element) -> bool:
    return "navigation" in el.landmark.split(" > ") or el.role in ("menuitem", "tab")


def _only_badge_differs(x: Element, y: Element) -> bool:
    """Same target, and the words outside the badge (on the side that has one) begin the other name too."""
    if not (x.badge or y.badge) or not _same_target(x, y):
        return False
    for one, other in ((x, y), (y, x)):
        if one.badge:
            head = name_key(one.name.replace(one.badge, " "))
            if head and (name_key(other.name) + " ").startswith(head + " "):
                return True
    return False


def _has_letters(name: str) -> bool:
    return any(c.isalpha() for c in name_key(name))


def _mail_domain(el: Element | None) -> str | None:
    target = (el.target or "") if el is not None else ""
    if not target.lower().startswith("mailto:") or "@" not in target:
        return None
    return target.split("?", 1)[0].rsplit("@", 1)[1].lower()


def _other_host(a: str | None, b: str | None) -> bool:
    """Whether two web targets are on different sites (www. aside). A relative target stays on the page's
    site, so a relative target becoming an absolute one (page address unknown) counts as another host."""
    if not (is_destination(a) and is_destination(b)):
        return False
    ha, hb = target_host(a), target_host(b)
    if ha is None and hb is None:
        return False
    return ha != hb


def _move_severity(before: Element | None, after: Element | None) -> tuple[Severity, str]:
    if before is None or after is None:
        return Severity.MINOR, "moved-near"
    in_menu = "navigation" in after.landmark.split(" > ") or after.role in ("menuitem", "tab")
    if before.landmark != after.landmark or in_menu:
        return Severity.MAJOR, "moved-far"
    return Severity.MINOR, "moved-near"


_PLURAL_END = re.compile(r"(?<=\w\w)[sx]\b")
# A step indicator: a position and a total joined by a short word or a slash (« 1 sur 3 », "2 of 4", 1/3).
_STEP = re.compile(r"\b(\d{1,2}) ?(?:/|[^\W\d_]{1,4}) ?(\d{1,2})\b")


# Words a counter shows in place of a small number (French and English).
_QUANTITY_WORDS = re.compile(r"\b(?:aucune?|zéro|zero|un|une|no|none|one)\b")


def _only_numbers_differ(a: str, b: str) -> bool:
    """Only numbers differ, with the words that agree with them (« 1 message non lu » / « 3 messages non
    lus »): a counter, a year, a version number."""
    ka, kb = name_key(a), name_key(b)
    if _DIGITS.sub("0", ka) == _DIGITS.sub("0", kb):
        return True
    if _DIGITS.search(ka) or _DIGITS.search(kb):
        # a count spelled as a word on one side (« Aucun message » / « 3 messages », "No result" / "2 results")
        ka, kb = _QUANTITY_WORDS.sub("0", ka), _QUANTITY_WORDS.sub("0", kb)
    return ka != kb and _PLURAL_END.sub("", _DIGITS.sub("0", ka)) == _PLURAL_END.sub("", _DIGITS.sub("0", kb)) \
        and _DIGITS.findall(ka) != _DIGITS.findall(kb)


def _steps(name: str) -> list[tuple[int, int]]:
    text = " ".join(_DATES.sub(_DATE_WORD, name.casefold()).split())
    return [(int(p), int(t)) for p, t in _STEP.findall(text) if 0 < int(p) <= int(t)]


def _step_changed(a: str, b: str) -> bool:
    """A heading's step indicator (position and total) differs: the procedure has other steps."""
    sa, sb = _steps(a), _steps(b)
    return bool(sa) and bool(sb) and sa != sb


# --- noise: repeated blocks whose items change together ----------------------------------------------


def _as_noise(change: Change, rule: str = "repeated-block") -> Change:
    return replace(change, noise=True, severity=Severity.INFO, rule=rule)


@dataclass
class _Block:
    """One repeated block on one side: its visible items and the ones a change touched."""

    items: set[int] = field(default_factory=set)
    touched: set[int] = field(default_factory=set)
    rich: bool = False
    in_menu: bool = False


def _blocks(elements: Iterable[Element]) -> dict[str, _Block]:
    blocks: dict[str, _Block] = defaultdict(_Block)
    for e in elements:
        if e.repeat:
            block = blocks[e.repeat]
            block.items.add(e.repeat_item)
            block.rich = e.repeat_rich
            block.in_menu = block.in_menu or "navigation" in e.landmark.split(" > ")
    return blocks


def _mark_noise(changes: list[Change], a: list[Element], b: list[Element],
                pairs: list[tuple[int, int]]) -> list[Change]:
    blocks_a, blocks_b = _blocks(a), _blocks(b)
    for c in changes:
        if c.before is not None and c.before.repeat:
            blocks_a[c.before.repeat].touched.add(c.before.repeat_item)
        if c.after is not None and c.after.repeat:
            blocks_b[c.after.repeat].touched.add(c.after.repeat_item)
    twin_a = _twins(pairs, a, b, lambda i, j: (a[i].repeat, b[j].repeat))
    twin_b = _twins(pairs, a, b, lambda i, j: (b[j].repeat, a[i].repeat))
    noisy_a = {g for g, blk in blocks_a.items() if _volatile(blk, blocks_b.get(twin_a.get(g, "")))}
    noisy_b = {g for g, blk in blocks_b.items() if _volatile(blk, blocks_a.get(twin_b.get(g, "")))}
    return [_as_noise(c) if _in_noisy(c, noisy_a, noisy_b) else c for c in changes]


def _twins(pairs: list[tuple[int, int]], a: list[Element], b: list[Element],
           key: Callable[[int, int], tuple[str, str]]) -> dict[str, str]:
    """The block on the other side holding most of a block's matched elements: the same list, later."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for i, j in pairs:
        mine, theirs = key(i, j)
        if mine and theirs:
            votes[mine][theirs] += 1
    return {g: counter.most_common(1)[0][0] for g, counter in votes.items()}


def _volatile(block: _Block, twin: _Block | None) -> bool:
    if block.in_menu or not block.touched or not block.items:
        return False  # a menu is meant to be stable: any change in it matters
    ratio = len(block.touched) / len(block.items)
    if block.rich:
        return ratio >= 0.5 or (twin is not None and _shifted(block, twin))
    # A plain list (one link per item) is a feed too when items enter at one end and leave at the other.
    return (ratio >= 0.8 and len(block.touched) >= 3) or (twin is not None and _shifted(block, twin))


def _shifted(block: _Block, twin: _Block) -> bool:
    """A feed: new items in at one end, old ones out at the other."""
    ends_here, ends_there = _run_end(block), _run_end(twin)
    return ends_here is not None and ends_there is not None and ends_here != ends_there


def _run_end(block: _Block) -> str | None:
    """"start" or "end" when the touched items are one run at that end of the block."""
    order = sorted(block.items)
    positions = sorted(order.index(item) for item in block.touched if item in block.items)
    if not positions or positions != list(range(positions[0], positions[0] + len(positions))):
        return None
    if positions[0] == 0 and positions[-1] < len(order) - 1:
        return "start"
    if positions[-1] == len(order) - 1 and positions[0] > 0:
        return "end"
    return None


def _in_noisy(change: Change, noisy_a: set[str], noisy_b: set[str]) -> bool:
    if change.role in FIELD_ROLES:
        return False
    before, after = change.before, change.after
    return bool((before and before.repeat in noisy_a) or (after and after.repeat in noisy_b))


def _downgrade_dialogs(changes: list[Change], a: list[Element], b: list[Element]) -> list[Change]:
    """A whole dialog (cookie banner, modal) appearing or vanishing is minor: it depends on timing and state."""
    whole = _whole_dialogs(changes, a, Kind.REMOVED, lambda c: c.before) | \
        _whole_dialogs(changes, b, Kind.ADDED, lambda c: c.after)
    return [replace(c, severity=min(c.severity, Severity.MINOR, key=lambda s: s.rank), rule="whole-dialog")
            if id(c) in whole else c for c in changes]


def _whole_dialogs(changes: list[Change], side: list[Element], kind: Kind,
                   pick: Callable[[Change], Element | None]) -> set[int]:
    members: Counter[Hashable] = Counter(e.dialog for e in side if e.dialog)
    hit: dict[str, list[Change]] = defaultdict(list)
    for c in changes:
        el = pick(c)
        if c.kind == kind and el is not None and el.dialog and el.role != "option":
            hit[el.dialog].append(c)
    return {id(c) for d, found in hit.items() if len(found) == members[d] for c in found}


class _Positions:
    """Page positions for sorting changes: removed elements sit where their neighbours now are."""

    def __init__(self, anchors: list[tuple[int, int]], size_b: int) -> None:
        self.anchor_a = [i for i, _ in anchors]
        self.anchor_b = [j for _, j in anchors]
        self.size_b = size_b

    def after(self, j: int) -> float:
        return float(j)

    def before(self, i: int) -> float:
        g = bisect_right(self.anchor_a, i)
        return (self.anchor_b[g - 1] if g else -1) + 0.5
