"""Pending contact changes in MongoDB/FerretDB and in memory (tests).

``contact_changes``: the case's latest change, by case index (replaced by ``_id``: a citizen's
rare write). Tries and the one use are taken by inserting an ``_id`` (``contact_change_tries``:
``<change>:<n>``, ``contact_change_uses``: ``<change>``): a unique insert is atomic on MongoDB
and FerretDB alike, where a filtered update would be checked, then written."""
from __future__ import annotations

import datetime as dt
import threading
from typing import Optional

from delovod_proto.vocabulary import ContactChannel
from servicekit.mongo import OnAlias, insert_once, unavailable_when_down

from ..domain.contact_change import PendingChange

UTC = dt.timezone.utc
TIMES = ("requested_at", "sends_at", "expires_at")


def _doc(change: PendingChange) -> dict:
    doc = {"_id": change.case_index, "change_id": change.change_id, "channel": change.channel.value,
           "address": change.address, "code_hash": change.code_hash, "max_attempts": change.max_attempts}
    return doc | {t: getattr(change, t).astimezone(UTC).replace(tzinfo=None) for t in TIMES}


def _change(doc: dict) -> PendingChange:
    return PendingChange(doc["change_id"], doc["_id"], ContactChannel(doc["channel"]), doc["address"], doc["code_hash"],
                         *(doc[t].replace(tzinfo=UTC) for t in TIMES), doc["max_attempts"])


@unavailable_when_down
class MongoContactChangeStore(OnAlias):
    def put(self, change: PendingChange) -> None:
        self._db["contact_changes"].replace_one({"_id": change.case_index}, _doc(change), upsert=True)

    def pending(self, case_index: str) -> Optional[PendingChange]:
        doc = self._db["contact_changes"].find_one({"_id": case_index})
        return _change(doc) if doc else None

    def take_attempt(self, change_id: str, max_attempts: int) -> Optional[int]:
        tries = self._db["contact_change_tries"]
        for n in range(1, max_attempts + 1):
            if insert_once(tries, {"_id": f"{change_id}:{n}"}):
                return n
        return None

    def use(self, change_id: str) -> bool:
        return insert_once(self._db["contact_change_uses"], {"_id": change_id})

    def used(self, change_id: str) -> bool:
        return self._db["contact_change_uses"].find_one({"_id": change_id}, {"_id": 1}) is not None

    def release(self, change_id: str) -> None:
        self._db["contact_change_uses"].delete_one({"_id": change_id})


class InMemoryContactChangeStore:
    def __init__(self):
        self.changes: dict[str, PendingChange] = {}
        self.tries: dict[str, int] = {}
        self.uses: set[str] = set()
        self._lock = threading.Lock()

    def put(self, change: PendingChange) -> None:
        self.changes[change.case_index] = change

    def pending(self, case_index: str) -> Optional[PendingChange]:
        return self.changes.get(case_index)

    def take_attempt(self, change_id: str, max_attempts: int) -> Optional[int]:
        with self._lock:
            n = self.tries.get(change_id, 0) + 1
            if n > max_attempts:
                return None
            self.tries[change_id] = n
            return n

    def use(self, change_id: str) -> bool:
        with self._lock:
            if change_id in self.uses:
                return False
            self.uses.add(change_id)
            return True

    def used(self, change_id: str) -> bool:
        return change_id in self.uses

    def release(self, change_id: str) -> None:
        self.uses.discard(change_id)
