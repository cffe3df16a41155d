"""MongoDB connections: one mongoengine alias per service, from its own URI, every
operation bounded in time; and the decorator that makes the adapters' outage errors
:class:`~servicekit.errors.Unavailable`."""
from __future__ import annotations

import uuid

import mongoengine
from pymongo.errors import ConnectionFailure, ExecutionTimeout

from .errors import outages_unavailable

# Refused, unreachable, no answer within the client's timeouts (ConnectionFailure covers
# server selection, network errors and timeouts, a pool cancelled by a failed heartbeat),
# or the server gave up at the operation's deadline (maxTimeMS, sent by timeoutMS).
OUTAGES = (ConnectionFailure, ExecutionTimeout)

# Class decorator for each Mongo adapter: its outages become Unavailable("mongodb").
unavailable_when_down = outages_unavailable("mongodb", OUTAGES)


def connect(alias: str, uri: str, *, operation_timeout_ms: int = 10_000, connect_timeout_ms: int = 3_000,
            server_selection_timeout_ms: int = 5_000, **tls) -> None:
    """(Re)connect ``alias`` to ``uri``; documents declare ``db_alias`` = alias.

    ``operation_timeout_ms`` is pymongo's client-side operation timeout (``timeoutMS``):
    one bound for the whole operation, server selection and a retry included, also sent
    to the server as ``maxTimeMS``. A socket timeout alone would allow twice as long
    (a retryable read or write is tried again) and nothing for server selection.
    ``tls``: pymongo's TLS options (``tls``, ``tlsCAFile``, ``tlsCertificateKeyFile``), as
    :meth:`servicekit.settings.ServiceSettings.mongo_options` gives them."""
    mongoengine.disconnect(alias)
    mongoengine.connect(alias=alias, host=uri, uuidRepresentation="standard", timeoutMS=operation_timeout_ms,
                        connectTimeoutMS=connect_timeout_ms, serverSelectionTimeoutMS=server_selection_timeout_ms, **tls)


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
    releases it or ``ttl`` passes (then another may break it). Taken by an ``_id`` insert,
    because conditional updates cannot be answered by FerretDB's SQLite backend without
    scanning the collection; breaking and releasing name the lease they mean (its expiry,
    its holder's token), so neither removes a lease someone else has just taken. Those two
    filters do scan, but a leases collection holds only the leases in use."""

    def __init__(self, collection, ttl_s: float = 120.0, tokens: dict | None = None):
        """``tokens``: the holder's tokens by key; pass the same dict to every Lease object
        through which one holder takes and releases (else each object keeps its own)."""
        self.collection, self.ttl_s = collection, ttl_s
        self._mine: dict[str, str] = {} if tokens is None else tokens

    def acquire(self, key: str) -> bool:
        import datetime as dt

        from pymongo.errors import DuplicateKeyError

        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        for _ in range(2):
            try:
                token = uuid.uuid4().hex
                self.collection.insert_one({"_id": key, "until": now + dt.timedelta(seconds=self.ttl_s), "token": token})
                self._mine[key] = token
                return True
            except DuplicateKeyError:
                held = self.collection.find_one({"_id": key})
                if held and held["until"] > now:
                    return False
                # expired: its holder died; delete only the lease seen (not one another
                # breaker just took); leases are few, so this filter's scan is short
                if held is not None:
                    self.collection.delete_one({"_id": key, "until": held["until"]})
        return False

    def release(self, key: str) -> None:
        """Only this holder's lease: one that outlived its ttl may have been taken over."""
        token = self._mine.pop(key, None)
        if token is not None:
            self.collection.delete_one({"_id": key, "token": token})


class OnAlias:
    """Base of an adapter that works on collections of one alias's database (connected by the
    composition root) without a mongoengine Document of its own."""

    def __init__(self, alias: str):
        self.alias = alias

    @property
    def _db(self):
        from mongoengine.connection import get_db

        return get_db(self.alias)


def insert_once(collection, doc: dict) -> bool:
    """Insert unless a document with that ``_id`` exists; True if this call inserted it."""
    from pymongo.errors import DuplicateKeyError

    try:
        collection.insert_one(doc)
        return True
    except DuplicateKeyError:
        return False


def disconnect(alias: str) -> None:
    """Close ``alias``'s connections (a stopping service)."""
    mongoengine.disconnect(alias)
