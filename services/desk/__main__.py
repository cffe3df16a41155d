"""``python -m desk``: run the desk, the staff's web workspace."""
import eventlet

eventlet.monkey_patch()

from servicekit.runner import run  # noqa: E402

from .entrypoints.service import DeskService  # noqa: E402
from .settings import DeskSettings  # noqa: E402

run(DeskService, DeskSettings())
