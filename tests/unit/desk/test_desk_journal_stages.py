"""The journal's stage column and its filters by stage and lateness: the stages come from status
for a whole page in one call; filtered by stage or lateness, status names the cases (its stage
index) and the registry gives their rows with its own filters, paged in the journal's order, and
the page's links keep the whole filter; without status the journal still shows, but a stage
filter says it cannot be applied."""
import csv
import datetime as dt
import io

import pytest

from desk.adapters.memory import FakeServices
from desk.domain.journal import JournalForm, csv_bytes
from desk.domain.people import Person
from desk.entrypoints import views
from desk.service_layer.ports import Unavailable
from desk.service_layer.workspace import Workspace
from tests.unit.desk.test_journal import row

STOYAN = Person("stoyan", "Стоян Георгиев", "official")
TODAY = dt.date(2026, 3, 10)
STAGES = {"ЖЛБ-1/10.03.2026": {"stage": "in_progress", "stage_label": "В процес", "days_overdue": 0},
          "ЖЛБ-2/10.03.2026": {"stage": "in_progress", "stage_label": "В процес", "days_overdue": 3},
          "ЖЛБ-3/10.03.2026": {"stage": "registered", "stage_label": "Регистриран", "days_overdue": 0}}


def journal(services, **args):
    return Workspace(services).journal(STOYAN, JournalForm.from_args(args, TODAY))


def test_each_row_gets_its_cases_stage_in_one_call():
    services = FakeServices(journal={"items": [row(1), row(2), row(3)], "next": None}, case_stages=STAGES)
    outcome = journal(services)
    assert [(r["stage"], r["days_overdue"]) for r in outcome.result["items"]] == [
        ("in_progress", 0), ("in_progress", 3), ("registered", 0)]
    assert [c[0] for c in services.calls] == ["journal", "case_stages"]


def staged(*numbers):
    return [{"case_index": f"ЖЛБ-{n}/10.03.2026", "registered_at": f"2026-03-10T09:0{n}:00Z",
             **STAGES[f"ЖЛБ-{n}/10.03.2026"]} for n in numbers]


ROWS = {f"ЖЛБ-{n}/10.03.2026": row(n) for n in (1, 2, 3)}


def test_a_stage_filter_asks_status_for_the_cases_and_the_registry_for_their_rows():
    services = FakeServices(staged_cases=staged(2), journal_rows=ROWS)
    outcome = journal(services, stage="in_progress", overdue="1", q="Петрова", to="2026-03-31")
    assert [(r["registration_index"], r["days_overdue"]) for r in outcome.result["items"]] == [("ЖЛБ-2/10.03.2026", 3)]
    assert services.calls == [
        ("staged_cases", STOYAN, {"from": "2026-03-10", "to": "2026-03-31", "stage": "in_progress", "overdue": "true",
                          "limit": 51}),
        ("journal_rows", STOYAN, {"q": "Петрова", "indexes": ["ЖЛБ-2/10.03.2026"]})]
    assert outcome.result["next"] is None


def test_no_case_in_the_stage_asks_the_registry_nothing():
    services = FakeServices(staged_cases=[], journal_rows=ROWS)
    outcome = journal(services, stage="closed")
    assert outcome.ok and outcome.result["items"] == [] and [c[0] for c in services.calls] == ["staged_cases"]


def test_pages_of_a_stage_filter_follow_each_other_in_the_journals_order():
    services = FakeServices(staged_cases=staged(1, 2, 3), journal_rows={k: v for k, v in ROWS.items() if "-2/" not in k})
    form = JournalForm.from_args({"stage": "in_progress"}, TODAY)
    first = Workspace(services).journal(STOYAN, form, limit=1)  # the registry's filters left out ЖЛБ-2
    assert [r["registration_index"] for r in first.result["items"]] == ["ЖЛБ-1/10.03.2026"]
    assert first.result["next"] == "2026-03-10T09:01:00Z|ЖЛБ-1/10.03.2026"
    second = Workspace(services).journal(STOYAN, form, first.result["next"], limit=1)
    assert [r["registration_index"] for r in second.result["items"]] == ["ЖЛБ-3/10.03.2026"]
    assert second.result["next"] is None
    assert services.calls[-1] == ("journal_rows", STOYAN, {"indexes": ["ЖЛБ-2/10.03.2026", "ЖЛБ-3/10.03.2026"]})


def test_an_unknown_stage_is_an_error_on_its_field_and_nothing_is_asked():
    services = FakeServices()
    outcome = journal(services, stage="lost")
    assert [e.field for e in outcome.errors] == ["stage"] and services.calls == []


def test_without_status_the_journal_shows_with_a_note_but_a_stage_filter_is_refused():
    services = FakeServices(journal={"items": [row(1)], "next": None}, case_stages=Unavailable("status"),
                            staged_cases=Unavailable("status"))
    outcome = journal(services)
    assert outcome.ok and "stage" not in outcome.result["items"][0]
    assert outcome.result["note"] == "Услугата за етапите временно не отговаря. Етапите не са показани."
    refused = journal(services, stage="in_progress")
    assert not refused.ok and [e.field for e in refused.errors] == ["stage"]
    assert refused.summary.startswith("Услугата за етапите временно не отговаря.")


def test_the_page_keeps_the_stage_filter_in_its_links_and_shows_lateness():
    services = FakeServices(staged_cases=staged(2, 1), journal_rows=ROWS)
    form = JournalForm.from_args({"stage": "in_progress", "overdue": "1"}, TODAY)
    html = views.journal_page(None, form, Workspace(services).journal(STOYAN, form, limit=1)).get_data(as_text=True)
    assert 'value="in_progress" selected' in html and 'id="overdue" name="overdue" type="checkbox" value="1" checked' in html
    assert "stage=in_progress&amp;overdue=1&amp;after=2026-03-10T09%3A02%3A00Z%7C" in html and "3 дни след срока" in html
    assert 'href="/journal.csv?from=2026-03-10&amp;stage=in_progress&amp;overdue=1"' in html


def test_the_csv_has_the_stage_and_the_days_late():
    data = csv_bytes([{**row(2), **STAGES["ЖЛБ-2/10.03.2026"]}], lambda v: "10.03.2026 11:00")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][-2:] == ["Етап", "Дни след срока"] and lines[1][-2:] == ["В работа", "3"]


def test_a_page_reads_status_on_until_its_rows_are_found(monkeypatch):
    from desk.service_layer import workspace as workspace_module

    monkeypatch.setattr(workspace_module, "STAGED_BATCH", 1)  # status's pages of one case
    services = FakeServices(staged_cases=staged(1, 2, 3), journal_rows={k: v for k, v in ROWS.items() if "-1/" not in k})
    outcome = journal(services, stage="in_progress")  # the registry's filters leave out ЖЛБ-1
    assert [r["registration_index"] for r in outcome.result["items"]] == ["ЖЛБ-2/10.03.2026", "ЖЛБ-3/10.03.2026"]
    assert [c[0] for c in services.calls] == ["staged_cases", "journal_rows"] * 3 and outcome.result["next"] is None
