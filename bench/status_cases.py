"""`python -m bench.status_cases [--quick]`: status's cases for the benchmark journal's
registrations (bench/journal.py), in a database of their own (``delovod_bench_status_<n>``),
so that the desk's stage and overdue filters and the officials' lists are measured over as
many cases as the journal holds (bench/desk.py).

One case per loaded registration, with the same index, registration time, kind and subject
(the journal's generator is deterministic in all four; a sample is checked against the loaded
journal), each moved through the domain's own ``Case.assign`` and ``Case.move_to`` to a stage
that depends on its age at the journal's last day (2026-12-01): cases older than two months
mostly closed (a few answered, appealed, suspended, and 1.5 % still worked on, so late), those
of the last two months half done, the last two weeks' mostly registered, assigned or in
progress. Officials are 40: the demo accounts stoyan and elena (deploy/local/ldap/seed.ldif)
and 38 others, each with an equal share. Due dates are the registry's own: the kind's default
term (registry.domain.terms) counted from the registration day on the Bulgarian working
calendar. A few percent of the cases run late when measured in December 2026; later, more.

The cases are written in bulk (``insert_many`` of 1,000) in exactly the stored form
``status.adapters.mongo_repository`` writes: each is ``CaseDoc(**_fields(case)).to_mongo()``,
what its ``create`` inserts. Then ``python -m status.stage_index_backfill`` is run over the
database (its settings pointed there), which fills the stage index (and whatever other
indexes that command fills). Loaded once and reused: a marker document (``bench_load``) keeps
a hash of the stored form's code and of the backfill's; a change of the first reloads the
cases, of the second runs the backfill again. Dropping the database removes it."""
from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / p) for p in ("proto", "libs", "services") if str(ROOT / p) not in sys.path]

from delovod_proto.vocabulary import CaseStage, DocumentKind  # noqa: E402

MONGO = "mongodb://127.0.0.1:27017/"
TZ = ZoneInfo("Europe/Sofia")
UTC = dt.timezone.utc
AS_OF = dt.date(2026, 12, 1)  # the loaded journal's last day: the cases' ages are counted to it
DEMO_OFFICIALS = [("stoyan", "Стоян Георгиев", "Дирекция „Екология“"),
                  ("elena", "Елена Маринова", "Дирекция „Строителство и благоустройство“")]
FIRST_NAMES = ["Иван", "Мария", "Георги", "Десислава", "Николай", "Росица", "Петър", "Светла", "Димитър", "Цветелина",
               "Калин", "Милена", "Васил", "Гергана", "Асен", "Надежда", "Красимир", "Теодора", "Борис"]
LAST_NAMES = ["Петров", "Иванов", "Стоянов", "Колев", "Николов", "Тодоров", "Димитров", "Атанасов"]
UNITS = ["Дирекция „Екология“", "Дирекция „Строителство и благоустройство“", "Дирекция „Транспорт“",
         "Дирекция „Местни данъци и такси“", "Дирекция „Административно обслужване“"]
OFFICIALS_N = 40
# The stage a case is left in, by its age at AS_OF (days): (stage, weight); "running" stages
# keep the term going, so such a case is late once its due date has passed.
SPREAD = [
    (60, [(CaseStage.CLOSED, 965), (CaseStage.ANSWERED, 10), (CaseStage.APPEALED, 3),
          (CaseStage.RECONSIDERATION_REQUESTED, 2), (CaseStage.SUSPENDED, 3), (CaseStage.AWAITING_CITIZEN, 2),
          (CaseStage.IN_PROGRESS, 10), (CaseStage.EXTENDED, 3), (CaseStage.ASSIGNED, 2)]),
    (14, [(CaseStage.CLOSED, 600), (CaseStage.ANSWERED, 150), (CaseStage.IN_PROGRESS, 120), (CaseStage.EXTENDED, 20),
          (CaseStage.ASSIGNED, 30), (CaseStage.AWAITING_CITIZEN, 40), (CaseStage.SUSPENDED, 40)]),
    (-10**6, [(CaseStage.REGISTERED, 250), (CaseStage.ASSIGNED, 200), (CaseStage.IN_PROGRESS, 300),
          (CaseStage.AWAITING_CITIZEN, 80), (CaseStage.SUSPENDED, 40), (CaseStage.ANSWERED, 100),
          (CaseStage.CLOSED, 30)]),
]
# How a case gets to its stage (each step through Case.move_to, after the assignment).
PATHS = {
    CaseStage.REGISTERED: [],
    CaseStage.ASSIGNED: [],
    CaseStage.IN_PROGRESS: [CaseStage.IN_PROGRESS],
    CaseStage.EXTENDED: [CaseStage.IN_PROGRESS, CaseStage.EXTENDED],
    CaseStage.SUSPENDED: [CaseStage.IN_PROGRESS, CaseStage.SUSPENDED],
    CaseStage.AWAITING_CITIZEN: [CaseStage.IN_PROGRESS, CaseStage.AWAITING_CITIZEN],
    CaseStage.ANSWERED: [CaseStage.IN_PROGRESS, CaseStage.ANSWERED],
    CaseStage.CLOSED: [CaseStage.IN_PROGRESS, CaseStage.ANSWERED, CaseStage.CLOSED],
    CaseStage.APPEALED: [CaseStage.IN_PROGRESS, CaseStage.ANSWERED, CaseStage.APPEALED],
    CaseStage.RECONSIDERATION_REQUESTED: [CaseStage.IN_PROGRESS, CaseStage.ANSWERED,
                                          CaseStage.RECONSIDERATION_REQUESTED],
}
REASONS = {CaseStage.SUSPENDED: "Изчаква се становище от друг орган", CaseStage.EXTENDED: "Нужна е проверка на място",
           CaseStage.AWAITING_CITIZEN: "Моля, представете скица на имота",
           CaseStage.RECONSIDERATION_REQUESTED: "Гражданинът не е съгласен с отговора",
           CaseStage.APPEALED: "Обжалвано пред Административен съд – София"}


