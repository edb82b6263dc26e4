"""Scripts run inside the captured page (kept apart so capture.py reads as the steps it takes)."""

# Marks what the browser really renders so the skeleton can be built later without a browser.
# Boxes are page coordinates in CSS px, which are screenshot px because captures use device scale 1.
ANNOTATE_DOM = r"""
() => {
  document.documentElement.setAttribute('data-watcher-url', location.href);
  const sx = window.scrollX, sy = window.scrollY;
  const all = document.body ? [document.body, ...document.body.querySelectorAll('*')] : [];
  for (const el of all) {
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    const closedDetails = el.closest('details:not([open])');
    const inClosedDetails = closedDetails && el !== closedDetails && !el.closest('summary');
    const rendered = el.getClientRects().length > 0 && style.visibility !== 'hidden'
      && style.display !== 'none' && !inClosedDetails;
    if (!rendered || (rect.width === 0 && rect.height === 0 && el.children.length === 0)) {
      el.setAttribute('data-watcher-visible', 'false');
      continue;
    }
    el.setAttribute('data-watcher-box',
      [rect.left + sx, rect.top + sy, rect.width, rect.height].map(Math.round).join(','));
    if ((el.type === 'checkbox' || el.type === 'radio') && el.checked) el.setAttribute('data-watcher-checked', 'true');
    if (el.tagName === 'OPTION' && el.selected) el.setAttribute('data-watcher-selected', 'true');
    if ((el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') && el.value && el.type !== 'password')
      el.setAttribute('data-watcher-value', el.value.slice(0, 200));
  }
}
"""

# Animations, transitions and the text caret make two captures of the same page differ.
STILL_CSS = """
*, *::before, *::after {
  animation-duration: 0s !important; animation-delay: 0s !important; animation-iteration-count: 1 !important;
  transition: none !important; caret-color: transparent !important; scroll-behavior: auto !important;
}
"""

PAGE_HEIGHT = "() => Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)"

# Bot walls answer 200 with a challenge page; these are the markers the big providers put in them.
CHALLENGE_MARKERS = r"""
() => {
  // a real page may embed a captcha in a form; a wall is a nearly empty page around it
  if ((document.body ? document.body.innerText.length : 0) > 1500) return null;
  const title = (document.title || '').toLowerCase();
  const html = document.documentElement.innerHTML.slice(0, 200000).toLowerCase();
  const titles = ['just a moment', 'attention required', 'access denied', 'accès refusé', 'verifying you are human'];
  for (const t of titles) if (title.includes(t)) return 'title: ' + t;
  const markers = ['cf-challenge', 'challenge-platform', 'g-recaptcha', 'h-captcha', 'captcha-delivery',
                   'px-captcha', '_incapsula_resource'];
  for (const m of markers) if (html.includes(m)) return 'marker: ' + m;
  return null;
}
"""
