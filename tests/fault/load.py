"""Steady load for a fault experiment: clerks registering paper letters over HTTP (each
request with its own Idempotency-Key, retried with the same key and the same scan on a
5xx, a timeout or a refused connection) and the e-portal sending submissions to Kafka
(resent with the same submission id until Kafka acknowledges). Every answer is kept."""
from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import Contact, EportalSubmission
from servicekit.kafka import make_producer, send_envelope

REGISTRY = "http://127.0.0.1:8001"
KAFKA = "127.0.0.1:9092"
RETRY_FOR_S = 120  # one registration keeps trying this long at most
REQUEST_TIMEOUT_S = 30


@dataclass
class Attempt:
    key: str
    index: str | None = None  # set once acknowledged (201, or 200 for a repeat)
    indexes: set = field(default_factory=set)  # every index any answer for this key named
    codes: Counter = field(default_factory=Counter)  # status code (or exception name) of each try
    latencies: list = field(default_factory=list)


def scan(tag: str) -> bytes:
    """A small file the registry takes for a PDF (from its header), unique per request."""
    return b"%PDF-1.4\n% " + tag.encode() + b"\n" + os.urandom(2048)


def metadata(tag: str) -> str:
    return json.dumps({"kind": "complaint", "channel": "post", "subject": f"Проверка при отказ ({tag})",
                       "sender": {"name": "Петър Иванов", "email": f"fault.{tag}@example.bg",
                                  "preferred_channel": "email"}, "pages": 1}, ensure_ascii=False)


class Load:
    def __init__(self, run: str, token: str, clerks: int = 6, eportal_every_s: float = 0.25):
        self.run, self.token, self.clerks, self.eportal_every_s = run, token, clerks, eportal_every_s
        self.paper: list[Attempt] = []
        self.submissions: dict[str, bool] = {}  # submission id -> acknowledged by Kafka
        self.eportal_errors: Counter = Counter()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._clerk, args=(i,), daemon=True) for i in range(self.clerks)]
        self._threads.append(threading.Thread(target=self._eportal, daemon=True))
        for t in self._threads:
            t.start()

    def stop(self, timeout_s: float = RETRY_FOR_S + REQUEST_TIMEOUT_S) -> None:
        """Stop starting new work and wait until what is under way is answered (or given up)."""
        self._stop.set()
        deadline = time.monotonic() + timeout_s
        for t in self._threads:
            t.join(max(0.1, deadline - time.monotonic()))

    # -- clerks -----------------------------------------------------------------------------
    def _clerk(self, i: int) -> None:
        session, n = requests.Session(), 0
        while not self._stop.is_set():
            attempt = Attempt(f"{self.run}-c{i}-{n}")
            self.paper.append(attempt)
            self._register(session, attempt)
            n += 1

    def _register(self, session, attempt: Attempt) -> None:
        tag = attempt.key.rsplit("-", 3)[-3:]
        body, data = metadata("-".join(tag)), scan(attempt.key)
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": attempt.key}
        give_up = time.monotonic() + RETRY_FOR_S
        while time.monotonic() < give_up:
            began = time.monotonic()
            try:
                r = session.post(f"{REGISTRY}/api/v1/documents", headers=headers, data={"metadata": body},
                                 files=[("scan", ("letter.pdf", data, "application/pdf"))], timeout=REQUEST_TIMEOUT_S)
                attempt.codes[r.status_code] += 1
            except requests.RequestException as exc:
                attempt.codes[type(exc).__name__] += 1
                attempt.latencies.append(time.monotonic() - began)
                session = requests.Session()  # a fresh connection after a broken one
                time.sleep(0.5)
                continue
            attempt.latencies.append(time.monotonic() - began)
            if r.status_code in (200, 201):
                attempt.index = r.json()["registration_index"]
                attempt.indexes.add(attempt.index)
                return
            if r.status_code < 500 and r.status_code != 429:
                return  # refused: counted as not acknowledged, and reported by its code
            time.sleep(0.5)

    # -- e-portal ---------------------------------------------------------------------------
    def _eportal(self) -> None:
        producer, n = None, 0
        while not self._stop.is_set():
            sid = f"{self.run}-ep-{n}"
            self.submissions[sid] = False
            envelope = Envelope.wrap(EportalSubmission(
                submission_id=sid, submitted_at=dt.datetime.now(dt.timezone.utc), kind="signal",
                subject="Проверка при отказ: сигнал от е-портала",
                applicant=Contact(name="Гергана Димитрова", preferred_channel="none")), source="eportal", correlation_id=sid)
            give_up = time.monotonic() + RETRY_FOR_S
            while not self.submissions[sid] and time.monotonic() < give_up:
                try:
                    producer = producer or make_producer(KAFKA)
                    send_envelope(producer, topics.EPORTAL_SUBMISSIONS, envelope, key=sid, timeout=10)
                    self.submissions[sid] = True
                except Exception as exc:  # Kafka down: the same submission again (the registry deduplicates)
                    self.eportal_errors[type(exc).__name__] += 1
                    time.sleep(0.5)
            n += 1
            self._stop.wait(self.eportal_every_s)
        if producer is not None:
            producer.close(timeout=5)

    # -- what happened ----------------------------------------------------------------------
    def acknowledged(self) -> list[Attempt]:
        return [a for a in self.paper if a.index]

    def codes(self) -> Counter:
        total = Counter()
        for a in self.paper:
            total.update(a.codes)
        return total

    def slowest_s(self) -> float:
        return round(max((x for a in self.paper for x in a.latencies), default=0.0), 2)
