"""Plain-dict views of service versions for HTTP and RPC callers."""
from ..domain.model import ServiceVersion


def summary(v: ServiceVersion) -> dict:
    c = v.content
    return {"code": c.code, "name": c.name, "version": v.version, "valid_from": v.valid_from.isoformat(),
            "unit": c.unit.name, "eservice": c.eservice, "request_channels": c.request_channels,
            "variants": [x.model_dump(mode="json") for x in c.variants]}


def full(v: ServiceVersion) -> dict:
    return {**v.content.model_dump(mode="json"), "version": v.version,
            "valid_from": v.valid_from.isoformat()}
