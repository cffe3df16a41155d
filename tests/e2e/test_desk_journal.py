"""The journal against the running stack: a letter registered through the desk is found by an
official in the journal by a word typed in Latin letters, with the personal number masked; the
CSV of the filter opens in Excel (BOM) and masks it too; the registry's own API pages by cursor."""
import csv
import datetime as dt
import io
import random
import re
import time

import pytest
import requests

from tests.e2e.conftest import REGISTRY, token
from tests.e2e.test_desk import DESK, browser, letter, register, sign_in

pytestmark = pytest.mark.e2e
LETTERS = {"б": "b", "в": "v", "г": "g", "д": "d", "к": "k", "л": "l", "м": "m", "н": "n", "п": "p", "р": "r",
           "с": "s", "т": "t"}


def word() -> tuple[str, str]:
    """A Cyrillic word nobody else registers, and its Latin spelling."""
    cyrillic = "".join(random.choice(list(LETTERS)) + "о" for _ in range(6))
    return cyrillic, "".join(LETTERS.get(ch, "o") for ch in cyrillic)


def journal(s, **query) -> requests.Response:
    """The journal's page; a registration is listed once it completes, moments after its answer."""
    for _ in range(40):
        page = s.get(f"{DESK}/journal", params=query, timeout=30)
        if page.status_code != 200 or 'id="journal"' in page.text:
            return page
        time.sleep(0.25)
    return page


def test_an_official_finds_the_letter_by_a_latin_word_and_exports_it():
    clerk, official = browser(), browser()
    assert sign_in(clerk, "ivana", "ivana-demo-2026").status_code == 200
    assert sign_in(official, "stoyan", "stoyan-demo-2026").status_code == 200
    cyrillic, latin = word()
    registered = register(clerk, letter(sender_name=f"Гражданин {cyrillic.title()}"))
    assert registered.status_code == 201, registered.text
    index = re.search(r'id="registration-index">([^<]+)<', registered.text).group(1)

    page = journal(official, q=latin, channel="counter")
    assert page.status_code == 200 and f">{index}</a>" in page.text, page.text[-2000:]
    assert "7501020018" not in page.text and "********18" in page.text
    assert page.text.count('scope="row"') == 1  # only that letter matches the word

    export = official.get(f"{DESK}/journal.csv", params={"q": latin, "channel": "counter"}, timeout=60)
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    assert export.content.startswith("\ufeff".encode()) and "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Индекс" and [r[0] for r in rows[1:]] == [index]
    assert rows[1][5] == "********18" and "7501020018" not in export.text


def test_a_date_that_is_not_a_date_is_a_bulgarian_error_on_its_field():
    s = browser()
    assert sign_in(s, "stoyan", "stoyan-demo-2026").status_code == 200
    page = s.get(f"{DESK}/journal", params={"from": "вчера"}, timeout=30)
    assert page.status_code == 400 and 'href="#from"' in page.text and "Въведете дата" in page.text
    assert 'value="вчера"' in page.text


def test_the_registry_pages_by_cursor_without_repeats():
    headers = {"Authorization": f"Bearer {token('official')}"}
    seen, after = [], None
    for _ in range(50):
        params = {"limit": 2, **({"after": after} if after else {})}
        answer = requests.get(f"{REGISTRY}/api/v1/documents", params=params, headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        seen += [(dt.datetime.fromisoformat(i["registered_at"]), i["registration_index"]) for i in body["items"]]
        after = body["next"]
        if not after:
            break
    assert seen and seen == sorted(seen) and len(set(seen)) == len(seen)
    refused = requests.get(f"{REGISTRY}/api/v1/documents", params={"from": "2026-13-01"}, headers=headers, timeout=10)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "from"
