"""The notifications service's composition root."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from delovod_proto.vocabulary import ContactChannel
from servicekit import mongo
from servicekit.providers import ServiceApp
from servicekit.tracing import current_traceparent

from .domain.messages import signature
from .service_layer.dispatcher import Dispatcher
from .settings import NotificationsSettings


@dataclass
class NotificationsApp(ServiceApp):
    dispatcher: Dispatcher
    outbox: object
    settings: NotificationsSettings
    mongo_alias: Optional[str] = None


def bootstrap(settings: NotificationsSettings, *, repo=None, channels=None) -> NotificationsApp:
    alias = None
    if repo is None:
        from .adapters.mongo_repository import (ALIAS, MongoNotificationRepository, NotificationDoc, OutcomeDoc,
                                                 RecipientDoc)

        mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_options())
        mongo.ensure_indexes(NotificationDoc, RecipientDoc, OutcomeDoc)
        repo = MongoNotificationRepository()
        alias = ALIAS
    if channels is None:
        from .adapters.channels import SmtpEmailChannel, SpoolChannel

        channels = {ContactChannel.EMAIL: SmtpEmailChannel(settings.smtp_host, settings.smtp_port, settings.mail_from,
                                                                       **settings.smtp_security()),
                    ContactChannel.SMS: SpoolChannel(settings.sms_spool_dir, "sms"),
                    ContactChannel.POST: SpoolChannel(settings.post_spool_dir, "post")}
    dispatcher = Dispatcher(repo, channels, settings.kit.public_base_url, settings.max_attempts,
                            settings.retry_base_s, trace=current_traceparent, tz=settings.kit.timezone,
                            signed=signature(settings.kit.office_name, settings.kit.office_phone,
                                             settings.kit.office_email))
    return NotificationsApp(dispatcher, repo.outbox, settings, alias)
