"""The operator's journal backfill on FerretDB: registrations made before the incoming journal
existed appear in it, once, however often the backfill runs; nothing else changes."""
import datetime as dt
import uuid

import pytest

from registry import journal_backfill
from registry.adapters.mongo_repository import ALIAS, AuditDoc, MongoRegistrationRepository, RegistrationDoc
from registry.domain.registration import Registration
from servicekit import mongo
from tests.helpers import command

pytestmark = pytest.mark.integration
UTC = dt.timezone.utc


def reg(number, at, subject="Ремонт на улица"):
    index = f"Т-{number}/{at:%d.%m.%Y}"
    return Registration(uuid.uuid4(), "t", 2026, number, 0, index, index, at, command(subject=subject), "h", "clerk")


@pytest.fixture
def old_registrations(test_db):
    """Three registrations whose journal was never written (made before it existed)."""
    mongo.connect(ALIAS, test_db)
    mongo.ensure_indexes(RegistrationDoc, AuditDoc)
    repo = MongoRegistrationRepository()
    made = [reg(1, dt.datetime(2026, 2, 1, 9, tzinfo=UTC)), reg(2, dt.datetime(2026, 2, 1, 15, tzinfo=UTC)),
            reg(3, dt.datetime(2026, 2, 3, 10, tzinfo=UTC), subject="Шум от заведение")]
    for r in made:
        repo.claim(r, [])
        repo.complete([r])
    db = RegistrationDoc._get_collection().database
    db.drop_collection("journal")
    db.drop_collection("journal_words")
    db.drop_collection("journal_year_words")
    assert repo.journal_day("t", dt.date(2026, 2, 1)) == []
    return repo, made


def test_the_backfill_puts_old_registrations_into_the_journal_once(old_registrations):
    repo, made = old_registrations
    audit_before = AuditDoc._get_collection().count_documents({})
    assert repo.backfill_journal(batch=2) == 3
    assert repo.backfill_journal(batch=2) == 3  # again: nothing doubles
    assert sorted(e.index for e in repo.journal_day("t", dt.date(2026, 2, 1))) == [made[0].index, made[1].index]
    assert [e.index for e in repo.journal_day("t", dt.date(2026, 2, 3))] == [made[2].index]
    assert repo.journal_words("t", 2026, 2)["zavedenie"] == [3]
    assert repo.journal_year_words("t", 2026)["zavedenie"] == {2: 1 << 3}
    assert AuditDoc._get_collection().count_documents({}) == audit_before  # audit entries kept, none added twice
    assert repo.next_number("t", 2026) == 4  # the number hints are untouched: the next number is still the next


def test_the_operators_command_reads_the_registrys_settings_and_says_what_it_did(old_registrations, test_db,
                                                                                monkeypatch, capsys):
    repo, made = old_registrations
    monkeypatch.setenv("DELOVOD_REGISTRY_MONGO_URI", test_db)
    assert journal_backfill.main(["--batch", "2"]) == 0
    out = capsys.readouterr()
    assert "journal backfill: 3 registrations" in out.out and "3 registrations written to the journal" in out.err
    assert [e.index for e in repo.journal_day("t", dt.date(2026, 2, 3))] == [made[2].index]


def test_the_year_digests_are_derived_from_the_month_digests_alone(old_registrations, test_db, monkeypatch, capsys):
    repo, made = old_registrations
    repo.backfill_journal(batch=2)
    RegistrationDoc._get_collection().database.drop_collection("journal_year_words")  # written before they existed
    monkeypatch.setenv("DELOVOD_REGISTRY_MONGO_URI", test_db)
    assert journal_backfill.main(["--year-digests"]) == 0
    assert journal_backfill.main(["--year-digests"]) == 0  # again: the same bits
    assert "year word digests from 1 month digests" in capsys.readouterr().out
    digest = repo.journal_year_words("t", 2026)
    assert digest["zavedenie"] == {2: 1 << 3} and digest["remont"] == {2: 1 << 1}
