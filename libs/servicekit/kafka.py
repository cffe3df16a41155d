"""Kafka for nameko: a consumer entrypoint and a producer, on kafka-python.

Delivery semantics (docs/delivery.md): at-least-once. The consumer commits a message's
offset only after its worker succeeded, or after the message was written to the
dead-letter topic with the reason; handlers deduplicate on ``Envelope.event_id``.
Modelled on the ``SqsReceive`` example in nameko's docs (nameko-kafka pins old
versions of nameko and kafka-python, so it is not a dependency).

Over 300 lines: the consumer's commit-after-handling, its dead letters and its rebalance
mending guard one another and are proven together by the fault tier; the producer's half
could move to a module of its own (a follow-up).
"""
from __future__ import annotations

import functools
import logging
import time
from typing import Iterable

from eventlet import GreenPool, Timeout, spawn
from eventlet.event import Event
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka import errors as kafka_errors
from kafka.structs import MemberState
from nameko.extensions import DependencyProvider, Entrypoint
from pydantic import ValidationError

from delovod_proto import topics
from delovod_proto.envelope import Envelope

from . import dead_letters, logs
from .errors import Unavailable
from .originals import OriginalsStore
from .reasons import describe, field_errors, scrub
from .secure import explained

log = logging.getLogger(__name__)


def make_producer(bootstrap: str, kit=None) -> KafkaProducer:
    """A producer that waits for the broker's acknowledgement of every write, each send
    bounded in time by ``kit`` (the shared settings; read from the environment once per
    process when not given): kafka-python's own defaults let a send block 60 s for
    metadata and keep an event up to 2 minutes. It connects as the settings say (TLS,
    SASL: :mod:`servicekit.secure`)."""
    kit = kit or _kit_settings()
    return explained(lambda: KafkaProducer(
        bootstrap_servers=bootstrap.split(","), acks="all", **kit.kafka_options(),
        retries=5, linger_ms=0, max_in_flight_requests_per_connection=1,
        max_block_ms=kit.kafka_max_block_ms, request_timeout_ms=kit.kafka_request_timeout_ms,
        delivery_timeout_ms=max(kit.kafka_delivery_timeout_ms, kit.kafka_request_timeout_ms)), bootstrap)


def _kit_settings():
    from .settings import kit_settings

    return kit_settings()


def envelope_headers(envelope: Envelope) -> list[tuple[str, bytes]]:
    headers = [("event_type", envelope.event_type.encode())]
    for key in ("traceparent", "tracestate"):
        value = getattr(envelope.trace, key)
        if value:
            headers.append((key, value.encode()))
    return headers


def send_envelope(producer: KafkaProducer, topic: str, envelope: Envelope, key: str | None = None,
                  timeout: float = 10.0) -> None:
    """Send one envelope and wait until the broker has it."""
    producer.send(topic, value=envelope.model_dump_json().encode(),
                  key=(key or envelope.correlation_id).encode(),
                  headers=envelope_headers(envelope)).get(timeout=timeout)


def send_envelopes(producer: KafkaProducer, messages: Iterable[tuple[str, Envelope, str | None]],
                   timeout: float = 10.0) -> None:
    """Send several ``(topic, envelope, key)`` at once (the producer batches them) and
    wait until the broker has all of them."""
    futures = [producer.send(topic, value=envelope.model_dump_json().encode(),
                             key=(key or envelope.correlation_id).encode(), headers=envelope_headers(envelope))
               for topic, envelope, key in messages]
    for future in futures:
        future.get(timeout=timeout)


class Publisher:
    """``publish(topic, envelope, key=None)`` for one event, ``publish.many([...])`` for a batch.
    ``producer`` is a producer, or a function that returns one when a message is sent."""

    def __init__(self, producer):
        self._producer = producer

    @property
    def producer(self) -> KafkaProducer:
        return self._producer if hasattr(self._producer, "send") else self._producer()

    def __call__(self, topic: str, envelope: Envelope, key: str | None = None) -> None:
        send_envelope(self.producer, topic, envelope, key)

    def many(self, messages: Iterable[tuple[str, Envelope, str | None]]) -> None:
        send_envelopes(self.producer, messages)


