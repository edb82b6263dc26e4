"""The outbox and Apprise, against real peers on loopback: an SMTP server and an HTTP webhook."""

from __future__ import annotations

import base64
import email
import email.header
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from watcher.cli.main import cli
from watcher.config.channels import load_channels
from watcher.deliver.notify import (
    MAX_ATTEMPTS,
    Notifier,
    Outbox,
    SendOutcome,
    Traits,
    deliver_alerts,
    notify_check_result,
    write_sample_png,
)
from watcher.report.alerts import Alert, AlertChange, Message, Renderer
from watcher.store.report import ChangeFacts, CheckReport, ElementFacts, TargetFacts

REPO = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 12, 13, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# --- peers ----------------------------------------------------------------------------------------


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@dataclass
class Webhook:
    port: int
    status: int = 200
    posts: list[tuple[str, str, bytes]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - name fixed by http.server
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if hook.status == 200:
                    hook.posts.append((self.path, self.headers.get("Content-Type", ""), body))
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook(free_port())
    hook.start()
    yield hook
    hook.stop()


# --- values ---------------------------------------------------------------------------------------


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    return write_sample_png(tmp_path / "composite.png")


def make_alert(picture: Path | None, *, target: str = "caf-mon-compte", after: str = "Me connecter",
               severity: str = "major", tags: tuple[str, ...] = ("caf",)) -> Alert:
    change = AlertChange(
        "renamed", "button", severity,
        {"fr": f"Le bouton « Se connecter » s'appelle désormais « {after} » (en-tête)", "en": "renamed"},
        {"fr": "le bouton « Se connecter » a changé", "en": "the “Se connecter” button changed"},
        "Se connecter", after, "banner")
    return Alert(target, "CAF — Mon Compte", "https://caf.example/mon-compte", (change,),
                 datetime(2025, 3, 12, 13, 5, tzinfo=UTC), tags, "20250312T130500.000000Z",
                 (picture,) if picture else ())


def channels_in(folder: Path, text: str, env: dict[str, str] | None = None) -> Any:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "channels.yaml").write_text(text, encoding="utf-8")
    return load_channels(folder, env=env or {})


def mailto(port: int) -> str:
    return f"mailto://127.0.0.1:{port}?from=watcher@example.org&to=mediateur@example.org"


def decoded_subject(message: EmailMessage) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


# --- tests ----------------------------------------------------------------------------------------


def test_mail_alert_arrives_in_french_with_its_picture(tmp_path: Path, smtp: tuple[Mailbox, int],
                                                       picture: Path) -> None:
    box, port = smtp
    channels = channels_in(tmp_path / "notifiers",
                           f"changelog_url: https://veille.example.org\nchannels:\n  equipe:\n    urls: ['{mailto(port)}']\n")
    with Outbox(tmp_path / "outbox.sqlite3") as outbox:
        notifier = Notifier(outbox, channels)
        notifier.queue_alert(make_alert(picture))
        report = notifier.send_due()
    assert report.ok and report.count("sent") == 1
    [message] = box.messages
    assert decoded_subject(message) == "CAF — Mon Compte : le bouton « Se connecter » a changé"
    parts = {part.get_content_type(): part for part in message.walk()}
    text = parts["text/plain"].get_payload(decode=True).decode()
    assert "s'appelle désormais « Me connecter »" in text and "À montrer en co-formation" in text
    assert "https://veille.example.org/changes/caf-mon-compte/20250312T130500.000000Z/" in text
    assert parts["image/png"].get_payload(decode=True).startswith(PNG_MAGIC)


def test_json_and_form_webhooks_get_the_alert_and_picture(tmp_path: Path, webhook: Webhook, picture: Path) -> None:
    base = f"127.0.0.1:{webhook.port}"
    channels = channels_in(tmp_path / "n", f"channels:\n  hooks:\n    urls: ['json://{base}/j', 'form://{base}/f']\n")
    with Outbox(tmp_path / "outbox.sqlite3") as outbox:
        notifier = Notifier(outbox, channels)
        notifier.queue_alert(make_alert(picture))
        assert notifier.send_due().count("sent") == 2
    posts = {path: (ctype, body) for path, ctype, body in webhook.posts}
    payload = json.loads(posts["/j"][1])
    assert payload["title"].endswith("a changé") and "Me connecter" in payload["message"]
    attachment = payload["attachments"][0]
    assert attachment["mimetype"] == "image/png" and base64.b64decode(attachment["base64"]).startswith(PNG_MAGIC)
    ctype, body = posts["/f"]
    assert ctype.startswith("multipart/form-data") and b'name="file01"' in body and PNG_MAGIC in body


