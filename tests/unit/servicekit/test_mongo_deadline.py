"""FerretDB's answer at an operation's deadline is an outage (503), not a bug (500)."""
import pytest
from pymongo.errors import ExecutionTimeout, OperationFailure

from servicekit.errors import Unavailable
from servicekit.mongo import unavailable_when_down

# As FerretDB 1.24 on SQLite answered a find past its maxTimeMS (the desk benchmark's log).
FERRETDB_DEADLINE = OperationFailure(
    "[msg_find.go:344 handler.handleMaxTimeMSError] [collection.go:94 sqlite.(*collection).Query] interrupted (9)",
    code=1, details={"ok": 0.0, "code": 1, "codeName": "InternalError"})


@unavailable_when_down
class Adapter:
    def __init__(self, error):
        self.error = error

    def read(self):
        raise self.error

    def rows(self):
        yield 1
        raise self.error


@pytest.mark.parametrize("error", [FERRETDB_DEADLINE, ExecutionTimeout("operation exceeded time limit", code=50)])
def test_a_deadline_is_the_store_unavailable(error):
    with pytest.raises(Unavailable):
        Adapter(error).read()
    with pytest.raises(Unavailable):
        list(Adapter(error).rows())


@pytest.mark.parametrize("error", [OperationFailure("unknown operator: $foo", code=2),
                                   OperationFailure("interrupted", code=11601), KeyError("x")])
def test_other_failures_stay_what_they_are(error):
    with pytest.raises(type(error)):
        Adapter(error).read()
