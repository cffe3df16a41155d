"""E-portal submissions arrive on Kafka; exactly one index comes back per submission."""
import datetime as dt
import io
import secrets

import pytest
from kafka import KafkaConsumer
from minio import Minio

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import Contact, EportalAttachment, EportalSubmission
from servicekit.kafka import make_producer, send_envelope
from tests.conftest import until
from tests.helpers import pdf_bytes

pytestmark = pytest.mark.e2e
KAFKA = "127.0.0.1:9092"


def receipts_and_dead_letters(submission_id, timeout_s=30):
    consumer = KafkaConsumer(topics.EPORTAL_RECEIPTS, topics.DEAD_LETTERS, bootstrap_servers=KAFKA,
                             auto_offset_reset="earliest", consumer_timeout_ms=500)
    receipts, dead = [], []

    def poll():
        for m in consumer:
            env = Envelope.model_validate_json(m.value)
            body = env.body()
            if m.topic == topics.EPORTAL_RECEIPTS and body.submission_id == submission_id:
                receipts.append(body)
            if m.topic == topics.DEAD_LETTERS and submission_id.encode() in __import__("base64").b64decode(body.original_value_b64):
                dead.append(body)
        return receipts or dead
    until(poll, timeout_s, what="a receipt or dead letter")
    consumer.close()
    return receipts, dead


def submission(sid, attachments):
    return EportalSubmission(submission_id=sid, submitted_at=dt.datetime.now(dt.timezone.utc), kind="signal",
                             subject="Нерегламентирано сметище до бл. 12",
                             applicant=Contact(name="Петя Колева", preferred_channel="email", email="petya@example.bg"),
                             attachments=attachments)


def test_redelivered_submission_gets_one_index():
    sid = f"EP-{secrets.token_hex(6)}"
    s3 = Minio("127.0.0.1:8333", "delovod-local", "delovod-local-secret", secure=False)
    data = pdf_bytes(sid)
    s3.put_object("eportal-uploads", f"{sid}/signal.pdf", io.BytesIO(data), len(data))
    env = Envelope.wrap(submission(sid, [EportalAttachment(bucket="eportal-uploads", object_key=f"{sid}/signal.pdf",
                                                           file_name="signal.pdf")]), source="eportal", correlation_id=sid)
    producer = make_producer(KAFKA)
    send_envelope(producer, topics.EPORTAL_SUBMISSIONS, env, key=sid)
    send_envelope(producer, topics.EPORTAL_SUBMISSIONS, env, key=sid)  # redelivered
    receipts, dead = receipts_and_dead_letters(sid)
    assert not dead and len({r.registration_index for r in receipts}) == 1
    assert receipts[0].registration_index.startswith("СГН-") and receipts[0].due_date


def test_submission_with_missing_attachment_is_dead_lettered_with_reason():
    sid = f"EP-{secrets.token_hex(6)}"
    env = Envelope.wrap(submission(sid, [EportalAttachment(bucket="eportal-uploads", object_key=f"{sid}/none.pdf",
                                                           file_name="none.pdf")]), source="eportal", correlation_id=sid)
    send_envelope(make_producer(KAFKA), topics.EPORTAL_SUBMISSIONS, env, key=sid)
    receipts, dead = receipts_and_dead_letters(sid)
    assert not receipts and "Липсва прикаченият файл" in dead[0].reason


def test_a_dead_lettered_submission_is_registered_once_its_cause_is_fixed_and_it_is_replayed():
    """The attachment was missing; the portal uploads it; the operator replays the dead letter
    (python -m servicekit.dead_letters replay): the citizen gets an index, once."""
    import base64

    from servicekit import dead_letters

    sid = f"EP-{secrets.token_hex(6)}"
    key = f"{sid}/late.pdf"
    env = Envelope.wrap(submission(sid, [EportalAttachment(bucket="eportal-uploads", object_key=key, file_name="late.pdf")]),
                        source="eportal", correlation_id=sid)
    send_envelope(make_producer(KAFKA), topics.EPORTAL_SUBMISSIONS, env, key=sid)
    receipts, dead = receipts_and_dead_letters(sid)
    assert not receipts and dead
    data = pdf_bytes(sid)
    Minio("127.0.0.1:8333", "delovod-local", "delovod-local-secret", secure=False).put_object(
        "eportal-uploads", key, io.BytesIO(data), len(data))
    ours = [(where, d) for where, d in dead_letters.read_all(KAFKA)
            if d.consumer == "registry.register_submission" and sid.encode() in base64.b64decode(d.original_value_b64)]
    assert len(ours) == 1 and base64.b64decode(ours[0][1].original_key_b64) == sid.encode()
    assert dead_letters.replay(KAFKA, ours + ours) == 2  # replayed twice by mistake: still one registration
    receipts = until(lambda: receipts_and_dead_letters(sid, timeout_s=10)[0], timeout_s=60, what="the receipt")
    assert len({r.registration_index for r in receipts}) == 1 and receipts[0].registration_index.startswith("СГН-")
