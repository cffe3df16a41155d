"""Our nameko Kafka entrypoint against Apache Kafka 4: handle, retry, dead-letter, commit."""
import base64
import datetime as dt
import json

import pytest
from kafka import KafkaConsumer

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import CatalogueServiceChanged
from servicekit.kafka import PermanentFailure, consume, make_producer, send_envelope
from servicekit.settings import KitSettings, ServiceSettings
from tests.conftest import until
from tests.integration.conftest import KAFKA

pytestmark = pytest.mark.integration
SEEN = []
HEALED = set()  # correlation ids whose handler no longer fails (the cause was fixed)
LATE = {}  # correlation id -> how many more times a service it needs does not answer


def envelope(code: str) -> Envelope:
    return Envelope.wrap(CatalogueServiceChanged(code=code, version=1, valid_from=dt.date(2026, 1, 1), name="x"),
                         source="test", correlation_id=code)


def dead_letters_for(topic: str, n: int, timeout_s=30):
    consumer = KafkaConsumer(topics.DEAD_LETTERS, bootstrap_servers=KAFKA, auto_offset_reset="earliest",
                             consumer_timeout_ms=1000, group_id=None)
    found, deadline = [], dt.datetime.now() + dt.timedelta(seconds=timeout_s)
    while len(found) < n and dt.datetime.now() < deadline:
        for m in consumer:
            body = Envelope.model_validate_json(m.value).body()
            if body.original_topic == topic:
                found.append(body)
    consumer.close()
    return found


def make_service(topic_name, concurrency=1):
    class Probe:
        name = "probe"

        @consume(topic_name, max_attempts=2, backoff_s=0.05, concurrency=concurrency)
        def handle(self, env):
            if env.correlation_id.startswith("slow-"):
                import eventlet
                eventlet.sleep(0.05 if env.correlation_id == "slow-1" else 0)
            if env.correlation_id == "boom":
                raise RuntimeError("handler broke")
            if env.correlation_id.startswith("late-") and LATE[env.correlation_id] > 0:
                LATE[env.correlation_id] -= 1
                from servicekit.errors import Unavailable
                raise Unavailable("catalogue", 0.01)
            if env.correlation_id.startswith("never") and env.correlation_id not in HEALED:
                raise PermanentFailure("cannot ever succeed")
            SEEN.append(env.correlation_id)
    return Probe


@pytest.mark.parametrize("concurrency", [1, 4])
def test_consume_retry_and_dead_letter_then_commit(topic, run_container, concurrency):
    SEEN.clear()
    settings = ServiceSettings(kit=KitSettings())
    run_container(make_service(topic, concurrency), settings)
    producer = make_producer(KAFKA)
    for code in ("ok-1", "boom", "never", "ok-2"):
        send_envelope(producer, topic, envelope(code))
    producer.send(topic, b"{not json").get(10)
    until(lambda: sorted(SEEN) == ["ok-1", "ok-2"], what="handled messages")
    dead = {d.reason.split(":")[0]: d for d in dead_letters_for(topic, 3)}
    assert set(dead) == {"handler failed 2 times", "rejected", "invalid event"}
    assert base64.b64decode(dead["invalid event"].original_value_b64) == b"{not json"
    # Offsets were committed: a new consumer in the same group starts after everything.
    group = KafkaConsumer(bootstrap_servers=KAFKA, group_id="probe.handle", enable_auto_commit=False)
    from kafka import TopicPartition
    tp = TopicPartition(topic, 0)
    until(lambda: group.committed(tp) == 5, what="committed offset 5")
    group.close()


def test_concurrent_consumer_keeps_the_order_of_each_key(topic, run_container):
    SEEN.clear()
    run_container(make_service(topic, concurrency=4), ServiceSettings(kit=KitSettings()))
    producer = make_producer(KAFKA)
    for code in ("slow-1", "slow-2", "slow-3"):  # the first is the slowest; one key keeps them in order
        send_envelope(producer, topic, envelope(code), key="one-case")
    until(lambda: len(SEEN) == 3, what="handled messages")
    assert SEEN == ["slow-1", "slow-2", "slow-3"]


