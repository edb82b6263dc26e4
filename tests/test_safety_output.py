"""Output escaped for where it goes (issue 16, item 3): names from pages in alerts, terminals and logs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_alerts import BASE, make_alert, renamed
from watcher.report.alerts import Renderer, render_alert
from watcher.safety.sanitize import escape_markdown, neutralise, one_line, strip_controls

HOSTILE = "[cliquez](http://piege.example/x) @everyone @here *gras* <b>x</b> \x1b[31mrouge\x1b[0m\nligne 2"


def test_controls_and_escape_sequences_are_stripped() -> None:
    assert strip_controls("a\x1b[2Jb\x1b]0;titre\x07c\x9b31md\x00e\u202ef\tg\nh") == "abcdef\tg\nh"
    assert one_line("Se\nconnecter\r\n  maintenant\x1b[0m") == "Se connecter maintenant"


def test_mentions_and_bare_links_are_made_inert() -> None:
    text = neutralise("@everyone @Here voir https://x.example et www.y.example")
    assert "@everyone" not in text and "@Here" not in text
    assert "https://" not in text and "www." not in text
    assert text.replace("\u2060", "") == "@everyone @Here voir https://x.example et www.y.example"


def test_markdown_specials_are_escaped() -> None:
    escaped = escape_markdown("[a](b) *c* _d_ `e` <f> |g| ~h~ \\")
    assert escaped == "\\[a\\](b) \\*c\\* \\_d\\_ \\`e\\` \\<f\\> \\|g\\| \\~h\\~ \\\\"


@pytest.mark.parametrize("fmt", ["md", "txt", "html", "short"])
def test_a_hostile_name_reaches_no_alert_body_raw(fmt: str) -> None:
    alert = make_alert(renamed("Se connecter", HOSTILE))
    for lang in ("fr", "en"):
        message = render_alert(Renderer(), alert, lang, fmt, BASE)
        for text in (message.title, message.body):
            assert "\x1b" not in text and "@everyone" not in text and "@here" not in text
            assert "](http://piege" not in text and "http://piege" not in text
        assert "\n" not in message.title
        if fmt == "md":
            assert "\\[cliquez\\]" in message.body and "\\*gras\\*" in message.body
            assert "[ouvrir la page](https://" in message.body or lang == "en"  # the page's own link still works
        if fmt == "html":
            assert "<b>x</b>" not in message.body and "&lt;b&gt;x&lt;/b&gt;" in message.body


def test_terminal_output_of_diff_and_skeleton_has_no_escape_sequence(tmp_path: Path, watcher_cli: object) -> None:
    from tests.conftest import run_watcher_process

    before, after = tmp_path / "a.html", tmp_path / "b.html"
    before.write_text("<main><button>Envoyer</button></main>", encoding="utf-8")
    after.write_text("<main><button>\x1b[2J\x1b]0;pwned\x07Expédier @everyone\x07</button></main>", encoding="utf-8")
    for args in (("diff", before, after), ("skeleton", after)):
        run = run_watcher_process(*args)  # what reaches the terminal: the real process's output
        assert run.code in (0, 1), run.err
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", run.out + run.err), run.out
        assert "Expédier" in run.out
