"""The floor under any paper registration on this stack: a nameko HTTP entrypoint that
takes the same multipart request (werkzeug's parser), hashes the scan (SHA-256) and
stores it with one minio PUT. No token, no database, no event. The paper benchmark
measures it in every round between the raw PUT and the registry, so the file shows how
much of the gap to raw S3 is the ingress itself and how much is the registry's own work.

Run by the benchmark only: ``python -m bench.ingress_floor <port>``."""
import eventlet

eventlet.monkey_patch()

import hashlib  # noqa: E402
import io  # noqa: E402
import sys  # noqa: E402
import uuid  # noqa: E402

from minio import Minio  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.web.handlers import http  # noqa: E402

BUCKET = "delovod-bench"
store = Minio("127.0.0.1:8333", "delovod-local", "delovod-local-secret", secure=False)


class IngressFloor:
    name = "bench_ingress_floor"

    @http("POST", "/scan")
    def scan(self, request):
        data = request.files.getlist("scan")[0].read()
        digest = hashlib.sha256(data).hexdigest()
        store.put_object(BUCKET, f"floor/{uuid.uuid4().hex}", io.BytesIO(data), len(data),
                         content_type="application/pdf", metadata={"sha256": digest})
        return 201, '{"stored": true}'


if __name__ == "__main__":
    runner = ServiceRunner({"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/",
                            "WEB_SERVER_ADDRESS": f"127.0.0.1:{sys.argv[1]}"})
    runner.add_service(IngressFloor)
    runner.start()
    runner.wait()
