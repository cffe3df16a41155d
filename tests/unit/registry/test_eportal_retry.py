"""An e-portal submission that meets a temporary refusal (the claim took too long, the
claim scheduler is overloaded) is not the submission's fault: the consumer waits and tries
again, and the submission is registered once, later, with no operator replaying it."""
import contextlib
import datetime as dt

import pytest
from types import SimpleNamespace

from nameko.testing.services import worker_factory

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import Contact, EportalSubmission
from registry.adapters.memory import InMemoryRegistrationRepository, InMemoryScanStore
from registry.domain.calendar import WorkingCalendar
from registry.domain.index import DEFAULT_REGISTERS
from registry.entrypoints.completion import Completer
from registry.entrypoints.service import RegistryService
from registry.service_layer.use_cases import build
from registry.service_layer.ports import IndexTaken
from servicekit.kafka import KafkaConsume
from tests.helpers import TEST_KEYS

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)


class SlowClock:
    """Each reading is ``step`` later than the one before while ``slow`` (the claim then
    outlives its window); otherwise the time stands still."""

    def __init__(self):
        self.at, self.slow = NOW, False

    def __call__(self):
        if self.slow:
            self.at += dt.timedelta(minutes=6)
        return self.at


def consumer(worker):
    """The real Kafka entrypoint's retry logic, its worker run in place of a container's."""
    entry = KafkaConsume(topics.EPORTAL_SUBMISSIONS, max_attempts=2, backoff_s=0.0)
    entry.dead = []

    def run_worker(envelope, context):
        try:
            worker.register_submission(envelope)
        except Exception as exc:
            return exc
        return None
    entry.run_worker = run_worker
    entry.dead_letter = lambda message, reason, errors=(): entry.dead.append((reason, list(errors)))
    return entry


@pytest.mark.parametrize("refusal", ["claim timed out", "claims overloaded"])
def test_a_submission_refused_for_now_is_registered_once_later_without_a_replay(refusal):
    repo, store, clock = InMemoryRegistrationRepository(), InMemoryScanStore(), SlowClock()
    registry = build(repo, store, DEFAULT_REGISTERS, WorkingCalendar(), TEST_KEYS, clock=clock)
    settings = SimpleNamespace(completion_linger_ms=0, kit=SimpleNamespace(rpc_timeout_s=10.0, timezone="Europe/Sofia"))
    uploads = SimpleNamespace(hold=lambda n: contextlib.nullcontext())
    # the completer as the Background provider builds it, with no loop running: it completes inline;
    # what it publishes is dropped, and the outbox keeps its entries for the assertions below
    completer = Completer(registry.registrar.complete, lambda messages: None, lambda *a: None, linger_s=0)
    app = SimpleNamespace(settings=settings, uploads=uploads, registry=registry, outbox=repo.outbox,
                          completer=completer)
    worker = worker_factory(RegistryService, app=app, catalogue=None)
    submission = EportalSubmission(submission_id="EP-late", submitted_at=NOW, kind="signal", subject="Сметище",
                                   applicant=Contact(name="Петя Колева", preferred_channel="none"))
    message = SimpleNamespace(value=Envelope.wrap(submission, source="eportal", correlation_id="EP-late")
                              .model_dump_json().encode(), headers=[], offset=7)
    entry = consumer(worker)
    real_run, real_claim, tries = entry.run_worker, repo.claim, []

    def collides(r, events):  # every number "taken by another replica" during the first delivery
        if len(tries) == 1:
            raise IndexTaken(r.claim_key)
        return real_claim(r, events)
    if refusal == "claims overloaded":
        repo.claim = collides
        registry.claims.max_attempts = 3

    def run_worker(envelope, context):
        clock.slow = not tries and refusal == "claim timed out"  # the first delivery's claim outlives its window
        tries.append(1)
        return real_run(envelope, context)
    entry.run_worker = run_worker

    entry.handle_message(message)

    assert entry.dead == []  # nothing for an operator to replay
    assert len(tries) == 2  # waited, then tried again
    assert [r.command.eportal_submission_id for r in repo.items.values()] == ["EP-late"]  # registered once
    assert [m.topic for m in repo.outbox] == [topics.DOCUMENTS_REGISTERED, topics.EPORTAL_RECEIPTS]
