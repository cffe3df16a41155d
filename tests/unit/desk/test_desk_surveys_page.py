"""The desk's survey results: per service and unit with a chart and a table, for officials and
admins only, and the CSV of every answer (BOM, semicolons, no formula cells)."""
import csv
import io

from desk.adapters.memory import FakeServices
from desk.domain.people import Person
from desk.domain.surveys import bars
from desk.service_layer.ports import Unavailable
from tests.unit.desk.test_desk_case_pages import call, desk

STOYAN = Person("stoyan", "Стоян Георгиев", "official")
SUMMARY = {"total": 3,
           "by_service": [{"key": "2079", "count": 2, "average": 4.5, "reconsideration_share": 0.5},
                          {"key": "—", "count": 1, "average": 1.0, "reconsideration_share": 0.0}],
           "by_unit": [{"key": "Дирекция „Екология“", "count": 3, "average": 3.33, "reconsideration_share": 0.333}]}
ROWS = [{"case_index": "94-00-1/2026", "service_code": "2079", "unit": "Дирекция „Екология“", "rating": 4,
         "comment": "=HYPERLINK(\"x\")", "reconsideration": True, "answered_at": "2026-12-02T10:30:00Z"}]


def services(**answers):
    fake = FakeServices()
    fake.answers.update(answers)
    return fake


def test_officials_see_results_per_service_and_unit_with_a_chart():
    worker, session = desk(services(survey_summary=SUMMARY), person=STOYAN)
    status, html, _ = call(worker, session, "surveys", "GET", "/surveys")
    assert status == 200
    assert "По услуги от каталога" in html and "По звена" in html
    assert '<th scope="row" class="govuk-table__header">2079</th>' in html and "4.50" in html and "50 %" in html
    assert html.count('<svg role="img"') == 2 and 'width="270"' in html  # 4.5 of 5 on a 300 px scale
    assert 'href="/surveys.csv"' in html


def test_clerks_may_not_see_results():
    worker, session = desk(services(survey_summary=SUMMARY))
    status, html, _ = call(worker, session, "surveys", "GET", "/surveys")
    assert status == 403


def test_status_down_is_a_bulgarian_503():
    worker, session = desk(services(survey_summary=Unavailable("status")), person=STOYAN)
    status, html, _ = call(worker, session, "surveys", "GET", "/surveys")
    assert status == 503 and "Резултатите не могат да бъдат показани." in html


def test_the_csv_has_every_answer_with_a_bom_and_no_formula():
    worker, session = desk(services(survey_answers=ROWS), person=STOYAN)
    status, _, response = call(worker, session, "surveys_csv", "GET", "/surveys.csv")
    data = response.get_data()
    assert status == 200 and data.startswith("\ufeff".encode()) and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Преписка", "Услуга (код)", "Звено", "Оценка"]
    assert rows[1] == ["94-00-1/2026", "2079", "Дирекция „Екология“", "4", "да", "'=HYPERLINK(\"x\")",
                       "02.12.2026 12:30"]


def test_bars_scale_to_five():
    drawn, height = bars([{"key": "a", "average": 5.0}, {"key": "b", "average": 2.5}])
    assert [(b.y, b.width) for b in drawn] == [(0, 300), (30, 150)] and height == 60
