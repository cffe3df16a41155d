"""The claim scheduler alone, over the in-memory repository: batches, collisions, a
database failing mid-batch, temporary refusals, and per-series state that is cleaned."""
import datetime as dt
import threading
import uuid

import pytest

from registry.adapters.memory import InMemoryRegistrationRepository
from registry.domain.index import DEFAULT_REGISTERS
from registry.domain.registration import Registration
from registry.service_layer import wire_events
from registry.service_layer.claims import ClaimScheduler, Draft, _Ticket
from registry.service_layer.errors import ClaimTimedOut, Overloaded
from registry.service_layer.ports import IndexTaken
from tests.helpers import command

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)
REGISTER = DEFAULT_REGISTERS[command().kind]


def scheduler(repo, clock=lambda: NOW, **kwargs):
    return ClaimScheduler(repo, wire_events.registration_events, clock, **kwargs)


def draft(at=NOW, case=None, subject="Писмо"):
    r = Registration(uuid.uuid4(), REGISTER.code, 0, 0, 0, "", "", at, command(subject=subject), "h", "clerk")
    return Draft(r, REGISTER, case, at.astimezone(dt.timezone.utc))


def test_a_claim_takes_the_next_number_and_carries_its_events():
    repo = InMemoryRegistrationRepository()
    claims = scheduler(repo)
    first, second = claims.claim(draft()), claims.claim(draft())
    assert [first.registration.number, second.registration.number] == [1, 2]
    assert first.registration.index == "ЖЛБ-1/25.11.2026"
    assert [m.envelope.event_id for m in first.events] == wire_events.event_ids(first.registration)
    assert repo.by_claim(REGISTER.code, 2026, 2, 0).id == second.registration.id


def test_more_registrations_waiting_than_one_batch_all_get_their_numbers():
    claims = scheduler(InMemoryRegistrationRepository(), max_batch=2)
    results, barrier = [], threading.Barrier(7)

    def attempt(i):
        barrier.wait()
        results.append(claims.claim(draft(subject=f"Писмо {i}")).registration.number)
    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(7)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == list(range(1, 8))


def test_a_registration_queued_behind_more_than_a_batch_claims_until_it_has_its_number():
    claims = scheduler(InMemoryRegistrationRepository(), max_batch=2)
    waiting = [_Ticket(draft()) for _ in range(5)]  # their owners wait for the lock
    with claims._use(waiting[0].draft.series) as state:
        state.queue.extend(waiting)
        mine = claims.claim(draft())
    assert mine.registration.number == 6 and [t.result.registration.number for t in waiting] == [1, 2, 3, 4, 5]


def test_a_batch_the_database_fails_in_the_middle_keeps_what_it_claimed():
    repo = InMemoryRegistrationRepository()
    claims = scheduler(repo)
    tickets = [_Ticket(draft()) for _ in range(3)]
    real = repo.claim_many
    repo.claim_many = lambda batch: (real(batch[:1])[0], ConnectionError("database went away"))
    claims._claim_batch(tickets)
    assert tickets[0].result.registration.number == 1 and tickets[0].error is None
    assert [type(t.error) for t in tickets[1:]] == [ConnectionError, ConnectionError]
    repo.claim_many = real
    assert claims.claim(draft()).registration.number == 2  # no hole


def test_a_number_another_replica_took_costs_a_retry_from_the_hint():
    repo = InMemoryRegistrationRepository()
    claims = scheduler(repo)
    claims.claim(draft())
    other = scheduler(repo)  # another process: its own memory
    other.claim(draft())
    assert claims.claim(draft()).registration.number == 3  # 2 was taken elsewhere: retried, no gap


def test_a_claim_that_outlives_its_window_claims_nothing_and_may_be_retried():
    repo = InMemoryRegistrationRepository()
    claims = scheduler(repo, clock=lambda: NOW + dt.timedelta(minutes=6))
    with pytest.raises(ClaimTimedOut) as err:
        claims.claim(draft(at=NOW))
    assert err.value.retryable and repo.items == {}


def test_claims_that_keep_colliding_are_overloaded_not_refused():
    repo = InMemoryRegistrationRepository()
    repo.claim = lambda r, events: (_ for _ in ()).throw(IndexTaken(r.claim_key))
    with pytest.raises(Overloaded) as err:
        scheduler(repo, max_attempts=3).claim(draft())
    assert err.value.retryable and repo.items == {}


def test_a_lone_registration_is_told_the_number_it_will_most_likely_claim():
    claims = scheduler(InMemoryRegistrationRepository())
    series = draft().series
    with claims.in_flight(series) as predicted:
        assert predicted is None  # nothing claimed yet in this process: the hint decides
        claims.claim(draft())
    with claims.in_flight(series) as predicted:
        assert predicted == (2026, 2, 0)
        with claims.in_flight(series) as second:
            assert second is None  # not alone: it cannot know which number it gets


def test_per_series_state_is_dropped_when_no_registration_of_it_is_in_flight():
    """One series per case with follow-ups: before, each left a lock, a queue and a counter
    for as long as the process ran."""
    repo = InMemoryRegistrationRepository()
    claims = scheduler(repo)
    for i in range(20):
        case = claims.claim(draft(subject=f"Преписка {i}")).registration
        follow_up = Draft(Registration(uuid.uuid4(), REGISTER.code, 0, 0, 0, "", "", NOW,
                                       command(kind="follow_up", related_index=case.index), "h", "clerk"),
                          REGISTER, case, NOW)
        with claims.in_flight(follow_up.series):
            assert claims.claim(follow_up).registration.seq == 1
    assert claims._series == {}


def test_the_memory_of_last_numbers_keeps_two_years_per_register():
    repo = InMemoryRegistrationRepository()
    now = [NOW]
    claims = scheduler(repo, clock=lambda: now[0])
    for year in range(2020, 2027):
        now[0] = dt.datetime(year, 3, 1, 9, tzinfo=dt.timezone.utc)
        claims.claim(draft(at=now[0]))
    assert sorted(claims._last) == [(REGISTER.code, 2025), (REGISTER.code, 2026)]
