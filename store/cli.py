"""Command line: python -m store bootstrap|import|export|rollback. Exit 0 done, 2 refused, 1 unexpected."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from store.db import StoreError, close_database, db_path, open_database

EXIT_OK, EXIT_UNEXPECTED, EXIT_REFUSED = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m store", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("bootstrap", help="build the database from data/")
    b.add_argument("--db", help="database path (default: $GOV_DB or data/gov.duckdb)")

    i = sub.add_parser("import", help="import a community dataset (CSV, XLSX, Parquet)")
    i.add_argument("path")
    i.add_argument("--db")
    i.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
    i.add_argument("--sheet", help="XLSX sheet to read (default: the first that holds a roster)")
    i.add_argument("--synthetic", action="store_true", help="flag the dataset as synthetic sample data")
    i.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the problem report")

    e = sub.add_parser("export", help="export community rows (.csv UTF-8 with BOM, .xlsx, .parquet)")
    e.add_argument("out")
    e.add_argument("--dataset", type=int, help="dataset id (default: all active datasets)")
    e.add_argument("--db")

    r = sub.add_parser("rollback", help="roll back an active dataset and reactivate the version it superseded")
    r.add_argument("dataset_id", type=int)
    r.add_argument("--db")
    return p


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "cli"


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    path = db_path(args.db)
    try:
        if args.command == "bootstrap":
            from store.bootstrap import bootstrap

            result = bootstrap(open_database(path))
            summary = ", ".join(f"{t} {n}" for t, n in result.counts.items())
            print(f"bootstrapped {path}: {summary}; sample datasets imported {result.samples_imported}")
            return EXIT_OK
        if args.command == "import":
            from store.importer import import_cli

            return import_cli(open_database(path), args, who=_who())
        if args.command == "export":
            from store.export import export_cli

            return export_cli(open_database(path), args)
        if args.command == "rollback":
            from store.importer import rollback_cli

            return rollback_cli(open_database(path), args, who=_who())
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
    except Exception as exc:  # the promise is: no traceback for the user, a reason instead
        print(f"unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
    finally:
        close_database(path)
    return EXIT_UNEXPECTED
