"""The gettext catalogs (watcher/i18n/locale): both languages have every message used, with the same placeholders,
plural forms that work, and dates in Paris time."""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment
from jinja2.ext import babel_extract

from watcher.i18n import catalog, dates
from watcher.i18n.texts import t

PACKAGE = Path(__file__).resolve().parents[1] / "watcher"
# Placeholders a language may use alone: French agreement (« présent{e} ») has no English counterpart, and a
# library's own English words (the YAML or CSS parser's `detail`) are only quoted in English messages.
GRAMMAR = {"e"}
ENGLISH_ONLY = {"detail"}


def messages(lang: str) -> dict[str, tuple[str, ...]]:
    """msgid -> its form(s), as written in the .po file."""
    with catalog.po_path(lang).open("rb") as handle:
        po = read_po(handle)
    out: dict[str, tuple[str, ...]] = {}
    for message in po:
        if not message.id:
            continue
        key = str(message.id[0] if isinstance(message.id, tuple) else message.id)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        out[key] = tuple(str(f) for f in forms)
    return out


def placeholders(text: str) -> set[str]:
    """Python str.format fields ({name}, {ratio:.1%}) and %-style ones (%(name)s, used by templates)."""
    names = {m for m in re.findall(r"%\((\w+)\)[sd]", text)}
    for _, field, _, _ in string.Formatter().parse(text.replace("%(", "(")):
        if field is not None and field != "":
            names.add(field.split(".")[0].split("[")[0])
    return names


def test_both_catalogs_have_the_same_messages_and_placeholders() -> None:
    french, english = messages("fr"), messages("en")
    assert sorted(set(french) ^ set(english)) == []
    for key, forms in french.items():
        assert all(forms) and all(english[key]), f"{key}: untranslated"
        assert len(forms) == len(english[key]), f"{key}: plural in one language only"
        fr_names = set().union(*(placeholders(f) for f in forms)) - GRAMMAR
        en_names = set().union(*(placeholders(f) for f in english[key])) - GRAMMAR
        assert fr_names == en_names or (fr_names < en_names and en_names - fr_names <= ENGLISH_ONLY), f"{key}: {sorted(fr_names)} in French, {sorted(en_names)} in English"


