"""What notifications knows about a case beyond its recipient: enough to write a letter that
names the responsible official and the appeal route, to preview one before a transition, and
to escalate a missed term to the right unit. Built from the events only (DocumentRegistered,
CaseStatusChanged); nothing is asked of other services except the catalogue's appeal."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from pydantic import BaseModel, ConfigDict

from delovod_proto.events import Official
from delovod_proto.vocabulary import CaseStage


class CaseFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_index: str
    subject: Optional[str] = None
    kind: Optional[str] = None
    service_code: Optional[str] = None
    registered_on: Optional[dt.date] = None  # the administration's date: the catalogue version bound to the case
    unit: Optional[str] = None  # responsible unit from the catalogue (applications), else the official's unit
    stage: Optional[CaseStage] = None
    due: Optional[dt.date] = None
    official: Optional[Official] = None
    stage_labels: Optional[dict[CaseStage, str]] = None  # the public labels of the case's bound stage set (status)

    def responsible_unit(self) -> Optional[str]:
        return self.unit or (self.official.unit if self.official else None)
