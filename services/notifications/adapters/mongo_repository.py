"""Recipients and notifications in MongoDB (notification id = the status event id)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from mongoengine import DateTimeField, DictField, Document, IntField, StringField
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from delovod_proto.events import Contact
from servicekit.mongo_outbox import OutboxFields, push_update

from ..service_layer.dispatcher import Notification

ALIAS = "notifications"
UTC = dt.timezone.utc


class RecipientDoc(Document):
    meta = {"collection": "recipients", "db_alias": ALIAS}
    id = StringField(primary_key=True)
    contact = DictField(required=True)


class NotificationDoc(Document, OutboxFields):
    meta = {"collection": "notifications", "db_alias": ALIAS,
            "indexes": ["status", "next_attempt_at", "case_index", "outbox_pending"]}
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
    def save_recipient(self, case_index: str, contact: Contact) -> None:
        RecipientDoc._get_collection().update_one({"_id": case_index},
                                                  {"$set": {"contact": contact.model_dump(mode="json")}}, upsert=True)

    def recipient(self, case_index: str) -> Optional[Contact]:
        doc = RecipientDoc._get_collection().find_one({"_id": case_index})
        return Contact.model_validate(doc["contact"]) if doc else None

    def add(self, n: Notification) -> bool:
        try:
            NotificationDoc._get_collection().insert_one({
                "_id": n.id, "case_index": n.case_index, "subject": n.subject, "body": n.body, "status": "pending",
                "attempts": 0, "next_attempt_at": _naive(n.next_attempt_at), "trace": n.trace,
                "outbox": [], "outbox_pending": False, "outbox_version": 0})
            return True
        except DuplicateKeyError:
            return False

    def claim_due(self, now, lease, case_index=None) -> Optional[Notification]:
        query = {"status": "pending", "next_attempt_at": {"$lte": _naive(now)}}
        if case_index:
            query["case_index"] = case_index
        doc = NotificationDoc._get_collection().find_one_and_update(
            query, {"$set": {"next_attempt_at": _naive(now + lease)}}, return_document=ReturnDocument.BEFORE)
        return _to_domain(doc) if doc else None

    def finish(self, n: Notification, events) -> None:
        update = push_update(events) if events else {"$set": {}}
        update["$set"].update({"status": n.status, "attempts": n.attempts, "next_attempt_at": _naive(n.next_attempt_at),
                               "last_error": n.last_error, "channel": n.channel})
        NotificationDoc._get_collection().update_one({"_id": n.id}, update)

    def dead(self) -> list[Notification]:
        return [_to_domain(d) for d in NotificationDoc._get_collection().find({"status": "dead"}).limit(500)]

    def replay(self, notification_id: str, now: dt.datetime) -> bool:
        result = NotificationDoc._get_collection().update_one(
            {"_id": notification_id, "status": "dead"},
            {"$set": {"status": "pending", "attempts": 0, "next_attempt_at": _naive(now)}})
        return result.modified_count == 1
