"""Every way into the status service: registry events, citizens' lookup (HTTP, RPC),
officials' stage changes, the deadline watch. (The outbox relay: servicekit.service.)"""
from __future__ import annotations

import datetime as dt

from nameko.rpc import rpc
from nameko.timer import timer
from nameko.web.handlers import http
from pydantic import ValidationError

from delovod_proto import topics
from delovod_proto.api.status import (Assigned, AssignedQuery, Assignment, CaseIndexQuery, CaseSummaries, DueQuery,
                                      CaseStages, OverdueCases, OverdueQuery, StageChange, StageChanged, StagedCases,
                                      StagedQuery, StagesQuery, STAGED_MAX_DAYS,
                                      StageSetEdit, StageSetPath, SurveyAnswers)
from delovod_proto.rpc import CaseLookupRequest, CaseNotFound
from servicekit.auth import authenticate
from servicekit.http import Problem, client_address, handle_problems, json_response, pydantic_errors
from servicekit.kafka import consume
from servicekit.pages import from_another_site, page_errors
from servicekit.parse import field_errors, json_body, params
from servicekit.providers import App, RpcClient
from servicekit.service import DelovodService

from ..bootstrap import bootstrap
from ..domain import lists
from ..domain.case import Actor, Official, StageChangeRefused, member_order
from ..domain.terms import ExtensionRefused
from ..service_layer.guard import TooManyAttempts
from ..service_layer.tracker import ConcurrentChange
from ..service_layer.stage_sets import StaleVersion, StageSetNotFound
from ..domain.stage_sets import StageSetRefused
from . import stage_set_views
from ..domain.survey import SurveyInputError, SurveyLinkError
from . import contact_page, page, survey_page


STAFF = ("clerk", "official", "admin")
ADMIN = ("admin",)


def _actor(principal) -> Actor:
    return Actor(principal.subject, principal.name)


BAD_CURSOR = "Невалиден курсор (after): използвайте стойността next от предишната страница."


def _list_page(model, request, detail: str):
    """A list's query with its page; a cursor that is not '<real date>|<index>' is a 400 of its own."""
    if "after" in request.args:
        try:
            lists.order(request.args["after"])
        except ValueError:
            raise Problem(400, "Bad Request", BAD_CURSOR,
                          errors=[{"field": "after", "message": "Невалиден курсор."}]) from None
    return params(model, request, detail=detail)


# the staged cases' period: months counted past these would overflow the date type
STAGED_EARLIEST, STAGED_LATEST = dt.date(1900, 1, 1), dt.date(9998, 12, 31)


