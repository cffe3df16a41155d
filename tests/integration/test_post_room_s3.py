"""Issue 14 item 6 against the stack's real S3 (SeaweedFS): postal letters filed per day, the
day's batch merged once, written to the bucket and fetched through its link by the post room."""
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import requests
from pypdf import PdfReader

from delovod_proto.events import Contact
from notifications.adapters.post_room import PostRoom, PostRoomStore
from notifications.domain.letters import Office
from notifications.domain.messages import compose, signature
from notifications.service_layer.dispatcher import Notification

pytestmark = pytest.mark.integration
OFFICE = Office("Община Тест", "032/000 000", "office@example.bg")
SOFIA = ZoneInfo("Europe/Sofia")


def letter(n):
    index = f"ПС-{n}/01.12.2026"
    subject, body = compose(index, "registered", "Тема", dt.date(2026, 12, 29), None, "http://s",
                            signed=signature(OFFICE.name, OFFICE.phone, OFFICE.email))
    return Notification(f"{n:08d}-0000-0000-0000-000000000000", index, subject, body)


def test_the_post_rooms_daily_batch_in_object_storage(uid):
    store = PostRoomStore("http://127.0.0.1:8333", "delovod-local", "delovod-local-secret", f"post-test-{uid}")
    now = [dt.datetime(2026, 12, 1, 10, tzinfo=SOFIA)]
    room = PostRoom(store, OFFICE, "Europe/Sofia", clock=lambda: now[0])
    to = Contact(name="Петър Петров", preferred_channel="post", postal_address="ул. „Иван Вазов“ № 5, 4000 Пловдив")
    for n in (1, 2, 3, 2):  # the second "2": a retry, filed over itself
        room.send(letter(n), to)
    assert room.batch(dt.date(2026, 12, 1)).ready is False
    now[0] = dt.datetime(2026, 12, 2, 8, tzinfo=SOFIA)
    batch = room.batch(dt.date(2026, 12, 1))
    assert batch.ready and batch.letters == 3 and batch.object_key == "post/2026-12-01/batch.pdf"
    pdf = requests.get(batch.url, timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    found = [m for page in PdfReader(io.BytesIO(pdf.content)).pages
             for m in re.findall(r"регистриран с индекс (ПС-\d/01\.12\.2026)", page.extract_text())]
    assert sorted(found) == ["ПС-1/01.12.2026", "ПС-2/01.12.2026", "ПС-3/01.12.2026"]
    assert store.keys("post/2026-12-01/") == sorted(
        [f"post/2026-12-01/letters/{letter(n).id}.pdf" for n in (1, 2, 3)] + ["post/2026-12-01/batch.pdf"])
