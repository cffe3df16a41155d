"""The registry's composition root never falls back to memory in silence: a repository
without its calendar store stops the start, with a message naming what is missing."""
import pytest

from registry.adapters.memory import InMemoryRegistrationRepository
from registry.bootstrap import bootstrap
from registry.settings import RegistrySettings


def test_a_repository_without_its_calendar_store_stops_the_start():
    with pytest.raises(ValueError, match="calendar store"):
        bootstrap(RegistrySettings(), repo=InMemoryRegistrationRepository(), store=object())
