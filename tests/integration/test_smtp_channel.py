"""The email channel against the local SMTP server (aiosmtpd writing a Maildir)."""
import email
import email.policy
import mailbox
from pathlib import Path

import pytest

from delovod_proto.events import Contact
from notifications.adapters.channels import SmtpEmailChannel
from notifications.service_layer.dispatcher import Notification
from tests.conftest import until

pytestmark = pytest.mark.integration
MAILDIR = Path(__file__).resolve().parents[2] / ".local" / "mail"


def test_email_reaches_the_relay_with_a_deterministic_message_id(uid):
    channel = SmtpEmailChannel("127.0.0.1", 8025, "Община Пловдив <noreply@plovdiv.bg>")
    n = Notification(f"n-{uid}", f"ЖЛБ-{uid}/25.11.2026", "Преписка: регистрирана", "Уважаеми граждани,\nтекст")
    channel.send(n, Contact(name="Мария", preferred_channel="email", email="maria@example.bg"))

    def delivered():
        for key, raw in mailbox.Maildir(MAILDIR, create=False).items():
            msg = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
            if msg["Message-ID"] == f"<n-{uid}@delovod>":
                return msg
    msg = until(delivered, what="mail in the Maildir")
    assert msg["X-Delovod-Case"] == n.case_index and msg["To"] == "maria@example.bg"
    assert "Уважаеми граждани" in msg.get_content()


def test_relay_down_raises_so_the_dispatcher_retries():
    with pytest.raises(OSError):
        SmtpEmailChannel("127.0.0.1", 1, "x@y.bg", timeout_s=1).send(
            Notification("n", "c", "s", "b"), Contact(name="М", preferred_channel="email", email="m@example.bg"))
