"""The status service's composition root."""
from __future__ import annotations

from dataclasses import dataclass

from servicekit import mongo
from servicekit.tracing import current_traceparent

from .service_layer.guard import LookupGuard
from .service_layer.tracker import StatusTracker
from .settings import StatusSettings


@dataclass
class StatusApp:
    tracker: StatusTracker
    outbox: object
    settings: StatusSettings


def bootstrap(settings: StatusSettings, *, repo=None, outbox=None, attempts=None) -> StatusApp:
    if repo is None:
        from .adapters.mongo_attempts import MongoAttemptStore
        from .adapters.mongo_repository import ALIAS, CaseDoc, MongoCaseRepository

        mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_timeouts())
        mongo.ensure_indexes(CaseDoc)
        repo = MongoCaseRepository()
        outbox = repo.outbox
        attempts = attempts or MongoAttemptStore()
    guard = LookupGuard(settings.lookup_failures_per_index, settings.lookup_failures_per_client,
                        settings.lookup_window_minutes * 60, store=attempts,
                        per_index_and_client=settings.lookup_failures_per_index_and_client)
    tracker = StatusTracker(repo, settings.access_code_keys(), trace=current_traceparent, guard=guard,
                            tz=settings.kit.timezone)
    return StatusApp(tracker, outbox, settings)
