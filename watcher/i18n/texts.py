"""What the command line says to coordinators, in French by default and in English.

The words themselves live in the gettext catalogs (watcher/i18n/locale/<lang>/LC_MESSAGES/watcher.po, read by
watcher.i18n.catalog); this module keeps the call sites' `t(key, lang, **values)` and the translation of network
failures and click's usage errors.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from watcher.i18n.catalog import has, text

__all__ = ["known", "plain_reason", "t", "usage_words", "visual_words"]


def t(key: str, lang: str = "fr", **values: object) -> str:
    """The text `key` in `lang` (French when the language is unknown), with values filled in; plural forms are
    chosen by `count` or by the value a « key/var » entry names (watcher.i18n.catalog.text). Raises KeyError for an
    unknown key."""
    return text(key, lang, **values)


def known(key: str) -> bool:
    """Whether `key` is a message of the catalogs (for keys built from stored codes, e.g. « degraded.<reason> »)."""
    return has(key)


NET_REASONS = {
    "connection refused": "net.refused", "name not resolved": "net.dns", "timeout": "net.timeout",
    "timed out": "net.timeout", "connection timed out": "net.timeout", "unsafe port": "net.unsafe_port",
    "connection reset": "net.reset", "connection closed": "net.reset", "empty response": "net.reset",
    "address unreachable": "net.unreachable", "network changed": "net.unreachable",
    "internet disconnected": "net.offline", "too many redirects": "net.redirects",
    "http response code failure": "net.http_empty",  # Chromium: an HTTP error status with an empty body
}
STORED_REASONS = {  # reason codes the index stores for checks it did not run (older indexes hold the sentence)
    "rebuilt": "reason.rebuilt", "rebuilt from the snapshot folder": "reason.rebuilt",
}


def visual_words(ratio: float, regions: int, lang: str) -> str:
    """How much of the screenshot changed (`ratio` 0..1 of its pixels, `regions` changed zones): « 1,5 % de la
    page… », or « moins de 0,1 % » when a few pixels changed (never « 0,0 % » beside changed zones)."""
    key = "visual.tiny" if 0 < ratio < 0.0005 else "visual"
    return t(key, lang, ratio=ratio, regions=regions)


def plain_reason(reason: str, url: str, lang: str) -> str:
    """A capture's failure in words a coordinator understands (« connexion refusée sur 127.0.0.1:8765 »)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = f"{parts.hostname}:{port}" if parts.port else (parts.hostname or url or t("net.site", lang))
    slow = re.fullmatch(r"too slow \((?P<seconds>[\d.]+) s\)", reason.strip())
    if slow:  # the page answered but did not finish loading within its timeout (watcher.capture.page)
        return t("net.too_slow", lang, seconds=slow.group("seconds").removesuffix(".0"))
    if reason.strip() == "browser crashed":  # watcher.capture.page.BROWSER_CRASHED: not the site's fault
        return t("net.browser_crashed", lang)
    refused = re.fullmatch(r"non-public address refused(?: \((?P<host>[^)]*)\))?", reason.strip())
    if refused:  # the request policy's reason (watcher.safety.netpolicy.REFUSED_REASON)
        return t("net.private", lang, host=refused.group("host") or host)
    key = NET_REASONS.get(reason.strip().lower()) or STORED_REASONS.get(reason.strip().lower())
    if key is None and reason.lower().startswith(("cert ", "ssl")):
        key = "net.certificate"
    if key is not None:
        return t(key, lang, host=host, port=port)
    status = re.fullmatch(r"HTTP (\d{3})", reason.strip())
    if status:
        code = int(status.group(1))
        return t("net.http404" if code == 404 else "net.http5xx" if code >= 500 else "net.http4xx", lang, code=code)
    return reason


USAGE_PATTERNS = (  # click's own messages (English) -> (text key, its values); the rest is kept as click says it
    (r"No such command '(?P<name>[^']*)'\.", "usage.no_command"),
    (r"No such option:? '?(?P<name>[^' ]*)'?\.?", "usage.no_option"),
    (r"Missing argument '(?P<name>[^']*)'\.", "usage.missing_argument"),
    (r"Missing option '(?P<name>[^']*)'\.", "usage.missing_option"),
    (r"Option '(?P<name>[^']*)' requires an argument\.", "usage.needs_value"),
    (r"Invalid value for '(?P<name>[^']*)': '(?P<value>[^']*)' is not one of (?P<choices>.*)\.", "usage.choice"),
    (r"Invalid value for '(?P<name>[^']*)': '?(?P<value>[^']*?)'? is not in the range "
     r"(?P<low>[-\d.]+)<=x<=(?P<high>[-\d.]+)\.", "usage.range"),
    (r"Invalid value for '(?P<name>[^']*)': '?(?P<value>[^']*?)'? is not a valid integer(?: range)?\.", "usage.integer"),
    (r"Invalid value for '(?P<name>[^']*)': '?(?P<value>[^']*?)'? is not a valid float(?: range)?\.", "usage.number"),
    (r"Invalid value for '(?P<name>[^']*)': (?P<detail>.*)", "usage.invalid"),
    (r"Got unexpected extra arguments? \((?P<args>.*)\)", "usage.extra"),
)


def usage_words(message: str, lang: str, command: str | None = None) -> str:
    """A click usage error (« Missing argument 'CHANNEL'. ») in the coordinator's language, with the
    « did you mean » words kept and the command's help named: « il manque CHANNEL (aide : watcher notify-test --help) »."""
    text, suggestion = message.strip(), ""
    hint = re.search(r"\s*\(Did you mean(?: one of:)? (?P<words>.*)\?\)$", text)
    if hint:
        text, suggestion = text[: hint.start()], t("usage.suggest", lang, words=hint.group("words").replace("'", ""))
    for pattern, key in USAGE_PATTERNS:
        found = re.fullmatch(pattern, text, re.S)
        if found:
            values: dict[str, object] = {k: v.replace("'", "") for k, v in found.groupdict().items()}
            text = t(key, lang, count=len(str(values.get("args", "")).split()), **values)
            break
    return text + suggestion + (t("usage.help", lang, command=command) if command else "")
