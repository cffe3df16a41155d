"""A citizen changes how they are told about their case, from the status page: each step is
opened by the case's index and access code again (checked here, failures counted by the lookup
guard); notifications, which owns the recipients, keeps the pending change and sends the code
(docs/decisions.md, "Contact change")."""
from __future__ import annotations

from typing import Protocol

from delovod_proto.rpc import (CaseLookupRequest, CaseNotFound, ContactChangeConfirmation, ContactChangeOutcome,
                               ContactChangeRequest, ContactChangeStarted)

from ..domain.contact_form import confirmation_code, new_contact
from .tracker import StatusTracker


class ContactsNotKnownYet(Exception):
    """Notifications has not learnt the case's recipient yet (its registration event is on its way)."""


class AbstractContactChanges(Protocol):
    """Notifications' side (over RPC in production)."""

    def start(self, request: ContactChangeRequest) -> ContactChangeStarted:
        """The code goes to the new address; CaseNotFound when the case's recipient is not known there."""

    def confirm(self, request: ContactChangeConfirmation) -> ContactChangeOutcome: ...


class CitizenContacts:
    def __init__(self, tracker: StatusTracker):
        self.tracker = tracker

    def _case_index(self, form, client: str) -> str:
        """The case the form's index and access code open (ValidationError when malformed,
        CaseNotFound when they do not match, TooManyAttempts past the guard's limits)."""
        request = CaseLookupRequest(registration_index=form.get("index", ""), access_code=form.get("code", ""))
        return self.tracker.check_access(request, client).case_index

    def request_change(self, form, client: str, notifications: AbstractContactChanges) -> ContactChangeStarted:
        case_index = self._case_index(form, client)
        channel, address = new_contact(form)
        try:
            return notifications.start(ContactChangeRequest(case_index=case_index, channel=channel, address=address))
        except CaseNotFound:
            raise ContactsNotKnownYet(case_index) from None

    def confirm_change(self, form, client: str, notifications: AbstractContactChanges) -> ContactChangeOutcome:
        case_index = self._case_index(form, client)
        code = confirmation_code(form)
        return notifications.confirm(ContactChangeConfirmation(case_index=case_index, code=code))
