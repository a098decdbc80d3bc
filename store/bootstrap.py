"""Build (or refresh) the database from the curated files under data/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import re

import polars as pl

from store.db import DATA_DIR, Database, StoreError, schema_sql

# table -> (file under data/, column types besides strings)
REFERENCE: dict[str, tuple[str, dict[str, pl.DataType]]] = {
    "localities": ("localities.csv", {}),
    "sources": ("sources/sources.csv", {}),
    "facts": ("sources/facts.csv", {"value": pl.Float64(), "low": pl.Float64(), "high": pl.Float64()}),
    "indicators": ("indicators.csv", {"scale": pl.Float64(), "higher_is_better": pl.Boolean()}),
}
SAMPLES_DIR = "samples"


@dataclass(frozen=True)
class BootstrapResult:
    counts: dict[str, int]
    samples_imported: int


def read_reference(table: str, data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """A reference file as typed polars, in the table's column order; empty frame if the file is absent."""
    rel, types = REFERENCE[table]
    path = data_dir / rel
    if not path.exists():
        return pl.DataFrame()
    df = pl.read_csv(path, infer_schema=False, encoding="utf8")
    return df.with_columns(
        [pl.col(c).cast(t, strict=True) if not isinstance(t, pl.Boolean) else (pl.col(c).str.to_lowercase() == "true") for c, t in types.items() if c in df.columns]
    )


def bootstrap(db: Database, data_dir: Path = DATA_DIR, who: str = "bootstrap") -> BootstrapResult:
    """Replace the reference tables from data/ in one transaction, then import the sample datasets.

    Idempotent: reference tables are replaced wholesale, and the importer skips a file whose
    SHA-256 it already holds, so a second run changes nothing.
    """
    counts: dict[str, int] = {}
    with db.transaction() as cur:
        for table in REFERENCE:
            df = read_reference(table, data_dir)
            if table == "facts":
                check_facts(df)
            # Reference tables are replaced wholesale, so they are made anew from schema.sql: a database
            # built before a column or CHECK was added takes the new shape on its next bootstrap.
            cur.execute(f"DROP TABLE IF EXISTS {table}")  # table names come from the constant above
            cur.execute(_create_statement(table))
            if df.height:
                cols = ", ".join(_checked_columns(cur, table, df.columns))
                cur.register("_ref", df.to_arrow())
                cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _ref")
                cur.unregister("_ref")
            counts[table] = df.height
    samples = import_samples(db, data_dir / SAMPLES_DIR, who=who)
    return BootstrapResult(counts=counts, samples_imported=samples)


# Closed vocabularies of facts.csv (figures/wording.py states what each means); checked before the
# insert so a bad cell is named by row and column instead of by a constraint error.
FACT_VOCABULARY: dict[str, tuple[str, ...]] = {
    "qualifier": ("exact", "more_than", "at_least", "about", "up_to"),
    "per": ("year", "quarter", "month", "community", "street", "compound", "grid", "person"),
    "period_kind": ("point", "annual", "cumulative", "unknown"),
    "bounds": ("[]", "[)", "(]", "()"),
}


def check_facts(df: pl.DataFrame, rel: str = "data/sources/facts.csv") -> None:
    """StoreError naming the file, row (1 = the first data row) and column of the first cells outside
    their vocabulary, or of an interval whose low end lies above its high end."""
    problems = []
    for column, allowed in FACT_VOCABULARY.items():
        if column not in df.columns:
            continue
        bad = df.with_row_index("_row", offset=1).filter(
            pl.col(column).is_not_null() & ~pl.col(column).is_in(list(allowed))
        )
        problems += [f"row {r}, column {column}: {v!r} is not one of {allowed}" for r, v in bad.select("_row", column).rows()]
    if {"low", "high"} <= set(df.columns):
        bad = df.with_row_index("_row", offset=1).filter(pl.col("low") > pl.col("high"))
        problems += [f"row {r}, columns low/high: {lo} > {hi}" for r, lo, hi in bad.select("_row", "low", "high").rows()]
    if problems:
        raise StoreError(f"{rel}: " + "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))


def _create_statement(table: str) -> str:
    """The CREATE TABLE statement of one table, as store/schema.sql has it."""
    m = re.search(rf"CREATE TABLE IF NOT EXISTS {table} \(.*?\n\);", schema_sql(), re.S)
    if m is None:
        raise StoreError(f"store/schema.sql has no table {table}")
    return m.group(0)


def _checked_columns(cur, table: str, columns: list[str]) -> list[str]:
    """The file's header, refused unless every name is a column of the table (names go into SQL)."""
    known = {
        r[0]
        for r in cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()
    }
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise StoreError(f"data/{REFERENCE[table][0]}: unknown column(s) {unknown}; the table has {sorted(known)}")
    return columns


def import_samples(db: Database, samples_dir: Path, who: str) -> int:
    """Import every sample file through the same importer a user uses; returns how many were new."""
    if not samples_dir.is_dir():
        return 0
    try:
        from store.importer import import_file
    except ImportError:  # the importer arrives with its own module; until then there are no samples
        return 0
    new = 0
    for path in sorted(samples_dir.iterdir()):
        if path.suffix.lower() not in {".csv", ".xlsx", ".parquet"}:
            continue
        result = import_file(db, path, who=who, synthetic=True)
        if not result.ok:
            raise RuntimeError(f"sample dataset {path.name} was refused: {result.problems[:5]}")
        new += 0 if result.duplicate else 1
    return new
