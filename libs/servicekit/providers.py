"""Generic nameko DependencyProviders: the composition root is called once, in setup()."""
from __future__ import annotations

from typing import Callable

from nameko.extensions import DependencyProvider


class App(DependencyProvider):
    """Injects the service layer that ``factory(settings)`` builds (the composition root).

    Built in ``setup()``, never at import time; ``factory`` gets the typed settings the
    runner put into the container config under ``SETTINGS``.
    """

    def __init__(self, factory: Callable):
        self.factory = factory
        self.app = None

    def setup(self):
        self.app = self.factory(self.container.config["SETTINGS"])

    def stop(self):
        close = getattr(self.app, "close", None)
        if close:
            close()

    def get_dependency(self, worker_ctx):
        return self.app
