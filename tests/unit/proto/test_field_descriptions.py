"""Every field of every wire model says what it is: the generated schemas (proto/schemas/,
/openapi.json) are what integrators read."""
import importlib
import inspect
import pkgutil

from pydantic import BaseModel

import delovod_proto
import delovod_proto.api


def wire_models() -> dict[str, type[BaseModel]]:
    modules = [f"delovod_proto.{m.name}" for m in pkgutil.iter_modules(delovod_proto.__path__) if not m.ispkg]
    modules += [f"delovod_proto.api.{m.name}" for m in pkgutil.iter_modules(delovod_proto.api.__path__)]
    found = {}
    for name in modules:
        if name.endswith(".generate"):
            continue
        for _, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            if issubclass(cls, BaseModel) and cls.__module__.startswith("delovod_proto"):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def test_every_wire_field_has_a_description():
    models = wire_models()
    assert len(models) > 40  # the walk found the models
    undescribed = [f"{name}.{field}" for name, cls in sorted(models.items())
                   for field, info in cls.model_fields.items() if not (info.description or "").strip()]
    assert not undescribed, "describe these fields (Field(description=...)):\n" + "\n".join(undescribed)
