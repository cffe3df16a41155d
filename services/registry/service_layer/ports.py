"""Ports of the registry's service layer; adapters implement them, fakes prove them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Optional, Protocol, Sequence

from delovod_proto.rpc import ServiceTermResponse
from delovod_proto.vocabulary import ServiceVariant
from servicekit.outbox import OutboxMessage

from ..domain.registration import Registration
from ..domain.uploads import Upload

# The catalogue's folding of Cyrillic and Latin spellings to one Latin skeleton (the
# Transliteration Act's table plus informal spellings), imported rather than copied so a
# sender is found as "Petrova" and as "Петрова" alike in the catalogue and the journal.
from catalogue.domain.search import tokens as folded_words


@dataclass(frozen=True)
class JournalEntry:
    """A completed registration as the incoming journal lists it: enough to filter and order
    a day's registrations and to fetch the page's own (by its claim)."""

    registered_at: dt.datetime  # UTC, aware
    index: str
    register_code: str
    year: int
    number: int
    seq: int
    kind: str
    channel: str
    sender_name: str
    subject: str
    words: str = ""  # the name's and the subject's words folded (journal_words), written with the entry

    @property
    def order(self) -> tuple[dt.datetime, str]:
        return self.registered_at, self.index


def journal_words(sender_name: str, subject: str) -> str:
    """The words a journal search matches, folded once when the entry is written: Cyrillic and
    Latin spellings alike (the catalogue's folding, a pure function: "Петрова" is "petrova")."""
    return " ".join(folded_words(f"{sender_name} {subject}"))


class IndexTaken(Exception):
    """Another registration claimed that (register, year, number, seq) first."""


class SubmissionTaken(Exception):
    """A registration of this e-portal submission or clerk request (Idempotency-Key) exists
    already: the claim is unique per submission and per request key too, so neither can
    ever get two indexes."""


class ClaimStore(Protocol):
    """What the claim scheduler needs: the hints, and the claim itself (an insert that
    exactly one registration can win per number)."""

    def next_number(self, register_code: str, year: int) -> int:
        """One more than the highest number of the register in the year (1 if none)."""

    def next_seq(self, case_index: str) -> int:
        """One more than the highest follow-up sequence of the case."""

    def claim(self, registration: Registration, events: Iterable[OutboxMessage]) -> None:
        """Insert atomically with its outbox; raises :class:`IndexTaken` on a taken
        number, :class:`SubmissionTaken` if its e-portal submission or request key is
        registered already."""

    def claim_many(self, claims: Sequence[tuple[Registration, Iterable[OutboxMessage]]]) -> tuple[int, Optional[Exception]]:
        """Claim several, in order, in one round trip, each its own atomic insert; stops at
        the first refused. Returns how many were claimed (a prefix) and, if one was
        refused, its :class:`IndexTaken` or :class:`SubmissionTaken` (or the database's
        error, if it failed there)."""


class AbstractRegistrationRepository(ClaimStore, Protocol):
    """Registrations; the document itself claims its number under a unique key. The
    methods are named after the steps of a registration (docs/glossary.md)."""

    def announce(self, registration: Registration, event_ids: Iterable) -> None:
        """Before the scans are uploaded: announce the registration's events (by id) and
        its uploads, so a crash later leaves nothing unaccounted for (outbox pointers)."""

    def withdraw(self, registration: Registration, event_ids: Iterable) -> None:
        """The announced registration will not be made (refused before its upload)."""

    def link(self, *registrations: Registration) -> None:
        """Right after the claims: lookup keys (index, scan hashes, e-portal id), for one
        or a batch of registrations in one round trip."""

    def complete(self, registrations: Sequence[Registration]) -> None:
        """After the claims, idempotent, for a batch: the number hints and the audit
        entries. If this never runs, the outbox relay runs it before publishing."""

    def code_version(self, case: Registration) -> int:
        """How many times the case's access code was reissued (0: never)."""

    def replace_access_code(self, case: Registration, code_hash: str, version: int, record: dict,
                            event: OutboxMessage) -> bool:
        """If the case's code is still at ``version - 1``, atomically: the new hash, the
        version, ``record`` (who, when, why) in the case's code history and the event
        announcing it in its outbox (announced by a pointer first, so the relay sends it
        after a crash). False if another reissue came first."""

    def by_index(self, index: str) -> Optional[Registration]:
        """The registration that holds this index text (the first to claim it, if two
        follow-ups were ever issued the same text, as the old follow-up form allowed)."""

    def by_claim(self, register_code: str, year: int, number: int, seq: int) -> Optional[Registration]:
        """The registration holding the claim (register, year, number, seq), if any."""

    def journal_row(self, register_code: str, year: int, number: int, seq: int) -> Optional[Registration]:
        """The registration holding the claim, for the journal's page only: what the journal
        shows of it (index, time, kind, channel, subject, sender, due date, scans) never
        changes after the claim, so a cache may keep it; never for its access code."""

    def by_scan_hash(self, sha256: str) -> Optional[Registration]: ...

    def by_submission(self, submission_id: str) -> Optional[Registration]: ...

    def by_request(self, request_key: str) -> Optional[Registration]: ...

    def journal_day(self, register_code: str, day: dt.date) -> list[JournalEntry]:
        """The register's completed registrations whose moment falls on this UTC day, in any
        order (one keyed read: the journal's days are served by ``_id``, docs/decisions.md)."""

    def journal_words(self, register_code: str, year: int, month: int) -> dict[str, list[int]]:
        """The month's word digest: each folded word of the register's completed registrations
        of that UTC month, with the days (of the month) it occurs on; a search for words reads
        only the days that have them all (one keyed read per month)."""

    def journal_year_words(self, register_code: str, year: int) -> Optional[dict[str, dict[int, int]]]:
        """The year's word digest: each folded word of the register's completed registrations
        of that UTC year, with, per month, the days it occurs on as bits (bit d: day d); one
        keyed read for a search over months. None when the year has no digest (nothing
        completed in it since the digest existed: the month digests answer)."""

    def events_of(self, registration: Registration) -> list[OutboxMessage]:
        """The events stored with a registration (to send them again)."""

    def by_registration_id(self, registration_id) -> Optional[Registration]:
        """Crash recovery: the registration with this id, even before its lookups exist."""

    def audit(self, actor: str, action: str, target: str, detail: Optional[dict] = None) -> None:
        """Append to the audit log (who, when, what)."""


class AbstractScanStore(Protocol):
    """Object storage for scans (S3 API: MinIO in production, SeaweedFS locally)."""

    def put(self, key: str, data: bytes, content_type: str, metadata: Optional[dict] = None) -> None: ...

    def get(self, key: str) -> bytes: ...

    def fetch(self, bucket: str, key: str) -> bytes:
        """An object from another bucket (e-portal uploads); KeyError if absent."""

    def size(self, bucket: str, key: str) -> int:
        """Bytes of an object in any bucket (e-portal uploads); KeyError if absent."""

    def move(self, source_key: str, target_key: str) -> None:
        """Copy then delete; a second call after success is a no-op (source gone)."""

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def presigned_url(self, key: str, expires: dt.timedelta) -> str: ...

    def presigned_upload(self, key: str, checksum: str, expires: dt.timedelta) -> str:
        """A PUT URL for exactly the bytes whose SHA-256 (base64) is ``checksum``: it is
        signed into the URL, so the store refuses other bytes and keeps the checksum."""

    def stored(self, key: str) -> tuple[int, Optional[str]]:
        """An object's size and the SHA-256 checksum (base64) the store verified when it was
        put, None if it was put without one; KeyError if absent."""

    def listed(self, prefix: str) -> list[tuple[str, dt.datetime]]:
        """Keys under ``prefix`` with when each was last written (the sweeper's look for
        objects nobody was granted)."""

    def head(self, key: str, n: int) -> bytes:
        """The first ``n`` bytes of an object (its type is read from them); KeyError if absent."""

    def start_multipart(self, key: str) -> str:
        """Start a multipart upload at ``key``; its id."""

    def presigned_step(self, key: str, upload_id: str, step: str, part_number: Optional[int],
                       expires: dt.timedelta) -> tuple[str, str]:
        """``(method, url)`` of one request of the multipart upload, for the client to send:
        ``part`` (PUT part ``part_number``), ``list`` (ListParts), ``complete`` (its body the
        parts' list) or ``abort``."""

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Abort the multipart upload and drop its parts; one already gone is no error."""

    def pending_multiparts(self, prefix: str) -> list[tuple[str, str, dt.datetime]]:
        """``(key, upload id, started)`` of the multipart uploads under ``prefix`` neither
        completed nor aborted (the sweeper's look for those nobody was granted)."""

    def sha256(self, key: str, at_most: int) -> tuple[int, str]:
        """An object's size and SHA-256 (hex), read through once in bounded memory; KeyError if
        absent. Reading stops past ``at_most`` bytes (the size returned is then larger than
        ``at_most`` and the digest empty): parts carry no size limit of their own, so an object
        bigger than declared is refused without reading it all."""


class AbstractUploadLedger(Protocol):
    """Granted uploads (domain/uploads.py), recorded before their URLs are handed out."""

    def record(self, upload: Upload) -> None: ...

    def get(self, upload_id: str) -> Optional[Upload]: ...

    def holder(self, upload_id: str) -> Optional[str]:
        """The request key of the registration that took the upload, if any did."""

    def take(self, upload_id: str, holder: str) -> str:
        """Give the upload to ``holder`` (a registration's request key) unless another has
        it: one atomic insert, so two registrations can never both take it. Returns the
        holder it has now."""

    def issued_before(self, cutoff: dt.datetime) -> list[Upload]:
        """Uploads granted before ``cutoff`` (the sweeper's work)."""

    def forget(self, upload_id: str) -> None:
        """Drop the upload's record and its holder (the sweeper, once its object is settled)."""


class AbstractCatalogue(Protocol):
    """The catalogue service, as the registry needs it."""

    def service_term(self, code: str, at: dt.date, variant: ServiceVariant) -> ServiceTermResponse:
        """Raises ``delovod_proto.rpc.ServiceNotFound`` for an unknown code."""
