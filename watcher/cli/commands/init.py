"""`watcher init [DIR]`: a commented targets.yaml and notifiers/channels.yaml to start from, never overwriting."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from watcher.config.targets import read_yaml, url_suggestion
from watcher.errors import InputError, WatcherError
from watcher.i18n.texts import t

__all__ = ["run_init"]

EXAMPLE_URL = "https://www.service-public.fr/"
EXAMPLE_ID = "service-public"
EXAMPLE_NAME = "Service-Public.fr — accueil"


@dataclass(frozen=True)
class Example:
    """The one page the new targets.yaml watches: the shipped example, or the address given with --url."""

    id: str
    name: str
    url: str


def example_for(url: str | None) -> Example:
    """The example page; `url` (completed with https:// when it has no scheme) replaces the shipped one."""
    if not url:
        return Example(EXAMPLE_ID, EXAMPLE_NAME, EXAMPLE_URL)
    from watcher.config.edit import slug_id

    full = url if "://" in url else url_suggestion(url) or url
    return Example(slug_id(full, set()), "Page d'exemple", full)


def template(name: str, lang: str) -> str:
    """The commented `targets.yaml` or `channels.yaml` (`name` without suffix) in `lang`: one template for every
    language, its comments from the catalogs (« init.* » messages)."""
    from jinja2 import PackageLoader

    from watcher.i18n.templating import environment

    env = environment(lang, PackageLoader("watcher", "templates/init"), keep_trailing_newline=True,
                      autoescape=False)
    return env.get_template(f"{name}.yaml.j2").render()


def run_init(folder: Path, url: str | None, lang: str) -> None:
    """Write the two files where they are missing (or empty), the JSON schemas, then say what to run next."""
    example = example_for(url)
    targets = (template("targets", lang).replace("__ID__", example.id).replace("__NAME__", example.name)
               .replace("__URL__", example.url))
    written = [write_new(folder / "targets.yaml", targets, lang),
               write_new(folder / "notifiers" / "channels.yaml", template("channels", lang), lang)]
    if not (folder / "schema").exists():
        from watcher.cli.common import write_schemas

        write_schemas(folder / "schema")
    if not any(written):
        raise InputError(t("init.nothing", lang, folder=folder))
    click.echo(t("init.next", lang))
    if folder.resolve() != Path.cwd().resolve():
        click.echo(t("init.cd", lang, folder=folder))
    for step in ("validate", "check", "add"):
        click.echo(t("init.step." + step, lang))


def write_new(path: Path, text: str, lang: str) -> bool:
    """Write `text` to `path` unless the file already holds something; say which. True when written."""
    existed = path.exists()
    if existed and (path.is_dir() or read_yaml(path) is not None):
        click.echo(t("init.kept", lang, file=path))
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".yaml", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise WatcherError(f"{path}: {exc.strerror or exc}") from None
    click.echo(t("init.filled" if existed else "init.wrote", lang, file=path))
    return True
