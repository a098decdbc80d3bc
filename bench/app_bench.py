"""The real dashboard pages at national scale: build a national database, time each page, profile it.

    python -m bench.app_bench [--out DIR] [--rebuild] [--facts] [--repeat N] [--profile DIR]
                              [--loc ID] [--pages a,b] [--json OUT]

1. `build_db` makes a DuckDB file (default under /tmp/gov_app_bench, reused while the generated data
   is unchanged) the way the store would hold a national roster: the normal bootstrap from data/
   (published figures, sample rosters, and every locality of China from data/localities.csv), then
   the ~591k national community rows (about 120k communities x 5 periods) as one dataset per city
   and period, as if every city had imported its own roster. --facts also adds the generated
   national published facts (about 4,000).

   The rows are inserted directly, not through store/importer.py, because a per-city import of
   every city would take about 1,700 imports (the importer resolves every city of China now; a
   single national file spanning provinces still has no common scope, a dataset's scope being one
   city or district by design, and the shipped provinces have no country above them).
   The direct insert writes what the importer's `_write` writes, in one transaction: a `datasets`
   row per city and period (scope = the city, synthetic, active, superseding the active datasets of
   that period inside the city, e.g. the Wuzhou samples), the `community_rows` with the importer's
   columns (dataset_id, source_row, city_id, district_id, canonical columns) and one `import_log`
   entry per dataset. It does not store original bytes in `files` (there is no original file).
   Afterwards store.read.community_rows must return every national row.

2. `time_page` runs a page through streamlit.testing.v1.AppTest the way tests/test_pages_smoke.py
   does (app.py with st.navigation, a deep link with loc/period in the URL): one cold run right
   after Streamlit's caches are cleared (so the tables are read from DuckDB and cached again), then
   warm reruns of the same session, whose median is reported. The localities: the city with most
   communities in the latest period, and the largest city data/boundaries can draw (every city
   ships boundaries now, so this is the same city unless --loc says otherwise). Every run must
   render without exceptions or st.error. Times are AppTest wall time: the script run plus
   AppTest's parsing of the output, so slightly more than a server spends.

3. With --profile DIR, one more warm run and one more cold run per page are run under cProfile
   (inside the script thread, where AppTest runs the page) and written as
   DIR/<largest|mapped>/<page>.<warm|cold>.prof plus a .txt summary: the functions in pages/, ui/,
   queries/, store/ and exports/ by cumulative time, then everything by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
DEFAULT_OUT = Path("/tmp/gov_app_bench")
DB_NAME = "national.duckdb"
STAMP_KEY = "bench.app_bench"  # meta row: which data the file was built from, so a rebuild is skipped
WHO = "bench"
TIMEOUT = 900  # seconds AppTest waits for one run; a cold national run is far below this
OUR_CODE = ("pages/", "ui/", "queries/", "store/", "exports/")


# ---------------------------------------------------------------- the database
@dataclass(frozen=True)
class Built:
    path: Path
    seconds: dict[str, float]  # step -> seconds; empty when an existing file was reused
    rows: int                  # generated rows store.read.community_rows returned (reused file: rows of our active datasets)
    datasets: int              # national datasets inserted
    reused: bool = False


def _stamp(data_dir: Path, with_facts: bool) -> str:
    manifest = json.loads((data_dir / "manifest.json").read_text())
    return json.dumps({"manifest": manifest, "facts": with_facts, "version": 1}, sort_keys=True)


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _existing(path: Path, stamp: str) -> Built | None:
    """The file at `path` if it was built from the same data (checked read-only, then closed)."""
    if not path.exists():
        return None
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        found = con.execute("SELECT value FROM meta WHERE key = ?", [STAMP_KEY]).fetchall()
        if not found or found[0][0] != stamp:
            return None
        rows, datasets = con.execute(
            "SELECT (SELECT sum(rows) FROM datasets WHERE status = 'active' AND imported_by = ?), "
            "(SELECT count(*) FROM datasets WHERE imported_by = ?)", [WHO, WHO]
        ).fetchall()[0]
    except duckdb.Error:
        return None
    finally:
        con.close()
    return Built(path, {}, int(rows), int(datasets), reused=True)


def build_db(folder: Path, data_dir: Path | None = None, *, with_facts: bool = False, reuse: bool = True) -> Built:
    """A national-scale database in `folder` (see the module docstring for why rows bypass the importer).

    `data_dir` holds bench/generate.py's national Parquet (generated if missing). With `with_facts`,
    the generated published facts are added too (they name sources S005-S007 that data/ lacks).
    An existing file built from the same data is reused unless `reuse` is false.
    """
    from bench.generate import generate
    from store import read
    from store.bootstrap import bootstrap
    from store.columns import CANONICAL
    from store.db import close_database, open_database

    data_dir = Path(data_dir) if data_dir else generate("national")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DB_NAME
    stamp = _stamp(data_dir, with_facts)
    if reuse and (done := _existing(path, stamp)) is not None:
        return done
    close_database(path)
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    db = open_database(path)
    bootstrap(db)  # as the dashboard does on first start (samples logged as "bootstrap")
    seconds["bootstrap"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    rows = pl.read_parquet(data_dir / "rows.parquet")
    national_loc = pl.read_parquet(data_dir / "localities.parquet")
    facts = pl.read_parquet(data_dir / "facts.parquet") if with_facts else None
    source_sha = _file_sha(data_dir / "rows.parquet")
    seconds["read parquet"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with db.transaction() as cur:
        # localities: the bootstrap loaded data/localities.csv, which the generator drew its units from
        have = {r[0] for r in cur.execute("SELECT locality_id FROM localities").fetchall()}
        missing = sorted(set(national_loc["locality_id"].to_list()) - have)
        if missing:
            raise AssertionError(f"generated localities not in data/localities.csv: {missing[:5]}")
        parent = dict(cur.execute("SELECT locality_id, parent_id FROM localities").fetchall())

        # one dataset per city and period, numbered from the store's own sequence
        groups = rows.group_by("city_id", "period").len("rows").sort("city_id", "period")
        active = cur.execute("SELECT dataset_id, scope_id, period FROM datasets WHERE status = 'active'").fetchall()
        supersede: dict[tuple[str, str], list[int]] = {}
        for dataset_id, scope_id, period in active:  # what the importer would supersede: same period, inside the city
            for city in _chain(scope_id, parent):
                supersede.setdefault((city, period), []).append(int(dataset_id))
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        recs, superseded = [], set()
        for city_id, period, n in groups.iter_rows():
            older = sorted(supersede.get((city_id, period), []))
            superseded.update(older)
            recs.append({
                "city_id": city_id, "period": period, "rows": n,
                "file_name": f"national_{city_id}_{period}.parquet",
                "sha256": hashlib.sha256(f"{source_sha}:{city_id}:{period}".encode()).hexdigest(),
                "supersedes": older[-1] if older else None,
                "note": ("superseded " + ",".join(map(str, older))) if older else None,
            })
        meta = pl.DataFrame(recs, schema={"city_id": pl.String, "period": pl.String, "rows": pl.Int64,
                                          "file_name": pl.String, "sha256": pl.String, "supersedes": pl.Int32,
                                          "note": pl.String})
        cur.register("_meta", meta.to_arrow())
        cur.execute(
            "INSERT INTO datasets (dataset_id, scope_id, period, file_name, sha256, sheet, rows, imported_at, "
            "imported_by, synthetic, status, supersedes, note) "
            "SELECT nextval('dataset_ids'), city_id, period, file_name, sha256, NULL, rows, ?::TIMESTAMP, ?, true, "
            "'active', supersedes, note FROM _meta ORDER BY city_id, period",
            [now, WHO],
        )
        cur.unregister("_meta")
        ids = pl.DataFrame(
            cur.execute(
                "SELECT dataset_id, scope_id, period FROM datasets "
                "WHERE imported_by = ? AND file_name LIKE 'national\\_%' ESCAPE '\\'", [WHO],
            ).fetchall(),
            schema={"dataset_id": pl.Int32, "city_id": pl.String, "period": pl.String}, orient="row",
        )
        if superseded:
            cur.execute("UPDATE datasets SET status = 'superseded' WHERE dataset_id IN (SELECT unnest(?::INTEGER[]))",
                        [sorted(superseded)])

        # the rows, with the importer's columns: source_row is the line in a per-city file with a header row
        out = (
            rows.drop("dataset_id", "synthetic")
            .join(ids, on=["city_id", "period"], how="left")
            .with_columns((pl.int_range(pl.len()).over("dataset_id") + 2).cast(pl.Int32).alias("source_row"))
            .select("dataset_id", "source_row", "city_id", "district_id", *CANONICAL)
        )
        _insert(cur, "community_rows", out, out.columns)
        cur.execute(
            "INSERT INTO import_log (log_id, logged_at, action, file_name, sha256, dataset_id, rows, problems, who, "
            "message) SELECT nextval('import_log_ids'), now()::TIMESTAMP, 'import', file_name, sha256, dataset_id, "
            "rows, 0, ?, note FROM datasets "
            "WHERE imported_by = ? AND file_name LIKE 'national\\_%' ESCAPE '\\' ORDER BY dataset_id",
            [WHO, WHO],
        )
        if facts is not None:
            _insert(cur, "facts", facts, facts.columns)
        cur.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [STAMP_KEY, stamp])
    seconds["insert (one transaction)"] = time.perf_counter() - t0

    # the check the brief asks for: the page's own read returns every national row, once
    t0 = time.perf_counter()
    cur = db.reader()
    try:
        got = read.community_rows(cur)
    finally:
        cur.close()
    seconds["read.community_rows"] = time.perf_counter() - t0
    # only ours: at a scale that leaves some seed cities out, their sample rosters stay active too
    got = got.filter(pl.col("dataset_id").is_in(ids["dataset_id"].to_list()))
    if got.height != rows.height or got["residents"].sum() != rows["residents"].sum():
        raise AssertionError(f"community_rows returned {got.height} generated rows, expected {rows.height}")
    t0 = time.perf_counter()
    close_database(path)  # checkpoint: the app opens the file as a fresh process would
    seconds["close (checkpoint)"] = time.perf_counter() - t0
    return Built(path, seconds, got.height, ids.height)


def _insert(cur, table: str, frame: pl.DataFrame, columns: list[str]) -> None:
    if frame.height == 0:
        return
    cols = ", ".join(columns)  # our own column names (schema / generator), never user text
    cur.register("_src", frame.to_arrow())
    try:
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _src")
    finally:
        cur.unregister("_src")


def _chain(locality_id: str, parent: dict[str, str | None]) -> list[str]:
    out: list[str] = []
    cur: str | None = locality_id
    while cur and cur not in out:
        out.append(cur)
        cur = parent.get(cur)
    return out


def city_sizes(path: Path) -> tuple[list[str], str]:
    """Cities by number of communities in the latest period, largest first (ties by id), and that period."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        latest = con.execute("SELECT max(period) FROM community_rows").fetchall()[0][0]
        cities = [r[0] for r in con.execute(
            "SELECT r.city_id FROM community_rows r JOIN datasets d USING (dataset_id) "
            "WHERE d.status = 'active' AND r.period = ? GROUP BY 1 ORDER BY count(*) DESC, 1",
            [latest],
        ).fetchall()]
    finally:
        con.close()
    return cities, latest


