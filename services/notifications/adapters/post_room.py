"""Postal letters for the post room: one print-ready A4 PDF per letter (reportlab, DejaVu Sans
embedded for Cyrillic, as the registry's receipts), filed in object storage under the day it was
sent, and one merged batch PDF per day (pypdf) that the post room prints the next morning.

Layout: DIN 5008 form B. The address field (Anschriftfeld) is 85 × 45 mm, 20 mm from the left
edge and 45 mm from the top: the first 17.7 mm hold the return address and notes, the recipient
goes in the lower 27.3 mm. Folded at the DIN 5008 fold marks (105 mm and 210 mm from the top),
the field lies behind the window of a DL envelope (110 × 220 mm; window 90 × 45 mm, 20 mm from
the left edge and 15 mm from the bottom, DIN 680 / ISO 269), which C6/5 window envelopes share.

Filing: ``post/<day>/letters/<notification id>.pdf``, the day in the administration's zone. A
retry of a letter filed yesterday (a crash between filing and recording the outcome) finds it
there and files nothing: each letter is in exactly one day's batch. The batch of a day
(``post/<day>/batch.pdf``) is built once the day is over, on the post room's first read, and
never changes after.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Callable, Optional
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import urllib3
from eventlet import tpool
from minio import Minio
from minio.error import ServerError
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas
from urllib3.exceptions import HTTPError

from delovod_proto.events import Contact
from servicekit import objects
from servicekit.errors import outages_unavailable
from servicekit.fonts import dejavu

from ..domain.letters import Office
from ..service_layer.dispatcher import Notification

FONTS = ("DejaVuSans", "DejaVuSans-Bold")
PAGE_W, PAGE_H = A4

# DIN 5008 form B, in millimetres from the sheet's top-left corner.
ADDRESS_LEFT_MM, ADDRESS_TOP_MM, ADDRESS_W_MM, ADDRESS_H_MM = 20.0, 45.0, 85.0, 45.0
RETURN_ZONE_MM = 5.0          # return address, one small line, at the top of the field
RECIPIENT_TOP_MM = 62.7       # 45 + 5 + 12.7: the recipient zone (27.3 mm) starts here
INFO_LEFT_MM, INFO_TOP_MM = 125.0, 50.0   # information block: date, case index
BODY_LEFT_MM, BODY_RIGHT_MM, BODY_TOP_MM = 25.0, 20.0, 98.46
BOTTOM_MM, CONTINUATION_TOP_MM = 20.0, 20.0
FOLD_MARKS_MM = (105.0, 210.0)  # DIN 5008 form B fold marks; the punch mark halves the sheet
PUNCH_MARK_MM = 148.5
# A DL window envelope's window, where the address must show (the tests check the text is inside).
WINDOW = (ADDRESS_LEFT_MM, ADDRESS_TOP_MM, ADDRESS_W_MM, ADDRESS_H_MM)


def fonts() -> tuple[str, str]:
    """A postal letter without Cyrillic glyphs is unreadable: never print one (raises
    :class:`servicekit.fonts.FontsMissing`)."""
    return dejavu(*FONTS)


def _y(top_mm: float) -> float:
    """reportlab's y (from the bottom, in points) of a distance from the top in millimetres."""
    return PAGE_H - top_mm * mm


def address_lines(name: str, postal_address: str, font: str, size: float, width: float) -> list[str]:
    """The recipient block: the name, then the address as written (its own lines, or its comma
    separated parts joined while they fit the field's width)."""
    parts = [p.strip() for p in re.split(r"\n|,(?=\s)", postal_address) if p.strip()]
    lines: list[str] = []
    for part in parts:
        joined = f"{lines[-1]}, {part}" if lines else part
        if lines and "\n" not in postal_address and pdfmetrics.stringWidth(joined, font, size) <= width:
            lines[-1] = joined
        else:
            lines.append(part)
    return [" ".join(name.split())] + lines


