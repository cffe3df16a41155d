"""The printable incoming journal: every row on paper, the header on every page, pages
numbered, text kept as text, no civil numbers."""
import io

from pypdf import PdfReader

from desk.entrypoints.journal_print import journal_pdf


def row(n, **over):
    return {"registration_index": f"ЖЛБ-{n}/03.12.2026", "registered_at": f"2026-12-03T08:{n % 60:02d}:00+00:00",
            "kind": "complaint", "channel": "counter", "subject": f"Неработещо осветление на ул. „Родопи“ № {n}",
            "sender": {"name": "Мария Петрова", "personal_number": "75******18"}, "due_date": "2027-01-04",
            "registered_by": "ivana", **over}


def pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def make(rows, **over):
    args = dict(office="Община Пловдив", filters="03.12.2026, всички регистри", printed_by="Ивана Иванова",
                printed_at="03.12.2026 17:05")
    return journal_pdf(rows, lambda v: str(v)[11:16], **{**args, **over})


def test_every_row_is_printed_in_order_with_the_header_on_every_page_and_pages_numbered():
    text = pages(make([row(n) for n in range(1, 121)]))
    assert len(text) > 2
    whole = "\n".join(text)
    assert all(f"ЖЛБ-{n}/03.12.2026" in whole for n in range(1, 121))
    assert whole.index("ЖЛБ-1/03.12.2026") < whole.index("ЖЛБ-120/03.12.2026")
    for n, page in enumerate(text, 1):
        assert "Индекс" in page and "Относно" in page  # the table's header repeats
        assert f"стр. {n} от {len(text)}" in page
        assert "Отпечатан на 03.12.2026 17:05 от Ивана Иванова" in page
    assert "Входящ дневник" in text[0] and "Община Пловдив — 03.12.2026, всички регистри" in text[0]
    assert "Записи: 120" in text[0]
    assert "Жалба" in whole and "На гише" in whole and "04.01.2027" in whole


def test_a_subject_that_looks_like_markup_stays_text_and_no_civil_number_is_printed():
    whole = "\n".join(pages(make([row(1, subject="<b>Жалба</b> & <i>сигнал</i>")])))
    assert "<b>Жалба</b> & <i>сигнал</i>" in whole
    assert "75******18" not in whole


def test_an_empty_day_says_so_and_a_cut_list_says_to_narrow_it():
    assert "Няма регистрирани документи" in pages(make([]))[0]
    assert "стеснете периода" in pages(make([row(1)], truncated=True))[0]


def signed_in_get(worker, session, handler, path, query):
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    environ = EnvironBuilder(method="GET", path=path, query_string=query,
                             headers={"Cookie": f"desk_session={session.id}", "Host": "localhost"}).get_environ()
    return getattr(worker, handler)(Request(environ))


def test_the_filter_is_named_in_words():
    from desk.domain.journal import JournalForm, describe

    form = JournalForm.from_args({"from": "2026-12-01", "to": "2026-12-03", "register": "ЖЛБ", "kind": "complaint",
                                  "channel": "counter", "q": "Родопи", "stage": "in_progress", "overdue": "1"}, None)
    assert describe(form) == ("01.12.2026 – 03.12.2026, регистър ЖЛБ, Жалба, На гише, В работа, думи „Родопи“, "
                              "само просрочени")
    assert describe(JournalForm.from_args({"from": "2026-12-03"}, None)) == "03.12.2026, всички регистри"


def test_the_desk_prints_the_journal_of_its_filter_as_the_signed_in_person():
    from desk.adapters.memory import FakeServices
    from tests.unit.desk.test_desk_case_pages import call, desk
    from tests.unit.desk.test_journal import row as journal_row

    services = FakeServices(journal={"items": [journal_row(1), journal_row(2)], "next": None})
    worker, session = desk(services)
    response = signed_in_get(worker, session, "journal_pdf", "/journal.pdf", {"from": "2026-03-10"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="dnevnik-2026-03-10.pdf"'
    text = "\n".join(pages(response.get_data()))
    assert "ЖЛБ-1/10.03.2026" in text and "ЖЛБ-2/10.03.2026" in text and "Записи: 2" in text
    assert "10.03.2026, всички регистри" in text and "от Ивана Петрова" in text
    status, html, _ = call(worker, session, "journal", "GET", "/journal", query_string={"from": "2026-03-10"})
    assert 'href="/journal.pdf?from=2026-03-10"' in html


def test_a_bad_date_gets_the_journal_page_with_its_error_not_a_pdf():
    from tests.unit.desk.test_desk_case_pages import call, desk
    from desk.adapters.memory import FakeServices

    worker, session = desk(FakeServices())
    status, html, response = call(worker, session, "journal_pdf", "GET", "/journal.pdf", query_string={"from": "вчера"})
    assert status == 400 and response.mimetype == "text/html" and "Въведете дата (ГГГГ-ММ-ДД)." in html
