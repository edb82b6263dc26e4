"""`--help` in the coordinator's language: French by default, English with `--lang en` or WATCHER_LANG=en.

The words come from the catalogs at format time (lazy): a command's help is the message « help.cmd.<path> »
(« help.cmd.watcher » for the group itself, « help.cmd.store.rebuild-index » for a sub-command), an option's help
« help.opt.<path>.<parameter> », else « help.opt.<parameter> » when every command words it alike; click's own words
(« Usage: », « Options », « Commands », « default: … », « Show this message and exit. ») are the messages
« help.click.* ». A command or option without a message keeps the French help written in the code.
`main()` turns `--lang` into WATCHER_LANG before click parses anything, so `--help` reads the language there,
wherever `--lang` stands on the line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
import click.core
import click.formatting

from watcher.i18n.catalog import book
from watcher.i18n.texts import known, t

__all__ = ["HelpCommand", "HelpContext", "HelpFormatter", "HelpGroup", "command_key", "help_lang", "option_keys", "typeset"]

# click's English words (its gettext message ids) -> our messages.
CLICK_WORDS = {
    "Usage:": "help.click.usage",
    "Options": "help.click.options",
    "Commands": "help.click.commands",
    "Positional arguments": "help.click.arguments",
    "default: {default}": "help.click.default",
    "required": "help.click.required",
    "env var: {var}": "help.click.env",
    "(dynamic)": "help.click.dynamic",
    "deprecated": "help.click.deprecated",
    "Show this message and exit.": "help.click.help",
    "Show the version and exit.": "help.click.version",
}
# click's modules that word help pages through their module-level `_` (gettext.gettext).
_CLICK_MODULES = (click.core, click.formatting)


def help_lang() -> str:
    """The language of the help: WATCHER_LANG (which `main()` sets from `--lang`), French otherwise."""
    lang = os.environ.get("WATCHER_LANG", "fr")
    return lang if lang in ("fr", "en") else "fr"


def command_key(ctx: click.Context) -> str:
    """The message of a command's help: « help.cmd. » + its path below `watcher`, joined by dots."""
    parts = ctx.command_path.split()[1:]
    return "help.cmd." + (".".join(parts) if parts else "watcher")


def option_keys(ctx: click.Context, param: click.Parameter) -> tuple[str, str]:
    """The messages an option's help is looked up in, the command's own first."""
    path = command_key(ctx)[len("help.cmd."):]
    return (f"help.opt.{path}.{param.name}", f"help.opt.{param.name}")


def _word(key: str, lang: str, fallback: str) -> str:
    return typeset(t(key, lang) if known(key) else fallback, lang)


_FRENCH_SPACES = re.compile(r"(?<=«) | (?=[»:;?!])")


def typeset(text: str, lang: str) -> str:
    """French help: the spaces inside « » and before : ; ? ! become no-break spaces, so that click's wrapping
    never leaves a « alone at the end of a line or a colon at the start of the next."""
    return _FRENCH_SPACES.sub("\u00a0", text) if lang == "fr" else text


def _metavar(param: click.Parameter, ctx: click.Context, lang: str) -> str | None:
    """An option's placeholder (TEXT, FLOAT, INTEGER RANGE…) in the help's language, None to keep click's."""
    if param.metavar is not None or param.type.get_metavar(param=param, ctx=ctx) is not None:
        return None
    key = "help.metavar." + param.type.name.replace(" ", "_")
    return t(key, lang) if known(key) else None


@contextmanager
def _translated(command: click.Command, ctx: click.Context) -> Iterator[None]:
    """While a help page is formatted: the command's, its options' and its sub-commands' help in the language
    asked for, and click's own words too; everything put back afterwards."""
    lang = help_lang()
    saved: list[tuple[Any, str, Any]] = []

    def swap(obj: Any, attr: str, value: Any) -> None:
        saved.append((obj, attr, getattr(obj, attr)))
        setattr(obj, attr, value)

    swap(command, "help", _word(command_key(ctx), lang, command.help or ""))
    help_option = command.get_help_option(ctx)
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option):
            continue
        if param is help_option:
            swap(param, "help", t("help.click.help", lang))
        elif param.name == "version":
            swap(param, "help", t("help.click.version", lang))
        elif param.help:
            key = next((k for k in option_keys(ctx, param) if known(k)), None)
            if key is not None:
                swap(param, "help", typeset(t(key, lang), lang))
        metavar = _metavar(param, ctx, lang)
        if metavar is not None and not (isinstance(param, click.Option) and param.is_flag):
            swap(param, "metavar", metavar)
    swap(command, "options_metavar", t("help.click.options_metavar", lang))
    if isinstance(command, click.Group):
        own = command_key(ctx)
        prefix = "help.cmd." if ctx.parent is None else own + "."
        for name, sub in command.commands.items():
            sub_key = prefix + name
            if known(sub_key):
                swap(sub, "help", typeset(t(sub_key, lang), lang))
                swap(sub, "short_help", None)
        if command.subcommand_metavar is None or command.subcommand_metavar.startswith("COMMAND"):
            key = "help.click.subcommand_metavar" + ("_chain" if command.chain else "")
            swap(command, "subcommand_metavar", t(key, lang))

    def gettext(message: str) -> str:
        key = CLICK_WORDS.get(message)
        # click fills the placeholders ({default}, {var}) itself: the message as written in the catalog
        if key is None or not known(key):
            return message
        words = book(lang).translations.gettext(key)
        return words if key == "help.click.usage" else typeset(words, lang)  # « Utilisation : » starts a line

    for module in _CLICK_MODULES:
        swap(module, "_", gettext)
    try:
        yield
    finally:
        for obj, attr, value in reversed(saved):
            setattr(obj, attr, value)


class HelpFormatter(click.HelpFormatter):
    """click's formatter with French typography in French: « Options : » (a space before the colon)."""

    def write_heading(self, heading: str) -> None:
        colon = " :" if help_lang() == "fr" else ":"
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")


class HelpContext(click.Context):
    formatter_class = HelpFormatter


class HelpCommand(click.Command):
    """A click command whose help page is worded in the coordinator's language (see the module docstring)."""

    context_class = HelpContext

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self, ctx):
            super().format_help(ctx, formatter)


class HelpGroup(click.Group):
    """A click group whose help page (and its commands' and sub-groups') is worded in the coordinator's language."""

    context_class = HelpContext
    command_class = HelpCommand
    group_class = type  # sub-groups are HelpGroups too

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self, ctx):
            super().format_help(ctx, formatter)
