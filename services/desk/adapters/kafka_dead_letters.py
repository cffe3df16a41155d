"""Kafka's dead letters (``delovod.dead-letters.v1``) for the operators' page, through
servicekit.dead_letters, the same code as ``make dead-letters`` and its replay: each listed
with its consumer, topic, reason and field errors; one sent again, unchanged, to its topic."""
from __future__ import annotations

from typing import Optional

from kafka.errors import KafkaError

from servicekit import dead_letters

from ..service_layer.ports import Unavailable


class KafkaDeadLetters:
    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap

    def letters(self) -> list[dict]:
        """Every dead letter, the latest first."""
        try:
            found = list(dead_letters.read_all(self.bootstrap))
        except (KafkaError, OSError) as exc:
            raise Unavailable("kafka") from exc
        return [_row(where, d) for where, d in reversed(found)]

    def replay(self, where: str) -> Optional[dict]:
        """Send the dead letter at ``where`` ("<partition>:<offset>") again; None if there is none."""
        try:
            letters = dead_letters.chosen(dead_letters.read_all(self.bootstrap), at={where})
            if not letters:
                return None
            dead_letters.replay(self.bootstrap, letters)
        except (KafkaError, OSError, LookupError) as exc:
            raise Unavailable("kafka") from exc
        return _row(*letters[0])


def _row(where: str, d) -> dict:
    return {"where": where, "consumer": d.consumer, "topic": d.original_topic, "at": f"{d.partition}:{d.offset}",
            "failed_at": d.failed_at.isoformat(), "reason": d.reason,
            "errors": [{"field": e.field, "message": e.message} for e in d.errors]}
