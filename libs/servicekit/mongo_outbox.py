"""The outbox fields for a mongoengine document, and the store that relays them.

Pending work is found through *pointer* documents (one per aggregate with unpublished
events, in the service's ``outbox_pointers`` collection) rather than by querying
``outbox_pending`` across the whole collection: FerretDB's SQLite backend pushes down
only ``_id`` lookups, so a scan of every aggregate each second would grow with the
data; the pointer collection holds only what is in flight. A pointer is written before
the aggregate (so a crash leaves at worst a pointer to nothing, which expires) and
removed after the events are published.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Iterable, Optional

from mongoengine import DictField

from .mongo import upsert
from .outbox import OutboxBatch, OutboxMessage

UTC = dt.timezone.utc


class OutboxFields:
    """Mix into a mongoengine Document: unpublished events keyed by event id."""

    outbox = DictField()


def outbox_fields(messages: Iterable[OutboxMessage]) -> dict:
    return {"outbox": {str(m.envelope.event_id): m.to_doc() for m in messages}}


def push_update(messages: Iterable[OutboxMessage]) -> dict:
    """Update operators (for a raw pymongo update) that add events to an outbox."""
    return {"$set": {f"outbox.{m.envelope.event_id}": m.to_doc() for m in messages}}


class MongoOutboxStore:
    """Outbox store over one document class that has :class:`OutboxFields`.

    ``locate(pointer)`` finds the aggregate's ``_id`` for a pointer whose ``doc_id`` was
    never recorded (a crash between the pointer and the aggregate write); ``repair(doc)``
    lets the owner finish its own post-commit steps before the events go out.
    """

    def __init__(self, document_cls, *, locate: Optional[Callable[[str], Optional[str]]] = None,
                 repair: Optional[Callable[[dict], None]] = None, grace_s: float = 60.0):
        self.document_cls, self.locate, self.repair, self.grace_s = document_cls, locate, repair, grace_s

    @property
    def _docs(self):
        return self.document_cls._get_collection()

    @property
    def _pointers(self):
        return self._docs.database["outbox_pointers"]

    def point(self, pointer_id: str, doc_id: Optional[str] = None) -> None:
        """Record that ``pointer_id`` has (or is about to have) unpublished events."""
        update = {"$setOnInsert": {"created_at": dt.datetime.now(UTC).replace(tzinfo=None)}}
        if doc_id is not None:
            update["$set"] = {"doc_id": doc_id}
        upsert(self._pointers, {"_id": pointer_id}, update)

    def pending(self, limit: int, owner_id=None) -> Iterable[OutboxBatch]:
        query = {"_id": str(owner_id)} if owner_id is not None else {}
        for pointer in list(self._pointers.find(query).limit(limit)):
            batch = self._batch(pointer)
            if batch is not None:
                yield batch

    def _batch(self, pointer: dict) -> Optional[OutboxBatch]:
        doc_id = pointer.get("doc_id") or (self.locate(pointer["_id"]) if self.locate else pointer["_id"])
        doc = self._docs.find_one({"_id": doc_id}) if doc_id else None
        if doc is None:
            if dt.datetime.now(UTC).replace(tzinfo=None) - pointer["created_at"] > dt.timedelta(seconds=self.grace_s):
                self._pointers.delete_one({"_id": pointer["_id"]})  # the write it announced never happened
            return None
        if self.repair:
            self.repair(doc)
        if not doc.get("outbox"):
            self._pointers.delete_one({"_id": pointer["_id"]})
            return None
        return OutboxBatch(doc_id, tuple(OutboxMessage.from_doc(m) for m in doc["outbox"].values()), pointer["_id"])

    def mark_published(self, owner_id, messages: Iterable[OutboxMessage], pointer_id=None) -> None:
        """Remove exactly the published events; events added meanwhile stay for the next round."""
        unset = {f"outbox.{m.envelope.event_id}": "" for m in messages}
        if unset:
            self._docs.update_one({"_id": owner_id}, {"$unset": unset})
        left = self._docs.find_one({"_id": owner_id}, {"outbox": 1})
        if not (left or {}).get("outbox"):
            self._pointers.delete_one({"_id": str(pointer_id if pointer_id is not None else owner_id)})
