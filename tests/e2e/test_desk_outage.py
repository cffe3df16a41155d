"""A desk whose registry and status do not answer (a second desk in this process, on a port of
its own, pointed at ports nothing listens on; the real slapd and database): the clerk gets a
clear Bulgarian message, the form keeps what was typed, nothing is registered; the official's
stage change and list say the same."""
import re
import socket

import pytest
import requests
from nameko.containers import ServiceContainer

from desk.entrypoints.service import DeskService
from desk.settings import DeskSettings
from servicekit.runner import nameko_config
from tests.e2e.test_desk import csrf, letter, two_scans

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lonely_desk():
    dead = f"http://127.0.0.1:{free_port()}"
    settings = DeskSettings(http_port=free_port(), registry_url=dead, status_url=dead, catalogue_url=dead,
                            service_timeout_s=3)
    container = ServiceContainer(DeskService, nameko_config(settings))
    container.start()
    yield f"http://127.0.0.1:{settings.http_port}"
    container.stop()


def signed_in(base: str, username: str) -> requests.Session:
    s = requests.Session()
    form = s.get(f"{base}/signin", timeout=10)
    answer = s.post(f"{base}/signin", data={"csrf": csrf(form.text), "username": username,
                                            "password": f"{username}-demo-2026"}, timeout=15)
    assert answer.status_code == 200, answer.text
    return s


def test_registering_while_the_registry_is_down_says_so_and_keeps_the_form(lonely_desk):
    s = signed_in(lonely_desk, "ivana")
    form = s.get(f"{lonely_desk}/documents/new", timeout=15)
    assert form.status_code == 200  # the catalogue's list is missing, the form still works
    data = letter(subject="Писмо по време на авария")
    answer = s.post(f"{lonely_desk}/documents", data={"csrf": csrf(form.text), **data}, files=two_scans(), timeout=30)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "60"
    assert "Регистърът временно не отговаря. Документът не е регистриран" in answer.text
    assert "Писмо по време на авария" in answer.text and data["email"] in answer.text
    assert f'name="idempotency_key" value="{data["idempotency_key"]}"' in answer.text  # a retry is the same request
    assert "Traceback" not in answer.text and "127.0.0.1" not in answer.text


def test_a_stage_change_and_the_overdue_list_while_status_is_down(lonely_desk):
    s = signed_in(lonely_desk, "stoyan")
    listing = s.get(f"{lonely_desk}/overdue", timeout=15)
    assert listing.status_code == 503 and "Услугата за етапите временно не отговаря." in listing.text
    page = s.get(f"{lonely_desk}/cases", timeout=15)
    answer = s.post(f"{lonely_desk}/cases/stage", data={"csrf": csrf(page.text), "case_index": "ЖЛБ-1/2026",
                                                        "stage": "in_progress"}, timeout=15)
    assert answer.status_code == 503 and re.search("Етапът не е променен", answer.text)