def test_a_commit_refused_by_a_rebalance_does_not_stop_the_consumer(topic, run_container):
    from kafka.errors import RebalanceInProgressError

    from servicekit.kafka import KafkaConsume

    SEEN.clear()
    refused = []
    real_commit = KafkaConsume.commit

    def refuse_once(self, offsets):
        if not refused:
            refused.append(offsets)
            original = self.consumer.commit
            self.consumer.commit = lambda o: (_ for _ in ()).throw(RebalanceInProgressError("rebalancing"))
            try:
                return real_commit(self, offsets)
            finally:
                self.consumer.commit = original
        return real_commit(self, offsets)
    KafkaConsume.commit = refuse_once
    try:
        run_container(make_service(topic), ServiceSettings(kit=KitSettings()))
        producer = make_producer(KAFKA)
        send_envelope(producer, topic, envelope("ok-1"))
        until(lambda: SEEN == ["ok-1"], what="first message")
        until(lambda: refused, what="a refused commit")
        send_envelope(producer, topic, envelope("ok-2"))  # the consumer is still alive
        until(lambda: "ok-2" in SEEN, what="second message")
    finally:
        KafkaConsume.commit = real_commit


def test_a_member_whose_commits_stay_refused_joins_its_group_afresh(topic, run_container):
    """Seen once under load: the group had lost the member, which kept handling messages
    with every commit refused. Past ``rejoin_after_s`` it closes its consumer and joins
    again; what it handled meanwhile comes again (handlers are idempotent)."""
    from kafka.errors import RebalanceInProgressError

    from servicekit.kafka import KafkaConsume

    SEEN.clear()
    joins, real_join, real_commit = [], KafkaConsume._join, KafkaConsume.commit

    def counting_join(self):
        joins.append(1)
        consumer = real_join(self)
        if len(joins) == 1:  # the first member's commits are all refused
            consumer.commit = lambda o: (_ for _ in ()).throw(RebalanceInProgressError("not a member"))
        return consumer
    KafkaConsume._join = counting_join
    KafkaConsume.rejoin_after_s = 1.0
    try:
        run_container(make_service(topic), ServiceSettings(kit=KitSettings()))
        producer = make_producer(KAFKA)
        send_envelope(producer, topic, envelope("out-1"))
        until(lambda: "out-1" in SEEN, what="handled while out of the group")
        until(lambda: len(joins) == 2, what="a fresh join", timeout_s=30)
        until(lambda: SEEN.count("out-1") == 2, what="the uncommitted message again, for the new member", timeout_s=30)
        send_envelope(producer, topic, envelope("in-2"))
        until(lambda: "in-2" in SEEN, what="handled after the fresh join")
    finally:
        KafkaConsume._join, KafkaConsume.commit = real_join, real_commit
        KafkaConsume.rejoin_after_s = 15.0


