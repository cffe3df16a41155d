"""The registry's HTTP entrypoint: what a clerk's oversize or malformed request is told."""
import json
from types import SimpleNamespace
from unittest.mock import Mock

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
    assert not worker.app.registry.register.called  # nothing was registered
