"""``python -m status``: run the status service."""
import eventlet

eventlet.monkey_patch()

from servicekit.runner import run  # noqa: E402

from .entrypoints.service import StatusService  # noqa: E402
from .settings import StatusSettings  # noqa: E402

run(StatusService, StatusSettings())
