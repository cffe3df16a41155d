"""The desk's composition root."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from servicekit.auth import issue_token

from .domain.people import Person, parse_role_groups
from .service_layer.catalogue import CatalogueEdits
from .service_layer.stage_sets import StageSetEdits
from .service_layer.calendar_exceptions import CalendarExceptions
from .service_layer.operators import Operators
from .service_layer.sessions import Sessions
from .service_layer.throttle import FailureThrottle
from .service_layer.workspace import Workspace
from .settings import DeskSettings


@dataclass
class DeskApp:
    sessions: Sessions
    workspace: Workspace
    settings: DeskSettings
    operators: Operators = None
    catalogue: CatalogueEdits = None
    calendar: CalendarExceptions = None
    stage_sets: StageSetEdits = None

    def close(self):
        close = getattr(self.sessions.store, "close", None)
        if close:
            close()


def bootstrap(settings: DeskSettings, *, store=None, directory=None, services=None, roster=None,
              dead_letters=None) -> DeskApp:
    if store is None:
        from .adapters.mongo_roster import MongoRoster
        from .adapters.mongo_sessions import MongoSessions

        store = MongoSessions(settings.mongo_uri, **settings.kit.mongo_tls_options())
        roster = roster or MongoRoster(store.client.get_default_database())
    if roster is None:
        from .adapters.memory import MemoryRoster

        roster = MemoryRoster()
    if directory is None:
        from .adapters.ldap_directory import LdapDirectory

        directory = LdapDirectory(settings.ldap_url, settings.ldap_bind_name, settings.ldap_users_base,
                                  settings.ldap_username_attribute, settings.ldap_groups_base,
                                  parse_role_groups(settings.ldap_role_groups), settings.ldap_timeout_s, roster)
    if services is None:
        from .adapters.http_services import HttpServices

        secret = settings.auth_secret()

        def token(person: Person) -> str:  # the person's own short-lived staff token
            return issue_token(secret, person.uid, person.name, person.role, ttl_s=settings.token_ttl_s)

        services = HttpServices(token, settings.registry_url, settings.status_url, settings.catalogue_url,
                                settings.service_timeout_s, settings.notifications_url, settings.max_workers)
        if dead_letters is None:
            from .adapters.kafka_dead_letters import KafkaDeadLetters

            dead_letters = KafkaDeadLetters(settings.kit.kafka_bootstrap)
    throttle = FailureThrottle(settings.signin_failures_per_username_and_client, settings.signin_failures_per_username,
                               settings.signin_failures_per_client,
                               settings.signin_window_minutes * 60)
    sessions = Sessions(store, directory, throttle, dt.timedelta(minutes=settings.session_idle_minutes))
    return DeskApp(sessions, Workspace(services, roster), settings, Operators(services, dead_letters),
                   CatalogueEdits(services), CalendarExceptions(services), StageSetEdits(services))
