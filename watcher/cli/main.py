"""The `watcher` command line: parse, call, format. Errors become one line on stderr and exit code 2."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from watcher import __version__
from watcher.cli.common import EXIT_ALERT, EXIT_ERROR, EXIT_OK, Paths, emit_json
from watcher.cli.help import HelpGroup
from watcher.cli.sniff import is_png_file
from watcher.errors import ConfigError, InputError, StoreError, WatcherError
from watcher.safety.sanitize import guard_stdout, strip_controls

__all__ = ["Paths", "cli", "main"]


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--config, --snapshots and --notifiers, accepted by every command after its name."""

    @click.option("--config", "config_path", default="targets.yaml", show_default=True,
                  help="Fichier des pages surveillées (targets.yaml).")
    @click.option("--snapshots", "snapshots_path", default=None,
                  help="Dossier des captures (défaut : snapshots/ à côté du fichier de configuration, "
                       "ou $WATCHER_SNAPSHOTS).")
    @click.option("--notifiers", "notifiers_path", default=None,
                  help="Dossier des canaux d'alerte (défaut : notifiers/ à côté du fichier de configuration).")
    @functools.wraps(func)
    def wrapper(config_path: str, snapshots_path: str | None, notifiers_path: str | None,
                **kwargs: Any) -> Any:
        paths = Paths(config_path, snapshots_path, notifiers_path)
        if click.get_current_context().info_name not in WITHOUT_CONFIG:
            require_setup(paths)
        return func(paths, **kwargs)

    return wrapper


# Commands that work in a folder with no targets.yaml: they read files, create it, or only read the snapshots.
WITHOUT_CONFIG = frozenset({"diff", "skeleton", "add", "schema", "serve", "build", "tutorial", "init", "validate",
                            "rebuild-index"})


def require_setup(paths: Paths) -> None:
    """A folder with neither targets.yaml nor snapshots: one line saying to run `watcher init` (exit 2)."""
    if not paths.config.exists() and not paths.snapshots.exists():
        from watcher.config.targets import load_config

        load_config(paths.config)  # raises the "run watcher init" error


lang_option = click.option("--lang", type=click.Choice(["fr", "en"]), default=None,
                           help="Langue des messages (fr par défaut).")
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                             show_default=True, help="text pour les personnes, json pour les programmes.")


def pick_lang(lang: str | None) -> str:
    return lang or os.environ.get("WATCHER_LANG", "fr")


def argv_lang(argv: list[str]) -> str:
    """The language asked for on the command line (`--lang en`), for errors raised before a command runs."""
    for index, arg in enumerate(argv):
        if arg.startswith("--lang="):
            return pick_lang(arg.split("=", 1)[1])
        if arg == "--lang" and index + 1 < len(argv):
            return pick_lang(argv[index + 1])
    return pick_lang(None)


@click.group(cls=HelpGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="watcher")
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None, expose_value=False,
              help="Langue des messages (fr par défaut).")  # read by main() (WATCHER_LANG), e.g. for --help
def cli() -> None:
    """watcher : surveille les pages des services publics et prévient le réseau quand l'interface change."""


@cli.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path), default=Path("."))
@click.option("--url", default=None, help="Adresse de la page d'exemple (défaut : l'accueil de service-public.fr).")
@lang_option
def init(folder: Path, url: str | None, lang: str | None) -> None:
    """Crée un targets.yaml et un notifiers/channels.yaml commentés pour commencer (sans rien écraser)."""
    from watcher.cli.commands.init import run_init

    run_init(folder, url, pick_lang(lang))


@cli.command()
@common_options
@click.argument("targets", nargs=-1)
@format_option
@lang_option
@click.option("--confirm", "confirm", is_flag=True,
              help="Re-vérifie après un délai les pages qui alertent ; n'alerte que si le changement est resté.")
@click.option("--confirm-delay", default=60.0, show_default=True, help="Délai de la re-vérification (secondes).")
@click.option("--no-notify", "no_notify", is_flag=True,
              help="Essai : ne met aucune alerte en file et n'envoie rien.")
def check(paths: Paths, targets: tuple[str, ...], fmt: str, lang: str | None, confirm: bool,
          confirm_delay: float, no_notify: bool) -> None:
    """Capture maintenant les pages (toutes, ou TARGETS), les compare à la capture précédente et envoie les
    alertes comme le service (channels.yaml), sauf avec --no-notify."""
    from watcher.cli.commands.check import run_check

    sys.exit(run_check(paths, list(targets), fmt, pick_lang(lang), confirm_delay if confirm else None,
                       notify=not no_notify))