def test_failed_webhook_is_retried_after_restart_and_mail_is_not_sent_twice(
        tmp_path: Path, smtp: tuple[Mailbox, int], webhook: Webhook, picture: Path) -> None:
    box, port = smtp
    refused = free_port()  # nothing listens here yet: connection refused
    channels = channels_in(tmp_path / "n", "channels:\n  equipe:\n    urls:\n"
                           f"      - '{mailto(port)}'\n      - 'json://127.0.0.1:{webhook.port}/hook'\n"
                           f"      - 'json://127.0.0.1:{refused}/late'\n")
    clock, db = Clock(), tmp_path / "outbox.sqlite3"
    webhook.status = 500
    with Outbox(db, clock) as outbox:
        notifier = Notifier(outbox, channels)
        notifier.queue_alert(make_alert(picture))
        first = notifier.send_due()
        assert sorted(d.status for d in first.deliveries) == ["pending", "pending", "sent"]
        assert notifier.send_due().deliveries == []  # backoff: nothing is due yet
    webhook.status = 200
    late = Webhook(refused)
    late.start()
    try:
        clock.advance(minutes=2)
        with Outbox(db, clock) as outbox:  # a restart: new objects over the same file
            notifier = Notifier(outbox, channels)
            assert notifier.queue_alert(make_alert(picture)).count("duplicate") == 3  # detected again
            second = notifier.send_due()
            assert second.count("sent") == 2
            assert notifier.send_due(force=True).deliveries == []
    finally:
        late.stop()
    assert len(box.messages) == 1 and len(webhook.posts) == 1 and len(late.posts) == 1


class FailingSender:
    def __init__(self) -> None:
        self.calls = 0

    def describe(self, url: str) -> Traits | None:
        return Traits("txt", True, 32768)

    def send(self, url: str, message: Message) -> SendOutcome:
        self.calls += 1
        return SendOutcome(False, f"refused by {url}")


def test_backoff_then_failed_and_secrets_scrubbed(tmp_path: Path) -> None:
    channels = channels_in(tmp_path / "n", "channels:\n  hook:\n    urls: ['json://${HOOK_HOST}/x']\n",
                           env={"HOOK_HOST": "secret-host.example"})
    clock, sender = Clock(), FailingSender()
    with Outbox(tmp_path / "o.sqlite3", clock) as outbox:
        notifier = Notifier(outbox, channels, sender)
        notifier.queue_alert(make_alert(None))
        delays = []
        for _ in range(MAX_ATTEMPTS):
            notifier.send_due(force=True)
            [entry] = outbox.entries()
            delays.append(datetime.fromisoformat(entry.due) - clock.now)
        assert delays[:5] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                              timedelta(hours=2), timedelta(hours=12)]
        assert entry.status == "failed" and sender.calls == MAX_ATTEMPTS
        assert "secret-host" not in (entry.last_error or "") and "secret-host" not in entry.destination
        assert outbox.requeue_failed() == 1


def test_digest_groups_alerts_at_the_daily_hour(tmp_path: Path) -> None:
    out = tmp_path / "digest.txt"
    channels = channels_in(tmp_path / "n", f"digest_hour: 8\nchannels:\n  jour:\n    urls: ['watcherfile://{out}']\n"
                           "    mode: digest\n    min_severity: info\n")
    clock = Clock()  # 14:05 in Paris: the next digest is tomorrow at 8:00
    with Outbox(tmp_path / "o.sqlite3", clock) as outbox:
        notifier = Notifier(outbox, channels)
        notifier.queue_alert(make_alert(None))
        notifier.queue_alert(make_alert(None, target="ants", after="S'identifier"))
        assert notifier.send_due().deliveries == [] and not out.exists()
        clock.advance(hours=18)
        report = notifier.send_due()
    assert report.count("sent") == 1
    text = out.read_text(encoding="utf-8")
    assert text.startswith("watcher : 2 pages ont changé") and "S'identifier" in text and "Me connecter" in text


