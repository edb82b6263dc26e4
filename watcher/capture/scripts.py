"""Scripts run inside the captured page (kept apart so capture.py reads as the steps it takes)."""

__all__ = [
    "ADD_STYLE",
    "ANNOTATE_DOM",
    "AX_MARK",
    "AX_TAG",
    "CHALLENGE_MARKERS",
    "FRAME_ORIGIN",
    "LEFT_DOCUMENT",
    "PAGE_HEIGHT",
    "SERIALIZE_DOM",
    "STILL_CSS",
    "STILL_FRAME",
]

# Version of the annotated DOM format (docs/architecture.md, "The annotated DOM"), on <html> as
# data-watcher-dom-version. Version 1 (no attribute): the page's own DOM only. Version 2: open shadow roots
# serialised in place as <template shadowrootmode="open">, iframes' documents inlined in <watcher-frame>,
# and data-watcher-hidden on the elements a browser hides by themselves (not by an ancestor). Version 3:
# data-watcher-ax-role / data-watcher-ax-name, Chromium's computed role and accessible name (page.py, AX_MARK).
DOM_VERSION = 3

# Marks what the browser really renders so the skeleton can be built later without a browser.
# Boxes are page coordinates in CSS px, which are screenshot px because captures use device scale 1.
# Argument (optional): {dx, dy, top}: what to add to viewport coordinates to get page coordinates (an iframe's
# document is offset by its <iframe>'s content box), and whether this is the top document (gets the version).
# Elements inside open shadow roots are annotated too. Returns [dx, dy] as used (CSS px).
ANNOTATE_DOM = r"""
(arg) => {
  const top = !arg || arg.top;
  const sx = arg ? arg.dx : window.scrollX, sy = arg ? arg.dy : window.scrollY;
  document.documentElement.setAttribute('data-watcher-url', location.href);
  document.documentElement.removeAttribute('data-watcher-ax-read');
  if (top) document.documentElement.setAttribute('data-watcher-dom-version', '__VERSION__');
  const all = [];
  const collect = (root) => {
    for (const el of root.querySelectorAll('*')) {
      all.push(el);
      if (el.shadowRoot) collect(el.shadowRoot);
    }
  };
  if (document.body) { all.push(document.body); collect(document.body); }
  if (document.body && document.body.shadowRoot) collect(document.body.shadowRoot);
  const OWN = ['data-watcher-visible', 'data-watcher-box', 'data-watcher-hidden', 'data-watcher-checked',
               'data-watcher-selected', 'data-watcher-value', 'data-watcher-ax-role', 'data-watcher-ax-name',
               'data-watcher-ax-tag'];
  const visibleStyle = (el) => {
    const parent = el.assignedSlot || el.parentElement || (el.getRootNode() && el.getRootNode().host);
    return !parent || getComputedStyle(parent).visibility === 'visible';
  };
  for (const el of all) {
    for (const a of OWN) if (el.hasAttribute(a)) el.removeAttribute(a);
    const style = getComputedStyle(el);
    if (style.display === 'contents') continue;  // no box of its own (a <slot>, a wrapper): its children have
    const rect = el.getBoundingClientRect();
    const closedDetails = el.closest('details:not([open])');
    const inClosedDetails = closedDetails && el !== closedDetails && !el.closest('summary');
    const rendered = el.getClientRects().length > 0 && style.visibility !== 'hidden'
      && style.display !== 'none' && !inClosedDetails;
    if (!rendered || (rect.width === 0 && rect.height === 0 && el.children.length === 0)) {
      el.setAttribute('data-watcher-visible', 'false');
      // Where the hiding starts (its descendants are hidden because of it): what a control may reveal.
      let own = null;
      if (style.display === 'none') own = 'display';
      else if (inClosedDetails && el.parentElement === closedDetails) own = 'details';
      else if (style.visibility !== 'visible' && visibleStyle(el)) own = 'visibility';
      else if (rendered) own = 'size';
      if (own) el.setAttribute('data-watcher-hidden', own);
      continue;
    }
    el.setAttribute('data-watcher-box',
      [rect.left + sx, rect.top + sy, rect.width, rect.height].map(Math.round).join(','));
    if ((el.type === 'checkbox' || el.type === 'radio') && el.checked) el.setAttribute('data-watcher-checked', 'true');
    if (el.tagName === 'OPTION' && el.selected) el.setAttribute('data-watcher-selected', 'true');
    if ((el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') && el.value && el.type !== 'password')
      el.setAttribute('data-watcher-value', el.value.slice(0, 200));
  }
  return [sx, sy];
}
""".replace("__VERSION__", str(DOM_VERSION))