@cli.command()
@common_options
@click.argument("target")
@format_option
@lang_option
def history(paths: Paths, target: str, fmt: str, lang: str | None) -> None:
    """Historique des vérifications d'une page, de la plus ancienne à la plus récente (heures de Paris)."""
    from watcher.cli.commands.history import show_history

    show_history(paths, target, fmt, pick_lang(lang))


@cli.command()
@common_options
@click.argument("file", required=False)
@click.option("--online", is_flag=True,
              help="Essai en ligne : une capture de chaque page, un passage de chaque procédure (rien n'est gardé).")
@lang_option
def validate(paths: Paths, file: str | None, online: bool, lang: str | None) -> None:
    """Vérifie targets.yaml (par défaut celui de --config) et notifiers/channels.yaml : ce qui échouerait plus tard."""
    from watcher.cli.commands.validate import run_validate

    sys.exit(run_validate(paths, Path(file) if file else None, online, pick_lang(lang)))


@cli.command()
@common_options
@click.argument("before", type=click.Path(path_type=Path))
@click.argument("after", type=click.Path(path_type=Path))
@format_option
@lang_option
@click.option("--target", "target_id", default=None, help="Applique les réglages (ignore, min_severity) de cette page.")
def diff(paths: Paths, before: Path, after: Path, fmt: str, lang: str | None, target_id: str | None) -> None:
    """Compare deux pages HTML, deux captures d'écran PNG ou deux dossiers de capture."""
    if fmt == "json" and target_id is None and is_png_file(before) and is_png_file(after):
        # Two screenshots: only the visual diff is imported (no parser, no configuration): start-up counts.
        from watcher.detect.visual import diff_screenshots

        visual = diff_screenshots(before, after)
        emit_json(visual.to_json())
        sys.exit(EXIT_ALERT if visual.alert else EXIT_OK)
    from watcher.cli.commands.diff import run_diff

    sys.exit(run_diff(paths, before, after, fmt, pick_lang(lang), target_id))


@cli.command()
@common_options
@click.argument("source")
@format_option
@lang_option
def skeleton(paths: Paths, source: str, fmt: str, lang: str | None) -> None:
    """Affiche le squelette d'interface (liens, boutons, champs, titres, zones) d'un fichier HTML ou d'une URL."""
    from watcher.cli.commands.diff import show_skeleton

    show_skeleton(source, fmt, pick_lang(lang))


@cli.command()
@click.option("--out", "out_dir", default=None, help="Dossier des résultats (défaut : un dossier temporaire).")
@lang_option
def demo(out_dir: str | None, lang: str | None) -> None:
    """Démonstration hors ligne : un site de démarches fictif change d'interface ; watcher le détecte."""
    from watcher.demo.runner import run_demo

    sys.exit(run_demo(Path(out_dir) if out_dir else None, pick_lang(lang)))


@cli.command()
@common_options
@click.option("--confirm-delay", default=600.0, show_default=True,
              help="Secondes avant la re-vérification qui confirme un changement (0 : alerte immédiate).")
@click.option("-v", "--verbose", is_flag=True, help="Journal détaillé.")
@click.option("--web", "with_web", is_flag=True,
              help="Servir aussi la page web des coordinateurs (« Vérifier maintenant » fait par le service).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Avec --web : adresse d'écoute (locale par défaut ; une autre exige un compte).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Avec --web : port d'écoute.")
@lang_option
def run(paths: Paths, confirm_delay: float, verbose: bool, with_web: bool, host: str, port: int,
        lang: str | None) -> None:
    """Service : vérifie chaque page selon son calendrier, confirme les changements, alerte le réseau."""
    from watcher.cli.commands.run import WebOptions, run_service

    web = WebOptions(host, port, pick_lang(lang)) if with_web else None
    run_service(paths, confirm_delay=confirm_delay, verbose=verbose, web=web)


@cli.group()
def changelog() -> None:
    """Journal visuel des changements : site statique, flux Atom et fiches de co-formation."""


@changelog.command("build")
@common_options
@click.option("--out", "out_dir", default=None,
              help="Dossier du site (défaut : changelog/ à côté du dossier des captures).")
