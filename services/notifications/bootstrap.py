"""The notifications service's composition root."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Optional

from delovod_proto.vocabulary import ContactChannel
from servicekit import mongo
from servicekit.providers import ServiceApp
from servicekit.tracing import current_traceparent

from .adapters.catalogue_client import RpcCatalogue
from .domain.letters import Office
from .domain.messages import signature
from .domain.verp import Verp
from .service_layer.bounces import Bounces
from .service_layer.contact_changes import ContactChanges
from .service_layer.correspondence import Correspondence
from .service_layer.dispatcher import Dispatcher
from .settings import NotificationsSettings


@dataclass
class NotificationsApp(ServiceApp):
    dispatcher: Dispatcher
    outbox: object
    settings: NotificationsSettings
    mongo_alias: Optional[str] = None
    post_room: object = None  # adapters.post_room.PostRoom: the daily batch for the post room
    rpc_clients: dict = field(default_factory=dict)
    contact_changes: Optional[ContactChanges] = None
    bounces: Optional[Bounces] = None  # DSNs that come back later to an email's VERP address


def bootstrap(settings: NotificationsSettings, *, repo=None, channels=None, case_files=None,
              post_room=None, contact_store=None) -> NotificationsApp:
    alias = None
    office = Office(settings.kit.office_name, settings.kit.office_phone, settings.kit.office_email)
    if repo is None:
        from .adapters.mongo_repository import (ALIAS, MongoNotificationRepository, AttemptDoc, NotificationDoc,
                                                 OutcomeDoc, RecipientDoc)

        mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_options())
        mongo.ensure_indexes(NotificationDoc, RecipientDoc, OutcomeDoc, AttemptDoc)
        repo = MongoNotificationRepository()
        alias = ALIAS
        if case_files is None:
            from .adapters.case_files import MongoCaseFiles

            case_files = MongoCaseFiles(ALIAS)
        if contact_store is None:
            from .adapters.contact_changes import MongoContactChangeStore

            contact_store = MongoContactChangeStore(ALIAS)
    if case_files is None:
        from .adapters.case_files import InMemoryCaseFiles

        case_files = InMemoryCaseFiles()
    if contact_store is None:
        from .adapters.contact_changes import InMemoryContactChangeStore

        contact_store = InMemoryContactChangeStore()
    if post_room is None:
        from .adapters.post_room import PostRoom, PostRoomStore

        post_room = PostRoom(PostRoomStore(settings.post_s3_endpoint, settings.post_s3_access_key,
                                           settings.post_s3_secret_key, settings.post_s3_bucket),
                             office, settings.kit.timezone)
    if channels is None:
        channels = default_channels(settings, post_room)
    correspondence = Correspondence(case_files, office, settings.kit.public_base_url, settings.kit.timezone,
                                    settings.unit_heads, settings.escalation_email)
    dispatcher = Dispatcher(repo, channels, settings.kit.public_base_url, settings.max_attempts,
                            settings.retry_base_s, trace=current_traceparent, tz=settings.kit.timezone,
                            signed=signature(settings.kit.office_name, settings.kit.office_phone,
                                             settings.kit.office_email), correspondence=correspondence,
                            report_wait=dt.timedelta(hours=settings.sms_report_wait_h))
    catalogue = functools.partial(RpcCatalogue, timeout_s=settings.kit.rpc_timeout_s)
    contact_changes = ContactChanges(contact_store, dispatcher, settings.auth_secret(), settings.kit.timezone)
    return NotificationsApp(dispatcher, repo.outbox, settings, alias, post_room, {"catalogue": catalogue},
                            contact_changes, Bounces(dispatcher, verp(settings), dt.timedelta(days=settings.bounce_reopen_days)))


def verp(settings: NotificationsSettings) -> Verp:
    """Each email's envelope sender names its notification, signed with the service's key."""
    return Verp(settings.bounce_local_part, settings.bounce_domain, settings.auth_secret())


def default_channels(settings: NotificationsSettings, post_room) -> dict:
    """Email to the SMTP relay (a refused address falls back to the next channel), SMS
    through Kannel, post to the post room (its daily batch)."""
    from .adapters.channels import SmtpEmailChannel
    from .adapters.kannel import KannelSmsChannel
    from .adapters.refusals import HardBounces

    return {ContactChannel.EMAIL: HardBounces(SmtpEmailChannel(settings.smtp_host, settings.smtp_port,
                                                               settings.mail_from, **settings.smtp_security(),
                                                               envelope_from=verp(settings).address)),
            ContactChannel.SMS: KannelSmsChannel(
                settings.kannel_sendsms_url, settings.kannel_username, settings.kannel_password.get_secret_value(),
                settings.sms_sender, settings.sms_report_base_url, settings.auth_secret(), settings.kannel_smsc,
                settings.kannel_timeout_s, settings.sms_validity_min),
            ContactChannel.POST: post_room}
