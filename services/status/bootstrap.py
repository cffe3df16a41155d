"""The status service's composition root."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Optional

from servicekit import mongo
from servicekit.providers import ServiceApp
from servicekit.tracing import current_traceparent

from .adapters.notifications_contact import RpcContactChanges
from .adapters.registry_terms import RpcTerms
from .service_layer.contact_changes import CitizenContacts
from .service_layer.guard import LookupGuard
from .service_layer.stage_sets import StageSets
from .service_layer.surveys import Surveys
from .service_layer.tracker import StatusTracker
from .settings import StatusSettings


@dataclass
class StatusApp(ServiceApp):
    tracker: StatusTracker
    outbox: object
    settings: StatusSettings
    rpc_clients: dict = field(default_factory=dict)
    mongo_alias: Optional[str] = None
    surveys: Optional[Surveys] = None
    contacts: Optional[CitizenContacts] = None
    stage_sets: Optional[StageSets] = None


def bootstrap(settings: StatusSettings, *, repo=None, attempts=None, survey_store=None,
              stage_set_repo=None) -> StatusApp:
    alias = None
    if repo is None:
        from .adapters.mongo_attempts import MongoAttemptStore
        from .adapters.mongo_repository import ALIAS, CaseDoc, MongoCaseRepository
        from .adapters.mongo_stage_sets import MongoStageSetRepository, StageSetDoc

        mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_options())
        mongo.ensure_indexes(CaseDoc, StageSetDoc)
        from servicekit.concurrently import green

        repo = MongoCaseRepository(concurrently=green)
        stage_set_repo = stage_set_repo or MongoStageSetRepository()
        attempts = attempts or MongoAttemptStore()
        from .adapters.mongo_surveys import MongoSurveyStore

        survey_store = survey_store or MongoSurveyStore()
        alias = ALIAS
    guard = LookupGuard(settings.lookup_failures_per_index, settings.lookup_failures_per_client,
                        settings.lookup_window_minutes * 60, store=attempts,
                        per_index_and_client=settings.lookup_failures_per_index_and_client)
    if stage_set_repo is None:
        from .adapters.memory_stage_sets import InMemoryStageSetRepository

        stage_set_repo = InMemoryStageSetRepository()
    stage_sets = StageSets(stage_set_repo, tz=settings.kit.timezone)
    stage_sets.seed()  # version 1 of every kind's set, from the code (idempotent)
    tracker = StatusTracker(repo, settings.access_code_keys(), trace=current_traceparent, guard=guard,
                            tz=settings.kit.timezone, stage_sets=stage_sets)
    if survey_store is None:
        from .adapters.memory_surveys import InMemorySurveyStore

        survey_store = InMemorySurveyStore()
    surveys = Surveys(survey_store, tracker, settings.kit.public_base_url.rstrip("/") + "/survey")
    tracker.survey_link = surveys.link_for
    terms = functools.partial(RpcTerms, timeout_s=settings.kit.rpc_timeout_s)
    notifications = functools.partial(RpcContactChanges, timeout_s=settings.kit.rpc_timeout_s)
    return StatusApp(tracker, repo.outbox, settings, rpc_clients={"registry": terms, "notifications": notifications},
                     mongo_alias=alias, surveys=surveys, contacts=CitizenContacts(tracker),
                     stage_sets=stage_sets)
