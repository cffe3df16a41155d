"""The catalogue over nameko RPC, as registry calls it: the appeal route of a service in the
version valid on a date (the injected proxy carries the worker's trace context)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from delovod_proto.rpc import GetServiceTermRequest, ServiceNotFound, ServiceTermResponse
from servicekit.errors import RPC_TIMEOUT_S, call_rpc

from ..domain.letters import Appeal


class RpcCatalogue:
    """``timeout_s``: the caller's ``settings.kit.rpc_timeout_s``; then Unavailable (the event is
    retried: a letter must not say "the catalogue gives no appeal" because it did not answer)."""

    def __init__(self, proxy, timeout_s: float = RPC_TIMEOUT_S):
        self.proxy, self.timeout_s = proxy, timeout_s

    def appeal(self, code: str, at: dt.date) -> Optional[Appeal]:
        """The service's appeal route; None when the catalogue has no such service or says nothing."""
        request = GetServiceTermRequest(code=code, at=at)
        try:
            found = ServiceTermResponse.model_validate(call_rpc("catalogue", self.proxy.get_service_term,
                                                                request.model_dump(mode="json"),
                                                                timeout_s=self.timeout_s))
        except ServiceNotFound:
            return None
        if not (found.appeal_authority or found.appeal_term):
            return None
        return Appeal(found.appeal_authority, found.appeal_term)
