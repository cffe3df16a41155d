"""A citizen's change of contact, after status has checked the case's index and access code:
the code goes to the new address only (queued like any letter: quiet hours, retries, dead
letters), and the case's recipient changes only when the code comes back. Then the change is
recorded in the case's contact history and the old address is told. Until then letters keep
going to the old address.

Notifications owns this because it owns the recipients and the channels (docs/decisions.md,
"Contact change")."""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Callable, Optional, Protocol

from delovod_proto.rpc import (CaseNotFound, ContactChangeConfirmation, ContactChangeOutcome, ContactChangeRequest,
                               ContactChangeStarted)
from delovod_proto.vocabulary import ContactChannel
from servicekit import logs
from servicekit.contacts import masked

from ..domain import contact_change as rules
from ..domain.attempts import Attempt
from ..domain.contact_change import PendingChange
from .dispatcher import Dispatcher

log = logging.getLogger(__name__)


class AbstractContactChangeStore(Protocol):
    """Each case's pending change, its tries and its one use."""

    def put(self, change: PendingChange) -> None:
        """The case's pending change from now on (an earlier one no longer counts)."""

    def pending(self, case_index: str) -> Optional[PendingChange]:
        """The case's latest change, confirmed or not; None if none was asked for."""

    def take_attempt(self, change_id: str, max_attempts: int) -> Optional[int]:
        """The number of this try (1..max_attempts), taken atomically (two at once get two
        numbers); None when every try is used."""

    def use(self, change_id: str) -> bool:
        """True for the one call that uses the change; False for every other, also at once."""

    def used(self, change_id: str) -> bool: ...

    def release(self, change_id: str) -> None:
        """Undo :meth:`use` (what it should have changed could not be written)."""


def message_id(change: PendingChange, what: str) -> str:
    """The id of one of the change's messages (``contact-code``, ``contact-notice``) or of its
    history entry (``contact-change``): a UUID, as every notification id, one per change."""
    return str(uuid.uuid5(uuid.UUID(change.change_id), what))


def code_key(change: PendingChange) -> str:
    """The recipient key of the code's message: the new address alone."""
    return f"{change.case_index}#new-contact-{change.change_id}"


def notice_key(change: PendingChange) -> str:
    """The recipient key of the notice to the old address."""
    return f"{change.case_index}#old-contact-{change.change_id}"


class ContactChanges:
    """``secret``: the key of the codes' hashes (the service's secret); ``tz``: quiet hours
    and the times the messages print."""

    def __init__(self, store: AbstractContactChangeStore, dispatcher: Dispatcher, secret: bytes, tz: str,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)):
        self.store, self.dispatcher, self.secret, self.tz, self.clock = store, dispatcher, secret, tz, clock
        self.repo, self.correspondence = dispatcher.repo, dispatcher.correspondence

    def start(self, request: ContactChangeRequest) -> ContactChangeStarted:
        channel, case_index, now = ContactChannel(request.channel), request.case_index, self.clock()
        old = self.repo.recipient(case_index)
        if old is None:
            raise CaseNotFound(f"no recipient of case {case_index} here (yet)")
        if rules.already_there(old, channel, request.address):
            return self._started("same_address", channel, request.address)
        earlier = self.store.pending(case_index)
        if earlier is not None and earlier.recent(now) and not self.store.used(earlier.change_id):
            if earlier.same_address(channel, request.address):
                return self._started("already_sent", channel, request.address, earlier)
            return self._started("too_soon", channel, request.address, retry_after_s=earlier.wait_s(now))
        change, code = rules.start(case_index, channel, request.address, now, self.secret, self.tz)
        self.store.put(change)
        letter = self.correspondence.contact_code_letter(case_index, change.code_contact(old), code,
                                                         change.expires_at)
        self.dispatcher.queue_to(message_id(change, "contact-code"), code_key(change), change.code_contact(old), letter)
        logs.event(log, "contact_change_started", case_index=case_index, channel=channel.value,
                   address=masked(change.address), change_id=change.change_id)
        return self._started("sent", channel, request.address, change)

    def confirm(self, request: ContactChangeConfirmation) -> ContactChangeOutcome:
        change, now = self.store.pending(request.case_index), self.clock()
        if change is None:
            return ContactChangeOutcome(result="none")
        about = dict(channel=change.channel.value, masked_address=masked(change.address))
        if self.store.used(change.change_id):
            return ContactChangeOutcome(result="used", **about)
        if change.expired(now):
            return ContactChangeOutcome(result="expired", **about)
        attempt = self.store.take_attempt(change.change_id, change.max_attempts)
        if attempt is None:
            return ContactChangeOutcome(result="locked", attempts_left=0, **about)
        if not change.opened_by(self.secret, request.code):
            left = change.max_attempts - attempt
            logs.event(log, "contact_change_wrong_code", case_index=change.case_index, attempts_left=left)
            return ContactChangeOutcome(result="wrong_code" if left else "locked", attempts_left=left, **about)
        if not self.store.use(change.change_id):
            return ContactChangeOutcome(result="used", **about)
        try:
            self._apply(change, now)
        except Exception:
            self.store.release(change.change_id)  # nothing half-done: the code can be typed again
            raise
        return ContactChangeOutcome(result="confirmed", changed_at=now, **about)

    def _apply(self, change: PendingChange, now: dt.datetime) -> None:
        """The notice to the old contact, the new contact, the line in the case's contact
        history. Each step may be done again after a failure (the code is released and can be
        typed again): the notice's id and recipient key are the change's, and its recipient is
        kept as first saved, so a second run still writes to the old contact."""
        old = self.repo.recipient(change.case_index)
        letter = self.correspondence.contact_changed_letter(change.case_index, old, change.channel,
                                                            masked(change.address), now)
        self.dispatcher.queue_to(message_id(change, "contact-notice"), notice_key(change), old, letter)
        self.repo.replace_recipient(change.case_index, change.contact(old))
        self.repo.record(Attempt(message_id(change, "contact-change"), change.case_index, change.channel.value,
                                 "contact_changed", now, masked(change.address)))
        logs.event(log, "contact_changed", case_index=change.case_index, channel=change.channel.value,
                   address=masked(change.address), change_id=change.change_id)

    @staticmethod
    def _started(result: str, channel: ContactChannel, address: str, change: Optional[PendingChange] = None,
                 retry_after_s: Optional[int] = None) -> ContactChangeStarted:
        return ContactChangeStarted(result=result, channel=channel.value, masked_address=masked(address),
                                    sends_at=change.sends_at if change else None,
                                    expires_at=change.expires_at if change else None,
                                    deferred=change.deferred() if change else False, retry_after_s=retry_after_s)
