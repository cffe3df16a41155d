"""Every way into notifications: registry and status events, the dispatch timer, the
operators' API for dead letters and replay, each case's attempts (staff, RPC for the
desk), and the SMS gateway's delivery reports. (The outbox relay: servicekit.service.)"""
from __future__ import annotations

import datetime as dt

from nameko.rpc import rpc
from nameko.timer import timer
from nameko.web.handlers import http

from delovod_proto import topics
from delovod_proto.api.common import STAFF
from delovod_proto.api.notifications import (AttemptsQuery, DeadNotification, DeadNotifications, LetterPreview,
                                             LetterPreviewRequest, NotificationAttempt, NotificationAttempts,
                                             NotificationPath, PostBatch, PostBatchPath, ReplayAccepted,
                                             SmsReportAccepted, SmsReportQuery)
from delovod_proto.rpc import ContactChangeConfirmation, ContactChangeRequest
from servicekit.auth import authenticate
from servicekit.http import Problem, handle_problems, json_response
from servicekit.kafka import consume
from servicekit.parse import json_body, params
from servicekit.providers import App, RpcClient
from servicekit.service import DelovodService

from ..adapters.kannel import parse_report, signed
from ..bootstrap import bootstrap
from ..service_layer.correspondence import head_key
from ..service_layer.dispatcher import Busy, UnknownMessage

REPORT_FIELDS = ("n", "type", "report", "smsc_id", "at")


class NotificationsService(DelovodService):
    name = "notifications"

    app = App(bootstrap)
    catalogue = RpcClient("catalogue")

    # Events of different cases are independent (each case's in order): up to the setting
    # consumer_concurrency cases at once, so a consumer is not one database round trip and one
    # gateway call at a time (16 kept 52 SMS/s at most, 48 kept 79: docs/decisions.md).
    @consume(topics.DOCUMENTS_REGISTERED, concurrency="consumer_concurrency")
    def on_document_registered(self, envelope):
        self.app.dispatcher.on_document_registered(envelope.body())
        self.app.dispatcher.dispatch_due(envelope.correlation_id)  # letters that waited for this recipient

    @consume(topics.CASES_STATUS_CHANGED, concurrency="consumer_concurrency")
    def on_status_changed(self, envelope):
        # sent in this call; older letters of the case that are due go with the timer's round
        self.app.dispatcher.on_status_changed(envelope, self.catalogue, send_now=True)

    @consume(topics.CASES_OVERDUE)
    def on_case_overdue(self, envelope):
        self.app.dispatcher.on_case_overdue(envelope)
        self.app.dispatcher.dispatch_due(envelope.correlation_id)
        self.app.dispatcher.dispatch_due(head_key(envelope.correlation_id))

    @consume(topics.ACCESS_CODES_REISSUED)
    def on_access_code_reissued(self, envelope):
        self.app.dispatcher.on_access_code_reissued(envelope)
        self.app.dispatcher.dispatch_due(envelope.correlation_id)

    # Bounces that came back later, as the bounce receiver (entrypoints/bounces.py) handed them on:
    # one email's bounces in order (keyed by its bounce address).
    @consume(topics.NOTIFICATIONS_BOUNCES)
    def on_bounce_received(self, envelope):
        self.app.bounces.on_bounce_received(envelope.body())

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

    @http("GET", "/api/v1/notifications/attempts")
    @handle_problems
    def attempts(self, request):
        authenticate(request, self.app.settings.auth_secret(), STAFF)
        return json_response(self.case_attempts(params(AttemptsQuery, request).case_index))

    @rpc
    def case_attempts(self, case_index: str) -> dict:
        """Each try to reach the citizen of a case (NotificationAttempts as JSON), for the case history."""
        tz = self.app.settings.kit.timezone
        items = [NotificationAttempt(notification_id=a.notification_id, channel=a.channel, outcome=a.outcome, at=a.at,
                                     summary=a.summary(tz), detail=a.detail, segments=a.segments)
                 for a in self.app.dispatcher.history(case_index)]
        return NotificationAttempts(case_index=case_index, items=items).model_dump(mode="json")

    # -- a citizen's change of contact (status's page asks, after checking index and access code) --
    @rpc
    def start_contact_change(self, request: dict) -> dict:
        """ContactChangeRequest -> ContactChangeStarted: the code goes to the new address only
        (raises CaseNotFound when the case's recipient is not known here)."""
        started = self.app.contact_changes.start(ContactChangeRequest.model_validate(request))
        return started.model_dump(mode="json")

    @rpc
    def confirm_contact_change(self, request: dict) -> dict:
        """ContactChangeConfirmation -> ContactChangeOutcome (confirmed: letters go to the new address)."""
        return self.app.contact_changes.confirm(ContactChangeConfirmation.model_validate(request)).model_dump(mode="json")

    @http("GET", "/api/v1/notifications/sms-reports")
    @handle_problems
    def sms_report(self, request):
        """Kannel's call to an SMS's dlr-url. A report we cannot match changes nothing and is kept."""
        dispatcher, raw = self.app.dispatcher, {k: request.args.get(k) for k in REPORT_FIELDS}
        try:
            q = params(SmsReportQuery, request, detail="Отчетът за доставка на SMS е непълен или повреден.")
        except Problem:
            dispatcher.reject_report(str(raw["n"])[:200], "malformed", raw)
            raise
        if not signed(self.app.settings.auth_secret(), q.n, q.sig):
            dispatcher.reject_report(q.n, "bad signature", raw)
            raise Problem(403, "Forbidden", "Отчетът за доставка не е от нашия SMS шлюз: подписът не съвпада. "
                                            "Записан е, нищо не е променено.")
        report = parse_report(int(q.type), q.report, q.at, q.smsc_id, dt.datetime.now(dt.timezone.utc))
        try:
            result = dispatcher.on_delivery_report(q.n, report)
        except UnknownMessage:
            dispatcher.reject_report(q.n, "unknown message", raw)
            raise Problem(404, "Not Found", "Няма изпратено от нас SMS с този идентификатор. "
                                            "Отчетът е записан, нищо не е променено.")
        except Busy:
            raise Problem(503, "Service Unavailable", "Известието се обработва в момента; опитайте отново.")
        return json_response(SmsReportAccepted(id=q.n, result=result).model_dump(mode="json"))