class StatusService(DelovodService):
    name = "status"

    app = App(bootstrap)
    terms = RpcClient("registry")
    notifications = RpcClient("notifications")

    @consume(topics.DOCUMENTS_REGISTERED)
    def on_document_registered(self, envelope):
        body = envelope.body()
        self.app.surveys.note_registration(body)  # before the case opens: once open, it may close
        self.app.tracker.on_document_registered(body)
        self.relay(envelope.correlation_id)

    @consume(topics.ACCESS_CODES_REISSUED)
    def on_access_code_reissued(self, envelope):
        self.app.tracker.on_access_code_reissued(envelope.body())

    @rpc
    def lookup(self, request: dict) -> dict:
        """A citizen's lookup; raises CaseNotFound when index or code do not match."""
        return self.app.tracker.lookup(CaseLookupRequest.model_validate(request)).model_dump(mode="json")

    @http("GET", "/api/v1/cases/lookup")
    @handle_problems
    def lookup_http(self, request):
        try:
            view = self.app.tracker.lookup(CaseLookupRequest(registration_index=request.args.get("index", ""),
                                                             access_code=request.args.get("code", "")),
                                           client=self._client(request))
        except TooManyAttempts as exc:
            response = Problem(429, "Too Many Requests", str(exc),
                               extra={"retry_after_s": exc.retry_after_s}).response(request.path)
            response.headers["Retry-After"] = str(exc.retry_after_s)
            return response
        except ValidationError as exc:
            raise Problem(400, "Bad Request", "Въведете индекса и 8-цифрения код за достъп.",
                          errors=pydantic_errors(exc))
        except CaseNotFound as exc:
            raise Problem(404, "Not Found", str(exc))
        return json_response(view.model_dump(mode="json"), headers={"Cache-Control": "no-store"})

    @http("POST", "/api/v1/cases/stage")
    @handle_problems
    def change_stage(self, request):
        """Officials move a case (``StageChange``: case_index, stage, reason; for an extension
        the new due_date and its legal_ground; for an appeal its authority and date). A case
        leaving a suspension gets the rest of its term from today, a clarified ЗДОИ request a
        fresh 14 days (чл. 29, ал. 2), computed by the registry on the working calendar."""
        principal = authenticate(request, self.app.settings.auth_secret(), ("official", "admin"))
        change = json_body(StageChange, request, "Очаква се JSON с case_index, stage и reason (при удължаване и "
                                                 "due_date във вида ГГГГ-ММ-ДД и legal_ground; при обжалване "
                                                 "appeal_authority и appealed_on).")
        try:
            case = self.app.tracker.change_stage(change.case_index, change.stage, change.reason, change.due_date,
                                                 self.terms, by=_actor(principal), legal_ground=change.legal_ground,
                                                 appeal_authority=change.appeal_authority,
                                                 appealed_on=change.appealed_on)
        except ExtensionRefused as exc:
            raise Problem(422, "Unprocessable Content", str(exc))
        except (StageChangeRefused, ConcurrentChange) as exc:
            raise Problem(409, "Conflict", str(exc))
        except CaseNotFound as exc:
            raise Problem(404, "Not Found", str(exc))
        self.relay(case.case_index)
        return json_response(StageChanged(case_index=case.case_index, stage=case.stage,
                                          due_date=case.due_date).model_dump(mode="json"))

    @http("GET", "/api/v1/cases/overdue")
    @handle_problems
    def overdue(self, request):
        """Officials: a page of the cases past their due date without an answer, the longest overdue first."""
        authenticate(request, self.app.settings.auth_secret(), ("official", "admin"))
        query = _list_page(OverdueQuery, request, "Невалидна страница (after, limit).")
        found, after = self.app.tracker.overdue(query.after, query.limit)
        return json_response(OverdueCases(items=found, next=after).model_dump(mode="json"))

    @http("GET", "/api/v1/cases/by-index")
    @handle_problems
    def staff_case(self, request):
        """Staff: the case with every change (who, when, why, the due dates it moved)."""
        authenticate(request, self.app.settings.auth_secret(), STAFF)
        index = params(CaseIndexQuery, request, detail="Посочете индекса на преписката (параметър index).").index
        try:
            view = self.app.tracker.staff_view(index)
        except CaseNotFound as exc:
            raise Problem(404, "Not Found", str(exc))
        return json_response(view.model_dump(mode="json"), headers={"Cache-Control": "no-store"})

    @http("POST", "/api/v1/cases/assign")
    @handle_problems
    def assign(self, request):
        """Staff make an official of a unit responsible for a case (``Assignment``)."""
        principal = authenticate(request, self.app.settings.auth_secret(), STAFF)
        assignment = json_body(Assignment, request, "Очаква се JSON с case_index и official "
                                                    "(username, name, unit, phone, email).")
        try:
            case = self.app.tracker.assign(assignment.case_index, Official(**assignment.official.model_dump()),
                                           assignment.reason, by=_actor(principal))
        except (StageChangeRefused, ConcurrentChange) as exc:
            raise Problem(409, "Conflict", str(exc))
        except CaseNotFound as exc:
            raise Problem(404, "Not Found", str(exc))
        self.relay(case.case_index)
        return json_response(Assigned(case_index=case.case_index, stage=case.stage,
                                      official=assignment.official).model_dump(mode="json"))

    @http("GET", "/api/v1/cases/assigned")
    @handle_problems
    def assigned(self, request):
        """Staff: an official's open cases, the soonest due first."""
        authenticate(request, self.app.settings.auth_secret(), STAFF)
        query = _list_page(AssignedQuery, request, "Посочете служителя (параметър official).")
        found, after = self.app.tracker.assigned_to(query.official, query.after, query.limit)
        return json_response(CaseSummaries(items=found, next=after).model_dump(mode="json"))

    @http("GET", "/api/v1/cases/due")
    @handle_problems
    def due(self, request):
        """Staff: the cases whose term ends from today through ``until``."""
        authenticate(request, self.app.settings.auth_secret(), STAFF)
        query = _list_page(DueQuery, request, "Посочете крайната дата (параметър until, ГГГГ-ММ-ДД).")
        found, after = self.app.tracker.due_until(query.until, query.after, query.limit)
        return json_response(CaseSummaries(items=found, next=after).model_dump(mode="json"))

    @http("GET", "/api/v1/cases/staged")
    @handle_problems
    def staged(self, request):
        """Staff: the cases in a stage (or running late) registered in a range of days, read
        through the stage index by ``_id`` (the journal's stage filter)."""
        authenticate(request, self.app.settings.auth_secret(), STAFF)
        names = [f.alias or n for n, f in StagedQuery.model_fields.items()]  # 'from', 'to': not Python names
        try:
            query = StagedQuery.model_validate({n: request.args[n] for n in names if n in request.args})
        except ValidationError as exc:
            raise Problem(400, "Bad Request", "Посочете етап и период (from, to: ГГГГ-ММ-ДД).", errors=field_errors(exc))
        if query.after is not None:
            try:
                member_order(query.after)
            except ValueError:  # the pattern's shape, but no real time (0000-00-00T0, say)
                raise Problem(400, "Bad Request", BAD_CURSOR,
                              errors=[{"field": "after", "message": "Невалиден курсор."}]) from None
        last = query.date_to or query.date_from
        if not (STAGED_EARLIEST <= query.date_from and last <= STAGED_LATEST):  # months counted past them overflow
            raise Problem(400, "Bad Request", "Периодът трябва да е между 01.01.1900 и 31.12.9998.",
                          errors=[{"field": "from", "message": "Дата извън допустимия период."}])
        if not 0 <= (last - query.date_from).days < STAGED_MAX_DAYS:
            raise Problem(400, "Bad Request", f"Периодът е от 1 до {STAGED_MAX_DAYS} дни, от from до to.",
                          errors=[{"field": "to", "message": f"От 1 до {STAGED_MAX_DAYS} дни след from."}])
        found, after = self.app.tracker.in_stage(query.stage, query.overdue, query.date_from, last, query.after,
                                                 query.limit)
        return json_response(StagedCases(items=found, next=after).model_dump(mode="json"))

    @http("POST", "/api/v1/cases/stages")
    @handle_problems
    def stages(self, request):
        """Staff: the stage of each case of a journal page (to show it, or filter by it)."""
        authenticate(request, self.app.settings.auth_secret(), STAFF)
        query = json_body(StagesQuery, request, "Очаква се JSON с indexes: от 1 до 200 индекса на преписки.")
        return json_response(CaseStages(items=self.app.tracker.stages(query.indexes)).model_dump(mode="json"))

    # -- stage sets (admins) ----------------------------------------------------------------
    @http("GET", "/api/v1/admin/stage-sets")
    @handle_problems
    def stage_sets(self, request):
        """Admins: the newest version of every stage set."""
        authenticate(request, self.app.settings.auth_secret(), ADMIN)
        return json_response(stage_set_views.listed(self.app.stage_sets.latest_of_each()),
                             headers={"Cache-Control": "no-store"})

    @http("GET", "/api/v1/admin/stage-sets/<string:key>/versions")
    @handle_problems
    def stage_set_versions(self, request, key):
        """Admins: every version of one set, the oldest first."""
        authenticate(request, self.app.settings.auth_secret(), ADMIN)
        key = params(StageSetPath, request, {"key": key}, detail="Неизвестен набор от етапи.").key
        try:
            return json_response(stage_set_views.versions(key, self.app.stage_sets.versions(key)),
                                 headers={"Cache-Control": "no-store"})
        except StageSetNotFound as exc:
            raise Problem(404, "Not Found", str(exc))

    @http("POST", "/api/v1/admin/stage-sets/<string:key>/versions")
    @handle_problems
    def create_stage_set_version(self, request, key):
        """Admins: a new version of a set, from the version they edited (a stale one: 409 with
        the newest); cases registered from its start are bound to it."""
        principal = authenticate(request, self.app.settings.auth_secret(), ADMIN)
        key = params(StageSetPath, request, {"key": key}, detail="Неизвестен набор от етапи.").key
        edit = json_body(StageSetEdit, request, "Очаква се JSON с based_on, stages (stage, public_label, "
                                                "internal_label), reason и по избор transitions и valid_from.")
        try:
            created = self.app.stage_sets.create(key, edit.based_on, *stage_set_views.parts(edit), edit.reason,
                                                 principal.name, edit.valid_from, edit.kind)
        except StageSetRefused as exc:
            raise Problem(422, "Unprocessable Content", exc.detail, errors=exc.errors)
        except StaleVersion as exc:
            raise Problem(409, "Conflict", f"Наборът е променен междувременно (сега версия {exc.latest.version}); "
                                           "направете промяната върху нея.",
                          extra={"latest": stage_set_views.view(exc.latest)})
        except StageSetNotFound as exc:
            raise Problem(404, "Not Found", str(exc))
        return json_response(stage_set_views.view(created), status=201)

    @timer(interval=3600, eager=True)  # also right after a start: a stopped watch catches up
    def watch_deadlines(self):
        if self.app.tracker.watch_deadlines():
            self.relay()

    @http("GET,POST", "/")
    @page_errors
    def lookup_page(self, request):
        """GET: the form; POST: the lookup, answered with the page (the code never in a URL)."""
        if request.method == "GET":
            return page.form(request.args)
        if from_another_site(request):
            return page.refused()
        return page.render(self.app.tracker, request.form, self._client(request))

    @http("POST", "/contact")
    @page_errors
    def contact_change(self, request):
        """The case page's "Промяна на данните за връзка": index, access code, the new address;
        notifications sends a code there (the page says where and until when)."""
        if from_another_site(request):
            return contact_page.refused()
        return contact_page.request_change(self.app.contacts, request.form, self._client(request), self.notifications,
                                           self.app.tracker.tz)

    @http("POST", "/contact/confirm")
    @page_errors
    def contact_confirm(self, request):
        """The code typed back (with the index and access code again): the new address is used from now on."""
        if from_another_site(request):
            return contact_page.refused()
        return contact_page.confirm(self.app.contacts, request.form, self._client(request), self.notifications)

    @http("GET,POST", "/survey/<string:token>")
    @page_errors
    def survey(self, request, token):
        """The citizen's one-time survey: GET the form, POST the answer (once)."""
        surveys = self.app.surveys
        try:
            case_index = surveys.open_survey(token).case_index
            if request.method == "GET":
                return survey_page.form(case_index)
            if from_another_site(request):
                return survey_page.refused(case_index)
            answer, not_opened = surveys.answer(token, request.form)
        except SurveyLinkError as exc:
            return survey_page.link_refused(exc)
        except SurveyInputError as exc:
            return survey_page.invalid(case_index, exc, request.form)
        if answer.reconsideration and not_opened is None:
            self.relay(case_index)
        return survey_page.thanks(answer, not_opened)

    @http("GET", "/api/v1/surveys/summary")
    @handle_problems
    def survey_summary(self, request):
        """Officials: the survey results per catalogue service and per unit."""
        authenticate(request, self.app.settings.auth_secret(), ("official", "admin"))
        return json_response(self.app.surveys.summary().model_dump(mode="json"))

    @http("GET", "/api/v1/surveys")
    @handle_problems
    def survey_answers(self, request):
        """Officials: every answer, the latest first (the desk's CSV)."""
        authenticate(request, self.app.settings.auth_secret(), ("official", "admin"))
        return json_response(SurveyAnswers(items=self.app.surveys.rows()).model_dump(mode="json"),
                             headers={"Cache-Control": "no-store"})

    def _client(self, request) -> str:
        settings = self.app.settings
        return client_address(request, settings.trusted_proxies, settings.trusted_proxy_networks)

    @timer(interval=300)
    def forget_old_lookup_failures(self):
        self.app.tracker.guard.sweep()
