"""`python -m notifications.attempts_backfill`: put the attempts recorded before each case kept
its own list of them (``case_attempts``, read by ``_id`` for the case page's contact history;
docs/decisions.md, "Session 9") into those lists.

An operator runs it once after upgrading, against notifications' database as the settings name
it. ``$addToSet``: running it twice, while notifications is serving, or stopping it half-way
changes nothing that was right. It reads the whole ``attempts`` collection once."""
from __future__ import annotations

import sys


def main(argv=None) -> int:
    from servicekit.operator_tool import run_backfill

    from .adapters.mongo_repository import ALIAS, MongoNotificationRepository
    from .settings import NotificationsSettings

    def work() -> str:
        done = MongoNotificationRepository().backfill_case_attempts(
            progress=lambda n: print(f"{n} attempts written to their cases", file=sys.stderr))
        return f"case attempts backfill: {done} attempts (idempotent)"

    return run_backfill("backfill", ALIAS, NotificationsSettings(), work)


if __name__ == "__main__":
    sys.exit(main())