# The annotated document as HTML, open shadow roots included (<template shadowrootmode="open"> as first child
# of their host, the declarative shadow DOM form). Argument {frame}: false for the top document (doctype +
# <html>), true for an iframe's document (a <watcher-frame> element holding its body, carrying the frame's URL,
# its base URL for links and the body's annotations).
SERIALIZE_DOM = r"""
(arg) => {
  const roots = [];
  const collect = (root) => {
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) { roots.push(el.shadowRoot); collect(el.shadowRoot); }
  };
  collect(document);
  const inner = (el) => el.getHTML ? el.getHTML({shadowRoots: roots}) : el.innerHTML;
  const esc = (v) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (!arg || !arg.frame) {
    const doctype = document.doctype ? '<!DOCTYPE ' + document.doctype.name + '>' : '';
    const shell = document.documentElement.cloneNode(false).outerHTML;
    const cut = shell.lastIndexOf('</');
    return doctype + shell.slice(0, cut) + inner(document.documentElement) + shell.slice(cut);
  }
  const body = document.body || document.documentElement;
  const attrs = {'data-watcher-url': location.href, 'data-watcher-base': document.baseURI};
  for (const a of ['data-watcher-visible', 'data-watcher-box', 'data-watcher-hidden', 'lang'])
    if (body.hasAttribute(a)) attrs[a] = body.getAttribute(a);
  if (document.documentElement.hasAttribute('data-watcher-ax-read')) attrs['data-watcher-ax-read'] = 'true';
  if (!attrs.lang && document.documentElement.lang) attrs.lang = document.documentElement.lang;
  const open = Object.entries(attrs).map(([k, v]) => ' ' + k + '="' + esc(v) + '"').join('');
  return '<watcher-frame' + open + '>' + inner(body) + '</watcher-frame>';
}
"""

# Chromium's accessibility tree is read over CDP, which knows elements by backend node id, not as JavaScript
# objects: each rendered element of the document (shadow trees included) gets a temporary
# data-watcher-ax-tag="<prefix><n>" that DOM.getDocument reports with the element's backend id. Argument
# {prefix, max, depth}: nothing is tagged (answer 0) when the document has more than `max` elements or nests
# deeper than `depth` levels; else the answer is the number of elements tagged.
AX_TAG = r"""
(arg) => {
  if (document.getElementsByTagName('*').length > arg.max) return 0;
  const tagged = [];
  let deep = false;
  const visit = (el, depth) => {
    if (deep || depth > arg.depth) { deep = true; return; }
    if (el.hasAttribute('data-watcher-box')) tagged.push(el);
    if (el.shadowRoot) for (const child of el.shadowRoot.children) visit(child, depth + 2);
    for (const child of el.children) visit(child, depth + 1);
  };
  visit(document.documentElement, 0);
  if (deep) return 0;
  tagged.forEach((el, i) => el.setAttribute('data-watcher-ax-tag', arg.prefix + i));
  return tagged.length;
}
"""

# Chromium's role and name written on the tagged elements, tags removed. Argument {prefix, marks: {tag: [role,
# name or null]} as JSON text, read} (marks may be empty: the tags are only removed; a null name leaves the name
# to the skeleton, and so does a name holding the value of a text field). As text, not an object: Playwright
# serializes and checks an object argument value by value in Python, a few hundred marks costing milliseconds.
# `read`: Chromium's tree was read for this document, noted as data-watcher-ax-read="true" on its <html> (on
# <watcher-frame> for a frame's document).
AX_MARK = r"""
(arg) => {
  const marks = JSON.parse(arg.marks);
  // accname lets a text field embedded in a label give its value to the name: what was typed stays out.
  const typed = [];
  const collect = (root) => {
    for (const el of root.querySelectorAll('input, textarea'))
      if (el.value && !['checkbox', 'radio', 'submit', 'reset', 'button', 'image', 'hidden', 'range', 'color']
          .includes(el.type)) typed.push(el.value.trim());
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) collect(el.shadowRoot);
  };
  collect(document);
  const hasTyped = (name) => typed.some((v) => v && name.includes(v));
  const mark = (root) => {
    for (const el of root.querySelectorAll('[data-watcher-ax-tag]')) {
      const tag = el.getAttribute('data-watcher-ax-tag');
      if (!tag.startsWith(arg.prefix)) continue;
      el.removeAttribute('data-watcher-ax-tag');
      const found = marks[tag];
      if (!found) continue;
      el.setAttribute('data-watcher-ax-role', found[0]);
      if (found[1] !== null && !hasTyped(found[1])) el.setAttribute('data-watcher-ax-name', found[1]);
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) mark(el.shadowRoot);
  };
  mark(document);
  if (arg.read) document.documentElement.setAttribute('data-watcher-ax-read', 'true');
}
"""

