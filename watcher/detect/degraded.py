"""Degraded captures: the site temporarily replaced by something that is not its interface.

A maintenance page, a virtual waiting room or queue, an overload notice, a « vérification de votre navigateur »
wall, a page still loading (« Chargement en cours »), an unrendered template (`{{ … }}`), a server error page, or a
capture whose header, menu or main content failed to render — all served with HTTP 200 — are not interface
changes. `assess` recognises them from the page itself, compared with the reference (the last good capture)
when there is one; `check.py` then records the check as `degraded` (never the reference, never an alert) and
`watcher diff` says which side is degraded.

Signals (each documented with its thresholds on the constant it uses):

- **template**: unrendered template placeholders (`{{ name }}`, `{% if %}`, `${name}`) in the visible text or
  title, outside code samples (`<code>`, `<pre>`…), more of them than in the reference. Strong alone.
- **partial**: a landmark (header, menu, main, footer…) that held at least `PARTIAL_MIN_CONTROLS` interactive
  elements is still in the page but empty (no control, almost no text), the elements it held are gone, while
  the rest of the page kept at least `PARTIAL_REST_KEPT` of its elements: a component failed to render.
  Strong alone.
- **empty**: a page with at most `EMPTY_MAX_CONTROLS` controls and at most `EMPTY_MAX_TEXT` characters of
  text replacing a reference of at least `EMPTY_MIN_REFERENCE` controls (a blank page, a lone spinner).
  Strong alone.
- A reference that is itself such a page (small, with such wording: a watched error page) makes no page
  degraded but for templates: the two are compared as they are.
- **wording** (maintenance, queue, overload, verification, loading, not_found, error_page; the last two for
  « page introuvable » and « une erreur est survenue » pages served with HTTP 200, which capture would call
  unreachable with their real status): French or English words of such pages in the title, a heading or a
  short main content (`FIRST_MAX_TEXT`), on a short page (`WORDED_MAX_TEXT`). Only a supporting signal: it
  counts with a reference when most of the interactive skeleton went (`LOSS_MIN` of the main content's
  elements or of the page's) and few new controls came (`new_controls_allowed`), or when a text page's main
  content shrank to a few lines (`TEXT_PAGE_MIN`, `TEXT_KEPT_MAX`); without a reference when the page is
  itself small (at most `FIRST_MAX_CONTROLS` controls outside header, menus and footer, no field, at most
  `FIRST_MAX_TEXT` characters). A page that only mentions a planned maintenance in a banner keeps its
  skeleton, so it is not degraded; a redesign brings new controls, so it is not degraded either; a long page
  (terms of use that speak of a « salle d'attente ») is not one either.

Everything here is a pure function of values (HTML text, skeletons); the wording shown to people lives in
`watcher/i18n/texts.py` (`degraded.<reason>`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from watcher.detect.skeleton import FIELD_ROLES, INTERACTIVE_ROLES, Element, Skeleton, parse_html

__all__ = ["Degraded", "PageFacts", "REASONS", "assess", "degraded_side", "page_facts"]

REASONS = ("template", "partial", "empty", "queue", "verification", "maintenance", "overload", "loading",
           "not_found", "error_page")

# --- thresholds -----------------------------------------------------------------------------------
LOSS_MIN = 0.6
"""Share of the reference's interactive elements (of its main content, or of the whole page) that must be gone
for wording to count: a maintenance page keeps the header and footer but loses the form."""
NEW_CONTROLS_MIN = 3
"""New controls (not in the reference) a degraded page may bring: « Revenir à l'accueil », « Réessayer »…"""
PARTIAL_MIN_CONTROLS = 3
"""Controls a landmark must have held in the reference for its emptying to mean a failed render."""
PARTIAL_MAX_TEXT = 40
"""Characters of text an emptied landmark may still show (a logo's alt text, a lone « Menu »)."""
PARTIAL_REST_KEPT = 0.8
"""Share of the reference's elements outside the emptied landmark that must still be there (the rest is intact)."""
PARTIAL_LANDMARK_LOST = 0.8
"""Share of the emptied landmark's elements that must be gone from the whole page (not merely moved elsewhere)."""
EMPTY_MIN_REFERENCE = 8
"""Controls the reference must have for a near-empty page to mean a failed render."""
EMPTY_MAX_CONTROLS = 2
"""Controls a near-empty page may have."""
EMPTY_MAX_TEXT = 200
"""Characters of visible text a near-empty page may have."""
FIRST_MAX_CONTROLS = 3
"""Without a reference: controls outside header, menus and footer a maintenance or queue page may have."""
FIRST_MAX_TEXT = 3000
"""Without a reference: characters of visible text beyond which a page is no maintenance or queue page
(a long page that mentions maintenance is an article)."""
WORDED_MAX_TEXT = 5000
"""Characters of visible text (or half the reference's, if more) beyond which wording is not looked at: a
maintenance or queue page says what it is in a few lines, around the site's menus and footer."""
TEXT_PAGE_MIN = 1000
"""Characters of main-content text that make the reference a text page (legal notice, help article)."""
TEXT_KEPT_MAX = 0.2
"""Share of a text page's main-content text left when it was replaced by a notice."""
MAX_TEXT = 20000
"""Characters of text kept for the wording and placeholder search (the start of the page or of its main
content); the length of the whole text is still counted."""
MAX_PIECES = 4000
"""Text pieces (text nodes) of the main content kept for the wording search."""

