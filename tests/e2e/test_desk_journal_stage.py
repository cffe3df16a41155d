"""The journal's stage column and stage filter on the running stack: a letter registered and
assigned through the desk shows its case's stage (from status) in the journal; filtered by that
stage it is found, by another stage or "only overdue" (its term has just begun) it is not; the
CSV of the filter carries the stage."""
import csv
import io
import re

import pytest

from tests.e2e.test_desk import DESK, csrf, letter, register
from tests.e2e.test_desk_assignment import case_page_with_history, signed_in
from tests.e2e.test_desk_journal import journal, word

pytestmark = pytest.mark.e2e


def test_the_journal_filters_by_the_cases_stage():
    clerk = signed_in("ivana")
    cyrillic, latin = word()
    registered = register(clerk, letter(sender_name=f"Гражданин {cyrillic.title()}"))
    assert registered.status_code == 201, registered.text
    index = re.search(r'id="registration-index">([^<]+)<', registered.text).group(1)
    page = case_page_with_history(clerk, index)
    assigned = clerk.post(f"{DESK}/cases/assign", data={"csrf": csrf(page.text), "case_index": index,
                                                        "official": "elena"}, timeout=15)
    assert assigned.status_code == 200, assigned.text

    found = journal(clerk, q=latin, stage="assigned")
    assert found.status_code == 200 and f">{index}</a>" in found.text and "Възложен" in found.text
    assert found.text.count('scope="row"') == 1
    for other in ({"stage": "in_progress"}, {"overdue": "1"}):  # found above: the registration is complete
        page = clerk.get(f"{DESK}/journal", params={"q": latin, **other}, timeout=30)
        assert page.status_code == 200 and index not in page.text and 'id="journal-empty"' in page.text
    wrong = clerk.get(f"{DESK}/journal", params={"q": latin, "stage": "lost"}, timeout=30)
    assert wrong.status_code == 400 and 'href="#stage"' in wrong.text and "Изберете етап от списъка." in wrong.text

    export = clerk.get(f"{DESK}/journal.csv", params={"q": latin, "stage": "assigned"}, timeout=60)
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == [index] and rows[1][-2] == "Възложен"
