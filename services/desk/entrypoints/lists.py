"""The lists staff work from, each on a page and as CSV: an official's cases and those due
this week, the overdue cases, the satisfaction survey's results."""
from __future__ import annotations

from nameko.web.handlers import http

from servicekit.pages import page_errors

from ..domain import surveys, worklist
from . import pages, views
from .routes import DeskPages, page


class ListPages(DeskPages):
    def _worklist(self, request, session):
        which = request.args.get("list", "mine")
        which = which if which in worklist.LISTS else "mine"
        column, descending = request.args.get("sort", "due_date"), request.args.get("desc") == "1"
        column = column if column in worklist.COLUMNS else "due_date"
        today = pages.today()
        rows = self.app.workspace.worklist(session.person, which, today, column, descending)
        return which, column, descending, rows, worklist.week_end(today)

    @http("GET", "/my")
    @page_errors
    @page(down=("Списъкът не може да бъде показан.", "/"), refused=("Списъкът не е показан", "/"))
    def my_cases(self, request, session):
        which, column, descending, rows, week_end = self._worklist(request, session)
        return views.worklist_page(session, which, rows, column, descending, week_end)

    @http("GET", "/my.csv")
    @page_errors
    @page(down=("Списъкът не може да бъде изтеглен.", "/my"), refused=("Списъкът не е изтеглен", "/my"))
    def my_cases_csv(self, request, session):
        which, _, _, rows, week_end = self._worklist(request, session)
        name = "moite-prepiski.csv" if which == "mine" else f"srok-do-{week_end.isoformat()}.csv"
        return pages.csv(worklist.csv_bytes(rows), name)

    @http("GET", "/overdue")
    @page_errors
    @page(may="may_change_stages", down=("Списъкът не може да бъде показан.", "/"))
    def overdue(self, request, session):
        items = self.app.workspace.overdue(session.person)
        return views.page("overdue.html", session, title="Просрочени преписки", items=items)

    @http("GET", "/overdue.csv")
    @page_errors
    @page(may="may_change_stages", down=("Списъкът не може да бъде изтеглен.", "/overdue"))
    def overdue_csv(self, request, session):
        items = self.app.workspace.overdue(session.person)
        return pages.csv(worklist.csv_bytes(items, days_late=True), f"prosrocheni-{pages.today().isoformat()}.csv")

    @http("GET", "/surveys")
    @page_errors
    @page(may="may_change_stages", down=("Резултатите не могат да бъдат показани.", "/"))
    def surveys(self, request, session):
        """Officials and admins: survey results per catalogue service and unit, with a chart."""
        summary = self.app.workspace.services.survey_summary(session.person)
        return views.page("surveys.html", session, title="Оценка на обслужването", summary=summary,
                          bars=surveys.bars, percent=surveys.percent)

    @http("GET", "/surveys.csv")
    @page_errors
    @page(may="may_change_stages", down=("Отговорите не могат да бъдат изтеглени.", "/surveys"))
    def surveys_csv(self, request, session):
        rows = self.app.workspace.services.survey_answers(session.person)
        return pages.csv(surveys.csv_bytes(rows, pages.zone()), f"anketi-{pages.today().isoformat()}.csv")