SHELL_ROLES = frozenset({"banner", "contentinfo", "navigation"})
CODE_TAGS = frozenset({"code", "pre", "kbd", "samp", "var", "textarea"})
HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title", "svg", "math", "iframe",
                         "object", "select", "datalist"})
LANDMARK_TAGS = {"header": "banner", "footer": "contentinfo", "main": "main", "nav": "navigation",
                 "aside": "complementary", "search": "search"}
LANDMARK_ROLES = frozenset({"banner", "contentinfo", "main", "navigation", "complementary", "search", "region",
                            "form"})
# HTML-AAM: header and footer are banner / contentinfo only outside sectioning content and main.
SCOPING_TAGS = frozenset({"article", "aside", "main", "nav", "section"})
CONTROL_TAGS = frozenset({"button", "select", "textarea", "summary"})
_DISPLAY_NONE = re.compile(r"(?:^|;)\s*display\s*:\s*none\b", re.I)

PLACEHOLDER = re.compile(r"\{\{[^{}\n]{1,80}\}\}|\{%[^%\n]{1,80}%\}|\$\{[^{}\n]{1,80}\}")

# Wording of degraded pages, matched on text lower-cased and stripped of accents (so « vérification » and
# « verification » are one), French then English. Each list is one reason; the order of REASON_WORDS is the
# order of preference when several match (a queue page often also speaks of heavy demand).
_WORDS: dict[str, Sequence[str]] = {
    "queue": (
        r"file d'attente", r"salle d'attente", r"vous etes dans la file", r"votre tour\b",
        r"temps d'attente (estime|restant|previsionnel)", r"(place|position|rang) dans la file",
        r"acces (au service |au site )?est (regule|limite)",
        r"waiting room", r"you are (now )?in (the )?(queue|line)", r"(place|position|turn) in (the )?(queue|line)",
        r"estimated wait(ing)? time", r"\bqueue-it\b",
    ),
    "verification": (
        r"verification (de |du )?(votre |la |le )?(navigateur|connexion|securite)", r"nous verifions (votre|que)",
        r"etes-vous un (robot|humain)", r"controle de securite", r"verifions que vous (etes|n'etes)",
        r"checking (your |if the site connection is secure|the site connection)", r"checking your browser",
        r"verify(ing)? (that )?you are (a )?human", r"just a moment", r"security check",
        r"are you a (robot|human)", r"ddos protection",
    ),
    "maintenance": (
        r"\bmaintenance\b",
        r"\b(service|site|page|application|plateforme|teleservice|espace|demarche)\b[^.!?]{0,40}"
        r"\b(momentanement|temporairement|actuellement|provisoirement) (indisponible|inaccessible|ferme|suspendu)",
        r"\bservice indisponible\b", r"\binterruption (de|du) service\b",
        r"\b(revenez|reessayez|reconnectez-vous)\b[^.!?]{0,40}\bplus tard\b",
        r"\b(temporarily|currently) (unavailable|down|closed|offline)\b", r"\bservice unavailable\b",
        r"\bwe('ll| will) be back\b", r"\bback (soon|shortly)\b", r"\b(try|come) (again |back )?later\b",
    ),
    "overload": (
        r"\b(tres )?forte? (affluence|demande|frequentation)\b", r"\b(en raison|du fait) de l'affluence\b",
        r"\bafflux\b", r"\bsurcharge", r"\bvictime de son succes\b",
        r"\blimite (temporairement )?(vos|les|le nombre de) (demandes|connexions|acces|requetes)\b",
        r"\bsature\b", r"\btrop de (demandes|connexions|requetes|visiteurs|utilisateurs)\b",
        r"\b(high|heavy|unusual) (demand|traffic|load)\b", r"\btoo many (requests|users|connections|visitors)\b",
        r"\bover ?capacity\b", r"\boverloaded\b",
    ),
    "loading": (
        r"\bchargement( en cours)?\b", r"\b(veuillez|merci de( bien vouloir)?) patienter\b", r"\bpatientez\b",
        r"\bactive[zr]? (le )?javascript\b", r"\bjavascript (est )?(desactive|requis|necessaire)\b",
        r"\bloading\b", r"\bplease wait\b", r"\b(enable|requires?) javascript\b",
        r"\bjavascript (is )?(disabled|required)\b",
    ),
    "not_found": (
        r"\bpage (est )?(introuvable|inexistante|non trouvee)\b", r"\b(nous )?n'avons pas (pu )?trouve la page\b",
        r"\bcette page n'existe (pas|plus)\b", r"\bpage not found\b", r"\bnot found\b",
        r"\b(we )?(could not|couldn't|can't|cannot) find (the|this) page\b", r"\berreur 404\b", r"\b404\b",
    ),
    "error_page": (
        r"\bune erreur (technique |inattendue |interne )?(est survenue|s'est produite)\b", r"\berreur technique\b",
        r"\berreur interne\b", r"\bsomething went wrong\b", r"\ban (unexpected |internal )?error (has )?occurred\b",
        r"\binternal server error\b",
    ),
}
REASON_WORDS: dict[str, re.Pattern[str]] = {
    reason: re.compile("|".join(f"(?:{w})" for w in words)) for reason, words in _WORDS.items()
}


