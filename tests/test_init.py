"""`watcher init`: from an empty folder to a first check with no manual edit; nothing is ever overwritten."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import LocalSite, run_watcher
from watcher.config.channels import ChannelsFile
from watcher.config.problems import ConfigProblems
from watcher.config.targets import Config, load_config

PAGE = """<!DOCTYPE html><html lang="fr"><head><title>Mes démarches</title></head><body>
<header><nav aria-label="Menu principal"><a href="/compte">Mon Compte</a></nav></header>
<main><h1>Bienvenue</h1><form action="/login"><label for="i">Identifiant</label><input id="i">
<button type="submit">Se connecter</button></form></main></body></html>"""


def test_init_writes_both_files_and_says_what_to_run_next(tmp_path: Path) -> None:
    folder = tmp_path / "reseau"
    result = run_watcher("init", folder)
    assert result.code == 0, result.err
    assert f"Créé : {folder / 'targets.yaml'}" in result.out
    assert f"Créé : {folder / 'notifiers' / 'channels.yaml'}" in result.out
    commands = re.findall(r"^  (watcher \w+|cd \S+)", result.out, re.M)
    assert commands == [f"cd {folder}", "watcher validate", "watcher check", "watcher add"]
    config = load_config(folder / "targets.yaml")
    assert [t.url for t in config.targets] == ["https://www.service-public.fr/"]
    assert (folder / "schema" / "targets.schema.json").is_file()
    validated = run_watcher("validate", cwd=folder)
    assert validated.code == 0 and "configuration valide (1 page" in validated.out


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_commented_examples_are_valid_once_uncommented(tmp_path: Path, lang: str) -> None:
    assert run_watcher("init", tmp_path, "--lang", lang).code == 0
    targets = (tmp_path / "targets.yaml").read_text(encoding="utf-8")
    channels = (tmp_path / "notifiers" / "channels.yaml").read_text(encoding="utf-8")
    assert ("Les pages et les démarches" in targets) == (lang == "fr")
    # Uncomment every commented YAML line below the first key (prose comments start with a capital or "---").
    body = targets[targets.index("settings:"):]
    uncommented = re.sub(r"^(\s*)# (?=[a-z_ -]+:|- |\s+- )", r"\1", body, flags=re.M)
    uncommented = re.sub(r"\s+# [^\n\"']*$", "", uncommented, flags=re.M)
    data = YAML(typ="safe").load(uncommented)
    assert len(data["targets"]) == 2 and data["targets"][0]["procedures"]
    Config.model_validate(data)
    chan = channels[channels.index("digest_hour:"):]
    chan = re.sub(r"^(\s*)# (?=\s*[a-z][a-z_-]*:)", r"\1", chan, flags=re.M)
    parsed = ChannelsFile.model_validate(YAML(typ="safe").load(chan))
    assert {"local", "coordination", "mediateurs", "promeneurs-du-net"} <= set(parsed.channels)


def test_init_never_overwrites_but_fills_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "targets.yaml").write_text("# à remplir\n", encoding="utf-8")
    (tmp_path / "notifiers").mkdir()
    (tmp_path / "notifiers" / "channels.yaml").write_text("channels:\n  a: {urls: ['console://']}\n")
    result = run_watcher("init", tmp_path)
    assert result.code == 0
    assert "Complété (il était vide)" in result.out and "Déjà là, laissé tel quel" in result.out
    assert (tmp_path / "notifiers" / "channels.yaml").read_text() == "channels:\n  a: {urls: ['console://']}\n"
    again = run_watcher("init", tmp_path)
    assert again.code == 2 and "rien n'a été écrit" in again.err and "Traceback" not in again.err
    assert again.out.count("Déjà là") == 2


def test_a_folder_without_targets_says_to_run_init(tmp_path: Path) -> None:
    for command in (["check"], ["validate"], ["stats"], ["outbox"], ["history", "x"], ["mark", "1", "bruit"]):
        result = run_watcher(*command, cwd=tmp_path)
        assert result.code == 2, command
        assert result.err == "targets.yaml: fichier introuvable : lancez « watcher init » pour créer un exemple " \
                             "commenté\n", command
    english = run_watcher("check", "--lang", "en", cwd=tmp_path)
    assert english.err == "targets.yaml: file not found: run “watcher init” to create a commented example\n"
    (tmp_path / "targets.yaml").write_text("\n")
    empty = run_watcher("check", cwd=tmp_path)
    assert empty.code == 2 and "le fichier est vide : lancez « watcher init »" in empty.err


def test_init_with_a_url_points_the_example_at_it(tmp_path: Path) -> None:
    assert run_watcher("init", tmp_path, "--url", "www.caf.fr/aides").code == 0
    target = load_config(tmp_path / "targets.yaml").targets[0]
    assert (target.id, target.url) == ("caf-fr-aides", "https://www.caf.fr/aides")


def test_config_problems_render_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text("targets:\n  - {id: a, name: A, url: 'https://a.fr/', schedul: every 6h}\n")
    with pytest.raises(ConfigProblems) as info:
        load_config(path)
    assert info.value.render("fr").endswith("clé inconnue « schedul » ; vouliez-vous dire « schedule » ?")
    assert info.value.render("en").endswith("unknown field “schedul”; did you mean “schedule”?")


@pytest.mark.browser
def test_from_an_empty_folder_init_validate_check_work_with_no_edit(local_site: LocalSite, tmp_path: Path) -> None:
    local_site.routes["/"] = PAGE
    steps = [("init", ".", "--url", local_site.url("/")), ("validate",), ("check",), ("check", "--format", "json")]
    results = [run_watcher(*step, cwd=tmp_path) for step in steps]
    for step, result in zip(steps, results, strict=True):
        assert result.code == 0, (step, result.out, result.err)
    assert "première capture" in results[2].out and "1 page vérifiée, 0 alerte" in results[2].out
    assert '"status": "unchanged"' in results[3].out


def test_validate_suggests_a_tag_in_use_for_a_channel_filter(tmp_path: Path) -> None:
    assert run_watcher("init", tmp_path).code == 0
    channels = tmp_path / "notifiers" / "channels.yaml"
    channels.write_text(channels.read_text(encoding="utf-8") + "  equipe:\n    urls: ['console://']\n"
                        "    tags: [exemples, ants]\n", encoding="utf-8")
    result = run_watcher("validate", cwd=tmp_path)
    assert result.code == 2
    line = len(channels.read_text(encoding="utf-8").splitlines())
    assert result.err.strip().endswith(f"channels.yaml:{line}: channels.equipe.tags[0]: aucune page n'a l'étiquette "
                                       "« exemples » : ce canal ne recevra rien pour elle ; vouliez-vous dire "
                                       "« exemple » ?")
    assert "ants" not in result.err  # a tag for pages still to come, nothing close in use: not a mistake
