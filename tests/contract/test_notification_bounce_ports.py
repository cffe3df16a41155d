"""Contract of the notifications repository's operations for bounces that come back later,
run on the in-memory fake and on FerretDB: a sent notification's outcome is read back (its
channel and the channels that failed before), and reopened once, under its lease, for the
next channel; a second reopening, or one of a notification not sent by that channel, does
nothing; a reopening that stopped half-way is completed by the next claim."""
import datetime as dt

import pytest

from notifications.service_layer.dispatcher import Busy, Notification
from tests.contract.test_notification_attempts_port import NOW, notes, real_notes  # noqa: F401 (fixtures)

LEASE = dt.timedelta(minutes=2)


def sent(notes, nid="n-1", channel="email", tried=()):
    assert notes.add(Notification(nid, "К-1", "s", "текст", next_attempt_at=NOW, queued_at=NOW))
    n = notes.claim_due(NOW, LEASE)
    n.channel, n.status, n.attempts, n.tried = channel, "sent", 1, list(tried)
    notes.finish(n, [])
    return n


def bounced(n):
    n.tried, n.status, n.attempts, n.next_attempt_at = [*n.tried, n.channel], "pending", 0, NOW
    n.last_error = "email bounced: 5.1.1"
    return n


def test_a_sent_email_is_read_back_and_reopened_once_for_the_next_channel(notes):
    sent(notes, tried=["sms"])
    done = notes.finished("n-1")
    assert (done.status, done.channel, done.tried, done.case_index) == ("sent", "email", ["sms"], "К-1")
    assert notes.finished("unknown") is None
    assert notes.reopen(bounced(done))
    assert notes.finished("n-1") is None  # unfinished again
    again = notes.claim_due(NOW, LEASE)
    assert (again.id, again.channel, again.tried, again.body) == ("n-1", "email", ["sms", "email"], "текст")
    again.channel, again.status = "post", "sent"
    notes.finish(again, [])
    assert not notes.reopen(bounced(Notification("n-1", "К-1", "", "", channel="email")))  # went by post since
    assert (notes.finished("n-1").channel, notes.finished("n-1").tried) == ("post", ["sms", "email"])


def test_only_a_notification_sent_by_that_channel_is_reopened(notes):
    sent(notes, "n-sms", channel="sms")
    assert not notes.reopen(bounced(Notification("n-sms", "К-1", "", "", channel="email")))
    assert notes.finished("n-sms").status == "sent"
    assert notes.add(Notification("n-dead", "К-1", "s", "b", next_attempt_at=NOW, queued_at=NOW))
    n = notes.claim_due(NOW, LEASE)
    n.channel, n.status = "email", "dead"
    notes.finish(n, [])
    assert not notes.reopen(bounced(Notification("n-dead", "К-1", "", "", channel="email")))
    assert notes.finished("n-dead").status == "dead"
    assert not notes.reopen(bounced(Notification("unknown", "К-1", "", "", channel="email")))


def test_a_reopening_waits_for_the_worker_that_holds_the_lease(notes):
    sent(notes)
    assert notes.add(Notification("n-2", "К-1", "s", "b", next_attempt_at=NOW, queued_at=NOW))
    held = notes.claim("n-2")  # another notification's lease says nothing of n-1's
    assert held is not None
    done = bounced(notes.finished("n-1"))
    assert notes.reopen(done)
    claimed = notes.claim("n-1")  # held by a worker now: a reopening is refused as busy
    with pytest.raises(Busy):
        notes.reopen(done)
    notes.finish(claimed, [])


@pytest.mark.integration
def test_on_ferretdb_a_reopening_that_stopped_half_way_is_completed_and_a_stale_mark_is_not(real_notes):
    """A crash between queueing the reopened entry and removing the outcome: the next claim
    completes it. A mark naming an older outcome (a crash before its removal from the entry)
    never makes the claim remove a newer outcome: the entry is dropped, nothing sent again."""
    notes = real_notes
    sent(notes)
    at = notes._outcomes.find_one({"_id": "n-1"})["at"]
    notes._enqueue(bounced(notes.finished("n-1")), reopened=at)  # the outcome not removed yet
    n = notes.claim_due(NOW, LEASE)
    assert n.id == "n-1" and n.tried == ["email"] and notes.finished("n-1") is None
    assert "reopened" not in notes._queue.find_one({"_id": "n-1"})
    n.channel, n.status = "sms", "sent"
    notes.finish(n, [])
    notes._enqueue(Notification("n-1", "К-1", "", "", channel="sms", next_attempt_at=NOW), reopened=at)  # stale
    assert notes.claim_due(NOW, LEASE) is None
    assert notes.finished("n-1").channel == "sms" and notes._queue.find_one({"_id": "n-1"}) is None
