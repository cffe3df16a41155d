"""The incoming journal: a filtered page of registrations, and the same filter as CSV and as a
printable PDF."""
from __future__ import annotations

from nameko.web.handlers import http

from servicekit.pages import page_errors

from . import pages, views
from .routes import DeskPages, page


class JournalPages(DeskPages):
    @http("GET", "/journal")
    @page_errors
    @page(down=("Дневникът не може да бъде показан.", "/"))
    def journal(self, request, session):
        form = views.journal_form(self.app, request)
        outcome = self.app.workspace.journal(session.person, form, request.args.get("after", "").strip())
        return views.journal_page(session, form, outcome)

    @http("GET", "/journal.csv")
    @page_errors
    @page(down=("Дневникът не може да бъде изтеглен.", "/journal"))
    def journal_csv(self, request, session):
        form = views.journal_form(self.app, request)
        outcome = self.app.workspace.journal_rows(session.person, form)
        if not outcome.ok:
            return views.journal_page(session, form, outcome)
        return pages.csv(views.journal_csv(outcome.result["items"]), views.journal_file_name(form))

    @http("GET", "/journal.pdf")
    @page_errors
    @page(down=("Дневникът не може да бъде отпечатан.", "/journal"))
    def journal_pdf(self, request, session):
        form = views.journal_form(self.app, request)
        outcome = self.app.workspace.journal_rows(session.person, form)
        if not outcome.ok:
            return views.journal_page(session, form, outcome)
        return pages.pdf(views.journal_pdf(self.app, session, form, outcome.result), views.journal_file_name(form, "pdf"))
