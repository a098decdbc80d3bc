"""Import a community dataset: validate everything first, report every problem at once, then write in one transaction."""

from __future__ import annotations

import csv
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from store import rules
from store.access import Actor, Permission, require
from store.columns import CANONICAL, NUMERIC
from store.db import ROOT, Database, StoreError
from store.headers import canonical_for, is_personal_header
from store.readers import ReadError, max_upload_bytes, read_table, safe_name

I18N_FILE = ROOT / "data" / "i18n" / "import.csv"
# access.*: upload limits raised by the readers; localities.csv: ambiguous locality names (store/rules.py)
I18N_FILES = (I18N_FILE, ROOT / "data" / "i18n" / "access.csv", ROOT / "data" / "i18n" / "localities.csv")
REPORT_LIMIT = 2000  # the CLI prints at most this many problem rows (the result always holds them all)


# ---- messages -----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _messages() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for path in I18N_FILES:
        with path.open(encoding="utf-8", newline="") as fh:
            out.update({row["key"]: {"zh": row["zh"], "en": row["en"]} for row in csv.DictReader(fh)})
    return out


def message(key: str, lang: str = "zh", **params: object) -> str:
    """The import.* message for `key` in `lang` (zh, en), formatted; the key itself if unknown."""
    entry = _messages().get(key)
    if entry is None:
        return key + (" " + repr(params) if params else "")
    text = entry.get(lang) or entry["zh"]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


# ---- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One line of the report: where (file, sheet, row as a person sees it, column header) and why."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    reason: str
    key: str = ""  # message key, stable across languages (tests and the UI use it)
    field: str | None = None  # the canonical column, when the problem is about one


@dataclass
class Validation:
    """What validating a file found, before anything is written."""

    file: str
    sha256: str
    size: int
    lang: str = "zh"
    format: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    rows: int = 0
    period: str | None = None
    scope_id: str | None = None
    scope_name: str | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    frame: pl.DataFrame | None = None  # rows ready to store (source_row, city_id, district_id, canonical columns)
    personal_data: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_frame(self, warnings: bool = False) -> pl.DataFrame:
        """Problems (or warnings) as a table for display: file, sheet, row, column, value, reason."""
        items = self.warnings if warnings else self.problems
        return problems_frame(items)


@dataclass
class ImportResult:
    ok: bool
    duplicate: bool = False
    dataset_id: int | None = None
    rows: int = 0
    period: str | None = None
    scope_id: str | None = None
    sheet: str | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    file_name: str = ""
    superseded: list[int] = field(default_factory=list)
    dry_run: bool = False


@dataclass(frozen=True)
class RollbackResult:
    dataset_id: int
    reactivated: list[int]


def problems_frame(items: list[Problem]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "file": [p.file for p in items],
            "sheet": [p.sheet for p in items],
            "row": [p.row for p in items],
            "column": [p.column for p in items],
            "value": [p.value for p in items],
            "reason": [p.reason for p in items],
        },
        schema={"file": pl.String, "sheet": pl.String, "row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String},
    )


# ---- validation ---------------------------------------------------------------------------------
def validate_bytes(
    data: bytes,
    name: str,
    localities: pl.DataFrame,
    *,
    sheet: str | None = None,
    lang: str = "zh",
) -> Validation:
    """Validate a file's bytes against the known localities; nothing is written. Never raises on bad input."""
    v = Validation(file=safe_name(name), sha256=hashlib.sha256(data).hexdigest(), size=len(data), lang=lang)
    try:
        _validate(v, data, localities, sheet)
    except ReadError as exc:
        v.problems.append(_problem(v, None, None, None, exc.key, exc.params))
    except Exception as exc:  # a reader or polars choking on hostile input: a reason, never a traceback
        v.problems.append(_problem(v, None, None, None, "import.err.unreadable", {"detail": f"{type(exc).__name__}: {exc}"[:300]}))
    if v.problems:
        v.frame = None
    return v


def _problem(v: Validation, row: int | None, column: str | None, value: Any, key: str, params: dict, *, field_: str | None = None) -> Problem:
    return Problem(
        file=v.file,
        sheet=v.sheet,
        row=row,
        column=column,
        value=None if value is None else str(value),
        reason=message(key, v.lang, **params),
        key=key,
        field=field_,
    )


