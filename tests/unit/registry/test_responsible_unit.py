"""DocumentRegistered.responsible_unit comes from the catalogue's competent unit of the service."""
import datetime as dt

from delovod_proto import topics
from delovod_proto.rpc import ServiceTermResponse, Term
from delovod_proto.vocabulary import TermUnit
from registry.adapters.memory import InMemoryRegistrationRepository, InMemoryScanStore
from registry.domain.calendar import WorkingCalendar
from registry.domain.index import DEFAULT_REGISTERS
from registry.service_layer.use_cases import build
from tests.helpers import TEST_KEYS, command

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)
UNIT = "Дирекция „Гражданска регистрация и административно обслужване“"


class Catalogue:
    def service_term(self, code, at, variant):
        return ServiceTermResponse(code=code, version=3, valid_from=dt.date(2026, 1, 1), name="Удостоверение",
                                   variant=variant, term=Term(value=7, unit=TermUnit.WORKING_DAYS),
                                   responsible_unit=UNIT)


def _registered_event(repo):
    [message] = [m for m in repo.outbox if m.topic == topics.DOCUMENTS_REGISTERED]
    return message.envelope.data


def test_an_application_names_the_services_competent_unit():
    repo = InMemoryRegistrationRepository()
    registry = build(repo, InMemoryScanStore(), DEFAULT_REGISTERS, WorkingCalendar(), TEST_KEYS, clock=lambda: NOW)
    done = registry.registrar.register(command(kind="service_application", service_code="2016"), [], "c", Catalogue())
    assert done.registration.responsible_unit == UNIT
    assert _registered_event(repo)["responsible_unit"] == UNIT
    # a follow-up to the application is not an application: no unit of its own
    registry.registrar.register(command(kind="follow_up", related_index=done.registration.index), [], "c", Catalogue())
    units = [m.envelope.data["responsible_unit"] for m in repo.outbox if m.topic == topics.DOCUMENTS_REGISTERED]
    assert units == [UNIT, None]


def test_a_document_without_a_service_names_no_unit():
    repo = InMemoryRegistrationRepository()
    registry = build(repo, InMemoryScanStore(), DEFAULT_REGISTERS, WorkingCalendar(), TEST_KEYS, clock=lambda: NOW)
    registry.registrar.register(command(), [], "c", None)
    assert _registered_event(repo)["responsible_unit"] is None
