"""The desk's lists a page at a time (status pages them by due date, then index): "Моите
преписки", due this week and the overdue list show 50 cases and a link to the next page with
status's cursor; their CSV reads every page; a cursor status refuses is a Bulgarian page."""
import csv
import io
import re

from desk.adapters.memory import FakeServices
from desk.domain.people import Person
from desk.service_layer.ports import Refused, Unavailable
from tests.unit.desk.test_desk_case_pages import call, desk

STOYAN = Person("stoyan", "Стоян Георгиев", "official")


def rows(n, late=False):
    """``n`` cases due on different days of December (in no particular order), one without a date."""
    made = [{"case_index": f"A-{i:03d}", "subject": f"Тема {i}", "stage": "assigned", "stage_label": "Разпределен",
             "due_date": f"2026-12-{1 + i % 28:02d}" if i else None,
             "official": {"username": "stoyan", "name": "Стоян Георгиев", "unit": "Екология"}} for i in range(n)]
    return [{**r, "due_date": r["due_date"] or "2026-11-30", "days_overdue": 3} for r in made] if late else made


def shown(html):
    return re.findall(r'href="/cases\?index=(A-\d+)"', html)


def next_link(html):
    found = re.search(r'id="next-page" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def follow(worker, session, handler, url):
    path, _, query = url.partition("?")
    return call(worker, session, handler, "GET", path, query_string=query)


def test_my_cases_show_a_page_and_link_the_next_one_by_status_cursor():
    services = FakeServices(assigned=rows(60))
    worker, session = desk(services, person=STOYAN)
    status, html, _ = call(worker, session, "my_cases", "GET", "/my")
    first = shown(html)
    assert status == 200 and len(first) == 50 and "(50 на тази страница)" in html
    url = next_link(html)
    assert url.startswith("/my?list=mine&sort=due_date&after=")
    assert services.calls[-1][3:] == (None, 50)
    status, html, _ = follow(worker, session, "my_cases", url)
    second = shown(html)
    assert status == 200 and len(second) == 10 and next_link(html) is None
    assert not set(first) & set(second) and "A-000" in second  # the undated case last
    assert services.calls[-1][3] == url.rpartition("after=")[2].replace("%7C", "|").replace("%2F", "/")


def test_the_week_pages_too_and_its_csv_reads_every_page():
    services = FakeServices(due=rows(450))
    worker, session = desk(services, person=STOYAN)
    status, html, _ = call(worker, session, "my_cases", "GET", "/my", query_string={"list": "week"})
    assert status == 200 and len(shown(html)) == 50 and next_link(html).startswith("/my?list=week")
    status, body, response = call(worker, session, "my_cases_csv", "GET", "/my.csv", query_string={"list": "week"})
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert status == 200 and response.mimetype == "text/csv" and len(lines) == 451
    assert [c[3:] for c in services.calls if c[0] == "due"][-3:] == [
        (None, 200), ("2026-12-13|A-180", 200), ("2026-12-25|A-416", 200)]
    dates = [line[3] for line in lines[1:]]
    assert dates[0] == "01.12.2026" and dates[-1] == ""  # by due date, the undated last


def test_the_overdue_list_pages_and_its_csv_holds_every_late_case():
    services = FakeServices(overdue=rows(75, late=True))
    worker, session = desk(services, person=STOYAN)
    status, html, _ = call(worker, session, "overdue", "GET", "/overdue")
    assert status == 200 and len(shown(html)) == 50 and "на тази страница" in html
    status, html, _ = follow(worker, session, "overdue", next_link(html))
    assert status == 200 and len(shown(html)) == 25 and next_link(html) is None
    status, body, _ = call(worker, session, "overdue_csv", "GET", "/overdue.csv")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert len(lines) == 76 and lines[0][-1] == "Дни след срока"


def test_a_cursor_status_refuses_and_an_outage_are_bulgarian_pages():
    bad = Refused(400, "Невалиден курсор (after): използвайте стойността next от предишната страница.")
    worker, session = desk(FakeServices(overdue=bad, assigned=bad), person=STOYAN)
    status, html, _ = call(worker, session, "overdue", "GET", "/overdue", query_string={"after": "x"})
    assert status == 400 and "Невалиден курсор" in html and "Списъкът не е показан" in html
    status, html, _ = call(worker, session, "my_cases", "GET", "/my", query_string={"after": "x"})
    assert status == 400 and "Невалиден курсор" in html
    worker, session = desk(FakeServices(overdue=Unavailable("status")), person=STOYAN)
    status, html, _ = call(worker, session, "overdue_csv", "GET", "/overdue.csv")
    assert status == 503 and "Списъкът не може да бъде изтеглен." in html  # a page, not a cut file
