"""The operators' backfill frame (servicekit.operator_tool): what it prints and its exit codes."""
from types import SimpleNamespace

from servicekit import operator_tool

SETTINGS = SimpleNamespace(mongo_uri="mongodb://127.0.0.1:1/x", mongo_options=lambda: {})


def test_a_finished_run_prints_what_it_did(monkeypatch, capsys):
    connected = []
    monkeypatch.setattr("servicekit.mongo.connect", lambda *a, **k: connected.append(a))
    assert operator_tool.run_backfill("backfill", "status", SETTINGS, lambda: "3 cases") == 0
    assert connected == [("status", "mongodb://127.0.0.1:1/x")] and capsys.readouterr().out == "3 cases\n"


def test_a_stopped_run_says_what_failed_and_that_it_may_be_run_again(monkeypatch, capsys):
    monkeypatch.setattr("servicekit.mongo.connect", lambda *a, **k: None)

    def work():
        raise ConnectionError("FerretDB went away")

    assert operator_tool.run_backfill("backfill", "status", SETTINGS, work) == 1
    assert capsys.readouterr().err == ("The backfill stopped: FerretDB went away. What was written stays; "
                                       "run it again to finish.\n")
