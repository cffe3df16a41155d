"""The registry's composition root: the only place concrete adapters are chosen."""
from __future__ import annotations

import json
from dataclasses import dataclass

from delovod_proto.vocabulary import DocumentKind
from servicekit import mongo
from servicekit.budget import ByteBudget
from servicekit.tracing import current_traceparent

from .domain.index import DEFAULT_REGISTERS, Register
from .service_layer.calendar_table import CalendarTable
from .service_layer.use_cases import RegistryUseCases, build
from .settings import RegistrySettings


@dataclass
class RegistryApp:
    registry: RegistryUseCases
    outbox: object
    settings: RegistrySettings
    calendar: CalendarTable = None  # the operator's table of extra days off and working Saturdays
    uploads: ByteBudget = None  # bytes of uploads held in memory at once
    completer: object = None  # set by the service on first use (entrypoints/completion.py)


def load_registers(settings: RegistrySettings) -> dict:
    registers = dict(DEFAULT_REGISTERS)
    if settings.registers_file:
        for kind, spec in json.loads(settings.registers_file.read_text()).items():
            registers[DocumentKind(kind)] = Register(**spec)
    return registers


def load_calendar(settings: RegistrySettings, calendar_store=None, audit=lambda *a: None) -> CalendarTable:
    """The operator's table (in the database); the file, if given, seeds it once."""
    from .adapters.memory import InMemoryCalendarStore

    table = CalendarTable(calendar_store or InMemoryCalendarStore(), audit=audit)
    if settings.calendar_file and settings.calendar_file.exists():
        table.seed(json.loads(settings.calendar_file.read_text()), f"file:{settings.calendar_file.name}")
    return table


# Threads that call S3 besides the nameko workers (HTTP requests, e-portal submissions and
# the relay timer are all workers): the completion thread (entrypoints/completion.py).
S3_BACKGROUND_THREADS = 1


def scan_store(settings: RegistrySettings):
    """The S3 store, one connection per worker and background thread: with fewer, calls at
    once opened connections beyond the pool and urllib3 dropped each after use ("Connection
    pool is full"); now a call beyond them waits for one (``s3_connection_wait_s``)."""
    from .adapters.s3_store import S3Limits, S3ScanStore

    limits = S3Limits(connect_timeout_s=settings.s3_connect_timeout_s, read_timeout_s=settings.s3_read_timeout_s,
                      retries=settings.s3_retries, connections=settings.max_workers + S3_BACKGROUND_THREADS,
                      connection_wait_s=settings.s3_connection_wait_s)
    return S3ScanStore(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key, settings.s3_bucket,
                       limits=limits)


def bootstrap(settings: RegistrySettings, *, repo=None, store=None, outbox=None, calendar_store=None) -> RegistryApp:
    from servicekit.concurrently import green

    if store is None:
        store = scan_store(settings)
        store.ensure_bucket()
    if repo is None:
        from .adapters.mongo_repository import ALIAS, AuditDoc, MongoRegistrationRepository, RegistrationDoc

        mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_timeouts())
        mongo.ensure_indexes(RegistrationDoc, AuditDoc)
        repo = MongoRegistrationRepository(
            concurrently=green, drop_objects=lambda keys: green(*[lambda k=k: store.delete(k) for k in keys]),
            move_objects=lambda pairs: green(*[lambda p=p: store.move(*p) for p in pairs]))
        outbox = repo.outbox
        if calendar_store is None:
            from .adapters.mongo_calendar import MongoCalendarStore

            calendar_store = MongoCalendarStore()
    calendar = load_calendar(settings, calendar_store, audit=repo.audit)
    registry = build(repo, store, load_registers(settings), calendar.current, settings.access_code_keys(),
                     tz=settings.kit.timezone, max_scan_bytes=settings.max_scan_mb * 1024 * 1024,
                     trace=current_traceparent, concurrently=green)
    return RegistryApp(registry, outbox, settings, calendar, ByteBudget(settings.upload_budget_mb * 1024 * 1024))
