"""Import a community dataset: validate everything first, report every problem at once, then write in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from store import rules
from store.access import Actor, Permission, require
from store.columns import CANONICAL, NUMERIC
from store.db import Database, StoreError
from store.headers import canonical_for, is_personal_header
from store.preview import ImportPreview, PreviewRefused, build_preview, relabel, visible_keys
from store.readers import ReadError, max_upload_bytes, read_table, safe_name
from store.supersede import CompleteForError, resolve_locality
from text.messages import message


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
    columns: list[str] = field(default_factory=list)  # the canonical columns the file has
    header_map: list[tuple[str, str]] = field(default_factory=list)  # (header as in the file, canonical column)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_frame(self, warnings: bool = False) -> pl.DataFrame:
        """Problems (or warnings) as a table for display: file, sheet, row, column, value, reason."""
        items = self.warnings if warnings else self.problems
        return problems_frame(items)


@dataclass
class ImportResult:
    """What an import did, or would do (dry run), or why it did nothing.

    `preview` says what changes (store/preview.py). Not ok and nothing written when: the file was
    refused (`problems`); a second confirmation was needed and not given (`unconfirmed`); or the
    store changed since the preview the person confirmed (`stale`, with the new preview).
    """

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
    superseded: list[int] = field(default_factory=list)  # datasets of which nothing shows any more
    dry_run: bool = False
    preview: ImportPreview | None = None
    unconfirmed: bool = False
    stale: bool = False


@dataclass(frozen=True)
class RollbackResult:
    dataset_id: int
    reactivated: list[int]  # datasets active again
    restored: int = 0       # rows showing again (what the dataset had replaced)
    withdrawn: int = 0      # rows of the dataset that stop showing


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
    v.columns = [c for c in CANONICAL if c in mapped]
    v.header_map = [(header_of[c], c) for c in v.columns]

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
    index = rules.locality_index(localities)
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


def _active_duplicate(db: Database, sha256: str, sheet: str | None, complete_for: str | None = None) -> tuple | None:
    """An active dataset made from these exact bytes (for a workbook, from this sheet), imported as the
    complete roster of the same place (or of none)."""
    cur = db.reader()
    try:
        rows = cur.execute(
            "SELECT dataset_id, rows, period, scope_id, sheet FROM datasets WHERE sha256 = ? AND status = 'active' "
            "AND sheet IS NOT DISTINCT FROM ? AND complete_for IS NOT DISTINCT FROM ? ORDER BY dataset_id DESC LIMIT 1",
            [sha256, sheet, complete_for],
        ).fetchall()
    finally:
        cur.close()
    return rows[0] if rows else None


def already_imported(db: Database, sha256: str, sheet: str | None = None, complete_for: str | None = None) -> int | None:
    """The active dataset holding exactly these bytes (by SHA-256; for a workbook, the same sheet), imported
    as the complete roster of `complete_for` (a locality_id, or None for a partial roster), if any."""
    dup = _active_duplicate(db, sha256, sheet, complete_for)
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
    complete_for: str | None = None,
    confirmed: bool = False,
    expect: str | None = None,
) -> ImportResult:
    """Validate, preview, then (unless dry_run, refused or unconfirmed) store the file, its dataset, rows
    and coverage in ONE transaction.

    The import replaces, for its period, the communities the file holds; with `complete_for` (a city
    or district, by code or name) it is that place's complete roster and its other communities stop
    showing (a county or county-level city only when the file names it). A preview that needs a second
    confirmation (store/preview.py) is written only with `confirmed`. `expect`: the token of the
    preview the person saw; when the plan made inside the transaction differs, nothing is written.

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

    index_frame = _localities(db)
    complete_id = None
    if complete_for:
        try:
            complete_id = resolve_locality(complete_for, index_frame)
        except CompleteForError as exc:
            return _refused(file_name, lang, dry_run, exc.key, **exc.params)
    dup = _active_duplicate(db, sha, sheet, complete_id)  # same bytes (and sheet, and roster claim): nothing to do
    if dup is not None:
        return duplicate(dup)
    v = validate_bytes(data, file_name, index_frame, sheet=sheet, lang=lang)
    if v.ok and sheet is None and v.sheet is not None:  # a workbook: the same sheet, chosen automatically
        dup = _active_duplicate(db, sha, v.sheet, complete_id)
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
    assert v.frame is not None and v.period is not None and v.scope_id is not None
    try:
        if dry_run:
            result.preview = preview_import(db, v, index_frame, complete_for=complete_id, lang=lang)
            return result
        _write(db, data, v, index_frame, result, who=who, synthetic=synthetic, lang=lang,
               complete_for=complete_id, confirmed=confirmed, expect=expect)
    except PreviewRefused as exc:
        result.ok = False
        result.problems = [Problem(file=v.file, sheet=v.sheet, row=None, column=None, value=None,
                                   reason=message(exc.key, lang, **exc.params), key=exc.key)]
    return result


def preview_import(
    db: Database, v: Validation, localities: pl.DataFrame | None = None, *, complete_for: str | None = None, lang: str = "zh"
) -> ImportPreview:
    """What importing a valid Validation would change now (nothing is written). Raises PreviewRefused
    when the file cannot be the complete roster asked for."""
    loc = _localities(db) if localities is None else localities
    cur = db.reader()
    try:
        with cur.snapshot():  # the period's datasets, rows and coverage as one state
            return build_preview(cur, v, loc, complete_for=complete_for, lang=lang)
    finally:
        cur.close()


