"""The desk's journal: the filter goes to the registry as typed (today by default), its refusals
land on the fields, the CSV walks every page and opens in Excel (BOM) with numbers masked."""
import csv
import datetime as dt
import io

from desk.adapters.memory import FakeServices
from desk.domain.journal import JournalForm, csv_bytes
from desk.domain.people import Person
from desk.entrypoints import views
from desk.service_layer.ports import Refused
from desk.service_layer.workspace import Workspace

STOYAN = Person("stoyan", "Стоян Георгиев", "official")
TODAY = dt.date(2026, 3, 10)


def row(n, name="Мария Петрова", subject="Неработещо осветление"):
    return {"registration_index": f"ЖЛБ-{n}/10.03.2026", "registered_at": "2026-03-10T09:00:00Z", "kind": "complaint",
            "channel": "counter", "subject": subject, "due_date": "2026-04-09", "registered_by": "ivana",
            "sender": {"name": name, "personal_number": "********18"}}


def test_the_filter_goes_as_typed_with_today_by_default():
    services = FakeServices(journal={"items": [row(1)], "next": None})
    form = JournalForm.from_args({"q": " Petrova ", "channel": "counter", "kind": ""}, TODAY)
    outcome = Workspace(services).journal(STOYAN, form, "CUR")
    assert outcome.ok and outcome.result["items"][0]["registration_index"] == "ЖЛБ-1/10.03.2026"
    assert [c for c in services.calls if c[0] == "journal"] == [
        ("journal", STOYAN, {"from": "2026-03-10", "q": "Petrova", "channel": "counter", "limit": 50, "after": "CUR"})]


def test_a_date_that_is_not_a_date_is_an_error_on_its_field_and_nothing_is_asked():
    services = FakeServices()
    outcome = Workspace(services).journal(STOYAN, JournalForm.from_args({"from": "10.03", "to": "вчера"}, TODAY))
    assert not outcome.ok and [e.field for e in outcome.errors] == ["from", "to"] and services.calls == []


def test_the_registrys_refusal_lands_on_its_field():
    refused = Refused(400, "Изберете период до 366 дни.", [{"field": "to", "message": "Периодът е по-дълъг от 366 дни."}])
    outcome = Workspace(FakeServices(journal=refused)).journal(STOYAN, JournalForm.from_args({}, TODAY))
    assert outcome.summary == "Филтърът не е приложен. Изберете период до 366 дни."
    assert [(e.field, e.message) for e in outcome.errors] == [("to", "Периодът е по-дълъг от 366 дни.")]


def test_the_csv_walks_every_page_of_the_filter():
    services = FakeServices(journal=[{"items": [row(1), row(2)], "next": "A"}, {"items": [row(3)], "next": None}])
    outcome = Workspace(services).journal_rows(STOYAN, JournalForm.from_args({"register": "ЖЛБ"}, TODAY))
    assert [r["registration_index"] for r in outcome.result["items"]] == [f"ЖЛБ-{n}/10.03.2026" for n in (1, 2, 3)]
    journal = [c for c in services.calls if c[0] == "journal"]
    assert [c[2].get("after") for c in journal] == [None, "A"] and journal[0][2]["limit"] == 200


def test_the_csv_has_a_bom_bulgarian_headers_masked_numbers_and_no_formulas():
    data = csv_bytes([row(1), row(2, name="=HYPERLINK(\"http://x\")", subject="+359 звъннете")], lambda v: "10.03.2026 11:00")
    assert data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:3] == ["Индекс", "Дата и час", "Вид"]
    assert lines[1] == ["ЖЛБ-1/10.03.2026", "10.03.2026 11:00", "Жалба", "На гише", "Мария Петрова", "********18",
                        "Неработещо осветление", "2026-04-09", "ivana", "", ""]
    assert lines[2][4] == "'=HYPERLINK(\"http://x\")" and lines[2][6] == "'+359 звъннете"
    assert "7501020018" not in data.decode("utf-8-sig")


def test_the_page_has_a_captioned_table_row_headers_and_a_next_link_keeping_the_filter():
    form = JournalForm.from_args({"q": "Петрова", "from": "2026-03-01"}, TODAY)
    response = views.journal_page(None, form, Workspace(FakeServices(journal={"items": [row(1)], "next": "NX"}))
                                  .journal(STOYAN, form))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert 'href="/journal?from=2026-03-01&amp;q=%D0%9F' in html and "after=NX" in html
    assert 'href="/journal.csv?from=2026-03-01&amp;q=' in html and "********18" in html
