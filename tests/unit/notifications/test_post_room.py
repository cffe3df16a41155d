"""Issue 14 item 6: a postal letter is an A4 PDF with the address in a DL window envelope's
window (DIN 5008 form B), Cyrillic embedded, and the post room gets one batch PDF a day with
every letter of that day exactly once."""
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from delovod_proto.events import Contact
from notifications.adapters import post_room
from notifications.adapters.post_room import (PAGE_H, PAGE_W, WINDOW, InMemoryPostRoomStore, PostRoom,
                                              letter_pdf)
from notifications.domain.letters import Office
from notifications.domain.messages import compose, signature
from notifications.service_layer.dispatcher import Notification
from servicekit import fonts

OFFICE = Office("Община Тест — Звено за административно обслужване", "032/000 000", "office@example.bg")
TZ = "Europe/Sofia"


def contact(address="ул. „Княз Александър I“ № 12, ет. 3, ап. 7, 4000 Пловдив", name="Мария Петрова Иванова"):
    return Contact(name=name, preferred_channel="post", postal_address=address, salutation="ms")


def notification(n=1, recipient=None, long=False):
    index = f"ЖЛБ-{n}/25.11.2026"
    subject, body = compose(index, "registered", "Неработещо улично осветление", dt.date(2026, 12, 29), None,
                            "http://status.example", recipient=recipient or contact(),
                            signed=signature(OFFICE.name, OFFICE.phone, OFFICE.email))
    return Notification(f"00000000-0000-0000-0000-{n:012d}", index, subject, body * (4 if long else 1))


