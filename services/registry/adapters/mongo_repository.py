"""Registrations in MongoDB. The unique index on (register_code, year, number, seq) is
what makes a number exist only together with its registration: single-document
atomic inserts, no transactions (FerretDB and a MongoDB replica set alike)."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Iterable, Optional

from mongoengine import (BooleanField, DateTimeField, DictField, Document, IntField, ListField,
                         StringField)
from pymongo.errors import DuplicateKeyError

from servicekit.mongo_outbox import OutboxFields, outbox_fields
from servicekit.outbox import OutboxMessage

from ..domain.commands import RegisterDocument
from ..domain.registration import Registration, Scan
from ..domain.terms import DueDate
from ..service_layer.ports import IndexTaken

ALIAS = "registry"


class RegistrationDoc(Document, OutboxFields):
    meta = {"collection": "registrations", "db_alias": ALIAS,
            "indexes": [{"fields": ["register_code", "year", "number", "seq"], "unique": True},
                        {"fields": ["index"], "unique": True},
                        "case_index", "scans.sha256", "eportal_submission_id", "outbox_pending"]}
    id = StringField(primary_key=True)
    register_code = StringField(required=True)
    year = IntField(required=True)
    number = IntField(required=True)
    seq = IntField(required=True)
    index = StringField(required=True)
    case_index = StringField(required=True)
    registered_at = DateTimeField(required=True)
    command = DictField(required=True)
    access_code_hash = StringField(required=True)
    registered_by = StringField(required=True)
    due = DictField()
    service_version = IntField()
    scans = ListField(DictField())
    eportal_submission_id = StringField()


class AuditDoc(Document):
    meta = {"collection": "audit_log", "db_alias": ALIAS, "indexes": ["target", "at"]}
    at = DateTimeField(required=True)
    actor = StringField(required=True)
    action = StringField(required=True)
    target = StringField(required=True)
    detail = DictField()


def _to_domain(d: RegistrationDoc) -> Registration:
    due = None
    if d.due:
        due = DueDate(**{**d.due, **{k: dt.date.fromisoformat(d.due[k]) for k in ("due_date", "start", "raw_end")}})
    return Registration(
        uuid.UUID(d.id), d.register_code, d.year, d.number, d.seq, d.index, d.case_index,
        d.registered_at.replace(tzinfo=dt.timezone.utc), RegisterDocument.model_validate(d.command),
        d.access_code_hash, d.registered_by, due, d.service_version, [Scan(**s) for s in d.scans])


class MongoRegistrationRepository:
    def next_number(self, register_code: str, year: int) -> int:
        top = (RegistrationDoc.objects(register_code=register_code, year=year, seq=0)
               .order_by("-number").only("number").first())
        return top.number + 1 if top else 1

    def next_seq(self, case_index: str) -> int:
        top = RegistrationDoc.objects(case_index=case_index).order_by("-seq").only("seq").first()
        return top.seq + 1 if top else 1

    def add(self, r: Registration, events: Iterable[OutboxMessage]) -> None:
        doc = RegistrationDoc(
            id=str(r.id), register_code=r.register_code, year=r.year, number=r.number, seq=r.seq,
            index=r.index, case_index=r.case_index, registered_at=r.registered_at.replace(tzinfo=None),
            command=r.command.model_dump(mode="json"), access_code_hash=r.access_code_hash,
            registered_by=r.registered_by, due=r.due.explanation() if r.due else {},
            service_version=r.service_version, scans=[s.__dict__ for s in r.scans],
            eportal_submission_id=r.command.eportal_submission_id, **outbox_fields(events))
        try:
            doc.save(force_insert=True)
        except DuplicateKeyError as exc:
            raise IndexTaken(str(exc))
        except Exception as exc:  # mongoengine wraps it as NotUniqueError
            if "duplicate" in str(exc).lower() or type(exc).__name__ == "NotUniqueError":
                raise IndexTaken(str(exc))
            raise

    def _one(self, **query) -> Optional[Registration]:
        doc = RegistrationDoc.objects(**query).first()
        return _to_domain(doc) if doc else None

    def by_index(self, index: str) -> Optional[Registration]:
        return self._one(index=index)

    def by_scan_hash(self, sha256: str) -> Optional[Registration]:
        return self._one(scans__sha256=sha256)

    def by_submission(self, submission_id: str) -> Optional[Registration]:
        return self._one(eportal_submission_id=submission_id)

    def set_scans(self, registration_id, scans: list) -> None:
        RegistrationDoc.objects(id=str(registration_id)).update_one(set__scans=[s.__dict__ for s in scans])

    def audit(self, actor: str, action: str, target: str, detail: Optional[dict] = None) -> None:
        AuditDoc(at=dt.datetime.utcnow(), actor=actor, action=action, target=target, detail=detail or {}).save()
