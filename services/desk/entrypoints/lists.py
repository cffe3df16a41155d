"""The lists staff work from, each on a page and as CSV: an official's cases and those due
this week, the overdue cases, the satisfaction survey's results."""
from __future__ import annotations

import itertools
from typing import Iterator

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
        return which, column, descending, pages.today()

    @http("GET", "/my")
    @page_errors
    @page(down=("Списъкът не може да бъде показан.", "/"), refused=("Списъкът не е показан", "/my"))
    def my_cases(self, request, session):
        which, column, descending, today = self._worklist(request, session)
        found = self.app.workspace.worklist(session.person, which, today, column, descending, _after(request))
        return views.worklist_page(session, which, found, column, descending, worklist.week_end(today))

    @http("GET", "/my.csv")
    @page_errors
    @page(down=("Списъкът не може да бъде изтеглен.", "/my"), refused=("Списъкът не е изтеглен", "/my"))
    def my_cases_csv(self, request, session):
        which, _, _, today = self._worklist(request, session)
        rows = _started(self.app.workspace.every_worklist_row(session.person, which, today))
        name = "moite-prepiski.csv" if which == "mine" else f"srok-do-{worklist.week_end(today).isoformat()}.csv"
        return pages.csv(worklist.csv_chunks(rows), name)

    @http("GET", "/overdue")
    @page_errors
    @page(may="may_change_stages", down=("Списъкът не може да бъде показан.", "/"),
          refused=("Списъкът не е показан", "/overdue"))
    def overdue(self, request, session):
        found = self.app.workspace.overdue(session.person, _after(request))
        return views.page("overdue.html", session, title="Просрочени преписки", items=found["items"],
                          next_url=views.next_page("/overdue", {}, found.get("next")),
                          first_page=not _after(request))

    @http("GET", "/overdue.csv")
    @page_errors
    @page(may="may_change_stages", down=("Списъкът не може да бъде изтеглен.", "/overdue"),
          refused=("Списъкът не е изтеглен", "/overdue"))
    def overdue_csv(self, request, session):
        rows = _started(self.app.workspace.every_overdue(session.person))
        return pages.csv(worklist.csv_chunks(rows, days_late=True), f"prosrocheni-{pages.today().isoformat()}.csv")

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


def _after(request) -> str:
    return request.args.get("after", "").strip()[:200]


def _started(rows: Iterator[dict]) -> Iterator[dict]:
    """``rows`` with the first page read already: a service that does not answer, or refuses,
    is the page's 503 or refusal, not a cut file (later pages stream as they come)."""
    first = next(rows, None)
    return rows if first is None else itertools.chain([first], rows)
