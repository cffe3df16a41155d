"""The registry's term arithmetic over nameko RPC (the injected proxy carries the trace)."""
from __future__ import annotations

from delovod_proto.rpc import ResumedTerm, ResumeTermRequest
from servicekit.errors import call_rpc


class RpcTerms:
    def __init__(self, proxy):
        self.proxy = proxy

    def resume(self, request: ResumeTermRequest) -> ResumedTerm:
        return ResumedTerm.model_validate(call_rpc("registry", self.proxy.resume_term, request.model_dump(mode="json")))