def _validate(v: Validation, data: bytes, localities: pl.DataFrame, sheet: str | None) -> None:
    table = read_table(data, v.file, sheet=sheet)
    v.format, v.encoding, v.sheet, v.sheets = table.format, table.encoding, table.sheet, table.sheets
    for key, params in table.notes:
        v.warnings.append(_problem(v, None, None, None, key, params))
    frame = table.frame
    data_cols = [c for c in frame.columns if c != "__row"]

    # 1. headers: canonical, unknown, personal, doubled
    mapped: dict[str, str] = {}  # canonical -> position column
    header_of: dict[str, str] = {}  # canonical -> header text as in the file
    personal: list[Problem] = []
    for i, header in enumerate(table.headers):
        col = f"c{i}"
        text = "" if header is None else str(header).strip()
        canonical = canonical_for(text) if text else None
        if text and is_personal_header(text):
            personal.append(_problem(v, table.header_row or None, text, None, "import.rule.personal_column", {"column": text}))
            continue
        if canonical is None:
            if text:
                v.warnings.append(_problem(v, table.header_row or None, text, None, "import.warn.unknown_column", {"column": text}))
            elif frame.get_column(col).drop_nulls().str.strip_chars().str.len_chars().gt(0).any():
                v.warnings.append(_problem(v, table.header_row or None, f"#{i + 1}", None, "import.warn.unnamed_column", {"position": i + 1}))
            continue
        if canonical in mapped:
            v.problems.append(
                _problem(v, table.header_row or None, text, None, "import.rule.duplicate_column",
                         {"column": text, "other": header_of[canonical], "canonical": canonical}, field_=canonical)
            )
            continue
        mapped[canonical] = col
        header_of[canonical] = text

    # 2. personal data anywhere refuses the file; the report masks the values
    if data_cols:
        for c in data_cols:
            hit = rules.personal_cells(frame.get_column(c))
            if not hit.any():
                continue
            i = int(c[1:])
            label = str(table.headers[i] or f"#{i + 1}")
            for row, value in frame.filter(hit).select("__row", c).iter_rows():
                personal.append(_problem(v, row, label, rules.mask(value), "import.rule.personal_value", {"column": label}))
    if personal:
        v.personal_data = True
        v.problems = sorted(personal, key=lambda p: (p.row or 0, p.column or ""))
        return

    # 3. blank rows vanish; total rows are dropped with a warning
    if data_cols:
        frame = frame.filter(~rules.blank_row_expr(data_cols))
        text_cols = [c for c in data_cols if canonical_for(table.headers[int(c[1:])] or "") not in NUMERIC]
        is_total = rules.total_rows(frame, text_cols)
        totals = frame.filter(is_total)
        for row in totals.get_column("__row").to_list():
            v.warnings.append(_problem(v, row, None, None, "import.warn.total_row", {"row": row}))
        frame = frame.filter(~is_total)
    if frame.height == 0:
        v.problems.append(_problem(v, None, None, None, "import.err.no_rows", {}))
        return

    # 4. types and row rules
    raw = frame.select(pl.col("__row"), *[pl.col(col).alias(canonical) for canonical, col in mapped.items()])
    findings = rules.check_required_columns(mapped, table.header_row or None)
    typed = rules.prepare(raw)
    findings += rules.check_rows(typed)
    findings += rules.check_single_period(typed)

    # 5. localities
    index = rules.LocalityIndex(localities)
    if index.empty():
        findings.append(rules.Finding(None, None, "import.rule.no_localities"))
    else:
        typed, found = rules.resolve_localities(typed, index)
        findings += found
        flagged = {f.row for f in findings if f.key == "import.rule.duplicate_row" and f.row is not None}
        findings += rules.resolved_duplicates(typed, flagged)

    order = {c: i for i, c in enumerate(CANONICAL)}
    findings.sort(key=lambda f: (f.row or 0, order.get(f.column or "", -1), f.key))
    for f in findings:
        column = header_of.get(f.column or "", f.column)
        params = dict(f.params)
        if "whole" in params:  # name the other column as the file names it
            params["whole"] = header_of.get(str(params["whole"]), params["whole"])
        v.problems.append(_problem(v, f.row, column, f.value, f.key, params, field_=f.column))
    v.rows = typed.height
    if v.problems:
        return

    periods = typed.get_column("period").unique().to_list()
    v.period = periods[0] if len(periods) == 1 else None
    v.scope_id = rules.scope_of(index, typed.get_column("district_id").to_list(), typed.get_column("city_id").to_list())
    if v.scope_id is None:
        v.problems.append(_problem(v, None, None, None, "import.rule.no_common_scope", {}))
        return
    v.scope_name = index.name.get(v.scope_id, v.scope_id)
    out = rules.typed_output(typed)
    ids = typed.select("city_id", "district_id")
    v.frame = pl.concat([out.select(pl.col("__row").cast(pl.Int32).alias("source_row")), ids, out.drop("__row")], how="horizontal")


