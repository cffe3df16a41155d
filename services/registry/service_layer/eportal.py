"""E-portal intake: one submission, one index, however often the event is delivered."""
from __future__ import annotations

import contextlib
import uuid
from typing import Callable, ContextManager

from delovod_proto.events import EportalSubmission
from delovod_proto.vocabulary import ReceivedChannel

from ..domain.commands import RegisterDocument, Sender
from .registry import Registered, Registry, Rejected


def to_command(s: EportalSubmission) -> RegisterDocument:
    a = s.applicant
    sender = Sender(name=a.name, email=a.email, phone=a.phone, address=a.postal_address,
                    preferred_channel=a.preferred_channel)
    return RegisterDocument(kind=s.kind, channel=ReceivedChannel.EPORTAL, subject=s.subject, sender=sender,
                            service_code=s.service_code, variant=s.variant, attachments_count=len(s.attachments),
                            eportal_submission_id=s.submission_id, accept_duplicate_scan=True)


def register_submission(registry: Registry, submission: EportalSubmission, catalogue,
                        hold: Callable[[int], ContextManager] = lambda n: contextlib.nullcontext()) -> Registered:
    """Raises :class:`Rejected` for a submission that can never be registered as sent.
    ``hold(n)`` reserves memory for the attachments' ``n`` bytes while they are handled.

    The caller (the Kafka consumer) commits the submission only after its events are out,
    so a submission without attachments needs no outbox pointers: if anything fails before
    that, the submission comes again and finds its registration, whose stored events are
    returned to be sent again (consumers deduplicate by event id)."""
    bound, earlier = registry.repo.reserve_submission(submission.submission_id, uuid.uuid4())
    if earlier:
        return Registered(earlier, None, created=False, events=tuple(registry.repo.events_of(earlier)),
                          announced=False)
    try:
        command = to_command(submission)
    except ValueError as exc:
        raise Rejected(422, f"Невалидно подаване: {exc}")
    def missing(att):
        return Rejected(422, f"Липсва прикаченият файл {att.bucket}/{att.object_key}.")

    def size(att):
        try:
            n = registry.store.size(att.bucket, att.object_key)
        except KeyError:
            raise missing(att)
        if n > registry.max_scan_bytes:  # refused before it is read into memory
            raise Rejected(422, f"Прикаченият файл {att.file_name} е {n // 2**20} MB; "
                                f"допустимите са до {registry.max_scan_bytes // 2**20} MB.")
        return n

    def fetch(att):
        try:
            return att.file_name, registry.store.fetch(att.bucket, att.object_key)
        except KeyError:
            raise missing(att)
    sizes = registry.concurrently(*[lambda a=a: size(a) for a in submission.attachments])
    with hold(sum(sizes)):
        files = registry.concurrently(*[lambda a=a: fetch(a) for a in submission.attachments])
        return registry.register(command, files, "eportal", catalogue, registration_id=bound,
                                 announce=bool(files))
