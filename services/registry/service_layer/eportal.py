"""E-portal intake: one submission, one index, however often the event is delivered."""
from __future__ import annotations

import contextlib
import uuid
from typing import Callable, ContextManager, Optional

from pydantic import ValidationError

from delovod_proto.events import EportalSubmission
from delovod_proto.vocabulary import ReceivedChannel
from servicekit.concurrently import Concurrently, in_turn
from servicekit.reasons import field_errors

from ..domain.commands import RegisterDocument, Sender
from .errors import Invalid
from .ports import AbstractRegistrationRepository, AbstractScanStore, SubmissionTaken
from .registrar import Registered, Registrar


def to_command(s: EportalSubmission) -> RegisterDocument:
    a = s.applicant
    sender = Sender(name=a.name, email=a.email, phone=a.phone, address=a.postal_address,
                    preferred_channel=a.preferred_channel, salutation=a.salutation)
    return RegisterDocument(kind=s.kind, channel=ReceivedChannel.EPORTAL, subject=s.subject, sender=sender,
                            service_code=s.service_code, variant=s.variant, attachments_count=len(s.attachments),
                            eportal_submission_id=s.submission_id, accept_duplicate_scan=True)


# Registration ids of e-portal submissions are derived from the submission id, so every
# delivery of a submission drafts the same registration (same staging keys, same event ids).
SUBMISSIONS = uuid.UUID("5b0f6c1e-7d43-4c47-9a56-2f6a1f0d9e11")


class EportalIntake:
    """``repo`` finds earlier registrations of a submission; ``attachments`` reads the
    e-portal's uploads (another bucket of the object store)."""

    def __init__(self, registrar: Optional[Registrar], repo: Optional[AbstractRegistrationRepository],
                 attachments: Optional[AbstractScanStore], max_scan_bytes: int,
                 concurrently: Concurrently = in_turn):
        self.registrar, self.repo, self.attachments = registrar, repo, attachments
        self.max_scan_bytes, self.concurrently = max_scan_bytes, concurrently

    def register(self, submission: EportalSubmission, catalogue,
                 hold: Callable[[int], ContextManager] = lambda n: contextlib.nullcontext()) -> Registered:
        """One submission, one index, however often it is delivered. Raises
        :class:`~.errors.Refused` for a submission that can never be registered as sent and
        :class:`~.errors.TemporarilyUnavailable` for one to try again later. ``hold(n)``
        reserves memory for the attachments' ``n`` bytes while they are handled.

        The claim itself is unique per submission (a unique index), so two deliveries can
        never both register; the second learns of the first at its claim (``SubmissionTaken``)
        and returns that registration with its stored events, to be sent again (consumers
        deduplicate by event id). The caller (the Kafka consumer) commits a submission only
        after its events are out, so a submission without attachments needs no outbox
        pointers: if anything fails before that, the submission comes again. One with
        attachments is announced like paper, and is first looked up, so a redelivery
        uploads nothing again."""
        registration_id = uuid.uuid5(SUBMISSIONS, submission.submission_id)
        if submission.attachments:
            earlier = self.repo.by_submission(submission.submission_id)
            if earlier is not None:
                return self._again(earlier)
        try:
            command = to_command(submission)
        except ValueError as exc:  # the errors name the fields, never their values (personal data)
            raise Invalid("Невалидно подаване: данните на подателя или документа са невалидни.",
                          errors=field_errors(exc) if isinstance(exc, ValidationError) else []) from None
        sizes = self.concurrently(*[lambda a=a: self._size(a) for a in submission.attachments])
        with hold(sum(sizes)):
            files = self.concurrently(*[lambda a=a: self._fetch(a) for a in submission.attachments])
            try:
                # The receipt goes out only after ``complete``, which writes the lookups of a batch at once.
                return self.registrar.register_submission(command, files, catalogue, registration_id)
            except SubmissionTaken:
                earlier = self.repo.by_submission(submission.submission_id) \
                    or self.repo.by_registration_id(registration_id)
                if earlier is None:  # cannot be: the claim that took the submission is never removed
                    raise
                return self._again(earlier)

    def _again(self, earlier) -> Registered:
        # linked=False: its lookups are written again with the batch (idempotent), in case the
        # delivery that made it failed while writing them
        return self.registrar.again(earlier, announced=False)

    @staticmethod
    def _missing(att) -> Invalid:
        return Invalid(f"Липсва прикаченият файл {att.bucket}/{att.object_key}.")

    def _size(self, att) -> int:
        try:
            n = self.attachments.size(att.bucket, att.object_key)
        except KeyError:
            raise self._missing(att)
        if n > self.max_scan_bytes:  # refused before it is read into memory
            raise Invalid(f"Прикаченият файл {att.file_name} е {n // 2**20} MB; "
                          f"допустимите са до {self.max_scan_bytes // 2**20} MB.")
        return n

    def _fetch(self, att) -> tuple[str, bytes]:
        try:
            return att.file_name, self.attachments.fetch(att.bucket, att.object_key)
        except KeyError:
            raise self._missing(att)
