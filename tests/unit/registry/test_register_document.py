"""The registration use case over fakes: numbering, validation, crashes, follow-ups."""
import contextlib
import dataclasses
import uuid
import datetime as dt
import threading

import pytest

from delovod_proto import topics
from delovod_proto.rpc import ServiceNotFound, ServiceTermResponse, Term
from delovod_proto.vocabulary import DocumentKind, TermUnit
from registry.adapters.memory import InMemoryRegistrationRepository, InMemoryScanStore
from registry.domain.calendar import WorkingCalendar
from registry.domain.index import DEFAULT_REGISTERS
from registry.service_layer.errors import Conflict, Invalid, NotFound, Refused
from registry.service_layer.use_cases import build
from tests.helpers import TEST_KEYS, command, pdf_bytes, png_bytes

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)


class FakeCatalogue:
    def service_term(self, code, at, variant):
        if code != "2016":
            raise ServiceNotFound(f"Няма услуга с код {code}")
        return ServiceTermResponse(code="2016", version=3, valid_from=dt.date(2026, 1, 1), name="Удостоверение за наследници",
                                   variant=variant, term=Term(value=7, unit=TermUnit.WORKING_DAYS))


@pytest.fixture
def parts():
    return InMemoryRegistrationRepository(), InMemoryScanStore()


@pytest.fixture
def registry(parts):
    repo, store = parts
    return build(repo, store, DEFAULT_REGISTERS, WorkingCalendar(), TEST_KEYS, clock=lambda: NOW)


def test_numbers_are_consecutive_and_scans_are_keyed_by_index(registry, parts):
    repo, store = parts
    first = registry.registrar.register(command(), [("a.pdf", pdf_bytes("1"))], "clerk1", None)
    second = registry.registrar.register(command(), [("b.png", png_bytes(2))], "clerk1", None)
    # the first after start is staged; the second was predicted and uploaded to its own key
    assert first.registration.scans[0].staging_key.startswith("staging/") and not second.registration.scans[0].staging_key
    assert {s.staging_key or s.object_key for d in (first, second) for s in d.registration.scans} == set(store.objects)
    registry.registrar.complete(first)
    registry.registrar.complete(second)
    assert [first.registration.index, second.registration.index] == ["ЖЛБ-1/25.11.2026", "ЖЛБ-2/25.11.2026"]
    assert set(store.objects) == {f"complaints/2026/1/1-{first.registration.id.hex[:12]}.pdf",
                                  f"complaints/2026/2/1-{second.registration.id.hex[:12]}.png"}
    assert [m.topic for m in repo.outbox] == [topics.DOCUMENTS_REGISTERED] * 2
    assert len(first.access_code) == 8 and first.access_code not in str(repo.outbox)


def test_application_takes_term_and_version_from_catalogue(registry):
    done = registry.registrar.register(command(kind="service_application", service_code="2016"), [], "c", None or FakeCatalogue())
    assert done.registration.service_version == 3
    assert done.registration.due.value == 7 and done.registration.due.unit == "working_days"
    assert done.registration.due.due_date == dt.date(2026, 12, 4)


@pytest.mark.parametrize("files,cmd,refusal", [
    ([("x.pdf", b"")], {}, Invalid),
    ([("evil.pdf", b"MZ\x90\x00 not a pdf")], {}, Invalid),
    ([], {"kind": "service_application", "service_code": "999"}, Invalid),
    ([], {"kind": "follow_up", "related_index": "ЖЛБ-404/01.01.2026"}, Invalid),
])
def test_bad_input_takes_no_number_leaves_no_object_no_event(registry, parts, files, cmd, refusal):
    repo, store = parts
    with pytest.raises(Refused) as err:
        registry.registrar.register(command(**cmd), files, "c", FakeCatalogue())
    assert type(err.value) is refusal and not err.value.retryable and err.value.errors
    assert (repo.items, store.objects, repo.outbox) == ({}, {}, [])


