"""pytest imports test modules by their basename (no packages under tests/): two test files
with one name stop the whole run at collection ("import file mismatch"). Caught here, in a
second, instead of after the stack has started."""
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_has_a_basename_of_its_own():
    where = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        where[path.name].append(str(path.relative_to(TESTS)))
    assert {name: paths for name, paths in where.items() if len(paths) > 1} == {}
