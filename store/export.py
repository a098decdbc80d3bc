"""Export community rows in the canonical columns: CSV (UTF-8 with BOM, formulas neutralised), XLSX, Parquet."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl

from store.columns import CANONICAL
from store.db import Database, StoreError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}


def neutralise_formulas(df: pl.DataFrame) -> pl.DataFrame:
    """Prefix ' to text cells a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start)."""
    exprs = []
    for name, dtype in df.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            risky = pl.any_horizontal([col.str.starts_with(s) for s in FORMULA_STARTS]).fill_null(False)
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return df.with_columns(exprs) if exprs else df


def to_csv_bytes(df: pl.DataFrame) -> bytes:
    """CSV as UTF-8 with BOM (Excel shows Chinese), formula cells neutralised."""
    buf = io.BytesIO()
    neutralise_formulas(df).write_csv(buf, include_bom=True)
    return buf.getvalue()


def to_xlsx_bytes(df: pl.DataFrame, sheet_name: str = "data") -> bytes:
    """One-sheet XLSX via xlsxwriter; text is never turned into a formula or a link."""
    import xlsxwriter

    buf = io.BytesIO()
    safe_sheet = "".join("_" if ch in "[]:*?/\\" else ch for ch in sheet_name)[:31] or "data"
    with xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}) as wb:
        neutralise_formulas(df).write_excel(wb, worksheet=safe_sheet, autofit=True, float_precision=6)
    return buf.getvalue()


def export_frame(db: Database, dataset_id: int | None = None) -> pl.DataFrame:
    """Community rows in canonical column order: one dataset, or every active dataset (newest wins on overlap).

    Reads the published snapshot, so it runs while imports do, and sees one state: before or after each."""
    cur = db.reader()
    try:
        with cur.snapshot():  # the dataset check and the rows from one snapshot
            return _export_rows(cur, dataset_id)
    finally:
        cur.close()


def _export_rows(cur: Any, dataset_id: int | None) -> pl.DataFrame:
    if dataset_id is None:
        from store.read import community_rows

        return community_rows(cur).select(list(CANONICAL))
    if not cur.execute("SELECT 1 FROM datasets WHERE dataset_id = ?", [dataset_id]).fetchall():
        raise StoreError(f"dataset {dataset_id} does not exist")
    cols = ", ".join(CANONICAL)  # fixed names from store.columns
    rel = cur.sql(
        f"SELECT {cols} FROM community_rows WHERE dataset_id = ? ORDER BY district_id, street, community, source_row",
        params=[dataset_id],
    )
    return pl.from_arrow(rel.to_arrow_table())  # type: ignore[return-value]


def write_export(df: pl.DataFrame, out: Path) -> None:
    """Write to OUT by its suffix (.csv, .xlsx, .parquet); written to a temporary name, then renamed."""
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise StoreError(f"cannot export to {out.name}: use .csv, .xlsx or .parquet")
    if not out.parent.exists():
        raise StoreError(f"folder {out.parent} does not exist")
    tmp = out.with_name(out.name + ".part")
    if fmt == "csv":
        tmp.write_bytes(to_csv_bytes(df))
    elif fmt == "xlsx":
        tmp.write_bytes(to_xlsx_bytes(df, "community_rows"))
    else:
        df.write_parquet(tmp)
    tmp.replace(out)


def export_cli(db: Database, args: Any) -> int:
    """`python -m store export OUT [--dataset ID]`: 0 written, 2 refused (unknown dataset, bad suffix or folder)."""
    out = Path(args.out)
    try:
        df = export_frame(db, getattr(args, "dataset", None))
        write_export(df, out)
    except StoreError as exc:
        print(f"refused: {exc}")
        return 2
    print(f"exported {df.height} community rows to {out}")
    return 0
