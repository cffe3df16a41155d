"""The notifications service's composition root."""
from __future__ import annotations

import datetime as dt
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
        from .adapters.mongo_repository import (ALIAS, MongoNotificationRepository, AttemptDoc, NotificationDoc,
                                                 OutcomeDoc, RecipientDoc)

        mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_timeouts())
        mongo.ensure_indexes(NotificationDoc, RecipientDoc, OutcomeDoc, AttemptDoc)
        repo = MongoNotificationRepository()
        alias = ALIAS
    if channels is None:
        channels = default_channels(settings)
    dispatcher = Dispatcher(repo, channels, settings.kit.public_base_url, settings.max_attempts,
                            settings.retry_base_s, trace=current_traceparent, tz=settings.kit.timezone,
                            signed=signature(settings.kit.office_name, settings.kit.office_phone,
                                             settings.kit.office_email),
                            report_wait=dt.timedelta(hours=settings.sms_report_wait_h))
    return NotificationsApp(dispatcher, repo.outbox, settings, alias)


def default_channels(settings: NotificationsSettings) -> dict:
    """Email to the SMTP relay (a refused address falls back to the next channel), SMS
    through Kannel, post to the post room's spool."""
    from .adapters.channels import SmtpEmailChannel, SpoolChannel
    from .adapters.kannel import KannelSmsChannel
    from .adapters.refusals import HardBounces

    return {ContactChannel.EMAIL: HardBounces(SmtpEmailChannel(settings.smtp_host, settings.smtp_port,
                                                               settings.mail_from)),
            ContactChannel.SMS: KannelSmsChannel(
                settings.kannel_sendsms_url, settings.kannel_username, settings.kannel_password.get_secret_value(),
                settings.sms_sender, settings.sms_report_base_url, settings.auth_secret(), settings.kannel_smsc,
                settings.kannel_timeout_s, settings.sms_validity_min),
            ContactChannel.POST: SpoolChannel(settings.post_spool_dir, "post")}
