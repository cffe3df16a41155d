"""The notifications service's composition root."""
from __future__ import annotations

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


def bootstrap(settings: NotificationsSettings, *, repo=None, channels=None, case_files=None,
              post_room=None) -> NotificationsApp:
    alias = None
    office = Office(settings.kit.office_name, settings.kit.office_phone, settings.kit.office_email)
    if repo is None:
        from .adapters.mongo_repository import (ALIAS, MongoNotificationRepository, NotificationDoc, OutcomeDoc,
                                                 RecipientDoc)

        mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_options())
        mongo.ensure_indexes(NotificationDoc, RecipientDoc, OutcomeDoc)
        repo = MongoNotificationRepository()
        alias = ALIAS
        if case_files is None:
            from .adapters.case_files import MongoCaseFiles

            case_files = MongoCaseFiles(ALIAS)
    if case_files is None:
        from .adapters.case_files import InMemoryCaseFiles

        case_files = InMemoryCaseFiles()
    if post_room is None:
        from .adapters.post_room import PostRoom, PostRoomStore

        post_room = PostRoom(PostRoomStore(settings.post_s3_endpoint, settings.post_s3_access_key,
                                           settings.post_s3_secret_key, settings.post_s3_bucket),
                             office, settings.kit.timezone)
    if channels is None:
        from .adapters.channels import SmtpEmailChannel, SpoolChannel

        channels = {ContactChannel.EMAIL: SmtpEmailChannel(settings.smtp_host, settings.smtp_port, settings.mail_from,
                                                                       **settings.smtp_security()),
                    ContactChannel.SMS: SpoolChannel(settings.sms_spool_dir, "sms"),
                    ContactChannel.POST: post_room}
    correspondence = Correspondence(case_files, office, settings.kit.public_base_url, settings.kit.timezone,
                                    settings.unit_heads, settings.escalation_email)
    dispatcher = Dispatcher(repo, channels, settings.kit.public_base_url, settings.max_attempts,
                            settings.retry_base_s, trace=current_traceparent, tz=settings.kit.timezone,
                            signed=signature(settings.kit.office_name, settings.kit.office_phone,
                                             settings.kit.office_email), correspondence=correspondence)
    catalogue = functools.partial(RpcCatalogue, timeout_s=settings.kit.rpc_timeout_s)
    return NotificationsApp(dispatcher, repo.outbox, settings, alias, post_room, {"catalogue": catalogue})
