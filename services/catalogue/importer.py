"""Import and export of the catalogue as JSON or CSV (``python -m catalogue.importer``).

CSV: one row per service; simple fields as text, nested fields (legal_basis,
required_documents, variants, unit, appeal, source, *_channels) as JSON in the cell.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path

NESTED = ("legal_basis", "required_documents", "variants", "unit", "appeal", "source",
          "request_channels", "result_channels")
NESTED = (*NESTED, "payment_methods", "other_sources")
COLUMNS = ("code", "register_id", "register_id_verified", "municipality", "name", "description",
           "who_may_apply", "competent_authority", "validity", "eservice", "eservice_url", *NESTED)


def read_rows(path: Path) -> list[dict]:
    raw = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return [_from_csv(r) for r in csv.DictReader(io.StringIO(raw))]
    data = json.loads(raw)
    return data["services"] if isinstance(data, dict) else data


def _from_csv(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if value in ("", None):
            continue
        if key in NESTED:
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError:
                parsed = value  # validation reports the field
            if parsed is not None:
                out[key] = parsed
        elif key in ("register_id_verified", "eservice"):
            out[key] = value.strip().lower() in ("1", "true", "да", "yes")
        else:
            out[key] = value
    return out


def write_rows(rows: list[dict], fmt: str, out) -> None:
    if fmt == "json":
        json.dump({"services": rows}, out, ensure_ascii=False, indent=2)
        return
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(k, row.get(k)) for k in COLUMNS})


def _cell(key: str, value):
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False) if key in NESTED else value


def main(argv=None) -> int:
    from tqdm import tqdm

    from .bootstrap import bootstrap
    from .domain.errors import ImportRejected
    from .service_layer.catalogue import validate_rows
    from .settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m catalogue.importer")
    sub = parser.add_subparsers(dest="cmd", required=True)
    imp = sub.add_parser("import", help="validate every row, then import all or nothing")
    imp.add_argument("file", type=Path, nargs="?",
                     help="default: the seed of the municipality the catalogue serves (DELOVOD_CATALOGUE_MUNICIPALITY)")
    imp.add_argument("--valid-from", type=dt.date.fromisoformat, default=None)
    imp.add_argument("--draft", action="store_true", help="create draft versions, invisible until published")
    imp.add_argument("--dry-run", action="store_true", help="print what would change against what is stored; write nothing")
    imp.add_argument("--overwrite-edits", action="store_true",
                     help="replace services whose latest version an operator made (default: keep them)")
    pub = sub.add_parser("publish", help="publish a draft version")
    pub.add_argument("code")
    pub.add_argument("version", type=int)
    exp = sub.add_parser("export")
    exp.add_argument("--format", choices=("json", "csv"), default="json")
    args = parser.parse_args(argv)
    settings = load_settings("catalogue.importer")
    if args.cmd == "import":
        args.file = args.file or settings.seed_path()
        try:
            rows = read_rows(args.file)
            validate_rows(rows, settings.municipality)  # the whole file, before anything connects
        except ImportRejected as rejected:
            return _rejected(rejected)
        except (OSError, ValueError, csv.Error, KeyError, TypeError) as exc:
            print(f"Файлът {args.file} не може да бъде прочетен: {exc}. Нищо не е внесено.", file=sys.stderr)
            return 1
    app = bootstrap(settings)
    if args.cmd == "export":
        write_rows([v.content.model_dump(mode="json") for v in app.catalogue.current()],
                   args.format, sys.stdout)
        return 0
    if args.cmd == "publish":
        v = app.catalogue.publish(args.code, args.version)
        print(f"published {v.code} version {v.version}, valid from {v.valid_from}")
        return 0
    print(coverage_report(rows, settings.municipality))
    diff = app.catalogue.diff(rows, args.overwrite_edits)
    print(diff_report(diff))
    if args.dry_run:
        print("dry run: nothing written")
        return 0
    valid_from = args.valid_from or _seed_date(args.file)
    try:
        with tqdm(total=len(rows), desc="import", unit="service", disable=len(rows) < 200) as bar:
            report = app.catalogue.import_rows(rows, valid_from=valid_from, progress=bar.update, draft=args.draft,
                                               overwrite_edits=args.overwrite_edits)
    except ImportRejected as rejected:
        return _rejected(rejected)
    print(f"catalogue import ({settings.municipality}): {len(report.created)} new versions, "
          f"{len(report.unchanged)} unchanged, {len(report.kept)} kept as an operator edited them")
    return 0


def coverage_report(rows: list[dict], municipality: str) -> str:
    """Per field of the national register's card, how many of the file's services have it."""
    from .domain.changes import coverage
    from .domain.model import ServiceContent

    contents = [ServiceContent.model_validate(r) for r in rows]
    lines = [f"{municipality}: {len(contents)} services; field coverage (services that have it):"]
    lines += [f"  {name:<22} {n:>4}/{len(contents)}" for name, n in coverage(contents).items()]
    conflicts = [c.code for c in contents if c.conflicts]
    lines.append(f"  sources in conflict     {len(conflicts):>4} {' '.join(conflicts)}".rstrip())
    return "\n".join(lines)


def diff_report(diff, width: int = 160) -> str:
    """Each service the import would add or change, with the fields that differ."""
    counts = {status: sum(d.status == status for d in diff) for status in ("new", "changed", "unchanged", "kept")}
    lines = [f"against what is stored: {counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged, "
             f"{counts['kept']} kept (an operator's version; --overwrite-edits replaces it)"]
    for d in diff:
        if d.status == "new":
            lines.append(f"  + {d.code}")
        elif d.status in ("changed", "kept"):
            who = (f" (version {d.latest.version} by {d.latest.changed_by}: kept)" if d.status == "kept" else "")
            lines.append(f"  {'~' if d.status == 'changed' else '!'} {d.code}{who}")
            lines += [f"      {c.field}: {_change(c.before, c.after, width)}" for c in d.changes]
    return "\n".join(lines)


def _change(before, after, width: int) -> str:
    """``before -> after`` as JSON, each cut to ``width`` around where they first differ."""
    old, new = json.dumps(before, ensure_ascii=False), json.dumps(after, ensure_ascii=False)
    same = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    start = max(0, same - width // 4) if max(len(old), len(new)) > width else 0
    return f"{_cut(old, start, width)} -> {_cut(new, start, width)}"


def _cut(text: str, start: int, width: int) -> str:
    part = text[start:start + width]
    return ("…" if start else "") + part + ("…" if start + width < len(text) else "")


def _rejected(rejected) -> int:
    for e in rejected.errors:
        print(f"ред {e.row}, поле {e.field}: {e.message}", file=sys.stderr)
    print(f"Нищо не е внесено: {len(rejected.errors)} грешки.", file=sys.stderr)
    return 1


def _seed_date(path: Path):
    """A seed file's ``meta.compiled_on``: its data is known valid from the day it was read."""
    if path.suffix.lower() != ".json":
        return None
    meta = json.loads(path.read_text(encoding="utf-8")).get("meta", {}) if path.exists() else {}
    day = meta.get("valid_from") or meta.get("compiled_on")
    return dt.date.fromisoformat(day) if day else None


if __name__ == "__main__":
    sys.exit(main())
