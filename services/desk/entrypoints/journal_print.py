"""The printable incoming journal (входящ дневник), a page printed rather than shown: the journal's rows for a filter, as an A4
landscape PDF to print and sign at the end of a day (reportlab's platypus: a table that
repeats its header on every page; DejaVu Sans for Cyrillic).

Each page names the administration, the filter it lists, who printed it and when, and
"стр. N от M". The rows are the ones the journal page and its CSV show, in the same order;
personal numbers are left out (a printed list needs no civil numbers, only the sender)."""
from __future__ import annotations

import datetime as dt
import io
from typing import Callable, Iterable

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.pdfgen import canvas as pdfcanvas

from servicekit.fonts import dejavu

from ..domain import labels

COLUMNS = (("№", 10), ("Индекс", 38), ("Дата и час", 26), ("Вид", 30), ("Получен", 27), ("Подател", 42),
           ("Относно", 67), ("Срок", 21), ("Регистрирал", 23))  # widths in mm: 284 of A4 landscape's 297
MARGIN = 6.5 * mm


def journal_pdf(rows: Iterable[dict], when: Callable[[object], str], *, office: str, filters: str,
                printed_by: str, printed_at: str, truncated: bool = False) -> bytes:
    """The PDF of ``rows`` (the registry's journal items; ``when`` shows a moment in the
    administration's time zone). ``filters`` says in words what the list holds."""
    regular, bold = dejavu("DejaVuSans", "DejaVuSans-Bold")
    cell = ParagraphStyle("cell", fontName=regular, fontSize=7.5, leading=9)
    head = ParagraphStyle("head", parent=cell, fontName=bold)
    title = ParagraphStyle("title", fontName=bold, fontSize=13, leading=16)
    note = ParagraphStyle("note", fontName=regular, fontSize=8.5, leading=11)
    kinds = {k.value: v for k, v in labels.KINDS.items()}
    channels = {k.value: v for k, v in labels.CHANNELS.items()}
    data = [[Paragraph(name, head) for name, _ in COLUMNS]]
    count = 0
    for count, r in enumerate(rows, 1):
        sender = (r.get("sender") or {}).get("name") or ""
        due = r.get("due_date")
        data.append([Paragraph(_escape(x), cell) for x in (
            str(count), r["registration_index"], when(r["registered_at"]), kinds.get(r["kind"], r["kind"]),
            channels.get(r["channel"], r["channel"]), sender, r["subject"],
            dt.date.fromisoformat(str(due)[:10]).strftime("%d.%m.%Y") if due else "", r.get("registered_by") or "")])
    story = [Paragraph("Входящ дневник", title), Paragraph(_escape(f"{office} — {filters}"), note),
             Paragraph(_escape(f"Записи: {count}" + (" (списъкът е съкратен: стеснете периода)" if truncated else "")),
                       note), Spacer(0, 3 * mm)]
    if count:
        table = LongTable(data, colWidths=[w * mm for _, w in COLUMNS], repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))]))
        story.append(table)
    else:
        story.append(Paragraph("Няма регистрирани документи за избрания период и филтър.", note))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=12 * mm, title="Входящ дневник", author=office)
    footer = f"Отпечатан на {printed_at} от {printed_by}"
    doc.build(story, canvasmaker=lambda *a, **k: _NumberedCanvas(*a, footer=footer, font=regular, **k))
    return out.getvalue()


def _escape(text: str) -> str:
    """Paragraph reads a little markup: the rows' text must stay text."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _NumberedCanvas(pdfcanvas.Canvas):
    """Writes "стр. N от M" on each page once the number of pages is known (reportlab's own
    two-pass recipe: keep each page's state, draw the footers at save)."""

    def __init__(self, *args, footer: str, font: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages, self._footer, self._font = [], footer, font

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(self._font, 7.5)
            width = self._pagesize[0]
            self.drawString(MARGIN, 6 * mm, self._footer)
            self.drawRightString(width - MARGIN, 6 * mm, f"стр. {self._pageNumber} от {total}")
            super().showPage()
        super().save()
