"""The registry's composition root: the only place concrete adapters are chosen."""
from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from typing import Optional

from delovod_proto.vocabulary import DocumentKind
from servicekit import mongo
from servicekit.budget import ByteBudget
from servicekit.providers import ServiceApp
from servicekit.tracing import current_traceparent

from .adapters.catalogue_client import RpcCatalogue
from .adapters.pdf_receipt import OfficeInfo, Papers
from .domain.index import DEFAULT_REGISTERS, Register
from .entrypoints.completion import Completer
from .entrypoints.upload_sweeper import UploadSweeper
from .service_layer.calendar_table import CalendarTable
from .service_layer.use_cases import RegistryUseCases, build
from .settings import RegistrySettings


@dataclass
class RegistryApp(ServiceApp):
    registry: RegistryUseCases
    outbox: object
    settings: RegistrySettings
    calendar: CalendarTable  # the operator's table of extra days off and working Saturdays
    uploads: ByteBudget  # bytes of uploads held in memory at once
    papers: Papers  # the receipt and the stamp, in the administration's office and time zone
    rpc_clients: dict = field(default_factory=dict)
    mongo_alias: Optional[str] = None
    completer: Optional[Completer] = None  # built with the service's publisher when it starts

    def background(self, publish) -> list:
        """The completer and the upload sweeper, run by the service's Background provider
        (servicekit.providers)."""
        self.completer = Completer(self.registry.registrar.complete, publish.many, self.outbox.mark_published,
                                   linger_s=self.settings.completion_linger_ms / 1000)
        sweeper = UploadSweeper(self.registry.uploads.sweep, self.settings.upload_sweep_interval_s)
        return [self.completer, sweeper]


def load_registers(settings: RegistrySettings) -> dict:
    registers = dict(DEFAULT_REGISTERS)
    if settings.registers_file:
        for kind, spec in json.loads(settings.registers_file.read_text()).items():
            registers[DocumentKind(kind)] = Register(**spec)
    return registers


def load_calendar(settings: RegistrySettings, calendar_store, audit=lambda *a: None) -> CalendarTable:
    """The operator's table (in the database); the file, if given, seeds it once."""
    table = CalendarTable(calendar_store, audit=audit)
    if settings.calendar_file and settings.calendar_file.exists():
        table.seed(json.loads(settings.calendar_file.read_text()), f"file:{settings.calendar_file.name}")
    return table


# Threads that call S3 besides the nameko workers (HTTP requests and e-portal submissions):
# the background threads of servicekit.providers.Background, the completer
# (entrypoints/completion.py) and the outbox relay (its repairs move and drop scans).
S3_BACKGROUND_THREADS = 2


def scan_store(settings: RegistrySettings):
    """The S3 store, one connection per worker and background thread: with fewer, calls at
    once opened connections beyond the pool and urllib3 dropped each after use ("Connection
    pool is full"); now a call beyond them waits for one (``s3_connection_wait_s``)."""
    from .adapters.s3_store import S3Limits, S3ScanStore

    limits = S3Limits(connect_timeout_s=settings.s3_connect_timeout_s, read_timeout_s=settings.s3_read_timeout_s,
                      retries=settings.s3_retries, connections=settings.max_workers + S3_BACKGROUND_THREADS,
                      connection_wait_s=settings.s3_connection_wait_s)
    return S3ScanStore(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key, settings.s3_bucket,
                       limits=limits, public_endpoint=settings.s3_public_endpoint)


def bootstrap(settings: RegistrySettings, *, repo=None, store=None, calendar_store=None) -> RegistryApp:
    """The real adapters, or the fakes a test passes: a repository and its calendar store
    come together (a real repository with the in-memory calendar would lose the operator's
    table on every restart)."""
    from servicekit.concurrently import green

    if store is None:
        store = scan_store(settings)
        store.ensure_bucket()
    alias, ledger = None, None
    if repo is None:
        from .adapters.mongo_calendar import MongoCalendarStore
        from .adapters.mongo_repository import ALIAS, AuditDoc, MongoRegistrationRepository, RegistrationDoc

        mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_options())
        mongo.ensure_indexes(RegistrationDoc, AuditDoc)
        repo = MongoRegistrationRepository(
            concurrently=green, drop_objects=lambda keys: green(*[lambda k=k: store.delete(k) for k in keys]),
            move_objects=lambda pairs: green(*[lambda p=p: store.move(*p) for p in pairs]))
        from .adapters.mongo_uploads import MongoUploadLedger

        calendar_store = calendar_store or MongoCalendarStore()
        ledger = MongoUploadLedger()
        alias = ALIAS
    if calendar_store is None:
        raise ValueError("bootstrap: a repository was given without its calendar store")
    calendar = load_calendar(settings, calendar_store, audit=repo.audit)
    registry = build(repo, store, load_registers(settings), calendar.current, settings.access_code_keys(),
                     tz=settings.kit.timezone, max_scan_bytes=settings.max_scan_mb * 1024 * 1024,
                     trace=current_traceparent, concurrently=green, ledger=ledger,
                     upload_ttl=dt.timedelta(seconds=settings.upload_ttl_s),
                     journal_cache=dt.timedelta(seconds=settings.journal_cache_s))
    catalogue = functools.partial(RpcCatalogue, timeout_s=settings.kit.rpc_timeout_s)
    papers = Papers(OfficeInfo.of(settings.kit), settings.kit.public_base_url, settings.kit.timezone)
    return RegistryApp(registry, repo.outbox, settings, calendar, ByteBudget(settings.upload_budget_mb * 1024 * 1024),
                       papers, rpc_clients={"catalogue": catalogue}, mongo_alias=alias)
