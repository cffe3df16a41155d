"""The registry's HTTP entrypoint: what a clerk's oversize or malformed request is told."""
import io
import json
from types import SimpleNamespace
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory

from registry.entrypoints.service import RegistryService
from tests.unit.entrypoints.conftest import bearer, multipart, request


def registry_worker(settings, uploads):
    return worker_factory(RegistryService, app=SimpleNamespace(settings=settings, uploads=uploads,
                                                                 registry=Mock()))


def test_a_10_mb_metadata_field_is_413_naming_the_metadata_and_its_limit(settings, uploads):
    worker = registry_worker(settings, uploads)
    response = worker.register_document(request("POST", "/api/v1/documents", headers=bearer("clerk"),
                                                 data=multipart("x" * (10 * 1024 * 1024))))
    body = json.loads(response.get_data())
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert "metadata" in body["detail"] and "KB" in body["detail"] and "сканираните" not in body["detail"]
    assert body["errors"] == [{"field": "metadata", "message": body["errors"][0]["message"]}]
    assert "KB" in body["errors"][0]["message"]
    assert not worker.app.registry.registrar.register.called  # nothing was registered


class BrokenCalendar:
    """A calendar table whose storage fails inside with a ValueError (a bug, not bad input)."""

    def replace(self, rows, version, actor, actor_name=None):
        raise ValueError("bson: cannot encode object at 0x7f (internal)")

    def rows(self):
        return [], 1


def put_calendar(settings, uploads, body):
    worker = worker_factory(RegistryService, app=SimpleNamespace(settings=settings, uploads=uploads,
                                                                 calendar=BrokenCalendar()))
    response = worker.replace_calendar_exceptions(request("PUT", "/api/v1/calendar/exceptions", headers=bearer("admin"),
                                                          data=json.dumps(body), content_type="application/json"))
    return response, json.loads(response.get_data())


def test_an_internal_error_while_storing_the_calendar_is_a_logged_500_not_a_422(settings, uploads, caplog):
    response, body = put_calendar(settings, uploads, {"version": 1, "exceptions": [
        {"date": "2026-12-31", "kind": "day_off", "reason": "РМС № 808 от 19.11.2025"}]})
    assert response.status_code == 500 and "internal" not in json.dumps(body)
    assert any(r.exc_info and "internal" in str(r.exc_info[1]) for r in caplog.records)


def test_a_repeated_date_is_still_the_callers_422(settings, uploads):
    row = {"date": "2026-12-31", "kind": "day_off", "reason": "РМС № 808 от 19.11.2025"}
    response, body = put_calendar(settings, uploads, {"version": 1, "exceptions": [row, row]})
    assert response.status_code == 422 and body["errors"][0]["field"] == "exceptions"
    assert "2026-12-31" in body["detail"]


def test_metadata_that_is_no_json_object_is_422_naming_the_metadata(settings, uploads):
    worker = registry_worker(settings, uploads)
    response = worker.register_document(request("POST", "/api/v1/documents", headers=bearer("clerk"),
                                                 data=multipart("[1, 2]")))
    body = json.loads(response.get_data())
    assert response.status_code == 422 and [e["field"] for e in body["errors"]] == ["metadata"]


def test_a_scan_sent_as_a_text_part_is_refused_not_dropped(settings, uploads):
    """Found by fuzzing: a ``scan`` part without a file name became a form field nobody read,
    and the document was registered without its scan."""
    worker = registry_worker(settings, uploads)
    metadata = json.dumps({"kind": "complaint", "channel": "counter", "subject": "Осветление",
                           "sender": {"name": "Мария Петрова", "email": "maria@example.bg"}})
    response = worker.register_document(request("POST", "/api/v1/documents", headers=bearer("clerk"),
                                                 data={"metadata": metadata, "scan": "%PDF-1.4 not a file part"}))
    body = json.loads(response.get_data())
    assert response.status_code == 422 and [e["field"] for e in body["errors"]] == ["scan"]
    assert not worker.app.registry.registrar.register.called


@pytest.mark.parametrize("part", ["scans", "file", "other"])
def test_a_file_under_another_part_name_is_refused_not_dropped(settings, uploads, part):
    """Found by an outside review: a file sent as ``other`` (or ``scans``, ``file``) was never
    read, and the document was registered without it (201)."""
    worker = registry_worker(settings, uploads)
    metadata = json.dumps({"kind": "complaint", "channel": "counter", "subject": "Осветление",
                           "sender": {"name": "Мария Петрова", "email": "maria@example.bg"}})
    response = worker.register_document(request("POST", "/api/v1/documents", headers=bearer("clerk"),
                                                 data={"metadata": metadata,
                                                       part: (io.BytesIO(b"%PDF-1.4 scan"), "a.pdf", "application/pdf")}))
    body = json.loads(response.get_data())
    assert response.status_code == 422 and [e["field"] for e in body["errors"]] == [part]
    assert part in body["detail"]
    assert not worker.app.registry.registrar.register.called
