"""Case files (:class:`~notifications.domain.case_file.CaseFile`) in MongoDB, one document per
case keyed by its index, and in memory for tests. Each event sets only its own fields (``$set``
with upsert), so a status change that arrives before the registration loses nothing."""
from __future__ import annotations

from typing import Optional

from servicekit.mongo import OnAlias, unavailable_when_down, upsert

from ..domain.case_file import CaseFile

COLLECTION = "case_files"


def _fields(values: dict) -> dict:
    return CaseFile(case_index="-", **values).model_dump(mode="json", include=set(values))


@unavailable_when_down
class MongoCaseFiles(OnAlias):
    @property
    def _files(self):
        return self._db[COLLECTION]

    def update(self, case_index: str, **values) -> None:
        upsert(self._files, {"_id": case_index}, {"$set": _fields(values)})

    def get(self, case_index: str) -> Optional[CaseFile]:
        doc = self._files.find_one({"_id": case_index})
        if doc is None:
            return None
        doc.pop("_id")
        return CaseFile(case_index=case_index, **doc)


class InMemoryCaseFiles:
    def __init__(self):
        self.files: dict[str, dict] = {}

    def update(self, case_index: str, **values) -> None:
        self.files.setdefault(case_index, {}).update(_fields(values))

    def get(self, case_index: str) -> Optional[CaseFile]:
        found = self.files.get(case_index)
        return CaseFile(case_index=case_index, **found) if found is not None else None
