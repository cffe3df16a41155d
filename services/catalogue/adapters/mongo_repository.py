"""Service versions in MongoDB (one document per version; never updated but its outbox)."""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

from mongoengine import BooleanField, DateTimeField, DictField, Document, IntField, StringField

from servicekit.mongo_outbox import OutboxFields, outbox_fields
from servicekit.outbox import OutboxMessage

from ..domain.model import ServiceContent, ServiceVersion

ALIAS = "catalogue"


class ServiceVersionDoc(Document, OutboxFields):
    meta = {"collection": "service_versions", "db_alias": ALIAS,
            "indexes": [{"fields": ["code", "version"], "unique": True},
                        "code", "outbox_pending"]}
    code = StringField(required=True)
    version = IntField(required=True)
    valid_from = DateTimeField(required=True)
    published = BooleanField(default=True)
    content = DictField(required=True)

    def to_domain(self) -> ServiceVersion:
        return ServiceVersion(content=ServiceContent.model_validate(self.content), version=self.version,
                              valid_from=self.valid_from.date(), published=self.published)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


class MongoServiceRepository:
    """:class:`AbstractServiceRepository` on MongoDB (FerretDB locally)."""

    def latest(self, code: str) -> Optional[ServiceVersion]:
        doc = ServiceVersionDoc.objects(code=code).order_by("-version").first()
        return doc.to_domain() if doc else None

    def valid_at(self, code: str, at: dt.date) -> Optional[ServiceVersion]:
        doc = (ServiceVersionDoc.objects(code=code, published=True, valid_from__lte=_midnight(at))
               .order_by("-valid_from", "-version").first())
        return doc.to_domain() if doc else None

    def add(self, version: ServiceVersion, events: Iterable[OutboxMessage] = ()) -> None:
        ServiceVersionDoc(code=version.code, version=version.version,
                          valid_from=_midnight(version.valid_from), published=version.published,
                          content=version.content.model_dump(mode="json"),
                          **outbox_fields(events)).save(force_insert=True)

    def current(self, at: dt.date) -> list[ServiceVersion]:
        best: dict[str, ServiceVersionDoc] = {}
        for doc in ServiceVersionDoc.objects(published=True, valid_from__lte=_midnight(at)):
            held = best.get(doc.code)
            if held is None or (doc.valid_from, doc.version) > (held.valid_from, held.version):
                best[doc.code] = doc
        return [d.to_domain() for d in best.values()]
