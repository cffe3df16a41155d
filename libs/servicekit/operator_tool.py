"""The frame of an operator's one-off command over a service's database (the backfills):
connect as the service's settings say, run the work, print what it did, and if it stops, say
why and that what was written stays (every such command is idempotent: run it again)."""
from __future__ import annotations

import sys
from typing import Callable


BACKFILL_OPERATION_TIMEOUT_MS = 30 * 60 * 1000  # one read of a whole collection: 100,000 cases took > 10 s


def run_backfill(name: str, alias: str, settings, work: Callable[[], str],
                 operation_timeout_ms: int = BACKFILL_OPERATION_TIMEOUT_MS) -> int:
    """Connect ``alias`` with ``settings.mongo_uri`` and its TLS options, run ``work`` (which
    answers the line to print) and return the exit code: 0 done, 1 stopped. Each operation
    may take ``operation_timeout_ms`` (the service's own bound, 10 s by default, is for
    requests: a backfill's single read of a whole collection outlasts it under load)."""
    from . import mongo

    mongo.connect(alias, settings.mongo_uri, **{**settings.mongo_options(), "operation_timeout_ms": operation_timeout_ms})
    try:
        said = work()
    except Exception as exc:  # an operator's tool: say what failed and that it may be run again
        print(f"The {name} stopped: {exc}. What was written stays; run it again to finish.", file=sys.stderr)
        return 1
    print(said)
    return 0
