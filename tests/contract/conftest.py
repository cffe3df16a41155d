"""Contract suites run once per implementation: the in-memory fake and the real adapter
(against the server `make up` started). A test DB/bucket per test keeps them isolated."""
import pytest

from servicekit import mongo

BACKENDS = ["memory", pytest.param("real", marks=pytest.mark.integration)]


@pytest.fixture
def mongo_alias(test_db):
    def connect(alias, *docs):
        mongo.connect(alias, test_db)
        mongo.ensure_indexes(*docs)
    return connect
