"""Issue 14 item 4: the form of address a sender gives at the counter or on the e-portal reaches
the letters (DocumentRegistered.sender.salutation); an unknown one is refused."""
import datetime as dt

import pytest
from pydantic import ValidationError

from delovod_proto.events import Contact, EportalSubmission
from delovod_proto.vocabulary import Salutation
from registry.adapters.memory import InMemoryRegistrationRepository, InMemoryScanStore
from registry.domain.calendar import WorkingCalendar
from registry.domain.index import DEFAULT_REGISTERS
from registry.service_layer.eportal import to_command
from registry.service_layer.use_cases import build
from registry.service_layer.wire_events import document_registered
from tests.helpers import TEST_KEYS, command

SENDER = {"name": "Мария Петрова", "email": "maria@example.bg", "preferred_channel": "email"}


def test_a_paper_registration_carries_the_salutation_into_its_event():
    registry = build(InMemoryRegistrationRepository(), InMemoryScanStore(), DEFAULT_REGISTERS, WorkingCalendar(),
                     TEST_KEYS, clock=lambda: dt.datetime(2026, 11, 25, 9, tzinfo=dt.timezone.utc))
    done = registry.registrar.register(command(sender={**SENDER, "salutation": "ms"}), [], "clerk1", None)
    assert document_registered(done.registration).sender.salutation == Salutation.MS


def test_without_a_salutation_the_sender_has_none():
    assert command(sender=SENDER).sender.salutation is None


@pytest.mark.parametrize("bad", ["г-н", "Mr", "mrs"])
def test_an_unknown_salutation_is_refused(bad):
    with pytest.raises(ValidationError) as err:
        command(sender={**SENDER, "salutation": bad})
    assert "salutation" in str(err.value)


def test_an_eportal_applicant_keeps_the_salutation():
    submission = EportalSubmission(submission_id="p-1", submitted_at=dt.datetime(2026, 11, 25, 9, tzinfo=dt.timezone.utc),
                                   kind="complaint", subject="Осветление",
                                   applicant=Contact(name="Петър Петров", preferred_channel="email",
                                                     email="p@example.bg", salutation="mr"))
    assert to_command(submission).sender.salutation == Salutation.MR
