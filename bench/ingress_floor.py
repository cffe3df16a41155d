"""The floors under any paper registration on this stack, measured by the paper benchmark
in every round next to the raw PUT and the registry:

- ``/scan``: a nameko HTTP entrypoint that takes the same multipart request (werkzeug's
  parser), hashes the scan (SHA-256) and stores it with one minio PUT. No token, no
  database, no event: how much of the gap to raw S3 is the ingress itself.
- ``/scan-claimed``: the same, plus the two database writes that no crash-safe order can
  take off the critical path (docs/registration-index.md): a small announcement before the
  PUT and a small claim under a unique ``_id`` after it (500 bytes, far less than a real
  registration). Nothing else: no token, no validation, no duplicate check, no lookups,
  no events, no audit.

Run by the benchmark only: ``python -m bench.ingress_floor <port>``."""
import eventlet

eventlet.monkey_patch()

import hashlib  # noqa: E402
import io  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import uuid  # noqa: E402

from minio import Minio  # noqa: E402
from pymongo import MongoClient  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.web.handlers import http  # noqa: E402

BUCKET = "delovod-bench"
store = Minio("127.0.0.1:8333", "delovod-local", "delovod-local-secret", secure=False)
DB = os.environ.get("DELOVOD_BENCH_FLOOR_DB", "bench_floor")
db = MongoClient("mongodb://127.0.0.1:27017/")[DB]
numbers = itertools.count(1)


class IngressFloor:
    name = "bench_ingress_floor"

    @http("POST", "/scan")
    def scan(self, request):
        data = request.files.getlist("scan")[0].read()
        digest = hashlib.sha256(data).hexdigest()
        store.put_object(BUCKET, f"floor/{uuid.uuid4().hex}", io.BytesIO(data), len(data),
                         content_type="application/pdf", metadata={"sha256": digest})
        return 201, '{"stored": true}'

    @http("POST", "/scan-claimed")
    def scan_claimed(self, request):
        data = request.files.getlist("scan")[0].read()
        digest = hashlib.sha256(data).hexdigest()
        rid, key = uuid.uuid4().hex, f"floor/{uuid.uuid4().hex}"
        db.pointers.insert_one({"_id": rid, "scans": [key]})
        store.put_object(BUCKET, key, io.BytesIO(data), len(data), content_type="application/pdf",
                         metadata={"sha256": digest})
        db.claims.insert_one({"_id": f"floor:{next(numbers)}", "rid": rid, "sha256": digest, "key": key,
                              "pad": "x" * 300})
        return 201, '{"claimed": true}'


if __name__ == "__main__":
    runner = ServiceRunner({"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/",
                            "WEB_SERVER_ADDRESS": f"127.0.0.1:{sys.argv[1]}"})
    runner.add_service(IngressFloor)
    runner.start()
    runner.wait()