def _address_field(pdf: canvas.Canvas, office: Office, contact: Contact) -> None:
    regular, bold = fonts()
    x, width = ADDRESS_LEFT_MM * mm, ADDRESS_W_MM * mm
    back = f"{office.name}"
    pdf.setFont(regular, 6.5)
    pdf.drawString(x, _y(ADDRESS_TOP_MM + RETURN_ZONE_MM - 1.5), simpleSplit(back, regular, 6.5, width)[0])
    size = 10.0
    lines = address_lines(contact.name, contact.postal_address or "", regular, size, width)
    while len(lines) * size * 1.2 > (ADDRESS_TOP_MM + ADDRESS_H_MM - RECIPIENT_TOP_MM) * mm and size > 7:
        size -= 0.5  # a long address still fits the recipient zone
    y = _y(RECIPIENT_TOP_MM) - size
    for line in lines:
        for piece in simpleSplit(line, regular, size, width) or [""]:
            pdf.setFont(regular, size)
            pdf.drawString(x, y, piece)
            y -= size * 1.2


def _marks(pdf: canvas.Canvas) -> None:
    pdf.setLineWidth(0.3)
    for top in FOLD_MARKS_MM:
        pdf.line(3 * mm, _y(top), 8 * mm, _y(top))
    pdf.line(3 * mm, _y(PUNCH_MARK_MM), 10 * mm, _y(PUNCH_MARK_MM))


def _info_block(pdf: canvas.Canvas, case_index: str, day: dt.date) -> None:
    regular, bold = fonts()
    y = _y(INFO_TOP_MM)
    for label, value in (("Преписка", case_index), ("Дата", f"{day:%d.%m.%Y}")):
        pdf.setFont(regular, 8)
        pdf.drawString(INFO_LEFT_MM * mm, y, label)
        pdf.setFont(bold, 9)
        pdf.drawString(INFO_LEFT_MM * mm, y - 10, value)
        y -= 24


def letter_pdf(n: Notification, contact: Contact, office: Office, day: dt.date) -> bytes:
    """One letter, A4, page 1 in DIN 5008 form B; more pages when the text needs them."""
    regular, bold = fonts()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    pdf.setTitle(n.subject)
    pdf.setAuthor(office.name)
    pdf.setFont(bold, 11)
    pdf.drawString(BODY_LEFT_MM * mm, _y(20), office.name)
    pdf.setFont(regular, 8.5)
    pdf.drawString(BODY_LEFT_MM * mm, _y(25), f"тел. {office.phone} · {office.email}")
    _address_field(pdf, office, contact)
    _info_block(pdf, n.case_index, day)
    _marks(pdf)
    width, x = PAGE_W - (BODY_LEFT_MM + BODY_RIGHT_MM) * mm, BODY_LEFT_MM * mm
    y, page = _y(BODY_TOP_MM), 1
    lines = [(bold, 10.5, line) for line in simpleSplit(n.subject, bold, 10.5, width)] + [(regular, 10.5, "")]
    for paragraph in n.body.rstrip("\n").split("\n"):
        lines += [(regular, 10, line) for line in (simpleSplit(paragraph, regular, 10, width) or [""])]
    for font, size, text in lines:
        if y - size < BOTTOM_MM * mm:
            pdf.showPage()
            page += 1
            pdf.setFont(regular, 8)
            pdf.drawString(x, _y(12), f"{n.case_index} — стр. {page}")
            y = _y(CONTINUATION_TOP_MM)
        pdf.setFont(font, size)
        pdf.drawString(x, y - size, text)
        y -= size * 1.35
    pdf.save()
    return buf.getvalue()


