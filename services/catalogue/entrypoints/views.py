"""Service versions as HTTP and RPC callers see them: the documented wire models
(delovod_proto.api.catalogue), built from the domain's versions."""
from delovod_proto.api import catalogue as api

from ..domain.model import ServiceVersion


def _summary(v: ServiceVersion) -> api.ServiceSummary:
    c = v.content
    return api.ServiceSummary(code=c.code, name=c.name, version=v.version, valid_from=v.valid_from, unit=c.unit.name,
                              eservice=c.eservice, request_channels=c.request_channels,
                              variants=[x.model_dump() for x in c.variants])


def summary(v: ServiceVersion) -> dict:
    return _summary(v).model_dump(mode="json")


def search(found: list[ServiceVersion]) -> dict:
    return api.ServiceSearch(items=[_summary(v) for v in found], count=len(found)).model_dump(mode="json")


def full(v: ServiceVersion) -> dict:
    return api.ServiceDetail(**v.content.model_dump(), version=v.version,
                             valid_from=v.valid_from).model_dump(mode="json")
