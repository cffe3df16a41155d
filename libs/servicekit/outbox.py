"""Transactional outbox without transactions: the aggregate's own document carries the
events it must publish, written by the same single-document atomic write that changes
it, each announced by a pointer written just before. A relay publishes the events its
pointers name and then drops those pointers, so events added meanwhile wait for the next
round. Publication is at-least-once; consumers dedupe.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol

from eventlet.queue import Empty, LightQueue

from delovod_proto.envelope import Envelope

from . import logs

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class OutboxBatch:
    owner_id: object
    messages: tuple[OutboxMessage, ...]


class AbstractOutboxStore(Protocol):
    """Where aggregates keep their unpublished events."""

    def pending(self, limit: int, owner_id: object | None = None) -> Iterable[OutboxBatch]:
        """Batches still to publish (optionally only one owner's)."""

    def mark_published(self, owner_id: object, messages: Iterable[OutboxMessage]) -> None:
        """These events of the owner are published."""


Publish = Callable[..., None]


def relay(store: AbstractOutboxStore, publish: Publish, limit: int = 100,
          owner_id: object | None = None) -> int:
    """Publish pending events; returns how many were sent."""
    sent = 0
    for batch in store.pending(limit, owner_id):
        for message in batch.messages:
            publish(message.topic, message.envelope, key=message.key)
        store.mark_published(batch.owner_id, batch.messages)
        sent += len(batch.messages)
    if sent:
        logs.event(log, "outbox_relayed", count=sent)
    return sent


class RelayLoop:
    """The relay as a background loop: a round every ``interval_s`` until :meth:`stop`
    (run by :class:`servicekit.providers.Background` as a nameko-managed thread)."""

    name = "outbox_relay"

    def __init__(self, store: AbstractOutboxStore, publish: Publish, interval_s: float = 1.0):
        self.store, self.publish, self.interval_s = store, publish, interval_s
        self._wake = LightQueue()

    def relay_now(self, owner_id: object | None = None) -> int:
        """One round now (only ``owner_id``'s events if given); returns how many were sent."""
        return relay(self.store, self.publish, owner_id=owner_id)

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


class InMemoryOutbox(list):
    """The fakes' outbox: a list of :class:`OutboxMessage` the fake repositories append
    to, relayed like the real one (so a service on fakes runs the same relay)."""

    def pending(self, limit: int, owner_id: object | None = None) -> Iterable[OutboxBatch]:
        messages = tuple(m for m in self if owner_id is None or m.key == owner_id)[:limit]
        return [OutboxBatch(owner_id, messages)] if messages else []

    def mark_published(self, owner_id: object, messages: Iterable[OutboxMessage]) -> None:
        for message in messages:
            if message in self:
                self.remove(message)
