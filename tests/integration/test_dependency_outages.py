"""A dependency that refuses or does not answer: the clerk gets a 503 problem+json with
Retry-After within the dependency's bound, never a 500 after seconds or a hang, and no
registration number is taken. The registry app is composed by its own bootstrap against
the real FerretDB and SeaweedFS, one of them replaced by a server that fails
(tests/integration/faults.py); the request goes through the real HTTP entrypoint."""
import io
import json
import time

import pytest
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from registry.adapters.mongo_repository import ALIAS, RegistrationDoc
from registry.bootstrap import bootstrap, scan_store
from registry.entrypoints.service import RegistryService
from registry.settings import RegistrySettings
from servicekit import mongo
from servicekit.auth import issue_token
from servicekit.errors import Unavailable
from tests.helpers import command, pdf_bytes
from tests.integration.faults import BlackHole, Relay, refusing_port

pytestmark = pytest.mark.integration
S3_PORT, MONGO_PORT = 8333, 27017
# Small bounds, so that a test that waits for one is short; each check allows a margin
# for a loaded machine, far below what an unbounded call took (5 s refused, 20 s+ paused).
FAST = {"s3_connect_timeout_s": 1.0, "s3_read_timeout_s": 1.0, "s3_connection_wait_s": 1.0,
        "mongo_operation_timeout_ms": 1000, "mongo_connect_timeout_ms": 500, "mongo_server_selection_timeout_ms": 500}


def settings(test_db: str, **over) -> RegistrySettings:
    return RegistrySettings(**{"mongo_uri": test_db, "s3_bucket": "delovod-test", **FAST, **over})


def post_registration(app, n: int = 1) -> tuple:
    """POST /api/v1/documents through the real entrypoint (nameko's worker_factory: the
    app is real, the RPC proxy and the Kafka publisher are stand-ins, unused on failure)."""
    service = worker_factory(RegistryService, app=app)
    token = issue_token(app.settings.auth_secret(), "clerk-outage", "Служител", "clerk")
    request = Request(EnvironBuilder(
        path="/api/v1/documents", method="POST", headers={"Authorization": f"Bearer {token}"},
        data={"metadata": command().model_dump_json(),
              "scan": [(io.BytesIO(pdf_bytes(f"outage-{time.time_ns()}-{i}")), f"s{i}.pdf",
                        "application/pdf") for i in range(n)]}).get_environ())
    started = time.monotonic()
    response = service.register_document(request)
    return response, time.monotonic() - started


def assert_unavailable(response, elapsed: float, within_s: float) -> dict:
    body = json.loads(response.get_data())
    assert response.status_code == 503, body
    assert response.mimetype == "application/problem+json" and response.headers["Retry-After"] == "60"
    assert "временно" in body["detail"] and elapsed < within_s, (elapsed, body)
    return body


def claimed_numbers() -> list[int]:
    return sorted(d.number for d in RegistrationDoc.objects(seq=0))


def register_directly(app) -> int:
    return app.registry.registrar.register(command(), [("s.pdf", pdf_bytes(f"after-{time.time_ns()}"))], "clerk", None) \
        .registration.number


@pytest.fixture
def black_hole():
    hole = BlackHole()
    yield hole
    hole.close()


def test_s3_refusing_is_a_quick_503_and_takes_no_number(test_db):
    broken = settings(test_db, s3_endpoint=f"http://127.0.0.1:{refusing_port()}")
    app = bootstrap(settings(test_db), store=scan_store(broken))
    response, elapsed = post_registration(app)
    body = assert_unavailable(response, elapsed, within_s=3)
    assert "хранилището за сканирани файлове" in body["detail"]
    assert claimed_numbers() == []
    assert register_directly(bootstrap(settings(test_db))) == 1  # the number was not used up


def test_s3_that_never_answers_is_a_503_within_its_read_timeout(test_db, black_hole):
    app = bootstrap(settings(test_db), store=scan_store(settings(test_db, s3_endpoint=f"http://127.0.0.1:{black_hole.port}")))
    response, elapsed = post_registration(app, n=2)
    assert_unavailable(response, elapsed, within_s=4)
    assert claimed_numbers() == []
    assert register_directly(bootstrap(settings(test_db))) == 1


def test_s3_paused_mid_session_is_a_503_and_the_number_stays_free(test_db):
    relay = Relay(S3_PORT)
    try:
        app = bootstrap(settings(test_db, s3_endpoint=f"http://127.0.0.1:{relay.port}"))
        assert register_directly(app) == 1  # the pool now holds an open connection through the relay
        relay.silence()
        response, elapsed = post_registration(app)
        assert_unavailable(response, elapsed, within_s=4)
    finally:
        relay.close()
    assert claimed_numbers() == [1]
    assert register_directly(bootstrap(settings(test_db))) == 2


def test_mongo_that_never_answers_is_a_503_within_its_timeout(test_db, black_hole):
    app = bootstrap(settings(test_db))
    mongo.connect(ALIAS, f"mongodb://127.0.0.1:{black_hole.port}/{test_db.rsplit('/', 1)[1]}",
                  **app.settings.mongo_timeouts())
    response, elapsed = post_registration(app)
    body = assert_unavailable(response, elapsed, within_s=4)
    assert "базата данни" in body["detail"]
    app = bootstrap(settings(test_db))  # back on the real database
    assert claimed_numbers() == []
    assert register_directly(app) == 1


def test_mongo_paused_mid_session_is_a_503_and_the_number_stays_free(test_db):
    relay = Relay(MONGO_PORT)
    try:
        app = bootstrap(settings(test_db, mongo_uri=test_db.replace(f":{MONGO_PORT}/", f":{relay.port}/")))
        assert register_directly(app) == 1
        relay.silence()
        response, elapsed = post_registration(app)
        assert_unavailable(response, elapsed, within_s=5)
    finally:
        relay.close()
    app = bootstrap(settings(test_db))
    assert claimed_numbers() == [1]
    assert register_directly(app) == 2


def test_each_adapter_call_ends_within_its_bound(test_db, black_hole):
    """The store's own calls, one by one: each is Unavailable("s3") within the read timeout."""
    store = scan_store(settings(test_db, s3_endpoint=f"http://127.0.0.1:{black_hole.port}"))
    for call in (lambda: store.put("k", b"x", "application/pdf"), lambda: store.get("k"), lambda: store.exists("k"),
                 lambda: store.size("delovod-test", "k"), lambda: store.move("a", "b"), lambda: store.delete("k")):
        started = time.monotonic()
        with pytest.raises(Unavailable) as err:
            call()
        assert err.value.service == "s3" and time.monotonic() - started < 3
