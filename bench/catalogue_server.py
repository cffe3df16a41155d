"""A separate catalogue process for the search benchmark: the real service code under
another nameko name (its own RPC queue), its own database and port, so loading 1,000
services for the benchmark never touches the real catalogue."""
import eventlet

eventlet.monkey_patch()

from catalogue.entrypoints.service import CatalogueService  # noqa: E402
from catalogue.settings import CatalogueSettings  # noqa: E402
from servicekit.runner import run  # noqa: E402


class CatalogueBench(CatalogueService):
    name = "catalogue_bench"


if __name__ == "__main__":
    run(CatalogueBench, CatalogueSettings())
