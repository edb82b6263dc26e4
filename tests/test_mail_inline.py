"""The HTML e-mail shows the before/after composite in the message itself (a cid: reference to an attached
image, RFC 2387), checked on an SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from pathlib import Path

from tests.test_notify import Mailbox, channels_in, mailto, make_alert, picture, smtp
from watcher.deliver.notify import Notifier, Outbox

__all__ = ["picture", "smtp"]  # fixtures used here


def test_the_html_mail_shows_the_composite_inline(tmp_path: Path, smtp: tuple[Mailbox, int], picture: Path) -> None:
    box, port = smtp
    channels = channels_in(tmp_path / "notifiers", f"channels:\n  equipe:\n    urls: ['{mailto(port)}']\n")
    with Outbox(tmp_path / "outbox.sqlite3") as outbox:
        notifier = Notifier(outbox, channels)
        notifier.queue_alert(make_alert(picture))
        assert notifier.send_due().count("sent") == 1
    [message] = box.messages
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True).decode()
    assert f'src="cid:{picture.name}"' in body
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"].strip("<>") == picture.name
    assert message.get_content_type() == "multipart/related"
