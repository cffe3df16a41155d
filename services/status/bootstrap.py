"""The status service's composition root."""
from __future__ import annotations

from dataclasses import dataclass

from servicekit import mongo
from servicekit.tracing import current_traceparent

from .service_layer.tracker import StatusTracker
from .settings import StatusSettings


@dataclass
class StatusApp:
    tracker: StatusTracker
    outbox: object
    settings: StatusSettings


def bootstrap(settings: StatusSettings, *, repo=None, outbox=None) -> StatusApp:
    if repo is None:
        from .adapters.mongo_repository import ALIAS, CaseDoc, MongoCaseRepository

        mongo.connect(ALIAS, settings.mongo_uri)
        mongo.ensure_indexes(CaseDoc)
        repo = MongoCaseRepository()
        outbox = repo.outbox
    return StatusApp(StatusTracker(repo, settings.access_code_keys(), trace=current_traceparent), outbox, settings)
