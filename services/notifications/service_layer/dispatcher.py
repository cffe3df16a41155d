"""Tell each citizen about their case over the channel they chose: once per status
event (the event id is the notification id), retried with exponential backoff, and
never given up silently: after ``max_attempts`` it becomes a dead letter that an
operator sees (log alert, API) and can replay.

When a channel fails for good (an address refused, an SMS whose delivery report says
failed or expired, or no report at all within ``report_wait``), the next channel the
person gave an address for is tried (``domain.attempts.channels_allowed``). Every try and
its outcome is recorded (``Attempt``), for the case history. An SMS is never sent between
21:00 and 08:00 local time (``domain.sms.quiet_until``): it waits until 08:00.

Nothing is sent twice: before a message goes to a gateway that reports back, the
notification is stored as awaiting that report, so a crash after the handover leaves a
notification that waits for its report (or gives up on the channel after
``report_wait``), never one sent again.

Over 300 lines since SMS and fallback came (session 6): sending, delivery reports and
fallback share the claim of one notification; the reports could move to a module of their
own, and the consumer's send-now path (session 8: a status event's letter sent in the
consumer's own call under its lease) with the SMS handover to another (a follow-up)."""
from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol

from delovod_proto import topics
from delovod_proto.envelope import Envelope, TraceContext
from delovod_proto.events import (AccessCodeReissued, CaseOverdue, CaseStatusChanged, Contact, DocumentRegistered,
                                  NotificationDelivered)
from delovod_proto.vocabulary import ContactChannel
from servicekit import logs
from servicekit.outbox import OutboxMessage

from ..domain.attempts import Attempt, channels_allowed
from ..domain.letters import Letter
from ..domain.messages import addressed, backoff_s, compose_code_notice
from ..domain.sms import quiet_until
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
    tried: list = field(default_factory=list)  # channels that failed for good, in order
    awaiting_report: bool = False  # handed to a gateway that reports back; its report is awaited
    segments: Optional[int] = None  # SMS parts of the last handover
    queued: bool = True  # has a queue entry (False: added claimed and not held yet; nothing to remove)


class Undeliverable(Exception):
    """A channel refused the address for good (a hard bounce, a number refused): the
    next channel is tried, this one never again for this notification."""


class HandoverUnknown(Exception):
    """The gateway may have accepted the message (it stopped answering mid-request): it is
    not sent again; its delivery report, or its absence, decides."""


class Busy(Exception):
    """Another worker holds the notification right now."""


class UnknownMessage(Exception):
    """A delivery report names no notification of ours."""


@dataclass(frozen=True)
class Handover:
    """What a reporting channel (``reports = True``) says once the gateway accepted a message."""

    segments: Optional[int] = None


@dataclass(frozen=True)
class DeliveryReport:
    """A gateway's word on a message: ``delivered``, ``failed`` or ``expired``, or None for
    an intermediate report (buffered, accepted by the operator) that changes nothing."""

    outcome: Optional[str]
    at: dt.datetime
    detail: Optional[str] = None


class AbstractNotificationRepository(Protocol):
    def save_recipient(self, case_index: str, contact: Contact) -> None: ...

    def recipient(self, case_index: str) -> Optional[Contact]: ...

    def replace_recipient(self, case_index: str, contact: Contact) -> None:
        """The case's contact from now on (the citizen confirmed a new address)."""

    def add(self, n: Notification) -> bool:
        """False if a notification with that id exists (redelivered event)."""

    def add_claimed(self, n: Notification) -> bool:
        """Add ``n`` already taken under its lease, for the caller to send at once (released by
        :meth:`finish`); it may be queued only by :meth:`hold` or :meth:`finish`. False if it
        exists (a redelivered event): then it is queued if an earlier delivery stopped between
        adding and queueing it, and nothing is held."""

    def claim_due(self, now: dt.datetime, lease: dt.timedelta, case_index: Optional[str] = None) -> Optional[Notification]:
        """Atomically take one pending notification due by ``now``, pushing its
        ``next_attempt_at`` past the lease so no other worker takes it meanwhile."""

    def finish(self, n: Notification, events: list[OutboxMessage]) -> None:
        """Persist the outcome (status, attempts, errors) with any events."""

    def dead(self) -> list[Notification]:
        """The notifications that failed for good (for the operators)."""

    def hold(self, n: Notification) -> None:
        """Persist ``n`` as it is now, keeping its lease (before a handover)."""

    def claim(self, notification_id: str) -> Optional[Notification]:
        """Take this one unfinished notification under its lease, due or not; None if it is
        finished or unknown; raise :class:`Busy` if another worker holds it. Its subject and
        body may be left empty (a delivery report needs its state; a fallback claims it again)."""

    def case_of(self, notification_id: str) -> Optional[str]:
        """The case a notification (finished or not) is about; None if unknown."""

    def record(self, attempt: Attempt) -> None:
        """Keep one attempt for the case history (insert only)."""

    def history(self, case_index: str) -> list[Attempt]:
        """A case's attempts, oldest first."""

    def reject_report(self, notification_id: str, reason: str, raw: dict) -> None:
        """Keep a delivery report that changed nothing because it was not ours."""

    def replay(self, notification_id: str, now: dt.datetime) -> bool:
        """Make a dead notification pending again, due at ``now``."""


