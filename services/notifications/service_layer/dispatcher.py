"""Tell each citizen about their case over the channel they chose: once per status
event (the event id is the notification id), retried with exponential backoff, and
never given up silently: after ``max_attempts`` it becomes a dead letter that an
operator sees (log alert, API) and can replay."""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol

from delovod_proto import topics
from delovod_proto.envelope import Envelope, TraceContext
from delovod_proto.events import (AccessCodeReissued, CaseOverdue, CaseStatusChanged, Contact, DocumentRegistered,
                                  NotificationDelivered)
from delovod_proto.vocabulary import ContactChannel
from servicekit import logs
from servicekit.outbox import OutboxMessage

from ..domain.letters import Letter
from ..domain.messages import addressed, backoff_s, compose_code_notice
from .correspondence import Correspondence, escalation_id, head_key

log = logging.getLogger(__name__)
EMAIL = re.compile(r"[^\s<>()\[\]'\",;:]+@[^\s<>()\[\]'\",;:]+")


def without_contact(text: str, contact: Optional[Contact]) -> str:
    """An error's text without the citizen's contact details (an SMTP refusal names the
    address; it is logged and shown to operators): addresses and the contact's own phone
    and postal address are replaced."""
    text = EMAIL.sub("<адрес>", text)
    for value, mask in ((getattr(contact, "phone", None), "<телефон>"), (getattr(contact, "postal_address", None), "<адрес>")):
        if value:
            text = text.replace(value, mask)
    return text


@dataclass
class Notification:
    id: str
    case_index: str
    subject: str
    body: str
    status: str = "pending"          # pending | sent | dead
    attempts: int = 0
    next_attempt_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    last_error: Optional[str] = None
    channel: Optional[str] = None
    trace: dict = field(default_factory=dict)
    queued_at: Optional[dt.datetime] = None  # when it was first queued (or replayed)


class AbstractNotificationRepository(Protocol):
    def save_recipient(self, case_index: str, contact: Contact) -> None: ...

    def recipient(self, case_index: str) -> Optional[Contact]: ...

    def add(self, n: Notification) -> bool:
        """False if a notification with that id exists (redelivered event)."""

    def claim_due(self, now: dt.datetime, lease: dt.timedelta, case_index: Optional[str] = None) -> Optional[Notification]:
        """Atomically take one pending notification due by ``now``, pushing its
        ``next_attempt_at`` past the lease so no other worker takes it meanwhile."""

    def finish(self, n: Notification, events: list[OutboxMessage]) -> None:
        """Persist the outcome (status, attempts, errors) with any events."""

    def dead(self) -> list[Notification]: ...

    def dead(self) -> list[Notification]:
        """The notifications that failed for good (for the operators)."""
        return self.repo.dead()

    def replay(self, notification_id: str, now: dt.datetime) -> bool:
        """Make a dead notification pending again, due at ``now``."""


class AbstractChannel(Protocol):
    def send(self, n: Notification, contact: Contact) -> None:
        """Hand the message over; raise on failure (it will be retried)."""


