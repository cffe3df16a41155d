"""Contract of the notifications repository's delivery-report and fallback operations,
run on the in-memory fake and on FerretDB: a notification held while it is handed over,
claimed by id for its report, its fallback state kept, and its attempts read per case."""
import datetime as dt

import pytest

from notifications.adapters.memory import InMemoryNotificationRepository
from notifications.domain.attempts import Attempt
from notifications.service_layer.dispatcher import Busy, Notification
from tests.contract.conftest import BACKENDS

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(params=BACKENDS)
def notes(request):
    if request.param == "memory":
        return InMemoryNotificationRepository()
    return request.getfixturevalue("real_notes")


@pytest.fixture
def real_notes(mongo_alias):
    from notifications.adapters.mongo_repository import (ALIAS, AttemptDoc, MongoNotificationRepository,
                                                         NotificationDoc, OutcomeDoc, RecipientDoc)
    mongo_alias(ALIAS, NotificationDoc, RecipientDoc, OutcomeDoc, AttemptDoc)
    return MongoNotificationRepository()


def test_a_handed_notification_is_claimed_by_id_for_its_report_with_its_state(notes):
    assert notes.add(Notification("n-1", "К-1", "s", "b", next_attempt_at=NOW, queued_at=NOW))
    n = notes.claim_due(NOW, dt.timedelta(minutes=2))
    n.channel, n.awaiting_report, n.segments, n.attempts = "sms", True, 3, 1
    n.next_attempt_at = NOW + dt.timedelta(hours=48)
    notes.hold(n)
    with pytest.raises(Busy):  # the dispatcher still holds it: the report waits
        notes.claim("n-1")
    notes.finish(n, [])
    assert notes.claim_due(NOW + dt.timedelta(minutes=5), dt.timedelta(minutes=2)) is None  # waits for its report
    claimed = notes.claim("n-1")
    assert (claimed.channel, claimed.awaiting_report, claimed.segments, claimed.tried) == ("sms", True, 3, [])
    claimed.awaiting_report, claimed.tried, claimed.next_attempt_at = False, ["sms"], NOW
    notes.finish(claimed, [])
    again = notes.claim_due(NOW, dt.timedelta(minutes=2))
    assert again.id == "n-1" and again.tried == ["sms"] and not again.awaiting_report
    again.status = "sent"
    notes.finish(again, [])
    assert notes.claim("n-1") is None and notes.case_of("n-1") == "К-1"
    assert notes.claim("unknown") is None and notes.case_of("unknown") is None


def test_attempts_are_read_per_case_in_the_order_recorded(notes):
    later, earlier = NOW + dt.timedelta(minutes=1), NOW - dt.timedelta(minutes=1)
    notes.record(Attempt("n-1", "К-1", "sms", "handed", NOW, None, 2))
    notes.record(Attempt("n-1", "К-1", "sms", "failed", earlier, "stat:UNDELIV"))  # the operator's clock lags
    notes.record(Attempt("n-1", "К-1", "email", "sent", later))
    notes.record(Attempt("n-2", "К-2", "sms", "delivered", NOW))
    history = notes.history("К-1")
    assert [(a.channel, a.outcome) for a in history] == [("sms", "handed"), ("sms", "failed"), ("email", "sent")]
    assert history[0].segments == 2 and history[1].detail == "stat:UNDELIV" and history[1].at == earlier
    assert notes.history("К-3") == []


def test_added_claimed_it_is_held_until_finished_and_added_once(notes):
    n = Notification("n-c", "К-1", "s", "b", next_attempt_at=NOW, queued_at=NOW)
    assert notes.add_claimed(n)
    with pytest.raises(Busy):  # its sender holds it
        notes.claim("n-c")
    assert notes.claim_due(NOW, dt.timedelta(minutes=2)) is None
    assert not notes.add_claimed(Notification("n-c", "К-1", "s", "b", next_attempt_at=NOW, queued_at=NOW))
    n.status = "sent"
    notes.finish(n, [])
    assert not notes.add_claimed(Notification("n-c", "К-1", "s", "b", next_attempt_at=NOW, queued_at=NOW))
    assert notes.claim_due(NOW, dt.timedelta(minutes=2)) is None and notes.claim("n-c") is None


@pytest.mark.integration
def test_a_claimed_addition_that_stopped_before_its_queue_entry_is_queued_by_the_redelivery(real_notes):
    notes = real_notes
    assert notes.add_claimed(Notification("n-x", "К-1", "s", "b", next_attempt_at=NOW, queued_at=NOW))
    notes._lease_tokens.clear()  # the process stopped here: no entry, no outcome, its lease left behind
    notes._leases.collection.update_one({"_id": "n-x"}, {"$set": {"until": dt.datetime(2000, 1, 1)}})
    assert not notes.add_claimed(Notification("n-x", "К-1", "s", "b", next_attempt_at=NOW, queued_at=NOW))
    again = notes.claim_due(NOW, dt.timedelta(minutes=2))
    assert again.id == "n-x" and again.subject == "s" and again.status == "pending"


@pytest.mark.integration
def test_a_redelivery_while_the_sender_holds_it_changes_nothing(real_notes):
    notes = real_notes
    n = Notification("n-h", "К-1", "s", "b", next_attempt_at=NOW, queued_at=NOW)
    assert notes.add_claimed(n)
    n.channel, n.awaiting_report, n.next_attempt_at = "sms", True, NOW + dt.timedelta(hours=48)
    notes.hold(n)
    other = type(notes)()  # another replica, its own leases
    assert not other.add_claimed(Notification("n-h", "К-1", "s", "b", next_attempt_at=NOW, queued_at=NOW))
    notes.finish(n, [])
    assert notes.claim_due(NOW + dt.timedelta(minutes=5), dt.timedelta(minutes=2)) is None  # still awaits its report


@pytest.mark.integration
def test_attempts_recorded_before_the_case_documents_are_put_there_by_the_backfill_once(real_notes):
    """Attempts in ``attempts`` only (recorded by an earlier version) are not read by the case's
    history until `python -m notifications.attempts_backfill` puts them into the case's document."""
    from notifications.adapters.mongo_repository import AttemptDoc

    real_notes.record(Attempt("n-1", "К-1", "sms", "handed", NOW, None, 2))
    old = {"_id": "n-0:old", "notification_id": "n-0", "case_index": "К-1", "channel": "email", "outcome": "sent",
           "at": (NOW - dt.timedelta(days=1)).replace(tzinfo=None), "detail": None, "segments": None, "recorded": 1}
    AttemptDoc._get_collection().insert_many([old, {**old, "_id": "n-9:old", "case_index": "К-9"}])
    assert [a.outcome for a in real_notes.history("К-1")] == ["handed"] and real_notes.history("К-9") == []
    assert real_notes.backfill_case_attempts(batch=2) == 3
    assert real_notes.backfill_case_attempts() == 3  # again: nothing doubles
    assert [(a.channel, a.outcome) for a in real_notes.history("К-1")] == [("email", "sent"), ("sms", "handed")]
    assert [a.case_index for a in real_notes.history("К-9")] == ["К-9"]
