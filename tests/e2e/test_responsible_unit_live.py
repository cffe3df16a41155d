"""On the running stack: an application's DocumentRegistered names the unit the catalogue
gives as responsible for the service (over the real catalogue RPC and Kafka)."""
import pytest
import requests
from kafka import KafkaConsumer

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from tests.conftest import until
from tests.e2e.conftest import CATALOGUE
from tests.e2e.test_registration_flow import metadata, register

pytestmark = pytest.mark.e2e


def test_an_applications_event_names_the_catalogues_responsible_unit(clerk):
    service = requests.get(f"{CATALOGUE}/api/v1/services", params={"q": "удостоверение за наследници"},
                           timeout=10).json()["items"][0]
    consumer = KafkaConsumer(topics.DOCUMENTS_REGISTERED, bootstrap_servers="127.0.0.1:9092",
                             auto_offset_reset="latest", consumer_timeout_ms=500)
    until(lambda: consumer.poll(timeout_ms=200) is not None and consumer.assignment(), what="assignment")
    done = register(clerk, metadata(kind="service_application", service_code=service["code"]))
    assert done.status_code == 201, done.text
    index, found = done.json()["registration_index"], []

    def the_event():
        for m in consumer:
            body = Envelope.model_validate_json(m.value).body()
            if body.registration_index == index:
                found.append(body)
        return found
    until(the_event, 30, what="DocumentRegistered of the application")
    consumer.close()
    assert found[0].responsible_unit == service["unit"] and service["unit"]
