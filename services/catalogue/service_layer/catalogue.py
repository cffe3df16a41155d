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

from ..domain.search import SearchQuery
from ..domain.changes import FieldChange, card_changes
from ..domain.errors import EditRefused, ImportRejected, RowError, VersionTaken
from ..domain.model import ServiceContent, ServiceVersion, valid_at
from .ports import AbstractServiceIndex, AbstractServiceRepository


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # an operator's version the file would have replaced

    def as_dict(self) -> dict:
        return {"created": len(self.created), "unchanged": len(self.unchanged), "kept": len(self.kept),
                "created_codes": self.created, "kept_codes": self.kept}


@dataclass(frozen=True)
class ServiceDiff:
    """One row of an import against what is stored: new, changed (with the fields) or unchanged."""

    code: str
    status: str  # "new" | "changed" | "unchanged" | "kept" (an operator's version the file differs from)
    changes: list[FieldChange]
    latest: Optional[ServiceVersion] = None


@dataclass(frozen=True)
class _Snapshot:
    versions: dict  # code -> [ServiceVersion] of the deployment's municipality
    current: list  # the versions valid on ``day``, by name
    index: AbstractServiceIndex  # over ``current``
    day: Optional[dt.date] = None
    stamp: object = None  # the repository's change marker it was built from


def validate_rows(rows: list[dict], municipality: str) -> list[ServiceContent]:
    """All rows valid and of ``municipality``, or :class:`ImportRejected` with every error
    by row and field (pure: the importer checks a file before it connects anywhere)."""
    errors, contents, seen, registered = [], [], {}, {}
    for number, row in enumerate(rows, start=1):
        try:
            content = ServiceContent.model_validate(row)
        except ValidationError as exc:
            errors += [RowError(number, e["field"], e["message"]) for e in pydantic_errors(exc)]
            continue
        if content.municipality != municipality:
            errors.append(RowError(number, "municipality", f"Услугата е на община {content.municipality}, а този "
                                                           f"каталог е на община {municipality}."))
        if content.code in seen:
            errors.append(RowError(number, "code", f"Кодът {content.code} се повтаря (ред {seen[content.code]})."))
        seen.setdefault(content.code, number)
        if content.register_id and content.register_id in registered:
            errors.append(RowError(number, "register_id", f"Номерът {content.register_id} в регистъра се повтаря "
                                                          f"(ред {registered[content.register_id]}): една услуга "
                                                          f"с няколко източника се описва веднъж, с other_sources."))
        if content.register_id:
            registered.setdefault(content.register_id, number)
        contents.append(content)
    if errors:
        raise ImportRejected(errors)
    return contents


def _default_index(versions):
    # The production index; bootstrap passes it explicitly. Imported here only so that
    # tests and tools building a Catalogue by hand get the same engine.
    from ..adapters.tantivy_index import TantivyServiceIndex

    return TantivyServiceIndex(versions)


