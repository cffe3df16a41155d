"""Printable papers for the counter (reportlab; DejaVu for Cyrillic): the citizen's receipt,
which carries the once-shown access code (hand the bytes over, keep no copy), and the label
stuck on the paper original so paper and record can be matched."""
from __future__ import annotations

import datetime as dt
import io
import logging
from collections import namedtuple
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from servicekit.fonts import FONT_DIR, FontsMissing, dejavu

from ..domain.registration import Registration

log = logging.getLogger(__name__)
FONT_NAMES = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono")  # file = name + ".ttf"
MARGIN = 15 * mm
# 29 × 90 mm is the common counter label roll (e.g. Brother DK-11201); on a 70 mm label the
# Code128 of a 36-character id has 0.15 mm bars, which 300 dpi printers cannot render readably.
STAMP_SIZE = (90 * mm, 29 * mm)
STAMP_MARGIN = 2.5 * mm


@dataclass(frozen=True)
class OfficeInfo:
    """The office that registered the document, as printed on the receipt."""
    name: str
    hours: str
    phone: str
    email: str


    @classmethod
    def of(cls, kit) -> "OfficeInfo":
        """From the shared settings (``DELOVOD_OFFICE_*``)."""
        return cls(kit.office_name, kit.office_hours, kit.office_phone, kit.office_email)


Fonts = namedtuple("Fonts", "regular bold mono")


@lru_cache(maxsize=1)
def fonts() -> Fonts:
    """DejaVu Sans (Cyrillic) if installed, else the PDF base fonts, which cannot show Cyrillic."""
    try:
        return Fonts(*dejavu(*FONT_NAMES))
    except FontsMissing:
        log.warning("DejaVu fonts not found in %s: Cyrillic will not render on receipts", FONT_DIR)
        return Fonts("Helvetica", "Helvetica-Bold", "Courier")


def status_link(status_url: str, index: str) -> str:
    """The status page for ``index``; the access code is never part of it."""
    return f"{status_url.rstrip('/')}/?{urlencode({'index': index})}"


def local_time(at: dt.datetime, tz: str) -> str:
    """``at`` in the administration's local time (``tz``) as dd.mm.yyyy HH:MM."""
    if at.tzinfo is None:  # stored datetimes are UTC even when the driver drops the zone
        at = at.replace(tzinfo=dt.timezone.utc)
    return f"{at.astimezone(ZoneInfo(tz)):%d.%m.%Y %H:%M}"


class _Cursor:
    """Writes lines top-down on one page, wrapping to the text width."""

    def __init__(self, pdf: canvas.Canvas, x: float, y: float, width: float):
        self.pdf, self.x, self.y, self.width = pdf, x, y, width

    def line(self, text: str, font: str, size: float, leading: float = 1.35) -> None:
        self.pdf.setFont(font, size)
        self.pdf.drawString(self.x, self.y - size, text)
        self.y -= size * leading

    def para(self, text: str, font: str, size: float, max_lines: int = 6) -> None:
        lines = simpleSplit(text, font, size, self.width)
        if len(lines) > max_lines:
            lines = lines[:max_lines - 1] + [lines[max_lines - 1].rstrip() + " …"]
        for text_line in lines:
            self.line(text_line, font, size, 1.3)


def _draw_qr(pdf: canvas.Canvas, value: str, x: float, y: float, side: float, border: int = 4) -> None:
    widget = QrCodeWidget(value, barWidth=side, barHeight=side, barBorder=border, barLevel="M")
    renderPDF.draw(Drawing(side, side, widget), pdf, x, y)


def _draw_code128(pdf: canvas.Canvas, value: str, x: float, y: float, width: float, height: float) -> None:
    # The label's margin is the quiet zone; reportlab's default (6.35 mm a side) would not fit.
    drawing = createBarcodeDrawing("Code128", value=value, quiet=0, width=width, height=height)
    renderPDF.draw(drawing, pdf, x, y)


def _canvas(size: tuple[float, float], title: str) -> tuple[io.BytesIO, canvas.Canvas]:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=size)
    pdf.setTitle(title)
    return buf, pdf


def _registration_block(c: _Cursor, f: Fonts, registration: Registration, tz: str) -> None:
    c.line("Входящ регистрационен индекс", f.regular, 9)
    c.line(registration.index, f.bold, 18)
    if registration.case_index != registration.index:
        c.line(f"към преписка {registration.case_index}", f.regular, 10)
    c.line(f"Дата и час на регистриране: {local_time(registration.registered_at, tz)} ч.", f.regular, 10)
    c.y -= 4
    c.para(f"Относно: {registration.command.subject}", f.regular, 10)


