"""``GET /openapi.json`` for every service: a mixin, so the route is written once.

The document is built from the wire models (``delovod_proto.openapi``), the same ones
``make proto`` writes to ``proto/schemas/`` (a test keeps the two equal).
"""
from __future__ import annotations

import functools
import json

from nameko.web.handlers import http
from werkzeug.wrappers import Response

from delovod_proto import openapi


@functools.lru_cache(maxsize=None)
def _body(service: str) -> str:
    return json.dumps(openapi.document(service), ensure_ascii=False)


class ServesOpenApi:
    """Mix into a nameko service class whose ``name`` is one of ``delovod_proto.openapi.SERVICES``."""

    name: str

    @http("GET", "/openapi.json")
    def openapi_document(self, request):
        return Response(_body(self.name), mimetype="application/json", headers={"Cache-Control": "max-age=300"})
