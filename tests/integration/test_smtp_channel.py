"""The email channel against the local SMTP server (aiosmtpd writing a Maildir)."""
import email
import email.policy
import mailbox
import socket
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


def test_a_kept_session_carries_the_next_message_and_a_dropped_one_is_replaced(uid):
    channel = SmtpEmailChannel("127.0.0.1", 8025, "Община Пловдив <noreply@plovdiv.bg>")
    to = Contact(name="Мария", preferred_channel="email", email="maria@example.bg")
    channel.send(Notification(f"k1-{uid}", "К-1", "s", "b"), to)
    (kept, _), = channel._idle
    channel.send(Notification(f"k2-{uid}", "К-1", "s", "b"), to)
    assert channel._idle[0][0] is kept  # the same session
    kept.sock.shutdown(socket.SHUT_RDWR)  # the relay (or the network) dropped it meanwhile
    channel.send(Notification(f"k3-{uid}", "К-1", "s", "b"), to)
    assert channel._idle[0][0] is not kept

    def delivered():
        ids = set()
        for _, raw in mailbox.Maildir(MAILDIR, create=False).items():
            ids.add(email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)["Message-ID"])
        return {f"<k{i}-{uid}@delovod>" for i in (1, 2, 3)} <= ids
    until(delivered, what="three mails in the Maildir")