@click.option("--no-pdf", is_flag=True, help="Ne pas produire les fiches PDF (plus rapide, sans navigateur).")
@click.option("--base-url", default=None, help="Adresse publique du site, pour des liens absolus dans les flux Atom.")
@lang_option
def changelog_build(paths: Paths, out_dir: str | None, no_pdf: bool, base_url: str | None,
                    lang: str | None) -> None:
    """Construit (ou met à jour) le journal des changements à partir des captures."""
    from watcher.config.targets import load_config
    from watcher.publish.changelog.build import run_build

    config = load_config(paths.config) if paths.config.is_file() else None  # tutorials show its dummy values
    report = run_build(paths.snapshots, Path(out_dir) if out_dir else None, pick_lang(lang), not no_pdf, base_url,
                       config)
    click.echo(report.describe(pick_lang(lang)))


@cli.group("store")
def store_group() -> None:
    """Le dossier des captures et son index."""


@store_group.command("rebuild-index")
@common_options
@lang_option
def store_rebuild_index(paths: Paths, lang: str | None) -> None:
    """Reconstruit l'index des captures (index.sqlite3) à partir des dossiers de capture, et dit ce qu'il a trouvé."""
    from watcher.store.rebuild import rebuild_index

    click.echo(rebuild_index(paths.snapshots).describe(pick_lang(lang)))


@cli.command()
@common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute (locale par défaut).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port d'écoute.")
@click.option("--dir", "site_dir", default=None, help="Dossier du journal (défaut : changelog/ à côté des captures).")
@lang_option
def serve(paths: Paths, host: str, port: int, site_dir: str | None, lang: str | None) -> None:
    """Sert le journal des changements en lecture seule (GET et HEAD uniquement)."""
    from watcher.publish.changelog.build import default_out
    from watcher.publish.changelog.serve import serve_changelog
    from watcher.publish.changelog.texts import ui

    def announce(bound_host: str, bound_port: int) -> None:
        click.echo(ui("serving", pick_lang(lang), host=bound_host, port=bound_port))

    serve_changelog(Path(site_dir) if site_dir else default_out(paths.snapshots), host, port, announce)


@cli.command()
@common_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Adresse d'écoute (locale par défaut ; une autre exige un compte).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port d'écoute.")
@lang_option
def web(paths: Paths, host: str, port: int, lang: str | None) -> None:
    """Page web des coordinateurs : pages surveillées, ajout d'une page, revue des changements (avec comptes)."""
    from watcher.cli.commands.web import run_web

    run_web(paths, host, port, pick_lang(lang))


@cli.group()
def user() -> None:
    """Comptes de la page web (watcher web) : ajouter, lister, supprimer."""


@user.command("add")
@common_options
@click.argument("name")
@click.option("--password-stdin", "from_stdin", is_flag=True, help="Lit le mot de passe sur l'entrée standard.")
@click.option("--read-only", is_flag=True, help="Compte en lecture seule (médiateurs) : voit tout, ne change rien.")
@lang_option
def user_add(paths: Paths, name: str, from_stdin: bool, read_only: bool, lang: str | None) -> None:
    """Crée un compte (mot de passe demandé deux fois, ou lu sur l'entrée standard)."""
    from watcher.cli.commands.web import run_user_add

    run_user_add(paths, name, from_stdin, read_only, pick_lang(lang))


@user.command("list")
@common_options
@lang_option
def user_list(paths: Paths, lang: str | None) -> None:
    """Liste les comptes (jamais les mots de passe)."""
    from watcher.cli.commands.web import run_user_list

    run_user_list(paths, pick_lang(lang))


@user.command("remove")
@common_options
@click.argument("name")
@lang_option
def user_remove(paths: Paths, name: str, lang: str | None) -> None:
    """Supprime un compte et ferme ses sessions."""
    from watcher.cli.commands.web import run_user_remove

    run_user_remove(paths, name, pick_lang(lang))


