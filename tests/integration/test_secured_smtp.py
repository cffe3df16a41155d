"""The email channel to a relay that requires STARTTLS and AUTH (aiosmtpd started here on
127.0.0.1 with a throwaway certificate): with the settings it delivers; a wrong password, a
relay certificate from an untrusted CA, or no STARTTLS at all is refused, and the message
is not delivered."""
import email
import email.policy
import smtplib
import ssl

import pytest

from delovod_proto.events import Contact
from notifications.adapters.channels import SmtpEmailChannel
from notifications.settings import NotificationsSettings
from notifications.service_layer.dispatcher import Notification
from tests.conftest import until
from tests.integration.secured_servers import make_certs, start_smtp, stop

pytestmark = pytest.mark.integration
MARIA = Contact(name="Мария", preferred_channel="email", email="maria@example.bg")


@pytest.fixture(scope="module")
def relay(tmp_path_factory):
    folder = tmp_path_factory.mktemp("smtp-starttls")
    certs = make_certs(folder / "certs")
    (folder / "password").write_text("relay-secret\n")
    (folder / "wrong").write_text("guess\n")
    process, port, inbox = start_smtp(folder, certs, "delovod", "relay-secret")
    yield folder, certs, port, inbox
    stop(process)


def channel(relay, password_file="password", ca=None, **overrides):
    folder, certs, port, _ = relay
    settings = NotificationsSettings(**{"smtp_port": port, "smtp_starttls": "required", "smtp_username": "delovod",
                                        "smtp_password_file": folder / password_file,
                                        "smtp_ca_file": ca or certs.ca, **overrides})
    return SmtpEmailChannel(settings.smtp_host, settings.smtp_port, settings.mail_from, timeout_s=5,
                            **settings.smtp_security())


def delivered(inbox, uid):
    for path in inbox.iterdir():
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if msg["Message-ID"] == f"<{uid}@delovod>":
            return msg


def test_starttls_and_auth_deliver(relay, uid):
    channel(relay).send(Notification(uid, "ЖЛБ-1/02.12.2026", "Преписка", "Уважаема г-жо,"), MARIA)
    msg = until(lambda: delivered(relay[3], uid), timeout_s=10, what="the message at the relay")
    assert msg["To"] == "maria@example.bg" and "Уважаема" in msg.get_content()


def test_a_wrong_password_is_refused(relay, uid):
    with pytest.raises(smtplib.SMTPAuthenticationError, match="535"):
        channel(relay, password_file="wrong").send(Notification(uid, "c", "s", "b"), MARIA)
    assert delivered(relay[3], uid) is None


def test_a_relay_certificate_from_an_untrusted_ca_is_refused(relay, uid):
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        channel(relay, ca=relay[1].other_ca).send(Notification(uid, "c", "s", "b"), MARIA)
    assert delivered(relay[3], uid) is None


def test_without_starttls_the_relay_takes_nothing(relay, uid):
    plain = SmtpEmailChannel("127.0.0.1", relay[2], "x@y.bg", timeout_s=5)
    with pytest.raises(smtplib.SMTPException):
        plain.send(Notification(uid, "c", "s", "b"), MARIA)
    assert delivered(relay[3], uid) is None


def test_auth_without_starttls_is_a_settings_error():
    with pytest.raises(ValueError, match="smtp_starttls=required"):
        NotificationsSettings(smtp_username="delovod", smtp_password_file="/dev/null")
