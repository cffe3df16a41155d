"""``python -m registry``: run the registry service."""
import eventlet

eventlet.monkey_patch()

from servicekit.runner import run  # noqa: E402

from .entrypoints.service import RegistryService  # noqa: E402
from .settings import RegistrySettings  # noqa: E402

run(RegistryService, RegistrySettings())
