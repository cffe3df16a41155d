"""Bounces that come back later: the relay accepted an email, and minutes or hours later a
delivery status notification (RFC 3464) comes back to its envelope sender, the VERP address
that names the notification (``domain.verp``). The bounce receiver hands each one on over
Kafka (``BounceReceived``); here it is judged:

- not to a valid bounce address of ours (bad signature, no id), not a DSN, or naming no
  notification we made: kept as a rejected report with the reason, nothing changes;
- a permanent failure (``Action: failed``) of an email that is still the notification's
  outcome: the email channel failed for good, exactly as a synchronous hard bounce (5xx to
  RCPT TO) — recorded ("bounced"), never tried again, and the next channel the person
  allowed is tried at once (the dispatcher's fallback);
- a delay: recorded ("delayed"), nothing else changes;
- anything else (the notification already failed for good, already went by another channel,
  a repeated DSN, a success report): recorded as "ignored" and nothing is sent.

The dispatcher's own steps (claim, give up on a channel, fall back) are used unchanged, so a
late bounce and a refusal at send time share one path."""
from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import logging
from typing import Optional

from delovod_proto.events import BounceReceived
from delovod_proto.vocabulary import ContactChannel
from servicekit import logs

from ..domain.attempts import Attempt
from ..domain.dsn import Dsn, parse
from ..domain.verp import Verp
from .dispatcher import Dispatcher, Notification, UnknownMessage, without_contact

log = logging.getLogger(__name__)
EMAIL = ContactChannel.EMAIL.value


class Bounces:
    def __init__(self, dispatcher: Dispatcher, verp: Verp, reopen_within: dt.timedelta = dt.timedelta(days=5)):
        """``reopen_within``: how long after an email was sent its bounce may still send the
        letter by the next channel (MTAs give up on a message after about 5 days; a bounce
        later than that, or one replayed or repeated weeks later, would send an old letter
        about a case that has moved on: it is recorded as ignored)."""
        self.dispatcher, self.repo, self.verp = dispatcher, dispatcher.repo, verp
        self.reopen_within = reopen_within

    def on_bounce_received(self, bounce: BounceReceived) -> str:
        """What the bounce did: "bounced", "delayed", "ignored" or "rejected"."""
        raw = base64.b64decode(bounce.message_b64)
        notification_id, why = self.verp.notification_of(bounce.recipient)
        if notification_id is None:
            return self._reject(bounce.recipient, why, bounce, raw)
        dsn = parse(raw)
        if dsn is None:
            return self._reject(notification_id, "not a delivery status notification", bounce, raw)
        try:
            return self.apply(notification_id, dsn, bounce.received_at)
        except UnknownMessage:
            return self._reject(notification_id, "unknown notification", bounce, raw)

    def apply(self, notification_id: str, dsn: Dsn, at: dt.datetime) -> str:
        """Apply one DSN to the notification it names (raises :class:`UnknownMessage`)."""
        n = self.dispatcher._claim_for_report(notification_id)  # an unfinished one, under its lease
        if n is not None:
            return self._unfinished(n, dsn, at)
        n = self.repo.finished(notification_id)
        if n is None:
            raise UnknownMessage(notification_id)
        return self._finished(n, dsn, at)

    def _unfinished(self, n: Notification, dsn: Dsn, at: dt.datetime) -> str:
        """Still at work (its email's handover was not confirmed, and it is being retried), or
        already on its next channel."""
        on_email = n.channel == EMAIL and EMAIL not in n.tried
        if on_email and dsn.permanent:
            self.dispatcher._give_up(n, "bounced", _detail(dsn), at)
            self.repo.finish(n, [])
            self.dispatcher.dispatch_due(n.case_index)
            return "bounced"
        outcome = "delayed" if on_email and dsn.action == "delayed" else "ignored"
        self._record(n, outcome, _detail(dsn) if outcome == "delayed" else self._why_ignored(n, dsn), at)
        self.repo.finish(n, [])
        return outcome

    def _finished(self, n: Notification, dsn: Dsn, at: dt.datetime) -> str:
        if n.status == "sent" and n.channel == EMAIL and dsn.permanent and at - n.next_attempt_at > self.reopen_within:
            self._record(n, "ignored", f"bounce {dsn.action} {dsn.status} {(at - n.next_attempt_at).days} days after "
                                       f"the email was sent: past the {self.reopen_within.days} days a bounce may "
                                       f"send the letter again", at)
            return "ignored"
        if n.status == "sent" and n.channel == EMAIL and dsn.permanent:
            self.dispatcher._give_up(n, "bounced", _detail(dsn), at)  # recorded first: the proof is kept
            n.status = "pending"
            if not self.repo.reopen(n):  # finished otherwise meanwhile: nothing more to do
                return "ignored"
            logs.event(log, "notification_reopened_by_bounce", logging.WARNING, notification_id=n.id,
                       case_index=n.case_index, status=dsn.status)
            self.dispatcher.dispatch_due(n.case_index)  # the next channel at once
            return "bounced"
        if n.status == "sent" and n.channel == EMAIL and dsn.action == "delayed":
            self._record(n, "delayed", _detail(dsn), at)
            return "delayed"
        self._record(n, "ignored", self._why_ignored(n, dsn), at)
        return "ignored"

    @staticmethod
    def _why_ignored(n: Notification, dsn: Dsn) -> str:
        if n.status == "dead":
            state = "after the notification failed for good"
        elif EMAIL in n.tried:
            state = f"after the email had bounced ({n.channel} now)"
        elif n.channel != EMAIL:
            state = f"after it went by {n.channel}"
        else:
            state = "that changes nothing"
        return f"bounce {dsn.action} {dsn.status} {state}"

    def _record(self, n: Notification, outcome: str, detail: str, at: dt.datetime) -> None:
        self.repo.record(Attempt(n.id, n.case_index, EMAIL, outcome, at, detail))
        logs.event(log, f"email_bounce_{outcome}", notification_id=n.id, case_index=n.case_index)

    def _reject(self, notification_id: str, reason: str, bounce: BounceReceived, raw: bytes) -> str:
        logs.event(log, "bounce_rejected", logging.WARNING, notification_id=notification_id[:200], reason=reason)
        self.repo.reject_report(notification_id[:200], reason, {"kind": "bounce", **_summary(bounce, raw)})
        return "rejected"


def _detail(dsn: Dsn) -> str:
    """The status code first (the history shows it), the remote server's words without addresses
    (masked before the text is cut, so no address is left half-masked at the cut)."""
    return without_contact(dsn.detail(limit=10_000), None)[:300]


def _summary(bounce: BounceReceived, raw: bytes) -> dict:
    """What an operator needs to find a rejected bounce again (the whole is on its Kafka topic)."""
    headers = email.message_from_bytes(raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0], policy=email.policy.compat32)
    found: dict[str, Optional[str]] = {k.lower(): headers.get(k) for k in ("From", "Subject", "Message-ID", "Date")}
    return {"recipient": bounce.recipient, "mail_from": bounce.mail_from, "remote": bounce.remote,
            "size": bounce.size, "received_at": bounce.received_at.isoformat(), **found}
