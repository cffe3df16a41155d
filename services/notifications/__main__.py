"""``python -m notifications``: run the notifications service."""
import eventlet

eventlet.monkey_patch()

from servicekit.runner import run  # noqa: E402

from .entrypoints.service import NotificationsService  # noqa: E402
from .settings import NotificationsSettings  # noqa: E402

run(NotificationsService, NotificationsSettings())
