"""Item 9: terms written for people use Bulgarian number agreement, and a day off decreed by
the Council of Ministers is labelled by its decree, not as an official holiday."""
import datetime as dt

import pytest

from delovod_proto.rpc import ResumeTermRequest
from delovod_proto.vocabulary import TermUnit
from registry.domain.calendar import WorkingCalendar
from registry.domain.terms import TermRule, compute_due
from registry.service_layer.terms import resume
from servicekit.numbers_bg import count_bg

CAL = WorkingCalendar()


@pytest.mark.parametrize("n,unit,text", [
    (1, TermUnit.WORKING_DAYS, "1 работен ден"), (5, TermUnit.WORKING_DAYS, "5 работни дни"),
    (21, TermUnit.WORKING_DAYS, "21 работни дни"), (0, TermUnit.WORKING_DAYS, "0 работни дни"),
    (1, TermUnit.MONTHS, "1 месец"), (2, TermUnit.MONTHS, "2 месеца"),
    (1, TermUnit.CALENDAR_DAYS, "1 ден"), (7, TermUnit.CALENDAR_DAYS, "7 дни"),
    (1, TermUnit.HOURS, "1 час"), (24, TermUnit.HOURS, "24 часа"),
])
def test_numbers_agree_with_their_nouns(n, unit, text):
    assert count_bg(n, unit) == text == count_bg(n, unit.value)


def test_a_one_working_day_term_is_written_in_the_singular():
    summary = compute_due(dt.datetime(2026, 3, 10, 10), TermRule(1, TermUnit.WORKING_DAYS, "x"), CAL).summary_bg()
    assert summary.startswith("Срок 1 работен ден от 10.03.2026") and "работни дни" not in summary
    assert compute_due(dt.datetime(2026, 3, 10, 10), TermRule(2, TermUnit.MONTHS, "x"), CAL).summary_bg() \
        .startswith("Срок 2 месеца от 10.03.2026")
    assert compute_due(dt.datetime(2026, 3, 10, 10), TermRule(1, TermUnit.MONTHS, "x"), CAL).summary_bg() \
        .startswith("Срок 1 месец от 10.03.2026")


def test_a_resumed_term_with_one_working_day_left_says_so():
    request = ResumeTermRequest(due_date=dt.date(2026, 3, 11), suspended_on=dt.date(2026, 3, 10),
                                resumed_on=dt.date(2026, 3, 16), unit=TermUnit.WORKING_DAYS)
    answer = resume(request, CAL)
    assert answer.remaining == 1 and "Срок 1 работен ден от 16.03.2026" in answer.explanation


def test_days_decreed_off_by_the_council_of_ministers_are_labelled_by_their_decree():
    for day in (dt.date(2025, 12, 31), dt.date(2026, 1, 2)):
        assert CAL.non_working_reason(day) == "неприсъствен ден (РМС № 808/19.11.2025)"
    assert CAL.non_working_reason(dt.date(2026, 1, 1)) == "официален празник: Нова година"
    assert CAL.non_working_reason(dt.date(2026, 1, 3)) == "събота"


def test_a_day_the_package_lists_as_decreed_without_a_known_decree_says_who_decreed_it():
    # 31.12.2010: a day off decreed for that year (the package names no decree)
    assert CAL.non_working_reason(dt.date(2010, 12, 31)).startswith("неприсъствен ден (решение на Министерския съвет")


def test_a_day_off_from_the_operators_table_is_labelled_by_its_decree():
    cal = WorkingCalendar.from_table([{"date": "2026-12-21", "kind": "day_off", "reason": "РМС № 900 от 20.11.2026"}])
    assert cal.non_working_reason(dt.date(2026, 12, 21)) == "неприсъствен ден (РМС № 900 от 20.11.2026)"


def test_the_explanation_says_why_the_last_day_moved():
    due = compute_due(dt.datetime(2025, 12, 1, 10), TermRule(30, TermUnit.CALENDAR_DAYS, "x"), CAL)
    assert due.raw_end == dt.date(2025, 12, 31) and due.due_date == dt.date(2026, 1, 5)
    assert due.skipped[0]["reason"] == "неприсъствен ден (РМС № 808/19.11.2025)"
    assert ("краят по сметка е 31.12.2025 — неприсъствен ден (РМС № 808/19.11.2025); "
            "срокът изтича на 05.01.2026") in due.summary_bg()
    assert "официален празник: Неприсъствен" not in str(due.explanation())
