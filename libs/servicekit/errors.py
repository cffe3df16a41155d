"""Typed RPC errors: nameko re-raises these on the caller's side instead of RemoteError;
and a deadline on RPC calls (nameko 2's proxy waits for a reply as long as it takes: a
stopped service's queue keeps the request, and the caller would hang until it returns)."""
from typing import Any, Callable

from nameko.exceptions import registry

from delovod_proto.rpc import TYPED_ERRORS


def register_typed_errors() -> None:
    """Make nameko deserialize our proto errors into their own classes (idempotent)."""
    for exc in TYPED_ERRORS:
        registry[f"{exc.__module__}.{exc.__name__}"] = exc


RPC_TIMEOUT_S = 10.0


class Unavailable(Exception):
    """A service this one needs did not answer in time; the caller may try again later."""

    def __init__(self, service: str, timeout_s: float):
        super().__init__(f"{service} did not answer within {timeout_s:g} s")
        self.service, self.timeout_s = service, timeout_s


def call_rpc(service: str, method: Callable[..., Any], *args, timeout_s: float = RPC_TIMEOUT_S) -> Any:
    """``method(*args)`` (a nameko proxy's method), or :class:`Unavailable` when no answer
    comes within ``timeout_s``. Only the wait for the answer is timed (``call_async``): the
    request's publish is left to finish, so a channel is never put back with a publisher
    confirm outstanding. A callable without ``call_async`` (a fake) is timed whole."""
    import eventlet

    call_async = getattr(method, "call_async", None)
    reply = call_async(*args) if call_async is not None else None
    with eventlet.Timeout(timeout_s, Unavailable(service, timeout_s)):
        return reply.result() if reply is not None else method(*args)