class Dispatcher:
    def __init__(self, repo: AbstractNotificationRepository, channels: dict[ContactChannel, AbstractChannel],
                 status_url: str, max_attempts: int = 8, retry_base_s: float = 2.0,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 trace: Callable[[], dict] = dict, recipient_wait: dt.timedelta = dt.timedelta(hours=1), *,
                 tz: str, signed: str, correspondence: Optional[Correspondence] = None):
        """``tz``: the administration's time zone, for every time a letter shows; ``signed``:
        the letters' signature (``domain.messages.signature``); ``correspondence``: the case
        letters (templates, case files, escalations; in memory when not given)."""
        self.correspondence = correspondence or Correspondence.in_memory(status_url, tz, signed)
        self.repo, self.channels, self.status_url = repo, channels, status_url
        self.tz, self.signed = tz, signed
        self.max_attempts, self.retry_base_s, self.clock, self.trace = max_attempts, retry_base_s, clock, trace
        self.recipient_wait = recipient_wait

    def on_document_registered(self, event: DocumentRegistered) -> None:
        if event.case_index == event.registration_index:
            self.repo.save_recipient(event.case_index, event.sender)
            self.correspondence.registered(event)

    def on_status_changed(self, envelope: Envelope, catalogue=None) -> bool:
        """``catalogue``: the worker's catalogue client (an answer's appeal route)."""
        e: CaseStatusChanged = envelope.body()
        letter = self.correspondence.status_letter(e, self.repo.recipient(e.case_index), catalogue)
        self.correspondence.status_changed(e)
        return self._queue(envelope, e.case_index, letter.subject, letter.body)

    def on_case_overdue(self, envelope: Envelope) -> bool:
        """A missed term: a letter to the citizen and an escalation to the unit's head (its
        own recipient key and notification id, so each is sent once, retried, dead-lettered)."""
        e: CaseOverdue = envelope.body()
        created = self._queue(envelope, e.case_index,
                              *_parts(self.correspondence.overdue_letter(e, self.repo.recipient(e.case_index))))
        head, letter = self.correspondence.escalation(e)
        self.repo.save_recipient(head_key(e.case_index), head)
        now = self.clock()
        self.repo.add(Notification(escalation_id(envelope.event_id), head_key(e.case_index), letter.subject,
                                   letter.body, next_attempt_at=now, trace=self.trace(), queued_at=now))
        return created

    def preview(self, case_index: str, stage, reason=None, due=None, official=None,
                catalogue=None) -> tuple[Letter, Optional[ContactChannel]]:
        """The letter a transition would send, exactly (same templates, facts and greeting), and
        the channel it would go by (None while the case's sender is not known here)."""
        recipient = self.repo.recipient(case_index)
        letter = self.correspondence.preview(case_index, stage, reason, due, official, recipient, catalogue)
        return letter, recipient.preferred_channel if recipient else None

    def on_access_code_reissued(self, envelope: Envelope) -> bool:
        """Tell the citizen a new code was issued (if it was not them, they should know)."""
        e: AccessCodeReissued = envelope.body()
        return self._queue(envelope, e.case_index, *compose_code_notice(
            e.case_index, e.reissued_at, self.tz, recipient=self.repo.recipient(e.case_index), signed=self.signed))

    def _queue(self, envelope: Envelope, case_index: str, subject: str, body: str) -> bool:
        """One notification per event: the event id is its id, so a redelivery adds none."""
        now = self.clock()
        created = self.repo.add(Notification(str(envelope.event_id), case_index, subject, body,
                                             next_attempt_at=now, trace=self.trace(), queued_at=now))
        logs.event(log, "notification_queued" if created else "notification_duplicate",
                   notification_id=str(envelope.event_id), case_index=case_index)
        return created

    def dispatch_due(self, case_index: Optional[str] = None, limit: int = 50) -> int:
        done = 0
        for _ in range(limit):
            n = self.repo.claim_due(self.clock(), dt.timedelta(minutes=2), case_index)
            if n is None:
                break
            self._attempt(n)
            done += 1
        return done

    def dead(self) -> list[Notification]:
        """The notifications that failed for good (for the operators)."""
        return self.repo.dead()

    def replay(self, notification_id: str) -> bool:
        replayed = self.repo.replay(notification_id, self.clock())
        if replayed:
            logs.event(log, "notification_replayed", notification_id=notification_id)
        return replayed

    def _attempt(self, n: Notification) -> None:
        contact = self.repo.recipient(n.case_index)
        if contact is None:  # the registration event has not arrived yet: wait for it, not for ever
            self._no_recipient(n)
            return
        n.channel = contact.preferred_channel.value
        if contact.preferred_channel == ContactChannel.NONE:
            n.status = "sent"
            self.repo.finish(n, [])
            return
        n.attempts += 1
        n.body = addressed(n.body, contact)  # queued before the recipient was known: by name now
        try:
            self.channels[contact.preferred_channel].send(n, contact)
        except Exception as exc:  # any failure of a channel is retried, then dead-lettered
            self._failed(n, exc, contact)
            return
        n.status, n.last_error = "sent", None
        logs.event(log, "notification_sent", notification_id=n.id, case_index=n.case_index, channel=n.channel)
        self.repo.finish(n, [self._delivered(n, contact)])

    def _no_recipient(self, n: Notification) -> None:
        now = self.clock()
        if now - (n.queued_at or now) >= self.recipient_wait:
            n.status, n.last_error = "dead", (f"no recipient after {self.recipient_wait}: the case's DocumentRegistered "
                                              "never arrived here (dead-lettered upstream?)")
            logs.event(log, "notification_dead_lettered", logging.ERROR, notification_id=n.id,
                       case_index=n.case_index, attempts=n.attempts, error=n.last_error)
        else:
            if n.last_error is None:
                n.last_error = "waiting for the case's DocumentRegistered (its recipient)"
                logs.event(log, "notification_waits_for_recipient", logging.WARNING, notification_id=n.id,
                           case_index=n.case_index)
            n.next_attempt_at = now + dt.timedelta(seconds=self.retry_base_s)
        self.repo.finish(n, [])

    def _failed(self, n: Notification, exc: Exception, contact: Optional[Contact] = None) -> None:
        n.last_error = without_contact(repr(exc), contact)[:1000]
        if n.attempts >= self.max_attempts:
            n.status = "dead"
            logs.event(log, "notification_dead_lettered", logging.ERROR, notification_id=n.id,
                       case_index=n.case_index, attempts=n.attempts, error=n.last_error)
        else:
            n.next_attempt_at = self.clock() + dt.timedelta(seconds=backoff_s(n.attempts, self.retry_base_s))
            logs.event(log, "notification_retry_scheduled", logging.WARNING, notification_id=n.id,
                       attempts=n.attempts, error=n.last_error)
        self.repo.finish(n, [])

    def _delivered(self, n: Notification, contact: Contact) -> OutboxMessage:
        body = NotificationDelivered(notification_id=n.id, case_index=n.case_index, channel=contact.preferred_channel,
                                     delivered_at=self.clock(), attempts=n.attempts)
        envelope = Envelope.wrap(body, source="notifications", correlation_id=n.case_index,
                                 trace=TraceContext(**(n.trace or {})))
        return OutboxMessage(topics.NOTIFICATIONS_DELIVERED, n.case_index, envelope)


def _parts(letter: Letter) -> tuple[str, str]:
    return letter.subject, letter.body
