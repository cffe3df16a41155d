"""Every way into the registry: the clerks' HTTP API, e-portal events, the outbox timer."""
from __future__ import annotations

import json
import re

import eventlet
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer
from nameko.web.handlers import http
from pydantic import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from delovod_proto import topics
from delovod_proto.rpc import ResumeTermRequest
from servicekit.auth import authenticate
from servicekit.http import Problem, handle_problems, json_response, pydantic_errors
from servicekit.kafka import KafkaPublisher, PermanentFailure, consume
from servicekit.outbox import relay
from servicekit.providers import App
from servicekit.tracing import Tracing

from ..adapters import pdf_receipt
from ..adapters.catalogue_client import RpcCatalogue
from ..bootstrap import bootstrap
from ..domain.commands import RegisterDocument
from ..service_layer import eportal, terms
from ..service_layer.calendar_table import StaleTable
from ..service_layer.registry import Rejected
from . import views
from .completion import Completer



def _problem(exc: Rejected) -> Problem:
    return Problem(exc.status, {404: "Not Found", 409: "Conflict"}.get(exc.status, "Unprocessable Content"),
                   exc.detail, errors=exc.errors, extra=exc.extra)


def _too_large(mb: int) -> Problem:
    return Problem(413, "Content Too Large", f"Заявката е твърде голяма: до {mb} MB общо за сканираните файлове.",
                   errors=[{"field": "scan", "message": f"Общият размер надхвърля {mb} MB."}])


IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,100}")