def with_boundaries(cities: list[str]) -> str | None:
    """The largest of `cities` whose districts data/boundaries can draw (every city-tier locality)."""
    from geo.boundaries import cities_with_boundaries

    drawn = cities_with_boundaries()
    return next((c for c in cities if c in drawn), None)


# ---------------------------------------------------------------- the pages
@dataclass
class PageTiming:
    page: str
    cold: float
    warm: list[float] = field(default_factory=list)
    shown: str = ""  # a few counts, proof the page rendered what it should

    @property
    def warm_median(self) -> float:
        return statistics.median(self.warm) if self.warm else float("nan")


def pages(city: str, period: str, others: list[str]) -> dict[str, tuple[str, dict[str, str]]]:
    """Each page with the deep link a user would open for `city` in `period`.

    compare gets `others` (the five largest cities); sources is narrowed to the city as a user of one
    city would narrow it (the page falls back to all localities when no fact names the city, and
    _check reports that).
    """
    base = {"loc": city, "period": period}
    return {
        "overview": ("pages/overview.py", base),
        "compare": ("pages/compare.py", {**base, "locs": ",".join(others)}),
        "district": ("pages/district.py", base),
        "sources": ("pages/sources.py", {**base, "src_loc": city}),
        "present": ("pages/present.py", base),
    }


