"""Link targets compared across two loads: resolved, trackers and session ids dropped (`normalize_target`),
then reduced to what leads to the same place for a person (`target_key`)."""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

__all__ = ["MEMO_SIZE", "SESSION_PARAMS", "TRACKING_PARAMS", "TRACKING_PREFIXES", "is_destination", "normalize_target", "short_target", "target_host", "target_key"]

# Campaign and click trackers: they differ between two loads of the same page and lead to the same place.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "twclid", "ttclid",
     "li_fat_id", "xtor", "xtref", "xts", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "mc_cid", "mc_eid",
     "ref_src", "spm", "scid"}
)


TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "matomo_", "at_", "hsa_", "_ga_")


# Session ids and cache busters: per-visit values, never a different destination.
SESSION_PARAMS = frozenset(
    {"jsessionid", "phpsessid", "sid", "sessionid", "session_id", "aspsessionid", "cfid", "cftoken", "_",
     "nocache", "cachebuster", "cb", "csrf", "csrf_token", "_csrf", "csrftoken", "authenticity_token", "nonce",
     "_token"}
)


_TOKEN_VALUE = re.compile(
    r"^(?:[0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|(?=[A-Za-z0-9_+/=.]*\d)(?=[A-Za-z0-9_+/=.]*[a-z])(?=[A-Za-z0-9_+/=.]*[A-Z])[A-Za-z0-9_+/=.]{24,})$",
    re.I,
)


_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.I)


_DEFAULT_PORTS = {"http": "80", "https": "443"}
# Entries of the memos below: the links of a 50 000-link page and of its baseline (a few MB). Smaller, a big page
# evicts its own entries before they are asked again, and its check grows faster than the page (issue 19).
MEMO_SIZE = 1 << 16


@functools.lru_cache(maxsize=MEMO_SIZE)
def normalize_target(href: str, base: str | None, *, keep_base_fragment: bool = True) -> str:
    """Where a link leads, comparable across two loads: resolved, trackers and session ids dropped."""
    href = re.sub(r"[\t\n\r]", "", href).strip()  # browsers strip these from URLs
    if href.startswith("#"):
        return href
    scheme = href.split(":", 1)[0].lower() if ":" in href else ""
    if scheme in ("javascript", "data"):
        return f"{scheme}:"  # the code or data itself is not a destination
    if scheme in ("mailto", "tel", "sms"):
        return scheme + ":" + href.split(":", 1)[1].replace(" ", "")
    url = urljoin(base, href) if base else href
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    port = _DEFAULT_PORTS.get(parts.scheme.lower())
    if port and netloc.endswith(":" + port):
        netloc = netloc[: -len(port) - 1]
    path = _PATH_SESSION.sub("", parts.path) or ("/" if netloc else "")
    fragment = parts.fragment if keep_base_fragment else ""
    return urlunsplit((parts.scheme.lower(), netloc, path, _clean_query(parts.query), fragment))


@functools.lru_cache(maxsize=MEMO_SIZE)
def target_key(target: str | None) -> str | None:
    """A normalised target as compared: equal keys lead to the same place for a person.

    On top of ``normalize_target``: a ``tel:``/``sms:`` number keeps only its digits, with the
    international prefix ``00`` written ``+`` (RFC 3966 visual separators are not part of the number);
    a ``mailto:`` address is compared case-insensitively; ``http`` and ``https`` on the same host are
    the same page (sites redirect one to the other); a trailing slash on a path is not another page;
    default ports are dropped. None stays None.
    """
    if target is None:
        return None
    if target.startswith("#"):
        return target
    scheme, sep, rest = target.partition(":")
    low = scheme.lower() if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) else ""
    if low in ("tel", "sms"):
        number = rest.split(";", 1)[0].split("?", 1)[0]
        digits = re.sub(r"[^0-9+]", "", unquote(number))
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        # A national number (trunk prefix 0) and its international form (+33 …) end with the same
        # subscriber digits: the last nine identify a number (short numbers such as 3939 stay whole).
        plain = digits.lstrip("+")
        return f"tel:{plain[-9:]}" if len(plain) >= 9 else f"tel:{digits}"
    if low == "mailto":
        address, q, query = rest.partition("?")
        return "mailto:" + unquote(address).strip().casefold() + q + query
    if low not in ("http", "https", ""):
        return target
    parts = urlsplit(target)
    netloc = parts.netloc.lower()
    port = _DEFAULT_PORTS.get(low)
    if port and netloc.endswith(":" + port):
        netloc = netloc[: -len(port) - 1]
    path = parts.path.rstrip("/") or ("/" if netloc or parts.path else "")
    return urlunsplit(("https" if low else "", netloc, path, parts.query, parts.fragment))


_PLACEHOLDER = re.compile(r"[\[\]{}<>\s]|%5B|%7B", re.I)


def is_destination(target: str | None) -> bool:
    """Whether a target leads somewhere else than the current page: not empty, not a bare fragment, not
    ``javascript:``/``data:``, and not an unfilled template placeholder (« [url - à modifier] »,
    ``{{ url }}``: brackets, braces or spaces are not part of a real address)."""
    if not target or target.startswith("#") or target in ("javascript:", "data:"):
        return False
    scheme = target.split(":", 1)[0].lower()
    if scheme in ("mailto", "tel", "sms"):
        return True
    return not _PLACEHOLDER.search(target.split("?", 1)[0])


def target_host(target: str | None) -> str | None:
    """The host a target leads to (lowercase, without "www."), None for relative, mail or phone targets."""
    if not target:
        return None
    host = urlsplit(target).hostname
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _clean_query(query: str) -> str:
    kept = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        low = key.lower()
        if low in TRACKING_PARAMS or low in SESSION_PARAMS or low.startswith(TRACKING_PREFIXES):
            continue
        kept.append((key, "*" if _TOKEN_VALUE.match(value) else value))
    return urlencode(sorted(kept))


def short_target(target: str, page_url: str | None) -> str:
    """A target as a coordinator reads it: a path when it stays on the page's site."""
    if not page_url or target.startswith("#"):
        return target
    page, dest = urlsplit(page_url), urlsplit(target)
    if (dest.scheme, dest.netloc) != (page.scheme, page.netloc.lower()):
        return target
    return urlunsplit(("", "", dest.path or "/", dest.query, dest.fragment))
