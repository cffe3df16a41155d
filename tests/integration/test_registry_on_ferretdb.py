"""The registration index on the real database: concurrent clerks and injected crashes
leave no gap and no duplicate (FerretDB locally; the same code on MongoDB)."""
import datetime as dt
import threading
import uuid

import eventlet
import pytest

from registry.adapters.mongo_repository import ALIAS, AuditDoc, MongoRegistrationRepository, RegistrationDoc
from registry.adapters.s3_store import S3ScanStore
from registry.domain.calendar import WorkingCalendar
from registry.domain.index import DEFAULT_REGISTERS, Register
from registry.domain.registration import Registration
from registry.service_layer.ports import IndexTaken
from registry.service_layer.errors import Invalid, Refused
from registry.service_layer.use_cases import RegistryUseCases, build
from servicekit import mongo
from servicekit.concurrently import green
from servicekit.outbox import relay
from tests.helpers import TEST_KEYS, command, pdf_bytes

pytestmark = pytest.mark.integration


@pytest.fixture
def stack(uid, test_db):
    mongo.connect(ALIAS, test_db)
    mongo.ensure_indexes(RegistrationDoc, AuditDoc)
    store = S3ScanStore("http://127.0.0.1:8333", "delovod-local", "delovod-local-secret", "delovod-test")
    store.ensure_bucket()
    registers = {k: Register(f"{v.code}-{uid}", v.prefix, v.title) for k, v in DEFAULT_REGISTERS.items()}
    repo = MongoRegistrationRepository(concurrently=green, drop_objects=lambda keys: [store.delete(k) for k in keys],
                                       move_objects=lambda pairs: [store.move(*p) for p in pairs])
    return build(repo, store, registers, WorkingCalendar(), TEST_KEYS, concurrently=green), store


def replica(registry: RegistryUseCases) -> RegistryUseCases:
    """Another registry process on the same database and bucket: its own claim locks and
    its own memory of the last number, as a second Kubernetes replica would have."""
    return build(MongoRegistrationRepository(concurrently=green), registry.registrar.store,
                 registry.registrar.registers, WorkingCalendar(), TEST_KEYS, concurrently=green)


def numbers(registry):
    return sorted(d.number for d in RegistrationDoc.objects(seq=0))


def test_twenty_concurrent_registrations(stack):
    registry, _ = stack
    pool = eventlet.GreenPool(10)
    results = list(pool.imap(lambda i: registry.registrar.register(command(), [("s.pdf", pdf_bytes(f"c{i}"))], "clerk", None),
                             range(20)))
    assert sorted(r.registration.number for r in results) == list(range(1, 21))
    assert numbers(registry) == list(range(1, 21))


def test_two_replicas_registering_at_once_share_one_gap_free_series(stack):
    first, store = stack
    second = replica(first)
    pool = eventlet.GreenPool(12)
    collisions = []
    for r in (first, second):
        add, add_many = r.registrar.repo.claim, r.registrar.repo.claim_many

        def counting(registration, events, add=add):
            try:
                return add(registration, events)
            except IndexTaken:
                collisions.append(registration.number)
                raise

        def counting_many(claims, add_many=add_many):
            added, error = add_many(claims)
            if isinstance(error, IndexTaken):
                collisions.append(claims[added][0].number)
            return added, error
        r.registrar.repo.claim, r.registrar.repo.claim_many = counting, counting_many

    def register(i):
        done = (first, second)[i % 2].registrar.register(command(), [("s.pdf", pdf_bytes(f"r{i}"))], f"clerk{i % 2}", None)
        (first, second)[i % 2].registrar.complete(done)
        return done.registration
    made = list(pool.imap(register, range(30)))
    assert sorted(r.number for r in made) == list(range(1, 31)) == numbers(first)
    for r in made:  # each one found by its index and its scan, its scan stored under its own index
        assert first.registrar.repo.by_index(r.index).id == r.id == second.registrar.repo.by_scan_hash(r.scans[0].sha256).id
        assert store.get(r.scans[0].object_key)[:4] == b"%PDF"
        assert f"/{r.number}/" in r.scans[0].object_key
    assert collisions, "the replicas never raced for a number: the test proves nothing"


def test_concurrent_os_threads_via_separate_registries(stack, uid):
    registry, store = stack
    errors = []

    def worker(i):
        try:
            registry.registrar.register(command(), [], f"clerk{i}", None)
        except Exception as exc:  # surfaced below
            errors.append(exc)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and numbers(registry) == list(range(1, 13))