def test_a_half_joined_member_is_mended_and_commits_again(topic, run_container):
    """kafka-python 3.0.12 can leave a member rebalancing with no rejoin pending and its
    heartbeats off (reproduced: its commits are refused client-side and its poll loop spins
    a core, until the broker drops it). The entrypoint requests the rejoin its next poll
    completes."""
    from kafka.structs import MemberState

    from servicekit.kafka import KafkaConsume

    SEEN.clear()
    KafkaConsume.mend_after_s = 0.5
    try:
        container = run_container(make_service(topic), ServiceSettings(kit=KitSettings()))
        entry = next(e for e in container.entrypoints if isinstance(e, KafkaConsume))
        producer = make_producer(KAFKA)
        send_envelope(producer, topic, envelope("before"))
        until(lambda: "before" in SEEN and entry.consumer.group_metadata().state == MemberState.STABLE,
              what="a stable member")
        coordinator = entry.consumer._coordinator
        generation = entry.consumer.group_metadata().generation_id
        coordinator.state, coordinator.rejoin_needed = MemberState.REBALANCING, False  # the orphaned join
        until(lambda: entry.consumer.group_metadata().state == MemberState.STABLE
              and not coordinator.need_rejoin(), what="mended: stable again", timeout_s=30)
        assert entry.consumer.group_metadata().generation_id > generation  # it really joined again
        send_envelope(producer, topic, envelope("after"))
        until(lambda: "after" in SEEN, what="handled after the mend")
        from kafka import TopicPartition
        group = KafkaConsumer(bootstrap_servers=KAFKA, group_id=entry.group_id, enable_auto_commit=False)
        committed = until(lambda: sum(group.committed(TopicPartition(topic, p)) or 0
                                      for p in group.partitions_for_topic(topic)) >= 2,
                          what="both messages committed", timeout_s=30)
        group.close()
        assert committed
    finally:
        KafkaConsume.mend_after_s = 3.0


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_long_batch_commits_what_it_has_handled_as_it_goes(topic, run_container, concurrency):
    """Past max_poll_interval_ms a member leaves its group and its batch comes again from the
    last commit: a batch that takes long commits its progress, so it always moves forward."""
    from servicekit.kafka import KafkaConsume

    SEEN.clear()
    commits, real_commit = [], KafkaConsume.commit

    def recording(self, offsets):
        commits.append((list(SEEN), {tp.partition: o.offset for tp, o in offsets.items()}))
        return real_commit(self, offsets)
    KafkaConsume.commit, KafkaConsume.progress_commit_s = recording, 0.02
    try:
        producer = make_producer(KAFKA)
        for i in range(6):  # one key: one partition, handled in order, 50 ms each
            producer.send(topic, key=b"k", value=envelope("slow-1").model_dump_json().encode())
        producer.flush()
        run_container(make_service(topic, concurrency), ServiceSettings(kit=KitSettings()))
        until(lambda: len(SEEN) == 6 and commits and max(commits[-1][1].values()) == 6, what="all handled, committed")
        during = [offsets for seen, offsets in commits if len(seen) < 6]
        assert during, "a commit while the batch was still being handled"
        assert all(max(offsets.values()) <= len(seen) for seen, offsets in commits)  # never past what was handled
    finally:
        KafkaConsume.commit, KafkaConsume.progress_commit_s = real_commit, 10.0


def test_a_dead_letter_is_replayed_unchanged_once_its_cause_is_fixed(topic, run_container, capsys):
    from servicekit import dead_letters

    SEEN.clear()
    name = f"never-{topic}"
    container = run_container(make_service(topic), ServiceSettings(kit=KitSettings()))
    producer = make_producer(KAFKA)
    send_envelope(producer, topic, envelope(name))
    [letter] = dead_letters_for(topic, 1)
    assert letter.original_key_b64 and [h.name for h in letter.original_headers] == ["event_type"]
    group = f"{container.service_name}.handle"
    assert dead_letters.main(["--bootstrap", KAFKA, "replay", "--consumer", group, "--topic", topic, "--dry-run"]) == 0
    assert '"replayed": false' in capsys.readouterr().out and name not in SEEN
    HEALED.add(name)  # the operator fixed what made it fail
    try:
        assert dead_letters.main(["--bootstrap", KAFKA, "replay", "--consumer", group, "--topic", topic]) == 0
        until(lambda: name in SEEN, what="the replayed message handled")
        assert SEEN.count(name) == 1
        listed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
        assert [x["topic"] for x in listed] == [topic] and listed[0]["consumer"] == group
    finally:
        HEALED.discard(name)


def test_a_service_that_does_not_answer_is_waited_for_without_using_up_attempts(topic, run_container):
    """max_attempts is 2 here; the catalogue does not answer 5 times, then does: the message is
    handled, not dead-lettered (an outage is not the message's fault)."""
    SEEN.clear()
    name = f"late-{topic}"
    LATE[name] = 5
    run_container(make_service(topic), ServiceSettings(kit=KitSettings()))
    send_envelope(make_producer(KAFKA), topic, envelope(name))
    until(lambda: name in SEEN, what="handled once the service answers", timeout_s=60)
    assert LATE[name] == 0 and dead_letters_for(topic, 1, timeout_s=3) == []
