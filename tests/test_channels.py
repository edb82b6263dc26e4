"""notifiers/channels.yaml: models, ${ENV} secrets, masking and routing."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.channels import load_channels, mask_url, resolve_url, route
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


def test_missing_variable_is_one_config_error_with_file_line_field(tmp_path: Path) -> None:
    folder = write(tmp_path, "channels:\n  equipe:\n    urls:\n      - console://\n"
                             "      - tgram://${TELEGRAM_TOKEN}/${TELEGRAM_CHAT}\n")
    with pytest.raises(ConfigError) as caught:
        load_channels(folder, env={"TELEGRAM_CHAT": "chat-secret-value"})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{folder / 'channels.yaml'}:5: channels.equipe.urls[1]:")
    assert "TELEGRAM_TOKEN" in message and "chat-secret-value" not in message


def test_unknown_field_and_bad_severity_point_at_their_line(tmp_path: Path) -> None:
    folder = write(tmp_path, "channels:\n  equipe:\n    urls: [console://]\n    min_severity: urgent\n")
    with pytest.raises(ConfigError, match=r"channels.yaml:4: channels.equipe.min_severity"):
        load_channels(folder, env={})
    write(tmp_path, "channels:\n  equipe:\n    urls: [console://]\n    colour: red\n")
    with pytest.raises(ConfigError, match=r"channels.yaml:4: channels.equipe.colour: clé inconnue « colour »"):
        load_channels(folder, env={})


def test_password_in_clear_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path, "channels:\n  equipe:\n    urls: ['mailtos://agent:hunter2@smtp.example.org']\n")
    with pytest.raises(ConfigError, match="variable d.environnement") as caught:
        load_channels(folder, env={})
    assert "hunter2" not in str(caught.value)


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