@pytest.mark.parametrize("step", ["announce", "put", "claim", "link", "complete", "move"])
def test_crash_at_each_step_leaves_no_gap_and_no_orphan(stack, step):
    registry, store = stack
    target = store if step in ("put", "move") else registry.registrar.repo
    original = getattr(target, step)

    def crash(*a, **k):
        raise RuntimeError(f"crash in {step}")
    setattr(target, step, crash)
    with pytest.raises(RuntimeError):
        registry.registrar.complete(registry.registrar.register(command(), [("s.pdf", pdf_bytes(step))], "clerk", None))
    setattr(target, step, original)
    registry.registrar.complete(registry.registrar.register(command(), [("t.pdf", pdf_bytes(step + "2"))], "clerk", None))
    got = numbers(registry)
    assert got == list(range(1, len(got) + 1))
    for doc in RegistrationDoc.objects:
        for scan in doc.scans:  # every registration's scans are stored: moved, or not yet
            key = scan["object_key"] if store.exists(scan["object_key"]) else scan["staging_key"]
            assert store.get(key)[:4] == b"%PDF"
    # what a crash left is finished by the relay: scans moved, lookups written, or staged objects deleted
    pointers = RegistrationDoc._get_collection().database["outbox_pointers"]
    pointers.update_many({}, {"$set": {"at": dt.datetime(2000, 1, 1)}})
    announced = [key for p in pointers.find() for key in p.get("scans", [])]
    relay(registry.registrar.repo.outbox, lambda *a, **k: None)  # a relay round (its repairs run per batch)
    finals = {scan["object_key"] for doc in RegistrationDoc.objects for scan in doc.scans}
    assert announced and not any(store.exists(key) for key in announced if key not in finals)
    assert all(store.get(key)[:4] == b"%PDF" for key in finals)
    for doc in RegistrationDoc.objects:  # lookups, hint and audit entry exist for each claim
        assert registry.registrar.repo.by_index(doc.index).number == doc.number
        assert AuditDoc.objects(id=f"register:{doc.id}").count() == 1
    assert registry.registrar.repo.next_number(registry.registrar.registers[command().kind].code, got and RegistrationDoc.objects.first().year) \
        == len(got) + 1


def test_lookups_left_to_the_completion_are_written_for_the_whole_batch(stack):
    """The e-portal consumer tells nobody the index before ``complete``: the lookups of a
    batch are written there, in one round trip, and only then do readers find them."""
    registry, _ = stack
    done = [registry.registrar.register_submission(command(eportal_submission_id=f"EP-{i}", accept_duplicate_scan=True),
                                                   [("s.pdf", pdf_bytes("same scan"))] if i == 0 else [], None,
                                                   uuid.uuid4()) for i in range(3)]
    assert [d.linked for d in done] == [False] * 3
    assert all(registry.registrar.repo.by_index(d.registration.index) is None for d in done)
    calls = []
    link = registry.registrar.repo.link
    registry.registrar.repo.link = lambda *regs: (calls.append(len(regs)), link(*regs))
    registry.registrar.complete(*done)
    assert calls == [3]
    for i, d in enumerate(done):
        assert registry.registrar.repo.by_index(d.registration.index).id == d.registration.id
        assert registry.registrar.repo.by_submission(f"EP-{i}").id == d.registration.id
    assert registry.registrar.repo.by_scan_hash(done[0].registration.scans[0].sha256).id == done[0].registration.id


def test_concurrent_repeats_of_one_clerk_request_make_one_registration_and_one_object(stack):
    """Four attempts of one request (same Idempotency-Key, same scan) at once, on the real
    database's unique index: one number, one stored scan, nothing left in staging."""
    registry, store = stack
    scan = pdf_bytes("idempotent")
    pool = eventlet.GreenPool(4)
    done = list(pool.imap(lambda i: registry.registrar.register_once(command(), [("s.pdf", scan)], "clerk", None,
                                                                     "clerk:req-1"), range(4)))
    assert numbers(registry) == [1] and len({d.registration.index for d in done}) == 1
    assert sum(d.created for d in done) == 1
    registry.registrar.complete(*done)
    r = done[0].registration
    assert store.get(r.scans[0].object_key) == scan
    assert not store.exists(f"staging/{r.id}/1-{r.scans[0].sha256[:16]}.pdf")  # moved, not left in staging
    assert registry.registrar.repo.by_request("clerk:req-1").id == r.id