def used_in_python() -> set[str]:
    """Literal keys given to t(), text(), ui() (« site. » keys) and the catalog's `has`/`known` in the package."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            key = node.args[0].value
            if not isinstance(key, str):
                continue
            if name in ("t", "text"):  # builder.t() is the changelog's ui()
                is_site = isinstance(node.func, ast.Attribute) and getattr(node.func.value, "attr", "") == "builder"
                found.add("site." + key if is_site else key)
            elif name == "ui":  # the changelog's words are « site.* », the web page's « web.* » (watcher/web/texts.py)
                found.add(("web." if "web" in path.relative_to(PACKAGE).parts[:1] else "site.") + key)
    return found


def used_in_templates() -> set[str]:
    """Keys given to _() / ngettext() (or the changelog's t()) in the package's Jinja2 templates (Babel's Jinja2
    extractor)."""
    found: set[str] = set()
    # notify templates use gettext; the changelog's call t(), bound to « site. » keys (publish/changelog/build.py)
    for folder, functions, prefix in ((PACKAGE / "templates", ("_", "gettext", "ngettext"), ""),
                                      (PACKAGE / "publish" / "changelog" / "templates", ("t",), "site.")):
        for path in folder.rglob("*.j2"):
            with path.open("rb") as handle:
                for _, _, message, _ in babel_extract(handle, functions, [], {}):
                    keys = message if isinstance(message, tuple) else (message,)
                    found.update(prefix + k for k in keys if isinstance(k, str) and k)
    return found


def test_every_message_the_code_and_templates_use_is_in_the_catalogs() -> None:
    used = used_in_python() | used_in_templates()
    assert len(used) > 200
    missing = sorted(key for key in used if not catalog.has(key, "fr") or not catalog.has(key, "en"))
    assert missing == []


def test_keys_built_from_codes_are_in_the_catalogs() -> None:
    from watcher.detect.degraded import REASONS

    keys = [f"degraded.{reason}" for reason in REASONS]
    keys += [f"severity.{level}" for level in ("info", "minor", "major", "breaking")]
    keys += [f"status.{s}" for s in ("new", "unchanged", "changed", "unreachable", "error", "degraded")]
    keys += [f"kind.{k}" for k in ("added", "removed", "renamed", "moved", "target_changed", "required_changed")]
    keys += [f"proc.step.{a}" for a in ("click", "fill", "select", "check", "expect", "goto", "wait")]
    keys += [f"mail.prompt.{k}" for k in ("renamed", "moved", "removed", "added", "target_changed",
                                            "required_changed", "other", "none")]
    assert [k for k in keys if not catalog.has(k)] == []


@pytest.mark.parametrize(("count", "alerts", "french", "english"), [
    (0, 0, "0 page vérifiée, 0 alerte", "0 pages checked, 0 alerts"),
    (1, 1, "1 page vérifiée, 1 alerte", "1 page checked, 1 alert"),
    (2, 3, "2 pages vérifiées, 3 alertes", "2 pages checked, 3 alerts"),
])
def test_plural_forms_follow_each_language(count: int, alerts: int, french: str, english: str) -> None:
    assert t("summary", "fr", count=count, alerts=alerts) == french
    assert t("summary", "en", count=count, alerts=alerts) == english
    assert t("site.count", "fr", count=count) == f"{count} changement{'s' if count > 1 else ''}"


def test_templates_plurals_go_through_ngettext() -> None:
    env = Environment(extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(catalog.translations("fr"), newstyle=True)  # type: ignore[attr-defined]
    template = env.from_string('{{ ngettext("mail.digest_title", "mail.digest_title", n) }}')
    assert template.render(n=1) == "watcher : 1 page a changé"
    assert template.render(n=2) == "watcher : 2 pages ont changé"


def test_unknown_language_is_french_and_unknown_key_fails() -> None:
    assert t("status.changed", "de") == "modifié"
    with pytest.raises(KeyError):
        t("no.such.key")


def test_catalogs_compile_from_po_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh clone has no .mo: the .po is compiled at first use, and the result cached in the user's cache folder,
    never beside the .po (a package may be installed read-only); an edited .po is compiled again."""
    folder = tmp_path / "locale" / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    folder.joinpath("watcher.po").write_bytes(catalog.po_path("en").read_bytes())
    monkeypatch.setattr(catalog, "LOCALE_DIR", tmp_path / "locale")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    catalog.book.cache_clear()
    try:
        assert catalog.text("status.changed", "en") == "changed"
        assert [p.name for p in folder.iterdir()] == ["watcher.po"]
        cached = list((tmp_path / "cache" / "watcher" / "catalogs").glob("watcher-en-*.mo"))
        assert len(cached) == 1
        catalog.book.cache_clear()
        assert catalog.text("status.changed", "en") == "changed"  # read from the cache this time
        po = folder / "watcher.po"
        po.write_text(po.read_text(encoding="utf-8").replace('"status.changed"\nmsgstr "changed"',
                                                          '"status.changed"\nmsgstr "altered"'),
                      encoding="utf-8")
        catalog.book.cache_clear()
        assert catalog.text("status.changed", "en") == "altered"
        assert len(list(cached[0].parent.glob("watcher-en-*.mo"))) == 2
    finally:
        catalog.book.cache_clear()


def test_catalogs_cache_in_the_temporary_folder_when_the_user_has_none(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    monkeypatch.setattr(catalog.tempfile, "tempdir", str(tmp_path / "tmp"))
    catalog.book.cache_clear()
    try:
        assert catalog.text("status.changed", "en") == "changed"
        assert list((tmp_path / "tmp").glob("watcher-*/catalogs/watcher-en-*.mo"))
    finally:
        catalog.book.cache_clear()


def test_dates_are_paris_time_in_words() -> None:
    winter, summer = datetime(2025, 3, 12, 13, 5, tzinfo=UTC), datetime(2025, 7, 1, 7, 0, tzinfo=UTC)
    assert dates.moment(winter, "fr") == "12 mars 2025 à 14 h 05"
    assert dates.moment(summer, "fr") == "1er juillet 2025 à 9 h 00"
    assert dates.moment(winter, "en") == "12 March 2025 at 14:05 (Paris time)"
    assert dates.stamp(summer) == "2025-07-01 09:00:00"



@pytest.mark.parametrize("lang", ["fr", "en"])
def test_one_word_per_severity_level_in_alerts_changelog_and_command_line(lang: str) -> None:
    from watcher.publish.changelog.texts import severity_label
    from watcher.report.alerts import Renderer

    alerts = Renderer().env(lang, False).from_string('{% from "_alert.j2" import severity_label %}'
                                                     '{{ severity_label(level) }}')
    for level in ("info", "minor", "major", "breaking"):
        assert alerts.render(level=level) == severity_label(level, lang) == t(f"severity.{level}", lang)
    assert severity_label("major", "fr") == "Changement important"
    assert severity_label("breaking", "fr") == "Démarche bloquée" and severity_label("breaking", "en") == "Procedure blocked"


def test_french_articles_follow_gender_and_elision() -> None:
    from watcher.i18n.grammar import Noun, de
    from watcher.i18n.phrases import role_noun

    assert [role_noun(r).the for r in ("button", "tab", "checkbox", "combobox")] == [
        "le bouton", "l'onglet", "la case à cocher", "la liste déroulante"]
    assert [role_noun(r).of for r in ("navigation", "banner", "region")] == ["du menu", "de l'en-tête", "de la section"]
    assert role_noun("option").a == "une option" and role_noun("link").a == "un lien"
    assert (de("une"), de("Paris"), Noun("haut de page").the) == ("d'une", "de Paris", "le haut de page")
    assert (role_noun("button", "en").the, Noun("element", "en").a) == ("the button", "an element")


def test_a_rebuilt_check_reason_is_worded_in_each_language() -> None:
    """`watcher store rebuild-index` stores the code « rebuilt »; older indexes hold the English sentence."""
    from watcher.i18n.texts import plain_reason

    for stored in ("rebuilt", "rebuilt from the snapshot folder"):
        assert plain_reason(stored, "https://www.caf.fr/", "fr") == "reconstruit depuis le dossier de capture"
        assert plain_reason(stored, "https://www.caf.fr/", "en") == "rebuilt from the snapshot folder"


def test_explain_suggests_an_ignore_line_that_is_valid_yaml() -> None:
    """A selector with double quotes (`nav[aria-label="Menu"]`) stays one YAML string once pasted."""
    import json

    import yaml

    from watcher.i18n.texts import t

    selector = 'nav[aria-label="Menu principal"] > ul'
    for lang in ("fr", "en"):
        line = t("explain.ignore", lang, selector=json.dumps(selector, ensure_ascii=False))
        assert yaml.safe_load(line[line.index("ignore: "):]) == {"ignore": [selector]}


def test_chromium_empty_error_response_is_worded() -> None:
    """net::ERR_HTTP_RESPONSE_CODE_FAILURE (an error status with no body) never reaches a coordinator raw."""
    from watcher.i18n.texts import plain_reason

    assert plain_reason("http response code failure", "http://10.0.0.1/", "fr") == (
        "le site 10.0.0.1 a répondu par une erreur HTTP et une page vide")
    assert "empty page" in plain_reason("http response code failure", "http://10.0.0.1/", "en")


def test_a_refused_private_address_is_worded() -> None:
    """The request policy's « non-public address refused (host) » reaches people in their language."""
    from watcher.i18n.texts import plain_reason
    from watcher.safety.netpolicy import REFUSED_REASON

    reason = f"{REFUSED_REASON} (10.0.0.1)"
    assert plain_reason(reason, "http://10.0.0.1/", "fr").startswith("adresse non publique refusée (10.0.0.1)")
    assert plain_reason(reason, "http://10.0.0.1/", "en").startswith("non-public address refused (10.0.0.1);")
    assert "10.0.0.1" in plain_reason(REFUSED_REASON, "http://10.0.0.1/", "fr")


def test_a_slow_page_and_a_browser_crash_are_worded() -> None:
    """« too slow (N s) » and « browser crashed » (watcher.capture.page) reach people in their language."""
    from watcher.i18n.texts import plain_reason

    assert plain_reason("too slow (2 s)", "https://www.caf.fr/", "fr").startswith(
        "la page répond mais est trop lente ou trop lourde à charger (plus de 2 s)")
    assert plain_reason("too slow (7.5 s)", "https://www.caf.fr/", "en").startswith("the page answers but")
    assert plain_reason("browser crashed", "https://www.caf.fr/", "fr").startswith("le navigateur s'est arrêté")


def test_english_messages_quote_with_english_quotes() -> None:
    """« » are French quotes: an English message quotes “like this”."""
    french_quoted = [key for key, forms in messages("en").items() if any("«" in form for form in forms)]
    assert not french_quoted, french_quoted


def test_a_few_changed_pixels_are_never_zero_percent() -> None:
    from watcher.i18n.texts import visual_words

    assert visual_words(0.0002, 2, "fr") == "moins de 0,1\u202f% de la page a changé visuellement (2 zones)"
    assert visual_words(0.015, 1, "fr") == "1,5\u202f% de la page a changé visuellement (1 zone)"  # as Babel writes it
    assert visual_words(0.0002, 1, "en").startswith("less than 0.1% of the page")
