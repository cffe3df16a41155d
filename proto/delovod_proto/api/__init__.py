"""The HTTP APIs' wire models: request bodies, query parameters and responses of every
service's HTTP routes, and the operations that use them (``OPERATIONS`` in each module).

``delovod_proto.openapi`` builds one OpenAPI 3.1 document per service from them; each
service serves it at ``GET /openapi.json`` and ``make proto`` writes it to
``proto/schemas/openapi-<service>.json``.
"""
