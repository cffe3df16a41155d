"""The register form's uploads through the desk, with fake services: a registration from uploads
goes to the registry's from-uploads with the ids in order; a grant and a step are the person's
own calls; the register form's page allows the desk's scripts and the object store's origin only
(GOV.UK's drop zone and Uppy, served by the desk); the vendored bundle is the one recorded."""
import hashlib
import io
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


# -- the routes the form's script calls, and the form ------------------------------------


def _desk(services):
    from tests.unit.desk.test_desk_case_pages import desk

    return desk(services)


def _call(worker, session, handler, path, data, **path_args):
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    environ = EnvironBuilder(method="POST", path=path, data=data, headers={
        "Cookie": f"desk_session={session.id}", "Host": "localhost", "Origin": "http://localhost"}).get_environ()
    response = getattr(worker, handler)(Request(environ), **path_args)
    return response.status_code, response.get_data(as_text=True), response


def test_the_scripts_calls_answer_json_and_need_the_session_and_its_csrf_token():
    services = FakeServices(grant_upload={"upload_id": "c" * 32, "url": "http://s3/x", "parts": False},
                            upload_step=Refused(422, "Номерът на частта трябва да е от 1 до 3.",
                                                [{"field": "part_number", "message": "x"}]))
    worker, session = _desk(services)
    status, body, response = _call(worker, session, "grant_upload", "/documents/uploads",
                                   {"csrf": session.csrf, "file_name": "a.pdf", "size": "10", "sha256": "ab" * 32})
    assert status == 200 and json.loads(body)["upload_id"] == "c" * 32 and response.mimetype == "application/json"
    assert "no-store" in response.headers["Cache-Control"]
    status, body, _ = _call(worker, session, "upload_step", "/documents/uploads/x/steps",
                            {"csrf": session.csrf, "step": "part", "part_number": "9"}, upload_id="x")
    assert status == 422 and "от 1 до 3" in json.loads(body)["detail"]
    status, body, _ = _call(worker, session, "grant_upload", "/documents/uploads", {"csrf": "forged"})
    assert status == 403 and "Формата не е приета" in json.loads(body)["detail"]
    session.id = "not-a-session"
    status, body, _ = _call(worker, session, "grant_upload", "/documents/uploads", {"csrf": "x"})
    assert status == 401 and "Влезте отново" in json.loads(body)["detail"]
    assert [c[0] for c in services.calls] == ["grant_upload", "upload_step"]  # the refused ones asked nothing


def test_the_form_carries_the_thresholds_and_registers_from_the_ids_it_was_sent():
    services = FakeServices(service_choices=[], register_uploaded={"registration_index": "94-00-1/2026",
                                                                   "access_code": "12345678", "scans": []})
    worker, session = _desk(services)
    environ_form = {"csrf": session.csrf, **{k: v for k, v in TYPED.items() if k not in ("csrf", "scan")},
                    "upload": ["b" * 32, "a" * 32], "upload_name": ["b.pdf", "a.pdf"]}
    from tests.unit.desk.test_desk_case_pages import call

    status, page, response = call(worker, session, "register_form", "GET", "/documents/new")
    assert status == 200 and 'data-parts-above="8388608"' in page and 'data-part-size="5242880"' in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert '<script src="/static/desk-upload.js" defer></script>' in page
    status, page, _ = call(worker, session, "register", "POST", "/documents", data=environ_form)
    assert [c[0] for c in services.calls if c[0].startswith("register")] == ["register_uploaded"]
    assert [c for c in services.calls if c[0] == "register_uploaded"][0][3] == ["b" * 32, "a" * 32]


def test_a_refused_form_keeps_the_uploads_so_they_are_not_uploaded_again():
    refusal = Refused(422, "Данните на документа са невалидни.",
                      [{"field": "metadata.sender.personal_number", "message": "Невалидно ЕГН."},
                       {"field": "uploads", "message": "Файлът „a.pdf“ не е от приет вид."}])
    worker, session = _desk(FakeServices(service_choices=[], register_uploaded=refusal))
    from tests.unit.desk.test_desk_case_pages import call

    status, page, _ = call(worker, session, "register", "POST", "/documents", data={
        "csrf": session.csrf, **{k: v for k, v in TYPED.items() if k not in ("csrf", "scan")},
        "upload": ["b" * 32], "upload_name": ["пълномощно <1>.pdf"]})
    assert status == 422 and 'id="scan-kept"' in page and f'name="upload" value="{"b" * 32}"' in page
    assert "пълномощно &lt;1&gt;.pdf" in page and "Качените файлове са запазени" in page
    assert 'href="#scan"' in page  # the registry's error about an upload lands on the scans' field


def test_new_files_sent_by_the_form_itself_besides_kept_uploads_are_refused_not_dropped():
    services = FakeServices(service_choices=[])
    worker, session = _desk(services)
    from tests.unit.desk.test_desk_case_pages import call

    status, page, _ = call(worker, session, "register", "POST", "/documents", data={
        "csrf": session.csrf, **{k: v for k, v in TYPED.items() if k not in ("csrf", "scan")},
        "upload": ["b" * 32], "upload_name": ["b.pdf"], "scan": (io.BytesIO(b"%PDF-1.4"), "new.pdf")})
    assert status == 422 and "Изберете отново всички файлове" in page and 'id="scan-kept"' not in page
    assert not [c for c in services.calls if c[0].startswith("register")]
