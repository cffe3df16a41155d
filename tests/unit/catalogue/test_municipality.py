"""One municipality per deployment: only its services are served, imported and seeded."""
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.domain.errors import ImportRejected
from catalogue.domain.model import ServiceContent, ServiceVersion
from catalogue.importer import read_rows
from catalogue.service_layer.catalogue import Catalogue
from catalogue.settings import SEED_DIR, CatalogueSettings, seed_files
from delovod_proto.rpc import GetServiceTermRequest, ServiceNotFound

from tests.unit.catalogue.test_catalogue import DAY, SEED, row

ROOT = Path(__file__).resolve().parents[3]


def every_seed_stored() -> InMemoryServiceRepository:
    """A database that holds other municipalities' services too (an old mixed import)."""
    repo = InMemoryServiceRepository()
    for path in SEED_DIR.glob("*.json"):
        for r in read_rows(path):
            repo.add(ServiceVersion(content=ServiceContent.model_validate(r), version=1, valid_from=DAY))
    return repo


def test_each_seed_file_holds_one_municipality_and_plovdiv_is_the_default():
    for municipality, path in seed_files().items():
        assert {r["municipality"] for r in read_rows(path)} == {municipality}, path
    assert CatalogueSettings().municipality == "Пловдив"
    assert CatalogueSettings().seed_path() == SEED
    assert len(seed_files()) >= 10  # the other towns' services stayed, each in its own file


def test_search_page_and_term_lookup_serve_only_the_deployments_municipality():
    cat = Catalogue(every_seed_stored(), municipality="Пловдив", today=lambda: DAY, index_ttl_s=0)
    found = cat.search("наследници")
    assert found and {v.content.municipality for v in found} == {"Пловдив"}
    assert {v.content.municipality for v in cat.search("")} == {"Пловдив"}
    assert {v.content.municipality for v in cat.current()} == {"Пловдив"}
    pleven = next(r["code"] for r in read_rows(seed_files()["Плевен"]))
    with pytest.raises(ServiceNotFound):
        cat.service_term(GetServiceTermRequest(code=pleven, at=DAY))
    with pytest.raises(ServiceNotFound):
        cat.version_at(pleven, DAY)


def test_another_deployment_serves_its_own_municipality():
    cat = Catalogue(every_seed_stored(), municipality="Плевен", today=lambda: DAY, index_ttl_s=0)
    assert {v.content.municipality for v in cat.current()} == {"Плевен"}


def test_the_importer_refuses_a_file_with_another_municipalitys_services():
    cat = Catalogue(InMemoryServiceRepository(), municipality="Пловдив", today=lambda: DAY, index_ttl_s=0)
    rows = [row("A"), row("B", municipality="Плевен"), row("C"), row("D", municipality="Куклен")]
    with pytest.raises(ImportRejected) as err:
        cat.import_rows(rows, valid_from=DAY)
    assert [(e.row, e.field) for e in err.value.errors] == [(2, "municipality"), (4, "municipality")]
    assert "Плевен" in err.value.errors[0].message and "Пловдив" in err.value.errors[0].message
    assert cat.repo.versions == []


def test_the_importer_command_refuses_another_municipalitys_seed(capsys):
    from catalogue.importer import main

    assert main(["import", str(seed_files()["Плевен"])]) == 1
    err = capsys.readouterr().err
    assert "община Плевен" in err and "Нищо не е внесено" in err


def test_an_unknown_municipality_is_refused_by_the_settings(monkeypatch):
    monkeypatch.setenv("DELOVOD_CATALOGUE_MUNICIPALITY", "Атлантида")
    with pytest.raises(ValueError, match="Непозната община „Атлантида“"):
        CatalogueSettings()


def test_an_unknown_municipality_stops_the_start_with_a_clear_message():
    env = {**os.environ, "DELOVOD_CATALOGUE_MUNICIPALITY": "Атлантида",
           "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("proto", "libs", "services"))}
    done = subprocess.run([sys.executable, "-m", "catalogue"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "Непозната община „Атлантида“" in done.stderr and "Пловдив" in done.stderr
    assert "Traceback" not in done.stderr


def test_two_seed_files_for_one_municipality_are_refused(tmp_path):
    for name in ("plovdiv.json", "plovdiv-old.json"):
        (tmp_path / name).write_text(json.dumps({"meta": {"municipality": "Пловдив"}, "services": []}))
    with pytest.raises(ValueError, match="два файла"):
        seed_files(tmp_path)
