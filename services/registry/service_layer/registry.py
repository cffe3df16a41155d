"""Registering documents: validate everything, store scans, claim the number, publish.

Order (docs/registration-index.md explains why no gap or orphan can arise):
1. validate the command and every scan, resolve the term (catalogue) and the case;
2. upload scans under staging keys;
3. insert the registration document, which claims (register, year, number, seq) under a
   unique index and carries its DocumentRegistered event: the single atomic commit;
4. move scans to keys derived from the index and relay the outbox (both retried later
   by timers if the process dies here).
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Callable, Optional
from zoneinfo import ZoneInfo

from delovod_proto import topics
from delovod_proto.access_code import verify_access_code
from delovod_proto.envelope import Envelope, TraceContext
from delovod_proto.events import Contact, DocumentRegistered, EportalReceipt
from delovod_proto.rpc import ServiceNotFound
from delovod_proto.vocabulary import DocumentKind
from servicekit import logs
from servicekit.outbox import OutboxMessage

from ..domain import scans as scan_rules
from ..domain.calendar import WorkingCalendar
from ..domain.commands import RegisterDocument
from ..domain.index import Register
from ..domain.registration import Registration, Scan, new_access_code
from ..domain.terms import DEFAULT_RULES, DueDate, TermRule, compute_due
from .ports import (AbstractCatalogue, AbstractRegistrationRepository, AbstractScanStore,
                    IndexTaken)

log = logging.getLogger(__name__)
MAX_CLAIM_ATTEMPTS = 100


class Rejected(Exception):
    """The registration was refused; nothing was taken. ``errors``: [{field, message}]."""

    def __init__(self, status: int, detail: str, errors: Optional[list[dict]] = None, extra: Optional[dict] = None):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.extra = status, detail, errors or [], extra or {}


@dataclass(frozen=True)
class Registered:
    registration: Registration
    access_code: Optional[str]
    created: bool = True
    events: tuple = ()


class Registry:
    def __init__(self, repo: AbstractRegistrationRepository, store: AbstractScanStore,
                 registers: dict[DocumentKind, Register], calendar: WorkingCalendar,
                 tz: str = "Europe/Sofia", max_scan_bytes: int = 50 * 1024 * 1024,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 trace: Callable[[], dict] = dict, offload: Callable = lambda fn, *a: fn(*a)):
        self.repo, self.store, self.registers, self.calendar = repo, store, registers, calendar
        self.offload = offload
        self.tz, self.max_scan_bytes, self.clock, self.trace = ZoneInfo(tz), max_scan_bytes, clock, trace

    # -- the use case -------------------------------------------------------------
    def register(self, cmd: RegisterDocument, files: list[tuple[str, bytes]], actor: str,
                 catalogue: Optional[AbstractCatalogue], registration_id: Optional[uuid.UUID] = None) -> Registered:
        scans = self._inspect(files, cmd.accept_duplicate_scan)
        now = self.clock()
        local = now.astimezone(self.tz)
        case = self._case(cmd)
        due, version = self._due(cmd, local, catalogue) if case is None else (case.due, case.service_version)
        # A follow-up joins its case: the citizen keeps the case's access code.
        code, code_hash = new_access_code(self.offload) if case is None else (None, case.access_code_hash)
        reg_id = registration_id or uuid.uuid4()
        staged = [self._stage(reg_id, n, scan, data) for n, (scan, (_, data)) in enumerate(zip(scans, files), 1)]
        registration, events = self._claim(cmd, case, reg_id, now, local, due, version, code_hash, actor, staged)
        self._finish(registration)
        self.repo.audit(actor, "register", registration.index, {"scans": len(staged), "kind": cmd.kind.value})
        logs.event(log, "document_registered", index=registration.index, kind=cmd.kind.value,
                   channel=cmd.channel.value, scans=len(staged), actor=actor)
        return Registered(registration, code, events=tuple(events))

    def _inspect(self, files, accept_duplicates: bool) -> list[Scan]:
        scans, errors = [], []
        for name, data in files:
            try:
                scans.append(scan_rules.inspect(name, data, self.max_scan_bytes))
            except scan_rules.ScanRejected as exc:
                errors.append({"field": "scan", "message": str(exc)})
        if errors:
            raise Rejected(422, "Сканираният файл не може да бъде приет.", errors)
        for scan in scans:
            earlier = self.repo.by_scan_hash(scan.sha256)
            if earlier and not accept_duplicates:
                raise Rejected(409, f"Този файл вече е регистриран с индекс {earlier.index}.",
                               [{"field": "scan", "message": f"Вече регистриран: {earlier.index}."}],
                               {"earlier_index": earlier.index})
        return scans

    def _case(self, cmd: RegisterDocument) -> Optional[Registration]:
        if cmd.kind != DocumentKind.FOLLOW_UP:
            return None
        case = self.repo.by_index(cmd.related_index)
        if case is None:
            raise Rejected(422, f"Няма регистриран документ с индекс {cmd.related_index}.",
                           [{"field": "related_index", "message": "Няма такъв индекс."}])
        return case

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
        return compute_due(local, rule, self.calendar), version

    def _stage(self, reg_id: uuid.UUID, n: int, scan: Scan, data: bytes) -> Scan:
        key = f"staging/{reg_id}/{n}.{scan.extension}"
        self.store.put(key, data, scan.content_type, {"sha256": scan.sha256})
        return Scan(**{**scan.__dict__, "staging_key": key})

    def _claim(self, cmd, case, reg_id, now, local, due, version, code_hash, actor, scans) -> Registration:
        register = self.registers[case.command.kind if case else cmd.kind]
        for _ in range(MAX_CLAIM_ATTEMPTS):
            if case:
                number, year, seq = case.number, case.year, self.repo.next_seq(case.case_index)
            else:
                year = local.year
                number, seq = self.repo.next_number(register.code, year), 0
            index = register.format(number, local.date(), seq)
            registration = Registration(
                reg_id, register.code, year, number, seq, index, case.case_index if case else index,
                now, cmd, code_hash, actor, due, version, scans).with_final_scan_keys()
            events = self._events(registration)
            try:
                self.repo.add(registration, events)
                return registration, events
            except IndexTaken:
                continue
        raise Rejected(503, "Регистърът е претоварен; опитайте отново.")

    def _events(self, r: Registration) -> list[OutboxMessage]:
        s = r.command.sender
        body = DocumentRegistered(
            registration_id=r.id, registration_index=r.index, register_code=r.register_code,
            year=r.year, number=r.number, case_index=r.case_index, registered_at=r.registered_at,
            kind=r.command.kind, channel=r.command.channel, subject=r.command.subject,
            service_code=r.command.service_code, service_version=r.service_version,
            due_date=r.due.due_date if r.due else None, term_rule=r.due.rule if r.due else None,
            access_code_hash=r.access_code_hash,
            sender=Contact(name=s.name, preferred_channel=s.preferred_channel, email=s.email,
                           phone=s.phone, postal_address=s.address))
        trace = TraceContext(**self.trace())
        wrap = lambda b: Envelope.wrap(b, source="registry", correlation_id=r.case_index, trace=trace)  # noqa: E731
        messages = [OutboxMessage(topics.DOCUMENTS_REGISTERED, r.case_index, wrap(body))]
        if r.command.eportal_submission_id:
            receipt = EportalReceipt(submission_id=r.command.eportal_submission_id, registration_index=r.index,
                                     registered_at=r.registered_at, due_date=body.due_date)
            messages.append(OutboxMessage(topics.EPORTAL_RECEIPTS, r.command.eportal_submission_id, wrap(receipt)))
        return messages

    def _finish(self, r: Registration) -> None:
        """Move staged scans to the index-derived keys recorded with the claim. If the
        process dies before this, readers find the scan at its staging key instead."""
        for scan in r.scans:
            self.store.move(scan.staging_key, scan.object_key)

    # -- reading ------------------------------------------------------------------
    def get(self, index: str) -> Registration:
        found = self.repo.by_index(index)
        if found is None:
            raise Rejected(404, f"Няма регистриран документ с индекс {index}.")
        return found

    def for_printing(self, index: str, access_code: Optional[str], actor: str) -> Registration:
        """The registration to print a receipt for; a code, if given, must be its own."""
        registration = self.get(index)
        if access_code and not verify_access_code(access_code, registration.access_code_hash):
            raise Rejected(422, "Кодът за достъп не съответства на документа.",
                           [{"field": "code", "message": "Грешен код за достъп."}])
        self.repo.audit(actor, "print_receipt", index, {"with_code": bool(access_code)})
        return registration

    def scan_url(self, index: str, n: int, actor: str, expires=dt.timedelta(minutes=5)) -> str:
        registration = self.get(index)
        if not 1 <= n <= len(registration.scans):
            raise Rejected(404, f"Документ {index} няма сканиран файл № {n}.")
        self.repo.audit(actor, "download_scan", index, {"scan": n})
        scan = registration.scans[n - 1]
        key = scan.object_key if self.store.exists(scan.object_key) else scan.staging_key
        return self.store.presigned_url(key, expires)