class AbstractChannel(Protocol):
    reports: bool  # optional; True: a delivery report follows each handover (SMS)

    def send(self, n: Notification, contact: Contact) -> Optional[Handover]:
        """Hand the message over; raise :class:`Undeliverable` when the address is refused
        for good (the next channel is tried), anything else on a passing failure (retried)."""


class Dispatcher:
    def __init__(self, repo: AbstractNotificationRepository, channels: dict[ContactChannel, AbstractChannel],
                 status_url: str, max_attempts: int = 8, retry_base_s: float = 2.0,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 trace: Callable[[], dict] = dict, recipient_wait: dt.timedelta = dt.timedelta(hours=1), *,
                 tz: str, signed: str, correspondence: Optional[Correspondence] = None,
                 report_wait: dt.timedelta = dt.timedelta(hours=50), report_claim_wait_s: float = 5.0,
                 sleep: Callable[[float], None] = time.sleep):
        """``tz``: the administration's time zone, for every time a letter shows and for
        quiet hours; ``signed``: the letters' signature (``domain.messages.signature``);
        ``correspondence``: the case letters (templates, case files, escalations; in memory
        when not given); ``report_wait``: how long a handed SMS waits for its delivery report
        before its channel is given up on; ``report_claim_wait_s``: how long a delivery
        report waits for the worker that is still recording its handover."""
        self.correspondence = correspondence or Correspondence.in_memory(status_url, tz, signed)
        self.repo, self.channels, self.status_url = repo, channels, status_url
        self.tz, self.signed = tz, signed
        self.max_attempts, self.retry_base_s, self.clock, self.trace = max_attempts, retry_base_s, clock, trace
        self.recipient_wait = recipient_wait
        self.report_wait, self.report_claim_wait_s, self.sleep = report_wait, report_claim_wait_s, sleep

    def on_document_registered(self, event: DocumentRegistered) -> None:
        if event.case_index == event.registration_index:
            self.repo.save_recipient(event.case_index, event.sender)
            self.correspondence.registered(event)

    def on_status_changed(self, envelope: Envelope, catalogue=None, *, send_now: bool = False) -> bool:
        """``catalogue``: the worker's catalogue client (an answer's appeal route); ``send_now``:
        send the new letter in this call (the event's consumer), else it waits for
        :meth:`dispatch_due`."""
        e: CaseStatusChanged = envelope.body()
        recipient = self.repo.recipient(e.case_index)
        letter = self.correspondence.status_letter(e, recipient, catalogue)
        self.correspondence.status_changed(e)
        if send_now:
            return self._send_now(envelope, e.case_index, letter, recipient)
        return self._queue(envelope, e.case_index, letter.subject, letter.body)

    def _send_now(self, envelope: Envelope, case_index: str, letter: Letter, recipient: Optional[Contact]) -> bool:
        """Add the event's notification under its lease and try it at once with the recipient
        just read: no claim, no second read (about half the database round trips of queueing
        and claiming). A redelivered event adds nothing, as in :meth:`_queue`."""
        now = self.clock()
        n = Notification(str(envelope.event_id), case_index, letter.subject, letter.body, next_attempt_at=now,
                         trace=self.trace(), queued_at=now)
        created = self.repo.add_claimed(n)
        logs.event(log, "notification_queued" if created else "notification_duplicate", notification_id=n.id,
                   case_index=case_index)
        if created:
            self._attempt(n, recipient)
        return created

    def on_case_overdue(self, envelope: Envelope) -> bool:
        """A missed term: a letter to the citizen and an escalation to the unit's head (its
        own recipient key and notification id, so each is sent once, retried, dead-lettered)."""
        e: CaseOverdue = envelope.body()
        created = self._queue(envelope, e.case_index,
                              *_parts(self.correspondence.overdue_letter(e, self.repo.recipient(e.case_index))))
        head, letter = self.correspondence.escalation(e)
        self.queue_to(escalation_id(envelope.event_id), head_key(e.case_index), head, letter)
        return created

    def queue_to(self, notification_id: str, key: str, contact: Contact, letter: Letter) -> bool:
        """A message to someone other than the case's recipient (a unit's head, a new or an old
        address of the citizen), under a recipient ``key`` of its own; once per id."""
        self.repo.save_recipient(key, contact)
        now = self.clock()
        return self.repo.add(Notification(notification_id, key, letter.subject, letter.body, next_attempt_at=now,
                                          trace=self.trace(), queued_at=now))

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

    def _attempt(self, n: Notification, contact: Optional[Contact] = None) -> None:
        """``contact``: the recipient, when the caller has just read it."""
        contact = contact or self.repo.recipient(n.case_index)
        if contact is None:  # the registration event has not arrived yet: wait for it, not for ever
            self._no_recipient(n)
            return
        if contact.preferred_channel == ContactChannel.NONE:
            n.channel, n.status = contact.preferred_channel.value, "sent"
            self.repo.finish(n, [])
            return
        if n.awaiting_report:  # claimed again: its report did not come within report_wait
            self._give_up(n, "expired", f"no delivery report within {self.report_wait}")
        channel = self._next_channel(n, contact)
        if channel is None:
            self._all_channels_failed(n)
            return
        n.channel = channel.value
        if channel == ContactChannel.SMS and self._deferred(n):
            return
        self._send(n, channel, contact)

    def _next_channel(self, n: Notification, contact: Contact) -> Optional[ContactChannel]:
        return next((c for c in channels_allowed(contact) if c in self.channels and c.value not in n.tried), None)

    def _deferred(self, n: Notification) -> bool:
        """Quiet hours: the SMS waits until 08:00 local time (recorded once)."""
        later = quiet_until(self.clock(), self.tz)
        if later is None:
            return False
        n.next_attempt_at = later
        self._record(n, "deferred", f"until {later.isoformat()}")
        logs.event(log, "notification_deferred", notification_id=n.id, case_index=n.case_index, until=later.isoformat())
        self.repo.finish(n, [])
        return True

    def _send(self, n: Notification, channel: ContactChannel, contact: Contact) -> None:
        sender = self.channels[channel]
        reports = getattr(sender, "reports", False)
        n.attempts += 1
        n.body = addressed(n.body, contact)  # queued before the recipient was known: by name now
        if reports:  # stored as awaiting its report first: a crash after the handover sends nothing twice
            n.awaiting_report, n.next_attempt_at = True, self.clock() + self.report_wait
            if hasattr(sender, "segments"):  # known before the handover: nothing left to store after it
                n.segments = sender.segments(n, contact)
            self.repo.hold(n)
        try:
            handover = sender.send(n, contact)
        except Undeliverable as exc:
            self._give_up(n, "refused", without_contact(str(exc), contact))
            self._attempt(n, contact)  # at once on the next channel, if there is one
            return
        except HandoverUnknown as exc:  # maybe accepted: its report (or report_wait) decides
            self._record(n, "handed", "unconfirmed: " + without_contact(str(exc), contact))
            self.repo.finish(n, [])
            return
        except Exception as exc:  # any other failure of a channel is retried, then dead-lettered
            n.awaiting_report = False
            self._record(n, "error", without_contact(repr(exc), contact))
            self._failed(n, exc, contact)
            return
        n.last_error = None
        if reports:
            n.segments = handover.segments if handover else None
            self._record(n, "handed")
            logs.event(log, "notification_handed", notification_id=n.id, case_index=n.case_index, channel=n.channel)
            self.repo.finish(n, [])
            return
        self._record(n, "sent")
        self._succeeded(n)

    def _succeeded(self, n: Notification) -> None:
        n.status, n.awaiting_report = "sent", False
        logs.event(log, "notification_sent", notification_id=n.id, case_index=n.case_index, channel=n.channel)
        self.repo.finish(n, [self._delivered(n)])

    def _give_up(self, n: Notification, outcome: str, detail: str, at: Optional[dt.datetime] = None) -> None:
        """This channel failed for good: recorded, and never tried again for ``n``."""
        self._record(n, outcome, detail, at)
        logs.event(log, "notification_channel_failed", logging.WARNING, notification_id=n.id,
                   case_index=n.case_index, channel=n.channel, outcome=outcome, error=detail)
        n.tried = [*n.tried, n.channel]
        n.last_error = f"{n.channel} {outcome}: {detail}"[:1000]
        n.awaiting_report, n.attempts, n.next_attempt_at = False, 0, self.clock()

    def _all_channels_failed(self, n: Notification) -> None:
        n.status = "dead"
        n.last_error = (f"every channel the citizen gave an address for failed for good ({', '.join(n.tried) or 'none'}); "
                        f"last: {n.last_error}")[:1000]
        logs.event(log, "notification_dead_lettered", logging.ERROR, notification_id=n.id,
                   case_index=n.case_index, attempts=n.attempts, error=n.last_error)
        self.repo.finish(n, [])

    def _record(self, n: Notification, outcome: str, detail: Optional[str] = None,
                at: Optional[dt.datetime] = None) -> None:
        self.repo.record(Attempt(n.id, n.case_index, n.channel, outcome, at or self.clock(), detail,
                                 n.segments if n.channel == ContactChannel.SMS.value else None))

    # -- delivery reports ---------------------------------------------------------------
    def on_delivery_report(self, notification_id: str, report: DeliveryReport) -> str:
        """Apply a gateway's report; returns what it did ("delivered", "failed", "expired" or
        "ignored"). Raises :class:`UnknownMessage` for a notification we never made."""
        n = self._claim_for_report(notification_id)
        if n is None:
            case_index = self.repo.case_of(notification_id)
            if case_index is None:
                raise UnknownMessage(notification_id)
            self.repo.record(Attempt(notification_id, case_index, ContactChannel.SMS.value, "ignored", self.clock(),
                                     f"report {report.outcome} after the notification was finished"))
            return "ignored"
        if not (n.awaiting_report and n.channel == ContactChannel.SMS.value) or report.outcome is None:
            if report.outcome is not None:  # an intermediate report is no news; a stray final one is kept
                self._record(n, "ignored", f"report {report.outcome} while not awaiting one", report.at)
            self.repo.finish(n, [])
            return "ignored"
        if report.outcome == "delivered":
            self._record(n, "delivered", report.detail, report.at)
            self._succeeded(n)
        else:
            self._give_up(n, report.outcome, report.detail or "delivery report", report.at)
            self.repo.finish(n, [])
            self.dispatch_due(n.case_index)  # the next channel at once, not at the next timer tick
        return report.outcome

    def _claim_for_report(self, notification_id: str) -> Optional[Notification]:
        """A report can overtake the worker still recording the handover: wait for it."""
        deadline = time.monotonic() + self.report_claim_wait_s
        while True:
            try:
                return self.repo.claim(notification_id)
            except Busy:
                if time.monotonic() >= deadline:
                    raise
                self.sleep(0.05)

    def history(self, case_index: str) -> list[Attempt]:
        return self.repo.history(case_index)

    def reject_report(self, notification_id: str, reason: str, raw: dict) -> None:
        logs.event(log, "sms_report_rejected", logging.WARNING, notification_id=notification_id, reason=reason)
        self.repo.reject_report(notification_id, reason, raw)

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

    def _delivered(self, n: Notification) -> OutboxMessage:
        body = NotificationDelivered(notification_id=n.id, case_index=n.case_index, channel=ContactChannel(n.channel),
                                     delivered_at=self.clock(), attempts=n.attempts)
        envelope = Envelope.wrap(body, source="notifications", correlation_id=n.case_index,
                                 trace=TraceContext(**(n.trace or {})))
        return OutboxMessage(topics.NOTIFICATIONS_DELIVERED, n.case_index, envelope)


def _parts(letter: Letter) -> tuple[str, str]:
    return letter.subject, letter.body
