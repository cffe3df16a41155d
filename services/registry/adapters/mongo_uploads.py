"""Granted uploads (domain/uploads.py) in MongoDB: collection ``uploads``, one document
per grant (``_id`` = the upload id) and one per taken upload (``_id`` = ``taken:<upload id>``, ``holder`` = the registration's request
key): taking is an insert, which exactly one registration can win, and every hot read is an
``_id`` lookup (FerretDB scans for any other filter). Only the sweeper filters by time; the
collection holds only uploads not yet swept, so it stays small.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from pymongo.errors import DuplicateKeyError

from servicekit.mongo import unavailable_when_down

from ..domain.uploads import Upload
from .mongo_repository import RegistrationDoc

TAKEN = "taken:"


def _upload(d: dict) -> Upload:
    return Upload(d["_id"], d["sha256"], d["size"], d["file_name"], d["clerk"],
                  d["issued_at"].replace(tzinfo=dt.timezone.utc), d.get("multipart"))


@unavailable_when_down
class MongoUploadLedger:
    @property
    def _uploads(self):
        return RegistrationDoc._get_collection().database["uploads"]

    def record(self, upload: Upload) -> None:
        self._uploads.insert_one({"_id": upload.id, "sha256": upload.sha256, "size": upload.size,
                                  "file_name": upload.file_name, "clerk": upload.clerk,
                                  "issued_at": upload.issued_at.astimezone(dt.timezone.utc).replace(tzinfo=None),
                                  **({"multipart": upload.multipart} if upload.multipart else {})})

    def get(self, upload_id: str) -> Optional[Upload]:
        found = self._uploads.find_one({"_id": upload_id}) if not upload_id.startswith(TAKEN) else None
        return _upload(found) if found else None

    def holder(self, upload_id: str) -> Optional[str]:
        found = self._uploads.find_one({"_id": TAKEN + upload_id})
        return found["holder"] if found else None

    def take(self, upload_id: str, holder: str) -> str:
        try:
            self._uploads.insert_one({"_id": TAKEN + upload_id, "holder": holder})
            return holder
        except DuplicateKeyError:
            return self.holder(upload_id) or holder  # forgotten meanwhile: swept, and then refused

    def issued_before(self, cutoff: dt.datetime) -> list[Upload]:
        limit = cutoff.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return [_upload(d) for d in self._uploads.find({"issued_at": {"$lt": limit}})]

    def forget(self, upload_id: str) -> None:
        for key in (TAKEN + upload_id, upload_id):  # by _id each: FerretDB scans for $in
            self._uploads.delete_one({"_id": key})