@dataclass(frozen=True)
class LandmarkFacts:
    """One landmark of a page as rendered: its role path ("banner", "banner > navigation"), its label, how much
    text (characters) and how many visible controls (links, buttons, fields) it holds."""

    role: str
    label: str
    text_chars: int
    controls: int


@dataclass(frozen=True)
class PageFacts:
    """What `assess` reads of a page besides its skeleton (see `page_facts`)."""

    title: str
    text: str
    main_text: str
    headings: tuple[str, ...]
    landmarks: tuple[LandmarkFacts, ...]
    placeholders: tuple[str, ...]
    text_chars: int
    html_bytes: int
    height: int | None = None


@dataclass(frozen=True)
class Degraded:
    """Why a capture is degraded: `reason` is one of REASONS, `evidence` a short quote of what gave it away
    (the words, the placeholder, the emptied landmark)."""

    reason: str
    evidence: str = ""
    landmark: str = ""  # for "partial": the role of the landmark that did not render (banner, main…)

    def describe(self, lang: str = "fr") -> str:
        """The reason in words a coordinator reads, e.g. « page de maintenance : « Service indisponible » »."""
        from watcher.i18n.phrases import degraded_words

        return degraded_words(self.reason, self.evidence, self.landmark, lang)

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason, "evidence": self.evidence, "landmark": self.landmark}


# --- page facts -------------------------------------------------------------------------------------


def page_facts(html: str, *, height: int | None = None) -> PageFacts:
    """Title, visible text, headings, landmarks and template placeholders of an HTML page.

    `html` is a page as saved or as captured (capture's annotated DOM: elements marked
    `data-watcher-visible="false"` count as not shown, and so do `hidden`, inline `display:none`, scripts,
    styles and templates). `height` is the screenshot height in CSS px, when known. One walk over the page
    (about as long as skeleton extraction). Never raises: an empty or unparsable page gives empty facts.
    """
    root = parse_html(html)
    size = len(html.encode("utf-8", "replace"))
    if root is None:
        return PageFacts("", "", "", (), (), (), 0, size, height)
    title_el = root.find(".//title")
    title = _collapse(" ".join(title_el.itertext())) if title_el is not None else ""
    body = root.find("body")
    scan = _Scan()
    scan.run(body if body is not None else root)
    text = _collapse(" ".join(scan.texts))
    main_text = _collapse(" ".join(scan.main)) if scan.main is not None else text
    landmarks = tuple(LandmarkFacts(path, label, chars, controls) for path, label, chars, controls in scan.landmarks)
    placeholders = tuple(PLACEHOLDER.findall(" ".join([title, text]))) if "{" in html else ()
    return PageFacts(title, text[:MAX_TEXT], main_text[:MAX_TEXT], tuple(scan.headings), landmarks, placeholders,
                     max(len(text), scan.chars), size, height)


