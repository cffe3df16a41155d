"""MongoDB connections: one mongoengine alias per service, from its own URI."""
from __future__ import annotations

import mongoengine


def connect(alias: str, uri: str) -> None:
    """(Re)connect ``alias`` to ``uri``; documents declare ``db_alias`` = alias."""
    mongoengine.disconnect(alias)
    mongoengine.connect(alias=alias, host=uri, serverSelectionTimeoutMS=5000, uuidRepresentation="standard")


def ensure_indexes(*document_classes) -> None:
    for cls in document_classes:
        cls.ensure_indexes()


def upsert(collection, query: dict, update: dict, attempts: int = 3):
    """``update_one(..., upsert=True)``, retried when two writers create the same ``_id``
    at once (MongoDB and FerretDB both answer the loser with a duplicate-key error)."""
    from pymongo.errors import DuplicateKeyError

    for attempt in range(attempts):
        try:
            return collection.update_one(query, update, upsert=True)
        except DuplicateKeyError:
            if attempt == attempts - 1:
                raise


class Lease:
    """A lease on a key: the one writer that inserts ``{_id: key}`` holds it until it
    releases it or ``ttl`` passes (then another may break it). Built on ``_id`` inserts
    alone, because conditional updates on other fields cannot be answered by FerretDB's
    SQLite backend without scanning the collection."""

    def __init__(self, collection, ttl_s: float = 120.0):
        self.collection, self.ttl_s = collection, ttl_s

    def acquire(self, key: str) -> bool:
        import datetime as dt

        from pymongo.errors import DuplicateKeyError

        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        for _ in range(2):
            try:
                self.collection.insert_one({"_id": key, "until": now + dt.timedelta(seconds=self.ttl_s)})
                return True
            except DuplicateKeyError:
                held = self.collection.find_one({"_id": key})
                if held and held["until"] > now:
                    return False
                self.collection.delete_one({"_id": key})  # expired: its holder died
        return False

    def release(self, key: str) -> None:
        self.collection.delete_one({"_id": key})


def insert_once(collection, doc: dict) -> bool:
    """Insert unless a document with that ``_id`` exists; True if this call inserted it."""
    from pymongo.errors import DuplicateKeyError

    try:
        collection.insert_one(doc)
        return True
    except DuplicateKeyError:
        return False
