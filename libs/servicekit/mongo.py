"""MongoDB connections: one mongoengine alias per service, from its own URI, every
operation bounded in time; and the decorator that makes the adapters' outage errors
:class:`~servicekit.errors.Unavailable`."""
from __future__ import annotations

import uuid
from typing import Optional

import mongoengine
from pymongo.errors import ConnectionFailure, ExecutionTimeout, OperationFailure

from .errors import outages_unavailable

# Refused, unreachable, no answer within the client's timeouts (ConnectionFailure covers
# server selection, network errors and timeouts, a pool cancelled by a failed heartbeat),
# or the server gave up at the operation's deadline (maxTimeMS, sent by timeoutMS).
OUTAGES = (ConnectionFailure, ExecutionTimeout)



def interrupted(exc: BaseException) -> bool:
    """FerretDB's answer at an operation's deadline (``maxTimeMS``): a generic
    OperationFailure, code 1, "interrupted" (MongoDB's is code 50, ExecutionTimeout). Seen
    under load by the desk benchmark, where it was a 500 instead of the 503 of an outage."""
    return isinstance(exc, OperationFailure) and exc.code == 1 and "interrupted" in str(exc).lower()


# Class decorator for each Mongo adapter: its outages become Unavailable("mongodb").
unavailable_when_down = outages_unavailable("mongodb", OUTAGES, also=interrupted)


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

    def __init__(self, collection, ttl_s: float = 120.0, tokens: dict | None = None,
                 inserts: "GroupInsert | None" = None):
        """``tokens``: the holder's tokens by key; pass the same dict to every Lease object
        through which one holder takes and releases (else each object keeps its own).
        ``inserts``: a :class:`GroupInsert` on ``collection``, so that leases taken at once
        by concurrent callers are taken in one insert."""
        self.collection, self.ttl_s, self.inserts = collection, ttl_s, inserts
        self._mine: dict[str, str] = {} if tokens is None else tokens

    def acquire(self, key: str) -> bool:
        import datetime as dt

        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        for _ in range(2):
            token = uuid.uuid4().hex
            lease = {"_id": key, "until": now + dt.timedelta(seconds=self.ttl_s), "token": token}
            if self.inserts.insert(lease) if self.inserts is not None else insert_once(self.collection, lease):
                self._mine[key] = token
                return True
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


class GroupInsert:
    """``insert(doc)`` that joins the inserts of concurrent callers (green threads of one
    process) into one ``insert_many(ordered=False)``: a group commit. Nobody waits for a batch
    to fill: whoever finds no write in flight writes what is pending at once, alone if alone;
    what arrives meanwhile is written next, by the first of the waiting callers. Each document
    is still its own atomic insert; each caller gets its own answer (True; False for a
    duplicate ``_id``, like :func:`insert_once`; any other refusal or an outage raised to it
    alone or to the whole batch). Why: on FerretDB's SQLite backend one insert of ten
    documents costs about as much as two single inserts (docs/decisions.md)."""

    def __init__(self, collection, max_batch: int = 200):
        """``collection``: a pymongo collection, or a function that returns it when writing."""
        import threading

        self._collection, self.max_batch = collection, max_batch
        self._lock, self._pending, self._leading = threading.Lock(), [], False

    def insert(self, doc: dict) -> bool:
        slot = _Slot(doc)
        with self._lock:
            self._pending.append(slot)
            lead = not self._leading
            self._leading = True
        if not lead:
            try:
                slot.ready.wait()
            except BaseException:  # killed while waiting (a worker's timeout, a stopping service)
                self._leave(slot)
                raise
            if not slot.lead:
                return slot.answer()
        with self._lock:
            batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
        try:
            self._write(batch)
        finally:
            # whatever happened (a kill included), the next leader is woken and every caller
            # of this batch gets an answer: what was not confirmed written answers an error
            with self._lock:
                self._hand_over()
            for other in batch:
                if other is not slot:
                    other.ready.set()
        return slot.answer()

    def _hand_over(self) -> None:
        """Under the lock: the first waiting caller leads the next write, or nobody is leading."""
        if self._pending:
            self._pending[0].lead = True
            self._pending[0].ready.set()
        else:
            self._leading = False

    def _leave(self, slot: "_Slot") -> None:
        """A waiting caller was killed: its document is not written by anyone if it was still
        pending, and if it had just been made the leader, the lead passes on (else every later
        insert of the process would wait for ever)."""
        with self._lock:
            if slot in self._pending and not slot.lead:
                self._pending.remove(slot)
            elif slot.lead:
                if slot in self._pending:
                    self._pending.remove(slot)
                self._hand_over()

    def _write(self, batch: list) -> None:
        from pymongo.errors import BulkWriteError

        try:
            collection = self._collection() if callable(self._collection) else self._collection
            collection.insert_many([s.doc for s in batch], ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            failed = {error["index"] for error in errors}
            accounted = exc.details.get("nInserted") == len(batch) - len(failed) \
                and not exc.details.get("writeConcernErrors")
            for index, s in enumerate(batch):
                if index not in failed:
                    # written, unless the server's count does not add up (it stopped early,
                    # or the write concern failed): then nobody is told "written" on trust
                    s.error = None if accounted else exc
            for error in errors:
                s = batch[error["index"]]
                s.duplicate = error.get("code") == 11000
                s.error = None if s.duplicate else BulkWriteError({"writeErrors": [error]})
        except Exception as exc:  # an outage: every caller of this batch sees it
            for s in batch:
                s.error = exc
        except BaseException as exc:  # the leader killed mid-write: nothing is confirmed
            for s in batch:
                s.error = NotWritten(f"the group insert was interrupted ({type(exc).__name__})")
            raise
        else:
            for s in batch:
                s.error = None


class NotWritten(RuntimeError):
    """A grouped insert whose outcome is not known (its writer was interrupted): not written
    as far as the caller may rely on."""


class _Slot:
    __slots__ = ("doc", "ready", "lead", "duplicate", "error")

    def __init__(self, doc: dict):
        import threading

        # not written until the write confirms it: a caller woken without a confirmed write
        # (its leader killed) is told so, never "written"
        self.doc, self.ready, self.lead, self.duplicate = doc, threading.Event(), False, False
        self.error: Optional[BaseException] = NotWritten("the group insert did not confirm this document")

    def answer(self) -> bool:
        if self.error is not None:
            raise self.error
        return not self.duplicate