def runs(page):
    """Every text run on the page: (x mm from the left, baseline mm from the top, text, font, size)."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((tm[4] / mm, (PAGE_H - tm[5]) / mm, text.strip(), font, size))

    page.extract_text(visitor_text=visit)
    return found


def positions(page):
    return [run[:3] for run in runs(page)]


def test_the_address_is_inside_the_dl_window_and_nothing_else_is():
    reader = PdfReader(io.BytesIO(letter_pdf(notification(), contact(), OFFICE, dt.date(2026, 12, 2))))
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((PAGE_W, PAGE_H))  # A4
    assert (PAGE_W / mm, PAGE_H / mm) == pytest.approx((210, 297), abs=0.1)
    left, top, width, height = WINDOW
    assert (left, top, width, height) == (20.0, 45.0, 85.0, 45.0)  # DIN 5008 form B address field
    inside = [run for run in runs(page) if left - 0.01 <= run[0] <= left + width and top < run[1] <= top + height]
    texts = [run[2] for run in inside]
    assert texts[1:] == ["Мария Петрова Иванова", "ул. „Княз Александър I“ № 12, ет. 3, ап. 7", "4000 Пловдив"]
    assert texts[0].startswith("Община Тест")  # the return line, in the field's top 5 mm
    assert inside[0][1] <= top + 5 and all(run[1] >= 62.7 for run in inside[1:])  # the recipient zone
    # each line whole inside: its cap height above the baseline, its descenders below, within the field
    assert all(y - size * 0.76 / mm >= top and y + size * 0.24 / mm <= top + height for _, y, _, _, size in inside)
    assert not [run for run in runs(page) if left <= run[0] <= left + width and 90 < run[1] < 98]


def test_every_address_line_fits_the_window_width():
    long = "жк „Тракия“, бл. 123, вх. Б, ет. 14, ап. 88, 4023 Пловдив, община Пловдив, област Пловдив"
    data = letter_pdf(notification(), contact(long), OFFICE, dt.date(2026, 12, 2))
    page = PdfReader(io.BytesIO(data)).pages[0]
    from reportlab.pdfbase import pdfmetrics

    inside = [run for run in runs(page) if 45 < run[1] <= 90 and run[0] < 105]
    assert len(inside) >= 4
    for x, y, text, _, size in inside:
        assert x + pdfmetrics.stringWidth(text, "DejaVuSans", size) / mm <= 20 + 85 + 0.01, text
    assert not [run for run in runs(page) if 90 < run[1] < 98 and run[0] < 105]  # nothing spills below the field


def test_the_cyrillic_font_is_embedded():
    reader = PdfReader(io.BytesIO(letter_pdf(notification(), contact(), OFFICE, dt.date(2026, 12, 2))))
    used = {id(font): font for *_, font, _ in runs(reader.pages[0])}.values()
    assert used and all("DejaVuSans" in str(f["/BaseFont"]) for f in used)  # every run, none in a base font
    assert all("/FontFile2" in f["/FontDescriptor"].get_object() for f in used)  # TrueType, embedded
    assert "Уважаема г-жо Иванова," in reader.pages[0].extract_text()


def test_a_long_letter_goes_on_to_a_second_page_with_the_index():
    reader = PdfReader(io.BytesIO(letter_pdf(notification(long=True), contact(), OFFICE, dt.date(2026, 12, 2))))
    assert len(reader.pages) >= 2 and "ЖЛБ-1/25.11.2026 — стр. 2" in reader.pages[1].extract_text()


def test_without_dejavu_no_letter_is_printed(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "FONT_DIR", tmp_path)
    fonts.dejavu.cache_clear()
    try:
        with pytest.raises(fonts.FontsMissing, match="fonts-dejavu-core"):
            letter_pdf(notification(), contact(), OFFICE, dt.date(2026, 12, 2))
    finally:
        fonts.dejavu.cache_clear()


class Clock:
    def __init__(self, local):
        self.now = local.astimezone(dt.timezone.utc)

    def __call__(self):
        return self.now


def sofia(*args):
    from zoneinfo import ZoneInfo

    return dt.datetime(*args, tzinfo=ZoneInfo(TZ))


def batch_indexes(room, store, day):
    batch = room.batch(day)
    reader = PdfReader(io.BytesIO(store.get(batch.object_key)))
    found = []
    for page in reader.pages:
        found += re.findall(r"Вашият документ е регистриран с индекс (ЖЛБ-\d+/25\.11\.2026)", page.extract_text())
    return batch, found


def test_the_daily_batch_holds_every_letter_of_the_day_exactly_once():
    store, clock = InMemoryPostRoomStore(), Clock(sofia(2026, 12, 2, 0, 30))
    room = PostRoom(store, OFFICE, TZ, clock)
    for n in range(1, 6):
        room.send(notification(n), contact())
    room.send(notification(3), contact())  # a retry of a letter already filed: same object
    clock.now = sofia(2026, 12, 2, 23, 59).astimezone(dt.timezone.utc)
    room.send(notification(6), contact())
    clock.now = sofia(2026, 12, 3, 0, 1).astimezone(dt.timezone.utc)
    room.send(notification(6), contact())  # a retry after midnight of a letter filed yesterday
    room.send(notification(7), contact())  # tomorrow's post
    assert room.batch(dt.date(2026, 12, 3)).ready is False  # the day still runs
    batch, found = batch_indexes(room, store, dt.date(2026, 12, 2))
    assert batch.ready and batch.letters == 6 and batch.url
    assert sorted(found) == sorted(f"ЖЛБ-{n}/25.11.2026" for n in range(1, 7))  # each once
    again, found_again = batch_indexes(room, store, dt.date(2026, 12, 2))
    assert again == batch and found_again == found  # built once, unchanged
    clock.now = sofia(2026, 12, 4, 8, 0).astimezone(dt.timezone.utc)
    _, next_day = batch_indexes(room, store, dt.date(2026, 12, 3))
    assert next_day == ["ЖЛБ-7/25.11.2026"]


def test_a_day_without_post_has_an_empty_batch():
    room = PostRoom(InMemoryPostRoomStore(), OFFICE, TZ, Clock(sofia(2026, 12, 2, 9, 0)))
    batch = room.batch(dt.date(2026, 12, 1))
    assert (batch.letters, batch.ready, batch.url) == (0, True, None)


def test_a_letter_without_a_postal_address_is_refused():
    room = PostRoom(InMemoryPostRoomStore(), OFFICE, TZ, Clock(sofia(2026, 12, 2, 9, 0)))
    with pytest.raises(ValueError):
        room.send(notification(), Contact(name="Мария", preferred_channel="email", email="m@example.bg"))