def database_uri(n: int) -> str:
    return f"{MONGO}delovod_bench_status_{n}"


def officials():
    from status.domain.case import Official

    rnd = random.Random(13)
    out = [Official(u, name, unit, email=f"{u}@delovod.local") for u, name, unit in DEMO_OFFICIALS]
    while len(out) < OFFICIALS_N:
        username = f"official{len(out) + 1:02d}"
        out.append(Official(username, f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}", rnd.choice(UNITS),
                            email=f"{username}@delovod.local"))
    return out


def _pick(rnd: random.Random, weighted):
    return rnd.choices([s for s, _ in weighted], [w for _, w in weighted])[0]


class _Terms:
    """The registry's default term of each kind, from a registration day (its working calendar)."""

    def __init__(self):
        from registry.domain.calendar import WorkingCalendar
        from registry.domain.terms import DEFAULT_RULES

        self.rules, self.calendar, self.known = DEFAULT_RULES, WorkingCalendar(), {}

    def __call__(self, kind: str, day: dt.date):
        key = (kind, day)
        if key not in self.known:
            from registry.domain.terms import compute_due

            rule = self.rules[DocumentKind(kind)]
            due = compute_due(dt.datetime.combine(day, dt.time(9)), rule, self.calendar)
            self.known[key] = (due.due_date, due.unit, due.raw_end)
        return self.known[key]


def cases(n: int):
    """The ``n`` cases of the journal's ``n`` registrations, each moved to its stage."""
    from bench import journal
    from status.domain.case import Actor, Case, HistoryEntry, StageChangeRefused
    from status.domain.kinds import stages_of
    from status.domain.stage_sets import StageSetRef

    rnd, terms, staff = random.Random(2027), _Terms(), officials()
    for r in journal.registrations(n):
        kind, registered_at = r.command.kind.value, r.registered_at
        day = registered_at.astimezone(TZ).date()
        due, unit, term_end = terms(kind, day)
        case = Case(r.index, r.command.subject, kind, registered_at, due, "bench-access-code-hash",
                    CaseStage.REGISTERED, [HistoryEntry(CaseStage.REGISTERED, registered_at)],
                    term_unit=unit, term_end=term_end, stage_set=StageSetRef(kind, 1))
        age = (AS_OF - day).days
        stage = _pick(rnd, next(weights for older_than, weights in SPREAD if age > older_than))
        if stage not in stages_of(kind):  # ЗДОИ is never suspended, a proposal never appealed
            stage = CaseStage.IN_PROGRESS
        if stage != CaseStage.REGISTERED:
            official = rnd.choice(staff)
            # the steps spread over the case's age (the last one before AS_OF), a day apart at least
            span = max(1, min(age, 40))
            at = registered_at + dt.timedelta(hours=rnd.uniform(1, 20))
            by = Actor(official.username, official.name)
            case.assign(official, at, by=Actor("maria", "Мария Димитрова"))
            for step in PATHS[stage]:
                at += dt.timedelta(days=rnd.uniform(0.2, span / (len(PATHS[stage]) + 1)))
                extended = None
                if step == CaseStage.EXTENDED:
                    extended = case.due_date + dt.timedelta(days=14)
                try:
                    case.move_to(step, at, REASONS.get(step), today=at.astimezone(TZ).date(), due_date=extended,
                                 by=by)
                except StageChangeRefused:
                    break  # the kind's set leaves the step out: the case stays where it got to
        yield case


