"""Kafka over SASL_SSL with SCRAM-SHA-512, as Strimzi's secured listener: a broker of the
stack's own Kafka distribution, started here on 127.0.0.1 with throwaway certificates and
SCRAM users made by `kafka-storage format --add-scram`. The services' clients, built from the
settings alone, reach it; a wrong password or an untrusted CA is refused saying so."""
import pytest
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic

from delovod_proto.envelope import Envelope
from servicekit.kafka import make_producer, send_envelope
from servicekit.secure import KafkaRefused
from servicekit.settings import KitSettings
from tests.helpers import registered
from tests.integration.secured_servers import make_certs, start_kafka, stop

pytestmark = pytest.mark.integration
PASSWORD = "right-secret"


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kafka-sasl-ssl")
    certs = make_certs(folder / "certs")
    (folder / "password").write_text(PASSWORD + "\n")  # as a mounted Secret: trailing newline
    (folder / "wrong-password").write_text("not-the-secret")
    process, port = start_kafka(folder, certs, {"delovod": PASSWORD})
    yield folder, certs, f"127.0.0.1:{port}"
    stop(process)


def kit(broker, **overrides) -> KitSettings:
    folder, certs, bootstrap = broker
    settings = dict(kafka_bootstrap=bootstrap, kafka_security_protocol="SASL_SSL", kafka_sasl_username="delovod",
                    kafka_sasl_password_file=folder / "password", kafka_ssl_ca_file=certs.ca,
                    kafka_bootstrap_timeout_ms=20000)  # a refusal takes this long: the client retries
    # (8 s was too short once on a loaded 2-core machine: no SASL exchange finished in time,
    # so the refusal read "brokers down" instead of "wrong password")
    return KitSettings(**{**settings, **overrides})


def test_producer_consumer_and_admin_reach_the_secured_listener(broker, uid):
    settings = kit(broker)
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, **settings.kafka_options())
    topic = f"secured.{uid}"
    admin.create_topics([NewTopic(topic, 1, 1)])
    admin.close()
    producer = make_producer(settings.kafka_bootstrap, settings)
    envelope = Envelope.wrap(registered(), source="test", correlation_id=uid)
    send_envelope(producer, topic, envelope)
    producer.close(timeout=5)
    consumer = KafkaConsumer(topic, bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest",
                             consumer_timeout_ms=10_000, **settings.kafka_options())
    try:
        got = next(iter(consumer))
    finally:
        consumer.close()
    assert Envelope.model_validate_json(got.value).event_id == envelope.event_id


def test_a_wrong_password_is_refused_saying_so(broker):
    folder = broker[0]
    with pytest.raises(KafkaRefused, match="wrong SASL username or password") as refused:
        make_producer(broker[2], kit(broker, kafka_sasl_password_file=folder / "wrong-password"))
    # The broker's own words follow, or (under eventlet's green TLS, as after the service tier
    # in one run) the connection closing during the handshake, which the message says.
    assert "invalid credentials" in str(refused.value) or "closed the connection during" in str(refused.value)


def test_a_broker_certificate_from_an_untrusted_ca_is_refused(broker):
    with pytest.raises(KafkaRefused, match="not signed by a trusted CA") as refused:
        make_producer(broker[2], kit(broker, kafka_ssl_ca_file=broker[1].other_ca))
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value)


def test_a_plaintext_client_gets_nothing_from_the_secured_listener(broker):
    with pytest.raises(KafkaRefused):
        make_producer(broker[2], KitSettings(kafka_bootstrap=broker[2], kafka_bootstrap_timeout_ms=3000))
