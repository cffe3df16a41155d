"""Notifications' side of a citizen's change of contact over nameko RPC (the injected proxy
carries the trace); no answer within ``timeout_s``: Unavailable (the page answers 503)."""
from __future__ import annotations

from pydantic import BaseModel, ValidationError

from delovod_proto.rpc import ContactChangeConfirmation, ContactChangeOutcome, ContactChangeRequest, ContactChangeStarted
from servicekit.errors import RPC_TIMEOUT_S, call_rpc


class RpcContactChanges:
    def __init__(self, proxy, timeout_s: float = RPC_TIMEOUT_S):
        self.proxy, self.timeout_s = proxy, timeout_s

    def start(self, request: ContactChangeRequest) -> ContactChangeStarted:
        return self._call("start_contact_change", request, ContactChangeStarted)

    def confirm(self, request: ContactChangeConfirmation) -> ContactChangeOutcome:
        return self._call("confirm_contact_change", request, ContactChangeOutcome)

    def _call(self, method: str, request: BaseModel, answer: type[BaseModel]):
        found = call_rpc("notifications", getattr(self.proxy, method), request.model_dump(mode="json"),
                         timeout_s=self.timeout_s)
        try:
            return answer.model_validate(found)
        except ValidationError as exc:  # not the citizen's input: a notifications this status cannot read
            raise RuntimeError(f"notifications.{method} answered what this status cannot read: {exc}") from None
