"""Command line: python -m store bootstrap|import|export|reconcile|rollback|backup|restore|publish|user|extract|accept|withdraw|export-facts.

Exit 0 done, 2 refused (bad input: nothing changed), 1 cannot proceed or unexpected (store busy with
another write for longer than GOV_LOCK_WAIT, damaged, I/O). The CLI acts as the local operator, an
administrator. Every command works while dashboards serve: they read published snapshots
(store/publish.py); writes wait for each other on the store's writer lock.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from store.db import Database, StoreError, close_database, db_path, open_database

if TYPE_CHECKING:
    from store.importer import Problem
    from store.preview import ImportPreview

EXIT_OK, EXIT_UNEXPECTED, EXIT_REFUSED = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m store", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("bootstrap", help="build the database from data/")
    b.add_argument("--db", help="database path (default: $GOV_DB or data/gov.duckdb)")

    i = sub.add_parser("import", help="import a community dataset (CSV, XLSX, Parquet)")
    i.add_argument("path")
    i.add_argument("--db")
    i.add_argument("--dry-run", action="store_true", help="validate and print what would change; write nothing")
    i.add_argument("--complete-for", metavar="X",
                   help="the file is the complete roster of city or district X (name or code) for its period: "
                        "X's communities the file does not list stop showing (a county or county-level city only "
                        "when the file names it). Without it, only the file's own communities are replaced")
    i.add_argument("--yes", action="store_true",
                   help="confirm a change that needs a second confirmation (removes many communities, or touches "
                        "a district the file does not name); without it such an import exits 2 and writes nothing")
    i.add_argument("--sheet", help="XLSX sheet to read (default: the first that holds a roster)")
    i.add_argument("--synthetic", action="store_true", help="flag the dataset as synthetic sample data")
    i.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the problem report")

    e = sub.add_parser("export", help="export community rows (.csv UTF-8 with BOM, .xlsx, .parquet)")
    e.add_argument("out")
    e.add_argument("--dataset", type=int, help="dataset id (default: all active datasets)")
    e.add_argument("--db")

    r = sub.add_parser("rollback", help="roll back an active dataset: what it replaced shows again")
    r.add_argument("dataset_id", type=int)
    r.add_argument("--db")

    bk = sub.add_parser("backup", help="copy every table (original files included) into a new DuckDB file OUT")
    bk.add_argument("out")
    bk.add_argument("--db")

    rs = sub.add_parser("restore", help="replace the database with a backup, atomically, and publish it to the dashboards")
    rs.add_argument("backup")
    rs.add_argument("--db")

    rc = sub.add_parser("reconcile", help="write every published claim set against the rosters to OUT.csv")
    rc.add_argument("out")
    rc.add_argument("--locality", help="only claims about this locality (Chinese or English name, or id)")
    rc.add_argument("--period", help="roster period for claims without one (default: each locality's latest)")
    rc.add_argument("--db")

    _report_parsers(sub)

    pb = sub.add_parser("publish", help="publish the database again as a new read-only snapshot (after a damaged one)")
    pb.add_argument("--db")

    u = sub.add_parser("user", help="manage dashboard users in the users file ($GOV_USERS, outside the repository)")
    usub = u.add_subparsers(dest="user_command", required=True)
    ua = usub.add_parser("add", help="add a user, or change a user's role, password or e-mail")
    ua.add_argument("name")
    ua.add_argument("--role", required=True, choices=["viewer", "analyst", "administrator"])
    ua.add_argument("--email", help="e-mail for OpenID Connect log-in (st.login)")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    ua.add_argument("--no-password", action="store_true", help="keep the current password, or none (OpenID Connect only)")
    ua.add_argument("--users", help="users file (default: $GOV_USERS)")
    ur = usub.add_parser("remove", help="remove a user")
    ur.add_argument("name")
    ur.add_argument("--users")
    ul = usub.add_parser("list", help="list users and roles (never hashes)")
    ul.add_argument("--users")
    return p


def _report_parsers(sub: argparse._SubParsersAction) -> None:
    """extract, accept, withdraw, export-facts: a report's figures from file to published facts (store/report_cli.py)."""
    x = sub.add_parser("extract", help="candidate figures from a report (TXT, DOCX, PDF with a text layer, HTML) for review")
    x.add_argument("report")
    x.add_argument("--out", help="candidates CSV (UTF-8 with BOM); default: standard output")
    x.add_argument("--localities", help="reference localities CSV (default: data/localities.csv)")
    x.add_argument("--source-id", default="", help="source id the candidates' fact ids start with")
    a = sub.add_parser("accept", help="publish reviewed candidates as the facts of a new source")
    a.add_argument("candidates")
    a.add_argument("--title", required=True)
    a.add_argument("--issuer", help="author or issuing body")
    a.add_argument("--date", help="the report's date: YYYY, YYYY-MM or YYYY-MM-DD")
    a.add_argument("--file", help="the report itself: kept content-addressed, and every evidence is checked against its text")
    a.add_argument("--replaces", help="publish as a new version of this added source (R0001 ...), superseding its active one")
    a.add_argument("--db")
    w = sub.add_parser("withdraw", help="withdraw an added report: its facts leave every page (the record stays)")
    w.add_argument("source_id")
    w.add_argument("--db")
    f = sub.add_parser("export-facts", help="every published fact, bundled and added, in the form of data/sources/facts.csv")
    f.add_argument("out")
    f.add_argument("--db")


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "cli"


