"""Every way into notifications: registry and status events, the dispatch timer, and the
operators' API for dead letters and replay. (The outbox relay: servicekit.service.)"""
from __future__ import annotations

from nameko.rpc import rpc
from nameko.timer import timer
from nameko.web.handlers import http

from delovod_proto import topics
from delovod_proto.api.notifications import (DeadNotification, DeadNotifications, LetterPreview,
                                             LetterPreviewRequest, NotificationPath, PostBatch, PostBatchPath,
                                             ReplayAccepted)
from servicekit.auth import authenticate
from servicekit.http import Problem, handle_problems, json_response
from servicekit.kafka import consume
from servicekit.parse import json_body, params
from servicekit.providers import App, RpcClient
from servicekit.service import DelovodService

from ..bootstrap import bootstrap
from ..service_layer.correspondence import head_key


class NotificationsService(DelovodService):
    name = "notifications"

    app = App(bootstrap)
    catalogue = RpcClient("catalogue")

    @consume(topics.DOCUMENTS_REGISTERED)
    def on_document_registered(self, envelope):
        self.app.dispatcher.on_document_registered(envelope.body())
        self.app.dispatcher.dispatch_due(envelope.correlation_id)

    @consume(topics.CASES_STATUS_CHANGED)
    def on_status_changed(self, envelope):
        self.app.dispatcher.on_status_changed(envelope, self.catalogue)
        self.app.dispatcher.dispatch_due(envelope.correlation_id)

    @consume(topics.CASES_OVERDUE)
    def on_case_overdue(self, envelope):
        self.app.dispatcher.on_case_overdue(envelope)
        self.app.dispatcher.dispatch_due(envelope.correlation_id)
        self.app.dispatcher.dispatch_due(head_key(envelope.correlation_id))

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

    # -- letters: previews for officials, the post room's batch ---------------------------------
    def _preview(self, request: LetterPreviewRequest) -> LetterPreview:
        letter, channel = self.app.dispatcher.preview(request.case_index, request.stage, request.reason,
                                                      request.due_date, request.official, self.catalogue)
        return LetterPreview(case_index=request.case_index, stage=request.stage, subject=letter.subject,
                             body=letter.body, channel=channel.value if channel else None)

    @rpc
    def preview(self, request: dict) -> dict:
        """For the desk: the letter a transition would send (LetterPreviewRequest -> LetterPreview)."""
        return self._preview(LetterPreviewRequest.model_validate(request)).model_dump(mode="json")

    @http("POST", "/api/v1/notifications/preview")
    @handle_problems
    def preview_letter(self, request):
        authenticate(request, self.app.settings.auth_secret(), ("official", "admin"))
        body = json_body(LetterPreviewRequest, request, "Очаква се JSON с case_index, stage и по избор reason, "
                                                        "due_date и official.")
        return json_response(self._preview(body).model_dump(mode="json"))

    @http("GET", "/api/v1/notifications/post-room/<string:day>")
    @handle_problems
    def post_batch(self, request, day):
        authenticate(request, self.app.settings.auth_secret(), ("clerk", "admin"))
        day = params(PostBatchPath, request, {"day": day}, detail="Денят трябва да е дата ГГГГ-ММ-ДД.").day
        b = self.app.post_room.batch(day)
        return json_response(PostBatch(day=b.day, letters=b.letters, ready=b.ready, object_key=b.object_key,
                                       url=b.url).model_dump(mode="json"))
