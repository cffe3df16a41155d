"""A sample multi-page scanned letter as PDF (reportlab), unique per run so the
registry's duplicate-scan check does not (rightly) refuse the second demo run."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)


def _font() -> str:
    for path in FONT_PATHS:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont("DejaVuSans", path))
            return "DejaVuSans"
    return "Helvetica"


def letter_pdf(pages: int = 3) -> bytes:
    font = _font()
    cyrillic = font != "Helvetica"
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    stamp = datetime.now().isoformat(timespec="microseconds")
    lines = (["До Кмета на Община Пловдив", "ЖАЛБА", "относно неработещо улично осветление на ул. „Иван Вазов“",
              "Уважаеми господин Кмет,", "Уличното осветление не работи от две седмици."]
             if cyrillic else ["To the Mayor of Plovdiv", "COMPLAINT", "Street lighting on Ivan Vazov St."])
    for page in range(1, pages + 1):
        pdf.setFont(font, 12)
        for n, line in enumerate(lines):
            pdf.drawString(72, 760 - 22 * n, line)
        pdf.drawString(72, 80, f"{'Страница' if cyrillic else 'Page'} {page}/{pages} — {stamp}")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()