def test_routing_by_tags_and_severity_decides_who_gets_it(tmp_path: Path) -> None:
    files = {name: tmp_path / f"{name}.txt" for name in ("caf", "ants", "breaking")}
    channels = channels_in(tmp_path / "n", f"""\
channels:
  caf: {{urls: ['watcherfile://{files["caf"]}'], tags: [caf]}}
  ants: {{urls: ['watcherfile://{files["ants"]}'], tags: [ants]}}
  breaking: {{urls: ['watcherfile://{files["breaking"]}'], min_severity: breaking}}
""")
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        notifier = Notifier(outbox, channels)
        notifier.queue_alert(make_alert(None, severity="major"))
        notifier.queue_alert(make_alert(None, severity="minor", target="other", tags=("caf",), after="X"))
        notifier.send_due()
    assert files["caf"].read_text(encoding="utf-8").count("CAF — Mon Compte :") == 1
    assert not files["ants"].exists() and not files["breaking"].exists()


def test_coordinators_hear_of_outages_and_recovery_mediators_do_not(tmp_path: Path) -> None:
    coord, mediators = tmp_path / "coord.txt", tmp_path / "mediators.txt"
    channels = channels_in(tmp_path / "n", f"unreachable_after: 3\nchannels:\n"
                           f"  coord: {{urls: ['watcherfile://{coord}'], coordinators: true}}\n"
                           f"  all: {{urls: ['watcherfile://{mediators}'], min_severity: info}}\n")
    target = TargetFacts(name="CAF — Mon Compte", url="https://caf.example/", tags=["caf"])
    history: list[SimpleNamespace] = []
    clock = Clock()
    with Outbox(tmp_path / "o.sqlite3", clock) as outbox:
        notifier = Notifier(outbox, channels)
        for status in ["unchanged", "unreachable", "unreachable", "unreachable", "unreachable", "unchanged"]:
            clock.advance(hours=1)
            history.append(SimpleNamespace(status=status, time=clock.now.isoformat()))
            result = CheckReport(id="caf", target=target, status=status, reason="timeout",
                                 time=clock.now.isoformat())
            notify_check_result(notifier, result, history)  # type: ignore[arg-type]
    text = coord.read_text(encoding="utf-8")
    assert text.count("injoignable (3 vérifications de suite)") == 1
    assert text.count("watcher : « CAF — Mon Compte » répond de nouveau") == 1 and "après 4 vérifications en échec" in text
    assert not mediators.exists()


def test_a_lasting_degraded_page_is_an_outage_for_coordinators_only(tmp_path: Path) -> None:
    from watcher.detect.degraded import Degraded

    coord, mediators = tmp_path / "coord.txt", tmp_path / "mediators.txt"
    channels = channels_in(tmp_path / "n", f"unreachable_after: 3\nchannels:\n"
                           f"  coord: {{urls: ['watcherfile://{coord}'], coordinators: true}}\n"
                           f"  all: {{urls: ['watcherfile://{mediators}'], min_severity: info}}\n")
    target = TargetFacts(name="CAF — Mon Compte", url="https://caf.example/", tags=["caf"])
    history: list[SimpleNamespace] = []
    clock = Clock()
    why = Degraded("maintenance", "Service momentanément indisponible")
    with Outbox(tmp_path / "o.sqlite3", clock) as outbox:
        notifier = Notifier(outbox, channels)
        # a maintenance page mixed with a timeout is one outage; the real page coming back ends it
        for status in ["unchanged", "degraded", "unreachable", "degraded", "degraded", "unchanged"]:
            clock.advance(hours=1)
            history.append(SimpleNamespace(status=status, time=clock.now.isoformat()))
            result = CheckReport(id="caf", target=target, status=status, time=clock.now.isoformat(),
                                 reason=why.reason if status == "degraded" else "timeout",
                                 degraded_evidence=why.evidence if status == "degraded" else None)
            notify_check_result(notifier, result, history)  # type: ignore[arg-type]
    text = coord.read_text(encoding="utf-8")
    assert text.count("indisponible (3 vérifications de suite)") == 1, text
    assert "page de maintenance : « Service momentanément indisponible »" in text
    assert text.count("watcher : « CAF — Mon Compte » répond de nouveau") == 1 and "après 4 vérifications en échec" in text
    assert not mediators.exists()


