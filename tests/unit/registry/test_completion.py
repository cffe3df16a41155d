"""The completer: batches form by themselves; a waiting caller learns of its batch's fate;
its loop runs until stopped (as the service's Background provider runs it)."""
import eventlet
import pytest

from registry.entrypoints.completion import Completer as _Completer

started = []


def Completer(*args, **kwargs):
    """A completer with its loop running, as in the service."""
    completer = _Completer(*args, **kwargs)
    started.append((completer, eventlet.spawn(completer.run)))
    eventlet.sleep(0)
    return completer


@pytest.fixture(autouse=True)
def stop_loops():
    yield
    while started:
        completer, thread = started.pop()
        completer.stop()
        thread.wait()


class Done:
    def __init__(self, name, announced=True):
        self.events = [type("M", (), {"topic": "t", "envelope": name, "key": name})()]
        self.announced, self.name = announced, name


def test_waiting_callers_return_after_their_events_are_out_and_only_pointers_are_cleared():
    completed, published, cleared = [], [], []
    completer = Completer(lambda *b: completed.append([d.name for d in b]),
                          lambda msgs: published.extend(m[1] for m in msgs),
                          lambda owner, msgs: cleared.extend(m.envelope for m in msgs))
    threads = [eventlet.spawn(completer.submit, Done(n, announced=(n != "portal")), True) for n in ("a", "portal", "c")]
    [t.wait() for t in threads]
    assert sorted(published) == ["a", "c", "portal"] and sorted(cleared) == ["a", "c"]
    assert sum(len(b) for b in completed) == 3 and len(completed) <= 2  # they went together


def test_a_failed_batch_is_raised_to_those_who_wait():
    def broken(msgs):
        raise ConnectionError("broker down")
    completer = Completer(lambda *b: None, broken, lambda *a: None)
    with pytest.raises(ConnectionError):
        completer.submit(Done("x"), wait=True)
    completer.submit(Done("y"))  # a caller with pointers does not wait: the relay will retry


def test_registrations_nobody_waits_for_linger_to_go_together():
    batches = []
    completer = Completer(lambda *b: batches.append(len(b)), lambda msgs: None, lambda *a: None, linger_s=0.05)
    for name in "abc":
        completer.submit(Done(name))  # one clerk after another, nobody waits
        eventlet.sleep(0.01)
    eventlet.sleep(0.1)
    assert batches == [3]


def test_stop_ends_the_loop_after_the_batch_it_holds_and_a_late_waiting_caller_is_still_served():
    completed = []
    completer = Completer(lambda *b: completed.append(len(b)), lambda msgs: None, lambda *a: None)
    completer.submit(Done("a"), wait=True)
    completer.stop()
    eventlet.sleep(0)
    assert not completer.running
    completer.submit(Done("late"), wait=True)  # the service is stopping: done here, not left hanging
    assert completed == [1, 1]
