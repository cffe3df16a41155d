"""Stage sets as admins keep them (issue 14 item 1): version 1 of every kind's set seeded from
the code's rules, new versions from an admin (who, why, from when; the version they edited, so
two admins do not overwrite each other), and the version a case is bound to at registration."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Callable, Optional, Protocol
from zoneinfo import ZoneInfo

from delovod_proto.vocabulary import CaseStage, DocumentKind
from servicekit import logs

from ..domain import stage_sets as rules
from ..domain.stage_sets import StageLabels, StageSet, StageSetRef, StageSetRefused

log = logging.getLogger(__name__)


class VersionTaken(Exception):
    """Another version with this key and number was written first."""


class StageSetNotFound(LookupError):
    pass


class StaleVersion(Exception):
    """The version an admin edited is no longer the newest: ``latest`` is."""

    def __init__(self, latest: StageSet):
        super().__init__(f"latest is {latest.version}")
        self.latest = latest


class AbstractStageSetRepository(Protocol):
    def add(self, stage_set: StageSet) -> None:
        """Insert a version; :class:`VersionTaken` if its key and number exist."""

    def history(self, key: str) -> list[StageSet]:
        """Every version of the set, the oldest first ([] for an unknown key)."""

    def get(self, key: str, version: int) -> Optional[StageSet]: ...

    def keys(self) -> list[str]:
        """Every set's key."""


class StageSets:
    def __init__(self, repo: AbstractStageSetRepository,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc), tz: str = "Europe/Sofia"):
        self.repo, self.clock, self.tz = repo, clock, ZoneInfo(tz)
        self._bound: dict[tuple[str, int], StageSet] = {}  # versions never change: kept once read
        self._lock = threading.Lock()

    def seed(self) -> int:
        """Version 1 of every kind's set, from the code (idempotent: a kind that has one keeps it;
        replicas starting together race on the version's unique key, and one wins)."""
        added = 0
        for kind in rules.CASE_KINDS:
            if self.repo.get(rules.kind_key(kind.value), 1) is None:
                try:
                    self.repo.add(rules.default_set(kind.value))
                    added += 1
                except VersionTaken:
                    pass
        if added:
            logs.event(log, "stage_sets_seeded", count=added)
        return added

    # -- binding -----------------------------------------------------------------------------
    def in_force(self, kind: str, service_code: Optional[str], at: dt.datetime) -> StageSet:
        """The set a case registered at ``at`` is bound to: its catalogue service's own set if it
        has one in force then, else its kind's (version 1 from the code if none is stored)."""
        if service_code:
            found = rules.in_force(self.repo.history(rules.service_key(service_code)), at)
            # a service's set was checked against the law for its own kind: a case of another
            # kind (a complaint naming the service, say) keeps its kind's set
            if found is not None and found.kind == kind:
                return found
        return rules.in_force(self.repo.history(rules.kind_key(kind)), at) or rules.default_set(kind)

    def bound(self, ref: Optional[StageSetRef], kind: str) -> StageSet:
        """The version a case is bound to; a case opened before sets existed (no binding) is read
        with version 1 of its kind's set."""
        ref = ref or StageSetRef(rules.kind_key(kind), 1)
        with self._lock:
            found = self._bound.get((ref.key, ref.version))
        if found is None:
            found = self.repo.get(ref.key, ref.version)
            if found is None and (ref.key, ref.version) == (rules.kind_key(kind), 1):
                return rules.default_set(kind)  # a v1 not seeded yet (tests, a first start): the code's own
            if found is None:  # never another set's rules in silence: the case's own are missing
                raise LookupError(f"stage set {ref.key}@{ref.version} bound to a case is missing")
            with self._lock:
                self._bound[(ref.key, ref.version)] = found
        return found

    # -- admins ------------------------------------------------------------------------------
    def latest_of_each(self) -> list[StageSet]:
        """The newest version of every set: the kinds first (in the vocabulary's order), then
        the services by code."""
        order = {rules.kind_key(k.value): i for i, k in enumerate(rules.CASE_KINDS)}
        latest = [h[-1] for h in (self.repo.history(k) for k in self.repo.keys()) if h]
        return sorted(latest, key=lambda s: (order.get(s.key, len(order)), s.key))

    def versions(self, key: str) -> list[StageSet]:
        found = self.repo.history(key)
        if not found:
            raise StageSetNotFound(f"Няма набор от етапи „{key}“.")
        return found

    def create(self, key: str, based_on: int, stages: dict[CaseStage, StageLabels],
               transitions: dict[CaseStage, frozenset], reason: Optional[str], author: str,
               valid_from: Optional[dt.date] = None, kind: Optional[str] = None) -> StageSet:
        """A new version of the set ``key`` from the admin ``author``. ``based_on``: the version
        they edited (0 for a service's first set): :class:`StaleVersion` if another was written
        since. Valid from now, or from the start of ``valid_from`` (today or later, local time).
        Raises :class:`StageSetRefused` with the broken rules, :class:`StageSetNotFound`."""
        set_kind, code = rules.parse_key(key)
        if set_kind is None and code is None:
            raise StageSetNotFound(f"Няма набор от етапи „{key}“: ключът е вид документ или service:<код на услуга>.")
        history = self.repo.history(key)
        latest = history[-1] if history else None
        if latest is None and code is None:
            raise StageSetNotFound(f"Няма набор от етапи „{key}“.")
        if (latest.version if latest else 0) != based_on:
            if latest is None:
                raise StageSetRefused("Наборът от етапи не може да бъде записан.",
                                      [{"field": "based_on", "message": "Услугата още няма свой набор: based_on е 0."}])
            raise StaleVersion(latest)
        set_kind = latest.kind if latest else (set_kind or kind or DocumentKind.SERVICE_APPLICATION.value)
        now = self.clock()
        start = now
        if valid_from is not None:
            today = now.astimezone(self.tz).date()
            if valid_from < today:
                raise StageSetRefused("Наборът от етапи не може да бъде записан.", [
                    {"field": "valid_from", "message": "Версия не може да важи от минала дата: вече регистрираните "
                                                       "преписки пазят своята версия."}])
            if valid_from > today:
                start = dt.datetime.combine(valid_from, dt.time(), self.tz).astimezone(dt.timezone.utc)
        rules.check(set_kind, stages, transitions, reason)
        created = StageSet(set_kind, code, based_on + 1, start, dict(stages), dict(transitions), author,
                           reason.strip(), now)
        try:
            self.repo.add(created)
        except VersionTaken:
            raise StaleVersion(self.repo.history(key)[-1]) from None
        logs.event(log, "stage_set_version_added", key=key, version=created.version, by=author)
        return created


class _NothingStored:
    """No stored versions: every case gets version 1 of its kind's set, from the code."""

    def add(self, stage_set: StageSet) -> None:
        raise VersionTaken(stage_set.key)

    def history(self, key: str) -> list[StageSet]:
        return []

    def get(self, key: str, version: int) -> Optional[StageSet]:
        return None

    def keys(self) -> list[str]:
        return []


def code_only() -> StageSets:
    """The sets of the code alone (a tracker built without a store: unit tests, tools)."""
    return StageSets(_NothingStored())
