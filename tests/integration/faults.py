"""Servers that fail the way real ones do, on loopback, for the outage tests.

- :func:`refusing_port`: nothing listens there (a stopped server): connections are refused.
- :class:`BlackHole`: accepts every connection and never answers (a hung server, or one
  whose process is paused: the kernel still accepts for it).
- :class:`Relay`: forwards to a real server until :meth:`Relay.silence`, then keeps its
  connections open and forwards nothing either way: a server paused (SIGSTOP) in the middle
  of a client's session, with the client's pooled connections still open.

Hand-written (some 60 lines) because the tools that do this (toxiproxy and the like) are
servers of their own that the stack does not run; these live and die with the test.
Green threads: the test process is monkey-patched by eventlet, like the services.
"""
from __future__ import annotations

import socket

import eventlet


def refusing_port() -> int:
    """A loopback port nobody listens on (bound once to get a free number, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BlackHole:
    def __init__(self):
        self.server = eventlet.listen(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.held: list = []
        self.thread = eventlet.spawn(self._accept)

    def _accept(self):
        while True:
            conn, _ = self.server.accept()
            self.held.append(conn)  # read nothing, answer nothing, close nothing

    def close(self):
        self.thread.kill()
        for conn in self.held + [self.server]:
            conn.close()


class Relay:
    def __init__(self, target_port: int):
        self.target_port, self.silent = target_port, False
        self.server = eventlet.listen(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.conns: list = []
        self.threads = [eventlet.spawn(self._accept)]

    def silence(self) -> None:
        self.silent = True

    def _accept(self):
        while True:
            client, _ = self.server.accept()
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.conns += [client, upstream]
            self.threads += [eventlet.spawn(self._pipe, client, upstream), eventlet.spawn(self._pipe, upstream, client)]

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                if not self.silent:
                    sink.sendall(data)
        except OSError:
            pass

    def close(self):
        for thread in self.threads:
            thread.kill()
        for conn in self.conns + [self.server]:
            conn.close()
