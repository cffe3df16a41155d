"""The outbox of a mongoengine document, and the store that relays it.

Each unpublished event has a *pointer* document (``_id`` = event id, ``doc_id`` = the
aggregate) in the service's small ``outbox_pointers`` collection, written before the
aggregate write that carries the event. The relay reads pointers, takes each event from
its aggregate, publishes it and deletes the pointer; the aggregate itself is never
updated for this. Why: FerretDB's SQLite backend answers only ``{_id}`` filters without
a scan, so finding unpublished events by a field of the aggregates would read the whole
large collection on every relay round, while the pointers stay few. A pointer whose event never reached
its aggregate (a crash between the two writes) expires after ``grace_s``.

A batch the relay could not complete keeps its retry on its pointers (``attempts``,
``retry_at``, ``last_error``); one set aside moves, with a copy of its event, to the
``outbox_dead`` collection, where ``python -m servicekit.dead_letters outbox`` lists it and
hands it back to the relay.
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Callable, Iterable, Optional

from mongoengine import DictField

from .outbox import DeadEntry, OutboxBatch, OutboxMessage

UTC = dt.timezone.utc


class OutboxFields:
    """Mix into a mongoengine Document: its events keyed by event id (kept as history)."""

    outbox = DictField()


def outbox_fields(messages: Iterable[OutboxMessage]) -> dict:
    return {"outbox": {str(m.envelope.event_id): m.to_doc() for m in messages}}


def push_update(messages: Iterable[OutboxMessage]) -> dict:
    """Update operators (for a raw pymongo update) that add events to an outbox."""
    return {"$set": {f"outbox.{m.envelope.event_id}": m.to_doc() for m in messages}}


def _now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(tzinfo=None)


class MongoOutboxStore:
    """Outbox store over one document class that has :class:`OutboxFields`.

    - ``repair(doc)`` lets the owner finish its own post-commit steps (e.g. lookup keys)
      before the events go out (run by the relay as the batch's ``prepare``: if it fails,
      that batch is retried later and the others go on); not for a batch whose pointers were all written with
      ``no_repair=True`` (events of a later change to an aggregate that is complete).
    - ``abandon(pointer, doc)`` is told of an announcement whose write never happened
      (``doc`` is whatever now holds that ``_id``, or None), so the owner can remove what
      it made ready for it (e.g. uploaded objects the pointer lists).
    - ``leftovers(pointer, doc)`` is told of each pointer whose event was found, with the
      aggregate, so the owner can remove what the pointer announced that the aggregate does
      not keep (what a losing attempt of a repeated write made ready).
    - ``resolve(doc_id)`` maps a pointer's ``doc_id`` to the aggregate's ``_id`` when the
      writer could not know it yet (the registry points at ``rid:<registration id>``
      before its number is claimed); None if there is no such aggregate.
    - The relay leaves pointers younger than ``settle_s`` to the writer that is about to
      publish them itself (publishing twice is harmless, but costs every consumer).
    """

    def __init__(self, document_cls, *, repair: Optional[Callable[[dict], None]] = None,
                 abandon: Optional[Callable[[dict, Optional[dict]], None]] = None,
                 leftovers: Optional[Callable[[dict, dict], None]] = None,
                 resolve: Callable[[str], Optional[str]] = lambda doc_id: doc_id,
                 grace_s: float = 60.0, settle_s: float = 5.0):
        self.document_cls, self.repair, self.abandon, self.resolve = document_cls, repair, abandon, resolve
        self.leftovers = leftovers
        self.grace_s, self.settle_s = grace_s, settle_s
        self._waiting: dict[str, float] = {}  # pointer id -> when to look at it again

    @property
    def _docs(self):
        return self.document_cls._get_collection()

    @property
    def _pointers(self):
        return self._docs.database["outbox_pointers"]

    def point(self, messages: Iterable[OutboxMessage], doc_id: str, **extra) -> None:
        """Before writing ``messages`` into ``doc_id``: one pointer per event."""
        self.point_ids([m.envelope.event_id for m in messages], doc_id, **extra)

    def point_ids(self, event_ids: Iterable, doc_id: str, **extra) -> None:
        """The same, by event id, in one round trip; ``extra`` fields go into each
        pointer (for ``abandon``). A pointer written before (another attempt of the same
        write, which reuses its event ids) is renewed: its clock starts again, and list
        fields (e.g. the objects it announces) get this attempt's items added."""
        from pymongo.errors import BulkWriteError

        now = _now()
        pointers = [{"_id": str(i), "doc_id": doc_id, "at": now, **extra} for i in event_ids]
        if not pointers:
            return
        try:
            self._pointers.insert_many(pointers, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != 11000 for e in errors):
                raise
            lists = {k: {"$each": v} for k, v in extra.items() if isinstance(v, list)}
            for e in errors:
                self._pointers.update_one({"_id": e["op"]["_id"]},
                                          {"$set": {"at": now}, **({"$addToSet": lists} if lists else {})})

    def pending(self, limit: int, owner_id=None) -> Iterable[OutboxBatch]:
        """Up to ``limit`` aggregates' pending events. A pointer whose write has not
        happened yet is looked at again only after ``recheck_s`` (until it expires), so
        a crowd of those can neither load the database every round nor starve the rest."""
        query = {"doc_id": owner_id} if owner_id is not None else {}
        settled = _now() - dt.timedelta(seconds=self.settle_s)
        clock, waiting = time.monotonic(), self._waiting
        # a full round forgets pointers gone meanwhile; one owner's round keeps the others'
        self._waiting = {} if owner_id is None else dict(waiting)
        by_doc: dict[str, list[dict]] = {}
        # a bounded read: pointers pile up only while the broker is unreachable, and then
        # the relay cannot send them anyway; waiting ones are skipped, so no starvation
        now = _now()
        for pointer in self._pointers.find(query).limit(max(20 * limit, 1000)):
            if pointer.get("retry_at") and pointer["retry_at"] > now:
                continue  # failed before: waits for its retry
            if pointer["_id"] in waiting:
                self._waiting[pointer["_id"]] = waiting[pointer["_id"]]
            if owner_id is None and (pointer["at"] > settled or waiting.get(pointer["_id"], 0) > clock):
                continue
            if len(by_doc) >= limit and pointer["doc_id"] not in by_doc:
                continue
            by_doc.setdefault(pointer["doc_id"], []).append(pointer)
        for doc_id, pointers in by_doc.items():
            batch = self._batch(doc_id, pointers)
            if batch is not None:
                yield batch

    def withdraw(self, event_ids: Iterable) -> None:
        """Drop pointers whose write will not happen (the writer gave up before it)."""
        for i in event_ids:
            self._pointers.delete_one({"_id": str(i)})

    def _batch(self, doc_id: str, pointers: list[dict]) -> Optional[OutboxBatch]:
        doc_id = self.resolve(doc_id)
        doc = self._docs.find_one({"_id": doc_id}) if doc_id is not None else None
        events = (doc or {}).get("outbox") or {}
        found = [p for p in pointers if p["_id"] in events]
        for p in pointers:
            if p["_id"] in events:
                continue
            if _now() - p["at"] > dt.timedelta(seconds=self.grace_s):
                if self.abandon:
                    self.abandon(p, doc)
                self._pointers.delete_one({"_id": p["_id"]})  # the write it announced never happened
                self._waiting.pop(p["_id"], None)
            else:
                self._waiting[p["_id"]] = time.monotonic() + min(30.0, self.grace_s / 4)
        if not found:
            return None

        def prepare() -> None:
            if self.leftovers:
                for p in found:
                    self.leftovers(p, doc)
            if self.repair and not all(p.get("no_repair") for p in found):
                self.repair(doc)
        return OutboxBatch(doc_id, tuple(OutboxMessage.from_doc(events[p["_id"]]) for p in found),
                           attempts=max(p.get("attempts", 0) for p in found), prepare=prepare)

    def mark_published(self, owner_id, messages: Iterable[OutboxMessage]) -> None:
        ids = _ids(messages)
        if len(ids) == 1:
            self._pointers.delete_one({"_id": ids[0]})
        elif ids:  # one round trip; pointers are few, so even a store that scans for $in is quick
            self._pointers.delete_many({"_id": {"$in": ids}})

    # -- entries that failed ----------------------------------------------------------------
    @property
    def _dead(self):
        return self._docs.database[DEAD_COLLECTION]

    def postpone(self, batch: OutboxBatch, attempts: int, retry_at: dt.datetime, error: str) -> None:
        """Kept on the pointers themselves: the relay skips them until ``retry_at``."""
        self._pointers.update_many({"_id": {"$in": _ids(batch.messages)}},
                                   {"$set": {"attempts": attempts, "retry_at": retry_at, "last_error": error}})

    def set_aside(self, batch: OutboxBatch, attempts: int, error: str) -> None:
        """Each pointer moves to ``outbox_dead`` with its event (so a listing shows what it
        is without reading the aggregate), written before the pointer is deleted: a crash
        between the two leaves it in both, and the relay tries it once more. A batch holds
        one aggregate's few events, so one write per event costs little."""
        pointers = {p["_id"]: p for p in self._pointers.find({"_id": {"$in": _ids(batch.messages)}})}
        now = _now()
        for m in batch.messages:
            i = str(m.envelope.event_id)
            pointer = {k: v for k, v in pointers.get(i, {"_id": i, "doc_id": batch.owner_id}).items() if k != "retry_at"}
            self._dead.replace_one({"_id": i}, {**pointer, "owner_id": batch.owner_id, "attempts": attempts,
                                                "last_error": error, "dead_at": now, "event": m.to_doc()}, upsert=True)
        self._pointers.delete_many({"_id": {"$in": list(pointers)}})

    def dead(self, limit: int = 1000) -> list[DeadEntry]:
        return [DeadEntry(d["owner_id"], OutboxMessage.from_doc(d["event"]), d["attempts"], d["last_error"],
                          d["dead_at"]) for d in self._dead.find().sort("dead_at", 1).limit(limit)]

    def revive(self, event_ids: Optional[Iterable[str]] = None) -> int:
        """Each entry gets its pointer back, with no attempts and a fresh clock (the relay
        takes it in its next round, after ``settle_s``), then leaves ``outbox_dead``."""
        query = {} if event_ids is None else {"_id": {"$in": [str(i) for i in event_ids]}}
        revived = 0
        for d in list(self._dead.find(query)):
            pointer = {k: v for k, v in d.items()
                       if k not in ("owner_id", "attempts", "last_error", "dead_at", "event", "retry_at")}
            self._pointers.replace_one({"_id": d["_id"]}, {**pointer, "at": _now()}, upsert=True)
            self._dead.delete_one({"_id": d["_id"]})
            revived += 1
        return revived


DEAD_COLLECTION = "outbox_dead"


def _ids(messages: Iterable[OutboxMessage]) -> list[str]:
    return [str(m.envelope.event_id) for m in messages]