# ---- the write path ---------------------------------------------------------------------------
def _localities(db: Database) -> pl.DataFrame:
    from store.read import localities

    cur = db.reader()
    try:
        return localities(cur)
    finally:
        cur.close()


def _active_duplicate(db: Database, sha256: str, sheet: str | None) -> tuple | None:
    """An active dataset made from these exact bytes (and, for a workbook, from this sheet)."""
    cur = db.reader()
    try:
        rows = cur.execute(
            "SELECT dataset_id, rows, period, scope_id, sheet FROM datasets WHERE sha256 = ? AND status = 'active' "
            "AND sheet IS NOT DISTINCT FROM ? ORDER BY dataset_id DESC LIMIT 1",
            [sha256, sheet],
        ).fetchall()
    finally:
        cur.close()
    return rows[0] if rows else None


def already_imported(db: Database, sha256: str, sheet: str | None = None) -> int | None:
    """The active dataset holding exactly these bytes (by SHA-256; for a workbook, the same sheet), if any."""
    dup = _active_duplicate(db, sha256, sheet)
    return int(dup[0]) if dup else None


def _log(cur: Any, action: str, who: str, *, file_name: str | None = None, sha256: str | None = None,
         dataset_id: int | None = None, rows: int | None = None, problems: int | None = None, text: str | None = None) -> None:
    cur.execute(
        "INSERT INTO import_log (log_id, logged_at, action, file_name, sha256, dataset_id, rows, problems, who, message) "
        "VALUES (nextval('import_log_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [datetime.now(), action, file_name, sha256, dataset_id, rows, problems, who, text],
    )


def import_bytes(
    db: Database,
    data: bytes,
    name: str,
    *,
    who: str | Actor | None = None,
    actor: Actor | None = None,
    synthetic: bool = False,
    dry_run: bool = False,
    sheet: str | None = None,
    lang: str = "zh",
) -> ImportResult:
    """Validate, then (unless dry_run or refused) store the file, its dataset and rows in ONE transaction.

    `actor` (or `who`: an Actor, or a plain name for the local operator acting as administrator) must
    have the import permission (validate for a dry run); PermissionDenied is raised before anything is read.
    """
    acting = require(actor if actor is not None else who, Permission.VALIDATE if dry_run else Permission.IMPORT)
    who = acting.name
    file_name = safe_name(name)
    if len(data) > max_upload_bytes():  # before hashing or looking anything up
        return _refused(file_name, lang, dry_run, "access.upload.too_large", size_mb=f"{len(data) / 2**20:.1f}",
                        limit_mb=f"{max_upload_bytes() / 2**20:.0f}")
    sha = hashlib.sha256(data).hexdigest()

    def duplicate(dup: tuple) -> ImportResult:  # nothing changes, not even the log (bootstrap runs stay idempotent)
        return ImportResult(ok=True, duplicate=True, dataset_id=dup[0], rows=dup[1], period=dup[2], scope_id=dup[3],
                            sheet=dup[4], file_name=file_name, dry_run=dry_run)

    dup = _active_duplicate(db, sha, sheet)  # same bytes (and the sheet asked for): nothing to do
    if dup is not None:
        return duplicate(dup)
    index_frame = _localities(db)
    v = validate_bytes(data, file_name, index_frame, sheet=sheet, lang=lang)
    if v.ok and sheet is None and v.sheet is not None:  # a workbook: the same sheet, chosen automatically
        dup = _active_duplicate(db, sha, v.sheet)
        if dup is not None:
            return duplicate(dup)
    result = ImportResult(ok=v.ok, rows=v.rows, period=v.period, scope_id=v.scope_id, sheet=v.sheet,
                          problems=v.problems, warnings=v.warnings, file_name=file_name, dry_run=dry_run)
    if not v.ok:
        if not dry_run:
            first = v.problems[0].reason if v.problems else None
            with db.transaction() as cur:  # the refusal is logged on its own; no data table is touched
                _log(cur, "refuse", who, file_name=file_name, sha256=sha, rows=v.rows, problems=len(v.problems), text=first)
        return result
    if dry_run:
        return result
    assert v.frame is not None and v.period is not None and v.scope_id is not None
    index = rules.LocalityIndex(index_frame)
    result.dataset_id, result.superseded = _write(db, data, v, index, who=who, synthetic=synthetic)
    return result