def merge(pdfs: list[bytes]) -> bytes:
    """One PDF of every page of ``pdfs``, in order."""
    writer = PdfWriter()
    for data in pdfs:
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- object storage ---------------------------------------------------------------------------
@outages_unavailable("s3", (HTTPError, ServerError))
class PostRoomStore:
    """The post room's bucket (S3 through minio, like the registry's scans; created on first use)."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, timeout_s: float = 10.0):
        url = urlparse(endpoint)
        http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=min(timeout_s, 3.0), read=timeout_s),
                                   retries=urllib3.Retry(total=2, backoff_factor=0.2), maxsize=4)
        self.client = Minio(url.netloc, access_key=access_key, secret_key=secret_key,
                            secure=url.scheme == "https", http_client=http)
        self.bucket, self._ready = bucket, False

    def _bucket(self) -> None:
        if not self._ready:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
            self._ready = True

    def put(self, key: str, data: bytes, metadata: Optional[dict] = None) -> None:
        self._bucket()
        self.client.put_object(self.bucket, key, io.BytesIO(data), len(data), content_type="application/pdf",
                               metadata=metadata or {})

    def get(self, key: str) -> bytes:
        return objects.read(self.client, self.bucket, key)

    def exists(self, key: str) -> bool:
        self._bucket()
        return objects.stat(self.client, self.bucket, key) is not None

    def keys(self, prefix: str) -> list[str]:
        self._bucket()
        return sorted(o.object_name for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True))

    def link(self, key: str, expires: dt.timedelta) -> str:
        return self.client.presigned_get_object(self.bucket, key, expires=expires)


class InMemoryPostRoomStore:
    """The same, in memory (unit tests)."""

    def __init__(self):
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, metadata: Optional[dict] = None) -> None:
        self.objects[key] = data

    def get(self, key: str) -> bytes:
        return self.objects[key]

    def exists(self, key: str) -> bool:
        return key in self.objects

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))

    def link(self, key: str, expires: dt.timedelta) -> str:
        return f"memory://{key}"


@dataclass(frozen=True)
class Batch:
    """A day's post: how many letters, and (once the day is over) the link to the merged PDF."""
    day: dt.date
    letters: int
    ready: bool
    object_key: Optional[str] = None
    url: Optional[str] = None


def _letters(day: dt.date) -> str:
    return f"post/{day:%Y-%m-%d}/letters/"


def _batch(day: dt.date) -> str:
    return f"post/{day:%Y-%m-%d}/batch.pdf"


class PostRoom:
    """The postal channel (``send``) and the post room's daily batch (``batch``)."""

    def __init__(self, store, office: Office, tz: str,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 link_expires: dt.timedelta = dt.timedelta(hours=12)):
        self.store, self.office, self.tz, self.clock, self.link_expires = store, office, tz, clock, link_expires

    def today(self) -> dt.date:
        return self.clock().astimezone(ZoneInfo(self.tz)).date()

    def send(self, n: Notification, contact: Contact) -> None:
        """File the letter for today's batch (once: a letter filed yesterday stays there)."""
        if not contact.postal_address:
            raise ValueError("no postal address for a letter by post")
        today = self.today()
        if self.store.exists(f"{_letters(today - dt.timedelta(days=1))}{n.id}.pdf"):
            return
        self.store.put(f"{_letters(today)}{n.id}.pdf", letter_pdf(n, contact, self.office, today))

    def batch(self, day: dt.date) -> Batch:
        """``day``'s batch: built (once) when the day is over; while it runs, the count so far."""
        keys = self.store.keys(_letters(day))
        if day >= self.today():
            return Batch(day, len(keys), False)
        key = _batch(day)
        if not self.store.exists(key) and keys:
            # Merging is CPU work (measured: about 2 s per 100 letters): in an OS thread, so the
            # service's green threads (events, other requests) keep running meanwhile.
            merged = tpool.execute(merge, [self.store.get(k) for k in keys])
            self.store.put(key, merged, {"letters": str(len(keys))})
        if not keys:
            return Batch(day, 0, True)
        return Batch(day, len(keys), True, key, self.store.link(key, self.link_expires))
