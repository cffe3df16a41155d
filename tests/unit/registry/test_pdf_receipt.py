"""The counter receipt and the stamp label: what is printed, and what never is."""
import datetime as dt
import io
import uuid
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from delovod_proto.vocabulary import DocumentKind
from registry.adapters.pdf_receipt import (OfficeInfo, fonts, local_time, receipt_pdf, stamp_pdf,
                                           status_link)
from registry.domain.calendar import WorkingCalendar
from registry.domain.commands import RegisterDocument
from registry.domain.registration import Registration
from registry.domain.terms import DEFAULT_RULES, compute_due

PERSONAL_NUMBER = "7501020018"
CODE = "04817263"
STATUS_URL = "https://status.plovdiv.bg"
# 14:05 UTC on 30 April 2026 is 17:05 in Sofia (EEST); the 30-day complaint term ends on
# Saturday 30 May and moves to Monday 1 June.
REGISTERED_AT = dt.datetime(2026, 4, 30, 14, 5, tzinfo=dt.timezone.utc)
INDEX = "ЖЛБ-42/30.04.2026"
SOFIA = "Europe/Sofia"
OFFICE = OfficeInfo("Община Пловдив — Звено за административно обслужване", "понеделник – петък, 8:30 – 17:15 ч.",
                    "032/656 701", "info@plovdiv.bg")


def _registration(index: str = INDEX, case_index: str = INDEX) -> Registration:
    command = RegisterDocument.model_validate({
        "kind": "complaint", "channel": "counter", "subject": "Неработещо улично осветление на ул. „Иван Вазов“",
        "sender": {"name": "Мария Петрова", "personal_number": PERSONAL_NUMBER, "personal_number_kind": "egn",
                   "email": "maria@example.bg", "preferred_channel": "email"}})
    local = REGISTERED_AT.astimezone(dt.timezone(dt.timedelta(hours=3)))
    due = compute_due(local, DEFAULT_RULES[DocumentKind.COMPLAINT], WorkingCalendar())
    return Registration(id=uuid.UUID("0b9f3c2e-5d1a-4e7b-9c55-1f2a3b4c5d6e"), register_code="complaints",
                        year=2026, number=42, seq=0, index=index, case_index=case_index,
                        registered_at=REGISTERED_AT, command=command, access_code_hash="x",
                        registered_by="clerk-1", due=due)


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def receipt() -> tuple[bytes, int, str]:
    pdf = receipt_pdf(_registration(), CODE, STATUS_URL, OFFICE, SOFIA)
    return (pdf, *_text(pdf))


def test_due_date_of_the_fixture_is_the_moved_one():
    assert _registration().due.due_date == dt.date(2026, 6, 1)


def test_receipt_is_one_page_pdf(receipt):
    pdf, pages, _ = receipt
    assert pdf.startswith(b"%PDF")
    assert pages == 1


def test_receipt_shows_index_time_due_date_code_and_phone(receipt):
    _, _, text = receipt
    for part in ("42/30.04.2026", "30.04.2026 17:05", "01.06.2026", CODE, "032/656 701", "info@plovdiv.bg"):
        assert part in text


@pytest.mark.skipif(fonts().regular == "Helvetica", reason="DejaVu fonts not installed")
def test_receipt_cyrillic_is_extractable(receipt):
    _, _, text = receipt
    for part in (INDEX, "Входящ регистрационен индекс", "Срок за отговор", "Код за достъп",
                 "от датата на регистрационния индекс", "Иван Вазов"):
        assert part in text


def test_receipt_never_shows_the_personal_number(receipt):
    pdf, _, text = receipt
    assert PERSONAL_NUMBER not in text
    assert PERSONAL_NUMBER.encode() not in pdf


def test_receipt_without_code_says_so():
    pages, text = _text(receipt_pdf(_registration(), None, STATUS_URL, OFFICE, SOFIA))
    assert pages == 1
    assert CODE not in text and "Код за достъп:" not in text


def test_receipt_with_long_subject_stays_one_page():
    registration = _registration()
    registration.command = registration.command.model_copy(update={"subject": "много дълго " * 80})
    assert _text(receipt_pdf(registration, CODE, STATUS_URL, OFFICE, SOFIA))[0] == 1


def test_status_link_has_the_encoded_index_and_no_code():
    link = status_link(STATUS_URL + "/", INDEX)
    assert link == f"{STATUS_URL}/?index={quote(INDEX, safe='')}"
    assert CODE not in link and "code" not in link


def test_local_time_is_sofia_time_in_summer_and_winter():
    assert local_time(REGISTERED_AT, SOFIA) == "30.04.2026 17:05"
    assert local_time(dt.datetime(2026, 1, 15, 6, 30, tzinfo=dt.timezone.utc), SOFIA) == "15.01.2026 08:30"
    assert local_time(dt.datetime(2026, 1, 15, 6, 30), SOFIA) == "15.01.2026 08:30"


def test_stamp_shows_index_date_and_registration_id():
    registration = _registration()
    pdf = stamp_pdf(registration, SOFIA)
    pages, text = _text(pdf)
    assert pdf.startswith(b"%PDF") and pages == 1
    for part in ("42/30.04.2026", "30.04.2026 17:05", str(registration.id)):
        assert part in text
    assert PERSONAL_NUMBER not in text


def test_stamp_fits_a_long_follow_up_index():
    pdf = stamp_pdf(_registration("ЗДОИ-12345/2025-(12)/30.04.2026", "ЗДОИ-12345/30.12.2025"), SOFIA)
    assert "12345/2025-(12)/30.04.2026" in _text(pdf)[1].replace("\n", "")


def test_the_papers_show_the_time_in_the_configured_zone_and_the_configured_office():
    from registry.adapters.pdf_receipt import Papers
    from servicekit.settings import KitSettings

    kit = KitSettings(timezone="Europe/Lisbon", office_name="Община Тест", office_phone="000/111 222",
                      office_email="office@example.bg", office_hours="всеки ден")
    papers = Papers(OfficeInfo.of(kit), STATUS_URL, kit.timezone)
    _, receipt = _text(papers.receipt(_registration(), CODE))
    assert "30.04.2026 15:05" in receipt and "17:05" not in receipt  # Lisbon (WEST), not Sofia
    assert "Община Тест" in receipt and "000/111 222" in receipt and "Пловдив" not in receipt
    assert "30.04.2026 15:05" in _text(papers.stamp(_registration()))[1]