def _password(args: argparse.Namespace) -> str | None:
    if args.no_password:
        return None
    if args.password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise StoreError("the two passwords differ")
    return first


def user_cli(args: argparse.Namespace) -> int:
    from store.access import add_user, load_users, remove_user, users_path

    path = users_path(args.users)
    if path is None:
        print("refused: no users file: set GOV_USERS (or --users) to a path outside the repository", file=sys.stderr)
        return EXIT_REFUSED
    try:
        if args.user_command == "list":
            for user in sorted(load_users(path).values(), key=lambda u: u.name):
                print(f"{user.name}\t{user.role.value}\t{user.email or ''}\t{'password' if user.password_hash else 'no password'}")
            return EXIT_OK
        if args.user_command == "remove":
            if not remove_user(path, args.name):
                print(f"refused: no user {args.name} in {path}", file=sys.stderr)
                return EXIT_REFUSED
            print(f"removed {args.name} from {path}")
            return EXIT_OK
        user = add_user(path, args.name, args.role, _password(args), email=args.email)
    except StoreError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"saved {user.name} ({user.role.value}) in {path}")
    return EXIT_OK


# ---- import and rollback: printing what the importer returns ----------------------------------------
REPORT_LIMIT = 2000  # at most this many problem rows are printed (the result always holds them all)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _cell(value: object, limit: int = 60) -> str:
    s = "" if value is None else str(value).replace("\r", " ").replace("\n", " ")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def text_table(heads: list[str], body: list[list[str]]) -> str:
    """Columns aligned for a terminal (a Chinese character is two columns wide)."""
    widths = [max([_width(h)] + [_width(r[i]) for r in body]) for i, h in enumerate(heads)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(heads), line(["-" * w for w in widths])] + [line(r) for r in body])


def format_report(items: list[Problem], lang: str = "zh", limit: int = REPORT_LIMIT) -> str:
    """Problems as an aligned text table: file, sheet, row, column, value, reason."""
    from text.messages import message

    heads = [message(f"import.col.{c}", lang) for c in ("file", "sheet", "row", "column", "value", "reason")]
    body = [[_cell(p.file, 40), _cell(p.sheet, 20), "" if p.row is None else str(p.row), _cell(p.column, 30),
             _cell(p.value, 30), _cell(p.reason, 200)] for p in items[:limit]]
    out = text_table(heads, body)
    if len(items) > limit:
        out += "\n" + message("import.cli.more", lang, n=len(items) - limit)
    return out


def format_preview(p: ImportPreview) -> str:
    """The import preview as text: the same sentences and tables the import page shows."""
    from store.preview import lines, sections

    out = list(lines(p))
    for section in sections(p):
        out += ["", section.title, text_table(section.table.columns, [[_cell(v, 40) for v in r] for r in section.table.rows()])]
    return "\n".join(out)


