"""Typed RPC errors: nameko re-raises these on the caller's side instead of RemoteError;
a deadline on RPC calls (nameko 2's proxy waits for a reply as long as it takes: a
stopped service's queue keeps the request, and the caller would hang until it returns);
and :class:`Unavailable`, what every adapter raises when its server refuses or does not
answer in time, so that a caller answers 503 (HTTP) or waits (a consumer), never 500."""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional

from nameko.exceptions import registry

from delovod_proto.rpc import TYPED_ERRORS


def register_typed_errors() -> None:
    """Make nameko deserialize our proto errors into their own classes (idempotent)."""
    for exc in TYPED_ERRORS:
        registry[f"{exc.__module__}.{exc.__name__}"] = exc


RPC_TIMEOUT_S = 10.0  # the default of KitSettings.rpc_timeout_s


class Unavailable(Exception):
    """A service or server this one needs refused or did not answer in time; the caller
    may try again later. ``service`` names it (``catalogue``, ``s3``, ``mongodb`` ...)."""

    def __init__(self, service: str, timeout_s: Optional[float] = None, cause: Optional[BaseException] = None):
        what = f"did not answer within {timeout_s:g} s" if timeout_s is not None else "is unavailable"
        super().__init__(f"{service} {what}" + (f": {cause!r}" if cause is not None else ""))
        self.service, self.timeout_s = service, timeout_s


def call_rpc(service: str, method: Callable[..., Any], *args, timeout_s: float = RPC_TIMEOUT_S) -> Any:
    """``method(*args)`` (a nameko proxy's method), or :class:`Unavailable` when no answer
    comes within ``timeout_s``, the request's publish included: with RabbitMQ paused, the
    publish waits for a publisher confirm that does not come (measured: over 90 s). The
    publish runs in a green thread of its own, which a timeout leaves to finish rather
    than interrupts, so a channel is never put back in the pool with a confirm
    outstanding; a reply that comes after is dropped by nameko (no one waits for its
    correlation id). A callable without ``call_async`` (a fake) is timed whole."""
    import eventlet

    call_async = getattr(method, "call_async", None)
    with eventlet.Timeout(timeout_s, Unavailable(service, timeout_s)):
        if call_async is None:
            return method(*args)
        return eventlet.spawn(call_async, *args).wait().result()


def outages_unavailable(service: str, outages: tuple[type[BaseException], ...],
                        also: Optional[Callable[[BaseException], bool]] = None) -> Callable[[type], type]:
    """Class decorator for an adapter: in each of its public methods, ``outages`` (its
    client's errors for a server that refuses, cannot be reached or does not answer within
    the client's timeouts) become :class:`Unavailable` naming ``service``, and so does an
    error for which ``also`` answers true (an outage its client reports with a generic class).
    The adapter is the boundary: above it nobody knows which client library failed."""
    caught = outages + ((Exception,) if also is not None else ())

    def outage(exc: BaseException) -> bool:
        return isinstance(exc, outages) or (also is not None and also(exc))

    def guard(fn: Callable) -> Callable:
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                try:
                    yield from fn(*args, **kwargs)
                except caught as exc:
                    if not outage(exc):
                        raise
                    raise Unavailable(service, cause=exc) from exc
            return generator

        @functools.wraps(fn)
        def call(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except caught as exc:
                if not outage(exc):
                    raise
                raise Unavailable(service, cause=exc) from exc
        return call

    def decorate(cls: type) -> type:
        for name, member in list(vars(cls).items()):
            if name.startswith("_"):
                continue
            if isinstance(member, (staticmethod, classmethod)):
                setattr(cls, name, type(member)(guard(member.__func__)))
            elif inspect.isfunction(member):
                setattr(cls, name, guard(member))
        return cls
    return decorate
