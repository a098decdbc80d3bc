"""Reports added after the bundled five: publish reviewed candidate figures as a new source, withdraw it, export every fact.

A publication is one transaction: the original file (content-addressed in `files`, like a roster), a
version row in `report_versions` and its facts in `report_facts`, and a line in the import log (which
moves the data version, so every page reads again). Publishing again with `replaces` supersedes the
report's active version; withdrawing marks it withdrawn. Nothing is deleted: history stays.

Bootstrap rebuilds only the bundled tables (`sources`, `facts`), so added reports survive it;
store/read.py shows the active versions beside the bundled facts.

Who: publishing and withdrawing need the `publish` permission (analysts and administrators); the
check runs here, before the database is touched, whoever calls.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from store.access import Actor, Permission, require
from store.db import Database, StoreError
from store.levels import KINDS, kind_from_name

FACT_COLUMNS: tuple[str, ...] = (
    "fact_id", "source_id", "locality", "locality_level", "parent", "indicator", "subject", "value", "unit", "qualifier",
    "period", "evidence", "low", "high", "per", "period_kind", "bounds", "since", "counts", "theme", "subject_zh",
)
EXTRA_COLUMNS: tuple[str, ...] = ("adcode", "offset", "confidence", "context")
QUALIFIERS = ("exact", "more_than", "at_least", "about", "up_to")
PERS = ("", "year", "quarter", "month", "community", "street", "compound", "grid", "person")
PERIOD_KINDS = ("", "point", "annual", "cumulative", "unknown")
BOUNDS = ("", "[]", "[)", "(]", "()")
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x", "✓", "是", "接受", "采纳"})
MAX_EVIDENCE = 60  # a reviewer may lengthen the extractor's 40 characters a little, not paste a paragraph
_DATE = re.compile(r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$")


class ReportRefused(StoreError):
    """Candidate rows that cannot be published as they are; `problems` names each row and column."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:8]) + (f"; and {len(problems) - 8} more" if len(problems) > 8 else "")
        super().__init__(f"nothing was published: {shown}")


@dataclass
class Published:
    source_id: str
    version_id: int
    facts: int
    superseded: int | None = None
    fact_ids: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ rows
def accepted_rows(df: pl.DataFrame) -> pl.DataFrame:
    """The rows to publish: those whose `accepted` cell is true (true, yes, 1, x, ✓, 是) when the file has an
    `accepted` column; every row when it has none (a file edited by hand: a deleted row is a rejected one)."""
    if "accepted" not in df.columns:
        return df
    flag = pl.col("accepted").cast(pl.String).str.strip_chars().str.to_lowercase().is_in(list(TRUE_WORDS)).fill_null(False)
    return df.filter(flag)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(value: Any) -> Decimal | None:
    text = _text(value).replace(",", "")
    if not text:
        return None
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not d.is_finite():
        raise ValueError(text)
    return d


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def prepare(rows: list[dict], *, source_text: str | None = None, label: str = "candidates") -> tuple[list[dict], list[str]]:
    """Check and complete candidate rows for publishing: (rows, problems). A problem names the row (1 = the
    first data row) and the column. Completed: a missing interval is the loosest reading of the qualifier
    (figures/wording.py), a missing locality level comes from the name's suffix."""
    from figures.wording import interval

    out: list[dict] = []
    problems: list[str] = []
    flat_text = _squeeze(source_text) if source_text is not None else None
    for n, row in enumerate(rows, start=1):
        where = f"{label} row {n}"
        r = {c: _text(row.get(c)) for c in (*FACT_COLUMNS, "adcode", "context")}
        bad: list[str] = []
        try:
            value = _number(row.get("value"))
            if value is None:
                bad.append("column value: empty")
        except ValueError as exc:
            value = None
            bad.append(f"column value: {str(exc)[:30]!r} is not a number")
        if r["qualifier"] not in QUALIFIERS:
            bad.append(f"column qualifier: {r['qualifier']!r} is not one of {', '.join(QUALIFIERS)}")
        if not r["evidence"]:
            bad.append("column evidence: empty (every figure keeps the phrase it stands in)")
        elif len(r["evidence"]) > MAX_EVIDENCE:
            bad.append(f"column evidence: {len(r['evidence'])} characters, at most {MAX_EVIDENCE}")
        elif flat_text is not None and _squeeze(r["evidence"]) not in flat_text:
            bad.append(f"column evidence: {r['evidence'][:30]!r} is not in the report's text")
        if not r["locality"]:
            bad.append("column locality: empty")
        for col, allowed in (("per", PERS), ("period_kind", PERIOD_KINDS), ("bounds", BOUNDS)):
            if r[col] not in allowed:
                bad.append(f"column {col}: {r[col]!r} is not one of {', '.join(a for a in allowed if a)}")
        if r["locality_level"] and r["locality_level"] not in KINDS:
            bad.append(f"column locality_level: {r['locality_level']!r} is not a kind of store/levels.py")
        lows = {}
        for col in ("low", "high"):
            try:
                lows[col] = _number(row.get(col))
            except ValueError as exc:
                bad.append(f"column {col}: {str(exc)[:30]!r} is not a number")
        try:
            offset = int(float(_text(row.get("offset")))) if _text(row.get("offset")) else None
        except ValueError:
            offset = None
        try:
            confidence = float(_text(row.get("confidence"))) if _text(row.get("confidence")) else None
        except ValueError:
            confidence = None
        if bad:
            problems.extend(f"{where}, {b}" for b in bad)
            continue
        assert value is not None
        low, high = lows.get("low"), lows.get("high")
        if low is None and high is None and r["qualifier"] and not r["bounds"]:
            iv = interval(value, r["qualifier"], percent=r["unit"] == "%")
            low, high, r["bounds"] = iv.low, iv.high, iv.bounds
        if low is not None and high is not None and low > high:
            problems.append(f"{where}, columns low/high: low {low} is above high {high}")
            continue
        if not r["locality_level"]:
            r["locality_level"] = next((k for tier in ("district", "city", "province", "street", "community", "compound")
                                        if (k := kind_from_name(r["locality"], tier))), "") or "unknown"
            if r["locality_level"] not in KINDS:
                problems.append(f"{where}, column locality_level: empty, and the name {r['locality']!r} does not say it")
                continue
        r.update(value=float(value), low=None if low is None else float(low), high=None if high is None else float(high),
                 offset=offset, confidence=confidence)
        out.append(r)
    if not rows:
        problems.append(f"{label}: no rows to publish")
    return out, problems