# A commit refused because the group's membership changed (see KafkaConsume.commit).
REBALANCING = (kafka_errors.RebalanceInProgressError, kafka_errors.CommitFailedError,
               kafka_errors.IllegalGenerationError, kafka_errors.UnknownMemberIdError)


class PermanentFailure(Exception):
    """Raised by a handler for a message that can never succeed: dead-letter it now.
    ``reason`` and ``errors`` (``[{"field", "message"}]``) go into the dead letter and the
    log as they are, so they name fields and never quote values (``servicekit.reasons``);
    raise it ``from None``, or the log's traceback shows the exception it replaces."""

    def __init__(self, reason: str, errors: Iterable[dict] = ()):
        super().__init__(reason)
        self.reason, self.errors = reason, list(errors)


class KafkaPublisher(DependencyProvider):
    """Injects ``publish(topic, envelope, key=None)`` backed by one producer per container.

    nameko starts every extension at once, so a worker (an HTTP request, a timer) may get
    its publisher before ``start`` has made the producer: the publisher asks for the
    producer when it sends, and waits for it (bounded) if it is not there yet."""

    def setup(self):
        self.kit = self.container.config["SETTINGS"].kit
        self.bootstrap = self.kit.kafka_bootstrap
        self.producer = None
        self._started = Event()

    def start(self):
        self.producer = make_producer(self.bootstrap, kit=self.kit)
        self._started.send(True)

    def stop(self):
        if self.producer is not None:
            self.producer.close(timeout=5)

    def _producer(self) -> KafkaProducer:
        if self.producer is None:
            with Timeout(30, kafka_errors.KafkaTimeoutError("the Kafka producer did not start in 30 s")):
                self._started.wait()
        return self.producer

    def get_dependency(self, worker_ctx):
        return Publisher(self._producer)

    def publisher(self) -> "Publisher":
        """A publisher for background threads, which may start before the producer does:
        it reaches for the producer on each send."""
        return _StartedPublisher(self)


class _StartedPublisher(Publisher):
    def __init__(self, provider: KafkaPublisher):
        self.provider = provider

    @property
    def producer(self) -> KafkaProducer:
        if self.provider.producer is None:
            raise RuntimeError("the Kafka producer is not started yet")
        return self.provider.producer