@cli.group(invoke_without_command=True)
@common_options
@format_option
@lang_option
def outbox(paths: Paths, fmt: str, lang: str | None) -> None:
    """File d'envoi des alertes : à envoyer, envoyées, en échec (destinations masquées)."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    from watcher.cli.tables import outbox_table
    from watcher.deliver.notify import Outbox

    with Outbox.at(paths.snapshots) as box:
        entries = box.entries()
    if fmt == "json":
        emit_json({"messages": [e.to_json() for e in entries]})
    else:
        click.echo(outbox_table(entries, pick_lang(lang)))


@outbox.command("retry")
@common_options
@click.option("--failed", "include_failed", is_flag=True, help="Réessaie aussi les messages en échec définitif.")
@click.option("--digests", is_flag=True, help="Envoie dès maintenant les résumés quotidiens en attente.")
@lang_option
def outbox_retry(paths: Paths, include_failed: bool, digests: bool, lang: str | None) -> None:
    """Envoie maintenant ce qui attend dans la file, sans attendre le délai entre deux essais."""
    import signal

    from watcher.config.channels import load_channels
    from watcher.deliver.notify import Notifier, Outbox, delivery_lines, retry_summary

    with Outbox.at(paths.snapshots) as box:
        if include_failed:
            box.requeue_failed()
        notifier = Notifier(box, load_channels(paths.notifiers))
        # SIGTERM: take no new message; the send in flight ends and is recorded before the outbox closes
        signal.signal(signal.SIGTERM, lambda *_: notifier.stop())
        report = notifier.send_due(force=True, digests_now=digests)
    for line in [*delivery_lines(report, pick_lang(lang)), retry_summary(report, pick_lang(lang))]:
        click.echo(line)
    sys.exit(EXIT_OK if report.ok else EXIT_ERROR)


@cli.command("notify-test")
@common_options
@click.argument("channel")
@lang_option
def notify_test(paths: Paths, channel: str, lang: str | None) -> None:
    """Envoie une alerte d'essai (avec une image) à toutes les destinations du canal CHANNEL."""
    import tempfile

    from watcher.config.channels import load_channels
    from watcher.deliver.notify import delivery_lines, send_test

    with tempfile.TemporaryDirectory(prefix="watcher-notify-test-") as tmp:
        report = send_test(load_channels(paths.notifiers), channel, Path(tmp))
    click.echo("\n".join(delivery_lines(report, pick_lang(lang))))
    sys.exit(EXIT_OK if report.ok else EXIT_ERROR)


@cli.command()
@common_options
@click.argument("target")
@click.option("--runs", default=3, show_default=True, type=click.IntRange(2, 10),
              help="Nombre de captures à comparer (dans chaque fenêtre configurée).")
@click.option("--write", is_flag=True, help="Écrit les réglages proposés dans targets.yaml (copie .bak gardée).")
@lang_option
def tune(paths: Paths, target: str, runs: int, write: bool, lang: str | None) -> None:
    """Capture une page plusieurs fois, montre ce qui varie et propose ignore / mask / cookie_banner."""
    from watcher.cli.commands.coordinator import run_tune

    run_tune(paths, target, runs, write, pick_lang(lang))


@cli.command()
@common_options
@click.argument("url")
@click.option("--name", default=None, help="Nom de la page (défaut : son titre).")
@click.option("--id", "target_id", default=None, help="Identifiant (défaut : tiré de l'adresse).")
@click.option("--tags", default="", help="Étiquettes séparées par des virgules, ex. caf,rsa.")
@click.option("--schedule", default="0 7 * * 1-5", show_default=True, help="Calendrier (cron ou « every 6h »).")
@click.option("--force", is_flag=True, help="Ajoute la page même si elle est injoignable maintenant.")
@lang_option
def add(paths: Paths, url: str, name: str | None, target_id: str | None, tags: str, schedule: str, force: bool,
        lang: str | None) -> None:
    """Ajoute une page à targets.yaml après une capture d'essai (commentaires du fichier conservés)."""
    from watcher.cli.commands.coordinator import NewTarget, run_add

    tag_list = [tag.strip() for tag in tags.split(",") if tag.strip()]
    run_add(paths, NewTarget(url, name, target_id, tag_list, schedule), force, pick_lang(lang))


@cli.command()
@common_options
@click.argument("change_id")
@lang_option
def explain(paths: Paths, change_id: str, lang: str | None) -> None:
    """Pourquoi un changement a alerté : éléments, règle, gravité, et le réglage qui le ferait taire."""
    from watcher.cli.commands.coordinator import run_explain

    run_explain(paths, change_id, pick_lang(lang))


@cli.command()
@common_options
@format_option
@lang_option
def stats(paths: Paths, fmt: str, lang: str | None) -> None:
    """Par page : vérifications, changements, alertes, taux d'injoignabilité, fausses alertes notées."""
    from watcher.cli.commands.coordinator import run_stats

    run_stats(paths, fmt, pick_lang(lang))


