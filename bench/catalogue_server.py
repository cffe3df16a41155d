"""A separate catalogue process for the search benchmark: the real service code under
another nameko name (its own RPC queue), its own database and port, so loading 1,000
services for the benchmark never touches the real catalogue.

``DELOVOD_BENCH_NO_RESULT_CACHE=1``: the index keeps no answers, so every search runs the
ranking (the benchmark's ten queries would otherwise all be answered from the cache after
their first time)."""
import os

import eventlet

eventlet.monkey_patch()

from catalogue.adapters import tantivy_index  # noqa: E402
from catalogue.entrypoints.service import CatalogueService  # noqa: E402
from catalogue.settings import CatalogueSettings  # noqa: E402
from servicekit.runner import run  # noqa: E402

if os.environ.get("DELOVOD_BENCH_NO_RESULT_CACHE") == "1":
    tantivy_index.RESULTS_KEPT = 0


class CatalogueBench(CatalogueService):
    name = "catalogue_bench"


if __name__ == "__main__":
    run(CatalogueBench, CatalogueSettings())