def import_cli(db: Database, args: argparse.Namespace, who: str) -> int:
    """`python -m store import PATH`: 0 imported (or already imported, or a dry run), 2 refused or awaiting
    --yes (nothing written, the report or preview says why), 1 unexpected."""
    from store.importer import import_file
    from store.preview import reasons
    from text.messages import message

    lang = args.lang or "zh"
    result = import_file(db, args.path, who=who, synthetic=args.synthetic, dry_run=args.dry_run, sheet=args.sheet,
                         lang=lang, complete_for=args.complete_for, confirmed=args.yes)
    if result.duplicate:
        print(message("import.cli.duplicate", lang, file=result.file_name, dataset_id=result.dataset_id))
        return EXIT_OK
    if result.problems:
        print(message("import.cli.refused", lang, file=result.file_name, n=len(result.problems)))
        print(format_report(result.problems, lang))
        if result.warnings:
            print()
            print(message("import.cli.warnings", lang, n=len(result.warnings)))
            print(format_report(result.warnings, lang))
        return EXIT_REFUSED
    if result.warnings:
        print(message("import.cli.warnings", lang, n=len(result.warnings)))
        print(format_report(result.warnings, lang))
        print()
    preview = result.preview
    if preview is not None:
        print(format_preview(preview))
        print()
    why = reasons(preview) if preview is not None else ""
    if result.unconfirmed:
        print(message("import.cli.needs_yes", lang, file=result.file_name, reasons=why))
        return EXIT_REFUSED
    if result.dry_run:
        print(message("import.cli.dry_run_ok", lang, file=result.file_name, rows=result.rows, period=result.period,
                      scope=preview.scope if preview else result.scope_id, sheet=result.sheet or "—"))
        if preview is not None and preview.needs_confirmation:
            print(message("import.cli.dry_run_needs_yes", lang, reasons=why))
        return EXIT_OK
    print(message("import.cli.imported", lang, file=result.file_name, rows=result.rows, dataset_id=result.dataset_id,
                  period=result.period, scope=preview.scope if preview else result.scope_id, sheet=result.sheet or "—"))
    if result.superseded:
        print(message("import.cli.superseded", lang, ids=", ".join(map(str, result.superseded))))
    sys.stdout.flush()
    return EXIT_OK


def rollback_cli(db: Database, args: argparse.Namespace, who: str) -> int:
    """`python -m store rollback DATASET_ID`: 0 rolled back, 2 refused (unknown or not active)."""
    from store.importer import rollback_dataset

    try:
        result = rollback_dataset(db, int(args.dataset_id), who)
    except StoreError as exc:
        print(f"refused: {exc}")
        return EXIT_REFUSED
    again = ", ".join(map(str, result.reactivated)) or "none"
    print(f"rolled back dataset {result.dataset_id}: {result.withdrawn} of its rows withdrawn, "
          f"{result.restored} rows it had replaced show again; reactivated: {again}")
    return EXIT_OK


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "user":
        try:
            return user_cli(args)
        except Exception as exc:
            print(f"unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_UNEXPECTED
    if args.command == "extract":  # reads a file, never the database
        from store.report_cli import extract_cli

        return extract_cli(args)
    path = db_path(args.db)
    if args.command == "restore":  # never opens the target as a Database: it may be the damaged file
        from store.backup import BackupRefused, restore_database

        try:
            manifest = restore_database(args.backup, path)
        except BackupRefused as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        except StoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_UNEXPECTED
        except Exception as exc:
            print(f"unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_UNEXPECTED
        rows = ", ".join(f"{t} {n}" for t, n in manifest.counts.items())
        print(f"restored {path} from {args.backup} (backup of {manifest.created_at}): {rows}")
        return EXIT_OK
    try:
        if args.command == "bootstrap":
            from store.bootstrap import bootstrap

            db = open_database(path)
            with db.batch():  # one write and one publish for every table and sample
                result = bootstrap(db)
            summary = ", ".join(f"{t} {n}" for t, n in result.counts.items())
            print(f"bootstrapped {path}: {summary}; sample datasets imported {result.samples_imported}")
            return EXIT_OK
        if args.command == "publish":
            from store.publish import published_dir

            pointer = open_database(path).publish()
            print(f"published {path} as version {pointer.version}: {published_dir(path) / pointer.snapshot}")
            return EXIT_OK
        if args.command == "import":
            return import_cli(open_database(path), args, who=_who())
        if args.command == "export":
            from store.export import export_cli

            return export_cli(open_database(path), args)
        if args.command == "reconcile":
            from store.claims import reconcile_cli

            return reconcile_cli(open_database(path), args)
        if args.command == "rollback":
            return rollback_cli(open_database(path), args, who=_who())
        if args.command in ("accept", "withdraw", "export-facts"):
            from store.report_cli import report_cli

            return report_cli(open_database(path), args, who=_who())
        if args.command == "backup":
            from store.backup import BackupRefused, backup_database

            try:
                manifest = backup_database(open_database(path), args.out, actor=_who())
            except BackupRefused as exc:
                print(f"refused: {exc}", file=sys.stderr)
                return EXIT_REFUSED
            rows = ", ".join(f"{t} {n}" for t, n in manifest.counts.items())
            print(f"backed up {path} to {Path(args.out)}: {rows}")
            return EXIT_OK
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
    except Exception as exc:  # the promise is: no traceback for the user, a reason instead
        print(f"unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
    finally:
        close_database(path)
    return EXIT_UNEXPECTED