@cli.command()
@common_options
@click.argument("change_id")
@click.argument("label", metavar="bruit|réel")
@click.option("--note", default=None, help="Une remarque pour les autres coordinateurs.")
@lang_option
def mark(paths: Paths, change_id: str, label: str, note: str | None, lang: str | None) -> None:
    """Note un changement comme fausse alerte (bruit) ou vrai changement (réel) ; noise et real aussi acceptés."""
    from watcher.cli.commands.coordinator import mark_label, run_mark

    run_mark(paths, change_id, mark_label(label, pick_lang(lang)), note, pick_lang(lang))


@cli.command()
@common_options
@click.option("--out", "out_dir", default=None, help="Dossier de sortie (défaut : schema/ à côté de targets.yaml).")
@lang_option
def schema(paths: Paths, out_dir: str | None, lang: str | None) -> None:
    """Écrit les schémas JSON de targets.yaml et channels.yaml (complétion et contrôle dans l'éditeur)."""
    from watcher.cli.commands.coordinator import run_schema

    run_schema(paths, Path(out_dir) if out_dir else None, pick_lang(lang))


@cli.command()
@common_options
@click.argument("procedure")
@click.option("--target", "target_id", default=None, help="La page dont la procédure fait partie (si le nom est ambigu).")
@click.option("--out", "out_dir", default=None, help="Dossier du site (défaut : changelog/ à côté des captures).")
@click.option("--no-pdf", is_flag=True, help="Ne pas produire le PDF (plus rapide, sans navigateur).")
@lang_option
def tutorial(paths: Paths, procedure: str, target_id: str | None, out_dir: str | None, no_pdf: bool,
             lang: str | None) -> None:
    """Tutoriel illustré d'une procédure (nom ou identifiant), tiré de son dernier passage réussi."""
    from watcher.config.targets import load_config
    from watcher.publish.changelog.build import beside_config, build_tutorial, default_out
    from watcher.store.snapshots import Store

    config = load_config(paths.config) if paths.config.is_file() else beside_config(paths.snapshots)
    with Store(paths.snapshots) as store:
        page = build_tutorial(store, Path(out_dir) if out_dir else default_out(paths.snapshots), procedure,
                              target_id, pick_lang(lang), not no_pdf, config)
    click.echo(str(page.resolve()))


def main(argv: list[str] | None = None) -> None:
    """Entry point: one line on stderr and exit 2 for every error watcher knows about."""
    args = sys.argv[1:] if argv is None else argv
    before = os.environ.get("WATCHER_LANG")
    if any(arg == "--lang" or arg.startswith("--lang=") for arg in args):  # messages raised deep inside follow it
        os.environ["WATCHER_LANG"] = argv_lang(args)
    stdout = sys.stdout
    guard_stdout()  # names from pages are printed: no escape sequence reaches the terminal
    try:
        _main(argv)
    finally:  # the language asked for lasts one command (main() is also called in-process)
        sys.stdout = stdout
        if before is None:
            os.environ.pop("WATCHER_LANG", None)
        else:
            os.environ["WATCHER_LANG"] = before


def _main(argv: list[str] | None) -> None:
    try:
        code = cli.main(args=argv, prog_name="watcher", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("watcher: interrompu", err=True)
        sys.exit(EXIT_ERROR)
    except click.exceptions.NoArgsIsHelpError as exc:  # `watcher` alone: the help, as `watcher --help` gives it
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        sys.exit(EXIT_OK)
    except click.UsageError as exc:  # click's own words, in the coordinator's language
        from watcher.i18n.texts import usage_words

        lang = argv_lang(sys.argv[1:] if argv is None else argv)
        command = exc.ctx.command_path if exc.ctx else None
        click.echo(f"watcher: {usage_words(exc.format_message(), lang, command)}", err=True)
        sys.exit(EXIT_ERROR)
    except click.ClickException as exc:
        click.echo(f"watcher: {exc.format_message()}", err=True)
        sys.exit(EXIT_ERROR)
    except ConfigError as exc:  # "file:line: field: message", every mistake of the file, one per line
        from watcher.config.problems import ConfigProblems

        lang = argv_lang(sys.argv[1:] if argv is None else argv)
        click.echo(exc.render(lang) if isinstance(exc, ConfigProblems) else str(exc), err=True)
        sys.exit(EXIT_ERROR)
    except (InputError, StoreError) as exc:
        click.echo(f"watcher: {strip_controls(exc.render(argv_lang(sys.argv[1:] if argv is None else argv)))}",
                   err=True)
        sys.exit(EXIT_ERROR)
    except WatcherError as exc:
        click.echo(f"watcher: {strip_controls(str(exc))}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
