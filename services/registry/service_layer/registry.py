"""Registering documents: validate everything, store scans, claim the number, publish.

Order (docs/registration-index.md explains why no gap or orphan can arise):
1. validate the command and every scan, resolve the term (catalogue) and the case;
2. at once: look for an earlier registration of the same scans, and write the outbox
   pointers, which name the registration id and the scans' staging keys: nothing is
   uploaded unannounced;
3. upload the scans under staging keys (``staging/<registration id>/<n>-<hash>.<ext>``);
4. claim: insert the registration document, which takes (register, year, number, seq)
   under a unique key and carries its events, the single atomic commit. Claims of one
   register are made one at a time in this process (a few milliseconds each), so
   concurrent registrations do not race for the same number; another replica's claim
   only costs a retry;
5. write the lookup keys (index, scan hashes, e-portal id, registration id) and answer
   (a caller that answers only after step 6, the e-portal consumer, leaves them to it);
6. then (``complete``): move the scans to keys derived from the index, raise the number
   hint, write the audit entry; the caller publishes the events. If the process dies
   first, the relay timer does all of it, and it deletes the staged objects of
   announcements that never got a claim.
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Optional, Union
from zoneinfo import ZoneInfo

from delovod_proto import topics
from delovod_proto.access_code import AccessCodeKeys, verify_access_code
from delovod_proto.envelope import Envelope, TraceContext
from delovod_proto.events import AccessCodeReissued, Contact, DocumentRegistered, EportalReceipt
from delovod_proto.rpc import ServiceNotFound
from delovod_proto.vocabulary import DocumentKind
from servicekit import logs
from servicekit.concurrently import Concurrently, in_turn
from servicekit.outbox import OutboxMessage

from ..domain import scans as scan_rules
from ..domain.calendar import WorkingCalendar
from ..domain.commands import RegisterDocument
from ..domain.index import Register
from ..domain.registration import Registration, Scan, new_access_code
from ..domain.terms import DEFAULT_RULES, DueDate, TermRule, compute_due
from .ports import (AbstractCatalogue, AbstractRegistrationRepository, AbstractScanStore,
                    IndexTaken, SubmissionTaken)

log = logging.getLogger(__name__)
MAX_CLAIM_ATTEMPTS = 100
MAX_CLAIM_BATCH = 50
# A registration must claim its number within this time of announcing its staged scans;
# the outbox relay deletes the staged objects of announcements older than twice this.
CLAIM_WINDOW = dt.timedelta(minutes=5)
# Registration ids of clerks' requests with an Idempotency-Key derive from the key, so every
# attempt of one request announces the same staging keys and the same event ids.
CLERK_REQUESTS = uuid.UUID("0d7c3c1a-5f0e-4d8e-9a35-6b1f2c7d9e40")


class _Ticket:
    """A registration waiting for its claim in a batch."""

    def __init__(self, draft, register, case, local):
        self.draft, self.register, self.case, self.local = draft, register, case, local
        self.done, self.result, self.error = False, None, None

    def finish(self, result=None, error=None) -> None:
        self.done, self.result, self.error = True, result, error


class Rejected(Exception):
    """The registration was refused; nothing was taken. ``errors``: [{field, message}]."""

    def __init__(self, status: int, detail: str, errors: Optional[list[dict]] = None, extra: Optional[dict] = None):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.extra = status, detail, errors or [], extra or {}


@dataclass(frozen=True)
class Reissued:
    case: Registration  # with the new hash
    access_code: str  # shown once
    version: int  # 1 for the case's first reissue, then 2, ...
    at: dt.datetime
    event: OutboxMessage  # in the case's outbox; the caller sends it (else the relay does)


@dataclass(frozen=True)
class Registered:
    registration: Registration
    access_code: Optional[str]
    created: bool = True
    events: tuple = ()
    announced: bool = True  # its events have outbox pointers (else the caller guarantees redelivery)
    linked: bool = True  # its lookup keys are written (else ``complete`` writes them)


class Registry:
    def __init__(self, repo: AbstractRegistrationRepository, store: AbstractScanStore,
                 registers: dict[DocumentKind, Register],
                 calendar: Union[WorkingCalendar, Callable[[], WorkingCalendar]], keys: AccessCodeKeys,
                 tz: str = "Europe/Sofia", max_scan_bytes: int = 50 * 1024 * 1024,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 trace: Callable[[], dict] = dict, concurrently: Concurrently = in_turn,
                 claim_window: dt.timedelta = CLAIM_WINDOW):
        self.repo, self.store, self.registers, self.keys = repo, store, registers, keys
        # a fixed calendar, or a source of the current one (the operator's table changes)
        self.calendar = calendar if callable(calendar) else (lambda: calendar)
        self.tz, self.max_scan_bytes, self.clock, self.trace = ZoneInfo(tz), max_scan_bytes, clock, trace
        self.concurrently, self.claim_window = concurrently, claim_window
        self._claims: dict = collections.defaultdict(threading.Lock)  # one claim at a time per series
        self._last: dict[tuple[str, int], int] = {}  # this process's last claim per register and year
        self._flying: collections.Counter = collections.Counter()  # registrations in progress per series
        self._flight_lock = threading.Lock()
        self._queued: dict = collections.defaultdict(list)  # registrations waiting to claim, per series

    # -- the use case -------------------------------------------------------------
    def register(self, cmd: RegisterDocument, files: list[tuple[str, bytes]], actor: str,
                 catalogue: Optional[AbstractCatalogue], registration_id: Optional[uuid.UUID] = None,
                 announce: bool = True, lookups_later: bool = False,
                 request_key: Optional[str] = None) -> Registered:
        """``announce=False`` (no outbox pointers) only for a caller that itself redelivers
        until the events are out, such as a Kafka consumer that commits after them, and
        only without scans: pointers are also what finds objects of an unclaimed attempt.
        ``lookups_later=True`` for a caller that tells nobody the index before ``complete``
        has run (the e-portal consumer: the receipt is sent after it): the lookup keys are
        then written by ``complete``, for a whole batch in one round trip.
        ``request_key`` (a clerk's Idempotency-Key, scoped to the clerk): a repeated request
        gets the registration the first one made, ``created=False`` and no access code."""
        if not announce and files:
            raise ValueError("scans are always announced: their objects must be findable after a crash")
        scans = self._inspect(files)
        if request_key:
            earlier = self.repo.by_request(request_key)
            if earlier is not None:
                return self._repeated(earlier, cmd, scans)
            registration_id = registration_id or uuid.uuid5(CLERK_REQUESTS, request_key)
        now = self.clock()
        local = now.astimezone(self.tz)
        case = self._case(cmd)
        due, version = self._due(cmd, local, catalogue) if case is None else (case.due, case.service_version)
        # A follow-up joins its case: the citizen keeps the case's access code.
        code, code_hash = new_access_code(self.keys) if case is None else (None, case.access_code_hash)
        register = self.registers[case.command.kind if case else cmd.kind]
        reg_id = registration_id or uuid.uuid4()
        series = self._series(case.register_code if case else register.code, case, local.year)
        with self._in_flight(series) as alone:
            # A repeatable request (an e-portal submission, a clerk's request with a key: its id
            # derives from it) always stages its scans under its id: every attempt then writes
            # the same keys, which the claim that wins keeps, so a losing attempt leaves nothing.
            predicted = self._predicted(series) if alone and registration_id is None else None
            draft = Registration(reg_id, series[0], 0, 0, 0, "", "", now, cmd, code_hash, actor, due, version,
                                 scans, request_key).with_staging_keys(predicted)
            try:
                registration, events, linked = self._store_and_claim(draft, files, register, case, local, predicted,
                                                                     announce, lookups_later)
            except SubmissionTaken:
                if not request_key:
                    raise
                earlier = self.repo.by_request(request_key) or self.repo.by_registration_id(reg_id)
                if earlier is None:  # cannot be: a claim is never removed
                    raise
                try:
                    return self._repeated(earlier, cmd, scans)
                except Rejected:  # another document under a used key: what this attempt uploaded is garbage
                    self._drop_uploads(draft, earlier)
                    raise
        if not linked and not lookups_later:
            self.repo.link(registration)
        logs.event(log, "document_registered", index=registration.index, kind=cmd.kind.value,
                   channel=cmd.channel.value, scans=len(scans), actor=actor)
        return Registered(registration, code, events=tuple(events), announced=announce,
                          linked=linked or not lookups_later)

    def _store_and_claim(self, draft: Registration, files, register: Register, case: Optional[Registration],
                         local: dt.datetime, predicted, announce: bool,
                         lookups_later: bool) -> tuple[Registration, list[OutboxMessage], bool]:
        """Upload, then claim. With a predicted number its lookups are written during the
        upload (readers ignore them unless that claim is made); returns whether they
        were the ones for the number actually claimed."""
        scans = draft.scans
        cmd = draft.command
        event_ids = self._event_ids(draft)
        earlier = self.concurrently(lambda: self._earlier(scans, cmd.accept_duplicate_scan),
                                    *([lambda: self.repo.prepare(draft, event_ids)] if announce else []))[0]
        if earlier is not None and draft.request_key and earlier.request_key == draft.request_key:
            raise SubmissionTaken(draft.request_key)  # an earlier attempt of this very request made it
        if earlier is not None:
            if announce and not draft.request_key:  # a repeatable request's pointers are shared by its attempts
                self.repo.withdraw(draft, event_ids)
            raise Rejected(409, f"Този файл вече е регистриран с индекс {earlier.index}.",
                           [{"field": "scan", "message": f"Вече регистриран: {earlier.index}."}],
                           {"earlier_index": earlier.index})
        guess = self._as_claim(draft, register, case, local, predicted) if predicted and not lookups_later else None
        self.concurrently(*[lambda s=s, d=d: self.store.put(s.staging_key, d, s.content_type, {"sha256": s.sha256})
                            for s, (_, d) in zip(draft.scans, files)],
                          *([lambda: self.repo.link(guess)] if guess else []))
        registration, events = self._claim(draft, register, case, local)
        return registration, events, guess is not None and guess.claim_key == registration.claim_key

    # A registration alone in its series in this process uploads its scans straight to the
    # keys of the number it will most likely claim (one PUT, nothing to move). Concurrent
    # ones upload to staging keys and their scans are moved once the number is theirs.
    @staticmethod
    def _series(register_code: str, case: Optional[Registration], year: int) -> tuple:
        return (register_code, case.case_index if case else year)

    @contextlib.contextmanager
    def _in_flight(self, series: tuple):
        with self._flight_lock:
            alone = self._flying[series] == 0
            self._flying[series] += 1
        try:
            yield alone
        finally:
            with self._flight_lock:
                self._flying[series] -= 1

    def _predicted(self, series: tuple) -> Optional[tuple[int, int, int]]:
        year = series[1]  # a year for a register's series, a case index for a case's
        last = self._last.get(series) if isinstance(year, int) else None
        return (year, last + 1, 0) if last else None

    def _repeated(self, earlier: Registration, cmd: RegisterDocument, scans: list[Scan]) -> Registered:
        """A request repeated under its Idempotency-Key: the same document, or a 422."""
        if (earlier.command.model_dump(mode="json") != cmd.model_dump(mode="json")
                or [s.sha256 for s in earlier.scans] != [s.sha256 for s in scans]):
            raise Rejected(422, "Ключът Idempotency-Key вече е използван за друг документ.",
                           [{"field": "Idempotency-Key", "message": "Използван е за друга заявка; изпратете нов ключ."}],
                           {"registration_index": earlier.index})
        # completed again after the answer (idempotent): finishes what a crash of the first
        # attempt may have left, its lookups and its events included (consumers deduplicate)
        return Registered(earlier, None, created=False, events=tuple(self.repo.events_of(earlier)), linked=False)

    def _drop_uploads(self, draft: Registration, winner: Registration) -> None:
        kept = {k for s in winner.scans for k in (s.object_key, s.staging_key)}
        for s in draft.scans:
            if s.staging_key not in kept:
                try:
                    self.store.delete(s.staging_key)
                except Exception as exc:  # its pointer lists it; the relay deletes it later
                    logs.event(log, "staged_scan_left", logging.WARNING, key=s.staging_key, error=repr(exc))

    def complete(self, *done: Registered) -> None:
        """After the answer, for one or a batch of registrations: scans to their
        index-derived keys, the number hints, the audit entries. Idempotent; if the
        process dies first, the relay does it before publishing."""
        made = [d.registration for d in done]  # a registration found again is completed again: idempotent
        unlinked = [d.registration for d in done if not d.linked]
        if made:
            self.concurrently(*[lambda s=s: self.store.move(s.staging_key, s.object_key)
                                for r in made for s in r.scans if s.staging_key],
                              lambda: self.repo.finish(made),
                              *([lambda: self.repo.link(*unlinked)] if unlinked else []))

    def _inspect(self, files) -> list[Scan]:
        scans, errors = [], []
        for name, data in files:
            try:
                scans.append(scan_rules.inspect(name, data, self.max_scan_bytes))
            except scan_rules.ScanRejected as exc:
                errors.append({"field": "scan", "message": str(exc)})
        if len(errors) == 1:  # the detail says what was wrong: size, type, or empty
            raise Rejected(422, errors[0]["message"], errors)
        if errors:
            raise Rejected(422, "Сканираните файлове не могат да бъдат приети: "
                           + " ".join(e["message"] for e in errors), errors)
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
        found = self.find(cmd.related_index)
        if found is None:
            raise Rejected(422, f"Няма регистриран документ с индекс {cmd.related_index}.",
                           [{"field": "related_index", "message": "Няма такъв индекс."}])
        return self._case_of(found)  # a follow-up to a follow-up joins the same case

    def _due(self, cmd: RegisterDocument, local: dt.datetime, catalogue) -> tuple[Optional[DueDate], Optional[int]]:
        rule, version = DEFAULT_RULES[cmd.kind], None
        if cmd.kind == DocumentKind.SERVICE_APPLICATION:
            try:
                term = catalogue.service_term(cmd.service_code, local.date(), cmd.variant)
            except ServiceNotFound as exc:
                raise Rejected(422, str(exc), [{"field": "service_code", "message": str(exc)}])
            version = term.version
            if term.term is not None:
                rule = TermRule(term.term.value, term.term.unit,
                                f"каталог: {term.name} (код {term.code}, версия {term.version})")
        return compute_due(local, rule, self.calendar()), version

    def _next_slot(self, register_code: str, year: int, case: Optional[Registration]) -> tuple[int, int, int]:
        """(year, number, seq) to try: one past this process's last claim, or past the
        hint (which never runs ahead of the claims) when this process has none."""
        if case:
            return case.year, case.number, self.repo.next_seq(case.case_index)
        last = self._last.get((register_code, year))
        return year, (last + 1 if last else self.repo.next_number(register_code, year)), 0

    def _claim(self, draft: Registration, register: Register, case: Optional[Registration],
               local: dt.datetime) -> tuple[Registration, list[OutboxMessage]]:
        """Claim the next number of the series. Claims of one series are made one batch at a
        time per process: whoever holds the series' lock claims for every registration
        waiting meanwhile, with consecutive numbers in one ordered insert (each document is
        still its own atomic commit; an ordered insert stops at the first that fails, so the
        numbers claimed are always a run with no hole). One alone is claimed with one insert."""
        series = self._series(draft.register_code, case, local.year)
        ticket = _Ticket(draft, register, case, local)
        with self._flight_lock:
            self._queued[series].append(ticket)
        while not ticket.done:  # more than a batch may be queued ahead of it
            with self._claims[series]:
                if not ticket.done:
                    with self._flight_lock:
                        batch, self._queued[series] = self._queued[series][:MAX_CLAIM_BATCH], \
                            self._queued[series][MAX_CLAIM_BATCH:]
                    self._claim_batch(series, batch)
        if ticket.error is not None:
            raise ticket.error
        return ticket.result

    def _claim_batch(self, series: tuple, batch: list["_Ticket"]) -> None:
        pending = list(batch)
        try:
            for _ in range(MAX_CLAIM_ATTEMPTS):
                pending = [t for t in pending if not self._expired(t)]
                if not pending:
                    return
                first = pending[0]
                year, number, seq = self._next_slot(first.draft.register_code, first.local.year, first.case)
                claims = []
                for i, t in enumerate(pending):  # consecutive numbers (or sequences, in a case)
                    slot = (year, number, seq + i) if t.case else (year, number + i, 0)
                    registration = self._as_claim(t.draft, t.register, t.case, t.local, slot)
                    claims.append((registration, self._events(registration)))
                added, error = self._add(claims)
                for t, claim in zip(pending[:added], claims[:added]):
                    t.finish(result=claim)
                if added and not first.case:
                    self._last[(first.draft.register_code, claims[added - 1][0].year)] = claims[added - 1][0].number
                if error is None:
                    return
                if isinstance(error, IndexTaken):  # another replica took it: the add moved the hint past it
                    self._last.pop((first.draft.register_code, claims[added][0].year), None)
                    pending = pending[added:]
                elif isinstance(error, SubmissionTaken):  # registered already; its number stays free
                    pending[added].finish(error=error)
                    pending = pending[added + 1:]
                else:  # the database failed at this one: those before it are claimed, the rest fail with it
                    for t in pending[added:]:
                        t.finish(error=error)
                    return
            for t in pending:
                t.finish(error=Rejected(503, "Регистърът е претоварен; опитайте отново."))
        except Exception as exc:  # the database failed: every one not claimed yet fails with it
            for t in pending:
                if not t.done:
                    t.finish(error=exc)

    def _add(self, claims: list[tuple[Registration, list[OutboxMessage]]]) -> tuple[int, Optional[Exception]]:
        if len(claims) > 1:
            return self.repo.add_many(claims)
        try:
            self.repo.add(*claims[0])
            return 1, None
        except (IndexTaken, SubmissionTaken) as exc:
            return 0, exc

    def _expired(self, t: "_Ticket") -> bool:
        if self.clock() - t.draft.registered_at > self.claim_window:
            # The relay may treat announcements older than this as abandoned: claim nothing.
            t.finish(error=Rejected(503, "Регистрацията продължи твърде дълго; опитайте отново."))
            return True
        return False

    @staticmethod
    def _as_claim(draft: Registration, register: Register, case: Optional[Registration], local: dt.datetime,
                  slot: tuple[int, int, int]) -> Registration:
        year, number, seq = slot
        index = register.format(number, local.date(), seq,
                                case.registered_at.astimezone(local.tzinfo).date() if case else None)
        return dataclasses.replace(draft, year=year, number=number, seq=seq, index=index,
                                   case_index=case.case_index if case else index).with_scan_keys()

    @staticmethod
    def _event_ids(r: Registration) -> list[uuid.UUID]:
        """Fixed per registration (a retried claim or redelivered submission reuses them)."""
        topics_ = [topics.DOCUMENTS_REGISTERED] + ([topics.EPORTAL_RECEIPTS] if r.command.eportal_submission_id else [])
        return [uuid.uuid5(r.id, topic) for topic in topics_]

    def _events(self, r: Registration) -> list[OutboxMessage]:
        s = r.command.sender
        body = DocumentRegistered(
            registration_id=r.id, registration_index=r.index, register_code=r.register_code,
            year=r.year, number=r.number, case_index=r.case_index, registered_at=r.registered_at,
            kind=r.command.kind, channel=r.command.channel, subject=r.command.subject,
            service_code=r.command.service_code, service_version=r.service_version,
            due_date=r.due.due_date if r.due else None, term_rule=r.due.rule if r.due else None,
            term_unit=r.due.unit if r.due else None, term_end=r.due.raw_end if r.due else None,
            access_code_hash=r.access_code_hash,
            sender=Contact(name=s.name, preferred_channel=s.preferred_channel, email=s.email,
                           phone=s.phone, postal_address=s.address))
        trace = TraceContext(**self.trace())
        ids = iter(self._event_ids(r))
        wrap = lambda b: Envelope.wrap(b, source="registry", correlation_id=r.case_index, trace=trace,  # noqa: E731
                                       event_id=next(ids))
        messages = [OutboxMessage(topics.DOCUMENTS_REGISTERED, r.case_index, wrap(body))]
        if r.command.eportal_submission_id:
            receipt = EportalReceipt(submission_id=r.command.eportal_submission_id, registration_index=r.index,
                                     registered_at=r.registered_at, due_date=body.due_date)
            messages.append(OutboxMessage(topics.EPORTAL_RECEIPTS, r.command.eportal_submission_id, wrap(receipt)))
        return messages

    # -- reading ------------------------------------------------------------------
    def find(self, index: str) -> Optional[Registration]:
        """By the index as issued (its exact text, whatever form it was issued in), else, for
        a follow-up written in a register's current form, by the claim that form names
        (register, case year, number, sequence) and its date. The second way finds a
        follow-up issued in the old form (no case year) under a text another follow-up
        took first (docs/registration-index.md, "Follow-up indexes")."""
        found = self.repo.by_index(index)
        if found is not None:
            return found
        for register in {r.code: r for r in self.registers.values()}.values():
            parsed = register.parse(index)
            if parsed is None or not parsed.seq or parsed.case_year is None:
                continue
            found = self.repo.by_claim(register.code, parsed.case_year, parsed.number, parsed.seq)
            if found is not None and found.registered_at.astimezone(self.tz).date() == parsed.date:
                return found
        return None

    def get(self, index: str) -> Registration:
        found = self.find(index)
        if found is None:
            raise Rejected(404, f"Няма регистриран документ с индекс {index}.")
        return found

    def _case_of(self, registration: Registration) -> Registration:
        return registration if registration.case_index == registration.index else self.get(registration.case_index)

    def for_printing(self, index: str, access_code: Optional[str], actor: str) -> Registration:
        """The registration to print a receipt for; a code, if given, must be its case's
        current one (a follow-up shares its case's code, which a clerk may have reissued)."""
        registration = self.get(index)
        case = self._case_of(registration)
        if access_code and not verify_access_code(access_code, case.access_code_hash, self.keys):
            raise Rejected(422, "Кодът за достъп не съответства на документа.",
                           [{"field": "code", "message": "Грешен код за достъп."}])
        self.repo.audit(actor, "print_receipt", index, {"with_code": bool(access_code)})
        return registration

    def reissue_access_code(self, index: str, actor: str, reason: str, attempts: int = 8) -> Reissued:
        """A new access code for the case of ``index`` (the citizen lost theirs, or the
        answer that showed it never reached the clerk): shown once, stored only as a hash;
        the old code stops opening the case here at once and in status when it gets the
        event, which travels in the case's outbox. Reissues of a case are numbered by the
        registry (compare-and-set), so the registry and status agree on the last one."""
        reason = " ".join((reason or "").split())
        if not 3 <= len(reason) <= 500:
            raise Rejected(422, "Посочете причината за новия код (от 3 до 500 знака).",
                           [{"field": "reason", "message": "Причината е задължителна (3–500 знака)."}])
        case = self._case_of(self.get(index))
        code, code_hash = new_access_code(self.keys)
        for attempt in range(attempts):
            version = self.repo.code_version(case) + 1
            at = self.clock()
            body = AccessCodeReissued(case_index=case.case_index, access_code_hash=code_hash, code_version=version,
                                      reissued_at=at)
            event = OutboxMessage(topics.ACCESS_CODES_REISSUED, case.case_index,
                                  Envelope.wrap(body, source="registry", correlation_id=case.case_index,
                                                trace=TraceContext(**self.trace())))
            record = {"version": version, "at": at, "by": actor, "reason": reason, "requested_for": index}
            if self.repo.replace_access_code(case, code_hash, version, record, event):
                break
            time.sleep(min(0.005 * 2 ** attempt, 0.2) * (0.5 + random.random()))  # another clerk holds it: ms
        else:
            raise Rejected(409, "Кодът на преписката се променя в момента от друг служител; опитайте отново.")
        # the change and who made it, why, are already recorded in the case; this is the log's copy
        self.repo.audit(actor, "reissue_access_code", case.case_index,
                        {"requested_for": index, "reason": reason, "code_version": version})
        logs.event(log, "access_code_reissued", case_index=case.case_index, actor=actor, code_version=version)
        return Reissued(dataclasses.replace(case, access_code_hash=code_hash), code, version, at, event)

    def scan_url(self, index: str, n: int, actor: str, expires=dt.timedelta(minutes=5)) -> str:
        registration = self.get(index)
        if not 1 <= n <= len(registration.scans):
            raise Rejected(404, f"Документ {index} няма сканиран файл № {n}.")
        self.repo.audit(actor, "download_scan", index, {"scan": n})
        scan = registration.scans[n - 1]
        key = scan.object_key
        if scan.staging_key and not self.store.exists(key):
            key = scan.staging_key  # not moved yet (moments after the registration, or after a crash)
        return self.store.presigned_url(key, expires)
