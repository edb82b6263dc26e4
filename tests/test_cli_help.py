"""`--help` in French by default and in English with `--lang en` or WATCHER_LANG=en, words from the catalogs."""

from __future__ import annotations

import click
import pytest

from watcher.cli.help import command_key, option_keys
from watcher.cli.main import cli, main
from watcher.i18n.catalog import LANGS, has


def help_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # words as read, whatever the terminal's width


def test_help_is_french_by_default(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHER_LANG", raising=False)
    out = help_of(["check", "--help"], capsys)
    assert out.startswith("Utilisation : watcher check")
    assert "Options :" in out and "Affiche cette aide et s'arrête." in out and "[défaut : 60.0]" in out
    assert "Capture maintenant les pages" in out and "Show this message" not in out


@pytest.mark.parametrize("argv", [["--lang", "en", "check", "--help"], ["check", "--help", "--lang", "en"],
                                  ["check", "--lang=en", "-h"]])
def test_help_in_english_with_lang(argv: list[str], capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHER_LANG", raising=False)
    out = help_of(argv, capsys)
    assert out.startswith("Usage: watcher check")
    assert "Options:" in out and "Show this message and exit." in out and "[default: 60.0]" in out
    assert "Captures the pages now" in out and "Délai" not in out


def test_help_in_english_from_the_environment(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHER_LANG", "en")
    out = help_of(["--help"], capsys)
    assert "Commands:" in out and "Show the version and exit." in out
    assert "Rebuilds the captures index" in help_of(["store", "--help"], capsys)


def test_the_words_in_the_code_are_put_back(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Formatting a help page in English leaves the commands and click as they were (main() runs in-process)."""
    monkeypatch.delenv("WATCHER_LANG", raising=False)
    help_of(["--lang", "en", "user", "add", "--help"], capsys)
    check = cli.commands["check"]
    assert check.help is not None and check.help.startswith("Capture maintenant")
    assert help_of(["user", "add", "--help"], capsys).startswith("Utilisation : watcher user add")


def commands(group: click.Group, ctx: click.Context) -> list[tuple[click.Command, click.Context]]:
    found: list[tuple[click.Command, click.Context]] = [(group, ctx)]
    for name, command in group.commands.items():
        sub = click.Context(command, info_name=name, parent=ctx)
        if isinstance(command, click.Group):
            found += commands(command, sub)
        else:
            found.append((command, sub))
    return found


def test_every_command_and_option_has_its_words_in_both_languages() -> None:
    """A new command or option needs its help in the catalogs: scripts/catalog_add.py help.cmd.<path> or
    help.opt.<name> (help.opt.<path>.<name> when its words differ from one command to another)."""
    missing = []
    for command, ctx in commands(cli, click.Context(cli, info_name="watcher")):
        keys = [command_key(ctx)] if command.help else []
        for param in command.get_params(ctx):
            if isinstance(param, click.Option) and param.help and param.name not in ("version",) \
                    and param is not command.get_help_option(ctx):
                found = next((k for k in option_keys(ctx, param) if has(k)), None)
                keys.append(found or option_keys(ctx, param)[1])
        missing += [(key, lang) for key in keys for lang in LANGS if not has(key, lang)]
    assert not missing, missing


def test_french_help_has_french_placeholders_and_never_wraps_inside_quotes(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHER_LANG", raising=False)
    monkeypatch.setenv("COLUMNS", "60")
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    raw = capsys.readouterr().out
    assert "--config TEXTE" in raw and "--port ENTIER" in raw and "TEXT " not in raw
    assert not any(line.rstrip().endswith("«") or line.lstrip().startswith(("»", ":", ";")) for line in raw.splitlines())
    assert "COMMANDE [ARGUMENTS]..." in help_of(["--help"], capsys)
    assert "--config TEXT " in help_of(["--lang", "en", "run", "--help"], capsys)