def _refused(name: str, lang: str, dry_run: bool, key: str, **params: object) -> ImportResult:
    """A refusal about the file as a whole, decided before it is read or validated; nothing is written."""
    problem = Problem(file=name, sheet=None, row=None, column=None, value=None, reason=message(key, lang, **params), key=key)
    return ImportResult(ok=False, problems=[problem], file_name=name, dry_run=dry_run)


_ROW_COLUMNS = ("dataset_id", "source_row", "city_id", "district_id", *CANONICAL)


def _write(db: Database, data: bytes, v: Validation, index: rules.LocalityIndex, *, who: str, synthetic: bool) -> tuple[int, list[int]]:
    assert v.frame is not None
    with db.transaction() as cur:
        again = cur.execute(
            "SELECT dataset_id FROM datasets WHERE sha256 = ? AND status = 'active' AND sheet IS NOT DISTINCT FROM ?",
            [v.sha256, v.sheet],
        ).fetchall()
        if again:  # another session imported the same bytes a moment ago
            raise StoreError(f"{v.file} was imported as dataset {again[0][0]} a moment ago")
        cur.execute("INSERT INTO files (sha256, size, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [v.sha256, len(data), data])
        dataset_id = int(cur.execute("SELECT nextval('dataset_ids')").fetchall()[0][0])
        active = cur.execute("SELECT dataset_id, scope_id FROM datasets WHERE status = 'active' AND period = ?", [v.period]).fetchall()
        superseded = sorted(int(d) for d, scope in active if index.within(str(scope), str(v.scope_id)))
        note = ("superseded " + ",".join(map(str, superseded))) if superseded else None
        cur.execute(
            "INSERT INTO datasets (dataset_id, scope_id, period, file_name, sha256, sheet, rows, imported_at, imported_by, "
            "synthetic, status, supersedes, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)",
            [dataset_id, v.scope_id, v.period, v.file, v.sha256, v.sheet, v.frame.height, datetime.now(), who,
             synthetic, superseded[-1] if superseded else None, note],
        )
        rows = v.frame.with_columns(pl.lit(dataset_id, dtype=pl.Int32).alias("dataset_id")).select(_ROW_COLUMNS)
        cols = ", ".join(_ROW_COLUMNS)  # fixed column names from store.columns, never user text
        cur.register("_import_rows", rows.to_arrow())
        try:
            cur.execute(f"INSERT INTO community_rows ({cols}) SELECT {cols} FROM _import_rows")
        finally:
            cur.unregister("_import_rows")
        if superseded:
            cur.execute("UPDATE datasets SET status = 'superseded' WHERE dataset_id IN (SELECT unnest(?::INTEGER[]))", [superseded])
        _log(cur, "import", who, file_name=v.file, sha256=v.sha256, dataset_id=dataset_id, rows=v.frame.height,
             problems=0, text=note)
    return dataset_id, superseded


def import_file(
    db: Database,
    path: str | Path,
    *,
    who: str | Actor | None = None,
    actor: Actor | None = None,
    synthetic: bool = False,
    dry_run: bool = False,
    sheet: str | None = None,
    lang: str = "zh",
    original_name: str | None = None,
) -> ImportResult:
    """Import a file from disk (see import_bytes); a missing, unreadable or oversized file is a refusal, not an exception."""
    acting = require(actor if actor is not None else who, Permission.VALIDATE if dry_run else Permission.IMPORT)
    p = Path(path)
    name = safe_name(original_name or p.name)
    try:
        size = p.stat().st_size
        if size > max_upload_bytes():  # refused before a byte is read into memory
            return _refused(name, lang, dry_run, "access.upload.too_large", size_mb=f"{size / 2**20:.1f}",
                            limit_mb=f"{max_upload_bytes() / 2**20:.0f}")
        data = p.read_bytes()
    except OSError as exc:
        return _refused(name, lang, dry_run, "import.err.cannot_open", detail=exc.strerror or type(exc).__name__)
    return import_bytes(db, data, name, actor=acting, synthetic=synthetic, dry_run=dry_run, sheet=sheet, lang=lang)


# ---- rollback -----------------------------------------------------------------------------------
def rollback_dataset(db: Database, dataset_id: int, who: str | Actor | None = None, *, actor: Actor | None = None) -> RollbackResult:
    """Mark an active dataset rolled back and reactivate what it superseded, in one logged transaction.

    The actor (or `who`, as in import_bytes) must have the rollback permission: PermissionDenied otherwise,
    before the database is touched.
    """
    who = require(actor if actor is not None else who, Permission.ROLLBACK).name
    with db.transaction() as cur:
        found = cur.execute("SELECT status, supersedes, note, file_name, sha256, rows FROM datasets WHERE dataset_id = ?", [dataset_id]).fetchall()
        if not found:
            raise StoreError(f"dataset {dataset_id} does not exist")
        status, supersedes, note, file_name, sha, rows = found[0]
        if status != "active":
            raise StoreError(f"dataset {dataset_id} is {status}, not active; only an active dataset can be rolled back")
        earlier = {int(x) for x in re.findall(r"\d+", note or "")} if (note or "").startswith("superseded") else set()
        if supersedes is not None:
            earlier.add(int(supersedes))
        cur.execute("UPDATE datasets SET status = 'rolled_back' WHERE dataset_id = ?", [dataset_id])
        reactivated: list[int] = []
        if earlier:
            reactivated = sorted(
                int(r[0])
                for r in cur.execute(
                    "SELECT dataset_id FROM datasets WHERE status = 'superseded' AND dataset_id IN (SELECT unnest(?::INTEGER[]))",
                    [sorted(earlier)],
                ).fetchall()
            )
        if reactivated:
            cur.execute("UPDATE datasets SET status = 'active' WHERE dataset_id IN (SELECT unnest(?::INTEGER[]))", [reactivated])
        text = ("reactivated " + ",".join(map(str, reactivated))) if reactivated else None
        _log(cur, "rollback", who, file_name=file_name, sha256=sha, dataset_id=dataset_id, rows=rows, text=text)
    return RollbackResult(dataset_id=dataset_id, reactivated=reactivated)


# ---- command line -------------------------------------------------------------------------------
def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _cell(value: object, limit: int = 60) -> str:
    s = "" if value is None else str(value).replace("\r", " ").replace("\n", " ")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def format_report(items: list[Problem], lang: str = "zh", limit: int = REPORT_LIMIT) -> str:
    """Problems as an aligned text table: file, sheet, row, column, value, reason."""
    heads = [message(f"import.col.{c}", lang) for c in ("file", "sheet", "row", "column", "value", "reason")]
    body = [[_cell(p.file, 40), _cell(p.sheet, 20), "" if p.row is None else str(p.row), _cell(p.column, 30), _cell(p.value, 30), _cell(p.reason, 200)]
            for p in items[:limit]]
    widths = [max([_width(h)] + [_width(r[i]) for r in body]) for i, h in enumerate(heads)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(heads), line(["-" * w for w in widths])] + [line(r) for r in body]
    if len(items) > limit:
        out.append(message("import.cli.more", lang, n=len(items) - limit))
    return "\n".join(out)


def import_cli(db: Database, args: Any, who: str) -> int:
    """`python -m store import PATH`: 0 imported (or already imported), 2 refused with a report, 1 unexpected."""
    lang = getattr(args, "lang", "zh") or "zh"
    result = import_file(db, args.path, who=who, synthetic=bool(getattr(args, "synthetic", False)),
                         dry_run=bool(getattr(args, "dry_run", False)), sheet=getattr(args, "sheet", None), lang=lang)
    if result.duplicate:
        print(message("import.cli.duplicate", lang, file=result.file_name, dataset_id=result.dataset_id))
        return 0
    if not result.ok:
        print(message("import.cli.refused", lang, file=result.file_name, n=len(result.problems)))
        print(format_report(result.problems, lang))
        if result.warnings:
            print()
            print(message("import.cli.warnings", lang, n=len(result.warnings)))
            print(format_report(result.warnings, lang))
        return 2
    if result.warnings:
        print(message("import.cli.warnings", lang, n=len(result.warnings)))
        print(format_report(result.warnings, lang))
    if result.dry_run:
        print(message("import.cli.dry_run_ok", lang, file=result.file_name, rows=result.rows, period=result.period,
                      scope=result.scope_id, sheet=result.sheet or "—"))
        return 0
    print(message("import.cli.imported", lang, file=result.file_name, rows=result.rows, dataset_id=result.dataset_id,
                  period=result.period, scope=result.scope_id, sheet=result.sheet or "—"))
    if result.superseded:
        print(message("import.cli.superseded", lang, ids=", ".join(map(str, result.superseded))))
    sys.stdout.flush()
    return 0


def rollback_cli(db: Database, args: Any, who: str) -> int:
    """`python -m store rollback DATASET_ID`: 0 rolled back, 2 refused (unknown or not active)."""
    try:
        result = rollback_dataset(db, int(args.dataset_id), who)
    except StoreError as exc:
        print(f"refused: {exc}")
        return 2
    again = ", ".join(map(str, result.reactivated)) or "none"
    print(f"rolled back dataset {result.dataset_id}; reactivated: {again}")
    return 0
