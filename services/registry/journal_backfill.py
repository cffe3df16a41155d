"""`python -m registry.journal_backfill`: put registrations made before the incoming journal
existed into it (docs/decisions.md, "The journal is read by `_id` only").

An operator runs it once after upgrading, against the registry's database as the settings
name it (``DELOVOD_REGISTRY_MONGO_URI`` and its TLS settings). It writes each registration's
journal entry, word digest, audit entry and number hint again: every write is idempotent, so
running it twice, or while the registry is serving, or stopping it half-way, changes nothing
that was right. It reads the whole collection once (a full scan: an operator's one-off, not
a request path). ``--year-digests`` only derives the year word digests from the month digests
(a journal written before the year digests existed: one read per register and month)."""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.journal_backfill", description=__doc__.split("\n\n")[1])
    parser.add_argument("--batch", type=int, default=200, help="registrations written together (default 200)")
    parser.add_argument("--year-digests", action="store_true",
                        help="only derive the year word digests from the month digests (fast)")
    args = parser.parse_args(argv)

    from servicekit.operator_tool import run_backfill

    from .adapters.mongo_repository import ALIAS, MongoRegistrationRepository
    from .settings import RegistrySettings

    def work() -> str:
        repo = MongoRegistrationRepository()
        if args.year_digests:
            return f"journal backfill: year word digests from {repo.backfill_year_words()} month digests (idempotent)"
        done = repo.backfill_journal(
            args.batch, progress=lambda n: print(f"{n} registrations written to the journal", file=sys.stderr))
        return f"journal backfill: {done} registrations (every write idempotent; nothing else changed)"

    return run_backfill("backfill", ALIAS, RegistrySettings(), work)


if __name__ == "__main__":
    sys.exit(main())
