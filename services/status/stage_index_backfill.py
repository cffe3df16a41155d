"""`python -m status.stage_index_backfill`: put the cases opened before the stage index existed
into it (docs/decisions.md, "The journal's stage filter by the stage index").

An operator runs it once after upgrading, against status's database as the settings name it.
Each case is added to its stage's entry with ``$addToSet``: running it twice, while status is
serving, or stopping it half-way changes nothing that was right (the index stays a superset;
readers verify every case). It reads the whole collection once (an operator's one-off)."""
from __future__ import annotations

import sys


def main(argv=None) -> int:
    from servicekit import mongo

    from .adapters.mongo_repository import ALIAS, MongoCaseRepository
    from .settings import StatusSettings

    settings = StatusSettings()
    mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_options())
    try:
        done = MongoCaseRepository().backfill_stage_index()
    except Exception as exc:  # an operator's tool: say what failed and that it may be run again
        print(f"The backfill stopped: {exc}. What was written stays; run it again to finish.", file=sys.stderr)
        return 1
    print(f"stage index backfill: {done} cases (idempotent)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
