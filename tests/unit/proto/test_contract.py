"""The committed JSON Schemas and AsyncAPI document are what the models generate."""
import datetime as dt

import pytest
from pydantic import ValidationError

from delovod_proto import generate, topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import EVENT_MODELS, CatalogueServiceChanged


def test_generated_schemas_match_the_committed_ones():
    expected = generate.expected_files()
    committed = {p.name: p.read_text() for p in generate.SCHEMAS.glob("*.json")}
    assert committed == expected, "run `make proto` and commit proto/schemas/"


def test_every_event_has_a_declared_topic():
    assert {m.TOPIC for m in EVENT_MODELS} == set(topics.ALL)


def test_envelope_roundtrip_and_frozen():
    body = CatalogueServiceChanged(code="2016", version=2, valid_from=dt.date(2026, 1, 1), name="x")
    env = Envelope.wrap(body, source="catalogue", correlation_id="c")
    again = Envelope.model_validate_json(env.model_dump_json())
    assert again.body() == body and again.schema_version == 1
    with pytest.raises(ValidationError):
        again.source = "other"


def test_unknown_fields_and_types_are_rejected():
    with pytest.raises(ValidationError):
        CatalogueServiceChanged(code="1", version=1, valid_from="2026-01-01", name="x", extra=1)
    env = Envelope.wrap(CatalogueServiceChanged(code="1", version=1, valid_from=dt.date(2026, 1, 1), name="x"),
                        source="s", correlation_id="c")
    with pytest.raises(ValueError):
        env.model_copy(update={"event_type": "Nope"}).body()
