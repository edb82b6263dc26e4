"""notifiers/channels.yaml: models, ${ENV} secrets, masking and routing."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.config.channels import load_channels, mask_url, resolve_url, route
from watcher.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "channels.yaml").write_text(text, encoding="utf-8")
    return folder


def test_shipped_example_loads_and_works_offline() -> None:
    channels = load_channels(REPO / "notifiers", env={})
    local = channels.destinations("local")
    assert [d.template for d in local][0] == "console://"
    resolved = channels.resolve(local[1].template)
    assert resolved.startswith("watcherfile:///") and resolved.endswith("/snapshots/alertes.txt")
    assert "coordination" not in route(channels, "breaking", ["caf"])


def test_without_channels_file_a_console_channel_is_used(tmp_path: Path) -> None:
    channels = load_channels(tmp_path, env={})
    assert route(channels, "info", []) == ["console"]


def test_missing_variable_disables_that_channel_alone_with_file_line_field(tmp_path: Path) -> None:
    folder = write(tmp_path, "channels:\n  equipe:\n    urls:\n      - console://\n"
                             "      - tgram://${TELEGRAM_TOKEN}/${TELEGRAM_CHAT}\n"
                             "  autre:\n    urls: [console://]\n    min_severity: info\n")
    channels = load_channels(folder, env={"TELEGRAM_CHAT": "chat-secret-value"})
    assert list(channels.disabled) == ["equipe"]
    assert route(channels, "breaking", []) == ["autre"]
    [issue] = channels.disabled["equipe"]
    line = issue.line_text(channels.source)
    assert "\n" not in line
    assert line.startswith(f"{folder / 'channels.yaml'}:5: channels.equipe.urls[1]:")
    assert "TELEGRAM_TOKEN" in line and "chat-secret-value" not in line
    with pytest.raises(ConfigError, match="canal « equipe » désactivé"):
        channels.require_usable("equipe")
    channels.require_usable("autre")


def test_unknown_field_and_bad_severity_point_at_their_line(tmp_path: Path) -> None:
    folder = write(tmp_path, "channels:\n  equipe:\n    urls: [console://]\n    min_severity: urgent\n")
    with pytest.raises(ConfigError, match=r"channels.yaml:4: channels.equipe.min_severity"):
        load_channels(folder, env={})
    write(tmp_path, "channels:\n  equipe:\n    urls: [console://]\n    colour: red\n")
    with pytest.raises(ConfigError, match=r"channels.yaml:4: channels.equipe.colour: clé inconnue « colour »"):
        load_channels(folder, env={})


def test_password_in_clear_is_a_warning_with_its_line_and_the_variable_form(tmp_path: Path) -> None:
    folder = write(tmp_path, "channels:\n  equipe:\n    urls:\n"
                             "      - 'mailtos://agent:hunter2@smtp.example.org?to=a@example.org'\n"
                             "      - 'tgram://123456:ABCdefGHIjkl/987'\n"
                             "      - 'json://hooks.example.org/in?token=tk42&x=1'\n"
                             "      - 'mailtos://${U}:${P}@smtp.example.org?to=a@example.org'\n")
    channels = load_channels(folder, env={"U": "u", "P": "p"})
    assert channels.disabled == {}
    lines = [issue.line_text(channels.source) for issue in channels.warnings]
    assert len(lines) == 3
    assert lines[0].startswith(f"{folder / 'channels.yaml'}:4: channels.equipe.urls[0]: attention : secret écrit en clair")
    assert "mailtos://agent:${EQUIPE_PASSWORD}@smtp.example.org" in lines[0]
    assert lines[1].startswith(f"{folder / 'channels.yaml'}:5:") and "tgram://${EQUIPE_BOT_TOKEN}/987" in lines[1]
    assert "in?token=${EQUIPE_TOKEN}&x=1" in lines[2]
    assert "hunter2" not in " ".join(lines[1:])


@pytest.mark.parametrize("url, suggestion", [("mailt://127.0.0.1:25", "mailto://"), ("tgrma://1:a/2", "tgram://"),
                                             ("zzqqxx://host", None),
                                             ("https://hooks.example/a", "jsons://"), ("http://h.example/a", "json://")])
def test_unknown_scheme_is_asked_to_apprise_and_disables_the_channel(tmp_path: Path, url: str,
                                                                     suggestion: str | None) -> None:
    folder = write(tmp_path, f"channels:\n  ok: {{urls: [console://]}}\n  faute:\n    urls: ['{url}']\n")
    channels = load_channels(folder, env={})
    [issue] = channels.disabled["faute"]
    assert issue.kind == "unknown_scheme" and issue.line == 4
    text = issue.describe("fr")
    if suggestion:
        assert text.endswith(f"vouliez-vous dire {suggestion} ?")
    else:
        assert "vouliez-vous" not in text
    assert "ok" not in channels.disabled


def test_custom_plugins_and_watcher_schemes_are_known(tmp_path: Path) -> None:
    # (not `journal`: Apprise keeps a process's first plugin of a scheme, and the shipped example is tested too)
    folder = write(tmp_path, "channels:\n  a: {urls: ['console://', 'watcherfile://alertes.txt', 'carnet://']}\n")
    plugins = folder / "plugins"
    plugins.mkdir()
    (plugins / "carnet.py").write_text(
        "from apprise.decorators import notify\n\n\n@notify(on='carnet')\n"
        "def carnet(body, title, notify_type, *args, **kwargs):\n    return True\n", encoding="utf-8")
    assert load_channels(folder, env={}).issues == []


def test_secrets_are_filled_quoted_and_masked() -> None:
    template = "mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.org?to=equipe@example.org"
    url = resolve_url(template, {"SMTP_USER": "veille", "SMTP_PASSWORD": "p@ss/word"})
    assert url == "mailtos://veille:p%40ss%2Fword@smtp.example.org?to=equipe@example.org"
    assert mask_url(template) == "mailtos://***@smtp.example.org?to=equipe@example.org"
    assert mask_url(url) == "mailtos://***@smtp.example.org?to=equipe@example.org"
    assert mask_url("tgram://123456:ABCdef/987") == "tgram://***/***"
    assert mask_url("json://hooks.example.org/in?token=abc&x=1") == "json://hooks.example.org/in?token=***&x=1"


def test_routing_by_tags_audiences_and_severity(tmp_path: Path) -> None:
    folder = write(tmp_path, """\
channels:
  caf-only: {urls: [console://], tags: [caf], min_severity: major}
  everything: {urls: [console://], min_severity: info}
  breaking-only: {urls: [console://], min_severity: breaking}
  jeunes: {urls: [console://], audiences: [jeunes], min_severity: minor}
  coord: {urls: [console://], coordinators: true, min_severity: info}
""")
    channels = load_channels(folder, env={})
    assert route(channels, "major", ["caf", "rsa"]) == ["caf-only", "everything"]
    assert route(channels, "minor", ["caf"]) == ["everything"]
    assert route(channels, "breaking", ["ants"]) == ["everything", "breaking-only"]
    assert route(channels, "minor", ["ants"], ["jeunes"]) == ["everything", "jeunes"]