def _stored_form_hash() -> str:
    from status.adapters import mongo_repository as repo

    parts = [inspect.getsource(getattr(repo, name)) for name in ("CaseDoc", "_fields", "_step", "_official_doc")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _backfill_hash() -> str:
    text = b"".join((ROOT / "services" / "status" / p).read_bytes()
                    for p in ("stage_index_backfill.py", "adapters/mongo_repository.py"))
    return hashlib.sha256(text).hexdigest()[:16]


def stored(case) -> dict:
    """The case as ``MongoCaseRepository.create`` stores it (version 1, an empty outbox)."""
    from servicekit.mongo_outbox import outbox_fields
    from status.adapters.mongo_repository import CaseDoc, _fields

    return CaseDoc(id=case.case_index, version=1, **_fields(case), **outbox_fields([])).to_mongo().to_dict()


def load(db, n: int) -> tuple[float, dict]:
    """Insert the ``n`` cases, 1,000 at a time; (seconds, cases by stage)."""
    started, batch, by_stage = time.perf_counter(), [], {}
    for case in cases(n):
        by_stage[case.stage.value] = by_stage.get(case.stage.value, 0) + 1
        batch.append(stored(case))
        if len(batch) == 1000:
            db["cases"].insert_many(batch, ordered=False)
            batch = []
    if batch:
        db["cases"].insert_many(batch, ordered=False)
    return round(time.perf_counter() - started, 1), by_stage


def backfill(n: int) -> float:
    """``python -m status.stage_index_backfill`` over the benchmark's status database, its
    MongoDB operation timeout raised to 30 minutes (status's 10 s ends its read of 100,000
    cases under load: "mongodb is unavailable: NetworkTimeout")."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("proto", "libs", "services")),
           "DELOVOD_STATUS_MONGO_URI": database_uri(n), "OTEL_TRACES_EXPORTER": "none",
           # its one read of every case outlasts the services' 10 s bound on 100,000 cases (an
           # operator's one-off: they would raise it too)
           "DELOVOD_STATUS_MONGO_OPERATION_TIMEOUT_MS": "1800000",
           "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "status.stage_index_backfill"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"stage_index_backfill failed ({done.returncode}): {done.stderr[-2000:]}")
    return round(time.perf_counter() - started, 1)


def _check_against_journal(n: int) -> None:
    """A sample of the cases must be the loaded journal's registrations (same index, time, kind)."""
    from pymongo import MongoClient

    from bench import journal

    with MongoClient(MONGO, serverSelectionTimeoutMS=10_000) as client:
        regs = client[journal.database_uri(n).rsplit("/", 1)[1]]["registrations"]
        generated = {}
        for i, r in enumerate(journal.registrations(n)):
            if i in (0, n // 2, n - 1):  # three reads by a field FerretDB scans for: at load only
                generated[r.index] = r.registered_at
        for index, at in generated.items():
            doc = regs.find_one({"index": index}, {"registered_at": 1})
            if doc is None:
                raise RuntimeError(f"the loaded journal has no {index}: load it again (python -m bench.journal)")
            stored_at = doc["registered_at"].replace(tzinfo=UTC)
            if abs((stored_at - at.astimezone(UTC)).total_seconds()) > 0.001:
                raise RuntimeError(f"{index}: registered at {stored_at} in the journal, {at} here")


def ensure_loaded(n: int) -> dict:
    """The status database of ``n`` cases, loaded (and backfilled) if it is not there or was
    written by another version of the stored form (or of the backfill); what was done, with
    the seconds it took (``load_s``, ``backfill_s``: None when there was nothing to do)."""
    from pymongo import MongoClient

    form, filled = _stored_form_hash(), _backfill_hash()
    name = database_uri(n).rsplit("/", 1)[1]
    done = {"database": name, "cases": n, "load_s": None, "backfill_s": None}
    with MongoClient(MONGO, serverSelectionTimeoutMS=10_000) as client:
        db = client[name]
        marker = db["bench_load"].find_one({"_id": "cases"}) or {}
        if marker.get("form") != form or db["cases"].estimated_document_count() != n:
            _check_against_journal(n)
            client.drop_database(name)
            load_before = round(os.getloadavg()[0], 2)
            done["load_s"], by_stage = load(db, n)
            marker = {"_id": "cases", "form": form, "n": n, "load_s": done["load_s"], "by_stage": by_stage,
                      "load_1min": [load_before, round(os.getloadavg()[0], 2)]}
            db["bench_load"].replace_one({"_id": "cases"}, marker, upsert=True)
        if marker.get("backfill") != filled:
            load_before = round(os.getloadavg()[0], 2)
            done["backfill_s"] = backfill(n)
            db["bench_load"].update_one({"_id": "cases"}, {"$set": {
                "backfill": filled, "backfill_s": done["backfill_s"],
                "backfill_load_1min": [load_before, round(os.getloadavg()[0], 2)]}})
        marker = db["bench_load"].find_one({"_id": "cases"})
        done.update(by_stage=marker["by_stage"],
                    as_loaded={k: marker.get(k) for k in ("load_s", "load_1min", "backfill_s", "backfill_load_1min")})
    return done


def main() -> int:
    n = 10_000 if "--quick" in sys.argv else 100_000
    print(ensure_loaded(n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
