"""Command line: python -m store bootstrap|import|export|rollback|backup|restore|publish|user.

Exit 0 done, 2 refused (bad input: nothing changed), 1 cannot proceed or unexpected (store busy with
another write for longer than GOV_LOCK_WAIT, damaged, I/O). The CLI acts as the local operator, an
administrator. Every command works while dashboards serve: they read published snapshots
(store/publish.py); writes wait for each other on the store's writer lock.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

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

    bk = sub.add_parser("backup", help="copy every table (original files included) into a new DuckDB file OUT")
    bk.add_argument("out")
    bk.add_argument("--db")

    rs = sub.add_parser("restore", help="replace the database with a backup, atomically, and publish it to the dashboards")
    rs.add_argument("backup")
    rs.add_argument("--db")

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


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "user":
        try:
            return user_cli(args)
        except Exception as exc:
            print(f"unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_UNEXPECTED
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
            from store.importer import import_cli

            return import_cli(open_database(path), args, who=_who())
        if args.command == "export":
            from store.export import export_cli

            return export_cli(open_database(path), args)
        if args.command == "rollback":
            from store.importer import rollback_cli

            return rollback_cli(open_database(path), args, who=_who())
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