def _submission(sid: str):
    from delovod_proto.events import Contact, EportalSubmission

    return EportalSubmission(submission_id=sid, submitted_at=dt.datetime.now(dt.timezone.utc), kind="signal",
                             subject="Сметище", applicant=Contact(name="Петя Колева", preferred_channel="none"))


def test_a_submission_redelivered_after_its_lookups_failed_gets_them_written(stack):
    """The batch that should write a submission's lookups fails (the consumer does not
    commit); the redelivery finds the claim, and its completion writes them."""

    registry, _ = stack
    first = registry.eportal.register(_submission("EP-lost-lookups"), None)
    link = registry.registrar.repo.link
    registry.registrar.repo.link = lambda *regs: (_ for _ in ()).throw(ConnectionError("database went away"))
    with pytest.raises(ConnectionError):
        registry.registrar.complete(first)
    registry.registrar.repo.link = link
    assert registry.registrar.repo.by_index(first.registration.index) is None
    again = registry.eportal.register(_submission("EP-lost-lookups"), None)
    assert not again.created and again.registration.index == first.registration.index and not again.linked
    assert [m.envelope.event_id for m in again.events] == [m.envelope.event_id for m in first.events]
    registry.registrar.complete(again)
    assert registry.registrar.repo.by_index(first.registration.index).id == first.registration.id
    assert registry.registrar.repo.by_submission("EP-lost-lookups").id == first.registration.id
    assert numbers(registry) == [1]


def test_concurrent_reissues_are_numbered_and_the_last_one_holds(stack):
    registry, _ = stack
    case = registry.registrar.register(command(), [], "clerk", None)
    registry.registrar.complete(case)
    pool = eventlet.GreenPool(5)
    done = list(pool.imap(lambda i: registry.access_codes.reissue(case.registration.index, f"clerk{i}", "загубен код"),
                          range(5)))
    versions = sorted(d.event.envelope.body().code_version for d in done)
    assert versions == [1, 2, 3, 4, 5]
    last = max(done, key=lambda d: d.event.envelope.body().code_version)
    assert registry.registrar.repo.by_index(case.registration.index).access_code_hash == last.event.envelope.body().access_code_hash
    assert registry.access_codes.for_printing(case.registration.index, last.access_code, "clerk").index == case.registration.index


def test_a_reissue_left_by_a_crash_is_relayed_without_repairing_the_registration(stack):
    registry, _ = stack
    case = registry.registrar.register(command(), [], "clerk", None)
    registry.registrar.complete(case)
    outbox = registry.registrar.repo.outbox
    for batch in outbox.pending(10, owner_id=f"rid:{case.registration.id}"):
        outbox.mark_published(batch.owner_id, batch.messages)  # the registration's own events are out
    done = registry.access_codes.reissue(case.registration.index, "clerk", "загубен код")  # then the process died
    repaired = []
    outbox.repair = lambda doc: repaired.append(doc["_id"])
    batches = list(outbox.pending(10, owner_id=case.registration.claim_key))
    assert [m.envelope.event_id for b in batches for m in b.messages] == [done.event.envelope.event_id]
    for b in batches:
        b.prepare()  # what the relay runs before it publishes
    assert repaired == []


def _miss_lookups_once(registry):
    """The window in which an earlier attempt has claimed but not yet written its lookups."""
    real, calls = registry.registrar.repo.by_request, []

    def by_request(key):
        calls.append(key)
        return None if len(calls) == 1 else real(key)
    registry.registrar.repo.by_request = by_request


def test_a_repeat_that_meets_the_first_attempt_by_its_scan_gets_it_and_keeps_its_pointers(stack):
    registry, store = stack
    scan = pdf_bytes("repeat-window")
    first = registry.registrar.register_once(command(), [("s.pdf", scan)], "clerk", None, "clerk:win-1")
    _miss_lookups_once(registry)
    again = registry.registrar.register_once(command(), [("s.pdf", scan)], "clerk", None, "clerk:win-1")
    assert not again.created and again.registration.index == first.registration.index  # not 409
    assert [m.envelope.event_id for m in again.events] == [m.envelope.event_id for m in first.events]
    pending = list(registry.registrar.repo.outbox.pending(10, owner_id=f"rid:{first.registration.id}"))
    assert [m.envelope.event_id for b in pending for m in b.messages] == [m.envelope.event_id for m in first.events]


