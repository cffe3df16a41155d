"""Generic nameko DependencyProviders: the composition root is called once, in setup();
the service's background threads are nameko's own (``spawn_managed_thread``)."""
from __future__ import annotations

import logging
from typing import Callable, Optional, Protocol

import eventlet
from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy

from . import logs, mongo
from .errors import Unavailable
from .outbox import RelayLoop

log = logging.getLogger(__name__)


class ServiceApp:
    """Base of each service's app, what its composition root builds: use cases for the
    entrypoints, and for the providers ``outbox`` (relayed by :class:`Background`),
    ``background(publish)`` (the app's own loops), ``rpc_clients`` (adapters by target
    service, for :class:`RpcClient`) and ``close()`` (releases ``mongo_alias``'s connections)."""

    outbox: object
    mongo_alias: Optional[str] = None
    rpc_clients: dict = {}

    def background(self, publish) -> list:
        return []

    def close(self) -> None:
        if self.mongo_alias:
            mongo.disconnect(self.mongo_alias)


class App(DependencyProvider):
    """Injects the service layer that ``factory(settings)`` builds (the composition root).

    Built in ``setup()``, never at import time; ``factory`` gets the typed settings the
    runner put into the container config under ``SETTINGS``. On stop the app's ``close()``
    releases what it opened (its database connections).
    """

    def __init__(self, factory: Callable):
        self.factory = factory
        self.app = None

    def setup(self):
        self.app = self.factory(self.container.config["SETTINGS"])

    def stop(self):
        if self.app is not None:
            self.app.close()

    def get_dependency(self, worker_ctx):
        return self.app


class Loop(Protocol):
    """A background loop: ``run()`` until ``stop()`` is called."""

    name: str

    def run(self) -> None: ...

    def stop(self) -> None: ...


class Background(DependencyProvider):
    """The service's background threads, started and stopped by nameko: the outbox relay
    (every ``relay_interval_s``, so an event whose publication failed or was never tried
    goes out; an entry that keeps failing is retried with backoff and set aside, never
    holding up the others: ``servicekit.outbox``) and the loops the app names (``app.background(publish)``, e.g. the registry's
    completer). A loop that dies is logged and restarted: a managed thread that raised would
    kill the whole container.

    Injects ``relay(owner_id=None)``: an entrypoint that has just written events sends
    them now instead of waiting for the next round. ``app`` and ``publish`` name the
    service's :class:`App` and :class:`servicekit.kafka.KafkaPublisher` attributes.
    """

    STOP_GRACE_S = 10.0

    def __init__(self, relay_interval_s: float = 1.0, app: str = "app", publish: str = "publish"):
        self.relay_interval_s, self.app_attr, self.publish_attr = relay_interval_s, app, publish
        self.loops: list = []
        self.threads: list = []
        self.stopping = False

    def setup(self):
        providers = {d.attr_name: d for d in self.container.dependencies}
        self.app_provider, self.publisher_provider = providers[self.app_attr], providers[self.publish_attr]

    def start(self):
        app, publish = self.app_provider.app, self.publisher_provider.publisher()
        self.relay_loop = RelayLoop(app.outbox, self._once_started(publish), self.relay_interval_s)
        self.loops = [self.relay_loop, *app.background(publish)]
        self.stopping = False
        self.threads = [self.container.spawn_managed_thread(lambda loop=loop: self._keep_running(loop),
                                                            identifier=f"{self.container.service_name}.{loop.name}")
                        for loop in self.loops]

    def _once_started(self, publish):
        """``publish``, but while the producer is not started yet (Kafka slow to answer at
        start) an outage, which the relay waits out, not a failure of the entry it sends."""
        def send(topic, envelope, key=None):
            if getattr(self.publisher_provider, "producer", True) is None:
                raise Unavailable("kafka")
            return publish(topic, envelope, key=key)
        return send

    def _keep_running(self, loop: Loop) -> None:
        while not self.stopping:
            try:
                loop.run()
            except Exception as exc:  # log and go on: the next round retries
                logs.event(log, "background_loop_failed", logging.ERROR, loop=loop.name, error=repr(exc))
                eventlet.sleep(1.0)

    def stop(self):
        """Each loop finishes its round (bounded by ``STOP_GRACE_S``), then ends."""
        self.stopping = True
        for loop in self.loops:
            loop.stop()
        with eventlet.Timeout(self.STOP_GRACE_S, False):
            for thread in self.threads:
                thread.wait()
        for thread in self.threads:
            thread.kill()

    def kill(self):
        self.stopping = True
        for thread in self.threads:
            thread.kill()

    def get_dependency(self, worker_ctx):
        return self.relay_loop.relay_now


class RpcClient(RpcProxy):
    """Injects the app's adapter for ``target_service`` over nameko RPC: the composition
    root chooses it (``app.rpc_clients[target_service]``, called with the worker's own
    proxy, which carries the trace context), so no entrypoint builds an adapter."""

    def __init__(self, target_service: str, app: str = "app", **options):
        super().__init__(target_service, **options)
        self.app_attr = app

    def setup(self):
        super().setup()
        self.app_provider = {d.attr_name: d for d in self.container.dependencies}[self.app_attr]

    def get_dependency(self, worker_ctx):
        return self.app_provider.app.rpc_clients[self.target_service](super().get_dependency(worker_ctx))