HEADING_TAGS = frozenset({"h1", "h2", "h3"})


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _shown(el: Any, tag: str) -> bool:
    if tag in HIDDEN_TAGS or el.get("data-watcher-visible") == "false" or el.get("hidden") is not None:
        return False
    if tag == "input" and (el.get("type") or "").lower() == "hidden":
        return False
    style = el.get("style")
    return not (style and _DISPLAY_NONE.search(style))


def _is_control(el: Any, tag: str) -> bool:
    if tag == "a":
        return el.get("href") is not None
    if tag == "input":
        return True  # hidden inputs are not shown
    return tag in CONTROL_TAGS or (el.get("role") or "").split(" ")[0] in INTERACTIVE_ROLES


class _Scan:
    """One walk over a page's body: visible text (outside code samples and form fields), the text of the main
    landmark and of h1-h3 headings, and every landmark (role path as in skeleton elements' `landmark`,
    "banner > navigation"; label; characters of text; visible controls), whether shown or not."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.main: list[str] | None = None
        self.headings: list[str] = []
        self.landmarks: list[list[Any]] = []  # [path, label, characters, controls]
        self.open: list[list[Any]] = []  # the landmarks the walk is inside
        self.heading: list[str] | None = None
        self.in_main = False
        self.scoping = 0  # sectioning elements open (a header inside one is no banner)
        self.chars = 0  # characters of visible text, all of it (texts keeps the start)

    def run(self, body: Any) -> None:
        stack: list[Any] = [body]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                self.text(item)
            elif isinstance(item, tuple):
                self.close(item)
            elif isinstance(item.tag, str):
                self.enter(item, item.tag, stack)

    def text(self, piece: str) -> None:
        size = len(piece.strip())
        self.chars += size
        if self.chars <= MAX_TEXT * 2:  # the wording is looked for near the start; a long page's rest only counts
            self.texts.append(piece)
        for landmark in self.open:
            landmark[2] += size
        if self.in_main and self.main is not None and len(self.main) < MAX_PIECES:
            self.main.append(piece)
        if self.heading is not None:
            self.heading.append(piece)

    def control(self) -> None:
        for landmark in self.open:
            landmark[3] += 1

    def enter(self, el: Any, tag: str, stack: list[Any]) -> None:
        role = self.landmark_role(el, tag)
        record = None
        if role is not None:
            record = [f"{self.open[-1][0]} > {role}" if self.open else role, _collapse(el.get("aria-label") or ""),
                      0, 0]
            self.landmarks.append(record)
        if tag == "select":  # a control; its options' text is not page text
            if _shown(el, "div"):
                self.control()
            return
        if not _shown(el, tag):
            return
        if _is_control(el, tag):
            self.control()
        if tag in CODE_TAGS:
            return
        stack.append(self.open_scopes(el, tag, role, record))
        if tag == "img" and el.get("alt"):
            self.text(el.get("alt"))
        if el.text:
            self.text(el.text)
        for child in reversed(el):
            if child.tail:
                stack.append(child.tail)
            stack.append(child)

    def open_scopes(self, el: Any, tag: str, role: str | None, record: list[Any] | None) -> tuple[str, ...]:
        """Enter what the element opens; the returned marker closes it once its children are walked."""
        closers = []
        if record is not None:
            self.open.append(record)
            closers.append("landmark")
        if role == "main" and self.main is None:
            self.main, self.in_main = [], True
            closers.append("main")
        if tag in SCOPING_TAGS:
            self.scoping += 1
            closers.append("scoping")
        if tag in HEADING_TAGS and self.heading is None:
            self.heading = []
            closers.append("heading")
        return tuple(closers)

    def close(self, closers: tuple[str, ...]) -> None:
        for closer in closers:
            if closer == "landmark":
                self.open.pop()
            elif closer == "main":
                self.in_main = False
            elif closer == "scoping":
                self.scoping -= 1
            elif closer == "heading" and self.heading is not None:
                heading = _collapse(" ".join(self.heading))
                if heading:
                    self.headings.append(heading)
                self.heading = None

    def landmark_role(self, el: Any, tag: str) -> str | None:
        role = (el.get("role") or "").split(" ")[0]
        if role in LANDMARK_ROLES:
            return role if role != "form" else None
        role = LANDMARK_TAGS.get(tag, "")
        if role in ("banner", "contentinfo") and self.scoping:
            return None  # HTML-AAM: header/footer scoped to a section are no banner/contentinfo
        return role or None


# --- the decision -------------------------------------------------------------------------------------


def assess(skeleton: Skeleton, facts: PageFacts, reference: Skeleton | None = None,
           reference_facts: PageFacts | None = None) -> Degraded | None:
    """Whether a capture (`skeleton` + `facts`) is a degraded page, compared with the reference capture when
    there is one (without `reference` only what the page says of itself counts; without `reference_facts`,
    as for a procedure step whose earlier page kept only its skeleton, the wording and template signals
    count but not the emptied landmark nor the near-empty page). Returns the reason, or None for a page
    that is the site's interface (changed or not)."""
    template = _template(facts, reference_facts)
    if template is not None:
        return template
    if reference is None:
        return _first_capture(skeleton, facts)
    if reference_facts is not None and _first_capture(reference, reference_facts) is not None:
        return None  # the reference is itself such a page (a watched error page): compare them as pages
    worded = _worded_loss(skeleton, facts, reference, reference_facts)
    if worded is not None or reference_facts is None:
        return worded
    return _partial(skeleton, facts, reference, reference_facts) or _empty(skeleton, facts, reference,
                                                                            reference_facts)


