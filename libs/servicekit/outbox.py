"""Transactional outbox without transactions: the aggregate's own document carries the
events it must publish, written by the same single-document atomic write that changes
it, each announced by a pointer written just before. A relay publishes the events its
pointers name and then drops those pointers, so events added meanwhile wait for the next
round. Publication is at-least-once; consumers dedupe.

One entry that cannot go out never holds up the others: a batch whose preparation or
publication fails is skipped, retried with growing backoff (its attempts, next try and
last error kept on the entry) and, after :class:`Retry`'s bound, set aside for an
operator (``python -m servicekit.dead_letters outbox list|retry``), never dropped. An
outage (Kafka, the database or S3 down) is no entry's fault: it ends the round and
counts against nothing.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol

from eventlet.queue import Empty, LightQueue
from kafka.errors import KafkaError

from delovod_proto.envelope import Envelope

from . import logs
from .errors import Unavailable
from .reasons import describe

log = logging.getLogger(__name__)
UTC = dt.timezone.utc


@dataclass(frozen=True)
class OutboxMessage:
    topic: str
    key: str
    envelope: Envelope

    def to_doc(self) -> dict:
        return {"topic": self.topic, "key": self.key, "envelope": self.envelope.model_dump_json()}

    @classmethod
    def from_doc(cls, doc: dict) -> "OutboxMessage":
        return cls(doc["topic"], doc["key"], Envelope.model_validate_json(doc["envelope"]))


def _ready() -> None:
    """A batch with nothing to do before it goes out."""


@dataclass(frozen=True)
class OutboxBatch:
    """One owner's events to publish. ``prepare()`` runs the owner's own steps first (the
    registry's repair of a registration whose process died); ``attempts`` is how many times
    this batch has failed so far."""

    owner_id: object
    messages: tuple[OutboxMessage, ...]
    attempts: int = 0
    prepare: Callable[[], None] = field(default=_ready, compare=False)


@dataclass(frozen=True)
class Retry:
    """How the relay retries a batch that failed (its own failure, not an outage): after
    ``first_s``, doubling, capped at ``cap_s``; the ``max_attempts``-th failure sets it
    aside. The defaults give up after about 14 minutes (2 + 4 + ... + 256 + 300 s)."""

    first_s: float = 2.0
    cap_s: float = 300.0
    max_attempts: int = 10

    def delay_s(self, attempts: int) -> float:
        return min(self.cap_s, self.first_s * 2 ** max(0, attempts - 1))


RETRY = Retry()


@dataclass(frozen=True)
class DeadEntry:
    """An outbox entry the relay set aside: its event, how often it failed and why (the
    exception's type and scrubbed text, ``servicekit.reasons.describe``: no personal data)."""

    owner_id: object
    message: OutboxMessage
    attempts: int
    last_error: str
    dead_at: dt.datetime


class AbstractOutboxStore(Protocol):
    """Where aggregates keep their unpublished events."""

    def pending(self, limit: int, owner_id: object | None = None) -> Iterable[OutboxBatch]:
        """Batches still to publish (optionally only one owner's), none that waits for a retry."""

    def mark_published(self, owner_id: object, messages: Iterable[OutboxMessage]) -> None:
        """These events of the owner are published."""

    def postpone(self, batch: OutboxBatch, attempts: int, retry_at: dt.datetime, error: str) -> None:
        """The batch failed ``attempts`` times: not before ``retry_at`` again."""

    def set_aside(self, batch: OutboxBatch, attempts: int, error: str) -> None:
        """The batch failed for good: keep its entries where an operator finds them."""

    def dead(self, limit: int = 1000) -> list[DeadEntry]:
        """The entries set aside, oldest first."""

    def revive(self, event_ids: Iterable[str] | None = None) -> int:
        """Hand entries set aside (all, or those events) back to the relay; how many."""


Publish = Callable[..., None]


def _now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(tzinfo=None)


def is_outage(exc: BaseException) -> bool:
    """A failure of a server every batch needs (Kafka, the database, S3), not of this batch:
    it ends the round and counts against no entry."""
    from pymongo.errors import ConnectionFailure, ExecutionTimeout

    return isinstance(exc, (Unavailable, ConnectionFailure, ExecutionTimeout)) or \
        (isinstance(exc, KafkaError) and exc.retriable)


def relay(store: AbstractOutboxStore, publish: Publish, limit: int = 100,
          owner_id: object | None = None, retry: Retry = RETRY) -> int:
    """Publish pending events; returns how many were sent. A batch that fails is retried
    later with growing backoff and, after ``retry.max_attempts``, set aside: the batches
    behind it go out all the same. An outage ends the round (the next one tries again)."""
    sent = 0
    for batch in store.pending(limit, owner_id):
        try:
            batch.prepare()
            for message in batch.messages:
                publish(message.topic, message.envelope, key=message.key)
        except Exception as exc:
            if is_outage(exc):
                raise
            _failed(store, batch, exc, retry)
            continue
        store.mark_published(batch.owner_id, batch.messages)
        sent += len(batch.messages)
    if sent:
        logs.event(log, "outbox_relayed", count=sent)
    return sent


def _failed(store: AbstractOutboxStore, batch: OutboxBatch, exc: Exception, retry: Retry) -> None:
    attempts, error = batch.attempts + 1, describe(exc)
    events = [str(m.envelope.event_id) for m in batch.messages]
    if attempts >= retry.max_attempts:
        store.set_aside(batch, attempts, error)
        logs.event(log, "outbox_entry_set_aside", logging.ERROR, owner=str(batch.owner_id), events=events,
                   attempts=attempts, error=error)
        return
    delay = retry.delay_s(attempts)
    store.postpone(batch, attempts, _now() + dt.timedelta(seconds=delay), error)
    logs.event(log, "outbox_entry_failed", logging.WARNING, owner=str(batch.owner_id), events=events,
               attempts=attempts, retry_in_s=delay, error=error)


class RelayLoop:
    """The relay as a background loop: a round every ``interval_s`` until :meth:`stop`
    (run by :class:`servicekit.providers.Background` as a nameko-managed thread)."""

    name = "outbox_relay"

    def __init__(self, store: AbstractOutboxStore, publish: Publish, interval_s: float = 1.0,
                 retry: Retry = RETRY):
        self.store, self.publish, self.interval_s, self.retry = store, publish, interval_s, retry
        self._wake = LightQueue()

    def relay_now(self, owner_id: object | None = None) -> int:
        """One round now (only ``owner_id``'s events if given); returns how many were sent."""
        return relay(self.store, self.publish, owner_id=owner_id, retry=self.retry)

    def run(self) -> None:
        while True:
            try:
                if self._wake.get(timeout=self.interval_s) is _STOP:
                    return
            except Empty:
                pass
            self.relay_now()

    def stop(self) -> None:
        self._wake.put(_STOP)


_STOP = object()


def _entry_id(message: OutboxMessage) -> str:
    return str(message.envelope.event_id)


class InMemoryOutbox(list):
    """The fakes' outbox: a list of :class:`OutboxMessage` the fake repositories append
    to, relayed like the real one (so a service on fakes runs the same relay): one batch
    per key, a failed entry's retry kept in ``retries`` (event id -> attempts, next try,
    last error) and entries set aside in ``set_aside_entries``."""

    def __init__(self, *messages):
        super().__init__(*messages)
        self.retries: dict[str, tuple[int, dt.datetime, str]] = {}
        self.set_aside_entries: list[DeadEntry] = []

    def pending(self, limit: int, owner_id: object | None = None) -> Iterable[OutboxBatch]:
        now, by_key = _now(), {}
        for m in self:
            if owner_id is not None and m.key != owner_id:
                continue
            retry = self.retries.get(_entry_id(m)) if self.retries else None
            if retry is not None and retry[1] > now:
                continue
            if len(by_key) >= limit and m.key not in by_key:
                continue
            by_key.setdefault(m.key, []).append(m)
        return [OutboxBatch(key, tuple(messages), max(self._attempts(m) for m in messages))
                for key, messages in by_key.items()]

    def _attempts(self, message: OutboxMessage) -> int:
        return self.retries[_entry_id(message)][0] if self.retries and _entry_id(message) in self.retries else 0

    def mark_published(self, owner_id: object, messages: Iterable[OutboxMessage]) -> None:
        for message in messages:
            if message in self:
                self.remove(message)
            if self.retries:
                self.retries.pop(_entry_id(message), None)

    def postpone(self, batch: OutboxBatch, attempts: int, retry_at: dt.datetime, error: str) -> None:
        for m in batch.messages:
            self.retries[_entry_id(m)] = (attempts, retry_at, error)

    def set_aside(self, batch: OutboxBatch, attempts: int, error: str) -> None:
        for m in batch.messages:
            self.set_aside_entries.append(DeadEntry(batch.owner_id, m, attempts, error, _now()))
            self.retries.pop(_entry_id(m), None)
            if m in self:
                self.remove(m)

    def dead(self, limit: int = 1000) -> list[DeadEntry]:
        return self.set_aside_entries[:limit]

    def revive(self, event_ids: Iterable[str] | None = None) -> int:
        wanted = None if event_ids is None else {str(i) for i in event_ids}
        back = [d for d in self.set_aside_entries if wanted is None or _entry_id(d.message) in wanted]
        self.set_aside_entries = [d for d in self.set_aside_entries if d not in back]
        self.extend(d.message for d in back)
        return len(back)
