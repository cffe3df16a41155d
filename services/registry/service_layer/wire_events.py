"""The registry's events on the wire (delovod_proto.events), built from registrations.

Event ids are fixed per registration (``uuid5(registration id, topic)``): a retried claim
or a redelivered submission carries the same ids, and consumers deduplicate by them.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Callable

from delovod_proto import topics
from delovod_proto.envelope import Envelope, TraceContext
from delovod_proto.events import AccessCodeReissued, Contact, DocumentRegistered, EportalReceipt
from servicekit.outbox import OutboxMessage

from ..domain.registration import Registration

SOURCE = "registry"


def event_ids(r: Registration) -> list[uuid.UUID]:
    """The ids of a registration's events, known before its claim (announced with it)."""
    topics_ = [topics.DOCUMENTS_REGISTERED] + ([topics.EPORTAL_RECEIPTS] if r.command.eportal_submission_id else [])
    return [uuid.uuid5(r.id, topic) for topic in topics_]


def document_registered(r: Registration) -> DocumentRegistered:
    s = r.command.sender
    return DocumentRegistered(
        registration_id=r.id, registration_index=r.index, register_code=r.register_code,
        year=r.year, number=r.number, case_index=r.case_index, registered_at=r.registered_at,
        kind=r.command.kind, channel=r.command.channel, subject=r.command.subject,
        service_code=r.command.service_code, service_version=r.service_version,
        due_date=r.due.due_date if r.due else None, term_rule=r.due.rule if r.due else None,
        term_unit=r.due.unit if r.due else None, term_end=r.due.raw_end if r.due else None,
        access_code_hash=r.access_code_hash,
        sender=Contact(name=s.name, preferred_channel=s.preferred_channel, email=s.email,
                       phone=s.phone, postal_address=s.address, salutation=s.salutation))


def registration_events(r: Registration, trace: Callable[[], dict] = dict) -> list[OutboxMessage]:
    """What a claimed registration announces: DocumentRegistered, and for an e-portal
    submission the EportalReceipt; keyed by the case, carried in the claim's outbox."""
    body = document_registered(r)
    context = TraceContext(**trace())
    ids = iter(event_ids(r))

    def wrap(b):
        return Envelope.wrap(b, source=SOURCE, correlation_id=r.case_index, trace=context, event_id=next(ids))
    messages = [OutboxMessage(topics.DOCUMENTS_REGISTERED, r.case_index, wrap(body))]
    if r.command.eportal_submission_id:
        receipt = EportalReceipt(submission_id=r.command.eportal_submission_id, registration_index=r.index,
                                 registered_at=r.registered_at, due_date=body.due_date)
        messages.append(OutboxMessage(topics.EPORTAL_RECEIPTS, r.command.eportal_submission_id, wrap(receipt)))
    return messages


def access_code_reissued(case: Registration, code_hash: str, version: int, at: dt.datetime,
                         trace: Callable[[], dict] = dict) -> OutboxMessage:
    body = AccessCodeReissued(case_index=case.case_index, access_code_hash=code_hash, code_version=version,
                              reissued_at=at)
    return OutboxMessage(topics.ACCESS_CODES_REISSUED, case.case_index,
                         Envelope.wrap(body, source=SOURCE, correlation_id=case.case_index,
                                       trace=TraceContext(**trace())))
