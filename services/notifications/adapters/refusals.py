"""An email address the relay refuses for good (5xx to RCPT TO) is a hard bounce: the
dispatcher tries the citizen's next channel instead of retrying it for hours. A 4xx (a
full mailbox, greylisting) stays a passing failure. Wraps the SMTP channel unchanged."""
from __future__ import annotations

import smtplib

from delovod_proto.events import Contact

from ..service_layer.dispatcher import Notification, Undeliverable


class HardBounces:
    def __init__(self, channel):
        self.channel = channel

    def send(self, n: Notification, contact: Contact):
        try:
            return self.channel.send(n, contact)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(500 <= code < 600 for code in codes):
                raise Undeliverable(f"the relay refused the address ({', '.join(map(str, codes))})") from exc
            raise
