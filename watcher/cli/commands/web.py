"""`watcher web` and `watcher user add/list/remove`: the coordinators' web page and who may open it."""

from __future__ import annotations

import sys

import click

from watcher.cli.common import Paths
from watcher.errors import InputError
from watcher.store.snapshots import Store
from watcher.web.accounts import NAME_PATTERN, Accounts, account_text

__all__ = ["run_user_add", "run_user_list", "run_user_remove", "run_web"]

def _t(key: str, lang: str, **values: object) -> str:
    """The words of `key` (« user.<key> » in the gettext catalogs) in `lang`, with `values` filled in."""
    from watcher.i18n.texts import t

    return t("user." + key, lang, **values)


def read_password(from_stdin: bool, lang: str) -> str:
    """The new password: the first line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError(_t("empty_stdin", lang))
        return password
    first = click.prompt(_t("prompt", lang), hide_input=True, err=True)
    second = click.prompt(_t("again", lang), hide_input=True, err=True)
    if first != second:
        raise InputError(_t("mismatch", lang))
    return str(first)


def run_user_add(paths: Paths, name: str, from_stdin: bool, read_only: bool, lang: str) -> None:
    if not NAME_PATTERN.match(name):  # say so before asking for a password
        raise InputError(account_text("bad_name", lang, name=name))
    password = read_password(from_stdin, lang)
    role = "reader" if read_only else "coordinator"
    with Store(paths.snapshots) as store:
        Accounts(store).add(name, password, role, lang)
    click.echo(_t("added", lang, name=name, role=_t("role." + role, lang)))


def run_user_list(paths: Paths, lang: str) -> None:
    from watcher.cli.tables import paris_time

    with Store(paths.snapshots) as store:
        accounts = Accounts(store).list()
    if not accounts:
        click.echo(_t("none", lang))
    for account in accounts:
        click.echo(f"{account.name}  ({_t('role.' + account.role, lang)}, {_t('created', lang)} "
                   f"{paris_time(account.created)})")


def run_user_remove(paths: Paths, name: str, lang: str) -> None:
    with Store(paths.snapshots) as store:
        Accounts(store).remove(name, lang)
    click.echo(_t("removed", lang, name=name))


def run_web(paths: Paths, host: str, port: int, lang: str) -> None:
    """Serve the web page until interrupted; refuses a non-loopback address while no account exists."""
    from watcher.web.server import announce_text, serve

    def announce(bound_host: str, bound_port: int) -> None:
        click.echo(announce_text(bound_host, bound_port, lang))

    serve(paths.config, paths.snapshots, paths.notifiers, host, port, lang, announce)
