"""The upload sweeper (service_layer/uploads.py ``Uploads.sweep``): run by the service's
``Background`` provider (servicekit.providers) as a nameko-managed thread, every
``interval_s``, so an upload put and never registered, refused or abandoned loses its bytes."""
from __future__ import annotations

import logging
from typing import Callable

import eventlet
from eventlet.event import Event

from servicekit import logs

log = logging.getLogger(__name__)


class UploadSweeper:
    name = "upload-sweeper"

    def __init__(self, sweep: Callable[[], int], interval_s: float):
        self.sweep, self.interval_s = sweep, interval_s
        self.stopped = Event()

    def run(self) -> None:
        self.stopped = Event()
        while not self.stopped.ready():
            try:
                settled = self.sweep()
                if settled:
                    logs.event(log, "uploads_swept", settled=settled)
            except Exception as exc:  # the next round tries again; nothing is lost meanwhile
                logs.event(log, "upload_sweep_failed", logging.WARNING, error=repr(exc))
            with eventlet.Timeout(self.interval_s, False):
                self.stopped.wait()

    def stop(self) -> None:
        if not self.stopped.ready():
            self.stopped.send(True)