class Catalogue:
    """The catalogue's service layer for one municipality; one per process (bootstrap builds it).

    Only the municipality's services are searched, listed and looked up; the rest of the
    database (an old mixed import) stays invisible. The versions valid today and their
    search index are held in memory; every ``index_ttl_s`` one caller asks the repository
    whether anything changed (a cheap marker) and rebuilds them only then, while the others
    keep answering from the snapshot they have.
    """

    def __init__(self, repo: AbstractServiceRepository, *, municipality: str = "Пловдив",
                 index_factory: Callable[[list[ServiceVersion]], AbstractServiceIndex] = _default_index,
                 today: Callable[[], dt.date] = dt.date.today, index_ttl_s: float = 30.0):
        self.repo, self.municipality, self.index_factory = repo, municipality, index_factory
        self.today, self.index_ttl_s = today, index_ttl_s
        self._snap: Optional[_Snapshot] = None
        self._checked_at = float("-inf")
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
            legal_basis=[b.label() for b in found.content.legal_basis],
            appeal_authority=found.content.appeal.authority, appeal_term=found.content.appeal.term)

    # -- import ---------------------------------------------------------------
    def validate_rows(self, rows: list[dict]) -> list[ServiceContent]:
        return validate_rows(rows, self.municipality)

    def import_rows(self, rows: list[dict], valid_from: Optional[dt.date] = None,
                    progress: Callable[[int], None] = lambda n: None, draft: bool = False,
                    overwrite_edits: bool = False) -> ImportReport:
        """All rows or none; unchanged services create nothing; ``draft`` versions stay
        invisible (to RPC, search and pages) until :meth:`publish`. A service whose latest
        version an operator made is kept as the operator left it unless ``overwrite_edits``:
        re-importing the seed (every ``make up``) must not undo a correction."""
        start = valid_from or self.today()
        report = ImportReport()
        contents = self.validate_rows(rows)
        for content, d in zip(contents, self._diff(contents, overwrite_edits)):
            if d.status in ("new", "changed"):
                self._add_version(content, (d.latest.version + 1) if d.latest else 1, start, draft)
                report.created.append(d.code)
            else:
                (report.kept if d.status == "kept" else report.unchanged).append(d.code)
            progress(1)
        self._checked_at = float("-inf")
        return report

    def diff(self, rows: list[dict], overwrite_edits: bool = False) -> list[ServiceDiff]:
        """What an import of ``rows`` would do, row by row, against the latest stored
        versions (writes nothing; :meth:`import_rows` does exactly this)."""
        return self._diff(self.validate_rows(rows), overwrite_edits)

    def _diff(self, contents: list[ServiceContent], overwrite_edits: bool) -> list[ServiceDiff]:
        out = []
        for content in contents:
            latest = self.repo.latest(content.code)
            if latest is None:
                out.append(ServiceDiff(content.code, "new", card_changes(None, content)))
            elif latest.content.fingerprint() == content.fingerprint():
                out.append(ServiceDiff(content.code, "unchanged", [], latest))
            else:
                status = "kept" if latest.changed_by and not overwrite_edits else "changed"
                out.append(ServiceDiff(content.code, status, card_changes(latest.content, content), latest))
        return out

    def _add_version(self, content: ServiceContent, number: int, valid_from: dt.date, draft: bool,
                     **who) -> ServiceVersion:
        version = ServiceVersion(content=content, version=number, valid_from=valid_from, published=not draft, **who)
        self.repo.add(version, [] if draft else [self._announcement(version)])
        return version

    # -- operators' changes -------------------------------------------------------
    def edit(self, code: str, card: dict, valid_from: dt.date, by: str,
             reason: str) -> tuple[ServiceVersion, list[FieldChange]]:
        """A new published version of an existing service from ``valid_from`` (today or later:
        a case registered earlier keeps the version it was bound to, and so does the answer
        for its day). Raises :class:`EditRefused`, :class:`ServiceNotFound`, :class:`VersionTaken`."""
        try:
            content = ServiceContent.model_validate(card)
        except ValidationError as exc:
            raise EditRefused("Услугата не е валидна.", pydantic_errors(exc, "service.")) from None
        latest = self.repo.latest(code)
        if latest is None or latest.content.municipality != self.municipality:
            raise ServiceNotFound(f"Няма услуга с код {code}.")
        problems = []
        if content.code != code:
            problems.append({"field": "service.code", "message": f"Кодът трябва да е {code}: кодът не се променя."})
        if content.municipality != self.municipality:
            problems.append({"field": "service.municipality",
                             "message": f"Каталогът е на община {self.municipality}."})
        if valid_from < self.today():
            problems.append({"field": "valid_from", "message": "Промяна не може да важи от минала дата: вече "
                                                               "регистрираните преписки пазят своята версия."})
        if not problems and latest.content.fingerprint() == content.fingerprint():
            problems.append({"field": "service", "message": "Няма промяна спрямо последната версия."})
        if problems:
            raise EditRefused("Промяната не може да бъде направена.", problems)
        version = self._add_version(content, latest.version + 1, valid_from, False, changed_by=by,
                                    change_reason=reason, changed_at=dt.datetime.now(dt.timezone.utc))
        self._checked_at = float("-inf")
        return version, card_changes(latest.content, content)

    def versions(self, code: str) -> list[ServiceVersion]:
        """Every version of a service of this municipality, oldest first (ServiceNotFound if none)."""
        found = [v for v in self.repo.history(code) if v.content.municipality == self.municipality]
        if not found:
            raise ServiceNotFound(f"Няма услуга с код {code}.")
        return found

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
            self._checked_at = float("-inf")
            draft = published
        return draft

    # -- search -----------------------------------------------------------------
    def _snapshot(self) -> _Snapshot:
        snap = self._snap
        if snap is not None and time.monotonic() - self._checked_at <= self.index_ttl_s:
            return snap
        if not self._lock.acquire(blocking=snap is None):
            return snap  # another caller is refreshing: answer from the one we have
        try:
            if self._snap is None or time.monotonic() - self._checked_at > self.index_ttl_s:
                self._refresh()
            return self._snap
        finally:
            self._lock.release()

    def _refresh(self) -> None:
        stamp, today = self.repo.stamp(), self.today()
        if self._snap is None or (stamp, today) != (self._snap.stamp, self._snap.day):
            versions: dict[str, list[ServiceVersion]] = {}
            for v in self.repo.all():
                if v.content.municipality == self.municipality:
                    versions.setdefault(v.code, []).append(v)
            current = sorted((found for vs in versions.values() if (found := valid_at(vs, today))),
                             key=lambda v: (v.content.name, v.code))
            self._snap = _Snapshot(versions, current, self.index_factory(current), today, stamp)
        self._checked_at = time.monotonic()

    def search(self, q: str = "", unit: Optional[str] = None, eservice: Optional[bool] = None,
               channel: Optional[str] = None, limit: int = 50) -> list[ServiceVersion]:
        """Best matches first (raises :class:`InvalidSearch` for a query it cannot answer)."""
        query = SearchQuery.of(q=q or "", unit=unit or None, eservice=eservice, channel=channel or None, limit=limit)
        return self._snapshot().index.search(query)

    def current(self) -> list[ServiceVersion]:
        return list(self._snapshot().current)

    def units(self) -> list[str]:
        return sorted({v.content.unit.name for v in self._snapshot().current})
