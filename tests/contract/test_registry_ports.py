"""One suite, two implementations: InMemory* fakes and the Mongo/S3 adapters behave alike."""
import datetime as dt
import uuid

import pytest

from registry.adapters.memory import InMemoryRegistrationRepository, InMemoryScanStore
from registry.domain.registration import Registration, Scan
from registry.service_layer.ports import IndexTaken
from tests.contract.conftest import BACKENDS
from tests.helpers import command


@pytest.fixture(params=BACKENDS)
def repo(request, mongo_alias):
    if request.param == "memory":
        return InMemoryRegistrationRepository()
    from registry.adapters.mongo_repository import ALIAS, AuditDoc, MongoRegistrationRepository, RegistrationDoc
    mongo_alias(ALIAS, RegistrationDoc, AuditDoc)
    return MongoRegistrationRepository()


@pytest.fixture(params=BACKENDS)
def store(request, uid):
    if request.param == "memory":
        return InMemoryScanStore()
    from registry.adapters.s3_store import S3ScanStore
    s = S3ScanStore("http://127.0.0.1:8333", "delovod-local", "delovod-local-secret", "delovod-test")
    s.ensure_bucket()  # one bucket for all tests (SeaweedFS gives each bucket its own volumes)
    return s


def reg(number, seq=0, case=None, sha="a" * 64, submission=None):
    index = f"Т-{number}" + (f"-({seq})" if seq else "") + "/01.02.2026"
    return Registration(uuid.uuid4(), "t", 2026, number, seq, index, case or index,
                        dt.datetime(2026, 2, 1, 9, tzinfo=dt.timezone.utc),
                        command(eportal_submission_id=submission), "h", "clerk",
                        scans=[Scan(sha, 10, "application/pdf", "pdf", "a.pdf", "k")])


def claim(repo, r):
    """The registry's order: lookups, claim, then the idempotent post-claim steps."""
    repo.link(r)
    repo.claim(r, [])
    repo.complete([r])


def test_numbering_and_unique_claim(repo):
    assert repo.next_number("t", 2026) == 1
    for r in (reg(1), reg(2, sha="b" * 64)):
        claim(repo, r)
    assert repo.next_number("t", 2026) == 3 and repo.next_number("t", 2027) == 1
    with pytest.raises(IndexTaken):
        repo.claim(reg(2, sha="c" * 64), [])


def test_lookups(repo):
    first = reg(1, submission="P-9")
    follow = reg(1, seq=1, case=first.index, sha="d" * 64)
    for r in (first, follow):
        claim(repo, r)
    assert repo.by_index(first.index).id == first.id
    assert repo.by_scan_hash("d" * 64).index == follow.index
    assert repo.by_submission("P-9").index == first.index
    assert repo.next_seq(first.index) == 2 and repo.next_number("t", 2026) == 2
    assert repo.by_index("nope") is None and repo.by_scan_hash("e" * 64) is None


def test_by_claim_and_an_index_text_two_follow_ups_share(repo):
    """Follow-ups issued in the old form (no case year) could share one index text: the
    first registered keeps the text; each is found by its claim."""
    to_2025 = Registration(uuid.uuid4(), "t", 2025, 1, 1, "Т-1-(1)/06.01.2026", "Т-1/10.12.2025",
                           dt.datetime(2026, 1, 6, 9, tzinfo=dt.timezone.utc), command(), "h", "clerk")
    to_2026 = Registration(uuid.uuid4(), "t", 2026, 1, 1, "Т-1-(1)/06.01.2026", "Т-1/06.01.2026",
                           dt.datetime(2026, 1, 6, 10, tzinfo=dt.timezone.utc), command(), "h", "clerk")
    for r in (to_2025, to_2026):
        claim(repo, r)
    assert repo.by_index("Т-1-(1)/06.01.2026").id == to_2025.id
    assert repo.by_claim("t", 2025, 1, 1).id == to_2025.id and repo.by_claim("t", 2026, 1, 1).id == to_2026.id
    assert repo.by_claim("t", 2026, 1, 2) is None and repo.by_claim("t", 2024, 1, 1) is None


def test_lookups_of_a_claim_never_made_or_lost_lead_nowhere(repo):
    ghost = reg(5, sha="f" * 64, submission="P-5")
    repo.link(ghost)  # then the process died: no claim
    assert repo.by_index(ghost.index) is None and repo.by_scan_hash("f" * 64) is None
    assert repo.by_submission("P-5") is None
    winner, loser = reg(6, sha="1" * 64), reg(6, sha="2" * 64)
    repo.link(winner)
    repo.link(loser)
    repo.claim(winner, [])
    with pytest.raises(IndexTaken):
        repo.claim(loser, [])
    retried = reg(7, sha="2" * 64)
    retried.id = loser.id
    claim(repo, retried)
    assert repo.by_scan_hash("2" * 64).number == 7 and repo.by_scan_hash("1" * 64).number == 6
    again = reg(8, sha="f" * 64)  # the ghost's scan, registered for real: the lookup is taken over
    claim(repo, again)
    assert repo.by_scan_hash("f" * 64).number == 8


