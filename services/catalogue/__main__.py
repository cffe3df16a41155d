"""``python -m catalogue``: run the catalogue service."""
import eventlet

eventlet.monkey_patch()

from servicekit.runner import run  # noqa: E402

from .entrypoints.service import CatalogueService  # noqa: E402
from .settings import load_settings  # noqa: E402

run(CatalogueService, load_settings("catalogue"))
