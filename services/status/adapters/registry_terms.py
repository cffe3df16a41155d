"""The registry's term arithmetic over nameko RPC (the injected proxy carries the trace)."""
from __future__ import annotations

from pydantic import ValidationError

from delovod_proto.rpc import CountedTerm, CountTermRequest, ResumedTerm, ResumeTermRequest
from servicekit.errors import RPC_TIMEOUT_S, call_rpc


class RpcTerms:
    """``timeout_s``: the caller's ``settings.kit.rpc_timeout_s``; then Unavailable."""

    def __init__(self, proxy, timeout_s: float = RPC_TIMEOUT_S):
        self.proxy, self.timeout_s = proxy, timeout_s

    def resume(self, request: ResumeTermRequest) -> ResumedTerm:
        answer = call_rpc("registry", self.proxy.resume_term, request.model_dump(mode="json"),
                          timeout_s=self.timeout_s)
        try:
            return ResumedTerm.model_validate(answer)
        except ValidationError as exc:  # not the official's input: a registry this status cannot read
            raise RuntimeError(f"registry.resume_term answered what this status cannot read: {exc}") from None

    def count(self, request: CountTermRequest) -> CountedTerm:
        answer = call_rpc("registry", self.proxy.count_term, request.model_dump(mode="json"),
                          timeout_s=self.timeout_s)
        try:
            return CountedTerm.model_validate(answer)
        except ValidationError as exc:
            raise RuntimeError(f"registry.count_term answered what this status cannot read: {exc}") from None
