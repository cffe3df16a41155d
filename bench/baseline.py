"""Raw server speed through the same client libraries the services use."""
from __future__ import annotations

import io
import os
import time
import uuid

import pymongo
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic
from minio import Minio
from nameko.rpc import rpc
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy

from servicekit.kafka import make_producer

from .measure import rate

KAFKA = "127.0.0.1:9092"
SCAN_200K = os.urandom(200 * 1024)


def s3_client() -> Minio:
    return Minio("127.0.0.1:8333", "delovod-local", "delovod-local-secret", secure=False)


def bench_bucket(client: Minio) -> str:
    """One bucket for all runs (SeaweedFS gives each bucket volumes of its own)."""
    if not client.bucket_exists("delovod-bench"):
        client.make_bucket("delovod-bench")
    return "delovod-bench"


def s3_put(n: int) -> dict:
    client, run = s3_client(), uuid.uuid4().hex[:8]
    bucket = bench_bucket(client)
    result = rate(n, lambda i: client.put_object(bucket, f"{run}/o/{i}", io.BytesIO(SCAN_200K), len(SCAN_200K),
                                                 content_type="application/pdf"))
    return {"object_bytes": len(SCAN_200K), **result}


def kafka_roundtrip(n: int) -> dict:
    """Produce n 1 KB messages (each acknowledged, acks=all, as our producer does), then consume them."""
    topic = f"bench.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=KAFKA)
    admin.create_topics([NewTopic(topic, 1, 1)])
    admin.close()
    producer, payload = make_producer(KAFKA), os.urandom(1024)
    produce = rate(n, lambda i: producer.send(topic, payload).get(10))
    consumer = KafkaConsumer(topic, bootstrap_servers=KAFKA, group_id=f"g-{topic}", auto_offset_reset="earliest",
                             enable_auto_commit=False)
    start, seen = time.perf_counter(), 0
    while seen < n:
        for batch in consumer.poll(timeout_ms=1000).values():
            seen += len(batch)
    consume_s = time.perf_counter() - start
    consumer.commit()
    consumer.close()
    producer.close()
    admin = KafkaAdminClient(bootstrap_servers=KAFKA)
    admin.delete_topics([topic])
    admin.close()
    total = produce["seconds"] + consume_s
    return {"message_bytes": 1024, "produce": produce,
            "consume": {"n": n, "seconds": round(consume_s, 3), "per_second": round(n / consume_s, 1)},
            "produce_plus_consume_per_second": round(n / total, 1)}


def ferretdb(n: int) -> dict:
    """Insert, find by ``_id`` and find by an indexed field. FerretDB's SQLite backend
    pushes down only ``{_id}`` filters, so the last one scans (why delovod uses ``_id``)."""
    coll = pymongo.MongoClient("mongodb://127.0.0.1:27017/")[f"bench_{uuid.uuid4().hex[:8]}"]["docs"]
    coll.create_index("key")
    insert = rate(n, lambda i: coll.insert_one({"_id": f"k{i}", "key": f"k{i}", "payload": "x" * 200, "n": i}))
    by_id = rate(n, lambda i: coll.find_one({"_id": f"k{i}"}))
    by_field = rate(min(n, 200), lambda i: coll.find_one({"key": f"k{i}"}))
    coll.database.client.drop_database(coll.database.name)
    return {"documents": n, "insert": insert, "find_by_id": by_id, "find_by_indexed_field": by_field}


class Echo:
    name = "bench_echo"

    @rpc
    def echo(self, value):
        return value


def nameko_rpc(n: int) -> dict:
    config = {"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/", "serializer": "json"}
    container = ServiceContainer(Echo, config)
    container.start()
    try:
        with ClusterRpcProxy(config) as cluster:
            cluster.bench_echo.echo(0)
            return rate(n, lambda i: cluster.bench_echo.echo(i))
    finally:
        container.stop()


def run_all(quick: bool) -> dict:
    k = 0.2 if quick else 1.0
    return {"s3_put_200kb": s3_put(int(200 * k)), "kafka_1kb": kafka_roundtrip(int(2000 * k)),
            "ferretdb": ferretdb(int(1000 * k)), "nameko_rpc": nameko_rpc(int(500 * k))}
