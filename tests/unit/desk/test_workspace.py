"""The desk's use cases with fake services: the form goes to the registry as typed, its field
errors come back onto the form's fields, nothing is sent without a scan; stage changes go to
status as the official chose them."""
from desk.adapters.memory import FakeServices
from desk.domain.intake import IntakeForm, field_errors, form_field
from desk.domain.people import Person
from desk.service_layer.ports import Refused, Unavailable
from desk.service_layer.workspace import Workspace

IVANA = Person("ivana", "Ивана Петрова", "clerk")
STOYAN = Person("stoyan", "Стоян Георгиев", "official")
TYPED = {"kind": "letter", "channel": "counter", "subject": " Уличното осветление ", "sender_type": "person",
         "sender_name": "Гражданин Тестов", "personal_number_kind": "egn", "personal_number": "7523169263",
         "preferred_channel": "email", "email": "g@example.bg", "phone": "", "address": "", "service_code": "",
         "related_index": "", "pages": "3", "attachments_count": "", "csrf": "t", "scan": "ignored"}
SCANS = [("a.pdf", b"%PDF-1.4", "application/pdf"), ("b.pdf", b"%PDF-1.4", "application/pdf")]


def test_the_form_becomes_the_registrys_request_with_empty_fields_left_out():
    assert IntakeForm.from_form(TYPED).metadata() == {
        "kind": "letter", "channel": "counter", "subject": "Уличното осветление", "pages": "3",
        "sender": {"type": "person", "name": "Гражданин Тестов", "personal_number_kind": "egn",
                   "personal_number": "7523169263", "preferred_channel": "email", "email": "g@example.bg"}}


def test_a_registration_is_one_call_with_the_persons_identity_and_the_forms_key():
    services = FakeServices(register={"registration_index": "94-00-1/2026", "access_code": "12345678"})
    outcome = Workspace(services).register(IVANA, IntakeForm.from_form(TYPED), SCANS, "key-1")
    assert outcome.ok and outcome.result["registration_index"] == "94-00-1/2026"
    [(name, person, metadata, scans, key)] = services.calls
    assert (name, person, scans, key) == ("register", IVANA, SCANS, "key-1")


def test_without_a_scan_nothing_is_sent():
    services = FakeServices()
    outcome = Workspace(services).register(IVANA, IntakeForm.from_form(TYPED), [], "key-1")
    assert not outcome.ok and [e.field for e in outcome.errors] == ["scan"] and services.calls == []


def test_the_registrys_field_errors_land_on_the_forms_fields_in_form_order():
    refused = Refused(422, "Данните на документа са невалидни.", [
        {"field": "metadata.sender.personal_number", "message": "Контролната цифра на ЕГН не съвпада."},
        {"field": "metadata.subject", "message": "Твърде кратко."},
        {"field": "metadata.sender", "message": "Избраният начин за връзка изисква телефон."},
        {"field": "scan", "message": "Файлът не е PDF."}])
    outcome = Workspace(FakeServices(register=refused)).register(IVANA, IntakeForm.from_form(TYPED), SCANS, "k")
    assert not outcome.ok and outcome.summary.startswith("Документът не е регистриран. Данните")
    assert [(e.field, e.message) for e in outcome.errors] == [
        ("subject", "Твърде кратко."), ("sender_name", "Избраният начин за връзка изисква телефон."),
        ("personal_number", "Контролната цифра на ЕГН не съвпада."), ("scan", "Файлът не е PDF.")]


def test_unknown_error_paths_go_to_the_nearest_known_field():
    assert form_field("metadata.sender.email.0") == "email"
    assert form_field("metadata") == "kind" and form_field("whatever") == "kind"
    assert [e.field for e in field_errors([{"field": "metadata.pages", "message": "a"},
                                           {"field": "metadata.pages", "message": "b"}])] == ["pages"]


def test_a_service_down_propagates_as_unavailable():
    import pytest

    with pytest.raises(Unavailable):
        Workspace(FakeServices(register=Unavailable("registry"))).register(IVANA, IntakeForm.from_form(TYPED),
                                                                            SCANS, "k")


def test_a_stage_change_goes_to_status_as_chosen():
    services = FakeServices(change_stage={"case_index": "94-00-1/2026", "stage": "suspended", "due_date": None})
    outcome = Workspace(services).change_stage(STOYAN, "94-00-1/2026", "suspended", " чакаме документи ", "")
    assert outcome.ok
    assert services.calls == [("change_stage", STOYAN, {"case_index": "94-00-1/2026", "stage": "suspended",
                                                        "reason": "чакаме документи"})]


def test_an_extension_carries_its_date_and_a_bad_date_is_not_sent():
    services = FakeServices(change_stage={"case_index": "X", "stage": "extended", "due_date": "2027-01-29"})
    assert Workspace(services).change_stage(STOYAN, "X", "extended", "сложен случай", "2027-01-29").ok
    assert services.calls[0][2]["due_date"] == "2027-01-29"
    bad = Workspace(services).change_stage(STOYAN, "X", "extended", "сложен случай", "29.01.2027")
    assert not bad.ok and bad.errors[0].field == "due_date" and len(services.calls) == 1


def test_statuss_refusal_is_shown_as_it_comes():
    refused = Refused(409, "Посочете причината: гражданинът трябва да я научи (Харта на клиента).")
    outcome = Workspace(FakeServices(change_stage=refused)).change_stage(STOYAN, "X", "suspended", "", "")
    assert not outcome.ok and outcome.summary == f"Етапът не е променен. {refused.detail}"


def test_an_unknown_stage_is_not_sent():
    services = FakeServices()
    outcome = Workspace(services).change_stage(STOYAN, "X", "teleported", "", "")
    assert not outcome.ok and outcome.errors[0].field == "stage" and services.calls == []


def test_a_new_access_code_is_asked_of_the_registry_with_the_reason():
    services = FakeServices(reissue_access_code={"case_index": "X", "access_code": "87654321"})
    outcome = Workspace(services).reissue_access_code(IVANA, "X", "  загубена разписка ")
    assert outcome.ok and services.calls == [("reissue_access_code", IVANA, "X", "загубена разписка")]


def test_the_registrys_refusal_of_a_new_code_lands_on_the_reason_field():
    refused = Refused(422, "Посочете причината за новия код (от 3 до 500 знака).",
                      [{"field": "reason", "message": "Причината е задължителна (3–500 знака)."}])
    outcome = Workspace(FakeServices(reissue_access_code=refused)).reissue_access_code(IVANA, "X", "")
    assert not outcome.ok and outcome.summary.startswith("Нов код не е издаден. Посочете причината")
    assert [(e.field, e.message) for e in outcome.errors] == [("code_reason", "Причината е задължителна (3–500 знака).")]
