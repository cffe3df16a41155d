"""A new stage set version on the running stack (issue 14 item 1): the citizen reads the new
public label for a case registered after it (the status page, its API and the letter), while a
case registered before keeps the labels of the version it was bound to. The set is a catalogue
service's own (one no other test registers), so no other test's labels change."""
import secrets

import pytest
import requests

from tests.conftest import until
from tests.e2e.conftest import STATUS, token
from tests.e2e.test_registration_flow import mails_for, metadata, register

pytestmark = pytest.mark.e2e
CODE = "PLV-SEV-skica-viza"  # Plovdiv's seed; used by no other test
KEY = f"service:{CODE}"


def admin():
    return {"Authorization": f"Bearer {token('admin')}"}


def opened(clerk) -> tuple[str, str, dict]:
    r = register(clerk, metadata(kind="service_application", service_code=CODE))
    assert r.status_code == 201, r.text
    index, code = r.json()["registration_index"], r.json()["access_code"]
    view = until(lambda: (x := requests.get(f"{STATUS}/api/v1/cases/lookup", params={"index": index, "code": code},
                                            timeout=10)).ok and x.json(),
                 what="status lookup", timeout_s=60, interval_s=0.7)
    return index, code, view


def lookup(index, code) -> dict:
    r = requests.get(f"{STATUS}/api/v1/cases/lookup", params={"index": index, "code": code}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_new_version_relabels_later_cases_only(clerk):
    before_index, before_code, before = opened(clerk)
    old_label = before["stage_label"]

    versions = requests.get(f"{STATUS}/api/v1/admin/stage-sets/{KEY}/versions", headers=admin(), timeout=10)
    if versions.status_code == 404:  # the service's first set: from service applications'
        start = requests.get(f"{STATUS}/api/v1/admin/stage-sets/service_application/versions", headers=admin(),
                             timeout=10).json()["items"][-1]
        based_on = 0
    else:
        start = versions.json()["items"][-1]
        based_on = start["version"]
    label = f"Заявлението е прието ({secrets.token_hex(3)})"
    stages = [{**s, "public_label": label} if s["stage"] == "registered" else s for s in start["stages"]]
    made = requests.post(f"{STATUS}/api/v1/admin/stage-sets/{KEY}/versions", headers=admin(), timeout=10,
                         json={"based_on": based_on, "stages": stages, "reason": "Проверка от тест"})
    assert made.status_code == 201, made.text
    assert made.json()["version"] == based_on + 1 and made.json()["author"]
    stale = requests.post(f"{STATUS}/api/v1/admin/stage-sets/{KEY}/versions", headers=admin(), timeout=10,
                          json={"based_on": based_on, "stages": stages, "reason": "Втори път"})
    assert stale.status_code == 409 and stale.json()["latest"]["version"] == based_on + 1, stale.text

    after_index, after_code, after = opened(clerk)
    assert after["stage_label"] == label and after["history"][0]["stage_label"] == label, after
    assert lookup(before_index, before_code)["stage_label"] == old_label != label
    page = requests.post(f"{STATUS}/", data={"index": after_index, "code": after_code}, timeout=10,
                         headers={"Origin": STATUS})
    assert page.status_code == 200 and label in page.text
    staff = requests.get(f"{STATUS}/api/v1/cases/by-index", params={"index": after_index}, headers=clerk,
                         timeout=10).json()
    assert staff["stage_set"] == {"key": KEY, "version": based_on + 1}, staff
    # the registration letter names the stage in the bound version's words
    letters = until(lambda: mails_for(after_index), what="the registration letter", timeout_s=60)
    assert f"Етап на преписката: {label}." in letters[0].get_body(("plain",)).get_content()
