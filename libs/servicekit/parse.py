"""Parse an ``@http`` request into the wire model its OpenAPI document names: bad query or
path parameters are a 400, a bad body a 422, each problem+json with field-level errors in
Bulgarian. Anything else that goes wrong later is the service's fault (a logged 500)."""
from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .http import Problem, pydantic_errors

M = TypeVar("M", bound=BaseModel)


def field_errors(exc: ValidationError, prefix: str = "") -> list[dict]:
    """pydantic_errors, with an error of the whole part named after it (``metadata``, ``body``)."""
    whole = prefix.rstrip(".") or "body"
    return [{**e, "field": e["field"] if e["field"] != prefix else whole} for e in pydantic_errors(exc, prefix)]


def params(model: type[M], request, path: dict | None = None,
           detail: str = "Параметрите на заявката са невалидни.") -> M:
    """Query parameters (the first value of each the model knows) and path parameters."""
    data = {name: request.args[name] for name in model.model_fields if name in request.args}
    try:
        return model.model_validate({**data, **(path or {})})
    except ValidationError as exc:
        raise Problem(400, "Bad Request", detail, errors=field_errors(exc))


def json_body(model: type[M], request, detail: str) -> M:
    """The JSON body (an empty body is an empty object, so its required fields are named)."""
    try:
        return model.model_validate_json(request.get_data() or b"{}")
    except ValidationError as exc:
        raise Problem(422, "Unprocessable Content", detail, errors=field_errors(exc))
