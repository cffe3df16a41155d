"""Recipients and notifications in MongoDB (notification id = the status event id).

Large collections are written insert-only: a notification's text (``notifications``), the
citizen's contact per case (``recipients``; replaced, by ``_id``, only when the citizen confirms
a new address) and the final outcome, sent or dead
(``outcomes``, carrying the NotificationDelivered event). Everything that changes —
attempts, next attempt, last error — lives in the small ``queue`` collection, one entry
per notification not yet finished, claimed under a :class:`~servicekit.mongo.Lease`.
Why: FerretDB's SQLite backend answers only ``{_id}`` filters without a scan, and its
updates cost time proportional to the collection.

The proof of each try (``attempts``, insert-only, read per case) and delivery reports
that named no notification of ours (``rejected_reports``) have collections of their own.

Just over 300 lines since session 8's send-now path (``add_claimed``, ``hold``, the group
inserts): every method reads or writes the same queue-entry layout (``_state``, ``_entry``);
the recipients and attempts could become adapters of their own (a follow-up).
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import time
import uuid
from typing import Optional

from mongoengine import DateTimeField, DictField, Document, IntField, StringField

from delovod_proto.events import Contact
from servicekit import logs
from servicekit.mongo import GroupInsert, Lease, insert_once, unavailable_when_down, upsert
from servicekit.mongo_outbox import MongoOutboxStore, OutboxFields, outbox_fields

from ..domain.attempts import Attempt
from ..service_layer.dispatcher import Busy, Notification

log = logging.getLogger(__name__)
ALIAS = "notifications"
UTC = dt.timezone.utc


class RecipientDoc(Document):
    meta = {"collection": "recipients", "db_alias": ALIAS}
    id = StringField(primary_key=True)
    contact = DictField(required=True)


class NotificationDoc(Document):
    meta = {"collection": "notifications", "db_alias": ALIAS, "indexes": ["case_index"]}
    id = StringField(primary_key=True)
    case_index = StringField(required=True)
    subject = StringField()
    body = StringField()
    trace = DictField()


class OutcomeDoc(Document, OutboxFields):
    meta = {"collection": "outcomes", "db_alias": ALIAS, "indexes": ["status"]}
    id = StringField(primary_key=True)
    status = StringField(required=True)  # sent | dead
    attempts = IntField()
    channel = StringField()
    last_error = StringField()
    at = DateTimeField()


class AttemptDoc(Document):
    meta = {"collection": "attempts", "db_alias": ALIAS, "indexes": ["case_index"]}
    id = StringField(primary_key=True)
    notification_id = StringField(required=True)
    case_index = StringField(required=True)
    channel = StringField()
    outcome = StringField(required=True)
    at = DateTimeField(required=True)
    detail = StringField()
    segments = IntField()
    recorded = IntField()  # time.time_ns() when recorded: the history's order


def _naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(UTC).replace(tzinfo=None)


@unavailable_when_down
class MongoNotificationRepository:
    def __init__(self, lease_s: float = 120.0):
        self.outbox = MongoOutboxStore(OutcomeDoc)
        self.lease_s = lease_s
        self._lease_tokens: dict[str, str] = {}  # a notification's lease is taken in claim_due, released in finish
        self._written: dict[str, dict] = {}  # the queue entry this holder last wrote, by notification id
        # concurrent workers' inserts, one insert_many per collection at a time (group commit)
        self._inserts = {name: GroupInsert(functools.partial(self._collection, name))
                         for name in ("leases", "notifications", "attempts", "outcomes")}

    def _collection(self, name: str):
        return self._notes.database[name]

    @property
    def _notes(self):
        return NotificationDoc._get_collection()

    @property
    def _queue(self):
        return self._notes.database["queue"]

    @property
    def _outcomes(self):
        return OutcomeDoc._get_collection()

    @property
    def _leases(self):
        return Lease(self._notes.database["leases"], self.lease_s, tokens=self._lease_tokens,
                     inserts=self._inserts["leases"])

    def save_recipient(self, case_index: str, contact: Contact) -> None:
        """The first contact of a case is kept (a redelivered event brings the same one)."""
        insert_once(RecipientDoc._get_collection(), {"_id": case_index, "contact": contact.model_dump(mode="json")})

    def recipient(self, case_index: str) -> Optional[Contact]:
        doc = RecipientDoc._get_collection().find_one({"_id": case_index})
        return Contact.model_validate(doc["contact"]) if doc else None

    def replace_recipient(self, case_index: str, contact: Contact) -> None:
        """A rare write (a citizen's confirmed change), by ``_id``: the one update of this collection."""
        RecipientDoc._get_collection().replace_one({"_id": case_index},
                                                   {"_id": case_index, "contact": contact.model_dump(mode="json")},
                                                   upsert=True)

    @staticmethod
    def _state(n: Notification) -> dict:
        """What the queue entry keeps of ``n`` (the trace too: a delivery report needs no text)."""
        return {"case_index": n.case_index, "due_at": _naive(n.next_attempt_at), "attempts": n.attempts,
                "last_error": n.last_error, "channel": n.channel, "tried": list(n.tried),
                "awaiting_report": n.awaiting_report, "segments": n.segments, "trace": n.trace}

    def _enqueue(self, n: Notification, remember: bool = False, **extra) -> None:
        n.queued = True
        state = self._state(n)
        upsert(self._queue, {"_id": n.id}, {"$set": {**state, **extra},
                                            "$setOnInsert": {"queued_at": _naive(n.queued_at or n.next_attempt_at)}})
        if remember:  # held under this process's lease: its finish need not write it again unchanged
            self._written[n.id] = state  # (only there, so the dict holds only leases at work here)

    def add(self, n: Notification) -> bool:
        if self._notes.find_one({"_id": n.id}, {"_id": 1}):
            return False
        self._enqueue(n)
        return self._inserts["notifications"].insert(self._text(n))

    def add_claimed(self, n: Notification) -> bool:
        """The lease first, then the text (its ``_id`` insert is the event's deduplication); the
        queue entry is written only by :meth:`hold` or :meth:`finish`. A crash before either
        leaves a text without entry or outcome, which the event's redelivery queues (Kafka
        commits the event only after its handler finished), with an insert that never
        overwrites the entry of a delivery still at work."""
        leases = self._leases
        leased = leases.acquire(n.id)
        if leased and self._inserts["notifications"].insert(self._text(n)):
            n.queued = False
            return True
        if not leased and self._notes.find_one({"_id": n.id}, {"_id": 1}) is None:
            # the lease's holder stopped before adding it (or is adding it): queued for the
            # timer, with an insert that never overwrites the holder's entry (a $set here,
            # landing after the holder's hold(), would forget that an SMS awaits its report)
            n.queued = True
            insert_once(self._queue, self._entry(n))
            self._inserts["notifications"].insert(self._text(n))
            return False
        if self._queue.find_one({"_id": n.id}, {"_id": 1}) is None and \
                self._outcomes.find_one({"_id": n.id}, {"_id": 1}) is None:
            insert_once(self._queue, self._entry(n))
            logs.event(log, "notification_requeued", notification_id=n.id, case_index=n.case_index)
        if leased:
            leases.release(n.id)
        return False

    @staticmethod
    def _text(n: Notification) -> dict:
        return {"_id": n.id, "case_index": n.case_index, "subject": n.subject, "body": n.body, "trace": n.trace}

    def _entry(self, n: Notification) -> dict:
        return {"_id": n.id, **self._state(n), "queued_at": _naive(n.queued_at or n.next_attempt_at)}

    def claim_due(self, now, lease, case_index=None) -> Optional[Notification]:
        """Take one due notification under a lease (released by :meth:`finish`)."""
        query = {"due_at": {"$lte": _naive(now)}}
        if case_index:
            query["case_index"] = case_index
        leases = self._leases
        for seen in list(self._queue.find(query).limit(20)):  # the queue holds only unfinished work
            if not leases.acquire(seen["_id"]):
                continue
            # Read again under the lease: what was listed may have been sent and finished by
            # another worker meanwhile (then its entry is gone, or due later).
            entry = self._queue.find_one({"_id": seen["_id"]})
            doc = self._notes.find_one({"_id": seen["_id"]})
            if entry is not None and entry["due_at"] <= _naive(now) and doc is not None and self._unfinished(entry):
                if entry.get("queued_at") is None:  # queued by a version that did not keep it: count from now
                    entry["queued_at"] = _naive(now)
                    self._queue.update_one({"_id": entry["_id"]}, {"$set": {"queued_at": entry["queued_at"]}})
                return self._notification(entry, doc)
            leases.release(seen["_id"])
        return None

    @staticmethod
    def _notification(entry: dict, doc: dict) -> Notification:
        queued = entry.get("queued_at") or entry["due_at"]
        return Notification(doc["_id"], doc["case_index"], doc.get("subject", ""), doc.get("body", ""),
                            "pending", entry.get("attempts", 0), entry["due_at"].replace(tzinfo=UTC),
                            entry.get("last_error"), entry.get("channel"), doc.get("trace") or {},
                            queued.replace(tzinfo=UTC), list(entry.get("tried") or []),
                            bool(entry.get("awaiting_report")), entry.get("segments"))

    def claim(self, notification_id: str) -> Optional[Notification]:
        """This one notification under its lease, due or not (a delivery report for it)."""
        leases = self._leases
        if not leases.acquire(notification_id):
            raise Busy(notification_id)
        entry = self._queue.find_one({"_id": notification_id})
        if entry is not None and "trace" in entry:  # its text is not needed here (a fallback claims it again)
            doc = {"_id": notification_id, "case_index": entry["case_index"], "trace": entry["trace"]}
        else:  # an entry written before the trace was kept in it
            doc = self._notes.find_one({"_id": notification_id})
        if entry is None or doc is None or self._outcomes.find_one({"_id": notification_id}, {"_id": 1}):
            leases.release(notification_id)
            return None
        return self._notification(entry, doc)

    def hold(self, n: Notification) -> None:
        self._enqueue(n, remember=True)

    def case_of(self, notification_id: str) -> Optional[str]:
        doc = self._notes.find_one({"_id": notification_id}, {"case_index": 1})
        return doc["case_index"] if doc else None

    @property
    def _case_attempts(self):
        """One document per case (``_id`` its index) whose ``a`` holds its attempts: the case
        page reads it by ``_id``. FerretDB answers ``attempts`` by ``case_index`` by scanning
        every attempt (12,628 on a used local stack: the desk's case page took 0.9 s paced)."""
        return self._collection("case_attempts")

    def record(self, attempt: Attempt) -> None:
        at = _naive(attempt.at)
        doc = {"_id": f"{attempt.notification_id}:{at.isoformat()}:{attempt.outcome}:{uuid.uuid4().hex[:8]}",
               "notification_id": attempt.notification_id, "case_index": attempt.case_index,
               "channel": attempt.channel, "outcome": attempt.outcome, "at": at, "detail": attempt.detail,
               "segments": attempt.segments, "recorded": time.time_ns()}
        self._inserts["attempts"].insert(doc)
        upsert(self._case_attempts, {"_id": attempt.case_index}, {"$addToSet": {"a": _in_case(doc)}})

    def backfill_case_attempts(self, batch: int = 5000, progress=lambda n: None) -> int:
        """Every attempt into its case's document (``$addToSet``: idempotent; one read of the
        whole collection, a batch of cases' attempts per update): for attempts recorded before
        the case documents existed, ``python -m notifications.attempts_backfill``."""
        done, by_case = 0, {}

        def flush():
            for case_index, docs in by_case.items():
                upsert(self._case_attempts, {"_id": case_index}, {"$addToSet": {"a": {"$each": docs}}})
            by_case.clear()
        for doc in AttemptDoc._get_collection().find({}):
            by_case.setdefault(doc["case_index"], []).append(_in_case(doc))
            done += 1
            if done % batch == 0:
                flush()
                progress(done)
        flush()
        return done

    def history(self, case_index: str) -> list[Attempt]:
        """In the order they were recorded (an operator's report time may lag behind ours)."""
        kept = (self._case_attempts.find_one({"_id": case_index}) or {}).get("a", [])
        found = sorted(kept, key=lambda d: (d.get("recorded") or 0, d["at"]))[:1000]
        return [Attempt(d["notification_id"], case_index, d.get("channel"), d["outcome"],
                        d["at"].replace(tzinfo=UTC), d.get("detail"), d.get("segments")) for d in found]

    def reject_report(self, notification_id: str, reason: str, raw: dict) -> None:
        self._notes.database["rejected_reports"].insert_one({
            "_id": uuid.uuid4().hex, "notification_id": notification_id, "reason": reason,
            "raw": {k: str(v)[:300] for k, v in raw.items() if k != "sig"}, "at": _naive(dt.datetime.now(UTC))})

    def _unfinished(self, entry: dict) -> bool:
        """False for an entry whose outcome is recorded already (a crash between recording it
        and deleting the entry, or a late enqueue by a redelivered event): it is dropped, so
        a message is never sent again once it was sent. A replayed dead letter is the
        exception; its replay is completed here if it stopped half-way."""
        outcome = self._outcomes.find_one({"_id": entry["_id"]}, {"status": 1, "at": 1})
        if outcome is None:
            return True
        # a replay, or a bounce's reopening of this very outcome (see reopen), that stopped half-way: finish it
        if (outcome["status"] == "dead" and entry.get("replay")) or \
                (outcome["status"] == "sent" and entry.get("reopened") is not None and entry["reopened"] == outcome.get("at")):
            self._outcomes.delete_one({"_id": entry["_id"]})
            self._queue.update_one({"_id": entry["_id"]}, {"$unset": {"replay": "", "reopened": ""}})
            return True
        self._queue.delete_one({"_id": entry["_id"]})
        return False

    def finish(self, n: Notification, events) -> None:
        if n.status == "pending":
            if self._written.get(n.id) != self._state(n):
                self._enqueue(n)
        else:
            events = list(events)
            self.outbox.point(events, n.id)
            self._inserts["outcomes"].insert({"_id": n.id, "status": n.status, "attempts": n.attempts,
                                              "channel": n.channel, "last_error": n.last_error, "tried": list(n.tried),
                                              "at": _naive(dt.datetime.now(UTC)), **outbox_fields(events)})
            if n.queued:
                self._queue.delete_one({"_id": n.id})
        self._written.pop(n.id, None)
        self._leases.release(n.id)

    def dead(self) -> list[Notification]:
        """For operators: a scan of the outcomes, acceptable for a rare administrative query."""
        out = []
        for o in self._outcomes.find({"status": "dead"}).limit(500):
            doc = self._notes.find_one({"_id": o["_id"]}) or {}
            out.append(Notification(o["_id"], doc.get("case_index", ""), doc.get("subject", ""), doc.get("body", ""),
                                    "dead", o.get("attempts", 0), o["at"].replace(tzinfo=UTC), o.get("last_error"),
                                    o.get("channel")))
        return out

    def replay(self, notification_id: str, now: dt.datetime) -> bool:
        # Under the notification's lease, which every claim takes too: nobody can claim, send
        # and record a new outcome between the queueing and the removal of the dead one.
        leases = self._leases
        if not leases.acquire(notification_id):
            return False
        try:
            outcome = self._outcomes.find_one({"_id": notification_id})
            doc = self._notes.find_one({"_id": notification_id})
            if not outcome or outcome["status"] != "dead" or not doc:
                return False
            # queued first, marked as a replay, then the dead outcome goes: a crash in between
            # leaves a replay that the next claim completes, never a lost dead letter
            self._enqueue(Notification(notification_id, doc["case_index"], "", "", next_attempt_at=now, queued_at=now),
                          replay=True)
            self._outcomes.delete_one({"_id": notification_id})
            self._queue.update_one({"_id": notification_id}, {"$unset": {"replay": ""}})
            return True
        finally:
            leases.release(notification_id)

    # -- a bounce that came later reopens a sent email (service_layer/bounces.py) ----------
    def finished(self, notification_id: str) -> Optional[Notification]:
        """The outcome of a finished notification (sent or dead; no text); None if unfinished or unknown."""
        o = self._outcomes.find_one({"_id": notification_id})
        doc = self._notes.find_one({"_id": notification_id}, {"case_index": 1, "trace": 1}) if o else None
        if o is None or doc is None:
            return None
        return Notification(notification_id, doc["case_index"], "", "", o["status"], o.get("attempts") or 0,
                            o["at"].replace(tzinfo=UTC), o.get("last_error"), o.get("channel"), doc.get("trace") or {},
                            tried=list(o.get("tried") or []))

    def reopen(self, n: Notification) -> bool:
        """Make a notification finished as sent by ``n.channel`` pending again, as ``n`` is now,
        under its lease; False if it is not (any more). Queued first and marked, then the outcome
        goes, as in :meth:`replay`: a crash in between leaves a reopening the next claim completes."""
        leases = self._leases
        if not leases.acquire(n.id):
            raise Busy(n.id)
        try:
            outcome = self._outcomes.find_one({"_id": n.id}, {"status": 1, "channel": 1, "at": 1})
            if not outcome or outcome["status"] != "sent" or outcome.get("channel") != n.channel:
                return False
            # marked with the outcome it reopens: a later outcome of its own is never taken for it
            self._enqueue(n, reopened=outcome.get("at"))
            self._outcomes.delete_one({"_id": n.id})
            self._queue.update_one({"_id": n.id}, {"$unset": {"reopened": ""}})
            return True
        finally:
            leases.release(n.id)


def _in_case(doc: dict) -> dict:
    """An attempt as its case's document keeps it (the case is the document's ``_id``)."""
    return {k: v for k, v in doc.items() if k != "case_index"}