def degraded_side(before: Skeleton, before_facts: PageFacts, after: Skeleton,
                  after_facts: PageFacts) -> tuple[str, Degraded] | None:
    """For `watcher diff`: ("after", why) when AFTER is degraded compared with BEFORE, ("before", why) when
    BEFORE is degraded compared with AFTER, None when neither is."""
    why = assess(after, after_facts, before, before_facts)
    if why is not None:
        return "after", why
    why = assess(before, before_facts, after, after_facts)
    return ("before", why) if why is not None else None


def _template(facts: PageFacts, reference: PageFacts | None) -> Degraded | None:
    """Unrendered placeholders: two or more, or one in the title or a heading; more than the reference had."""
    count = len(facts.placeholders)
    if count == 0 or (reference is not None and count <= len(reference.placeholders)):
        return None
    prominent = any(PLACEHOLDER.search(text) for text in (facts.title, *facts.headings))
    if count >= 2 or prominent:
        return Degraded("template", facts.placeholders[0])
    return None


def _key(element: Element) -> tuple[str, str]:
    return element.role, " ".join(element.name.split()).casefold()


def _top(element: Element) -> str:
    return element.landmark.split(" > ")[0] if element.landmark else ""


def _within(element: Element, path: str) -> bool:
    return element.landmark == path or element.landmark.startswith(path + " > ")


def _controls(skeleton: Skeleton) -> list[Element]:
    return [e for e in skeleton.elements if e.role in INTERACTIVE_ROLES]


def _content(elements: Iterable[Element], reference: Sequence[Element]) -> list[Element]:
    """The task area: elements of the main landmark, or (a page without main) those outside header, menus
    and footer."""
    if any(_top(e) == "main" for e in reference):
        return [e for e in elements if _top(e) == "main"]
    return [e for e in elements if _top(e) not in SHELL_ROLES]


def _lost(reference: Sequence[Element], now: Sequence[Element]) -> tuple[float, int]:
    """(share of the reference's elements gone, number of elements that were not in the reference)."""
    before, after = Counter(map(_key, reference)), Counter(map(_key, now))
    kept = sum((before & after).values())
    return (1 - kept / len(reference) if reference else 0.0), len(now) - kept


