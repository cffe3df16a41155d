"""Every way into notifications: registry and status events, the dispatch timer, and the
operators' API for dead letters and replay. (The outbox relay: servicekit.service.)"""
from __future__ import annotations

from nameko.timer import timer
from nameko.web.handlers import http

from delovod_proto import topics
from delovod_proto.api.notifications import DeadNotification, DeadNotifications, NotificationPath, ReplayAccepted
from servicekit.auth import authenticate
from servicekit.http import Problem, handle_problems, json_response
from servicekit.kafka import consume
from servicekit.parse import params
from servicekit.providers import App
from servicekit.service import DelovodService

from ..bootstrap import bootstrap


class NotificationsService(DelovodService):
    name = "notifications"

    app = App(bootstrap)

    @consume(topics.DOCUMENTS_REGISTERED)
    def on_document_registered(self, envelope):
        self.app.dispatcher.on_document_registered(envelope.body())
        self.app.dispatcher.dispatch_due(envelope.correlation_id)

    @consume(topics.CASES_STATUS_CHANGED)
    def on_status_changed(self, envelope):
        self.app.dispatcher.on_status_changed(envelope)
        self.app.dispatcher.dispatch_due(envelope.correlation_id)

    @consume(topics.ACCESS_CODES_REISSUED)
    def on_access_code_reissued(self, envelope):
        self.app.dispatcher.on_access_code_reissued(envelope)
        self.app.dispatcher.dispatch_due(envelope.correlation_id)

    @timer(interval=2)
    def dispatch(self):
        self.app.dispatcher.dispatch_due()

    @http("GET", "/api/v1/notifications/dead")
    @handle_problems
    def dead_letters(self, request):
        authenticate(request, self.app.settings.auth_secret(), ("admin",))
        return json_response(DeadNotifications(items=[
            DeadNotification(id=n.id, case_index=n.case_index, attempts=n.attempts, last_error=n.last_error,
                             channel=n.channel) for n in self.app.dispatcher.dead()]).model_dump(mode="json"))

    @http("POST", "/api/v1/notifications/<string:notification_id>/replay")
    @handle_problems
    def replay(self, request, notification_id):
        authenticate(request, self.app.settings.auth_secret(), ("admin",))
        notification_id = params(NotificationPath, request, {"notification_id": notification_id}).notification_id
        if not self.app.dispatcher.replay(notification_id):
            raise Problem(404, "Not Found", "Няма неуспешно известие с този идентификатор.")
        return json_response(ReplayAccepted(id=notification_id, status="pending").model_dump(mode="json"), status=202)
