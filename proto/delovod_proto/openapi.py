"""OpenAPI 3.1 documents of the four HTTP APIs, built from the wire models in
``delovod_proto.api`` (pydantic's JSON Schema, with ``$ref``s into ``components``).

``document(service)`` is what the service serves at ``GET /openapi.json``; ``make proto``
writes the same to ``proto/schemas/openapi-<service>.json`` and a test fails on drift.
Hand-written because no library builds OpenAPI for nameko routes (FastAPI's generator is
tied to FastAPI's routing); what is ours is only the walk over the operation table.
"""
from __future__ import annotations

import functools
from typing import Optional

from pydantic import BaseModel

from .api import catalogue, notifications, registry, status
from .api.common import RETRY_AFTER, Header, Operation, Problem, Reply

SERVICES = {"registry": registry, "status": status, "notifications": notifications, "catalogue": catalogue}
TITLES = {"registry": "the clerks' API of the registry", "status": "case status: citizens' lookup and officials' stages",
          "notifications": "the operators' API of notifications", "catalogue": "the public catalogue of services"}
PROBLEM_JSON = "application/problem+json"
REF = "#/components/schemas/{model}"
STATUS_TEXT = {400: "The request cannot be read (which field: errors)", 401: "No valid staff token",
               403: "The token's role may not do this", 404: "Not found", 409: "Conflicts with the current state",
               413: "Too large (what, and its limit: detail)", 422: "Well-formed, but refused (which field: errors)",
               429: "Too many failed tries; wait Retry-After seconds", 500: "An internal error (logged)",
               503: "A service it needs did not answer; try again after Retry-After seconds"}


class _Components:
    """Collects every model's schema under ``components/schemas``, once per name."""

    def __init__(self):
        self.schemas: dict[str, dict] = {}

    def add(self, name: str, schema: dict) -> None:
        if self.schemas.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas named {name}")

    def inline(self, model: type[BaseModel], mode: str) -> dict:
        """The model's own schema; the models it uses go to components."""
        schema = model.model_json_schema(ref_template=REF, mode=mode)
        for name, sub in schema.pop("$defs", {}).items():
            self.add(name, sub)
        return schema

    def ref(self, model: type[BaseModel], mode: str) -> dict:
        self.add(model.__name__, self.inline(model, mode))
        return {"$ref": REF.format(model=model.__name__)}


def _not_null(schema: dict) -> dict:
    """A query or path parameter is absent rather than null: drop JSON Schema's null branch."""
    branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
    if len(branches) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    if rest.get("default", 0) is None:
        del rest["default"]
    return {**branches[0], **rest}


def _parameters(model: Optional[type[BaseModel]], where: str, components: _Components) -> list[dict]:
    if model is None:
        return []
    schema = components.inline(model, "validation")
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema["properties"].items():
        prop = _not_null(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param = {"name": name, "in": where, "required": where == "path" or name in required, "schema": prop}
        if description:
            param["description"] = description
        out.append(param)
    return out


def _headers(headers: tuple[Header, ...]) -> dict:
    return {h.name: {"description": h.description, "required": h.required, "schema": h.schema} for h in headers}


def _reply(reply: Reply, components: _Components) -> dict:
    schema = components.ref(reply.model, "serialization") if reply.model else reply.schema
    out = {"description": reply.description, "content": {reply.media: {"schema": schema}}}
    if reply.headers:
        out["headers"] = _headers(reply.headers)
    return out


def _problem(status_code: int, problem: dict) -> dict:
    out = {"description": STATUS_TEXT[status_code], "content": {PROBLEM_JSON: {"schema": problem}}}
    if status_code in (429, 503):
        out["headers"] = _headers((RETRY_AFTER,))
    return out


def _responses(op: Operation, components: _Components) -> dict:
    responses = {str(code): _reply(reply, components) for code, reply in op.replies.items()}
    if op.problems:
        problem = components.ref(Problem, "serialization")
        codes = {*op.errors, *((401, 403) if op.roles else ()), *((400,) if op.query or op.path_params else ()),
                 *((400, 422) if op.body else ()), 500, 503}
        responses.update({str(c): _problem(c, problem) for c in sorted(codes)})
    elif "text/html" in {r.media for r in op.replies.values()}:
        responses["503"] = {"description": "The page is temporarily unavailable (a short Bulgarian page)",
                            "content": {"text/html": {"schema": {"type": "string"}}},
                            "headers": _headers((RETRY_AFTER,))}
    return responses


def _operation(op: Operation, components: _Components) -> dict:
    out = {"operationId": op.operation_id, "summary": op.summary,
           "parameters": (_parameters(op.path_params, "path", components)
                          + _parameters(op.query, "query", components)
                          + [{"name": h.name, "in": "header", "required": h.required, "description": h.description,
                              "schema": h.schema} for h in op.request_headers]),
           "responses": _responses(op, components)}
    if op.body is not None:
        media = {"schema": components.ref(op.body, "validation")}
        if op.body_encoding:
            media["encoding"] = op.body_encoding
        out["requestBody"] = {"required": True, "content": {op.body_media: media}}
    if op.roles:
        out["security"] = [{"staffToken": []}]
        out["x-roles"] = list(op.roles)
        out["description"] = f"Staff roles: {', '.join(op.roles)}."
    if not out["parameters"]:
        del out["parameters"]
    return out


@functools.lru_cache(maxsize=None)
def document(service: str) -> dict:
    """The OpenAPI 3.1 document of ``service``'s HTTP API (do not mutate: it is cached)."""
    components = _Components()
    paths: dict[str, dict] = {}
    for op in SERVICES[service].OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, components)
    return {"openapi": "3.1.0",
            "info": {"title": f"delovod {service}", "version": "1.0.0",
                     "description": f"HTTP API of {TITLES[service]}. Generated from proto/delovod_proto/api; "
                                    "do not edit. Errors are application/problem+json (RFC 9457) with a "
                                    "Bulgarian detail."},
            "paths": paths,
            "components": {"schemas": dict(sorted(components.schemas.items())),
                           "securitySchemes": {"staffToken": {"type": "http", "scheme": "bearer",
                                                              "bearerFormat": "JWT",
                                                              "description": "A staff token (role clerk, official "
                                                                             "or admin)"}}}}
