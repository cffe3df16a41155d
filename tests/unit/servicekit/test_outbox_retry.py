"""The outbox relay goes on past an entry that fails: the entry is retried with growing
backoff, then set aside for an operator; an outage counts against no entry."""
import datetime as dt
import logging

import pytest

from delovod_proto.envelope import Envelope
from delovod_proto.events import CatalogueServiceChanged
from servicekit.errors import Unavailable
from servicekit.outbox import InMemoryOutbox, OutboxMessage, Retry, relay


def message(code: str) -> OutboxMessage:
    body = CatalogueServiceChanged(code=code, version=1, valid_from=dt.date(2026, 1, 1), name="x")
    return OutboxMessage("t", code, Envelope.wrap(body, source="test", correlation_id=code))


class Broker:
    """Publishes everything but the keys it refuses (as Kafka refuses a message too large)."""

    def __init__(self, refuse=()):
        self.refuse, self.sent = set(refuse), []

    def __call__(self, topic, envelope, key=None):
        if key in self.refuse:
            raise ValueError(f"cannot send {key} for ivan.petrov@example.bg, ЕГН 7501010010")
        self.sent.append(key)


def due_now(outbox: InMemoryOutbox) -> None:
    """The clock moves past every retry."""
    past = dt.datetime(2000, 1, 1)
    outbox.retries = {k: (a, past, e) for k, (a, _, e) in outbox.retries.items()}


def test_one_entry_that_fails_does_not_hold_up_the_others():
    outbox = InMemoryOutbox([message("bad"), *(message(f"ok-{i}") for i in range(5))])
    broker = Broker(refuse={"bad"})
    assert relay(outbox, broker) == 5
    assert broker.sent == [f"ok-{i}" for i in range(5)]
    [bad] = list(outbox)
    attempts, retry_at, error = outbox.retries[str(bad.envelope.event_id)]
    assert attempts == 1 and retry_at > dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    assert error.startswith("ValueError: cannot send bad")
    assert "ivan.petrov" not in error and "7501010010" not in error  # no personal data kept
    outbox.append(message("later"))
    assert relay(outbox, broker) == 1 and broker.sent[-1] == "later"  # the failed one waits for its retry


def test_a_failing_entry_is_retried_with_growing_backoff_then_set_aside_and_can_be_revived(caplog):
    outbox, broker = InMemoryOutbox([message("bad")]), Broker(refuse={"bad"})
    retry = Retry(first_s=2, cap_s=10, max_attempts=5)
    delays = []
    for _ in range(4):
        before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        relay(outbox, broker, retry=retry)
        [(attempts, retry_at, _)] = outbox.retries.values()
        delays.append(round((retry_at - before).total_seconds()))
        due_now(outbox)
    assert delays == [2, 4, 8, 10]
    with caplog.at_level(logging.ERROR):
        relay(outbox, broker, retry=retry)
    assert list(outbox) == [] and not outbox.retries  # moved aside, not dropped:
    [dead] = outbox.dead()
    assert dead.owner_id == "bad" and dead.attempts == 5 and dead.last_error.startswith("ValueError")
    assert any("outbox_entry_set_aside" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    assert relay(outbox, broker, retry=retry) == 0
    broker.refuse.clear()  # the operator fixed the cause
    assert outbox.revive() == 1 and outbox.dead() == []
    assert relay(outbox, broker, retry=retry) == 1 and broker.sent == ["bad"]


def test_an_outage_ends_the_round_and_counts_against_no_entry():
    outbox = InMemoryOutbox([message("a"), message("b")])

    def down(topic, envelope, key=None):
        raise Unavailable("kafka", 10)
    with pytest.raises(Unavailable):
        relay(outbox, down)
    assert len(outbox) == 2 and not outbox.retries and outbox.dead() == []


def test_a_preparation_that_fails_is_the_entry_s_failure(monkeypatch):
    """The registry's repair runs as the batch's ``prepare``: its failure is that batch's."""
    from servicekit.outbox import OutboxBatch

    outbox = InMemoryOutbox([message("a"), message("b")])
    pending = outbox.pending

    def with_broken_repair(limit, owner_id=None):
        def broken():
            raise FileNotFoundError("scan gone under both keys")
        return [OutboxBatch(b.owner_id, b.messages, b.attempts, broken) if b.owner_id == "a" else b
                for b in pending(limit, owner_id)]
    monkeypatch.setattr(outbox, "pending", with_broken_repair)
    broker = Broker()
    assert relay(outbox, broker) == 1 and broker.sent == ["b"]
    [(attempts, _, error)] = outbox.retries.values()
    assert attempts == 1 and error == "FileNotFoundError: scan gone under both keys"
