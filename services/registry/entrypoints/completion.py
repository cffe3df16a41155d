"""What follows each answer, in batches: the registry's post-claim steps and its events.

Registrations are handed over the moment they are claimed; one green thread takes
whatever has gathered meanwhile (at most ``max_batch``), completes it in a few round
trips (one audit insert, one hint raise per register), sends all its events at once and
clears their outbox pointers. Batches form by themselves under load and are single
registrations when idle, so nothing waits on a timer. If the process dies with items
queued, their pointers remain and the relay timer finishes them.
"""
from __future__ import annotations

import logging
from typing import Callable

import eventlet
from eventlet.event import Event
from eventlet.queue import LightQueue

from servicekit import logs

log = logging.getLogger(__name__)


class Completer:
    def __init__(self, complete: Callable, publish_many: Callable, mark_published: Callable, max_batch: int = 200):
        self.complete, self.publish_many, self.mark_published = complete, publish_many, mark_published
        self.max_batch = max_batch
        self.queue: LightQueue = LightQueue()
        self.thread = None

    def submit(self, done, wait: bool = False) -> None:
        if self.thread is None or self.thread.dead:
            self.thread = eventlet.spawn(self._run)
        finished = Event() if wait else None
        self.queue.put((done, finished))
        if finished is not None:
            error = finished.wait()
            if error is not None:
                raise error

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            while len(batch) < self.max_batch and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            error = self.run_batch([done for done, _ in batch])
            for _, finished in batch:
                if finished is not None:
                    finished.send(error)

    def run_batch(self, batch: list):
        """Complete and publish a batch; returns the failure, if any."""
        try:
            self.complete(*batch)
            events = [m for d in batch for m in d.events]
            if events:
                self.publish_many([(m.topic, m.envelope, m.key) for m in events])
                announced = [m for d in batch if d.announced for m in d.events]
                if announced:
                    self.mark_published(None, announced)
            return None
        except Exception as exc:  # pointers stay (the relay timer finishes); waiting callers retry
            logs.event(log, "completion_deferred", logging.WARNING, count=len(batch), error=repr(exc))
            return exc
