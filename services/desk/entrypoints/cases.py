"""A case: opening it by index, moving its stage (with the letter's preview), assigning it to
an official, a new access code."""
from __future__ import annotations

import functools

from nameko.web.handlers import http

from servicekit.pages import page_errors

from ..domain import labels
from . import views
from .routes import DeskPages, fields, page, settled
from .views import NO_RIGHT

STAGE_EXTRAS = ("legal_ground", "appeal_authority", "appealed_on")  # what some stages need (status's StageChange)
STAGE_FIELDS = ("case_index", "stage", "reason", "due_date", *STAGE_EXTRAS)


class CasePages(DeskPages):
    def _case_form(self, session, index: str, values: dict):
        """The case page again, with the form as it was sent: the answer to a refused change."""
        return functools.partial(views.case_page, self.app, session, index, values=values)

    @http("GET", "/cases")
    @page_errors
    @page()
    def case(self, request, session):
        return views.case_page(self.app, session, request.args.get("index", "").strip(), values={})

    @http("POST", "/cases/stage")
    @page_errors
    @page()
    def change_stage(self, request, session):
        form = fields(request.form, *STAGE_FIELDS)
        index, on_form = form["case_index"], self._case_form(session, form["case_index"], form)
        self.posted(request, session, on_form)
        if not session.person.may_change_stages:
            return on_form(403, summary=NO_RIGHT)
        work, person = self.app.workspace, session.person
        if request.form.get("action") == "preview":  # the same form, unchanged, with the letter it would send
            letter = settled(lambda: work.preview_letter(person, index, form["stage"], form["reason"], form["due_date"]),
                             on_form, "Писмото не може да бъде показано.")
            return views.case_page(self.app, session, index, values=form, preview=letter)
        result = settled(lambda: work.change_stage(person, index, form["stage"], form["reason"], form["due_date"],
                                                   {k: form[k] for k in STAGE_EXTRAS}),
                         on_form, "Етапът не е променен.")
        changed = {**result, "stage_label": labels.STAGES.get(labels.stage(result["stage"]), result["stage"])}
        return views.case_page(self.app, session, index, values={}, changed=changed)

    @http("POST", "/cases/assign")
    @page_errors
    @page()
    def assign(self, request, session):
        """Any member of staff assigns the case to an official of a unit from the directory;
        status records who did it."""
        form = fields(request.form, "case_index", "official", "assign_reason")
        on_form = self._case_form(session, form["case_index"], form)
        self.posted(request, session, on_form)
        assigned = settled(lambda: self.app.workspace.assign(session.person, form["case_index"], form["official"],
                                                             form["assign_reason"]),
                           on_form, "Преписката не е разпределена.")
        return views.case_page(self.app, session, form["case_index"], values={}, assigned=assigned)

    @http("POST", "/cases/access-code")
    @page_errors
    @page()
    def reissue_access_code(self, request, session):
        index, reason = request.form.get("case_index", "").strip(), request.form.get("code_reason", "")
        on_form = self._case_form(session, index, {"code_reason": reason})
        self.posted(request, session, on_form)
        reissued = settled(lambda: self.app.workspace.reissue_access_code(session.person, index, reason),
                           on_form, "Нов код не е издаден.")
        # shown once; this session's receipt prints it
        self.app.sessions.remember_once(session, index=reissued["case_index"], code=reissued["access_code"])
        return views.case_page(self.app, session, index, values={}, reissued=reissued)