def _refused(name: str, lang: str, dry_run: bool, key: str, **params: object) -> ImportResult:
    """A refusal about the file as a whole, decided before it is read or validated; nothing is written."""
    problem = Problem(file=name, sheet=None, row=None, column=None, value=None, reason=message(key, lang, **params), key=key)
    return ImportResult(ok=False, problems=[problem], file_name=name, dry_run=dry_run)


_ROW_COLUMNS = ("dataset_id", "source_row", "city_id", "district_id", *CANONICAL)


def _note(p: ImportPreview) -> str | None:
    """For people reading the history (nothing parses it): what the import replaced."""
    parts = []
    if p.complete_for:
        parts.append(f"complete roster of {p.complete_for}")
    if p.datasets:
        parts.append("rows replaced: " + ", ".join(f"{d.dataset_id}x{d.replaced}" for d in p.datasets))
    return "; ".join(parts) or None


def _write(db: Database, data: bytes, v: Validation, localities: pl.DataFrame, result: ImportResult, *, who: str,
           synthetic: bool, lang: str, complete_for: str | None, confirmed: bool, expect: str | None) -> None:
    assert v.frame is not None and v.period is not None
    with db.transaction() as cur:
        again = cur.execute(
            "SELECT dataset_id FROM datasets WHERE sha256 = ? AND status = 'active' AND sheet IS NOT DISTINCT FROM ? "
            "AND complete_for IS NOT DISTINCT FROM ?",
            [v.sha256, v.sheet, complete_for],
        ).fetchall()
        if again:  # another session imported the same bytes a moment ago
            raise StoreError(f"{v.file} was imported as dataset {again[0][0]} a moment ago")
        # the plan, made again under the write lock: what is written is what the preview said
        plan = build_preview(cur, v, localities, complete_for=complete_for, lang=lang)
        result.preview = plan
        if expect is not None and plan.token != expect:
            result.ok, result.stale = False, True
            return
        if plan.needs_confirmation and not confirmed:
            result.ok, result.unconfirmed = False, True
            return
        cur.execute("INSERT INTO files (sha256, size, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [v.sha256, len(data), data])
        dataset_id = int(cur.execute("SELECT nextval('dataset_ids')").fetchall()[0][0])
        note = _note(plan)
        cur.execute(
            "INSERT INTO datasets (dataset_id, scope_id, period, file_name, sha256, sheet, rows, imported_at, imported_by, "
            "synthetic, status, supersedes, note, complete_for) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', NULL, ?, ?)",
            [dataset_id, v.scope_id, v.period, v.file, v.sha256, v.sheet, v.frame.height, datetime.now(), who,
             synthetic, note, plan.complete_for],
        )
        rows = v.frame.with_columns(pl.lit(dataset_id, dtype=pl.Int32).alias("dataset_id")).select(_ROW_COLUMNS)
        cols = ", ".join(_ROW_COLUMNS)  # fixed column names from store.columns, never user text
        cur.register("_import_rows", rows.to_arrow())
        try:
            cur.execute(f"INSERT INTO community_rows ({cols}) SELECT {cols} FROM _import_rows")
        finally:
            cur.unregister("_import_rows")
        covered = list(plan.covered_ids)
        if covered:
            cur.execute(
                "INSERT INTO dataset_coverage (dataset_id, period, district_id) "
                "SELECT ?, ?, unnest(?::VARCHAR[])", [dataset_id, v.period, covered],
            )
        result.superseded, _ = relabel(cur, v.period)
        _log(cur, "import", who, file_name=v.file, sha256=v.sha256, dataset_id=dataset_id, rows=v.frame.height,
             problems=0, text=note)
    result.dataset_id = dataset_id


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
    complete_for: str | None = None,
    confirmed: bool = False,
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
    return import_bytes(db, data, name, actor=acting, synthetic=synthetic, dry_run=dry_run, sheet=sheet, lang=lang,
                        complete_for=complete_for, confirmed=confirmed)


# ---- rollback -----------------------------------------------------------------------------------
def rollback_dataset(db: Database, dataset_id: int, who: str | Actor | None = None, *, actor: Actor | None = None) -> RollbackResult:
    """Mark an active dataset rolled back, in one logged transaction: what it covered shows again unless
    another import covers it, i.e. exactly what it replaced (the datasets' rows and dataset_coverage say
    what; nothing is parsed from the note).

    The actor (or `who`, as in import_bytes) must have the rollback permission: PermissionDenied otherwise,
    before the database is touched.
    """
    who = require(actor if actor is not None else who, Permission.ROLLBACK).name
    with db.transaction() as cur:
        found = cur.execute("SELECT status, period, file_name, sha256, rows FROM datasets WHERE dataset_id = ?", [dataset_id]).fetchall()
        if not found:
            raise StoreError(f"dataset {dataset_id} does not exist")
        status, period, file_name, sha, rows = found[0]
        if status != "active":
            raise StoreError(f"dataset {dataset_id} is {status}, not active; only an active dataset can be rolled back")
        before = visible_keys(cur, period)
        cur.execute("UPDATE datasets SET status = 'rolled_back' WHERE dataset_id = ?", [dataset_id])
        _, reactivated = relabel(cur, period)
        after = visible_keys(cur, period)
        restored = after.join(before, on=["dataset_id", "district_id", "community"], how="anti").height
        withdrawn = before.filter(pl.col("dataset_id") == dataset_id).height
        text = f"rows showing again: {restored}" + (("; reactivated " + ",".join(map(str, reactivated))) if reactivated else "")
        _log(cur, "rollback", who, file_name=file_name, sha256=sha, dataset_id=dataset_id, rows=rows, text=text)
    return RollbackResult(dataset_id=dataset_id, reactivated=reactivated, restored=restored, withdrawn=withdrawn)
