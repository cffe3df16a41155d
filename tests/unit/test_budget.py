"""The byte budget: requests that do not fit wait for the memory others give back."""
import eventlet
import pytest

from servicekit.budget import ByteBudget


def test_a_request_waits_until_enough_is_free_and_never_more_is_held():
    budget, peak, order = ByteBudget(100), [0], []

    def request(name, size, hold_s):
        with budget.hold(size):
            order.append(name)
            peak[0] = max(peak[0], budget.total - budget.free)
            eventlet.sleep(hold_s)
    threads = [eventlet.spawn(request, "a", 60, 0.05), eventlet.spawn(request, "b", 30, 0.05)]
    eventlet.sleep(0)
    threads.append(eventlet.spawn(request, "c", 50, 0))  # does not fit until "a" is done
    [t.wait() for t in threads]
    assert order == ["a", "b", "c"] and peak[0] <= 100 and budget.free == 100


def test_more_than_the_whole_budget_holds_the_whole_budget():
    budget = ByteBudget(10)
    with budget.hold(1_000):
        assert budget.free == 0
    assert budget.free == 10


def test_the_bytes_come_back_when_the_request_fails():
    budget = ByteBudget(10)
    with pytest.raises(RuntimeError):
        with budget.hold(7):
            raise RuntimeError("storage down")
    assert budget.free == 10
