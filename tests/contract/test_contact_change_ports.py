"""Contract of notifications' pending contact changes and of replacing a case's recipient, on the
in-memory fakes and on FerretDB: a change survives a round trip and a later one replaces it; tries
are numbered and limited, also when taken at once; a change is used once, also by two at once, and
a release makes it usable again; a replaced recipient is read back, while saving keeps the first."""
import concurrent.futures
import datetime as dt

import pytest

from delovod_proto.events import Contact
from delovod_proto.vocabulary import ContactChannel
from notifications.domain import contact_change as rules
from tests.contract.conftest import BACKENDS

NOW = dt.datetime(2026, 12, 2, 10, 15, 30, tzinfo=dt.timezone.utc)
CASE = "ЖЛБ-1/02.12.2026"


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "memory":
        from notifications.adapters.contact_changes import InMemoryContactChangeStore
        from notifications.adapters.memory import InMemoryNotificationRepository
        return InMemoryContactChangeStore(), InMemoryNotificationRepository()
    from notifications.adapters.contact_changes import MongoContactChangeStore
    from notifications.adapters.mongo_repository import ALIAS, MongoNotificationRepository, RecipientDoc
    request.getfixturevalue("mongo_alias")(ALIAS, RecipientDoc)
    return MongoContactChangeStore(ALIAS), MongoNotificationRepository()


def change(address="new@example.bg", channel=ContactChannel.EMAIL, now=NOW):
    return rules.start(CASE, channel, address, now, b"k" * 32, "Europe/Sofia")[0]


def test_a_change_survives_a_round_trip_and_a_later_one_replaces_it(backend):
    store, _ = backend
    assert store.pending(CASE) is None
    first = change()
    store.put(first)
    assert store.pending(CASE) == first
    second = change("+359888123456", ContactChannel.SMS, NOW + dt.timedelta(hours=11))  # at night: held to 08:00
    store.put(second)
    assert store.pending(CASE) == second and second.deferred()


def test_tries_are_numbered_and_limited_also_when_taken_at_once(backend):
    store, _ = backend
    c = change()
    store.put(c)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(lambda _: store.take_attempt(c.change_id, 5), range(8)))
    assert sorted(t for t in taken if t is not None) == [1, 2, 3, 4, 5] and taken.count(None) == 3
    assert store.take_attempt(change().change_id, 5) == 1, "each change counts its own tries"


def test_a_change_is_used_once_also_by_two_at_once_and_a_release_frees_it(backend):
    store, _ = backend
    c = change()
    store.put(c)
    assert not store.used(c.change_id)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        uses = list(pool.map(lambda _: store.use(c.change_id), range(8)))
    assert uses.count(True) == 1 and store.used(c.change_id)
    store.release(c.change_id)
    assert not store.used(c.change_id) and store.use(c.change_id)


def test_a_replaced_recipient_is_read_back_while_saving_keeps_the_first(backend):
    _, repo = backend
    old = Contact(name="Мария", preferred_channel="email", email="m@example.bg")
    repo.save_recipient(CASE, old)
    repo.save_recipient(CASE, old.model_copy(update={"email": "other@example.bg"}))
    assert repo.recipient(CASE) == old
    new = old.model_copy(update={"phone": "+359888123456", "preferred_channel": "sms"})
    repo.replace_recipient(CASE, new)
    assert repo.recipient(CASE) == new
