"""The registration use case: validate, announce, upload, claim, link; complete after the
answer. The steps and their words are in docs/glossary.md; why no gap or orphan can arise
is in docs/registration-index.md.

1. **validate** the command and every scan, resolve the term (catalogue) and the case;
2. **announce**, at once with the look-up of an earlier registration of the same scans: the
   outbox pointers name the registration id and its uploads, so nothing is uploaded
   unannounced;
3. **upload** the scans (to a staging key, or to the keys of the predicted number);
4. **claim** the number (:mod:`.claims`): the insert of the registration with its events,
   the single atomic commit;
5. **link** the lookup keys (index, scan hashes, e-portal id, request key, registration id),
   then the caller **answers** (an e-portal submission is linked at completion instead);
6. **complete**, after the answer: move the scans to their index-derived keys, raise the
   number hint, write the audit entry; the caller publishes the events. If the process dies
   first, the relay timer does all of it.

Four entry functions, one per kind of caller: :meth:`Registrar.register` (a clerk),
:meth:`Registrar.register_once` (a clerk's request with an Idempotency-Key),
:meth:`Registrar.register_uploaded` (a clerk's scans uploaded beforehand, for
:mod:`.uploads`) and :meth:`Registrar.register_submission` (an e-portal submission, for the
e-portal intake).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Callable, Optional, Union
from zoneinfo import ZoneInfo

from delovod_proto.access_code import AccessCodeKeys
from delovod_proto.rpc import ServiceNotFound
from delovod_proto.vocabulary import DocumentKind
from servicekit import logs
from servicekit.concurrently import Concurrently, in_turn
from servicekit.outbox import OutboxMessage

from ..domain import scans as scan_rules
from ..domain.calendar import WorkingCalendar
from ..domain.commands import RegisterDocument
from ..domain.registration import Registration, Scan, new_access_code
from ..domain.terms import DEFAULT_RULES, DueDate, TermRule, compute_due
from . import wire_events
from .claims import ClaimScheduler, Draft, Slot
from .errors import Conflict, Invalid
from .ports import AbstractCatalogue, AbstractRegistrationRepository, AbstractScanStore, SubmissionTaken
from .queries import Queries

log = logging.getLogger(__name__)
# Registration ids of clerks' requests with an Idempotency-Key derive from the key, so every
# attempt of one request announces the same staging keys and the same event ids.
CLERK_REQUESTS = uuid.UUID("0d7c3c1a-5f0e-4d8e-9a35-6b1f2c7d9e40")


@dataclass(frozen=True)
class Registered:
    registration: Registration
    access_code: Optional[str]
    created: bool = True
    events: tuple = ()
    announced: bool = True  # its events have outbox pointers (else the caller guarantees redelivery)
    linked: bool = True  # its lookup keys are written (else ``complete`` writes them)


@dataclass(frozen=True)
class _Intake:
    """How one kind of caller registers (set by the entry functions, never by callers)."""

    registration_id: Optional[uuid.UUID] = None  # a repeatable registration's id (else a new one)
    request_key: Optional[str] = None
    announce: bool = True
    link_later: bool = False  # lookups written by ``complete`` (the caller answers after it)
    uploaded: bool = False  # the scans are in the store already, at their staging keys (uploads)


class Registrar:
    def __init__(self, repo: AbstractRegistrationRepository, store: AbstractScanStore, registers: dict,
                 calendar: Union[WorkingCalendar, Callable[[], WorkingCalendar]], keys: AccessCodeKeys,
                 claims: ClaimScheduler, queries: Queries, tz: ZoneInfo,
                 max_scan_bytes: int = 50 * 1024 * 1024,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 concurrently: Concurrently = in_turn):
        self.repo, self.store, self.registers, self.keys = repo, store, registers, keys
        # a fixed calendar, or a source of the current one (the operator's table changes)
        self.calendar = calendar if callable(calendar) else (lambda: calendar)
        self.claims, self.queries, self.tz = claims, queries, tz
        self.max_scan_bytes, self.clock, self.concurrently = max_scan_bytes, clock, concurrently

    # -- entry functions ----------------------------------------------------------------
    def register(self, cmd: RegisterDocument, files: list[tuple[str, bytes]], actor: str,
                 catalogue: Optional[AbstractCatalogue]) -> Registered:
        """A clerk's registration: announced, linked before the answer."""
        return self._register(cmd, files, actor, catalogue, _Intake())

    def register_once(self, cmd: RegisterDocument, files: list[tuple[str, bytes]], actor: str,
                      catalogue: Optional[AbstractCatalogue], request_key: str) -> Registered:
        """A clerk's request with an Idempotency-Key (``request_key``, scoped to the clerk):
        a repeat gets the registration the first attempt made, ``created=False`` and no
        access code; the same key with another document is refused."""
        scans = self._inspect(files)
        earlier = self.repo.by_request(request_key)
        if earlier is not None:
            return self.repeated(earlier, cmd, scans)
        intake = _Intake(registration_id=uuid.uuid5(CLERK_REQUESTS, request_key), request_key=request_key)
        try:
            return self._register(cmd, files, actor, catalogue, intake, scans)
        except SubmissionTaken:
            earlier = self.repo.by_request(request_key) or self.repo.by_registration_id(intake.registration_id)
            if earlier is None:  # cannot be: a claim is never removed
                raise
            return self.repeated(earlier, cmd, scans, uploaded=True)

    def register_uploaded(self, cmd: RegisterDocument, scans: list[Scan], actor: str,
                          catalogue: Optional[AbstractCatalogue], request_key: str) -> Registered:
        """A clerk's registration of scans uploaded beforehand (:mod:`.uploads`, which
        verified them): each scan's staging key is its upload's object, moved to its final
        key on completion like any staged scan. ``request_key`` names the set of uploads, so
        a repeat gets the first registration, as with an Idempotency-Key."""
        intake = _Intake(registration_id=uuid.uuid5(CLERK_REQUESTS, request_key), request_key=request_key,
                         uploaded=True)
        try:
            return self._register(cmd, [], actor, catalogue, intake, scans)
        except SubmissionTaken:
            earlier = self.repo.by_request(request_key) or self.repo.by_registration_id(intake.registration_id)
            if earlier is None:  # cannot be: a claim is never removed
                raise
            return self.repeated(earlier, cmd, scans)

    def register_submission(self, cmd: RegisterDocument, files: list[tuple[str, bytes]],
                            catalogue: Optional[AbstractCatalogue], registration_id: uuid.UUID) -> Registered:
        """An e-portal submission (its id derives from the submission's). Its caller, the
        Kafka consumer, answers (sends the receipt) only after ``complete`` and commits the
        submission only after its events are out, so its lookups are left to ``complete``
        (a batch's in one round trip) and, without scans, it writes no outbox pointers: a
        crash before makes Kafka deliver it again. Scans are always announced: their
        objects must be findable after a crash. Raises ``SubmissionTaken`` if the
        submission is registered already."""
        return self._register(cmd, files, "eportal", catalogue,
                              _Intake(registration_id=registration_id, announce=bool(files), link_later=True))

    def again(self, earlier: Registration, announced: bool = True) -> Registered:
        """A registration found again (a repeat): completed again after the answer
        (idempotent), which completes what a crash of the first attempt may have left, its
        lookups and its events included (consumers deduplicate)."""
        return Registered(earlier, None, created=False, events=tuple(self.repo.events_of(earlier)),
                          announced=announced, linked=False)

    def complete(self, *done: Registered) -> None:
        """After the answer, for one or a batch of registrations: scans to their
        index-derived keys, the number hints, the audit entries, and the lookups of those
        not linked yet. Idempotent; if the process dies first, the relay does it."""
        made = [d.registration for d in done]  # a registration found again is completed again: idempotent
        unlinked = [d.registration for d in done if not d.linked]
        if made:
            self.concurrently(*[lambda s=s: self.store.move(s.staging_key, s.object_key)
                                for r in made for s in r.scans if s.staging_key],
                              lambda: self.repo.complete(made),
                              *([lambda: self.repo.link(*unlinked)] if unlinked else []))

    # -- the steps ----------------------------------------------------------------------
    def _register(self, cmd: RegisterDocument, files, actor: str, catalogue, intake: _Intake,
                  scans: Optional[list[Scan]] = None) -> Registered:
        scans = self._inspect(files) if scans is None else scans
        draft, code = self._draft(cmd, scans, actor, catalogue, intake)
        with self.claims.in_flight(draft.series) as predicted:
            # A repeatable registration always uploads to staging keys under its id: every
            # attempt then writes the same keys, which the claim that wins keeps.
            predicted = predicted if intake.registration_id is None else None
            if not intake.uploaded:  # uploads keep their objects' keys
                draft.registration.with_staging_keys(predicted)
            registration, events, linked = self._upload_and_claim(draft, files, predicted, intake)
        if not linked and not intake.link_later:
            self.repo.link(registration)
        logs.event(log, "document_registered", index=registration.index, kind=cmd.kind.value,
                   channel=cmd.channel.value, scans=len(scans), actor=actor)
        return Registered(registration, code, events=tuple(events), announced=intake.announce,
                          linked=linked or not intake.link_later)

    def _draft(self, cmd: RegisterDocument, scans: list[Scan], actor: str, catalogue,
               intake: _Intake) -> tuple[Draft, Optional[str]]:
        """The registration without its number, and the new case's access code (shown once;
        None for a follow-up, which keeps its case's)."""
        now = self.clock()
        local = now.astimezone(self.tz)
        case = self._case(cmd)
        due, version, unit = self._due(cmd, local, catalogue) if case is None else (case.due, case.service_version, None)
        # A follow-up joins its case: the citizen keeps the case's access code.
        code, code_hash = new_access_code(self.keys) if case is None else (None, case.access_code_hash)
        register = self.registers[case.command.kind if case else cmd.kind]
        registration = Registration(intake.registration_id or uuid.uuid4(), case.register_code if case else register.code,
                                    0, 0, 0, "", "", now, cmd, code_hash, actor, due, version, scans, intake.request_key,
                                    unit)
        return Draft(registration, register, case, local), code

    def _upload_and_claim(self, draft: Draft, files, predicted: Optional[Slot],
                          intake: _Intake) -> tuple[Registration, list[OutboxMessage], bool]:
        """Announce, upload, claim. With a predicted number its lookups are written during
        the upload (readers ignore them unless that claim is made); returns whether they
        were the ones for the number actually claimed."""
        r = draft.registration
        ids = wire_events.event_ids(r)
        # Uploads' objects are not announced: only the upload sweeper deletes them, when no
        # registration can still claim them (the relay could delete one between a repeat's
        # check and its claim).
        announced = dataclasses.replace(r, scans=[]) if intake.uploaded else r
        earlier = self.concurrently(lambda: self._earlier(r.scans, r.command.accept_duplicate_scan),
                                    *([lambda: self.repo.announce(announced, ids)] if intake.announce else []))[0]
        if earlier is not None and r.request_key and earlier.request_key == r.request_key:
            raise SubmissionTaken(r.request_key)  # an earlier attempt of this very request made it
        if earlier is not None:
            if intake.announce and not r.request_key:  # a repeatable request's pointers are shared by its attempts
                self.repo.withdraw(r, ids)
            raise Conflict(f"Този файл вече е регистриран с индекс {earlier.index}.",
                           [{"field": "scan", "message": f"Вече регистриран: {earlier.index}."}],
                           {"earlier_index": earlier.index})
        guess = draft.numbered(predicted) if predicted and not intake.link_later else None
        self.concurrently(*[lambda s=s, d=d: self.store.put(s.staging_key, d, s.content_type, {"sha256": s.sha256})
                            for s, (_, d) in zip(r.scans, files)],
                          *([lambda: self.repo.link(guess)] if guess else []))
        registration, events = self.claims.claim(draft)
        return registration, events, guess is not None and guess.claim_key == registration.claim_key

    def repeated(self, earlier: Registration, cmd: RegisterDocument, scans: list[Scan],
                  uploaded: bool = False) -> Registered:
        """A request repeated under its Idempotency-Key: the same document, or refused (and
        then what this attempt ``uploaded`` is garbage)."""
        if (earlier.command.model_dump(mode="json") != cmd.model_dump(mode="json")
                or [s.sha256 for s in earlier.scans] != [s.sha256 for s in scans]):
            if uploaded:
                self._drop_uploads(scans, earlier)
            raise Invalid("Ключът Idempotency-Key вече е използван за друг документ.",
                          [{"field": "Idempotency-Key", "message": "Използван е за друга заявка; изпратете нов ключ."}],
                          {"registration_index": earlier.index})
        return self.again(earlier)

    def _drop_uploads(self, scans: list[Scan], winner: Registration) -> None:
        """Attempts of one request share its registration id, so this attempt's staging keys
        are the winner's id with this attempt's scans; those the winner does not keep go."""
        kept = {k for s in winner.scans for k in (s.object_key, s.staging_key)}
        mine = dataclasses.replace(winner, scans=list(scans)).with_staging_keys()
        for s in mine.scans:
            if s.staging_key not in kept:
                try:
                    self.store.delete(s.staging_key)
                except Exception as exc:  # its pointer lists it; the relay deletes it later
                    logs.event(log, "staged_scan_left", logging.WARNING, key=s.staging_key, error=repr(exc))

    def _inspect(self, files) -> list[Scan]:
        scans, errors = [], []
        for name, data in files:
            try:
                scans.append(scan_rules.inspect(name, data, self.max_scan_bytes))
            except scan_rules.ScanRejected as exc:
                errors.append({"field": "scan", "message": str(exc)})
        if len(errors) == 1:  # the detail says what was wrong: size, type, or empty
            raise Invalid(errors[0]["message"], errors)
        if errors:
            raise Invalid("Сканираните файлове не могат да бъдат приети: " + " ".join(e["message"] for e in errors),
                          errors)
        return scans

    def _earlier(self, scans: list[Scan], accept_duplicates: bool) -> Optional[Registration]:
        if accept_duplicates:
            return None
        for scan in scans:
            earlier = self.repo.by_scan_hash(scan.sha256)
            if earlier:
                return earlier
        return None

    def _case(self, cmd: RegisterDocument) -> Optional[Registration]:
        if cmd.kind != DocumentKind.FOLLOW_UP:
            return None
        found = self.queries.find(cmd.related_index)
        if found is None:
            raise Invalid(f"Няма регистриран документ с индекс {cmd.related_index}.",
                          [{"field": "related_index", "message": "Няма такъв индекс."}])
        return self.queries.case_of(found)  # a follow-up to a follow-up joins the same case

    def _due(self, cmd: RegisterDocument, local: dt.datetime,
             catalogue) -> tuple[Optional[DueDate], Optional[int], Optional[str]]:
        """The due date, the catalogue version bound and, for an application, the
        service's competent unit (the catalogue's ``responsible_unit``)."""
        rule, version, unit = DEFAULT_RULES[cmd.kind], None, None
        if cmd.kind == DocumentKind.SERVICE_APPLICATION:
            try:
                term = catalogue.service_term(cmd.service_code, local.date(), cmd.variant)
            except ServiceNotFound as exc:
                raise Invalid(str(exc), [{"field": "service_code", "message": str(exc)}])
            version, unit = term.version, term.responsible_unit
            if term.term is not None:
                rule = TermRule(term.term.value, term.term.unit,
                                f"каталог: {term.name} (код {term.code}, версия {term.version})")
        return compute_due(local, rule, self.calendar()), version, unit

