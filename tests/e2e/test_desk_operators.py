"""The operators' page on the running stack: a message the registry cannot read becomes a Kafka
dead letter; the admin (maria, from slapd) sees it on the desk with its consumer and reason and
sends it again with one button: the original goes back to its topic, marked as a replay of that
dead letter (and, still unreadable, is dead-lettered again). Dead notifications come from
notifications' API. Others may not open the page."""
import base64
import re
import secrets

import pytest
from kafka import KafkaProducer

from delovod_proto import topics
from servicekit import dead_letters
from tests.conftest import until
from tests.e2e.test_desk import DESK, csrf
from tests.e2e.test_desk_assignment import signed_in

pytestmark = pytest.mark.e2e
KAFKA = "127.0.0.1:9092"


def poison() -> tuple[int, int]:
    """An unreadable message on the e-portal's topic (the registry consumes it); its partition
    and offset (offsets are per partition: other tests' dead letters elsewhere have their own)."""
    producer = KafkaProducer(bootstrap_servers=KAFKA, acks="all")
    try:
        sent = producer.send(topics.EPORTAL_SUBMISSIONS, value=f"not an event {secrets.token_hex(4)}".encode(),
                             key=b"desk-operators").get(timeout=30)
    finally:
        producer.close(timeout=10)
    return sent.partition, sent.offset


def letters_for(at: tuple[int, int], n: int) -> list:
    partition, offset = at
    def found():
        hits = [(w, d) for w, d in dead_letters.read_all(KAFKA)
                if d.original_topic == topics.EPORTAL_SUBMISSIONS and d.partition == partition and d.offset >= offset]
        return hits if len(hits) >= n else None
    return until(found, timeout_s=60, interval_s=1, what=f"{n} dead letter(s) from offset {offset}")


def test_the_admin_replays_a_kafka_dead_letter_from_the_desk():
    offset = poison()
    [(where, letter)] = letters_for(offset, 1)
    admin = signed_in("maria")
    page = admin.get(f"{DESK}/operators", timeout=60)
    assert page.status_code == 200, page.text
    assert f'name="dead_letter" value="{where}"' in page.text and letter.consumer in page.text
    assert "Известия, които не са стигнали до гражданина" in page.text  # notifications' API answered
    assert "временно не отговаря" not in page.text
    replayed = admin.post(f"{DESK}/operators/replay", data={"csrf": csrf(page.text), "dead_letter": where}, timeout=60)
    assert replayed.status_code == 200, replayed.text
    assert re.search(r'id="replay-result">Събитието от eportal\.submissions\.v1 \(\d+:\d+\) е изпратено отново',
                     replayed.text)
    again = [d for w, d in letters_for(offset, 2) if w != where]
    assert any((h.name, h.value_b64) == (dead_letters.REPLAY_HEADER, base64.b64encode(where.encode()).decode())
               for d in again for h in d.original_headers), again


def test_an_official_may_not_open_the_operators_page():
    official = signed_in("stoyan")
    assert official.get(f"{DESK}/operators", timeout=15).status_code == 403
    page = official.get(f"{DESK}/", timeout=15)
    assert official.post(f"{DESK}/operators/replay", data={"csrf": csrf(page.text), "dead_letter": "0:0"},
                         timeout=15).status_code == 403
