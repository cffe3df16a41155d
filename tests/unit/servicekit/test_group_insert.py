"""GroupInsert: concurrent inserts share insert_many calls, each caller gets its own answer."""
import eventlet
from pymongo.errors import BulkWriteError, ConnectionFailure

from servicekit.mongo import GroupInsert


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
            raise BulkWriteError({"writeErrors": errors})


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
