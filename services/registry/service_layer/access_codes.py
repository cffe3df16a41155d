"""The citizen's access code after the registration: checking it for a receipt, and
reissuing it (the citizen lost theirs, or the answer that showed it never reached the
clerk). The code is shown once and stored only as a keyed hash; a follow-up shares its
case's code."""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import time
from dataclasses import dataclass
from typing import Callable, Optional

from delovod_proto.access_code import AccessCodeKeys, verify_access_code
from servicekit import logs
from servicekit.outbox import OutboxMessage

from ..domain.registration import Registration, new_access_code
from . import wire_events
from .errors import Conflict, Invalid
from .ports import AbstractRegistrationRepository
from .queries import Queries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reissued:
    case: Registration  # with the new hash
    access_code: str  # shown once
    version: int  # 1 for the case's first reissue, then 2, ...
    at: dt.datetime
    event: OutboxMessage  # in the case's outbox; the caller sends it (else the relay does)


class AccessCodes:
    def __init__(self, repo: AbstractRegistrationRepository, queries: Queries, keys: AccessCodeKeys,
                 clock: Callable[[], dt.datetime], trace: Callable[[], dict] = dict):
        self.repo, self.queries, self.keys, self.clock, self.trace = repo, queries, keys, clock, trace

    def for_printing(self, index: str, access_code: Optional[str], actor: str) -> Registration:
        """The registration to print a receipt for; a code, if given, must be its case's
        current one (a follow-up shares its case's code, which a clerk may have reissued)."""
        registration = self.queries.get(index)
        case = self.queries.case_of(registration)
        if access_code and not verify_access_code(access_code, case.access_code_hash, self.keys):
            raise Invalid("Кодът за достъп не съответства на документа.",
                          [{"field": "code", "message": "Грешен код за достъп."}])
        self.repo.audit(actor, "print_receipt", index, {"with_code": bool(access_code)})
        return registration

    def reissue(self, index: str, actor: str, reason: str, attempts: int = 8) -> Reissued:
        """A new access code for the case of ``index``: shown once, stored only as a hash;
        the old code stops opening the case here at once and in status when it gets the
        event, which travels in the case's outbox. Reissues of a case are numbered by the
        registry (compare-and-set), so the registry and status agree on the last one."""
        reason = " ".join((reason or "").split())
        if not 3 <= len(reason) <= 500:
            raise Invalid("Посочете причината за новия код (от 3 до 500 знака).",
                          [{"field": "reason", "message": "Причината е задължителна (3–500 знака)."}])
        case = self.queries.case_of(self.queries.get(index))
        code, code_hash = new_access_code(self.keys)
        for attempt in range(attempts):
            version = self.repo.code_version(case) + 1
            at = self.clock()
            event = wire_events.access_code_reissued(case, code_hash, version, at, self.trace)
            record = {"version": version, "at": at, "by": actor, "reason": reason, "requested_for": index}
            if self.repo.replace_access_code(case, code_hash, version, record, event):
                break
            time.sleep(min(0.005 * 2 ** attempt, 0.2) * (0.5 + random.random()))  # another clerk holds it: ms
        else:
            raise Conflict("Кодът на преписката се променя в момента от друг служител; опитайте отново.")
        # the change and who made it, why, are already recorded in the case; this is the log's copy
        self.repo.audit(actor, "reissue_access_code", case.case_index,
                        {"requested_for": index, "reason": reason, "code_version": version})
        logs.event(log, "access_code_reissued", case_index=case.case_index, actor=actor, code_version=version)
        return Reissued(dataclasses.replace(case, access_code_hash=code_hash), code, version, at, event)