# ------------------------------------------------------------------------------------------ writes
def publish(
    db: Database,
    rows: list[dict] | pl.DataFrame,
    *,
    title: str,
    actor: Actor | str | None,
    author: str | None = None,
    issued: str | None = None,
    file_name: str | None = None,
    data: bytes | None = None,
    source_text: str | None = None,
    replaces: str | None = None,
) -> Published:
    """Publish reviewed rows as the facts of a new source (or a new version of `replaces`), in one transaction.

    `data` is the original file, kept content-addressed; `source_text` its extracted text, against which
    every evidence is checked (whitespace ignored). ReportRefused lists every problem; nothing is written then.
    """
    who = require(actor, Permission.PUBLISH).name
    title = (title or "").strip()
    problems: list[str] = []
    if not title:
        problems.append("title: empty (a published source has a title)")
    if issued and not _DATE.match(issued.strip()):
        problems.append(f"date: {issued!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    listed = rows.to_dicts() if isinstance(rows, pl.DataFrame) else list(rows)
    ready, row_problems = prepare(listed, source_text=source_text)
    problems.extend(row_problems)
    if problems:
        raise ReportRefused(problems)
    sha = hashlib.sha256(data).hexdigest() if data is not None else None
    localities = ";".join(dict.fromkeys(r["locality"] for r in ready))
    with db.transaction() as cur:
        superseded = None
        if replaces:
            found = cur.execute(
                "SELECT version_id FROM report_versions WHERE source_id = ? AND status = 'active'", [replaces]).fetchall()
            if not found:
                raise StoreError(f"report {replaces} has no active version to replace")
            superseded = int(found[0][0])
            source_id = replaces
        else:
            source_id = _next_source_id(cur)
        version_id = int(cur.execute("SELECT nextval('report_version_ids')").fetchall()[0][0])
        if data is not None:
            cur.execute("INSERT INTO files (sha256, size, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [sha, len(data), data])
        now = datetime.now()
        if superseded is not None:
            cur.execute("UPDATE report_versions SET status = 'superseded', changed_at = ?, changed_by = ? WHERE version_id = ?",
                        [now, who, superseded])
        cur.execute(
            "INSERT INTO report_versions (version_id, source_id, title, author, issued, localities, file_name, sha256, facts, "
            "published_at, published_by, status, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)",
            [version_id, source_id, title, (author or "").strip() or None, (issued or "").strip() or None, localities,
             file_name, sha, len(ready), now, who, superseded],
        )
        fact_ids = []
        records = []
        for n, r in enumerate(ready, start=1):
            fact_id = f"{source_id}-{n:03d}"
            fact_ids.append(fact_id)
            records.append({**{c: (r[c] or None) if isinstance(r[c], str) else r[c] for c in FACT_COLUMNS},
                            "fact_id": fact_id, "source_id": source_id, "version_id": version_id,
                            "adcode": r["adcode"] or None, "text_offset": r["offset"], "confidence": r["confidence"],
                            "context": r["context"] or None})
        frame = pl.DataFrame(records, schema={
            "version_id": pl.Int32, **{c: pl.String for c in FACT_COLUMNS}, "value": pl.Float64, "low": pl.Float64,
            "high": pl.Float64, "adcode": pl.String, "text_offset": pl.Int32, "confidence": pl.Float64, "context": pl.String,
        })
        cols = ", ".join(frame.columns)  # fixed names from the constants above, never user text
        cur.register("_report_facts", frame.to_arrow())
        try:
            cur.execute(f"INSERT INTO report_facts ({cols}) SELECT {cols} FROM _report_facts")
        finally:
            cur.unregister("_report_facts")
        note = f"{source_id} version {version_id}: {title}" + (f" (replaces version {superseded})" if superseded else "")
        _log(cur, "publish_report", who, file_name, sha, len(ready), note)
    return Published(source_id=source_id, version_id=version_id, facts=len(ready), superseded=superseded, fact_ids=fact_ids)


def withdraw(db: Database, source_id: str, *, actor: Actor | str | None) -> int:
    """Withdraw an added report: its active version stops counting on every page. Returns the version id."""
    who = require(actor, Permission.PUBLISH).name
    with db.transaction() as cur:
        found = cur.execute(
            "SELECT version_id, file_name, sha256, facts, title FROM report_versions WHERE source_id = ? AND status = 'active'",
            [source_id]).fetchall()
        if not found:
            bundled = cur.execute("SELECT 1 FROM sources WHERE source_id = ?", [source_id]).fetchall()
            if bundled:
                raise StoreError(f"{source_id} is a bundled source (data/sources/): edit facts.csv instead of withdrawing it")
            raise StoreError(f"no published report {source_id} (or it was withdrawn already)")
        version_id, file_name, sha, facts, title = found[0]
        cur.execute("UPDATE report_versions SET status = 'withdrawn', changed_at = ?, changed_by = ? WHERE version_id = ?",
                    [datetime.now(), who, version_id])
        _log(cur, "withdraw_report", who, file_name, sha, facts, f"{source_id} version {version_id}: {title}")
    return int(version_id)


def _next_source_id(cur: Any) -> str:
    rows = cur.execute("SELECT source_id FROM report_versions").fetchall()
    numbers = [int(m.group(1)) for (s,) in rows if (m := re.fullmatch(r"R(\d+)", s or ""))]
    return f"R{(max(numbers) + 1 if numbers else 1):04d}"


def _log(cur: Any, action: str, who: str, file_name: str | None, sha: str | None, rows: int, text: str) -> None:
    cur.execute(
        "INSERT INTO import_log (log_id, logged_at, action, file_name, sha256, dataset_id, rows, problems, who, message) "
        "VALUES (nextval('import_log_ids'), ?, ?, ?, ?, NULL, ?, 0, ?, ?)",
        [datetime.now(), action, file_name, sha, rows, who, text],
    )


# ------------------------------------------------------------------------------------------ reads
def reports(db: Database) -> pl.DataFrame:
    """One row per version of an added report, newest first."""
    cur = db.reader()
    try:
        return pl.from_arrow(cur.sql("SELECT * FROM report_versions ORDER BY version_id DESC").to_arrow_table())  # type: ignore[return-value]
    finally:
        cur.close()


def export_facts_frame(db: Database) -> pl.DataFrame:
    """Every fact the pages show, bundled and added, in the columns of data/sources/facts.csv, sorted by fact_id."""
    from store.read import facts

    cur = db.reader()
    try:
        df = facts(cur)
    finally:
        cur.close()
    cols = [c for c in FACT_COLUMNS if c in df.columns] + [c for c in df.columns if c not in FACT_COLUMNS]
    return df.select(cols).with_columns(
        [_plain_number(c) for c in ("value", "low", "high") if c in df.columns]
    )


def _plain_number(col: str) -> pl.Expr:
    """Numbers as facts.csv writes them: 200000, not 200000.0; an integer-valued float without its .0."""
    c = pl.col(col)
    return (pl.when(c.is_null()).then(pl.lit(None, pl.String))
            .when(c == c.round(0)).then(c.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(c.cast(pl.String)).alias(col))


def export_facts(db: Database, out: Path) -> int:
    """Write every fact to OUT as CSV (UTF-8 with BOM, formula-looking cells neutralised); returns the row count."""
    from store.export import to_csv_bytes

    if out.suffix.lower() != ".csv":
        raise StoreError(f"cannot export facts to {out.name}: use .csv (the form of data/sources/facts.csv)")
    if not out.parent.exists():
        raise StoreError(f"folder {out.parent} does not exist")
    df = export_facts_frame(db)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(to_csv_bytes(df))
    tmp.replace(out)
    return df.height
