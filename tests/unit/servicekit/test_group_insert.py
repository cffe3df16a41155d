"""GroupInsert: concurrent inserts share insert_many calls, each caller gets its own answer."""
import eventlet
from pymongo.errors import BulkWriteError, ConnectionFailure

from servicekit.mongo import GroupInsert, NotWritten


class Collection:
    def __init__(self, down=False):
        self.docs, self.calls, self.down = {}, [], down

    def insert_many(self, docs, ordered):
        assert ordered is False
        self.calls.append(len(docs))
        eventlet.sleep(0.01)  # a round trip: others arrive meanwhile
        if self.down:
            raise ConnectionFailure("down")
        errors = []
        for i, d in enumerate(docs):
            if d["_id"] in self.docs:
                errors.append({"index": i, "code": 11000, "errmsg": "duplicate key"})
            elif d.get("bad"):
                errors.append({"index": i, "code": 121, "errmsg": "validation"})
            else:
                self.docs[d["_id"]] = d
        if errors:
            raise BulkWriteError({"writeErrors": errors, "nInserted": len(docs) - len(errors)})


def run_all(group, docs):
    pool = eventlet.GreenPool(len(docs))
    threads = [pool.spawn(_answer, group, d) for d in docs]
    return [t.wait() for t in threads]


def _answer(group, doc):
    try:
        return group.insert(doc)
    except Exception as exc:
        return type(exc).__name__


def test_concurrent_inserts_share_round_trips_and_each_gets_its_answer():
    c = Collection()
    c.docs["dup"] = {"_id": "dup"}
    group = GroupInsert(c)
    answers = run_all(group, [{"_id": f"d{i}"} for i in range(30)] + [{"_id": "dup"}, {"_id": "x", "bad": True}])
    assert answers[:30] == [True] * 30 and answers[30:] == [False, "BulkWriteError"]
    assert sum(c.calls) == 32 and len(c.calls) <= 3  # the first alone, then what waited meanwhile
    assert group.insert({"_id": "alone"}) is True and c.calls[-1] == 1


def test_an_outage_reaches_every_caller_of_its_batch_and_the_next_writes_again():
    c = Collection(down=True)
    group = GroupInsert(c)
    assert run_all(group, [{"_id": f"d{i}"} for i in range(5)]) == ["ConnectionFailure"] * 5
    c.down = False
    assert run_all(group, [{"_id": f"e{i}"} for i in range(5)]) == [True] * 5


def test_batches_are_bounded():
    c = Collection()
    run_all(GroupInsert(c, max_batch=4), [{"_id": f"d{i}"} for i in range(13)])
    assert max(c.calls) <= 4 and sum(c.calls) == 13


def test_a_server_whose_count_does_not_add_up_tells_nobody_written():
    from servicekit.mongo import _Slot

    class StopsEarly(Collection):
        def insert_many(self, docs, ordered):
            self.docs[docs[0]["_id"]] = docs[0]  # stopped at the duplicate in the middle
            raise BulkWriteError({"writeErrors": [{"index": 1, "code": 11000, "errmsg": "dup"}], "nInserted": 1})

    batch = [_Slot({"_id": x}) for x in "abc"]
    GroupInsert(StopsEarly())._write(batch)
    assert batch[1].answer() is False  # the duplicate is known
    for unconfirmed in (batch[0], batch[2]):  # 1 inserted of 2 without an error: nobody told "written"
        try:
            unconfirmed.answer()
        except BulkWriteError:
            pass
        else:
            raise AssertionError("an unconfirmed insert answered written")


def test_a_leader_killed_mid_write_tells_its_batch_not_written_and_the_next_insert_proceeds():
    c = Collection()
    group = GroupInsert(c)
    leader = eventlet.spawn(group.insert, {"_id": "a"})
    eventlet.sleep(0)  # the leader is in its round trip
    waiter = eventlet.spawn(_answer, group, {"_id": "b"})
    eventlet.sleep(0)
    leader.kill()
    assert waiter.wait() in ("NotWritten", True)  # never True on trust: "b" waits for the next write
    assert group.insert({"_id": "after"}) is True


def test_a_waiter_killed_leaves_no_one_waiting_for_ever():
    c = Collection()
    group = GroupInsert(c)
    first = eventlet.spawn(group.insert, {"_id": "a"})
    eventlet.sleep(0)
    doomed = eventlet.spawn(group.insert, {"_id": "b"})
    eventlet.sleep(0)
    doomed.kill()
    assert first.wait() is True
    with eventlet.Timeout(2):
        assert group.insert({"_id": "c"}) is True
    assert "b" not in c.docs


def test_a_waiter_killed_just_as_it_was_made_leader_passes_the_lead_on():
    c = Collection()
    group = GroupInsert(c)
    first = eventlet.spawn(group.insert, {"_id": "a"})
    eventlet.sleep(0)
    second = eventlet.spawn(group.insert, {"_id": "b"})
    eventlet.sleep(0)
    first.wait()  # "b" arrived while "a" was written: it is made the next leader and woken
    third = eventlet.spawn(_answer, group, {"_id": "c"})
    second.kill()
    with eventlet.Timeout(2):
        assert third.wait() is True
