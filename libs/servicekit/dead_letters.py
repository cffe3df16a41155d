"""Operators' tool for Kafka dead letters (``delovod.dead-letters.v1``): list them, and send
chosen ones again, unchanged, to the topic they came from.

    python -m servicekit.dead_letters list [--consumer C]
    python -m servicekit.dead_letters replay --consumer C [--topic T] [--at P:O ...] [--dry-run]

A replay republishes the original bytes with the original key and headers, plus a header
``delovod-replay-of`` naming the dead letter (``<partition>:<offset>`` of the dead-letter
topic). Every consumer deduplicates on the event's id (the registry on the portal's
submission id), so replaying twice, or replaying something that was meanwhile handled,
changes nothing. What was replayed is printed; the dead letters themselves stay (the topic
is the record of what failed and why). ``make dead-letters`` lists them.

The writing side is :func:`compose` (the consumer entrypoint, ``servicekit.kafka``, sends
what it makes). A dead letter always fits in a Kafka message: an original that would make it
larger than ``INLINE_LIMIT`` is kept in object storage (``servicekit.originals``) and the
dead letter holds the reference, the size and the SHA-256; a replay fetches it back. If even
that cannot be written, the dead letter holds only the size and hash and the original is
read back from its own topic, at its offset, while the topic retains it.

Outbox entries a service's relay set aside (``servicekit.outbox``: an event it could not
complete or publish after its retries) are the other kind of dead letter, kept in that
service's database (``outbox_dead``), since they never reached Kafka:

    python -m servicekit.dead_letters outbox list --mongo-uri URI
    python -m servicekit.dead_letters outbox retry --mongo-uri URI [--event ID ...] [--dry-run]

A retry hands each chosen entry back to the relay (its attempts start again); it goes out in
the service's next relay round, or is set aside again, with the new reason, if it still fails.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
from datetime import datetime, timezone
from typing import Iterable, Iterator, Optional, Sequence

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from pydantic import ValidationError

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import DeadLetter, DeadLetterFieldError, KafkaHeader, StoredOriginal

from .reasons import MAX_ERRORS, MAX_REASON

REPLAY_HEADER = "delovod-replay-of"
# Largest dead letter (JSON) that carries its original inline: half of Kafka's limit on a
# message (the broker's message.max.bytes, 1048588 by default; the producer's
# max_request_size, 1048576), so a dead letter, base64 and all, always fits.
INLINE_LIMIT = 512 * 1024


def compose(consumer: str, message, reason: str, errors: Sequence[dict] = (), store=None,
            limit: int = INLINE_LIMIT) -> DeadLetter:
    """The dead letter of a Kafka ``message`` (a kafka-python ConsumerRecord) that ``consumer``
    gave up on. Its original goes inline if the dead letter stays within ``limit`` bytes, else
    to ``store`` (an :class:`~servicekit.originals.OriginalsStore`; its failure raises), else,
    with no store, nowhere: it stays on its topic. ``reason`` and ``errors`` must hold no
    values from the message (``servicekit.reasons``)."""
    value = message.value or b""
    headers = list(message.headers or [])
    common = dict(consumer=consumer, original_topic=message.topic, partition=message.partition,
                  offset=message.offset, reason=reason[:MAX_REASON],
                  errors=[DeadLetterFieldError(**e) for e in list(errors)[:MAX_ERRORS]],
                  original_size=len(value), original_sha256=hashlib.sha256(value).hexdigest(),
                  failed_at=datetime.now(timezone.utc))
    inline = DeadLetter(
        **common, original_value_b64=base64.b64encode(value).decode(),
        original_key_b64=base64.b64encode(message.key).decode() if message.key is not None else None,
        original_headers=[KafkaHeader(name=k, value_b64=base64.b64encode(v or b"").decode()) for k, v in headers])
    if len(inline.model_dump_json()) <= limit:
        return inline
    if store is None:
        return DeadLetter(**common)
    object_key = f"{consumer}/{message.topic}/{message.partition}/{message.offset}.json"
    store.put(object_key, message.key, headers, value)
    return DeadLetter(**common, original_stored=StoredOriginal(bucket=store.bucket, object_key=object_key))


def where_original(d: DeadLetter) -> str:
    """"inline", "object storage" or "its topic" (see :func:`compose`)."""
    if d.original_stored is not None:
        return "object storage"
    return "inline" if d.original_value_b64 or not d.original_size else "its topic"


def original_of(d: DeadLetter, store=None, bootstrap: Optional[str] = None) -> tuple[Optional[bytes], list, bytes]:
    """The original message ``(key, headers, value)`` of a dead letter, from wherever it is
    kept; checked against its SHA-256 when the dead letter has one."""
    kept = where_original(d)
    if kept == "inline":
        key = base64.b64decode(d.original_key_b64) if d.original_key_b64 is not None else None
        found = key, [(h.name, base64.b64decode(h.value_b64)) for h in d.original_headers], \
            base64.b64decode(d.original_value_b64)
    elif kept == "object storage":
        found = store.get(d.original_stored.bucket, d.original_stored.object_key)
    else:
        found = _from_topic(bootstrap, d)
    if d.original_sha256 is not None and hashlib.sha256(found[2]).hexdigest() != d.original_sha256:
        raise LookupError(f"the original of {d.original_topic} {d.partition}:{d.offset} does not match its SHA-256")
    return found


def _kafka_options() -> dict:
    """TLS and SASL of the operator's tools, from the same settings as the services'."""
    from .settings import kit_settings

    return kit_settings().kafka_options()


def _mongo_tls_options() -> dict:
    from .settings import kit_settings

    return kit_settings().mongo_tls_options()


def _from_topic(bootstrap: str, d: DeadLetter, timeout_s: float = 30.0):
    """The message at the dead letter's partition and offset of its own topic."""
    import time

    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False,
                             **_kafka_options(), fetch_max_bytes=64 * 2**20, max_partition_fetch_bytes=64 * 2**20)
    try:
        tp = TopicPartition(d.original_topic, d.partition)
        consumer.assign([tp])
        consumer.seek(tp, d.offset)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for m in consumer.poll(timeout_ms=1000).get(tp, []):
                if m.offset == d.offset:
                    return m.key, list(m.headers or []), m.value or b""
                raise LookupError(f"{d.original_topic} {d.partition}:{d.offset} is no longer retained")
        raise LookupError(f"{d.original_topic} {d.partition}:{d.offset} could not be read within {timeout_s:g} s")
    finally:
        consumer.close()