def test_oversize_scan_is_refused_saying_it_is_too_large(parts):
    repo, store = parts
    small = build(repo, store, DEFAULT_REGISTERS, WorkingCalendar(), TEST_KEYS, max_scan_bytes=3 * 2**20,
                     clock=lambda: NOW)
    with pytest.raises(Refused) as err:
        small.registrar.register(command(), [("big.png", png_bytes() + b"\0" * (4 * 2**20))], "c", None)
    assert err.value.detail == "Файлът „big.png“ е твърде голям: 4,0 MB, а допустимият размер е до 3 MB."


def test_a_scan_of_another_type_is_refused_saying_which_types_are_accepted(registry):
    with pytest.raises(Refused) as err:
        registry.registrar.register(command(), [("note.txt", b"just text, not a scan")], "c", None)
    assert err.value.detail == ("Файлът „note.txt“ не е от приет вид (разпознат като: неизвестен); "
                                "приемат се PDF, TIFF, JPEG и PNG.")
    assert err.value.errors == [{"field": "scan", "message": err.value.detail}]


def test_several_refused_scans_are_each_named(registry):
    with pytest.raises(Refused) as err:
        registry.registrar.register(command(), [("empty.pdf", b""), ("note.txt", b"text")], "c", None)
    assert err.value.detail.startswith("Сканираните файлове не могат да бъдат приети: ")
    assert "„empty.pdf“ е празен" in err.value.detail and "„note.txt“ не е от приет вид" in err.value.detail


def test_same_scan_twice_reports_the_earlier_index(registry):
    scan = pdf_bytes("same")
    first = registry.registrar.register(command(), [("a.pdf", scan)], "c", None)
    with pytest.raises(Refused) as err:
        registry.registrar.register(command(), [("a.pdf", scan)], "c", None)
    assert isinstance(err.value, Conflict) and err.value.extra["earlier_index"] == first.registration.index
    again = registry.registrar.register(command(accept_duplicate_scan=True), [("a.pdf", scan)], "c", None)
    assert again.registration.number == 2


def test_follow_up_joins_the_case_with_a_sequence(registry):
    case = registry.registrar.register(command(), [], "c", None).registration
    one = registry.registrar.register(command(kind="follow_up", related_index=case.index), [], "c", None).registration
    two = registry.registrar.register(command(kind="follow_up", related_index=case.index), [], "c", None).registration
    assert (one.index, two.index) == ("ЖЛБ-1/2026-(1)/25.11.2026", "ЖЛБ-1/2026-(2)/25.11.2026")
    assert one.case_index == two.case_index == case.index and one.due == case.due
    assert one.access_code_hash == case.access_code_hash
    assert registry.registrar.register(command(), [], "c", None).registration.number == 2


class Crash(Exception):
    pass


@pytest.mark.parametrize("step", ["announce", "put", "claim", "link", "complete", "move"])
def test_crash_at_any_step_leaves_no_gap_and_no_unannounced_object(registry, parts, step):
    repo, store = parts
    target = store if step in ("put", "move") else repo
    original = getattr(target, step)

    def crash(*a, **k):
        raise Crash(step)

    setattr(target, step, crash)
    with pytest.raises(Crash):
        registry.registrar.complete(registry.registrar.register(command(), [("a.pdf", pdf_bytes(step))], "c", None))
    setattr(target, step, original)
    done = registry.registrar.register(command(), [("b.pdf", pdf_bytes(step + "b"))], "c", None)
    registry.registrar.complete(done)
    after = done.registration
    assert repo.audit_log[-1][1:3] == ("register", after.index)
    numbers = sorted(r.number for r in repo.items.values())
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    assert after.number == numbers[-1]
    # every registration's scans are stored (moved or not yet); every other object was announced
    for r in repo.items.values():
        assert all(s.object_key in store.objects or s.staging_key in store.objects for s in r.scans)
    announced = {key for _, keys in repo.announced for key in keys}
    finals = {s.object_key for r in repo.items.values() for s in r.scans}
    assert set(store.objects) <= announced | finals