# Where an <iframe>'s document starts, in its parent's viewport coordinates (CSS px): its content box.
FRAME_ORIGIN = r"""
(el, token) => {
  el.setAttribute('data-watcher-frame', token);
  const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  return [r.left + el.clientLeft + parseFloat(s.paddingLeft || '0'),
          r.top + el.clientTop + parseFloat(s.paddingTop || '0')];
}
"""

# Animations, transitions and the text caret make two captures of the same page differ.
STILL_CSS = """
*, *::before, *::after {
  animation-duration: 0s !important; animation-delay: 0s !important; animation-iteration-count: 1 !important;
  transition: none !important; caret-color: transparent !important; scroll-behavior: auto !important;
}
"""

# STILL_CSS put in the page (the argument), as Playwright's add_style_tag would, without waiting for a load event
# an inline style never needs nor handing back the element. The document is marked (window.__watcherStill, never
# serialized): a page that went to another document since has lost the mark (LEFT_DOCUMENT).
ADD_STYLE = "(css) => { window.__watcherStill = true; const s = document.createElement('style'); " \
            "s.textContent = css; (document.head || document.documentElement).appendChild(s); }"

# Whether the page's document is no longer the one ADD_STYLE was run in (true: another document, or none yet).
LEFT_DOCUMENT = "() => window.__watcherStill !== true"

# The page's height in CSS px (the taller of the root's and the body's scroll heights).
_HEIGHT = "Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)"
PAGE_HEIGHT = "() => " + _HEIGHT

# Before a screenshot taken with Chromium's own command, what Playwright's screenshot does first (its
# animations: "disabled", caret: "hide"): Web Animations (element.animate(), and CSS ones STILL_CSS missed) run to
# their end when they have one, are cancelled otherwise; the caret is hidden in the document and its shadow roots
# (STILL_CSS is only in the top document, and a strict Content-Security-Policy refuses it: a constructed style
# sheet is neither refused nor serialized into the annotated DOM); then, when the argument is true (the top
# document: Playwright waited for no other), web fonts are awaited: a frame's font from a slow host must not hold
# the page's capture. Returns [page height in CSS px, window.innerWidth in CSS px, the visual viewport's scale].
STILL_FRAME = r"""
async (fonts) => {
  const roots = [document];
  for (const el of document.querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  for (let i = 1; i < roots.length; i++)
    for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('*, *::before, *::after { caret-color: transparent !important; }');
    // the top document already under STILL_CSS's caret rule (not refused by its policy) needs no second sheet:
    // adopting one there would lay out the whole page's styles once more
    const stilled = window.__watcherStill === true && document.documentElement
      && getComputedStyle(document.documentElement).caretColor === 'rgba(0, 0, 0, 0)';
    for (const root of roots)
      if (!(root === document && stilled)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } catch (e) { /* no constructed style sheets: STILL_CSS's caret rule alone */ }
  for (const animation of roots.flatMap((root) => root.getAnimations())) {
    try {
      if (!animation.effect || animation.playbackRate === 0) continue;
      if (Number.isFinite(animation.effect.getComputedTiming().endTime)) animation.finish();
      else animation.cancel();
    } catch (e) { /* an animation that cannot be finished stays as it is */ }
  }
  if (fonts && document.fonts) await document.fonts.ready;
  return [__HEIGHT__, window.innerWidth, window.visualViewport ? window.visualViewport.scale : 1];
}
""".replace("__HEIGHT__", _HEIGHT)

# Bot walls answer 200 with a challenge page; these are the markers the big providers put in them.
CHALLENGE_MARKERS = r"""
() => {
  // a real page may embed a captcha in a form; a wall is a nearly empty page around it. The rendered text's
  // length (innerText lays the whole page out: seconds on a 5 MB page) is only read once a marker was found.
  const wall = () => (document.body ? document.body.innerText.length : 0) <= 1500;
  const title = (document.title || '').toLowerCase();
  const titles = ['just a moment', 'attention required', 'access denied', 'accès refusé', 'verifying you are human'];
  for (const t of titles) if (title.includes(t)) return wall() ? 'title: ' + t : null;
  const html = document.documentElement.innerHTML.slice(0, 200000).toLowerCase();
  const markers = ['cf-challenge', 'challenge-platform', 'g-recaptcha', 'h-captcha', 'captcha-delivery',
                   'px-captcha', '_incapsula_resource'];
  for (const m of markers) if (html.includes(m)) return wall() ? 'marker: ' + m : null;
  return null;
}
"""
