"""Status's admin API of stage sets (issue 14 item 1): admins only, a new version from the
version edited (a stale one is a 409 with the newest), the rules' refusals as problem+json in
Bulgarian next to their fields."""
import datetime as dt
import json
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory

from status.adapters.memory_stage_sets import InMemoryStageSetRepository
from status.entrypoints.service import StatusService
from status.service_layer.stage_sets import StageSets
from tests.unit.entrypoints.conftest import bearer, request

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone.utc)
PATH = "/api/v1/admin/stage-sets/complaint/versions"


@pytest.fixture
def worker(settings):
    sets = StageSets(InMemoryStageSetRepository(), clock=lambda: NOW)
    sets.seed()
    return worker_factory(StatusService, app=SimpleNamespace(stage_sets=sets, settings=settings))


def edit(based_on=1, reason="Решение № 5", **labels):
    stages = [{"stage": s, "public_label": labels.get(s, f"Публично {s}"), "internal_label": f"Вътрешно {s}"}
              for s in ("registered", "in_progress", "answered", "closed")]
    return json.dumps({"based_on": based_on, "stages": stages, "reason": reason})


def post(worker, body, headers=None, key="complaint"):
    response = worker.create_stage_set_version(request("POST", f"/api/v1/admin/stage-sets/{key}/versions", data=body,
                                                       headers=bearer("admin") if headers is None else headers,
                                                       content_type="application/json"), key)
    return response.status_code, json.loads(response.get_data()), response.mimetype


@pytest.mark.parametrize("headers, status", [({}, 401), (bearer("clerk"), 403), (bearer("official"), 403)])
def test_only_an_admin_keeps_stage_sets(worker, headers, status):
    code, body, media = post(worker, edit(), headers)
    assert (code, media) == (status, "application/problem+json") and body["detail"]
    listed = worker.stage_sets(request("GET", "/api/v1/admin/stage-sets", headers=headers))
    assert listed.status_code == status


def test_list_versions_and_a_new_version_with_who_and_why(worker):
    listed = json.loads(worker.stage_sets(request("GET", "/api/v1/admin/stage-sets", headers=bearer("admin")))
                        .get_data())["items"]
    assert [s["key"] for s in listed][:2] == ["letter", "complaint"] and all(s["version"] == 1 for s in listed)
    code, body, _ = post(worker, edit())
    assert code == 201, body
    assert (body["version"], body["author"], body["reason"], body["valid_from"]) == (
        2, "Admin", "Решение № 5", "2026-12-02T09:00:00Z")
    versions = json.loads(worker.stage_set_versions(request("GET", PATH, headers=bearer("admin")), "complaint")
                          .get_data())
    assert [(v["version"], v["author"]) for v in versions["items"]] == [(1, None), (2, "Admin")]


def test_a_stale_version_is_a_conflict_with_the_newest(worker):
    assert post(worker, edit())[0] == 201
    code, body, media = post(worker, edit(reason="друга"))
    assert (code, media) == (409, "application/problem+json")
    assert "версия 2" in body["detail"] and body["latest"]["version"] == 2 and body["latest"]["author"] == "Admin"


@pytest.mark.parametrize("body, field, words", [
    (edit(reason=""), "reason", "Посочете причината"),
    (edit(in_progress=""), "stages.in_progress.public_label", "Въведете наименование"),
    (json.dumps({"based_on": 1, "reason": "x", "stages": [
        {"stage": "registered", "public_label": "a", "internal_label": "b"}]}), "stages.answered", "задължителен"),
    ("{}", "based_on", None),
])
def test_a_broken_rule_is_a_422_next_to_its_field(worker, body, field, words):
    code, problem, media = post(worker, body)
    assert (code, media) == (422, "application/problem+json") and problem["detail"]
    found = {e["field"]: e["message"] for e in problem["errors"]}
    assert field in found and (words is None or words in found[field])


def test_a_zdoi_set_with_suspension_quotes_the_law(worker):
    body = json.loads(edit())
    body["stages"].append({"stage": "suspended", "public_label": "Спряна", "internal_label": "Спряна"})
    code, problem, _ = post(worker, json.dumps(body), key="public_information_request")
    assert code == 422 and "чл. 29" in {e["field"]: e["message"] for e in problem["errors"]}["stages.suspended"]


def test_unknown_sets(worker):
    assert post(worker, edit(), key="nonsense")[0] == 400
    missing = worker.stage_set_versions(request("GET", "/x", headers=bearer("admin")), "service:2091")
    assert missing.status_code == 404 and "Няма набор" in json.loads(missing.get_data())["detail"]
    code, body, _ = post(worker, edit(based_on=0), key="service:2091")  # a service's first set
    assert code == 201 and (body["key"], body["kind"], body["version"]) == ("service:2091", "service_application", 1)
