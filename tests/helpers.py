"""Builders shared by test tiers."""
from __future__ import annotations

import datetime as dt
import io
import uuid

from PIL import Image

from delovod_proto.access_code import AccessCodeKeys, hash_access_code
from delovod_proto.events import Contact, DocumentRegistered
from registry.domain.commands import RegisterDocument


TEST_KEYS = AccessCodeKeys.parse("t1 " + "ab" * 32)


def png_bytes(seed: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (seed % 256, (seed // 256) % 256, 7)).save(buf, format="PNG")
    return buf.getvalue()


def pdf_bytes(tag: str) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, f"scan {tag}")
    c.showPage()
    c.save()
    return buf.getvalue()


def command(**overrides) -> RegisterDocument:
    data = {"kind": "complaint", "channel": "counter", "subject": "Неработещо осветление",
            "sender": {"name": "Мария Петрова", "personal_number": "7501020018", "personal_number_kind": "egn", "email": "maria@example.bg",
                       "preferred_channel": "email"}}
    data.update(overrides)
    return RegisterDocument.model_validate(data)


def registered(index="ЖЛБ-1/25.11.2026", case=None, code="12345678"):
    return DocumentRegistered(
        registration_id=uuid.uuid4(), registration_index=index, register_code="complaints", year=2026, number=1,
        case_index=case or index, registered_at=dt.datetime(2026, 11, 25, 9, tzinfo=dt.timezone.utc), kind="complaint",
        channel="counter", subject="Осветление", due_date=dt.date(2026, 12, 29),
        access_code_hash=hash_access_code(code, TEST_KEYS),
        sender=Contact(name="Мария", preferred_channel="email", email="m@example.bg"))