def _request_key(request, clerk: str):
    """The clerk's ``Idempotency-Key`` header (1-100 visible ASCII characters), scoped to
    the clerk: a repeated request gets the first one's registration (IETF draft
    httpapi-idempotency-key-header)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise Problem(400, "Bad Request", "Невалиден заглавен ред Idempotency-Key: до 100 видими ASCII знака.",
                      errors=[{"field": "Idempotency-Key", "message": "До 100 видими ASCII знака."}])
    return f"{clerk}:{key}"


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


class RegistryService:
    name = "registry"

    app = App(bootstrap)
    catalogue_rpc = RpcProxy("catalogue")
    publish = KafkaPublisher()
    tracing = Tracing()

    @rpc
    def resume_term(self, request: dict) -> dict:
        """For status: the due date of a suspended case that resumes (ResumeTermRequest ->
        ResumedTerm), on the registry's working calendar."""
        return terms.resume(ResumeTermRequest.model_validate(request), self.app.calendar.current()).model_dump(mode="json")

    @http("POST", "/api/v1/documents")
    @handle_problems
    def register_document(self, request):
        """Multipart: a ``metadata`` JSON part and one or more ``scan`` files."""
        principal = authenticate(request, self.app.settings.auth_secret(), ("clerk", "official", "admin"))
        limit = self.app.settings.max_request_mb * 1024 * 1024
        if (request.content_length or 0) > limit:
            raise _too_large(self.app.settings.max_request_mb)
        request.max_content_length = limit  # also for a body sent without its length
        with self.app.uploads.hold(request.content_length or limit):
            return self._register(request, principal)

    def _register(self, request, principal):
        try:
            request.form
        except RequestEntityTooLarge:
            raise _too_large(self.app.settings.max_request_mb)
        raw = request.form.get("metadata") or (request.files["metadata"].read() if "metadata" in request.files else None)
        if not raw:
            raise Problem(400, "Bad Request", "Липсва частта metadata (JSON).", errors=[{"field": "metadata", "message": "Полето е задължително."}])
        try:
            command = RegisterDocument.model_validate_json(raw)
        except ValidationError as exc:
            raise Problem(422, "Unprocessable Content", "Данните на документа са невалидни.", errors=pydantic_errors(exc, "metadata."))
        files = [(f.filename or "scan", f.read()) for f in request.files.getlist("scan")]
        try:
            done = self.app.registry.register(command, files, principal.subject, RpcCatalogue(self.catalogue_rpc),
                                              request_key=_request_key(request, principal.subject))
        except Rejected as exc:
            raise _problem(exc)
        # The number is claimed and the events are in the outbox: answer the clerk now and
        # finish meanwhile (if the process dies first, the relay timer does it).
        self._completer().submit(done)
        return json_response(views.registered(done), status=201 if done.created else 200,
                             headers={"Cache-Control": "no-store"})  # the access code, shown once

    @http("GET", "/api/v1/documents/by-index")
    @handle_problems
    def get_document(self, request):
        authenticate(request, self.app.settings.auth_secret())
        try:
            return json_response(views.registration(self.app.registry.get(request.args.get("index", ""))))
        except Rejected as exc:
            raise _problem(exc)

    @http("GET", "/api/v1/documents/scan-url")
    @handle_problems
    def scan_url(self, request):
        principal = authenticate(request, self.app.settings.auth_secret())
        try:
            url = self.app.registry.scan_url(request.args.get("index", ""), int(request.args.get("n", "1")), principal.subject)
        except (Rejected, ValueError) as exc:
            raise _problem(exc if isinstance(exc, Rejected) else Rejected(400, "Параметърът n трябва да е число."))
        return json_response({"url": url, "expires_in_s": 300})

    @http("GET", "/api/v1/documents/receipt.pdf")
    @handle_problems
    def receipt(self, request):
        """The citizen's receipt; pass ``code`` (shown once at registration) to print it on it."""
        principal = authenticate(request, self.app.settings.auth_secret())
        code = request.args.get("code") or None
        try:
            registration = self.app.registry.for_printing(request.args.get("index", ""), code, principal.subject)
        except Rejected as exc:
            raise _problem(exc)
        s = self.app.settings
        office = pdf_receipt.OfficeInfo(s.office_name, s.office_hours, s.office_phone, s.office_email)
        response = _pdf(pdf_receipt.receipt_pdf(registration, code, s.kit.public_base_url, office), "receipt.pdf")
        if code:
            response.headers["Cache-Control"] = "no-store"  # it carries the access code
        return response

    @http("POST", "/api/v1/documents/access-code")
    @handle_problems
    def reissue_access_code(self, request):
        """A new access code for the case of ``index`` (JSON ``{"reason": "..."}``): for a
        citizen who lost theirs, or when the answer that showed it never reached the clerk.
        Shown once; the old code stops working."""
        principal = authenticate(request, self.app.settings.auth_secret(), ("clerk", "official", "admin"))
        index = request.args.get("index", "").strip()
        if not index:
            raise Problem(400, "Bad Request", "Посочете индекса на документа (параметър index).",
                          errors=[{"field": "index", "message": "Полето е задължително."}])
        try:
            body = json.loads(request.get_data() or b"{}")
            reason = body.get("reason") if isinstance(body, dict) else None
        except ValueError:
            raise Problem(400, "Bad Request", "Тялото трябва да е JSON: {\"reason\": \"...\"}.")
        try:
            done = self.app.registry.reissue_access_code(index, principal.subject,
                                                         reason if isinstance(reason, str) else "")
        except Rejected as exc:
            raise _problem(exc)
        eventlet.spawn_n(self._completer().send, [done.event])  # after the answer; else the relay timer sends it
        return json_response(views.reissued(done), status=201, headers={"Cache-Control": "no-store"})

    @http("GET", "/api/v1/documents/stamp.pdf")
    @handle_problems
    def stamp(self, request):
        """A label with the index and barcodes, to stick on the paper original."""
        authenticate(request, self.app.settings.auth_secret())
        try:
            registration = self.app.registry.get(request.args.get("index", ""))
        except Rejected as exc:
            raise _problem(exc)
        return _pdf(pdf_receipt.stamp_pdf(registration), "stamp.pdf")

    @http("GET", "/api/v1/calendar/exceptions")
    @handle_problems
    def calendar_exceptions(self, request):
        """The operator's extra days off and working Saturdays, with the table's version."""
        authenticate(request, self.app.settings.auth_secret())
        rows, version = self.app.calendar.rows()
        return json_response(views.calendar_table(rows, version))

    @http("PUT", "/api/v1/calendar/exceptions")
    @handle_problems
    def replace_calendar_exceptions(self, request):
        """Admins replace the whole table: JSON ``{"version": n, "exceptions": [{date, kind, reason}]}``
        with the version they read (a stale edit gets 409)."""
        principal = authenticate(request, self.app.settings.auth_secret(), ("admin",))
        try:
            edit = views.CalendarEdit.model_validate_json(request.get_data() or b"{}")
            self.app.calendar.replace([r.model_dump() for r in edit.exceptions], edit.version, principal.subject)
        except ValidationError as exc:
            raise Problem(422, "Unprocessable Content", "Таблицата с изключенията е невалидна.", errors=pydantic_errors(exc))
        except ValueError as exc:
            raise Problem(422, "Unprocessable Content", str(exc), errors=[{"field": "exceptions", "message": str(exc)}])
        except StaleTable as exc:
            raise Problem(409, "Conflict", str(exc))
        return json_response(views.calendar_table(*self.app.calendar.rows()))  # as stored

    @http("GET", "/health")
    def health(self, request):
        return json_response({"status": "ok", "service": self.name})

    # Submissions are independent: up to 12 at once (of the 20 workers), those with the same key in order.
    @consume(topics.EPORTAL_SUBMISSIONS, concurrency=12)
    def register_submission(self, envelope):
        try:
            done = eportal.register_submission(self.app.registry, envelope.body(), RpcCatalogue(self.catalogue_rpc),
                                               hold=self.app.uploads.hold)
        except Rejected as exc:
            raise PermanentFailure(exc.detail, exc.errors) from None  # fields, never values: no traceback
        # Back only when its events are out: the consumer commits the submission after that,
        # so a failure before means the submission comes again (its outbox).
        self._completer().submit(done, wait=True)

    def _completer(self) -> Completer:
        app = self.app
        if getattr(app, "completer", None) is None:
            outbox = app.outbox
            app.completer = Completer(app.registry.complete, self.publish.many,
                                      outbox.mark_published if outbox is not None else lambda *a: None,
                                      linger_s=app.settings.completion_linger_ms / 1000)
        return app.completer

    @timer(interval=1)
    def relay_outbox(self):
        if self.app.outbox is not None:
            relay(self.app.outbox, self.publish)
