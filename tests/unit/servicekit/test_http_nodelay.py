"""Every service's HTTP server sends a large answer on a kept-alive connection at once:
TCP_NODELAY on its socket. Without it (nameko's plain server) eventlet's separate writes of
headers and body meet Nagle and the client's delayed ACK: about 40 ms per answer."""
import http.client as http_client
import importlib
import socket
import statistics
import time

import pytest
from nameko.containers import ServiceContainer
from nameko.web.handlers import http
from nameko.web.server import WebServer
from werkzeug.wrappers import Response

from servicekit.service import NoDelayHttp, NoDelayWebServer

# Like the catalogue's 50-result search answer. On loopback (MSS 64 KB) the delay shows for
# bodies between about 16 KB and 32 KB (measured: 17 KB 47 ms, 20 and 32 KB 44 ms; 8 KB and
# 48 KB and up under 1 ms; on the stack, the catalogue's 16.5 KB 50-service listing 44 ms).
BIG = b"x" * (24 * 1024)


class Plain:
    name = "plain_http_probe"

    @http("GET", "/big")
    def big(self, request):
        return Response(BIG, mimetype="application/octet-stream")


class NoDelay(Plain):
    name = "nodelay_http_probe"
    http_server = NoDelayHttp()


def median_ms(service_cls, requests: int = 10) -> float:
    container = ServiceContainer(service_cls, {"WEB_SERVER_ADDRESS": "127.0.0.1:0"})
    container.start()
    try:
        server = container.shared_extensions[WebServer]
        connection = http_client.HTTPConnection(*server._sock.getsockname()[:2], timeout=10)
        took = []
        for _ in range(requests + 1):  # the first one opens the connection
            start = time.perf_counter()
            connection.request("GET", "/big")
            response = connection.getresponse()
            assert response.status == 200 and len(response.read()) == len(BIG)
            took.append((time.perf_counter() - start) * 1000)
        connection.close()
        return statistics.median(took[1:])
    finally:
        container.kill()


def test_a_large_answer_on_a_kept_alive_connection_is_not_delayed():
    nodelay, plain = median_ms(NoDelay), median_ms(Plain)
    print(f"median of 10 kept-alive 24 KB answers: {nodelay:.1f} ms with TCP_NODELAY, {plain:.1f} ms without")
    assert nodelay < 30, f"{nodelay:.1f} ms"
    assert plain > 30, f"without TCP_NODELAY {plain:.1f} ms: the test no longer shows the delay it guards against"


@pytest.mark.parametrize("service", ["registry.RegistryService", "status.StatusService", "catalogue.CatalogueService",
                                     "notifications.NotificationsService", "desk.DeskService"])
def test_every_service_serves_http_with_nodelay(service):
    package, name = service.split(".")
    service_cls = getattr(importlib.import_module(f"{package}.entrypoints.service"), name)
    container = ServiceContainer(service_cls, {"WEB_SERVER_ADDRESS": "127.0.0.1:0", "SETTINGS": None, "AMQP_URI": "amqp://127.0.0.1:1/"})
    server = container.shared_extensions[WebServer]
    assert isinstance(server, NoDelayWebServer)  # the one server every @http route of the service uses (the catalogue: a subclass)
    assert all(e.server is server for e in container.entrypoints if hasattr(e, "server"))


def test_the_listening_socket_has_nodelay():
    container = ServiceContainer(NoDelay, {"WEB_SERVER_ADDRESS": "127.0.0.1:0"})
    container.start()
    try:
        assert container.shared_extensions[WebServer]._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        container.kill()
