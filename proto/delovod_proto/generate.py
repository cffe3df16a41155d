"""Generate proto/schemas/: one JSON Schema per model, an AsyncAPI 3 document and one
OpenAPI 3.1 document per HTTP API (``openapi-<service>.json``).

Run ``python -m delovod_proto.generate`` (``make proto``); ``--check`` exits 1 on drift.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from . import openapi, topics
from .envelope import Envelope
from .events import EVENT_MODELS
from .rpc import RPC_MODELS

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def _dump(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def json_schemas() -> dict[str, str]:
    """File name -> content for every wire model."""
    models = (Envelope, *EVENT_MODELS, *RPC_MODELS)
    return {f"{m.__name__}.schema.json": _dump(m.model_json_schema()) for m in models}


def asyncapi() -> str:
    """An AsyncAPI 3.0 document: one channel per topic, envelope + body per message."""
    channels, operations, messages = {}, {}, {}
    for model in EVENT_MODELS:
        name = model.__name__
        messages[name] = {
            "name": name,
            "title": name,
            "summary": (model.__doc__ or "").strip(),
            "contentType": "application/json",
            "headers": {"type": "object", "properties": {
                "traceparent": {"type": "string"}, "event_type": {"type": "string"}}},
            "payload": {"allOf": [
                {"$ref": "./Envelope.schema.json"},
                {"type": "object", "properties": {"data": {"$ref": f"./{name}.schema.json"}}},
            ]},
        }
        channel = model.TOPIC.replace(".", "_")
        channels[channel] = {"address": model.TOPIC,
                             "messages": {name: {"$ref": f"#/components/messages/{name}"}}}
        operations[f"publish{name}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"}]}
    assert {c["address"] for c in channels.values()} == set(topics.ALL)
    doc = {"asyncapi": "3.0.0",
           "info": {"title": "delovod events", "version": "1.0.0",
                    "description": "Kafka topics of delovod. Generated from proto/; do not edit."},
           "defaultContentType": "application/json",
           "channels": channels, "operations": operations,
           "components": {"messages": messages}}
    return _dump(doc)


def openapi_documents() -> dict[str, str]:
    """File name -> content of each service's OpenAPI document (what it serves at /openapi.json)."""
    return {f"openapi-{service}.json": _dump(openapi.document(service)) for service in openapi.SERVICES}


def expected_files() -> dict[str, str]:
    return {**json_schemas(), "asyncapi.json": asyncapi(), **openapi_documents()}


def main(argv: list[str]) -> int:
    files = expected_files()
    if "--check" in argv:
        drift = [n for n, c in files.items()
                 if not (SCHEMAS / n).exists() or (SCHEMAS / n).read_text() != c]
        stale = [p.name for p in SCHEMAS.glob("*.json") if p.name not in files]
        for name in drift + stale:
            print(f"proto drift: {name} (run `make proto`)")
        return 1 if drift or stale else 0
    SCHEMAS.mkdir(exist_ok=True)
    for p in SCHEMAS.glob("*.json"):
        if p.name not in files:
            p.unlink()
    for name, content in files.items():
        (SCHEMAS / name).write_text(content)
    print(f"wrote {len(files)} files to {SCHEMAS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
