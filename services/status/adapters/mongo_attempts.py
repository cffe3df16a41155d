"""Failed-lookup counters in the status service's database, shared by its replicas.

One small document per (kind, window, key): ``{_id, n, expires_at}``, raised with ``$inc``
(atomic, so concurrent failures on several replicas all count). Expired counters are
deleted by the service's timer (``sweep``); the collection holds only the last half hour
of failures.
"""
from __future__ import annotations

import datetime as dt

from servicekit.concurrently import Concurrently, green
from servicekit.mongo import unavailable_when_down, upsert

from .mongo_repository import CaseDoc

UTC = dt.timezone.utc


@unavailable_when_down
class MongoAttemptStore:
    """``concurrently`` overlaps the counters' reads: every lookup, successful ones too, reads
    six counters before the case (bench/lookup.py measured them one after another)."""

    def __init__(self, concurrently: Concurrently = green):
        self.concurrently = concurrently

    @property
    def _coll(self):
        return CaseDoc._get_collection().database["lookup_failures"]

    def counts(self, ids: list[str]) -> dict[str, int]:
        # by _id, each on its own: the only lookup FerretDB answers from an index ($in scans)
        docs = self.concurrently(*[lambda i=i: self._coll.find_one({"_id": i}, {"n": 1}) for i in ids])
        return {i: doc["n"] for i, doc in zip(ids, docs) if doc}

    def add(self, ids: list[str], expires_at: float) -> None:
        expires = dt.datetime.fromtimestamp(expires_at, UTC).replace(tzinfo=None)
        for i in ids:
            upsert(self._coll, {"_id": i}, {"$inc": {"n": 1}, "$set": {"expires_at": expires}})

    def sweep(self, now: float) -> int:
        cutoff = dt.datetime.fromtimestamp(now, UTC).replace(tzinfo=None)
        return self._coll.delete_many({"expires_at": {"$lt": cutoff}}).deleted_count