def test_a_number_taken_by_another_replica_costs_a_retry_not_a_gap(registry, parts):
    repo, store = parts
    registry.registrar.complete(registry.registrar.register(command(), [("a.pdf", pdf_bytes("first"))], "c", None))
    registry.claims.forget()  # as if another process: it knows only the hint
    real_next = repo.next_number
    stale = iter([1])  # the hint lags behind a claim of 1 made elsewhere
    repo.next_number = lambda code, year: next(stale, None) or real_next(code, year)
    done = registry.registrar.register(command(), [("b.pdf", pdf_bytes("second"))], "c", None)
    registry.registrar.complete(done)
    assert done.registration.number == 2
    assert store.get(done.registration.scans[0].object_key)[:4] == b"%PDF"
    assert len(store.objects) == 2


def test_concurrent_registrations_get_distinct_gap_free_numbers(registry, parts):
    repo, _ = parts
    threads = [threading.Thread(target=registry.registrar.register, args=(command(), [], "c", None)) for _ in range(30)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(r.number for r in repo.items.values()) == list(range(1, 31))


def test_eportal_submission_is_idempotent(registry):
    from delovod_proto.events import Contact, EportalSubmission

    sub = EportalSubmission(submission_id="P-1", submitted_at=NOW, kind="signal", subject="Сметище",
                            applicant=Contact(name="Петя", preferred_channel="none"))
    first = registry.eportal.register(sub, None)
    again = registry.eportal.register(sub, None)
    assert again.registration.index == first.registration.index and not again.created
    assert [m.topic for m in registry.registrar.repo.outbox] == [topics.DOCUMENTS_REGISTERED, topics.EPORTAL_RECEIPTS]


def test_an_oversize_eportal_attachment_is_refused_before_it_is_read(parts):
    from delovod_proto.events import Contact, EportalAttachment, EportalSubmission

    repo, store = parts
    small = build(repo, store, DEFAULT_REGISTERS, WorkingCalendar(), TEST_KEYS, max_scan_bytes=1000, clock=lambda: NOW)
    store.objects["eportal-uploads/big.pdf"] = b"%PDF-1.4\n" + b"\0" * 5000
    store.fetch = lambda bucket, key: pytest.fail("an oversize attachment must not be read")
    held = []
    sub = EportalSubmission(submission_id="P-big", submitted_at=NOW, kind="signal", subject="Сметище",
                            applicant=Contact(name="Петя", preferred_channel="none"),
                            attachments=[EportalAttachment(bucket="eportal-uploads", object_key="big.pdf", file_name="big.pdf")])
    with pytest.raises(Refused) as err:
        small.eportal.register(sub, None, hold=lambda n: held.append(n) or contextlib.nullcontext())
    assert "big.pdf" in err.value.detail and held == [] and repo.items == {}


def test_a_submission_without_attachments_relies_on_redelivery_not_on_pointers(registry):
    from delovod_proto.events import Contact, EportalAttachment, EportalSubmission

    sub = EportalSubmission(submission_id="P-2", submitted_at=NOW, kind="letter", subject="Въпрос",
                            applicant=Contact(name="Петя", preferred_channel="none"))
    first = registry.eportal.register(sub, None)
    assert registry.registrar.repo.announced == [] and not first.announced and first.created
    again = registry.eportal.register(sub, None)  # e.g. the events never went out: it comes again
    assert not again.created and [m.envelope.event_id for m in again.events] == [m.envelope.event_id for m in first.events]

    registry.registrar.store.objects["eportal-uploads/a.pdf"] = pdf_bytes("att")
    with_file = sub.model_copy(update={"submission_id": "P-3", "attachments": [
        EportalAttachment(bucket="eportal-uploads", object_key="a.pdf", file_name="a.pdf")]})
    third = registry.eportal.register(with_file, None)
    assert third.announced and len(registry.registrar.repo.announced) == 1  # its object must be findable after a crash


def test_reissued_code_replaces_the_old_one_for_the_whole_case(registry, parts):
    repo, _ = parts
    first = registry.registrar.register(command(), [], "clerk1", None)
    case = first.registration
    follow = registry.registrar.register(command(kind="follow_up", related_index=case.index), [], "c", None).registration
    done = registry.access_codes.reissue(follow.index, "clerk2", "  гражданинът е загубил  кода ")
    updated, code = done.case, done.access_code
    assert updated.index == case.index and len(code) == 8 and code != first.access_code and done.at == NOW
    assert registry.access_codes.for_printing(follow.index, code, "clerk2").index == follow.index  # the case's code, new
    for index in (case.index, follow.index):
        with pytest.raises(Refused) as err:
            registry.access_codes.for_printing(index, first.access_code, "clerk2")
        assert isinstance(err.value, Invalid)
    event = repo.outbox[-1]
    assert event.topic == topics.ACCESS_CODES_REISSUED and event.key == case.index
    body = event.envelope.body()
    assert body.case_index == case.index and body.access_code_hash == repo.by_index(case.index).access_code_hash
    assert body.code_version == 1 and event is done.event
    assert code not in event.envelope.model_dump_json()  # only the hash travels
    assert ("clerk2", "reissue_access_code", case.index,
            {"requested_for": follow.index, "reason": "гражданинът е загубил кода", "code_version": 1}) in repo.audit_log
    assert repo.code_history[case.claim_key][0]["by"] == "clerk2"
    again = registry.access_codes.reissue(case.index, "clerk1", "втори път")
    assert again.event.envelope.body().code_version == 2


@pytest.mark.parametrize("index, reason, refusal", [("ЖЛБ-1/25.11.2026", "", Invalid), ("ЖЛБ-1/25.11.2026", "x" * 501, Invalid),
                                                    ("ЖЛБ-404/25.11.2026", "загубен код", NotFound)])
def test_reissue_needs_a_reason_and_an_existing_index(registry, parts, index, reason, refusal):
    repo, _ = parts
    registry.registrar.register(command(), [], "clerk1", None)
    before = len(repo.outbox)
    with pytest.raises(Refused) as err:
        registry.access_codes.reissue(index, "clerk2", reason)
    assert type(err.value) is refusal and len(repo.outbox) == before


def test_a_repeated_request_gets_the_first_registration_and_takes_no_number(registry, parts):
    repo, store = parts
    scan = pdf_bytes("idem")
    first = registry.registrar.register_once(command(), [("a.pdf", scan)], "clerk1", None, "clerk1:k-1")
    again = registry.registrar.register_once(command(), [("a.pdf", scan)], "clerk1", None, "clerk1:k-1")
    assert first.created and not again.created and again.access_code is None
    assert again.registration.index == first.registration.index and len(repo.items) == 1
    registry.registrar.complete(first, again)
    assert set(store.objects) == {first.registration.scans[0].object_key}  # staged once, moved once
    # the key is the clerk's own: another clerk's request with the same key is another request
    other = registry.registrar.register_once(command(), [], "clerk2", None, "clerk2:k-1")
    assert other.created and other.registration.number == first.registration.number + 1


def test_a_request_key_reused_for_another_document_is_refused(registry, parts):
    repo, _ = parts
    registry.registrar.register_once(command(), [], "clerk1", None, "clerk1:k-2")
    with pytest.raises(Refused) as err:
        registry.registrar.register_once(command(subject="Друго писмо"), [], "clerk1", None, "clerk1:k-2")
    assert isinstance(err.value, Invalid) and err.value.errors[0]["field"] == "Idempotency-Key"
    assert len(repo.items) == 1


def test_concurrent_repeats_of_one_request_make_one_registration(registry, parts):
    repo, _ = parts
    results, barrier = [], threading.Barrier(4)

    def attempt():
        barrier.wait()
        results.append(registry.registrar.register_once(command(), [], "clerk1", None, "clerk1:k-3"))
    threads = [threading.Thread(target=attempt) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(repo.items) == 1 and len({r.registration.index for r in results}) == 1
    assert sum(r.created for r in results) == 1


class Clock:
    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


def test_follow_ups_to_cases_of_different_years_filed_on_one_day_are_both_found(parts):
    """Item 5: ЖЛБ-1/10.12.2025 and ЖЛБ-1/06.01.2026 each get a follow-up on 06.01.2026."""
    repo, store = parts
    clock = Clock(dt.datetime(2025, 12, 10, 9, tzinfo=dt.timezone.utc))
    registry = build(repo, store, DEFAULT_REGISTERS, WorkingCalendar(), TEST_KEYS, clock=clock)
    old_case = registry.registrar.register(command(), [], "c", None).registration
    clock.at = dt.datetime(2026, 1, 6, 9, tzinfo=dt.timezone.utc)
    new_case = registry.registrar.register(command(), [], "c", None).registration
    assert (old_case.index, new_case.index) == ("ЖЛБ-1/10.12.2025", "ЖЛБ-1/06.01.2026")
    to_old = registry.registrar.register(command(kind="follow_up", related_index=old_case.index), [], "c", None).registration
    to_new = registry.registrar.register(command(kind="follow_up", related_index=new_case.index), [], "c", None).registration
    assert (to_old.index, to_new.index) == ("ЖЛБ-1/2025-(1)/06.01.2026", "ЖЛБ-1/2026-(1)/06.01.2026")
    assert registry.queries.get(to_old.index).case_index == old_case.index
    assert registry.queries.get(to_new.index).case_index == new_case.index


def test_a_follow_up_to_a_follow_up_joins_the_case(registry):
    case = registry.registrar.register(command(), [], "c", None).registration
    one = registry.registrar.register(command(kind="follow_up", related_index=case.index), [], "c", None).registration
    two = registry.registrar.register(command(kind="follow_up", related_index=one.index), [], "c", None).registration
    assert two.index == "ЖЛБ-1/2026-(2)/25.11.2026" and two.case_index == case.index


def test_indexes_issued_in_the_old_follow_up_form_stay_findable(parts):
    """Nothing stored is rewritten: an old-form follow-up is found by its exact text; two old
    ones that collided share that text (the first registered keeps it), and the other is
    found by its spelling in the current form, which names its case's year."""
    repo, store = parts
    clock = Clock(dt.datetime(2025, 12, 10, 9, tzinfo=dt.timezone.utc))
    registry = build(repo, store, DEFAULT_REGISTERS, WorkingCalendar(), TEST_KEYS, clock=clock)
    old_case = registry.registrar.register(command(), [], "c", None).registration
    clock.at = dt.datetime(2026, 1, 6, 9, tzinfo=dt.timezone.utc)
    new_case = registry.registrar.register(command(), [], "c", None).registration
    current = DEFAULT_REGISTERS[DocumentKind.COMPLAINT]
    # as the registry wrote them before: both "ЖЛБ-1-(1)/06.01.2026"
    for case in (old_case, new_case):
        draft = dataclasses.replace(case, id=uuid.uuid4(), seq=1, index="ЖЛБ-1-(1)/06.01.2026",
                                    command=command(kind="follow_up", related_index=case.index),
                                    registered_at=clock.at)
        repo.claim(draft, [])
    assert registry.queries.get("ЖЛБ-1-(1)/06.01.2026").case_index == old_case.index  # first registered keeps the text
    second = registry.queries.get(current.format(1, dt.date(2026, 1, 6), 1, dt.date(2026, 1, 6)))
    assert second.index == "ЖЛБ-1-(1)/06.01.2026" and second.case_index == new_case.index
    with pytest.raises(Refused):  # the current form names the date too: a wrong one finds nothing
        registry.queries.get("ЖЛБ-1/2026-(1)/07.01.2026")
    # the case goes on: the next follow-up takes the next sequence, in the current form
    nxt = registry.registrar.register(command(kind="follow_up", related_index=new_case.index), [], "c", None).registration
    assert nxt.index == "ЖЛБ-1/2026-(2)/06.01.2026"
