"""The importer against the real FerretDB: it shows what an import would change before it
writes, and ``--dry-run`` writes nothing."""
import json

import pytest

from catalogue.importer import main
from tests.unit.catalogue.test_catalogue_card import FULL

pytestmark = pytest.mark.integration


def run(monkeypatch, capsys, test_db, path, *flags):
    monkeypatch.setenv("DELOVOD_CATALOGUE_MONGO_URI", test_db)
    monkeypatch.setenv("DELOVOD_CATALOGUE_MUNICIPALITY", "Пловдив")
    code = main(["import", str(path), *flags])
    return code, capsys.readouterr().out


def stored(test_db):
    import pymongo

    with pymongo.MongoClient(test_db) as client:
        return sorted((d["code"], d["version"]) for d in client.get_default_database().service_versions.find())


def test_the_importer_shows_the_difference_and_a_dry_run_writes_nothing(monkeypatch, capsys, test_db, tmp_path):
    path = tmp_path / "services.json"
    path.write_text(json.dumps({"services": [FULL]}, ensure_ascii=False))
    code, out = run(monkeypatch, capsys, test_db, path, "--valid-from", "2026-01-01")
    assert code == 0 and "1 new, 0 changed, 0 unchanged" in out and "  + T-full" in out
    assert "Пловдив: 1 services" in out and stored(test_db) == [("T-full", 1)]

    changed = json.loads(json.dumps(FULL))
    changed["variants"][0]["fee_cents"] = 200
    path.write_text(json.dumps({"services": [changed]}, ensure_ascii=False))
    code, out = run(monkeypatch, capsys, test_db, path, "--dry-run")
    assert code == 0 and "0 new, 1 changed, 0 unchanged" in out and "  ~ T-full" in out
    assert "variants: " in out and "dry run: nothing written" in out
    assert stored(test_db) == [("T-full", 1)]

    code, out = run(monkeypatch, capsys, test_db, path, "--valid-from", "2027-01-01")
    assert code == 0 and stored(test_db) == [("T-full", 1), ("T-full", 2)]