def _clear_caches() -> None:
    """Streamlit's caches: a cold run reads the tables from DuckDB again, as after a server start or an import.

    Module-level caches (boundaries, catalog, messages) stay: the warm-up run paid for them once.
    """
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _check(at, name: str, params: dict[str, str]) -> str:
    """Raise unless the page rendered cleanly; a short note of what it showed, and of URL choices it overrode."""
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    if problems:
        raise AssertionError(f"{name}: the page did not render cleanly: {problems}")
    if not at.title:
        raise AssertionError(f"{name}: no title, the page stopped early")
    shown = (f"metrics={len(at.metric)} charts={len(at.get('plotly_chart'))} maps={len(at.get('deck_gl_json_chart'))} "
             f"tables={len(at.dataframe) + len(at.table)}")
    overridden = [f"{k}={v}->{at.query_params.get(k)}" for k, v in params.items() if at.query_params.get(k) != v]
    return shown + (f" url: {' '.join(overridden)}" if overridden else "")


@contextmanager
def _profiled(prof: cProfile.Profile) -> Iterator[None]:
    """Profile the script thread: AppTest runs app.py in a thread of its own, where cProfile must be enabled."""
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    original = LocalScriptRunner._run_script_thread

    def run(self) -> None:
        prof.enable()
        try:
            original(self)
        finally:
            prof.disable()

    LocalScriptRunner._run_script_thread = run
    try:
        yield
    finally:
        LocalScriptRunner._run_script_thread = original


