"""The registry with fakes, a fixed clock and an upload ttl: the world both upload test modules
(one signed PUT, and in parts) share. Imported by name into each module, so pytest finds the
fixtures there."""
import datetime as dt

import pytest

from registry.adapters.memory import InMemoryRegistrationRepository, InMemoryScanStore, InMemoryUploadLedger
from registry.domain.calendar import WorkingCalendar
from registry.domain.index import DEFAULT_REGISTERS
from registry.service_layer.use_cases import build
from tests.helpers import TEST_KEYS

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone.utc)
TTL = dt.timedelta(hours=1)
LATER = NOW + TTL + dt.timedelta(minutes=10, seconds=1)  # past the ttl and twice the claim window


@pytest.fixture
def parts():
    return InMemoryRegistrationRepository(), InMemoryScanStore(), InMemoryUploadLedger()


@pytest.fixture
def registry(parts):
    repo, store, ledger = parts
    return build(repo, store, DEFAULT_REGISTERS, WorkingCalendar(), TEST_KEYS, clock=lambda: NOW, ledger=ledger,
                 upload_ttl=TTL)