def test_a_key_reused_for_another_scan_never_touches_the_first_documents_scan(stack):
    registry, store = stack
    mine, other = pdf_bytes("first document"), pdf_bytes("another document")
    first = registry.registrar.register_once(command(), [("s.pdf", mine)], "clerk", None, "clerk:reused")
    _miss_lookups_once(registry)
    with pytest.raises(Refused) as err:
        registry.registrar.register_once(command(), [("s.pdf", other)], "clerk", None, "clerk:reused")
    assert isinstance(err.value, Invalid)
    staged = first.registration.scans[0].staging_key
    assert store.get(staged) == mine  # its own staging key: the other attempt's bytes went elsewhere
    sha_other = __import__("hashlib").sha256(other).hexdigest()
    assert not store.exists(f"staging/{first.registration.id}/1-{sha_other[:16]}.pdf")  # and were deleted
    registry.registrar.complete(first)
    assert store.get(first.registration.scans[0].object_key) == mine


@pytest.mark.parametrize("step", ["announce", "put", "claim", "link", "complete", "move"])
def test_a_request_retried_with_its_key_after_a_crash_at_each_step_is_registered_once(stack, step):
    """The clerk's application did not get an answer (the process died at ``step``) and
    sends the same request again with the same Idempotency-Key."""
    registry, store = stack
    target = store if step in ("put", "move") else registry.registrar.repo
    original = getattr(target, step)
    setattr(target, step, lambda *a, **k: (_ for _ in ()).throw(RuntimeError(f"crash in {step}")))
    scan = pdf_bytes(f"keyed {step}")
    with pytest.raises(RuntimeError):
        registry.registrar.complete(registry.registrar.register_once(command(), [("s.pdf", scan)], "clerk", None, f"clerk:{step}"))
    setattr(target, step, original)
    retry = registry.registrar.register_once(command(), [("s.pdf", scan)], "clerk", None, f"clerk:{step}")
    registry.registrar.complete(retry)
    assert numbers(registry) == [1]  # claimed by the first attempt or by the retry, once
    assert retry.created == (step in ("announce", "put", "claim"))  # no claim yet: the retry makes it
    r = registry.registrar.repo.by_request(f"clerk:{step}")
    assert r.index == retry.registration.index and store.get(r.scans[0].object_key) == scan
    pointers = RegistrationDoc._get_collection().database["outbox_pointers"]
    pointers.update_many({}, {"$set": {"at": dt.datetime(2000, 1, 1)}})
    announced = {key for p in pointers.find() for key in p.get("scans", [])}
    relay(registry.registrar.repo.outbox, lambda *a, **k: None)  # a relay round (its repairs run per batch)
    assert not any(store.exists(key) for key in announced if key != r.scans[0].object_key)
    assert store.get(r.scans[0].object_key) == scan



def _tickets(registry, commands):
    from registry.service_layer.claims import Draft, _Ticket

    local = dt.datetime.now(dt.timezone.utc).astimezone(registry.registrar.tz)
    register = registry.registrar.registers[commands[0].kind]
    out = []
    for cmd in commands:
        draft = Registration(uuid.uuid4(), register.code, 0, 0, 0, "", "", dt.datetime.now(dt.timezone.utc), cmd,
                             "h", "clerk").with_staging_keys()
        out.append(_Ticket(Draft(draft, register, None, local)))
    return out, (register.code, local.year)


def test_a_batch_of_claims_refused_in_the_middle_leaves_no_gap(stack):
    """One ordered insert for a batch: a submission registered already refuses its document,
    and the ones after it take the numbers from there on."""
    registry, _ = stack
    registry.registrar.register_submission(command(eportal_submission_id="EP-dup"), [], None, uuid.uuid4())
    batch, series = _tickets(registry, [command(eportal_submission_id=s) for s in ("EP-a", "EP-dup", "EP-b", "EP-c")])
    registry.claims._claim_batch(batch)
    assert [t.result.registration.number if t.result else type(t.error).__name__ for t in batch] == [2, "SubmissionTaken", 3, 4]
    assert numbers(registry) == [1, 2, 3, 4]


def test_a_batch_whose_first_number_another_replica_took_claims_after_it(stack):
    registry, _ = stack
    registry.registrar.register(command(), [], "clerk", None)  # this process's last number: 1
    other = replica(registry)
    other.registrar.register(command(), [], "clerk", None)  # the other replica takes 2 meanwhile
    batch, series = _tickets(registry, [command(), command(), command()])
    registry.claims._claim_batch(batch)
    assert [t.result.registration.number for t in batch] == [3, 4, 5]
    assert numbers(registry) == [1, 2, 3, 4, 5]
