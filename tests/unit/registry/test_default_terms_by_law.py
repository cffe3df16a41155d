"""Issue 14 item 2: a case without a term of its own takes the default of its kind as
DOMAIN.md's table gives it (an application without a term in the catalogue: the АПК general
rule of 14 days, not a guess), and the source quotes the article."""
import datetime as dt

import pytest

from delovod_proto.vocabulary import DocumentKind, TermUnit
from registry.domain.calendar import WorkingCalendar
from registry.domain.terms import DEFAULT_RULES, compute_due

DOMAIN = {
    DocumentKind.COMPLAINT: (30, TermUnit.CALENDAR_DAYS, "Харта на клиента"),
    DocumentKind.SIGNAL: (30, TermUnit.CALENDAR_DAYS, "Харта на клиента"),
    DocumentKind.LETTER: (14, TermUnit.CALENDAR_DAYS, "АПК чл. 57"),
    DocumentKind.PROPOSAL: (2, TermUnit.MONTHS, "АПК чл. 118"),
    DocumentKind.PUBLIC_INFORMATION_REQUEST: (14, TermUnit.CALENDAR_DAYS, "ЗДОИ чл. 28"),
    DocumentKind.SERVICE_APPLICATION: (14, TermUnit.CALENDAR_DAYS, "АПК чл. 57"),
}


@pytest.mark.parametrize("kind", list(DOMAIN))
def test_each_default_is_the_one_the_law_gives(kind):
    value, unit, article = DOMAIN[kind]
    rule = DEFAULT_RULES[kind]
    assert (rule.value, rule.unit) == (value, unit) and article in rule.source


def test_a_zdoi_request_registered_on_2_december_2026_is_due_on_16_december():
    # ЗДОИ чл. 28, ал. 1: 14 days after registration; 16.12.2026 is a Wednesday
    registered = dt.datetime(2026, 12, 2, 11)
    due = compute_due(registered, DEFAULT_RULES[DocumentKind.PUBLIC_INFORMATION_REQUEST], WorkingCalendar())
    assert due.due_date == dt.date(2026, 12, 16) and "14 дни" in due.summary_bg()