def _open(page: str, params: dict[str, str]):
    """A new session on `page` via app.py, with the URL's query parameters (a deep link), not yet run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    return at.switch_page(page)  # later at.run() calls rerun the same page in the same session


def time_page(name: str, page: str, params: dict[str, str], *, repeat: int = 3,
              profile_dir: Path | None = None) -> PageTiming:
    """Cold run (caches cleared), then `repeat` warm reruns; with profile_dir, one more warm run and
    one more cold run (a new session after clearing the caches) under cProfile, after the timed ones."""
    _clear_caches()
    at = _open(page, params)
    t0 = time.perf_counter()
    at.run()
    timing = PageTiming(name, time.perf_counter() - t0)
    timing.shown = _check(at, name, params)
    for _ in range(repeat):
        t0 = time.perf_counter()
        at.run()
        timing.warm.append(time.perf_counter() - t0)
        _check(at, name, params)
    if profile_dir is not None:
        profile_dir.mkdir(parents=True, exist_ok=True)
        for kind in ("warm", "cold"):
            if kind == "cold":
                _clear_caches()
                at = _open(page, params)
            prof = cProfile.Profile()
            with _profiled(prof):
                at.run()
            _check(at, name, params)
            prof.dump_stats(str(profile_dir / f"{name}.{kind}.prof"))
            (profile_dir / f"{name}.{kind}.txt").write_text(profile_summary(prof), encoding="utf-8")
    return timing


def profile_summary(prof: cProfile.Profile, top: int = 40) -> str:
    """Our functions (pages/, ui/, queries/, store/, exports/) by cumulative time, then everything by own time."""
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    pattern = "|".join(str(ROOT / d).replace("\\", "\\\\") for d in OUR_CODE)
    out.write("==== our code, by cumulative time\n")
    stats.sort_stats("cumulative").print_stats(f"({pattern})", top)
    out.write("\n==== everything, by own (tottime)\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def warm_up(params: dict[str, str]) -> float:
    """One run before any timing, so the first page timed does not pay for importing plotly, pydeck, ..."""
    at = _open("pages/overview.py", params)
    t0 = time.perf_counter()
    at.run()
    _check(at, "warm-up", params)
    return time.perf_counter() - t0


# ---------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.app_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for the database (default {DEFAULT_OUT})")
    ap.add_argument("--rebuild", action="store_true", help="build the database even if a current one exists")
    ap.add_argument("--facts", action="store_true", help="also add the generated national published facts")
    ap.add_argument("--repeat", type=int, default=3, help="warm reruns per page (median reported)")
    ap.add_argument("--profile", type=Path, default=None,
                    help="profile one more warm and one more cold run per page into this folder")
    ap.add_argument("--loc", default="",
                    help="time this locality only (default: the largest city, and the largest one with maps)")
    ap.add_argument("--pages", default="", help="comma-separated subset: overview,compare,district,sources,present")
    ap.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    args = ap.parse_args(argv)

    built = build_db(args.out, with_facts=args.facts, reuse=not args.rebuild)
    if built.reused:
        print(f"database: {built.path} (reused; {built.rows:,} rows in active datasets, "
              f"{built.datasets} national datasets)")
    else:
        steps = ", ".join(f"{k} {v:.1f}s" for k, v in built.seconds.items())
        print(f"database: {built.path} built in {sum(built.seconds.values()):.1f}s ({steps}); "
              f"{built.rows:,} community rows in {built.datasets} datasets")

    os.environ["GOV_DB"] = str(built.path)  # read by store.db.db_path() inside the app
    _quiet_streamlit()
    cities, period = city_sizes(built.path)
    targets = {"largest": cities[0]}
    if args.loc:
        targets = {"chosen": args.loc}
    elif (mapped := with_boundaries(cities)) is not None and mapped != cities[0]:
        targets["mapped"] = mapped
    wanted = set(args.pages.split(",")) if args.pages else None
    print(f"period {period}; " + "; ".join(
        f"{label}: {city} ({cities.index(city) + 1 if city in cities else '?'}. by communities)"
        for label, city in targets.items()))
    print(f"warm-up run (imports, first open): {warm_up({'loc': cities[0], 'period': period}):.2f}s")

    results: list[tuple[str, PageTiming]] = []
    for label, city in targets.items():
        for name, (page, params) in pages(city, period, cities[:5]).items():
            if wanted and name not in wanted:
                continue
            prof_dir = args.profile / label if args.profile else None
            r = time_page(name, page, params, repeat=args.repeat, profile_dir=prof_dir)
            results.append((city, r))
            print(f"  {city} {name:<9} cold {r.cold:6.2f}s  warm {r.warm_median:6.2f}s  [{r.shown}]", flush=True)

    print()
    print(f"{'page':<10} {'locality':<9} {'cold s':>8} {'warm s':>8}")
    print(f"{'-' * 10} {'-' * 9} {'-' * 8} {'-' * 8}")
    for city, r in results:
        print(f"{r.page:<10} {city:<9} {r.cold:>8.2f} {r.warm_median:>8.2f}")
    if args.profile:
        print(f"\nprofiles: {args.profile}/<largest|mapped>/<page>.<warm|cold>.prof and .txt")
    if args.json:
        args.json.write_text(json.dumps({
            "db": str(built.path), "build_seconds": built.seconds, "rows": built.rows, "period": period,
            "pages": [{"page": r.page, "locality": city, "cold": r.cold, "warm": r.warm, "warm_median": r.warm_median}
                      for city, r in results],
        }, indent=2))
    _close()
    return 0


def _quiet_streamlit() -> None:
    """Drop the two warnings AppTest outside `streamlit run` prints on every cache clear and script thread.

    A filter, not a log level: AppTest re-applies Streamlit's configured level on every run.
    """
    from streamlit.logger import get_logger

    noise = ("missing ScriptRunContext", "No runtime found")
    for name in ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api"):
        get_logger(name).addFilter(lambda record: not any(n in record.getMessage() for n in noise))


def _close() -> None:
    """Close the DuckDB instance the app opened, so the interpreter exits without leak warnings."""
    from store.db import close_database

    _clear_caches()
    close_database(os.environ.get("GOV_DB"))


if __name__ == "__main__":
    sys.exit(main())
