"""An admin adds a working Saturday on the desk's operators' page: it is listed with the admin's
name in "Кой какво е променил", and the registry's term counting then counts it as a working
day (registry.count_term over RabbitMQ, once the registry's cached table is read again, within
its 30 s). Removed again at the end through the page's "Премахни"."""
from __future__ import annotations

import datetime as dt
import random
import re
import time

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from servicekit.settings import KitSettings
from tests.e2e.test_desk import DESK, browser, csrf, sign_in

pytestmark = pytest.mark.e2e
CACHE_S = 30  # CalendarTable's ttl_s: every replica reads the table again within it


def version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def history_top(html: str) -> str:
    history = html.split('id="calendar-history"', 1)[1]
    return re.sub(r"\s+", " ", history.split("<tbody", 1)[1].split("</tr>", 1)[0])


def count_one_working_day(start: dt.date) -> dt.date:
    with ClusterRpcProxy({"AMQP_URI": KitSettings().amqp_uri, "serializer": "json"}, timeout=15) as cluster:
        answer = cluster.registry.count_term({"start": start.isoformat(), "value": 1, "unit": "working_days",
                                              "source": "проверка"})
    return dt.date.fromisoformat(answer["due_date"])


def test_a_working_saturday_added_on_the_page_is_named_in_the_history_and_counted():
    # a week whose Monday is a working day (not 6 September, say: a public holiday), so that
    # one working day after its Friday is that Monday until the Saturday is made a working day
    for _ in range(30):
        saturday = dt.date(2032, 1, 3) + dt.timedelta(weeks=random.randint(0, 50))
        friday = saturday - dt.timedelta(days=1)
        if count_one_working_day(friday) == saturday + dt.timedelta(days=2):
            break
    reason = f"РМС № {random.randint(1000, 9999)} (e2e)"
    admin = browser()
    assert sign_in(admin, "maria", "maria-demo-2026").status_code == 200
    assert count_one_working_day(friday) == saturday + dt.timedelta(days=2)  # Monday, before

    page = admin.get(f"{DESK}/operators", timeout=15).text
    added = admin.post(f"{DESK}/operators/calendar", timeout=15, data={
        "csrf": csrf(page), "version": version(page), "exception_date": f"{saturday:%d.%m.%Y}",
        "exception_kind": "working_day", "exception_reason": reason})
    try:
        assert added.status_code == 200, added.text
        top = history_top(added.text)
        assert "Мария" in top and f"Добавено: {saturday:%d.%m.%Y} — Работна събота ({reason})" in top, top

        deadline = time.monotonic() + CACHE_S + 15
        while count_one_working_day(friday) != saturday and time.monotonic() < deadline:
            time.sleep(2)
        assert count_one_working_day(friday) == saturday
    finally:
        page = admin.get(f"{DESK}/operators", timeout=15).text
        removed = admin.post(f"{DESK}/operators/calendar/remove", timeout=15, data={
            "csrf": csrf(page), "version": version(page), "date": saturday.isoformat()})
    assert removed.status_code == 200 and f"Премахнато: {saturday:%d.%m.%Y}" in history_top(removed.text)