def test_outbox_command_masks_secrets(tmp_path: Path) -> None:
    notifiers = tmp_path / "notifiers"
    env = {"SMTP_USER": "agent-secret", "SMTP_PASSWORD": "pw-secret-42"}
    channels_in(notifiers, "channels:\n  mail:\n    urls: ['mailtos://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:1"
                           "?from=w@example.org&to=m@example.org']\n", env=env)
    (tmp_path / "targets.yaml").write_text("targets: []\n", encoding="utf-8")
    with Outbox(tmp_path / "snapshots" / "outbox.sqlite3") as outbox:
        Notifier(outbox, load_channels(notifiers, env=env), FailingSender()).queue_alert(make_alert(None))
    runner = CliRunner()
    args = ["--config", str(tmp_path / "targets.yaml")]
    retry = runner.invoke(cli, ["outbox", "retry", *args], env=env)
    listing = runner.invoke(cli, ["outbox", *args], env=env)
    as_json = runner.invoke(cli, ["outbox", *args, "--format", "json"], env=env)
    assert retry.exit_code == 2 and listing.exit_code == 0
    for output in (retry.output, listing.output, as_json.output):
        assert "secret" not in output and "mailtos://***@127.0.0.1:1" in output
    assert json.loads(as_json.output)["messages"][0]["status"] == "pending"


def test_custom_plugin_from_the_notifiers_folder(tmp_path: Path, picture: Path) -> None:
    notifiers = tmp_path / "notifiers"
    (notifiers / "plugins").mkdir(parents=True)
    (notifiers / "plugins" / "journal.py").write_text(
        (REPO / "notifiers" / "plugins" / "journal.py").read_text(encoding="utf-8"), encoding="utf-8")
    journal = tmp_path / "journal.jsonl"
    channels = channels_in(notifiers, f"channels:\n  j:\n    urls: ['journal://?file={journal}']\n")
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        notifier = Notifier(outbox, channels)
        notifier.queue_alert(make_alert(picture))
        assert notifier.send_due().count("sent") == 1
    entry = json.loads(journal.read_text(encoding="utf-8"))
    assert entry["title"].endswith("a changé") and entry["attachments"] == ["composite.png"]


def test_sms_destinations_get_a_short_text_without_pictures(tmp_path: Path, picture: Path) -> None:
    channels = channels_in(tmp_path / "n", "changelog_url: https://v.example/\nchannels:\n"
                           "  sms: {urls: ['console://'], max_body_chars: 140, max_attachments: 0}\n")
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        notifier = Notifier(outbox, channels, renderer=Renderer())
        message = notifier.render_for(make_alert(picture), channels.destinations("sms")[0])
    assert message.body.startswith("Détails : https://v.example/changes/") and len(message.body) <= 140
    assert message.attachments == ()


def test_deliver_alerts_for_the_demo(tmp_path: Path, picture: Path, capsys: pytest.CaptureFixture[str]) -> None:
    alerts_file = tmp_path / "out" / "alertes.txt"
    change = ChangeFacts(kind="renamed", role="button", severity="major", landmark="banner",
                         before=ElementFacts(role="button", name="Se connecter", landmark="banner"),
                         after=ElementFacts(role="button", name="Me connecter", landmark="banner"))
    result = CheckReport(id="demo", status="changed", alert=True, time=datetime.now(UTC).isoformat(),
                         target=TargetFacts(name="Démo — Mon Compte", url="http://127.0.0.1/", tags=["demo"]),
                         images=[str(picture)], changes=[change])
    report = deliver_alerts([result], None, tmp_path / "outbox.sqlite3",  # type: ignore[list-item]
                            extra_urls=[f"watcherfile://{alerts_file}"])
    assert report.ok and report.count("sent") == 2
    assert "Démo — Mon Compte : le bouton « Se connecter » a changé" in capsys.readouterr().out
    assert "Me connecter" in alerts_file.read_text(encoding="utf-8")


def test_notify_test_command(tmp_path: Path, webhook: Webhook) -> None:
    notifiers = tmp_path / "notifiers"
    down = free_port()
    channels_in(notifiers, f"channels:\n  ok: {{urls: ['json://127.0.0.1:{webhook.port}/t']}}\n"
                           f"  ko: {{urls: ['json://127.0.0.1:{down}/t']}}\n")
    runner = CliRunner()
    good = runner.invoke(cli, ["notify-test", "ok", "--notifiers", str(notifiers)])
    bad = runner.invoke(cli, ["notify-test", "ko", "--notifiers", str(notifiers)])
    assert good.exit_code == 0 and good.output.startswith("OK ok json://127.0.0.1:")
    assert bad.exit_code == 2 and bad.output.startswith("ÉCHEC ko")
    payload = json.loads(webhook.posts[0][2])
    assert payload["attachments"][0]["filename"] == "exemple-avant-apres.png"
