"""Service versions in MongoDB (one document per version; never updated but its outbox)."""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

from mongoengine import BooleanField, DateTimeField, DictField, Document, IntField, StringField
from mongoengine.errors import NotUniqueError

from servicekit.mongo import unavailable_when_down
from servicekit.mongo_outbox import MongoOutboxStore, OutboxFields, outbox_fields, push_update
from servicekit.outbox import OutboxMessage

from ..domain.errors import VersionTaken
from ..domain.model import ServiceContent, ServiceVersion

ALIAS = "catalogue"


class ServiceVersionDoc(Document, OutboxFields):
    meta = {"collection": "service_versions", "db_alias": ALIAS,
            "indexes": ["code"]}
    id = StringField(primary_key=True)
    code = StringField(required=True)
    version = IntField(required=True)
    valid_from = DateTimeField(required=True)
    published = BooleanField(default=True)
    content = DictField(required=True)
    changed_by = StringField()
    change_reason = StringField()
    changed_at = DateTimeField()

    def to_domain(self) -> ServiceVersion:
        changed_at = self.changed_at.replace(tzinfo=dt.timezone.utc) if self.changed_at else None
        return ServiceVersion(content=ServiceContent.model_validate(self.content), version=self.version,
                              valid_from=self.valid_from.date(), published=self.published,
                              changed_by=self.changed_by, change_reason=self.change_reason, changed_at=changed_at)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


@unavailable_when_down
class MongoServiceRepository:
    """:class:`AbstractServiceRepository` on MongoDB (FerretDB locally); ``_id`` is code:version."""

    def __init__(self):
        self.outbox = MongoOutboxStore(ServiceVersionDoc)

    def latest(self, code: str) -> Optional[ServiceVersion]:
        doc = ServiceVersionDoc.objects(code=code).order_by("-version").first()
        return doc.to_domain() if doc else None

    def history(self, code: str) -> list[ServiceVersion]:
        return [d.to_domain() for d in ServiceVersionDoc.objects(code=code).order_by("version")]

    def add(self, version: ServiceVersion, events: Iterable[OutboxMessage] = ()) -> None:
        """One insert; its ``_id`` (code:version) makes two writers of one number fail the second."""
        events = list(events)
        self.outbox.point(events, f"{version.code}:{version.version}")
        changed_at = version.changed_at.astimezone(dt.timezone.utc).replace(tzinfo=None) if version.changed_at else None
        try:
            ServiceVersionDoc(id=f"{version.code}:{version.version}", code=version.code, version=version.version,
                              valid_from=_midnight(version.valid_from), published=version.published,
                              content=version.content.model_dump(mode="json"), changed_by=version.changed_by,
                              change_reason=version.change_reason, changed_at=changed_at,
                              **outbox_fields(events)).save(force_insert=True)
        except NotUniqueError:
            raise VersionTaken(f"{version.code}:{version.version}") from None

    def publish(self, version: ServiceVersion, events: Iterable[OutboxMessage] = ()) -> None:
        key = f"{version.code}:{version.version}"
        events = list(events)
        self.outbox.point(events, key)
        update = push_update(events)
        update["$set"]["published"] = True
        ServiceVersionDoc._get_collection().update_one({"_id": key}, update)

    def stamp(self) -> tuple:
        """Two counts (versions are only ever added or published): one round trip each."""
        return ServiceVersionDoc.objects.count(), ServiceVersionDoc.objects(published=True).count()

    def all(self) -> list[ServiceVersion]:
        return [d.to_domain() for d in ServiceVersionDoc.objects]
