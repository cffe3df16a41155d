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


def _detail(v: ServiceVersion) -> api.ServiceDetail:
    return api.ServiceDetail(**v.content.model_dump(), version=v.version, valid_from=v.valid_from,
                             changed_by=v.changed_by, change_reason=v.change_reason)


def full(v: ServiceVersion) -> dict:
    return _detail(v).model_dump(mode="json")


def edited(v: ServiceVersion, changes) -> dict:
    return api.ServiceEdited(service=_detail(v), changes=[c.as_dict() for c in changes]).model_dump(mode="json")


def history(code: str, versions: list[ServiceVersion]) -> dict:
    items = [api.VersionView(version=v.version, valid_from=v.valid_from, published=v.published, name=v.content.name,
                             changed_by=v.changed_by, change_reason=v.change_reason, changed_at=v.changed_at)
             for v in versions]
    return api.ServiceVersions(code=code, items=items).model_dump(mode="json")