def test_events_stored_with_a_registration_can_be_sent_again(repo):
    from delovod_proto.envelope import Envelope
    from delovod_proto.events import CatalogueServiceChanged
    from servicekit.outbox import OutboxMessage

    body = CatalogueServiceChanged(code="x", version=1, valid_from=dt.date(2026, 1, 1), name="x")
    events = [OutboxMessage("t", "k", Envelope.wrap(body, source="test", correlation_id="k"))]
    r = reg(9)
    repo.claim(r, events)
    again = repo.events_of(r)
    assert [m.envelope.event_id for m in again] == [events[0].envelope.event_id] and again[0].topic == "t"


def test_store_put_get_delete(store, uid):
    final, absent = f"t{uid}/2026/1/1.pdf", f"t{uid}/2026/2/1.pdf"
    store.put(final, b"%PDF-1.4 x", "application/pdf", {"sha256": "x"})
    assert store.get(final) == b"%PDF-1.4 x" and store.exists(final) and not store.exists(absent)
    with pytest.raises(KeyError):
        store.get(absent)
    assert final in store.presigned_url(final, dt.timedelta(minutes=1))
    assert store.size(store.bucket, final) == 10 and store.fetch(store.bucket, final) == b"%PDF-1.4 x"
    with pytest.raises(KeyError):
        store.size(store.bucket, absent)
    store.delete(final)
    with pytest.raises(KeyError):
        store.get(final)


def test_a_submission_is_claimed_once_and_found_before_its_lookups_exist(repo):
    from registry.service_layer.ports import SubmissionTaken

    first = reg(1, submission="P-7")
    repo.claim(first, [])  # claimed; the process died before its lookups
    with pytest.raises(SubmissionTaken):
        repo.claim(reg(2, submission="P-7"), [])
    assert repo.by_registration_id(first.id).index == first.index
    repo.claim(reg(2, sha="e" * 64), [])  # registrations without a submission never collide
    repo.claim(reg(3, sha="f" * 64), [])
    with pytest.raises(IndexTaken):
        repo.claim(reg(3, sha="0" * 64, submission="P-8"), [])  # a taken number is still a taken number


def test_a_reissued_code_is_stored_with_its_event_and_its_version(repo):
    from delovod_proto import topics
    from delovod_proto.envelope import Envelope
    from delovod_proto.events import AccessCodeReissued
    from servicekit.outbox import OutboxMessage

    first = reg(1)
    claim(repo, first)

    def event(version):
        body = AccessCodeReissued(case_index=first.index, access_code_hash=f"h{version}", code_version=version,
                                  reissued_at=dt.datetime(2026, 2, 2, tzinfo=dt.timezone.utc))
        return OutboxMessage(topics.ACCESS_CODES_REISSUED, first.index,
                             Envelope.wrap(body, source="registry", correlation_id=first.index))

    record = {"at": dt.datetime(2026, 2, 2, tzinfo=dt.timezone.utc), "by": "clerk", "reason": "загубен"}
    assert repo.code_version(first) == 0
    one = event(1)
    assert repo.replace_access_code(first, "h1", 1, {**record, "version": 1}, one)
    assert not repo.replace_access_code(first, "hX", 1, {**record, "version": 1}, event(1))  # someone came first
    assert repo.code_version(first) == 1 and repo.by_index(first.index).access_code_hash == "h1"
    assert [m.envelope.event_id for m in repo.events_of(first)][-1] == one.envelope.event_id
    assert repo.replace_access_code(first, "h2", 2, {**record, "version": 2}, event(2))
    assert repo.code_version(first) == 2 and repo.by_index(first.index).access_code_hash == "h2"


def test_a_registration_stored_before_the_number_kind_existed_reads_back(repo):
    """Its sender has a personal number and no kind (a ЛНЧ, which the ЕГН rule would refuse)."""
    data = command().model_dump(mode="json")
    data["sender"].pop("personal_number_kind")
    data["sender"]["personal_number"] = "1000000001"
    old = reg(40, sha="9" * 64)
    old.command = type(old.command).model_validate(data, context={"stored": True})
    claim(repo, old)
    found = repo.by_index(old.index)
    assert found.command.sender.personal_number == "1000000001" and found.command.sender.personal_number_kind is None
