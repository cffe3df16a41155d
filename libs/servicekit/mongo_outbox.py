"""The outbox fields for a mongoengine document, and the store that relays them."""
from __future__ import annotations

from typing import Iterable

from mongoengine import BooleanField, DictField, IntField, ListField

from .outbox import OutboxBatch, OutboxMessage


class OutboxFields:
    """Mix into a mongoengine Document (declare ``meta['indexes']`` with 'outbox_pending')."""

    outbox = ListField(DictField())
    outbox_pending = BooleanField(default=False)
    outbox_version = IntField(default=0)


def outbox_fields(messages: Iterable[OutboxMessage]) -> dict:
    docs = [m.to_doc() for m in messages]
    return {"outbox": docs, "outbox_pending": bool(docs), "outbox_version": 1 if docs else 0}


def push_update(messages: Iterable[OutboxMessage]) -> dict:
    """Update operators (for a raw pymongo update) that append events to an outbox."""
    docs = [m.to_doc() for m in messages]
    return {"$push": {"outbox": {"$each": docs}}, "$set": {"outbox_pending": True},
            "$inc": {"outbox_version": 1}}


class MongoOutboxStore:
    """Outbox store over one mongoengine document class that has :class:`OutboxFields`."""

    def __init__(self, document_cls):
        self.document_cls = document_cls

    def pending(self, limit: int, owner_id=None) -> Iterable[OutboxBatch]:
        coll = self.document_cls._get_collection()
        query = {"outbox_pending": True}
        if owner_id is not None:
            query["_id"] = owner_id
        for doc in coll.find(query, {"outbox": 1, "outbox_version": 1}).limit(limit):
            yield OutboxBatch(doc["_id"], doc.get("outbox_version", 0),
                              tuple(OutboxMessage.from_doc(m) for m in doc.get("outbox", [])))

    def mark_published(self, owner_id, version: int) -> bool:
        coll = self.document_cls._get_collection()
        result = coll.update_one({"_id": owner_id, "outbox_version": version},
                                 {"$set": {"outbox": [], "outbox_pending": False}})
        return result.modified_count == 1
