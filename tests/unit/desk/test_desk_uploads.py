"""The register form's uploads through the desk, with fake services: a registration from uploads
goes to the registry's from-uploads with the ids in order; a grant and a step are the person's
own calls; the register form's page allows the desk's scripts and the object store's origin only
(GOV.UK's drop zone and Uppy, served by the desk); the vendored bundle is the one recorded."""
import hashlib
import json
from pathlib import Path

import pytest

from desk.adapters.memory import FakeServices
from desk.domain.intake import IntakeForm
from desk.entrypoints import pages
from desk.service_layer.ports import Refused
from desk.service_layer.workspace import Workspace
from tests.unit.desk.test_workspace import IVANA, TYPED

STATIC = Path(__file__).resolve().parents[3] / "services" / "desk" / "static"


def test_a_registration_from_uploads_names_them_in_order_and_sends_no_bytes():
    services = FakeServices(register_uploaded={"registration_index": "94-00-1/2026"})
    outcome = Workspace(services).register(IVANA, IntakeForm.from_form(TYPED), [], "key-1", ["b" * 32, "a" * 32])
    assert outcome.ok
    [(name, person, metadata, ids)] = services.calls
    assert (name, person, ids) == ("register_uploaded", IVANA, ["b" * 32, "a" * 32])
    assert metadata == IntakeForm.from_form(TYPED).metadata()


def test_a_grant_is_asked_for_the_person_with_the_declared_file():
    services = FakeServices(grant_upload={"upload_id": "c" * 32, "parts": True})
    assert Workspace(services).grant_upload(IVANA, "a.pdf", "9000000", "ab" * 32, True)["parts"]
    assert services.calls == [("grant_upload", IVANA, {"file_name": "a.pdf", "size": 9000000, "sha256": "ab" * 32,
                                                       "parts": True})]
    with pytest.raises(Refused):
        Workspace(services).grant_upload(IVANA, "a.pdf", "много", "ab" * 32, False)


def test_a_step_carries_its_part_number_only_when_there_is_one():
    services = FakeServices(upload_step={"method": "PUT", "url": "http://s3/x"})
    workspace = Workspace(services)
    workspace.upload_step(IVANA, "c" * 32, "part", "2")
    workspace.upload_step(IVANA, "c" * 32, "list", "")
    assert [c[3] for c in services.calls] == [{"step": "part", "part_number": 2}, {"step": "list"}]
    with pytest.raises(Refused):
        workspace.upload_step(IVANA, "c" * 32, "part", "-1")


def test_only_the_register_form_may_run_the_desks_scripts_and_reach_the_object_store():
    plain = pages.headers()["Content-Security-Policy"]
    assert "script-src" not in plain and "connect-src" not in plain and "default-src 'none'" in plain
    form = pages.upload_headers("https://s3.example.bg")["Content-Security-Policy"]
    assert "script-src 'self';" in form and "connect-src 'self' https://s3.example.bg" in form
    assert "unsafe" not in form and "default-src 'none'" in form


def test_the_scripts_are_served_as_javascript_and_the_bundle_is_the_one_recorded():
    assert pages.static("desk-upload.js").mimetype == "text/javascript"
    assert pages.static("uppy.min.js").mimetype == "text/javascript"
    recorded = json.loads((STATIC / "uppy.json").read_text())
    assert hashlib.sha256((STATIC / "uppy.min.js").read_bytes()).hexdigest() == recorded["sha256"]
    assert {p["name"]: p["version"] for p in recorded["packages"]}["@uppy/aws-s3"] == "6.3.1"
    assert all(p["license"] in ("MIT", "ISC") for p in recorded["packages"])
