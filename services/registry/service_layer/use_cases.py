"""The registry's use cases, built on the ports the composition root (bootstrap.py) or a
test chooses: what an entrypoint may call, and nothing else."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Union
from zoneinfo import ZoneInfo

from delovod_proto.access_code import AccessCodeKeys
from servicekit.concurrently import Concurrently, in_turn

from ..domain.calendar import WorkingCalendar
from . import wire_events
from .access_codes import AccessCodes
from .claims import CLAIM_WINDOW, ClaimScheduler
from .eportal import EportalIntake
from .journal_cache import JournalCache
from .ports import AbstractRegistrationRepository, AbstractScanStore
from .queries import Queries
from .registrar import Registrar
from .uploads import Uploads

UPLOAD_TTL = dt.timedelta(hours=1)


@dataclass(frozen=True)
class RegistryUseCases:
    registrar: Registrar  # registering documents (clerks), and completing after the answer
    eportal: EportalIntake  # registering e-portal submissions
    queries: Queries  # reading registrations and scans
    access_codes: AccessCodes  # checking and reissuing citizens' access codes
    claims: ClaimScheduler  # numbering (used by the registrar; exposed for tests and operators)
    uploads: Uploads  # the presigned paper path: upload grants, registering from them, the sweeper


def build(repo: AbstractRegistrationRepository, store: AbstractScanStore, registers: dict,
          calendar: Union[WorkingCalendar, Callable[[], WorkingCalendar]], keys: AccessCodeKeys, *,
          tz: str = "Europe/Sofia", max_scan_bytes: int = 50 * 1024 * 1024,
          clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
          trace: Callable[[], dict] = dict, concurrently: Concurrently = in_turn,
          claim_window: dt.timedelta = CLAIM_WINDOW, ledger=None,
          upload_ttl: dt.timedelta = UPLOAD_TTL, journal_cache: dt.timedelta = dt.timedelta(0)) -> RegistryUseCases:
    """``ledger``: where upload grants are recorded; bootstrap always passes the database's,
    a test that passes none gets one in memory. ``journal_cache``: how long the journal's
    settled days and digests are kept in the process (journal_cache.py; 0: not kept)."""
    if ledger is None:
        from ..adapters.memory import InMemoryUploadLedger
        ledger = InMemoryUploadLedger()
    zone = ZoneInfo(tz)
    if journal_cache:
        repo = JournalCache(repo, journal_cache, clock=clock)
    queries = Queries(repo, store, registers, zone, concurrently)
    claims = ClaimScheduler(repo, lambda r: wire_events.registration_events(r, trace), clock, claim_window)
    registrar = Registrar(repo, store, registers, calendar, keys, claims, queries, zone, max_scan_bytes, clock,
                          concurrently)
    return RegistryUseCases(registrar=registrar, eportal=EportalIntake(registrar, repo, store, max_scan_bytes,
                                                                       concurrently),
                            queries=queries, access_codes=AccessCodes(repo, queries, keys, clock, trace),
                            claims=claims,
                            uploads=Uploads(ledger, store, repo, registrar, max_scan_bytes, upload_ttl, clock,
                                            concurrently))
