"""Run a few independent I/O calls at once and wait for all of them.

Services pass :func:`green` (eventlet green threads: pymongo, minio and kafka-python all
wait on monkey-patched sockets, so their calls overlap); tests and fakes use
:func:`in_turn`. Both return the results in the order of the calls and, if any call
failed, raise the first failure only after every call has finished, so nothing is left
running behind the caller's back.
"""
from __future__ import annotations

from typing import Any, Callable

Concurrently = Callable[..., list]


def in_turn(*calls: Callable[[], Any]) -> list:
    return _collect([_outcome(call) for call in calls])


def green(*calls: Callable[[], Any]) -> list:
    import eventlet

    if len(calls) < 2:
        return in_turn(*calls)
    threads = [eventlet.spawn(_outcome, call) for call in calls[1:]]
    first = _outcome(calls[0])
    return _collect([first] + [t.wait() for t in threads])


def _outcome(call: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, call()
    except Exception as exc:  # re-raised by _collect once every call is done
        return False, exc


def _collect(outcomes: list[tuple[bool, Any]]) -> list:
    for ok, value in outcomes:
        if not ok:
            raise value
    return [value for _, value in outcomes]
