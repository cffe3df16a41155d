"""The case files notifications keeps for its letters: the in-memory fake and MongoDB (FerretDB)
behave alike. Each event sets only its own fields; a status change before the registration
loses nothing; the official, once named, stays."""
import datetime as dt

import pytest

from delovod_proto.events import Official
from delovod_proto.vocabulary import CaseStage
from notifications.adapters.case_files import InMemoryCaseFiles
from tests.contract.conftest import BACKENDS

OFFICIAL = Official(username="ipetrov", name="Иван Петров", unit="Отдел „ГРАО“", phone="032/656 777",
                    email="i.petrov@example.bg")


@pytest.fixture(params=BACKENDS)
def files(request):
    if request.param == "memory":
        return InMemoryCaseFiles()
    from notifications.adapters.case_files import MongoCaseFiles
    from notifications.adapters.mongo_repository import ALIAS

    request.getfixturevalue("mongo_alias")(ALIAS)
    return MongoCaseFiles(ALIAS)


def test_fields_from_each_event_add_up_in_any_order(files):
    assert files.get("Ж-1") is None
    files.update("Ж-1", subject="Осветление", stage=CaseStage.ASSIGNED, due=dt.date(2026, 12, 29), official=OFFICIAL)
    files.update("Ж-1", subject="Осветление", kind="service_application", service_code="2109",
                 registered_on=dt.date(2026, 11, 25), unit=None)
    files.update("Ж-1", stage=CaseStage.IN_PROGRESS, due=dt.date(2027, 1, 5))
    case = files.get("Ж-1")
    assert (case.kind, case.service_code, case.registered_on) == ("service_application", "2109", dt.date(2026, 11, 25))
    assert (case.stage, case.due, case.official) == (CaseStage.IN_PROGRESS, dt.date(2027, 1, 5), OFFICIAL)
    assert case.responsible_unit() == "Отдел „ГРАО“"  # no unit from the catalogue: the official's
    assert files.get("Ж-2") is None
