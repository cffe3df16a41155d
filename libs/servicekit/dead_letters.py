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
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from typing import Iterable, Iterator, Optional

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from pydantic import ValidationError

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import DeadLetter

REPLAY_HEADER = "delovod-replay-of"


def read_all(bootstrap: str) -> Iterator[tuple[str, DeadLetter]]:
    """Every dead letter on the topic, oldest first per partition, as ("<partition>:<offset>",
    the dead letter). Reads to the end offsets seen at the start, without a consumer group."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False)
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


def replay(bootstrap: str, letters: list[tuple[str, DeadLetter]]) -> int:
    """Send each dead letter's original message again; returns how many."""
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all")
    try:
        futures = [producer.send(
            d.original_topic, value=base64.b64decode(d.original_value_b64),
            key=base64.b64decode(d.original_key_b64) if d.original_key_b64 is not None else None,
            headers=[(h.name, base64.b64decode(h.value_b64)) for h in d.original_headers
                     if h.name != REPLAY_HEADER] + [(REPLAY_HEADER, where.encode())])
            for where, d in letters]
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close(timeout=10)
    return len(letters)


def _summary(where: str, d: DeadLetter) -> dict:
    return {"dead_letter": where, "consumer": d.consumer, "topic": d.original_topic,
            "at": f"{d.partition}:{d.offset}", "failed_at": d.failed_at.isoformat(), "reason": d.reason[:300]}


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
    args = parser.parse_args(argv)
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
