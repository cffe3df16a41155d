import datetime as dt

import pytest

from delovod_proto.vocabulary import DocumentKind, TermUnit
from registry.domain.calendar import WorkingCalendar
from registry.domain.terms import DEFAULT_RULES, TermRule, add_months, compute_due

CAL = WorkingCalendar()


def at(y, m, d):
    return dt.datetime(y, m, d, 10, 0)


def test_complaint_30_days_ending_on_christmas_moves_past_the_holidays():
    due = compute_due(at(2026, 11, 25), DEFAULT_RULES[DocumentKind.COMPLAINT], CAL)
    assert due.raw_end == dt.date(2026, 12, 25)
    assert due.due_date == dt.date(2026, 12, 29)  # 25, 26 Christmas, 27 Sunday, 28 moved holiday
    assert [s["date"] for s in due.skipped] == ["2026-12-25", "2026-12-26", "2026-12-27", "2026-12-28"]
    assert "29.12.2026" in due.summary_bg()


def test_working_days_skip_weekends_and_decreed_day_off():
    due = compute_due(at(2025, 12, 30), TermRule(3, TermUnit.WORKING_DAYS, "x"), CAL)
    # 31.12.2025 decreed day off, 1.1 holiday, 2.1.2026 decreed day off, 3-4 weekend
    assert due.due_date == dt.date(2026, 1, 7)


def test_day_term_excludes_start_day():
    assert compute_due(at(2026, 3, 10), TermRule(1, TermUnit.CALENDAR_DAYS, "x"), CAL).due_date == dt.date(2026, 3, 11)


def test_month_term_ends_on_last_day_of_shorter_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    due = compute_due(at(2026, 1, 31), TermRule(1, TermUnit.MONTHS, "x"), CAL)
    assert due.due_date == dt.date(2026, 3, 2)  # 28.02.2026 is a Saturday


def test_orthodox_easter_is_not_a_working_day():
    assert not CAL.is_working(dt.date(2026, 4, 10))  # Good Friday 2026
    assert not CAL.is_working(dt.date(2026, 4, 13))  # Easter Monday


def test_operator_table_adds_day_off_and_working_saturday():
    cal = WorkingCalendar.from_table([{"date": "2026-11-27", "kind": "day_off", "reason": "РМС"},
                                      {"date": "2026-11-28", "kind": "working_day", "reason": "отработване"}])
    assert cal.non_working_reason(dt.date(2026, 11, 27)) == "неприсъствен ден (РМС)"
    assert cal.is_working(dt.date(2026, 11, 28))


@pytest.mark.parametrize("kind", list(DEFAULT_RULES))
def test_every_kind_has_a_sourced_rule(kind):
    assert DEFAULT_RULES[kind].source


# -- a suspended term resumes where it stopped (DOMAIN.md) -------------------------------
from registry.domain.terms import resume_after_suspension  # noqa: E402


def test_a_suspension_adds_the_days_it_lasted_and_the_end_still_avoids_holidays():
    # 9 days were left on 01.12; from 15.12 that ends on 24.12: Christmas Eve, then the holidays and a Sunday
    due, left = resume_after_suspension(dt.date(2026, 12, 10), dt.date(2026, 12, 1), dt.date(2026, 12, 15),
                                        TermUnit.CALENDAR_DAYS, CAL)
    assert left == 9 and due.raw_end == dt.date(2026, 12, 24)
    assert due.due_date == dt.date(2026, 12, 29)
    assert "спиране от 01.12.2026 до 15.12.2026" in due.summary_bg()


def test_a_working_day_term_resumes_with_the_working_days_it_had_left():
    # suspended Mon 07.12 with Tue-Thu (3 working days) left; resumed Mon 21.12: 22, 23, then 29.12
    due, left = resume_after_suspension(dt.date(2026, 12, 10), dt.date(2026, 12, 7), dt.date(2026, 12, 21),
                                        TermUnit.WORKING_DAYS, CAL)
    assert left == 3 and due.due_date == dt.date(2026, 12, 29)
    assert {s["date"] for s in due.skipped} >= {"2026-12-24", "2026-12-25", "2026-12-26", "2026-12-27"}


def test_a_term_that_had_run_out_or_a_same_day_resumption_moves_nothing():
    for suspended, resumed in ((dt.date(2026, 12, 11), dt.date(2026, 12, 20)), (dt.date(2026, 12, 5), dt.date(2026, 12, 5))):
        due, left = resume_after_suspension(dt.date(2026, 12, 10), suspended, resumed, TermUnit.CALENDAR_DAYS, CAL)
        assert due.due_date == dt.date(2026, 12, 10) and left == 0


def test_a_case_cannot_resume_before_it_was_suspended():
    with pytest.raises(ValueError):
        resume_after_suspension(dt.date(2026, 12, 10), dt.date(2026, 12, 5), dt.date(2026, 12, 4), None, CAL)


def test_the_rpc_answer_carries_the_date_and_its_explanation():
    from delovod_proto.rpc import ResumeTermRequest
    from registry.service_layer.terms import resume

    answer = resume(ResumeTermRequest(due_date=dt.date(2026, 12, 10), suspended_on=dt.date(2026, 12, 1),
                                      resumed_on=dt.date(2026, 12, 15)), CAL)
    assert answer.due_date == dt.date(2026, 12, 29) and answer.days_stopped == 14 and answer.remaining == 9
    assert answer.unit == TermUnit.CALENDAR_DAYS and [s.date for s in answer.skipped][0] == dt.date(2026, 12, 24)


def test_what_is_left_counts_to_the_terms_own_end_not_to_the_day_it_was_moved_to():
    # registered 19.03.2026, 30 days: ends Sat 18.04 by count, due Mon 20.04; suspended 01.04, resumed 06.04:
    # 17 days were left (to 18.04), so 23.04, not 25.04 (+2 for the weekend it had been moved over)
    due = compute_due(at(2026, 3, 19), DEFAULT_RULES[DocumentKind.COMPLAINT], CAL)
    assert (due.raw_end, due.due_date) == (dt.date(2026, 4, 18), dt.date(2026, 4, 20))
    resumed, left = resume_after_suspension(due.due_date, dt.date(2026, 4, 1), dt.date(2026, 4, 6),
                                            TermUnit.CALENDAR_DAYS, CAL, term_end=due.raw_end)
    assert left == 17 and resumed.due_date == dt.date(2026, 4, 23) and resumed.raw_end == dt.date(2026, 4, 23)
    # suspended on the Sunday it had been moved over: nothing was left; it ends on the day it resumes (a working day)
    resumed, left = resume_after_suspension(due.due_date, dt.date(2026, 4, 19), dt.date(2026, 4, 22),
                                            TermUnit.CALENDAR_DAYS, CAL, term_end=due.raw_end)
    assert left == 0 and resumed.due_date == dt.date(2026, 4, 22)
