"""What must hold after every fault: nothing acknowledged is lost, nothing is registered
twice, no number is skipped, the downstream services have caught up."""
from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pymongo
import requests
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from delovod_proto import topics

from tests.fault.load import KAFKA, REGISTRY, Load

MONGO = "mongodb://127.0.0.1:27017/"
CONSUMER_GROUPS = ("registry.", "status.", "notifications.")


def lost_paper(load: Load, token: str) -> list[str]:
    """Acknowledged registrations the registry cannot find by their index."""
    def find(a) -> str | None:
        r = requests.get(f"{REGISTRY}/api/v1/documents/by-index", params={"index": a.index},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
        if r.status_code != 200 or r.json().get("registration_index") != a.index:
            return f"{a.key} -> {a.index} ({r.status_code})"
        return None

    with ThreadPoolExecutor(4) as pool:
        return [m for m in pool.map(find, load.acknowledged()) if m]


def registrations(run: str) -> tuple[dict, dict]:
    """The registry's own records: (request key or submission id of this run -> claims),
    (register:year -> set of numbers) over every registration there is."""
    ours, numbers = defaultdict(list), defaultdict(set)
    with pymongo.MongoClient(MONGO, serverSelectionTimeoutMS=5000) as client:
        for doc in client.registry.registrations.find({}, {"register_code": 1, "year": 1, "number": 1, "seq": 1,
                                                            "request_key": 1, "submission": 1}):
            numbers[f"{doc['register_code']}:{doc['year']}"].add(doc["number"])
            for key in (doc.get("request_key"), doc.get("submission")):
                if key and run in key:
                    ours[key.split(run, 1)[1]].append(doc["_id"])
    return ours, numbers


def gaps(numbers: dict) -> dict:
    """Per register and year, the numbers missing below the highest one taken."""
    return {k: sorted(set(range(1, max(v) + 1)) - v)[:10] for k, v in numbers.items() if set(range(1, max(v) + 1)) - v}


def receipts_since(start_offsets: dict, sids: set, timeout_s: float) -> dict:
    """submission id -> set of registration indexes in its receipts, reading the receipts
    topic from the offsets it had when the run began until every submission has one."""
    found: dict = defaultdict(set)
    consumer = KafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False, consumer_timeout_ms=1000)
    try:
        parts = list(start_offsets)
        consumer.assign(parts)
        for tp, offset in start_offsets.items():
            consumer.seek(tp, offset)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not sids <= set(found):
            for batch in consumer.poll(timeout_ms=1000).values():
                for m in batch:
                    data = json.loads(m.value)["data"]
                    if data["submission_id"] in sids:
                        found[data["submission_id"]].add(data["registration_index"])
    finally:
        consumer.close()
    return found


def receipt_offsets() -> dict:
    consumer = KafkaConsumer(bootstrap_servers=KAFKA)
    try:
        parts = [TopicPartition(topics.EPORTAL_RECEIPTS, p) for p in consumer.partitions_for_topic(topics.EPORTAL_RECEIPTS)]
        return consumer.end_offsets(parts)
    finally:
        consumer.close()


def lag() -> int:
    """Messages the services' consumer groups have not consumed yet."""
    return sum(lag_by_group().values())


def lag_by_group() -> dict:
    """group -> messages it has not consumed yet, for the services' consumer groups."""
    admin = KafkaAdminClient(bootstrap_servers=KAFKA, request_timeout_ms=10000)
    consumer = KafkaConsumer(bootstrap_servers=KAFKA)
    try:
        out = {}
        for group in (g["group_id"] for g in admin.list_groups()):
            if not group.startswith(CONSUMER_GROUPS):
                continue
            committed = admin.list_group_offsets(group).get(group, {})
            ends = consumer.end_offsets(list(committed))
            out[group] = sum(max(0, ends[tp] - meta.offset) for tp, meta in committed.items())
        return out
    finally:
        consumer.close()
        admin.close()


def groups_behind() -> str:
    """The groups with a lag, each with its state and members, for a failure message: a group
    stuck in a rebalance reads differently from one that is slow."""
    behind = {g: n for g, n in lag_by_group().items() if n}
    if not behind:
        return "no group behind"
    admin = KafkaAdminClient(bootstrap_servers=KAFKA, request_timeout_ms=10000)
    try:
        described = admin.describe_groups(list(behind))
        return "; ".join(f"{g} lag {n} state {described.get(g, {}).get('group_state', '?')} members "
                         f"{len(described.get(g, {}).get('members') or [])}" for g, n in sorted(behind.items()))
    finally:
        admin.close()


class Downstream:
    """Cases not yet held by the status service, or whose citizen the notifications service
    has not recorded; each look asks only for those still missing."""

    def __init__(self, indexes: list[str]):
        self.missing = {f"{db}:{index}" for index in indexes for db in ("status", "notifications")}

    def caught_up(self) -> bool:
        collections = {"status": ("status", "cases"), "notifications": ("notifications", "recipients")}
        with pymongo.MongoClient(MONGO, serverSelectionTimeoutMS=5000) as client:
            for item in sorted(self.missing):
                db, index = item.split(":", 1)
                name, collection = collections[db]
                if client[name][collection].find_one({"_id": index}, {"_id": 1}) is not None:
                    self.missing.discard(item)
        return not self.missing


def duplicates(load: Load, ours: dict, run: str) -> list[str]:
    """Keys or submissions with more than one claim, or answered with more than one index."""
    dup = [f"{key}: {claims}" for key, claims in ours.items() if len(claims) > 1]
    dup += [f"{a.key}: {sorted(a.indexes)}" for a in load.paper if len(a.indexes) > 1]
    return dup


def count(c: Counter) -> str:
    return ", ".join(f"{k}×{v}" for k, v in sorted(c.items(), key=lambda kv: str(kv[0])))
