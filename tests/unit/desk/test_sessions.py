"""Desk sign-in and sessions with fakes: one answer for every refusal, throttling before the
directory is asked, a new session id at sign-in, the idle timeout, CSRF."""
import datetime as dt

import pytest

from desk.adapters.memory import FakeDirectory, MemorySessions
from desk.domain.people import Person, parse_role_groups, role_from_groups
from desk.service_layer.ports import SignInRefused, Unavailable
from desk.service_layer.sessions import Sessions
from desk.service_layer.throttle import FailureThrottle, TooManyFailures

IVANA = Person("ivana", "Ивана Петрова", "clerk")
T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone.utc)


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


def make(per_user_and_client=3, per_user=6, per_client=5, down=False):
    clock, mono = Clock(), [0.0]
    directory = FakeDirectory({"ivana": ("right", IVANA), "petar": ("right", Person("petar", "П", "clerk"))},
                              locked=frozenset({"petar"}), down=down)
    throttle = FailureThrottle(per_user_and_client, per_user, per_client, 900, clock=lambda: mono[0])
    return Sessions(MemorySessions(), directory, throttle, dt.timedelta(minutes=30), clock=clock), clock, mono


def test_a_right_password_signs_in_with_a_new_session_id():
    sessions, _, _ = make()
    anonymous = sessions.anonymous()
    signed_in = sessions.sign_in(anonymous, "ivana", "right", "10.0.0.1")
    assert signed_in.person == IVANA and signed_in.id != anonymous.id and signed_in.csrf != anonymous.csrf
    assert sessions.current(anonymous.id) == (None, False)  # the pre-sign-in id is dead (fixation)
    assert sessions.current(signed_in.id)[0].person == IVANA


@pytest.mark.parametrize("username,password", [("ivana", "wrong"), ("nobody", "right"), ("petar", "right"),
                                               ("iv,ana=x", "right"), ("ivana", "")])
def test_wrong_password_unknown_locked_and_malformed_are_refused_alike(username, password):
    sessions, _, _ = make()
    with pytest.raises(SignInRefused) as refused:
        sessions.sign_in(None, username, password, "10.0.0.1")
    assert type(refused.value) is SignInRefused and str(refused.value) == ""


def test_failures_per_username_and_client_are_throttled_before_the_directory_is_asked():
    sessions, _, mono = make(per_user_and_client=3)
    for _ in range(3):
        with pytest.raises(SignInRefused):
            sessions.sign_in(None, "ivana", "wrong", "10.0.0.1")
    asked = sessions.directory.asked
    with pytest.raises(TooManyFailures) as throttled:
        sessions.sign_in(None, "IVANA", "right", "10.0.0.1")  # even the right password
    assert sessions.directory.asked == asked and 0 < throttled.value.retry_after_s <= 901
    assert sessions.sign_in(None, "ivana", "right", "10.0.0.2").person == IVANA  # she, elsewhere, may
    mono[0] += 901
    assert sessions.sign_in(None, "ivana", "right", "10.0.0.1").person == IVANA


def test_failures_per_username_from_many_clients_are_throttled():
    sessions, _, _ = make(per_user_and_client=3, per_user=6)
    for n in range(6):
        with pytest.raises(SignInRefused):
            sessions.sign_in(None, "ivana", "wrong", f"10.0.1.{n}")
    with pytest.raises(TooManyFailures):
        sessions.sign_in(None, "ivana", "right", "10.0.2.1")


def test_failures_per_client_are_throttled_across_usernames():
    sessions, _, _ = make(per_user_and_client=100, per_user=100, per_client=5)
    for n in range(5):
        with pytest.raises(SignInRefused):
            sessions.sign_in(None, f"user{n}", "x", "10.0.0.7")
    with pytest.raises(TooManyFailures):
        sessions.sign_in(None, "ivana", "right", "10.0.0.7")
    assert sessions.sign_in(None, "ivana", "right", "10.0.0.8").person == IVANA


def test_a_directory_that_does_not_answer_is_not_a_failure():
    sessions, _, _ = make(per_user_and_client=1, per_user=1, down=True)
    for _ in range(3):
        with pytest.raises(Unavailable):
            sessions.sign_in(None, "ivana", "right", "10.0.0.1")


def test_an_idle_session_ends_and_says_it_timed_out():
    sessions, clock, _ = make()
    session = sessions.sign_in(None, "ivana", "right", "10.0.0.1")
    clock.now += dt.timedelta(minutes=29)
    assert sessions.current(session.id)[0] is not None  # use restarts the idle clock
    clock.now += dt.timedelta(minutes=29)
    assert sessions.current(session.id)[0] is not None
    clock.now += dt.timedelta(minutes=31)
    assert sessions.current(session.id) == (None, True)
    assert sessions.current(session.id) == (None, False)  # gone from the store


def test_csrf_token_must_match_the_sessions_own():
    sessions, _, _ = make()
    session = sessions.anonymous()
    assert session.csrf_matches(session.csrf)
    assert not session.csrf_matches(None) and not session.csrf_matches("") and not session.csrf_matches("x" * 43)


def test_sign_out_ends_the_session():
    sessions, _, _ = make()
    session = sessions.sign_in(None, "ivana", "right", "10.0.0.1")
    sessions.sign_out(session)
    assert sessions.current(session.id) == (None, False)


def test_the_strongest_role_of_the_persons_groups_wins():
    mapping = parse_role_groups("clerks=clerk, officials=official,admins=admin")
    assert role_from_groups(["Clerks", "officials"], mapping) == "official"
    assert role_from_groups(["clerks", "admins"], mapping) == "admin"
    assert role_from_groups(["printers"], mapping) is None
    with pytest.raises(ValueError):
        parse_role_groups("clerks=boss")


def test_the_store_holds_a_hash_never_the_cookie():
    sessions, _, _ = make()
    session = sessions.anonymous()
    assert session.id not in sessions.store.rows


def test_a_draft_kept_after_an_idle_timeout_reaches_the_new_session_once():
    sessions, _, _ = make()
    anonymous = sessions.anonymous_with_draft({"subject": "Шум", "sender_name": "Гражданин"})
    signed_in = sessions.sign_in(sessions.current(anonymous.id)[0], "ivana", "right", "10.0.0.1")
    assert sessions.take_draft(sessions.current(signed_in.id)[0]) == {"subject": "Шум", "sender_name": "Гражданин"}
    assert sessions.take_draft(sessions.current(signed_in.id)[0]) is None


def test_pages_restart_the_idle_clock_in_the_store_at_most_once_a_minute():
    sessions, clock, _ = make()
    session = sessions.sign_in(None, "ivana", "right", "10.0.0.1")
    puts = []
    put = sessions.store.put
    sessions.store.put = lambda s: puts.append(s.last_seen) or put(s)
    for _ in range(3):
        clock.now += dt.timedelta(seconds=20)
        assert sessions.current(session.id)[0] is not None
    assert puts == [T0 + dt.timedelta(seconds=60)]