class KafkaConsume(Entrypoint):
    """Runs the decorated method once per message of ``topic``, as a nameko worker.

    The method receives the parsed :class:`Envelope`. Messages with the same key are
    handled in order, one at a time; with ``concurrency`` > 1, up to that many keys of a
    polled batch are handled at once (only for topics whose events are independent
    across keys); a string names the service's setting that holds that number. The offsets of a batch are committed after all of it is handled. A message that is not a valid envelope, or whose
    handler fails ``max_attempts`` times, goes to the dead-letter topic with the reason
    and the original bytes; only then is its offset committed. Nothing is dropped.
    """

    def __init__(self, topic: str, max_attempts: int = 5, backoff_s: float = 0.5, concurrency: int | str = 1,
                 **kwargs):
        self.topic = topic
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self._stopping = False
        super().__init__(**kwargs)

    def setup(self):
        settings = self.container.config["SETTINGS"]
        if isinstance(self.concurrency, str):
            self.concurrency = getattr(settings, self.concurrency)
        self.kit = kit = settings.kit
        self.bootstrap = kit.kafka_bootstrap
        self.group_id = f"{self.container.service_name}.{self.method_name}"
        self.originals = OriginalsStore.from_settings(kit)

    # kafka-python 3.0.12 can leave a member "half-joined" (docs/decisions.md, "Kafka
    # consumers"): rebalancing, with no rejoin pending and heartbeats off, forever; the broker
    # drops it, its commits are refused client-side and its poll loop spins a core. A member
    # found in that state this long gets a rejoin requested, which its next poll completes.
    mend_after_s = 3.0
    # Backstops: a member not stable this long while its polls return, or whose commits stay
    # refused this long, closes its consumer and joins afresh.
    rejoin_after_s = 15.0
    # above the group's rebalance timeout (max_poll_interval_ms, 300 s): while one member
    # works through a long batch the others rightly wait that long in a rebalance
    unstable_rejoin_after_s = 310.0
    # A polled batch that takes long (failing handlers retried with backoff, a dependency
    # timing out) commits what it has handled this often: past max_poll_interval_ms (300 s)
    # the client leaves the group and the batch comes again, from the last commit, so it
    # always moves forward instead of starting over for ever.
    progress_commit_s = 10.0

    def start(self):
        self._join()
        self.producer = make_producer(self.bootstrap, kit=self.kit)
        self.container.spawn_managed_thread(self.run)

    def _join(self) -> KafkaConsumer:
        """A new consumer in the group, as ``self.consumer`` (also returned)."""
        self._refused_since = self._unstable_since = self._orphaned_since = None
        self.consumer = explained(lambda: KafkaConsumer(
            bootstrap_servers=self.bootstrap.split(","), group_id=self.group_id, **self.kit.kafka_options(),
            enable_auto_commit=False, auto_offset_reset="earliest",
            max_poll_records=50 * self.concurrency), self.bootstrap)  # more per poll when handled at once: fewer commits
        self._await_metadata()
        self.consumer.subscribe([self.topic])
        return self.consumer

    def _watch_membership(self) -> None:
        """After each poll: mend a half-joined member; rejoin afresh if it stays out."""
        now = time.monotonic()
        coordinator = getattr(self.consumer, "_coordinator", None)  # kafka-python 3.0's, private
        state = self.consumer.group_metadata().state
        if state == MemberState.STABLE or coordinator is None:
            self._unstable_since = self._orphaned_since = None
        else:
            self._unstable_since = self._unstable_since or now
            # A join in progress has a rejoin pending, or finishes its SyncGroup within
            # milliseconds; rebalancing with nothing pending for seconds is the orphaned join.
            if state == MemberState.REBALANCING and not coordinator.need_rejoin():
                self._orphaned_since = self._orphaned_since or now
                if now - self._orphaned_since >= self.mend_after_s:
                    logs.event(log, "kafka_half_join_mended", logging.WARNING, topic=self.topic, group=self.group_id)
                    coordinator.request_rejoin()
                    self._orphaned_since = None
            else:
                self._orphaned_since = None
        if self._unstable_since is not None and now - self._unstable_since >= self.unstable_rejoin_after_s:
            self._rejoin("not stable for %.0f s" % (now - self._unstable_since))
        elif self._refused_since is not None and now - self._refused_since >= self.rejoin_after_s:
            self._rejoin("commits refused for %.0f s" % (now - self._refused_since))

    def _rejoin(self, why: str) -> None:
        logs.event(log, "kafka_consumer_rejoining", logging.WARNING, topic=self.topic, group=self.group_id, why=why)
        try:
            self.consumer.close()
        except Exception as exc:  # it is being replaced anyway
            logs.event(log, "kafka_consumer_close_failed", logging.WARNING, topic=self.topic, error=repr(exc))
        self._join()

    def _await_metadata(self, timeout_s: float = 30.0) -> None:
        """Know the topic's partitions before joining the group: a join that races the
        first metadata response gets no partitions (kafka-python logs "No partition
        metadata") and, as seen here under eventlet, may not rebalance afterwards."""
        deadline = time.monotonic() + timeout_s
        while not self.consumer.partitions_for_topic(self.topic):
            if time.monotonic() > deadline:
                raise RuntimeError(f"topic {self.topic} has no partitions (is `make up` done?)")
            time.sleep(0.2)

    def stop(self):
        self._stopping = True

    def kill(self):
        self._stopping = True

    def run(self):
        try:
            while not self._stopping:
                batches = self.consumer.poll(timeout_ms=200)
                if self.concurrency <= 1:
                    for tp, messages in batches.items():
                        done = self.handle_in_turn(messages)
                        if done is not None:  # one commit per polled batch, after every message in it was handled
                            self.commit({tp: OffsetAndMetadata(done.offset + 1, None, -1)})
                elif batches and self.handle_at_once(batches):  # every partition's messages, then one commit
                    self.commit({tp: OffsetAndMetadata(messages[-1].offset + 1, None, -1)
                                 for tp, messages in batches.items()})
                if self._stopping:
                    return
                self._watch_membership()
        except Unavailable:
            if not self._stopping:
                raise  # cannot be: it waits for the service until stopped
        finally:
            self.consumer.close()
            self.producer.close(timeout=5)

    def commit(self, offsets: dict) -> None:
        """Commit handled offsets. A commit refused because the group is rebalancing (a
        member joined, left or missed its heartbeats) is not a failure of the messages:
        they were handled, and whoever owns the partitions next receives them again
        (at-least-once; handlers are idempotent). The next poll completes the rebalance."""
        try:
            self.consumer.commit(offsets)
            self._refused_since = None
        except REBALANCING as exc:
            logs.event(log, "kafka_commit_skipped", logging.WARNING, topic=self.topic, reason=type(exc).__name__)
            if self._refused_since is None:
                self._refused_since = time.monotonic()

    def handle_in_turn(self, messages) -> object:
        """Handle a partition's polled messages in order; returns the last one to commit
        (all before it are handled), or None if stopping came first."""
        done, since = None, time.monotonic()
        for message in messages:
            if self._stopping:
                return done
            self.handle_message(message)
            done = message
            if time.monotonic() - since >= self.progress_commit_s:
                self.commit({TopicPartition(message.topic, message.partition): OffsetAndMetadata(message.offset + 1, None, -1)})
                since = time.monotonic()
        return done

    def handle_at_once(self, batches: dict) -> bool:
        """Handle all polled messages, up to ``concurrency`` keys at once, each key's in
        order; True if all were handled (False if stopping came first: commit nothing)."""
        by_key: dict = {}
        for tp, messages in batches.items():
            for message in messages:
                by_key.setdefault((tp.partition, message.key), []).append(message)
        handled: set = set()

        def handle(run):
            for m in run:
                if self._stopping:
                    return
                self.handle_message(m)
                handled.add((m.partition, m.offset))
        finished = Event()

        def commit_progress():  # the only committer while the batch runs; it stops before the final commit
            while finished.wait(timeout=self.progress_commit_s) is None:
                progress = self._handled_prefix(batches, handled)
                if progress:
                    self.commit(progress)
        pool = GreenPool(self.concurrency)
        runs = [pool.spawn(handle, run) for run in by_key.values()]
        committer = spawn(commit_progress)
        pool.waitall()
        finished.send(True)
        committer.wait()
        for run in runs:
            run.wait()  # a failure to dead-letter stops the consumer uncommitted, as in turn
        return not self._stopping

    @staticmethod
    def _handled_prefix(batches: dict, handled: set) -> dict:
        """Per partition, the offset after the longest run of handled messages from the
        batch's start: what may be committed while the rest is still being handled."""
        out = {}
        for tp, messages in batches.items():
            last = None
            for m in messages:
                if (m.partition, m.offset) not in handled:
                    break
                last = m
            if last is not None:
                out[tp] = OffsetAndMetadata(last.offset + 1, None, -1)
        return out

    def handle_message(self, message) -> None:
        try:
            envelope = Envelope.model_validate_json(message.value)
        except ValidationError as exc:
            self.dead_letter(message, "invalid event: not an envelope", field_errors(exc))
            return
        try:
            envelope.body()
        except ValidationError as exc:
            self.dead_letter(message, scrub(f"invalid event: {envelope.event_type} v{envelope.schema_version} with wrong fields"),
                             field_errors(exc, "data."))
            return
        except ValueError as exc:  # an unknown event type
            self.dead_letter(message, f"invalid event: {scrub(str(exc))}")
            return
        context = {k: v.decode() for k, v in (message.headers or []) if k in ("traceparent", "tracestate")}
        error = None
        attempt = waits = 0
        while attempt < self.max_attempts:
            error = self.run_worker(envelope, context)
            if error is None:
                return
            if isinstance(error, PermanentFailure):
                self.dead_letter(message, f"rejected: {error.reason}", error.errors)
                return
            if isinstance(error, Unavailable):
                # a service it needs does not answer: not this message's fault, so it waits
                # for the service (capped backoff) without using up its attempts
                if self._stopping:
                    raise error  # uncommitted: it comes again after the restart
                waits += 1
                logs.event(log, "kafka_handler_waits", logging.WARNING, topic=self.topic, offset=message.offset,
                           service=error.service, waits=waits)
                time.sleep(min(self.backoff_s * 2 ** min(waits - 1, 6), 30))
                continue
            attempt += 1
            logs.event(log, "kafka_handler_failed", logging.WARNING, topic=self.topic,
                       offset=message.offset, attempt=attempt, error=describe(error))
            time.sleep(min(self.backoff_s * 2 ** (attempt - 1), 10))
        self.dead_letter(message, f"handler failed {self.max_attempts} times: {describe(error)}",
                         field_errors(error) if isinstance(error, ValidationError) else ())

    def run_worker(self, envelope: Envelope, context: dict):
        done = Event()

        def handle_result(worker_ctx, result, exc_info):
            done.send(exc_info[1] if exc_info else None)
            return result, exc_info

        self.container.spawn_worker(self, (envelope,), {}, context_data=context,
                                    handle_result=handle_result)
        return done.wait()

    # A dead letter that cannot be written is retried, with backoff up to this, for as long as
    # it takes (the consumer waits, loudly, and goes on once Kafka takes it); an original that
    # object storage refuses this many times is left on its own topic instead.
    dead_letter_backoff_max_s = 30.0
    store_attempts = 3

    def dead_letter(self, message, reason: str, errors: Iterable[dict] = ()) -> None:
        """Write the dead letter of ``message`` (see ``dead_letters.compose``). Never raises
        while the consumer runs: a failure is logged (ERROR ``dead_letter_failed``) and tried
        again, so one message can never stop a consumer for good."""
        errors = list(errors)
        where = dict(topic=message.topic, partition=message.partition, offset=message.offset)
        failures = store_failures = 0
        limit = dead_letters.INLINE_LIMIT
        while True:
            store = self.originals if store_failures < self.store_attempts else None
            step = "store"
            try:
                letter = dead_letters.compose(self.group_id, message, reason, errors, store, limit)
                step = "send"
                envelope = Envelope.wrap(letter, source=self.container.service_name,
                                         correlation_id=f"{message.topic}/{message.partition}/{message.offset}")
                send_envelope(self.producer, topics.DEAD_LETTERS, envelope)
                break
            except Exception as exc:
                failures += 1
                store_failures += step == "store"
                if isinstance(exc, kafka_errors.MessageSizeTooLargeError):
                    limit = 0  # cannot be with INLINE_LIMIT; if it is, the original goes to the store
                logs.event(log, "dead_letter_failed", logging.ERROR, **where, attempt=failures, step=step,
                           error=describe(exc))
                if self._stopping:  # uncommitted: it comes again after the restart
                    raise Unavailable("dead-letters", 0) from None
                time.sleep(min(self.backoff_s * 2 ** min(failures - 1, 10), self.dead_letter_backoff_max_s))
        if dead_letters.where_original(letter) == "its topic":
            logs.event(log, "dead_letter_original_not_kept", logging.ERROR, **where, size=letter.original_size,
                       sha256=letter.original_sha256)
        logs.event(log, "event_dead_lettered", logging.ERROR, **where, reason=reason[:300],
                   fields=[e["field"] for e in errors], original=dead_letters.where_original(letter))


consume = KafkaConsume.decorator
