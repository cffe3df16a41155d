"""Every call to a dependency is bounded by a typed setting, and what the adapters raise
when one is down becomes Unavailable, which HTTP answers with 503 and Retry-After."""
import json
import time

import eventlet
import mongoengine
import pytest
from pymongo.errors import AutoReconnect, DuplicateKeyError, ServerSelectionTimeoutError
from urllib3.exceptions import MaxRetryError, NewConnectionError
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from registry.adapters.catalogue_client import RpcCatalogue
from registry.bootstrap import S3_BACKGROUND_THREADS, scan_store
from registry.settings import RegistrySettings
from servicekit import mongo
from servicekit.errors import Unavailable, outages_unavailable
from servicekit.http import Problem, handle_problems
from status.adapters.registry_terms import RpcTerms
from status.settings import StatusSettings


def test_the_s3_pool_and_timeouts_follow_the_settings():
    settings = RegistrySettings(max_workers=7, s3_connect_timeout_s=1.5, s3_read_timeout_s=4, s3_retries=1,
                                s3_connection_wait_s=2)
    http = scan_store(settings).client._http  # the client minio calls
    assert http.connection_pool_kw["maxsize"] == 7 + S3_BACKGROUND_THREADS and http.connection_pool_kw["block"]
    timeout, retries = http.connection_pool_kw["timeout"], http.connection_pool_kw["retries"]
    assert (timeout.connect_timeout, timeout.read_timeout) == (1.5, 4)
    assert (retries.total, retries.connect, retries.read, retries.status) == (1, 1, 0, 1)
    assert http.pool_timeout == 2


def test_every_mongo_operation_is_bounded_by_the_settings():
    settings = StatusSettings(mongo_uri="mongodb://127.0.0.1:1/bounds", mongo_operation_timeout_ms=1234,
                              mongo_connect_timeout_ms=567, mongo_server_selection_timeout_ms=890)
    mongo.connect("bounds-test", settings.mongo_uri, **settings.mongo_timeouts())
    try:
        options = mongoengine.get_connection("bounds-test").options
        assert options.timeout == 1.234  # pymongo's timeoutMS: the whole operation, retries included
        assert options.pool_options.connect_timeout == 0.567 and options.server_selection_timeout == 0.89
    finally:
        mongoengine.disconnect("bounds-test")


class Adapter:
    def __init__(self, error):
        self.error = error

    def call(self):
        raise self.error

    def rows(self):
        yield 1
        raise self.error


Guarded = outages_unavailable("mongodb", mongo.OUTAGES)(type("Guarded", (Adapter,), {
    "call": Adapter.call, "rows": Adapter.rows}))


@pytest.mark.parametrize("error", [ServerSelectionTimeoutError("no server"), AutoReconnect("reset")])
def test_an_adapters_outage_errors_become_unavailable(error):
    with pytest.raises(Unavailable) as err:
        Guarded(error).call()
    assert err.value.service == "mongodb" and err.value.__cause__ is error
    with pytest.raises(Unavailable):
        list(Guarded(error).rows())


def test_other_errors_of_an_adapter_stay_what_they_are():
    with pytest.raises(DuplicateKeyError):
        Guarded(DuplicateKeyError("taken")).call()


def test_the_s3_stores_outages_become_unavailable():
    from registry.adapters.s3_store import OUTAGES

    refused = MaxRetryError(None, "/k", NewConnectionError(None, "refused"))
    assert isinstance(refused, OUTAGES)


def serve(error):
    class Endpoint:
        @handle_problems
        def serve(self, request):
            raise error
    response = Endpoint().serve(Request(EnvironBuilder(path="/api/v1/documents").get_environ()))
    return response, json.loads(response.get_data())


def test_a_dependency_that_is_down_is_a_503_naming_it_in_bulgarian():
    response, body = serve(Unavailable("s3", cause=ConnectionRefusedError(111, "refused")))
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert body["detail"] == ("Услугата временно не може да изпълни заявката: хранилището за сканирани файлове "
                              "не отговаря. Опитайте отново след минута.")
    assert "refused" not in json.dumps(body)


def test_every_503_carries_retry_after():
    response, _ = serve(Problem(503, "Service Unavailable", "Регистърът е претоварен; опитайте отново."))
    assert response.headers["Retry-After"] == "60"


class LateProxy:
    def get_service_term(self, request):
        eventlet.sleep(5)

    def resume_term(self, request):
        eventlet.sleep(5)


def test_rpc_clients_give_up_after_the_configured_time():
    import datetime as dt

    from delovod_proto.rpc import ResumeTermRequest
    from delovod_proto.vocabulary import ServiceVariant

    resumed = ResumeTermRequest(due_date=dt.date(2026, 12, 10), suspended_on=dt.date(2026, 12, 1),
                                resumed_on=dt.date(2026, 12, 3))

    for call, service in ((lambda: RpcCatalogue(LateProxy(), 0.05).service_term("2104", dt.date(2026, 1, 5),
                                                                                  ServiceVariant.ORDINARY), "catalogue"),
                          (lambda: RpcTerms(LateProxy(), 0.05).resume(resumed), "registry")):
        started = time.monotonic()
        with pytest.raises(Unavailable) as err:
            call()
        assert err.value.service == service and time.monotonic() - started < 1


class StuckPublish:
    """A nameko method proxy whose request's publish waits for a broker confirm that comes late."""

    def __init__(self, confirm_after_s: float):
        self.confirm_after_s, self.published = confirm_after_s, False

    def call_async(self, request):
        eventlet.sleep(self.confirm_after_s)
        self.published = True
        return self

    def result(self):
        return {"late": True}


def test_an_rpc_whose_publish_hangs_gives_up_in_time_and_leaves_the_publish_to_finish():
    from servicekit.errors import call_rpc

    method = StuckPublish(confirm_after_s=0.3)
    started = time.monotonic()
    with pytest.raises(Unavailable):
        call_rpc("catalogue", method, {"x": 1}, timeout_s=0.05)
    assert time.monotonic() - started < 0.25 and not method.published
    eventlet.sleep(0.4)
    assert method.published  # never interrupted: its channel goes back to the pool with no confirm outstanding
