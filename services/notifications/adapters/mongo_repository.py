"""Recipients and notifications in MongoDB (notification id = the status event id).

Due work is found through a small ``queue`` collection (one entry per notification not
yet sent or dead) rather than by scanning all notifications: FerretDB's SQLite backend
answers only filters of exactly ``{_id: ...}`` without a scan. The queue entry is written
first; a notification is claimed with a :class:`~servicekit.mongo.Lease` on its id.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from mongoengine import DateTimeField, DictField, Document, IntField, StringField
from pymongo.errors import DuplicateKeyError

from delovod_proto.events import Contact
from servicekit.mongo import Lease, upsert
from servicekit.mongo_outbox import MongoOutboxStore, OutboxFields, push_update

from ..service_layer.dispatcher import Notification

ALIAS = "notifications"
UTC = dt.timezone.utc


class RecipientDoc(Document):
    meta = {"collection": "recipients", "db_alias": ALIAS}
    id = StringField(primary_key=True)
    contact = DictField(required=True)


class NotificationDoc(Document, OutboxFields):
    meta = {"collection": "notifications", "db_alias": ALIAS, "indexes": ["status", "case_index"]}
    id = StringField(primary_key=True)
    case_index = StringField(required=True)
    subject = StringField()
    body = StringField()
    status = StringField(default="pending")
    attempts = IntField(default=0)
    next_attempt_at = DateTimeField()
    last_error = StringField()
    channel = StringField()
    trace = DictField()


def _naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(UTC).replace(tzinfo=None)


def _to_domain(d: dict) -> Notification:
    return Notification(d["_id"], d["case_index"], d.get("subject", ""), d.get("body", ""), d.get("status", "pending"),
                        d.get("attempts", 0), d["next_attempt_at"].replace(tzinfo=UTC), d.get("last_error"),
                        d.get("channel"), d.get("trace") or {})


class MongoNotificationRepository:
    def __init__(self, lease_s: float = 120.0):
        self.outbox = MongoOutboxStore(NotificationDoc)
        self.lease_s = lease_s

    @property
    def _leases(self):
        return Lease(self._notes.database["leases"], self.lease_s)

    @property
    def _notes(self):
        return NotificationDoc._get_collection()

    @property
    def _queue(self):
        return self._notes.database["queue"]

    def save_recipient(self, case_index: str, contact: Contact) -> None:
        upsert(RecipientDoc._get_collection(), {"_id": case_index}, {"$set": {"contact": contact.model_dump(mode="json")}})

    def recipient(self, case_index: str) -> Optional[Contact]:
        doc = RecipientDoc._get_collection().find_one({"_id": case_index})
        return Contact.model_validate(doc["contact"]) if doc else None

    def _enqueue(self, n_id: str, case_index: str, due: dt.datetime) -> None:
        upsert(self._queue, {"_id": n_id}, {"$set": {"case_index": case_index, "due_at": _naive(due)}})

    def add(self, n: Notification) -> bool:
        if self._notes.find_one({"_id": n.id}, {"_id": 1}):
            return False
        self._enqueue(n.id, n.case_index, n.next_attempt_at)
        try:
            self._notes.insert_one({
                "_id": n.id, "case_index": n.case_index, "subject": n.subject, "body": n.body, "status": "pending",
                "attempts": 0, "next_attempt_at": _naive(n.next_attempt_at), "trace": n.trace,
                "outbox": {}})
            return True
        except DuplicateKeyError:
            return False

    def claim_due(self, now, lease, case_index=None) -> Optional[Notification]:
        """Take one due notification under a lease (released by :meth:`finish`)."""
        query = {"due_at": {"$lte": _naive(now)}}
        if case_index:
            query["case_index"] = case_index
        leases = self._leases
        for entry in list(self._queue.find(query).limit(20)):  # the queue holds only unsent work
            if not leases.acquire(entry["_id"]):
                continue
            doc = self._notes.find_one({"_id": entry["_id"]})
            if doc and doc["status"] == "pending" and doc["next_attempt_at"] <= _naive(now):
                return _to_domain(doc)
            leases.release(entry["_id"])
            if not doc or doc["status"] != "pending":
                self._queue.delete_one({"_id": entry["_id"]})  # sent or dead meanwhile
        return None

    def finish(self, n: Notification, events) -> None:
        if events:
            self.outbox.point(n.id)
        update = push_update(events) if events else {"$set": {}}
        update["$set"].update({"status": n.status, "attempts": n.attempts, "next_attempt_at": _naive(n.next_attempt_at),
                               "last_error": n.last_error, "channel": n.channel})
        self._notes.update_one({"_id": n.id}, update)
        if n.status == "pending":
            self._enqueue(n.id, n.case_index, n.next_attempt_at)
        else:
            self._queue.delete_one({"_id": n.id})
        self._leases.release(n.id)

    def dead(self) -> list[Notification]:
        """For operators: a scan, acceptable for a rare administrative query."""
        return [_to_domain(d) for d in self._notes.find({"status": "dead"}).limit(500)]

    def replay(self, notification_id: str, now: dt.datetime) -> bool:
        doc = self._notes.find_one({"_id": notification_id})
        if not doc or doc["status"] != "dead":
            return False
        self._notes.update_one({"_id": notification_id},
                               {"$set": {"status": "pending", "attempts": 0, "next_attempt_at": _naive(now)}})
        self._enqueue(notification_id, doc["case_index"], now)
        return True
