"""`python -m status.stage_index_backfill`: put the cases opened before status's indexes existed
into them: the stage index (docs/decisions.md, "The journal's stage filter by the stage index")
and the list index (an official's open cases, running terms by due month: "The officials'
lists by index").

An operator runs it once after upgrading, against status's database as the settings name it.
Each case is added to its entries with ``$addToSet``: running it twice, while status is
serving, or stopping it half-way changes nothing that was right (the indexes stay supersets;
readers verify every case). It reads the whole collection once (an operator's one-off)."""
from __future__ import annotations

import sys


def main(argv=None) -> int:
    from servicekit.operator_tool import run_backfill

    from .adapters.mongo_repository import ALIAS, MongoCaseRepository
    from .settings import StatusSettings

    def work() -> str:
        done = MongoCaseRepository().backfill_indexes(
            progress=lambda n: print(f"{n} cases written to the indexes", file=sys.stderr))
        return f"stage and list index backfill: {done} cases (idempotent)"

    return run_backfill("backfill", ALIAS, StatusSettings(), work)


if __name__ == "__main__":
    sys.exit(main())
