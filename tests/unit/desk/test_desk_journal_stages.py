"""The journal's stage column and its filters by stage and lateness: the stages come from status
for a whole page in one call; the registry gets only its own filters; a filtered page reads the
registry's pages until enough rows match (bounded), and its links keep the whole filter; without
status the journal still shows, but a stage filter says it cannot be applied."""
import csv
import datetime as dt
import io

import pytest

from desk.adapters.memory import FakeServices
from desk.domain.journal import JournalForm, csv_bytes
from desk.domain.people import Person
from desk.entrypoints import views
from desk.service_layer import workspace as workspace_module
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


def test_a_stage_filter_goes_to_the_desk_not_to_the_registry():
    services = FakeServices(journal={"items": [row(1), row(2), row(3)], "next": None}, case_stages=STAGES)
    outcome = journal(services, stage="in_progress", overdue="1", q="Петрова")
    assert [r["registration_index"] for r in outcome.result["items"]] == ["ЖЛБ-2/10.03.2026"]
    asked = services.calls[0][2]
    assert asked == {"from": "2026-03-10", "q": "Петрова", "limit": 200}
    assert [r["registration_index"] for r in journal(services, stage="registered").result["items"]] == ["ЖЛБ-3/10.03.2026"]


def test_a_filtered_page_reads_on_until_enough_match_and_stops_at_its_bound(monkeypatch):
    pages = [{"items": [row(1)], "next": "A"}, {"items": [row(2)], "next": "B"}, {"items": [row(3)], "next": "C"},
             {"items": [row(4)], "next": None}]
    services = FakeServices(journal=pages, case_stages=STAGES)
    monkeypatch.setattr(workspace_module, "STAGE_SCAN_ROWS", 3)
    outcome = journal(services, overdue="1")
    assert [r["registration_index"] for r in outcome.result["items"]] == ["ЖЛБ-2/10.03.2026"]
    assert outcome.result["next"] == "C" and outcome.result["scanned"] == 3  # the next page goes on from there


def test_an_unknown_stage_is_an_error_on_its_field_and_nothing_is_asked():
    services = FakeServices()
    outcome = journal(services, stage="lost")
    assert [e.field for e in outcome.errors] == ["stage"] and services.calls == []


def test_without_status_the_journal_shows_with_a_note_but_a_stage_filter_is_refused():
    services = FakeServices(journal={"items": [row(1)], "next": None}, case_stages=Unavailable("status"))
    outcome = journal(services)
    assert outcome.ok and "stage" not in outcome.result["items"][0]
    assert outcome.result["note"] == "Услугата за етапите временно не отговаря. Етапите не са показани."
    refused = journal(services, stage="in_progress")
    assert not refused.ok and [e.field for e in refused.errors] == ["stage"]
    assert refused.summary.startswith("Услугата за етапите временно не отговаря.")


def test_the_page_keeps_the_stage_filter_in_its_links_and_shows_lateness():
    services = FakeServices(journal={"items": [row(2)], "next": "NX"}, case_stages=STAGES)
    form = JournalForm.from_args({"stage": "in_progress", "overdue": "1"}, TODAY)
    html = views.journal_page(None, form, Workspace(services).journal(STOYAN, form)).get_data(as_text=True)
    assert 'value="in_progress" selected' in html and 'id="overdue" name="overdue" type="checkbox" value="1" checked' in html
    assert "stage=in_progress&amp;overdue=1&amp;after=NX" in html and "3 дни след срока" in html
    assert 'href="/journal.csv?from=2026-03-10&amp;stage=in_progress&amp;overdue=1"' in html


def test_the_csv_has_the_stage_and_the_days_late():
    data = csv_bytes([{**row(2), **STAGES["ЖЛБ-2/10.03.2026"]}], lambda v: "10.03.2026 11:00")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][-2:] == ["Етап", "Дни след срока"] and lines[1][-2:] == ["В работа", "3"]