def _term_block(c: _Cursor, f: Fonts, registration: Registration) -> None:
    due = registration.due
    c.line(f"Срок за отговор: {f'{due.due_date:%d.%m.%Y}' if due else '—'}", f.bold, 12)
    if due:
        c.para(due.summary_bg(), f.regular, 8.5)
    c.para("Срокът тече от датата на регистрационния индекс (Харта на клиента).", f.regular, 8.5)


def _access_block(c: _Cursor, f: Fonts, access_code: Optional[str]) -> None:
    if access_code:
        c.line(f"Код за достъп: {access_code}", f.mono, 16)
    c.para("Пазете кода: показва се само веднъж. С него и с индекса проверявате етапа на преписката "
           "онлайн." if access_code else "Кодът за достъп се отпечатва само веднъж — използвайте кода "
           "от първата разписка.", f.regular, 9)


def _online_block(c: _Cursor, f: Fonts, status_url: str, index: str, side: float = 32 * mm) -> None:
    _draw_qr(c.pdf, status_link(status_url, index), c.x, c.y - side, side)
    text = _Cursor(c.pdf, c.x + side + 4 * mm, c.y - 3 * mm, c.width - side - 4 * mm)
    text.line("Проверка на преписката онлайн:", f.bold, 10)
    # The encoded link is unreadable; people who type it need the plain address.
    text.para(status_url, f.regular, 9, max_lines=2)
    text.para("Сканирайте QR кода или отворете адреса и въведете индекса и кода за достъп.", f.regular, 9)
    c.y -= side


def _footer(pdf: canvas.Canvas, f: Fonts, office: OfficeInfo, width: float) -> None:
    c = _Cursor(pdf, MARGIN, MARGIN + 50, width)
    pdf.line(MARGIN, c.y + 6, MARGIN + width, c.y + 6)
    c.para(office.name, f.bold, 9, max_lines=2)
    c.line(f"Работно време: {office.hours}", f.regular, 9)
    c.line(f"Телефон: {office.phone} · e-mail: {office.email}", f.regular, 9)


def receipt_pdf(registration: Registration, access_code: Optional[str], status_url: str,
                office: OfficeInfo, tz: str) -> bytes:
    """A5 receipt for the citizen: index, time (in ``tz``), subject, due date, access code
    (if given), a QR of the status page and the office's contacts. No personal number."""
    f, (page_w, page_h) = fonts(), A5
    buf, pdf = _canvas(A5, f"Разписка {registration.index}")
    c = _Cursor(pdf, MARGIN, page_h - MARGIN, page_w - 2 * MARGIN)
    c.para(office.name, f.regular, 9, max_lines=2)
    c.line("РАЗПИСКА ЗА РЕГИСТРИРАН ДОКУМЕНТ", f.bold, 13)
    for block, args in ((_registration_block, (registration, tz)), (_term_block, (registration,)),
                        (_access_block, (access_code,))):
        c.y -= 10
        block(c, f, *args)
    c.y -= 10
    # The status page looks cases up by the case index; for a first document it is the index.
    _online_block(c, f, status_url, registration.case_index)
    _footer(pdf, f, office, c.width)
    pdf.save()
    return buf.getvalue()


def _fitted(text: str, font: str, size: float, width: float) -> float:
    return min(size, size * width / pdfmetrics.stringWidth(text, font, size))


def stamp_pdf(registration: Registration, tz: str) -> bytes:
    """90×29 mm label for the paper original: index, registration time (in ``tz``), a QR of the
    index and a Code128 of the registration id (uuid string)."""
    f, (w, h), m, qr_side, reg_id = fonts(), STAMP_SIZE, STAMP_MARGIN, 13 * mm, str(registration.id)
    buf, pdf = _canvas(STAMP_SIZE, f"Етикет {registration.index}")
    _draw_qr(pdf, registration.index, w - m - qr_side, h - m - qr_side, qr_side, border=1)
    c = _Cursor(pdf, m, h - m - 1 * mm, w - 2 * m - qr_side - 1 * mm)
    c.line(registration.index, f.bold, _fitted(registration.index, f.bold, 12, c.width))
    c.line(f"Рег. {local_time(registration.registered_at, tz)} ч.", f.regular, 8)
    _draw_code128(pdf, reg_id, m, m + 2.2 * mm, w - 2 * m, 7 * mm)
    pdf.setFont(f.mono, _fitted(reg_id, f.mono, 5.5, w - 2 * m))
    pdf.drawString(m, m, reg_id)
    pdf.save()
    return buf.getvalue()


@dataclass(frozen=True)
class Papers:
    """The printed papers of one administration: its office, its status page, its time zone
    (built by the composition root from the settings)."""
    office: OfficeInfo
    status_url: str
    tz: str

    def receipt(self, registration: Registration, access_code: Optional[str]) -> bytes:
        return receipt_pdf(registration, access_code, self.status_url, self.office, self.tz)

    def stamp(self, registration: Registration) -> bytes:
        return stamp_pdf(registration, self.tz)
