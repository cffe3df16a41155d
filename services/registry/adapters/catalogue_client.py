"""The catalogue over nameko RPC (the injected proxy carries the worker's trace context)."""
from __future__ import annotations

import datetime as dt

from delovod_proto.rpc import GetServiceTermRequest, ServiceTermResponse
from delovod_proto.vocabulary import ServiceVariant
from servicekit.errors import RPC_TIMEOUT_S, call_rpc


class RpcCatalogue:
    """``timeout_s``: the caller's ``settings.kit.rpc_timeout_s``; then Unavailable."""

    def __init__(self, proxy, timeout_s: float = RPC_TIMEOUT_S):
        self.proxy, self.timeout_s = proxy, timeout_s

    def service_term(self, code: str, at: dt.date, variant: ServiceVariant) -> ServiceTermResponse:
        request = GetServiceTermRequest(code=code, at=at, variant=variant)
        return ServiceTermResponse.model_validate(call_rpc("catalogue", self.proxy.get_service_term,
                                                           request.model_dump(mode="json"), timeout_s=self.timeout_s))
