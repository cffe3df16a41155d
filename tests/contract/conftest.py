"""Contract suites run once per implementation: the in-memory fake and the real adapter
(against the server `make up` started). A test DB/bucket per test keeps them isolated."""
import pytest

from servicekit import mongo

MONGO = "mongodb://127.0.0.1:27017"
BACKENDS = ["memory", pytest.param("real", marks=pytest.mark.integration)]


@pytest.fixture
def mongo_alias(uid):
    def connect(alias, *docs):
        mongo.connect(alias, f"{MONGO}/test_{uid}")
        mongo.ensure_indexes(*docs)
    return connect
