"""Under CI=true a test that did not run fails the run (the hooks in tests/conftest.py): small
suites that use the project's own conftest run in a pytest session of their own."""
from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


@pytest.fixture
def suite(pytester, monkeypatch):
    """suite(source, ci=...) -> the result of running that test module under the project's conftest."""
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))

    def run(source: str, *, ci: bool):
        pytester.makepyfile(test_suite=source)
        if ci:
            monkeypatch.setenv("CI", "true")
        else:
            monkeypatch.delenv("CI", raising=False)
        # in a process of its own: the conftest patches eventlet again, which in this process
        # depends on what earlier tests of the whole run left in sys.modules (a full `make test`
        # once left it unable to: "eventlet.green.Queue has no attribute _PySimpleQueue")
        return pytester.runpytest_subprocess("-p", "no:cacheprovider")

    return run


ONE_SKIP = """
import pytest

def test_runs():
    assert True

def test_needs_a_tool():
    pytest.skip("the tool is missing")
"""


def test_a_skipped_test_fails_the_run_under_ci_and_is_named(suite):
    result = suite(ONE_SKIP, ci=True)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(["*CI=true: these tests did not run*",
                                 "NOT RUN test_suite.py::test_needs_a_tool: skipped: the tool is missing"])


def test_the_same_skip_passes_outside_ci(suite):
    result = suite(ONE_SKIP, ci=False)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=1, skipped=1)
    assert "NOT RUN" not in result.stdout.str()


def test_a_module_skipped_at_collection_fails_the_run_under_ci(suite):
    result = suite('import pytest\npytest.skip("no browser", allow_module_level=True)\n', ci=True)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(["NOT RUN test_suite.py: skipped at collection: no browser"])


def test_an_xfail_counts_as_a_skip_unless_strict_with_a_reason(suite):
    result = suite('''
import pytest

@pytest.mark.xfail
def test_bare():
    assert False

@pytest.mark.xfail(reason="flaky")
def test_lenient():
    assert False

@pytest.mark.xfail(reason="flaky")
def test_lenient_passing():
    assert True

def test_imperative():
    pytest.xfail("later")

@pytest.mark.xfail(strict=True, reason="issue 5: follow-ups collide across years")
def test_known_defect():
    assert False
''', ci=True)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    out = result.stdout.str()
    for name in ("test_bare", "test_lenient", "test_lenient_passing", "test_imperative"):
        assert f"NOT RUN test_suite.py::{name}: xfail" in out, out
    assert "NOT RUN test_suite.py::test_known_defect" not in out


def test_a_strict_xfail_with_a_reason_passes_under_ci(suite):
    result = suite('''
import pytest

@pytest.mark.xfail(strict=True, reason="issue 5: follow-ups collide across years")
def test_known_defect():
    assert False
''', ci=True)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(xfailed=1)


def test_a_failure_keeps_its_own_exit_status(suite):
    result = suite("def test_fails():\n    assert False\n", ci=True)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "NOT RUN" not in result.stdout.str()
