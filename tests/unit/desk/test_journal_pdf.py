"""The printable incoming journal: every row on paper, the header on every page, pages
numbered, text kept as text, no civil numbers."""
import io

from pypdf import PdfReader

from desk.adapters.journal_pdf import journal_pdf


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