def read_all(bootstrap: str) -> Iterator[tuple[str, DeadLetter]]:
    """Every dead letter on the topic, oldest first per partition, as ("<partition>:<offset>",
    the dead letter). Reads to the end offsets seen at the start, without a consumer group."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False,
                             **_kafka_options())
    try:
        partitions = [TopicPartition(topics.DEAD_LETTERS, p) for p in consumer.partitions_for_topic(topics.DEAD_LETTERS) or []]
        if not partitions:
            return
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > consumer.position(tp)}
        while remaining:
            for tp, messages in consumer.poll(timeout_ms=1000).items():
                for m in messages:
                    if m.offset >= ends[tp]:
                        continue
                    try:
                        yield f"{m.partition}:{m.offset}", Envelope.model_validate_json(m.value).body()
                    except (ValidationError, ValueError):
                        pass  # not ours; nothing to replay
                if consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        consumer.close()


def chosen(letters: Iterable[tuple[str, DeadLetter]], consumer: Optional[str] = None, topic: Optional[str] = None,
           at: Optional[set[str]] = None) -> list[tuple[str, DeadLetter]]:
    return [(where, d) for where, d in letters
            if (consumer is None or d.consumer == consumer) and (topic is None or d.original_topic == topic)
            and (not at or where in at)]


def replay(bootstrap: str, letters: list[tuple[str, DeadLetter]], store=None) -> int:
    """Send each dead letter's original message again; returns how many. ``store`` (an
    :class:`~servicekit.originals.OriginalsStore`) is needed for originals kept there."""
    if store is None and any(d.original_stored is not None for _, d in letters):
        from .originals import OriginalsStore
        from .settings import KitSettings

        store = OriginalsStore.from_settings(KitSettings())
    originals = [original_of(d, store, bootstrap) for _, d in letters]  # all found before any is sent
    # an original may be up to the broker's limit; the broker, not this client, decides
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all", max_request_size=16 * 2**20,
                             **_kafka_options())
    try:
        futures = [producer.send(
            d.original_topic, value=value, key=key,
            headers=[(n, v) for n, v in headers if n != REPLAY_HEADER] + [(REPLAY_HEADER, where.encode())])
            for (where, d), (key, headers, value) in zip(letters, originals)]
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close(timeout=10)
    return len(letters)


def _summary(where: str, d: DeadLetter) -> dict:
    return {"dead_letter": where, "consumer": d.consumer, "topic": d.original_topic,
            "at": f"{d.partition}:{d.offset}", "failed_at": d.failed_at.isoformat(), "reason": d.reason[:300],
            "errors": [e.model_dump() for e in d.errors], "size": d.original_size, "original": where_original(d)}


def outbox_store(mongo_uri: str):
    """The outbox of the service whose database ``mongo_uri`` names, for listing and retrying."""
    from pymongo import MongoClient

    from .mongo_outbox import MongoOutboxStore

    class Database:  # stands for the service's document class: only its database is used
        database = MongoClient(mongo_uri, serverSelectionTimeoutMS=5000, timeoutMS=30000,
                               **_mongo_tls_options()).get_default_database()

        @classmethod
        def _get_collection(cls):
            return cls.database["outbox_pointers"]
    return MongoOutboxStore(Database)


def _outbox_summary(entry) -> dict:
    return {"event_id": str(entry.message.envelope.event_id), "owner": str(entry.owner_id),
            "topic": entry.message.topic, "type": entry.message.envelope.event_type, "attempts": entry.attempts,
            "last_error": entry.last_error, "dead_at": entry.dead_at.isoformat()}


def outbox_main(args) -> int:
    store = outbox_store(args.mongo_uri)
    entries = [e for e in store.dead() if not getattr(args, "event", None)
               or str(e.message.envelope.event_id) in set(args.event)]
    for entry in entries:
        print(json.dumps({**_outbox_summary(entry), **({"retried": not args.dry_run} if args.action == "retry" else {})},
                         ensure_ascii=False))
    if args.action == "retry":
        done = 0 if args.dry_run else store.revive([str(e.message.envelope.event_id) for e in entries])
        print(f"{'would retry' if args.dry_run else 'retried'} {len(entries) if args.dry_run else done} outbox entr(y/ies)",
              file=sys.stderr)
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m servicekit.dead_letters", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", default=os.environ.get("DELOVOD_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="one JSON line per dead letter")
    listing.add_argument("--consumer")
    again = commands.add_parser("replay", help="send chosen dead letters again to their topics")
    again.add_argument("--consumer", required=True, help="the consumer group that gave up, e.g. registry.on_submission")
    again.add_argument("--topic", help="only those from this topic")
    again.add_argument("--at", nargs="*", help="only these dead letters, as <partition>:<offset> of the dead-letter topic")
    again.add_argument("--dry-run", action="store_true")
    outbox = commands.add_parser("outbox", help="outbox entries a service's relay set aside")
    outbox.add_argument("action", choices=["list", "retry"])
    outbox.add_argument("--mongo-uri", required=True, help="the service's database, e.g. mongodb://127.0.0.1:27017/registry")
    outbox.add_argument("--event", nargs="*", help="only these event ids")
    outbox.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "outbox":
        return outbox_main(args)
    if args.command == "list":
        for where, d in chosen(read_all(args.bootstrap), args.consumer):
            print(json.dumps(_summary(where, d), ensure_ascii=False))
        return 0
    picked = chosen(read_all(args.bootstrap), args.consumer, args.topic, set(args.at or []))
    for where, d in picked:
        print(json.dumps({**_summary(where, d), "replayed": not args.dry_run}, ensure_ascii=False))
    if not args.dry_run:
        replay(args.bootstrap, picked)
    print(f"{'would replay' if args.dry_run else 'replayed'} {len(picked)} dead letter(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
