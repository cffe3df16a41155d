"""Email, to a real SMTP relay (aiosmtpd locally, the municipality's relay in production).
SMS go through Kannel (adapters/kannel.py), postal letters to the post room
(adapters/post_room.py)."""
from __future__ import annotations

import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from delovod_proto.events import Contact

from ..service_layer.dispatcher import Notification


class SmtpEmailChannel:
    """Email through an SMTP relay. ``starttls``: upgrade to TLS before anything else is
    said, verifying the relay's certificate (against ``ca_file``, else the system's CAs);
    a relay that does not offer STARTTLS is refused, never written to in clear.
    ``username``/``password``: SMTP AUTH, only ever after STARTTLS (the settings insist).

    Sessions are kept between messages (up to ``keep`` idle ones, each for ``idle_s``): a new
    one costs a TCP handshake, the greeting, EHLO (and STARTTLS, AUTH) before the first
    command. A kept session is checked with RSET before it carries a message, so a relay that
    closed it meanwhile costs a fresh session, never the message: nothing of the message has
    been said when RSET fails."""

    def __init__(self, host: str, port: int, mail_from: str, timeout_s: float = 10.0, *, starttls: bool = False,
                 username: str = "", password: str | None = None, ca_file: Path | None = None,
                 keep: int = 8, idle_s: float = 20.0, envelope_from=None):
        if username and not starttls:
            raise ValueError("SMTP AUTH without STARTTLS would send the password in clear")
        self.host, self.port, self.mail_from, self.timeout_s = host, port, mail_from, timeout_s
        self.starttls, self.username, self.password, self.ca_file = starttls, username, password, ca_file
        self.keep, self.idle_s = keep, idle_s
        # the envelope sender (MAIL FROM) of a notification: its VERP bounce address (domain.verp)
        self.envelope_from = envelope_from
        self._idle: list[tuple[smtplib.SMTP, float]] = []  # kept sessions, the most recently used last

    def send(self, n: Notification, contact: Contact) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.mail_from, contact.email, n.subject
        msg["Date"] = formatdate(localtime=False)
        # Deterministic: a relay that sees the same message twice can drop the copy.
        msg["Message-ID"] = f"<{n.id}@delovod>"
        msg["X-Delovod-Case"] = n.case_index
        msg.set_content(f"{n.body}")
        smtp = self._session()
        try:
            smtp.send_message(msg, from_addr=self.envelope_from(n.id) if self.envelope_from else None)
        except smtplib.SMTPRecipientsRefused:
            self._put_back(smtp)  # smtplib has reset the transaction; the session goes on
            raise
        except BaseException:
            smtp.close()
            raise
        self._put_back(smtp)

    def _session(self) -> smtplib.SMTP:
        while self._idle:
            smtp, since = self._idle.pop()
            if time.monotonic() - since < self.idle_s:
                try:
                    smtp.rset()
                    return smtp
                except (smtplib.SMTPException, OSError):
                    pass  # closed by the relay meanwhile
            smtp.close()
        return self._open()

    def _open(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        try:
            if self.starttls:
                # smtplib raises SMTPNotSupportedError when the relay offers no STARTTLS, and
                # ssl.SSLCertVerificationError for a certificate the CA did not sign
                smtp.starttls(context=ssl.create_default_context(cafile=self.ca_file and str(self.ca_file)))
            if self.username:
                smtp.login(self.username, self.password or "")  # SMTPAuthenticationError: refused
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _put_back(self, smtp: smtplib.SMTP) -> None:
        if len(self._idle) < self.keep:
            self._idle.append((smtp, time.monotonic()))
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
