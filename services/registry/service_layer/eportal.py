"""E-portal intake: one submission, one index, however often the event is delivered."""
from __future__ import annotations

import uuid

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


def register_submission(registry: Registry, submission: EportalSubmission, catalogue) -> Registered:
    """Raises :class:`Rejected` for a submission that can never be registered as sent."""
    bound, earlier = registry.repo.reserve_submission(submission.submission_id, uuid.uuid4())
    if earlier:
        return Registered(earlier, None, created=False)
    try:
        command = to_command(submission)
    except ValueError as exc:
        raise Rejected(422, f"Невалидно подаване: {exc}")
    def fetch(att):
        try:
            return att.file_name, registry.store.fetch(att.bucket, att.object_key)
        except KeyError:
            raise Rejected(422, f"Липсва прикаченият файл {att.bucket}/{att.object_key}.")
    files = registry.concurrently(*[lambda a=a: fetch(a) for a in submission.attachments])
    return registry.register(command, files, "eportal", catalogue, registration_id=bound)
