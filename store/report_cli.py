"""python -m store extract|accept|withdraw|export-facts: a report's figures from its file to published facts.

extract: 0 with the candidates written (none found is still 0), 2 when the report yields no text (empty,
unreadable, encrypted, a PDF without a text layer), the message naming the file.
accept: publishes the rows of a candidates CSV whose `accepted` column is true (true, yes, 1, x, ✓, 是),
or every row when the file has no `accepted` column (a file curated by hand: a deleted row is a rejected
one). 0 published, 2 refused with every problem by row and column (nothing written).
withdraw: 0 withdrawn, 2 refused (no such active report). export-facts: 0 written, 2 refused.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import polars as pl

from store.db import Database, StoreError
from store.export import FORMULA_STARTS

EXIT_OK, EXIT_REFUSED = 0, 2


def extract_cli(args: Any) -> int:
    from figures.extract import extract, load_localities
    from figures.readers import DocumentError, read_path
    from store.export import to_csv_bytes

    try:
        doc = read_path(args.report)
        localities = load_localities(args.localities) if args.localities else None
        result = extract(doc, localities, source_id=args.source_id)
    except DocumentError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as exc:  # never a traceback
        print(f"refused: {Path(args.report).name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    data = to_csv_bytes(result.frame())
    if args.out:
        out = Path(args.out)
        if not out.parent.exists():
            print(f"refused: folder {out.parent} does not exist", file=sys.stderr)
            return EXIT_REFUSED
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(out)
        print(result.summary())
        print(f"wrote {len(result.candidates)} candidates to {out}")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        print(result.summary(), file=sys.stderr)
    return EXIT_OK


def read_candidates(path: Path) -> pl.DataFrame:
    """A candidates CSV as strings: UTF-8 (with or without BOM) or GBK as Excel may save it; the ' that
    neutralised a formula-looking cell on export is taken off again."""
    from figures.readers import decode_text

    text = decode_text(path.read_bytes(), path.name)
    df = pl.read_csv(io.StringIO(text), infer_schema=False)
    return df.with_columns(
        pl.when(pl.col(c).str.starts_with("'") & pl.col(c).str.slice(1, 1).is_in(list(FORMULA_STARTS)))
        .then(pl.col(c).str.slice(1)).otherwise(pl.col(c)).alias(c)
        for c in df.columns
    )


def report_cli(db: Database, args: Any, who: str) -> int:
    from store.reports import ReportRefused, accepted_rows, export_facts, publish, withdraw

    try:
        if args.command == "accept":
            path = Path(args.candidates)
            if not path.is_file():
                raise StoreError(f"no candidates file {path}")
            rows = accepted_rows(read_candidates(path))
            data = text = name = None
            if args.file:
                from figures.readers import DocumentError, read_bytes

                report = Path(args.file)
                try:
                    data = report.read_bytes()
                    text = read_bytes(data, report.name).text
                except (OSError, DocumentError) as exc:
                    raise StoreError(f"{report.name}: {exc}") from None
                name = report.name
            done = publish(db, rows, title=args.title, author=args.issuer, issued=args.date, file_name=name, data=data,
                           source_text=text, replaces=args.replaces, actor=who)
            again = f", superseding version {done.superseded}" if done.superseded else ""
            print(f"published {done.facts} facts as source {done.source_id} (version {done.version_id}{again})")
            if text is None:
                print("note: no --file given: the evidence was not checked against the report's text")
            return EXIT_OK
        if args.command == "withdraw":
            version = withdraw(db, args.source_id, actor=who)
            print(f"withdrew {args.source_id} (version {version}); its facts no longer show")
            return EXIT_OK
        n = export_facts(db, Path(args.out))
        print(f"exported {n} facts to {args.out}")
        return EXIT_OK
    except ReportRefused as exc:
        print("refused: nothing was published", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_REFUSED
    except StoreError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
