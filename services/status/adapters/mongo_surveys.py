"""Surveys in MongoDB/FerretDB: the issued links (``surveys``, by token hash) and the answers
(``survey_answers``, by the same hash). An answer is taken by inserting its ``_id``: a unique
insert is atomic on MongoDB and FerretDB alike, so a link used twice at once records one answer
(a filtered update would be checked-then-written by FerretDB, see mongo_repository.save)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from servicekit.mongo import unavailable_when_down, upsert

from ..domain.survey import Answer, Survey
from .mongo_repository import CaseDoc

UTC = dt.timezone.utc


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=UTC)


def _answer(doc: dict) -> Answer:
    return Answer(doc["rating"], doc.get("comment"), doc["reconsideration"], _aware(doc["answered_at"]))


def _survey(doc: dict, answer: Optional[Answer]) -> Survey:
    return Survey(doc["_id"], doc["case_index"], _aware(doc["issued_at"]), _aware(doc["expires_at"]),
                  doc.get("service_code"), doc.get("unit"), answer)


@unavailable_when_down
class MongoSurveyStore:
    """In the status database (the cases' connection)."""

    def __init__(self):
        self._db["survey_answers"].create_index([("answered_at", DESCENDING)])  # the results, the latest first

    @property
    def _db(self):
        return CaseDoc._get_collection().database

    def note_service(self, case_index: str, service_code: str) -> None:
        upsert(self._db["survey_case_services"], {"_id": case_index}, {"$set": {"service_code": service_code}})

    def service_of(self, case_index: str) -> Optional[str]:
        doc = self._db["survey_case_services"].find_one({"_id": case_index})
        return doc["service_code"] if doc else None

    def add(self, survey: Survey) -> None:
        self._db["surveys"].insert_one({"_id": survey.token_hash, "case_index": survey.case_index,
                                        "issued_at": _naive(survey.issued_at), "expires_at": _naive(survey.expires_at),
                                        "service_code": survey.service_code, "unit": survey.unit})

    def get(self, token_hash: str) -> Optional[Survey]:
        doc = self._db["surveys"].find_one({"_id": token_hash})
        if doc is None:
            return None
        answer = self._db["survey_answers"].find_one({"_id": token_hash})
        return _survey(doc, _answer(answer) if answer else None)

    def record(self, survey: Survey, answer: Answer) -> bool:
        """The answer with its survey's case, service and unit (the results read only these)."""
        try:
            self._db["survey_answers"].insert_one({
                "_id": survey.token_hash, "case_index": survey.case_index, "service_code": survey.service_code,
                "unit": survey.unit, "issued_at": _naive(survey.issued_at), "expires_at": _naive(survey.expires_at),
                "rating": answer.rating, "comment": answer.comment, "reconsideration": answer.reconsideration,
                "answered_at": _naive(answer.answered_at)})
            return True
        except DuplicateKeyError:
            return False

    def answered(self, limit: int = 10_000) -> list[Survey]:
        found = self._db["survey_answers"].find({}).sort("answered_at", DESCENDING).limit(limit)
        return [_survey(d, _answer(d)) for d in found]
