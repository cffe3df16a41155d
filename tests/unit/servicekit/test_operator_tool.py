"""The operators' backfill frame (servicekit.operator_tool): what it prints and its exit codes."""
from types import SimpleNamespace

from servicekit import operator_tool

SETTINGS = SimpleNamespace(mongo_uri="mongodb://127.0.0.1:1/x",
                           mongo_options=lambda: {"operation_timeout_ms": 10_000, "tls": True})


def test_a_finished_run_prints_what_it_did(monkeypatch, capsys):
    connected = []
    monkeypatch.setattr("servicekit.mongo.connect", lambda *a, **k: connected.append((a, k)))
    assert operator_tool.run_backfill("backfill", "status", SETTINGS, lambda: "3 cases") == 0
    # the service's TLS, but 30 minutes an operation: one read of a whole collection outlasts 10 s
    assert connected == [(("status", "mongodb://127.0.0.1:1/x"), {"operation_timeout_ms": 1_800_000, "tls": True})]
    assert capsys.readouterr().out == "3 cases\n"


def test_a_stopped_run_says_what_failed_and_that_it_may_be_run_again(monkeypatch, capsys):
    monkeypatch.setattr("servicekit.mongo.connect", lambda *a, **k: None)

    def work():
        raise ConnectionError("FerretDB went away")

    assert operator_tool.run_backfill("backfill", "status", SETTINGS, work) == 1
    assert capsys.readouterr().err == ("The backfill stopped: FerretDB went away. What was written stays; "
                                       "run it again to finish.\n")