def new_controls_allowed(lost: int) -> int:
    """New controls a degraded page may bring when `lost` controls went: NEW_CONTROLS_MIN, or a third of the
    lost ones for big pages (a waiting room with its vendor's links); a redesign brings about as many as it
    removed."""
    return max(NEW_CONTROLS_MIN, lost // 3)


def _wording(facts: PageFacts, *, body: bool) -> Degraded | None:
    """The first reason whose words are in the title or a heading, else (with `body`, and when it is short:
    FIRST_MAX_TEXT) in the main text."""
    places = [facts.title, *facts.headings]
    body = body and len(facts.main_text) <= FIRST_MAX_TEXT
    for texts in (places, [facts.main_text] if body else []):
        folded = [_fold(text) for text in texts]
        for reason, pattern in REASON_WORDS.items():
            for original, text in zip(texts, folded, strict=True):
                match = pattern.search(text)
                if match:
                    return Degraded(reason, _quote(original, match.start(), match.end()))
    return None


def _fold(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u00a0", " ")
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _quote(text: str, start: int, end: int, room: int = 30) -> str:
    """The matched words with a little context, cut at word boundaries (positions are those of the folded text,
    which keeps one character per original one for the French and English letters that matter here)."""
    folded_len = len(_fold(text))
    if folded_len != len(text):
        return text[:80]
    left = text.rfind(" ", 0, max(0, start - room)) + 1 if start > room else 0
    right = text.find(" ", min(len(text), end + room))
    return text[left:right if right != -1 else len(text)].strip()


def _worded_loss(skeleton: Skeleton, facts: PageFacts, reference: Skeleton,
                 reference_facts: PageFacts | None) -> Degraded | None:
    """Degraded-page wording on a short page with most of the reference gone: its interactive elements (in the
    whole page, or in the main content, where a maintenance page keeps the site's header, footer and cookie
    banner but not the form), or the text of a text page's main content."""
    reference_text = reference_facts.text_chars if reference_facts else 0
    if facts.text_chars > max(WORDED_MAX_TEXT, reference_text // 2):
        return None  # a long page that mentions a waiting room or maintenance is an article, not such a page
    before, after = _controls(reference), _controls(skeleton)
    if not (_gone(before, after) or _gone(_content(before, before), _content(after, before))
            or (reference_facts is not None and _text_gone(reference_facts, facts))):
        return None
    return _wording(facts, body=True)


def _text_gone(reference: PageFacts, facts: PageFacts) -> bool:
    """The main content of a text page (legal notice, help) shrank to a few lines."""
    before = len(reference.main_text)
    return before >= TEXT_PAGE_MIN and len(facts.main_text) <= before * TEXT_KEPT_MAX


def _gone(before: Sequence[Element], after: Sequence[Element]) -> bool:
    """At least LOSS_MIN of `before` (PARTIAL_MIN_CONTROLS elements or more) gone, and few new elements."""
    if len(before) < PARTIAL_MIN_CONTROLS:
        return False
    lost, new = _lost(before, after)
    return lost >= LOSS_MIN and new <= new_controls_allowed(round(lost * len(before)))


def _partial(skeleton: Skeleton, facts: PageFacts, reference: Skeleton,
             reference_facts: PageFacts) -> Degraded | None:
    """A landmark emptied (still there, no control, almost no text) whose elements are gone, the rest intact."""
    now = {(lm.role, lm.label): lm for lm in facts.landmarks}
    before, after = _controls(reference), _controls(skeleton)
    for landmark in reference_facts.landmarks:
        empty = now.get((landmark.role, landmark.label))
        if (landmark.controls < PARTIAL_MIN_CONTROLS or empty is None or empty.controls > 0
                or empty.text_chars > min(PARTIAL_MAX_TEXT, landmark.text_chars // 4)):
            continue
        inside = [e for e in before if _within(e, landmark.role)]
        rest = [e for e in before if not _within(e, landmark.role)]
        inside_lost, _ = _lost(inside, after)
        rest_lost, _ = _lost(rest, after)
        if inside and inside_lost >= PARTIAL_LANDMARK_LOST and rest and 1 - rest_lost >= PARTIAL_REST_KEPT:
            return Degraded("partial", landmark.label, landmark.role)
    return None


def _empty(skeleton: Skeleton, facts: PageFacts, reference: Skeleton,
           reference_facts: PageFacts) -> Degraded | None:
    """A near-empty page (blank, a lone spinner) in place of a full one."""
    before, after = _controls(reference), _controls(skeleton)
    if (len(before) < EMPTY_MIN_REFERENCE or len(after) > EMPTY_MAX_CONTROLS
            or facts.text_chars > min(EMPTY_MAX_TEXT, reference_facts.text_chars // 4)):
        return None
    worded = _wording(facts, body=True)
    return worded or Degraded("empty", facts.title[:80])


def _first_capture(skeleton: Skeleton, facts: PageFacts) -> Degraded | None:
    """No reference: a small page that says it is a maintenance, queue, loading… page."""
    controls = _controls(skeleton)
    content = [e for e in controls if _top(e) not in SHELL_ROLES]
    if (len(content) > FIRST_MAX_CONTROLS or any(e.role in FIELD_ROLES for e in content)
            or facts.text_chars > FIRST_MAX_TEXT):
        return None
    return _wording(facts, body=True)
