"""Every way into the registry: the clerks' HTTP API, e-portal events, RPC for status.
(The outbox relay and the completer run as background threads: servicekit.service.)"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import eventlet
from nameko.rpc import rpc
from nameko.web.handlers import http
from pydantic import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from delovod_proto import topics
from delovod_proto.api import registry as api
from delovod_proto.rpc import CountTermRequest, ResumeTermRequest
from servicekit.auth import authenticate
from servicekit.http import Problem, handle_problems, json_response
from servicekit.kafka import consume
from servicekit.parse import field_errors, json_body, params
from servicekit.providers import App, RpcClient
from servicekit.service import DelovodService

from ..bootstrap import bootstrap
from ..domain.calendar import check_table
from ..domain.commands import RegisterDocument
from ..service_layer import terms
from ..service_layer.calendar_table import StaleTable
from ..service_layer.errors import Invalid, RegistryError
from . import views
from .errors import consumer_failure, problem


def _too_large(mb: int) -> Problem:
    return Problem(413, "Content Too Large", f"Заявката е твърде голяма: до {mb} MB общо за сканираните файлове.",
                   errors=[{"field": "scan", "message": f"Общият размер надхвърля {mb} MB."}])


def _metadata_too_large() -> Problem:
    kb = api.METADATA_MAX_KB
    return Problem(413, "Content Too Large", f"Частта metadata (данните на документа) е твърде голяма: до {kb} KB.",
                   errors=[{"field": "metadata", "message": f"Размерът надхвърля {kb} KB."}])


def _form(request, max_request_mb: int):
    """The parsed multipart form. werkzeug refuses a text part over ``max_form_memory_size``
    and a body over ``max_content_length`` alike (413): tell the clerk which it was."""
    request.max_form_memory_size = api.METADATA_MAX_KB * 1024
    try:
        return request.form
    except RequestEntityTooLarge:
        whole_body = request.content_length is None and getattr(request.stream, "is_exhausted", False)
        raise _too_large(max_request_mb) if whole_body else _metadata_too_large()


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


class RegistryService(DelovodService):
    name = "registry"

    app = App(bootstrap)
    catalogue = RpcClient("catalogue")

    @rpc
    def resume_term(self, request: dict) -> dict:
        """For status: the due date of a suspended case that resumes (ResumeTermRequest ->
        ResumedTerm), on the registry's working calendar."""
        return terms.resume(ResumeTermRequest.model_validate(request), self.app.calendar.current()).model_dump(mode="json")

    @rpc
    def count_term(self, request: dict) -> dict:
        """For status: a term's last day from a start (CountTermRequest -> CountedTerm), on the
        registry's working calendar (a clarified ЗДОИ request, an extension's cap)."""
        return terms.count(CountTermRequest.model_validate(request), self.app.calendar.current()).model_dump(mode="json")

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
        form = _form(request, self.app.settings.max_request_mb)
        raw = form.get("metadata") or (request.files["metadata"].read() if "metadata" in request.files else None)
        if raw and len(raw) > api.METADATA_MAX_KB * 1024:  # sent as a file part, which werkzeug does not limit
            raise _metadata_too_large()
        if not raw:
            raise Problem(400, "Bad Request", "Липсва частта metadata (JSON).", errors=[{"field": "metadata", "message": "Полето е задължително."}])
        unknown = sorted((set(form) - {"metadata", "scan"}) | (set(request.files) - {"metadata", "scan"}))
        if unknown:  # a file under another name (e.g. "scans", "file") would be dropped: the document without it
            raise Problem(422, "Unprocessable Content", "Заявката съдържа непознати части: " + ", ".join(unknown)
                          + ". Сканираните файлове се изпращат като части scan.",
                          errors=[{"field": name, "message": "Непозната част; очакват се metadata и scan."}
                                  for name in unknown])
        if "scan" in form:  # a part without a file name: werkzeug makes it a text field, which would be lost
            raise Problem(422, "Unprocessable Content", "Сканираният файл трябва да е изпратен като файл (с име).",
                          errors=[{"field": "scan", "message": "Частта scan няма име на файл."}])
        try:
            # a birth date in the future is judged by the administration's own date
            command = RegisterDocument.model_validate_json(raw, context={"today": self._today()})
        except ValidationError as exc:
            raise Problem(422, "Unprocessable Content", "Данните на документа са невалидни.", errors=field_errors(exc, "metadata."))
        files = [(f.filename or "scan", f.read()) for f in request.files.getlist("scan")]
        key = _request_key(request, principal.subject)
        registrar = self.app.registry.registrar
        try:
            done = registrar.register_once(command, files, principal.subject, self.catalogue, key) if key \
                else registrar.register(command, files, principal.subject, self.catalogue)
        except RegistryError as exc:
            raise problem(exc)
        # The number is claimed and the events are in the outbox: answer the clerk now and
        # complete meanwhile (if the process dies first, the relay does it).
        self.app.completer.submit(done)
        return json_response(views.registered(done), status=201 if done.created else 200,
                             headers={"Cache-Control": "no-store"})  # the access code, shown once

    @http("POST", "/api/v1/uploads")
    @handle_problems
    def grant_upload(self, request):
        """A presigned PUT URL for one declared scan (service_layer/uploads.py)."""
        principal = authenticate(request, self.app.settings.auth_secret(), ("clerk", "official", "admin"))
        body = json_body(api.UploadRequest, request, "Опишете файла: JSON {\"file_name\", \"size\" (в байтове, поне 1), "
                                                         "\"sha256\" (64 шестнадесетични знака)}.")
        try:
            grant = self.app.registry.uploads.grant(body.file_name, body.size, body.sha256, principal.subject,
                                                    parts=body.parts)
        except RegistryError as exc:
            raise problem(exc)
        return json_response(views.upload_grant(grant), status=201, headers={"Cache-Control": "no-store"})

    @http("POST", "/api/v1/uploads/<string:upload_id>/steps")
    @handle_problems
    def sign_upload_step(self, request, upload_id):
        """One request of an upload in parts (a part, ListParts, completion, abort), presigned."""
        principal = authenticate(request, self.app.settings.auth_secret(), ("clerk", "official", "admin"))
        body = json_body(api.UploadStepRequest, request, "Опишете заявката: JSON {\"step\": \"part\" | \"list\" | "
                                                         "\"complete\" | \"abort\", \"part_number\"}.")
        try:
            step = self.app.registry.uploads.step(upload_id[:40], principal.subject, body.step, body.part_number)
        except RegistryError as exc:
            raise problem(exc)
        return json_response(views.upload_step(step), headers={"Cache-Control": "no-store"})

    @http("POST", "/api/v1/documents/from-uploads")
    @handle_problems
    def register_uploaded_document(self, request):
        """JSON ``{"metadata": {...}, "uploads": [upload_id, ...]}``: the scans were put
        with the URLs of POST /api/v1/uploads; they are verified, not read again."""
        principal = authenticate(request, self.app.settings.auth_secret(), ("clerk", "official", "admin"))
        body = views.from_uploads(request, self._today())
        try:
            done = self.app.registry.uploads.register(body.metadata, body.uploads, principal.subject, self.catalogue)
        except RegistryError as exc:
            raise problem(exc)
        self.app.completer.submit(done)  # as for the multipart path: complete after the answer
        return json_response(views.registered(done), status=201 if done.created else 200,
                             headers={"Cache-Control": "no-store"})

    @http("GET", "/api/v1/documents")
    @handle_problems
    def list_documents(self, request):
        """The incoming journal: a page of registrations of a date range (today by default)."""
        authenticate(request, self.app.settings.auth_secret(), ("clerk", "official", "admin"))
        query = views.journal_query(request)
        try:
            page = self.app.registry.queries.journal(views.journal_filter(query, self._today()), query.after,
                                                     query.limit)
        except Invalid as exc:  # a filter the journal cannot read: the query's fault
            raise Problem(400, "Bad Request", exc.detail, errors=exc.errors)
        return json_response(views.journal_page(page))

    @http("POST", "/api/v1/documents/journal-rows")
    @handle_problems
    def journal_rows(self, request):
        """The journal's rows of up to 200 registrations by index (the desk's stage filter:
        status names the cases), with the journal's other filters applied."""
        authenticate(request, self.app.settings.auth_secret(), ("clerk", "official", "admin"))
        body = json_body(api.JournalRowsQuery, request, "Очаква се JSON с indexes: от 1 до 200 индекса.")
        try:
            rows = self.app.registry.queries.journal_rows(body.indexes, views.rows_filter(body, self._today()))
        except Invalid as exc:
            raise Problem(400, "Bad Request", exc.detail, errors=exc.errors)
        return json_response(views.journal_rows(rows))

    @http("GET", "/api/v1/documents/by-index")
    @handle_problems
    def get_document(self, request):
        authenticate(request, self.app.settings.auth_secret())
        query = params(api.IndexQuery, request)
        try:
            return json_response(views.registration(self.app.registry.queries.get(query.index)))
        except RegistryError as exc:
            raise problem(exc)

    @http("GET", "/api/v1/documents/scan-url")
    @handle_problems
    def scan_url(self, request):
        principal = authenticate(request, self.app.settings.auth_secret())
        query = params(api.ScanUrlQuery, request)
        try:
            url = self.app.registry.queries.scan_url(query.index, query.n, principal.subject)
        except RegistryError as exc:
            raise problem(exc)
        return json_response(api.ScanUrl(url=url, expires_in_s=300).model_dump(mode="json"))

    @http("GET", "/api/v1/documents/receipt.pdf")
    @handle_problems
    def receipt(self, request):
        """The citizen's receipt; pass ``code`` (shown once at registration) to print it on it."""
        principal = authenticate(request, self.app.settings.auth_secret())
        query = params(api.ReceiptQuery, request)
        code = query.code
        try:
            registration = self.app.registry.access_codes.for_printing(query.index, code, principal.subject)
        except RegistryError as exc:
            raise problem(exc)
        response = _pdf(self.app.papers.receipt(registration, code), "receipt.pdf")
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
        index = params(api.IndexQuery, request, detail="Посочете индекса на документа (параметър index).").index
        body = json_body(api.AccessCodeReissue, request, "Посочете причината за новия код: JSON {\"reason\": \"...\"} "
                                                         "(от 3 до 500 знака).")
        try:
            done = self.app.registry.access_codes.reissue(index.strip(), principal.subject, body.reason)
        except RegistryError as exc:
            raise problem(exc)
        eventlet.spawn_n(self.app.completer.send, [done.event])  # after the answer; else the relay sends it
        return json_response(views.reissued(done), status=201, headers={"Cache-Control": "no-store"})

    @http("GET", "/api/v1/documents/stamp.pdf")
    @handle_problems
    def stamp(self, request):
        """A label with the index and barcodes, to stick on the paper original."""
        authenticate(request, self.app.settings.auth_secret())
        index = params(api.IndexQuery, request).index
        try:
            registration = self.app.registry.queries.get(index)
        except RegistryError as exc:
            raise problem(exc)
        return _pdf(self.app.papers.stamp(registration), "stamp.pdf")

    @http("GET", "/api/v1/calendar/exceptions")
    @handle_problems
    def calendar_exceptions(self, request):
        """The operator's extra days off and working Saturdays, with the table's version."""
        authenticate(request, self.app.settings.auth_secret())
        rows, version = self.app.calendar.rows()
        return json_response(views.calendar_table(rows, version, self.app.calendar.changes()))

    @http("PUT", "/api/v1/calendar/exceptions")
    @handle_problems
    def replace_calendar_exceptions(self, request):
        """Admins replace the whole table: JSON ``{"version": n, "exceptions": [{date, kind, reason}]}``
        with the version they read (a stale edit gets 409)."""
        principal = authenticate(request, self.app.settings.auth_secret(), ("admin",))
        edit = json_body(views.CalendarEdit, request, "Таблицата с изключенията е невалидна.")
        try:
            check_table(list(edit.exceptions))  # the table's own rule, checked here so a ValueError below is a bug
        except ValueError as exc:
            raise Problem(422, "Unprocessable Content", str(exc), errors=[{"field": "exceptions", "message": str(exc)}])
        try:
            self.app.calendar.replace([r.model_dump() for r in edit.exceptions], edit.version, principal.subject,
                                      principal.name)
        except StaleTable as exc:
            raise Problem(409, "Conflict", str(exc))
        return json_response(views.calendar_table(*self.app.calendar.rows(), self.app.calendar.changes()))  # as stored

    def _today(self) -> dt.date:
        return dt.datetime.now(ZoneInfo(self.app.settings.kit.timezone)).date()

    # Submissions are independent: up to 12 at once (of the 20 workers), those with the same key in order.
    @consume(topics.EPORTAL_SUBMISSIONS, concurrency=12)
    def register_submission(self, envelope):
        try:
            done = self.app.registry.eportal.register(envelope.body(), self.catalogue, hold=self.app.uploads.hold)
        except RegistryError as exc:
            # refused: dead-lettered (fields, never values: no traceback); retryable: waited out
            raise consumer_failure(exc) from None
        # Back only when its events are out: the consumer commits the submission after that,
        # so a failure before means the submission comes again (its outbox).
        self.app.completer.submit(done, wait=True)
