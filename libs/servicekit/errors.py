"""Typed RPC errors: nameko re-raises these on the caller's side instead of RemoteError."""
from nameko.exceptions import registry

from delovod_proto.rpc import TYPED_ERRORS


def register_typed_errors() -> None:
    """Make nameko deserialize our proto errors into their own classes (idempotent)."""
    for exc in TYPED_ERRORS:
        registry[f"{exc.__module__}.{exc.__name__}"] = exc
