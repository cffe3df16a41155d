"""nameko RPC over the real RabbitMQ: typed errors and trace context cross the wire."""

import pytest
from nameko.rpc import RpcProxy, rpc
from nameko.standalone.rpc import ClusterRpcProxy
from opentelemetry import trace

from delovod_proto.rpc import ServiceNotFound
from servicekit.runner import nameko_config
from servicekit.settings import KitSettings, ServiceSettings
from servicekit.tracing import Tracing

pytestmark = pytest.mark.integration


class Backend:
    name = "probe_backend"
    tracing = Tracing()

    @rpc
    def term(self, code):
        if code == "x":
            raise ServiceNotFound("Няма услуга с код x")
        return {"traceparent": self.tracing_parent()}

    def tracing_parent(self):
        return format(trace.get_current_span().get_span_context().trace_id, "032x")


class Front:
    name = "probe_front"
    tracing = Tracing()
    backend = RpcProxy("probe_backend")

    @rpc
    def ask(self, code):
        mine = format(trace.get_current_span().get_span_context().trace_id, "032x")
        try:
            theirs = self.backend.term(code)["traceparent"]
        except ServiceNotFound as exc:
            return {"typed_error": str(exc)}
        return {"mine": mine, "theirs": theirs}


def test_rpc_roundtrip_shares_trace_and_raises_typed_errors(run_container):
    settings = ServiceSettings(kit=KitSettings())
    run_container(Backend, settings)
    run_container(Front, settings)
    with ClusterRpcProxy(nameko_config(settings), timeout=10) as cluster:
        answer = cluster.probe_front.ask("2016")
        assert answer["mine"] == answer["theirs"] != "0" * 32
        assert cluster.probe_front.ask("x") == {"typed_error": "Няма услуга с код x"}
        with pytest.raises(ServiceNotFound):
            cluster.probe_backend.term("x")
