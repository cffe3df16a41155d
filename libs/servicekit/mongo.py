"""MongoDB connections: one mongoengine alias per service, from its own URI."""
from __future__ import annotations

import mongoengine


def connect(alias: str, uri: str) -> None:
    """(Re)connect ``alias`` to ``uri``; documents declare ``db_alias`` = alias."""
    mongoengine.disconnect(alias)
    mongoengine.connect(alias=alias, host=uri, serverSelectionTimeoutMS=5000, uuidRepresentation="standard")


def ensure_indexes(*document_classes) -> None:
    for cls in document_classes:
        cls.ensure_indexes()
