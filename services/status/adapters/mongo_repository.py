"""Cases in MongoDB: one document per case, changed by compare-and-set on ``version``."""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

from mongoengine import DateTimeField, Document, IntField, ListField, DictField, StringField
from pymongo.errors import DuplicateKeyError

from delovod_proto.vocabulary import CaseStage
from servicekit.mongo_outbox import OutboxFields, outbox_fields, push_update
from servicekit.outbox import OutboxMessage

from ..domain.case import Case, HistoryEntry

ALIAS = "status"
UTC = dt.timezone.utc


class CaseDoc(Document, OutboxFields):
    meta = {"collection": "cases", "db_alias": ALIAS, "indexes": ["outbox_pending", "due_date"]}
    id = StringField(primary_key=True)
    subject = StringField(required=True)
    kind = StringField(required=True)
    registered_at = DateTimeField(required=True)
    due_date = StringField()
    access_code_hash = StringField(required=True)
    stage = StringField(required=True)
    history = ListField(DictField())
    version = IntField(default=1)


def _fields(case: Case) -> dict:
    return {"subject": case.subject, "kind": case.kind, "registered_at": case.registered_at.replace(tzinfo=None),
            "due_date": case.due_date.isoformat() if case.due_date else None,
            "access_code_hash": case.access_code_hash, "stage": case.stage.value,
            "history": [{"stage": h.stage.value, "at": h.at.astimezone(UTC).replace(tzinfo=None), "reason": h.reason}
                        for h in case.history]}


def _to_domain(d: CaseDoc) -> Case:
    return Case(d.id, d.subject, d.kind, d.registered_at.replace(tzinfo=UTC),
                dt.date.fromisoformat(d.due_date) if d.due_date else None, d.access_code_hash,
                CaseStage(d.stage), [HistoryEntry(CaseStage(h["stage"]), h["at"].replace(tzinfo=UTC), h.get("reason"))
                                     for h in d.history])


class MongoCaseRepository:
    def get(self, case_index: str) -> Optional[tuple[Case, int]]:
        doc = CaseDoc.objects(id=case_index).first()
        return (_to_domain(doc), doc.version) if doc else None

    def create(self, case: Case, events: Iterable[OutboxMessage]) -> bool:
        try:
            CaseDoc(id=case.case_index, version=1, **_fields(case), **outbox_fields(events)).save(force_insert=True)
            return True
        except DuplicateKeyError:
            return False
        except Exception as exc:
            if type(exc).__name__ == "NotUniqueError":
                return False
            raise

    def save(self, case: Case, version: int, events: Iterable[OutboxMessage]) -> bool:
        update = push_update(events)
        update["$set"].update(_fields(case))
        update["$inc"]["version"] = 1
        result = CaseDoc._get_collection().update_one({"_id": case.case_index, "version": version}, update)
        return result.modified_count == 1
