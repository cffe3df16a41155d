"""Catalogue use cases: terms for other services, search, import with versions."""
from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from pydantic import ValidationError

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import CatalogueServiceChanged
from delovod_proto.rpc import GetServiceTermRequest, ServiceNotFound, ServiceTermResponse, Term
from servicekit.http import pydantic_errors
from servicekit.outbox import OutboxMessage

from ..domain import search as text
from ..domain.errors import ImportRejected, RowError
from ..domain.model import ServiceContent, ServiceVersion, valid_at
from .ports import AbstractServiceRepository


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": len(self.created), "unchanged": len(self.unchanged),
                "created_codes": self.created}


@dataclass(frozen=True)
class _Snapshot:
    versions: dict  # code -> [ServiceVersion]
    index: list  # [_Indexed] of the versions valid today


@dataclass(frozen=True)
class _Indexed:
    version: ServiceVersion
    name_tokens: frozenset
    all_tokens: frozenset


class Catalogue:
    """The catalogue's service layer; one per process (bootstrap builds it)."""

    def __init__(self, repo: AbstractServiceRepository, today: Callable[[], dt.date] = dt.date.today,
                 index_ttl_s: float = 30.0):
        self.repo, self.today, self.index_ttl_s = repo, today, index_ttl_s
        self._snap = _Snapshot({}, [])
        self._built_at = float("-inf")
        self._lock = threading.Lock()

    # -- for other services -------------------------------------------------
    def version_at(self, code: str, at: dt.date) -> ServiceVersion:
        found = valid_at(self._snapshot().versions.get(code, []), at)
        if found is None:
            raise ServiceNotFound(f"Няма услуга с код {code}, валидна към {at:%d.%m.%Y}.")
        return found

    def service_term(self, request: GetServiceTermRequest) -> ServiceTermResponse:
        found = self.version_at(request.code, request.at)
        try:
            variant = found.content.variant(request.variant)
        except KeyError:
            if found.content.variants:
                raise ServiceNotFound(f"Услугата {request.code} няма вариант {request.variant.value}.")
            variant = None  # the source gives neither term nor fee: the caller falls back
        term = variant.term if variant else None
        return ServiceTermResponse(
            code=found.code, version=found.version, valid_from=found.valid_from,
            name=found.content.name, variant=request.variant,
            term=Term(value=term.value, unit=term.unit) if term else None,
            fee_cents=variant.fee_cents if variant else None, responsible_unit=found.content.unit.name,
            legal_basis=[b.label() for b in found.content.legal_basis])

    # -- import ---------------------------------------------------------------
    def validate_rows(self, rows: list[dict]) -> list[ServiceContent]:
        """All rows valid, or :class:`ImportRejected` with every error by row and field."""
        errors, contents, seen = [], [], {}
        for number, row in enumerate(rows, start=1):
            try:
                content = ServiceContent.model_validate(row)
            except ValidationError as exc:
                errors += [RowError(number, e["field"], e["message"]) for e in pydantic_errors(exc)]
                continue
            if content.code in seen:
                errors.append(RowError(number, "code", f"Кодът {content.code} се повтаря (ред {seen[content.code]})."))
            seen.setdefault(content.code, number)
            contents.append(content)
        if errors:
            raise ImportRejected(errors)
        return contents

    def import_rows(self, rows: list[dict], valid_from: Optional[dt.date] = None,
                    progress: Callable[[int], None] = lambda n: None, draft: bool = False) -> ImportReport:
        """All rows or none; unchanged services create nothing; ``draft`` versions stay
        invisible (to RPC, search and pages) until :meth:`publish`."""
        contents = self.validate_rows(rows)
        report, start = ImportReport(), valid_from or self.today()
        for content in contents:
            latest = self.repo.latest(content.code)
            if latest is not None and latest.content.fingerprint() == content.fingerprint():
                report.unchanged.append(content.code)
            else:
                self._add_version(content, (latest.version + 1) if latest else 1, start, draft)
                report.created.append(content.code)
            progress(1)
        self._built_at = float("-inf")
        return report

    def _add_version(self, content: ServiceContent, number: int, valid_from: dt.date, draft: bool) -> None:
        version = ServiceVersion(content=content, version=number, valid_from=valid_from, published=not draft)
        self.repo.add(version, [] if draft else [self._announcement(version)])

    @staticmethod
    def _announcement(v: ServiceVersion) -> OutboxMessage:
        body = CatalogueServiceChanged(code=v.code, version=v.version, valid_from=v.valid_from, name=v.content.name)
        envelope = Envelope.wrap(body, source="catalogue", correlation_id=f"catalogue/{v.code}")
        return OutboxMessage(topics.CATALOGUE_SERVICES_CHANGED, v.code, envelope)

    def publish(self, code: str, version: int) -> ServiceVersion:
        """Make a draft version visible from its ``valid_from`` and announce it."""
        draft = next((v for v in self.repo.all() if v.code == code and v.version == version), None)
        if draft is None:
            raise ServiceNotFound(f"Няма версия {version} на услуга с код {code}.")
        if not draft.published:
            published = draft.model_copy(update={"published": True})
            self.repo.publish(published, [self._announcement(published)])
            self._built_at = float("-inf")
            draft = published
        return draft

    # -- search -----------------------------------------------------------------
    def _snapshot(self) -> _Snapshot:
        """All versions, held in memory and reloaded after ``index_ttl_s`` or an import."""
        with self._lock:
            if time.monotonic() - self._built_at > self.index_ttl_s:
                versions: dict[str, list[ServiceVersion]] = {}
                for v in self.repo.all():
                    versions.setdefault(v.code, []).append(v)
                today = self.today()
                current = [found for vs in versions.values() if (found := valid_at(vs, today))]
                self._snap = _Snapshot(versions, [self._indexed(v) for v in current])
                self._built_at = time.monotonic()
            return self._snap

    @staticmethod
    def _indexed(v: ServiceVersion) -> _Indexed:
        c = v.content
        body = " ".join([c.name, c.description or "", c.unit.name,
                         *(d.name for d in c.required_documents), c.code])
        return _Indexed(v, frozenset(text.tokens(c.name)), frozenset(text.tokens(body)))

    def search(self, q: str = "", unit: Optional[str] = None, eservice: Optional[bool] = None,
               channel: Optional[str] = None, limit: int = 50) -> list[ServiceVersion]:
        query = text.tokens(q)
        unit_tokens = text.tokens(unit or "")
        hits = []
        for item in self._snapshot().index:
            c = item.version.content
            if eservice is not None and c.eservice != eservice:
                continue
            if channel and channel not in c.request_channels:
                continue
            if unit_tokens and not text.score(unit_tokens, set(text.tokens(c.unit.name)), set()):
                continue
            rank = text.score(query, item.all_tokens, item.name_tokens) if query else 1
            if rank:
                hits.append((-rank, c.name, item.version))
        hits.sort(key=lambda h: (h[0], h[1]))
        return [h[2] for h in hits[:limit]]

    def current(self) -> list[ServiceVersion]:
        return [i.version for i in self._snapshot().index]

    def units(self) -> list[str]:
        return sorted({i.version.content.unit.name for i in self._snapshot().index})
