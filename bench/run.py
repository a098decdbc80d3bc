"""Run every page's query set three ways, check the results agree, then time them."""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from bench.generate import OUT_DIR, generate, load
from bench.pages import PAGES, REFERENCE, Inputs, load_inputs

REL_TOL = 1e-9
REFERENCE_WHAT = "one group-by by city, district, period with six sums"


class Mismatch(AssertionError):
    """Two engines disagree on a page's results."""


def _to_polars(result: Any) -> pl.DataFrame:
    if isinstance(result, pd.DataFrame):
        return pl.from_pandas(result.reset_index(drop=True), nan_to_null=True)
    return result


def _normalise(df: pl.DataFrame) -> pl.DataFrame:
    casts = []
    for name, dtype in df.schema.items():
        if dtype.is_numeric() or dtype == pl.Null:
            casts.append(pl.col(name).cast(pl.Float64))
        elif dtype in (pl.Datetime, pl.Date) or isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).cast(pl.Date))
        elif isinstance(dtype, (pl.Enum, pl.Categorical)) or dtype == pl.Object:
            casts.append(pl.col(name).cast(pl.String))
        else:
            casts.append(pl.col(name))
    df = df.select(casts)
    keys = [c for c, t in df.schema.items() if t != pl.Float64]
    return df.sort(keys, nulls_last=True) if keys else df


def assert_same(page: str, name: str, ours: pl.DataFrame, other: Any, engine: str) -> None:
    """Same columns, same rows after sorting, floats within a relative 1e-9 (NaN never allowed)."""
    a, b = _normalise(ours), _to_polars(other)
    if sorted(a.columns) != sorted(b.columns):
        raise Mismatch(f"{page}/{name}: columns differ from {engine}: {sorted(set(a.columns) ^ set(b.columns))}")
    b = _normalise(b.select(a.columns))
    if a.height != b.height:
        raise Mismatch(f"{page}/{name}: {a.height} rows (ours) vs {b.height} ({engine})")
    for col in a.columns:
        x, y = a[col], b[col]
        if x.dtype == pl.Float64:
            both = pl.DataFrame({"x": x, "y": y})
            bad = both.filter(
                (pl.col("x").is_null() != pl.col("y").is_null())
                | pl.col("x").is_nan()
                | pl.col("y").is_nan()
                | (
                    (pl.col("x") - pl.col("y")).abs()
                    > REL_TOL * pl.max_horizontal(pl.lit(1.0), pl.col("x").abs(), pl.col("y").abs())
                )
            )
            if bad.height:
                raise Mismatch(
                    f"{page}/{name}.{col}: {bad.height} values differ from {engine}, e.g. {bad.head(3).rows()}"
                )
        elif not x.equals(y, check_names=False, check_dtypes=False):
            diff = pl.DataFrame({"ours": x, engine: y.cast(x.dtype)}).filter(pl.col("ours").ne_missing(pl.col(engine)))
            raise Mismatch(
                f"{page}/{name}.{col}: {diff.height} values differ from {engine}, e.g. {diff.head(3).rows()}"
            )


def check(d: Inputs) -> dict[str, int]:
    """Run each page (and the reference group-by) once per engine, which is also the warm-up,
    and compare; returns result rows per page."""
    sizes = {}
    for page, (ours, pandas_impl, sql_impl) in {**PAGES, "reference": REFERENCE}.items():
        mine = ours(d)
        for engine, impl in (("pandas", pandas_impl), ("duckdb", sql_impl)):
            other = impl(d)
            if set(other) != set(mine):
                raise Mismatch(f"{page}: results {sorted(other)} from {engine}, ours {sorted(mine)}")
            for name in mine:
                assert_same(page, name, mine[name], other[name], engine)
        sizes[page] = sum(df.height for df in mine.values())
    return sizes


def _timed(impls: tuple, d: Inputs, repeat: int) -> dict[str, float]:
    ours, pandas_impl, sql_impl = impls
    return {
        "ours_s": _median_seconds(ours, d, repeat),
        "pandas_s": _median_seconds(pandas_impl, d, repeat),
        "duckdb_sql_s": _median_seconds(sql_impl, d, repeat),
    }


def _median_seconds(fn, d: Inputs, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(d)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_bench(n_rows: int) -> dict | None:
    """The importer engineer's benchmark, when bench/import_bench.py exists; None otherwise."""
    try:
        from bench.import_bench import bench_import
    except ImportError:
        return None
    with tempfile.TemporaryDirectory(prefix="gov-import-bench-") as tmp:
        return dict(bench_import(n_rows, Path(tmp)))


def run(
    scale: str = "national", repeat: int = 5, out_dir: Path | None = None, import_rows: int | None = None, log=print
) -> dict:
    """Generate (or reuse) the data, check equality, time every page; returns the JSON report."""
    if import_rows is None:
        import_rows = 1_000_000 if scale == "national" else 10_000
    # Before any data is loaded: a child inherits its parent's ru_maxrss high-water mark on
    # Linux, so importing after loading gigabytes here would report our memory as the importer's.
    imported = import_bench(import_rows) if import_rows else None
    t0 = time.perf_counter()
    folder = generate(scale, out_dir or OUT_DIR)
    data = load(folder)
    log(
        f"data: {folder} ({data.rows.height:,} community rows, {data.events.height:,} events) in {time.perf_counter() - t0:.1f}s"
    )
    d = load_inputs(data.rows, data.events, data.localities, data.facts)
    sizes = check(d)
    log(
        "results agree across polars (ours), pandas and duckdb: "
        + ", ".join(f"{p} {n:,} rows" for p, n in sizes.items())
    )
    pages = [{"page": page, **_timed(impls, d, repeat)} for page, impls in PAGES.items()]
    reference = {"what": REFERENCE_WHAT, "rows": data.rows.height, **_timed(REFERENCE, d, repeat)}
    million = imported if imported and imported.get("rows") == 1_000_000 else None
    report = {
        "scale": scale,
        "communities": data.rows.filter(pl.col("period") == data.rows["period"].max()).height,
        "events": data.events.height,
        "pages": pages,
        "reference": reference,
        # both from the importer's benchmark (a child process importing 1M rows); null without it
        "import_1m_rows_s": million["seconds"] if million else None,
        "peak_rss_mb": million["peak_rss_mb"] if million else None,
        "import": imported,
        "bench_peak_rss_mb": round(peak_rss_mb(), 1),
        "repeat": repeat,
        "threads": {
            "polars": pl.thread_pool_size(),
            "duckdb": int(d.con.sql("SELECT current_setting('threads')").fetchall()[0][0]),
        },
        "cpus": os.cpu_count(),
    }
    d.con.close()
    return report


def table(report: dict) -> str:
    """The timing table with the ratios the targets are stated in."""
    lines = [
        f"scale={report['scale']} communities={report['communities']:,} events={report['events']:,} (median of {report['repeat']})",
        f"{'page':<10} {'ours s':>9} {'pandas s':>9} {'duckdb s':>9} {'ours/duckdb':>12} {'pandas/ours':>12}",
    ]
    for p in report["pages"]:
        lines.append(
            f"{p['page']:<10} {p['ours_s']:>9.4f} {p['pandas_s']:>9.4f} {p['duckdb_sql_s']:>9.4f} "
            f"{p['ours_s'] / p['duckdb_sql_s']:>12.2f} {p['pandas_s'] / p['ours_s']:>12.1f}"
        )
    ref = report.get("reference")
    if ref:
        lines.append(
            f"{'reference':<10} {ref['ours_s']:>9.4f} {ref['pandas_s']:>9.4f} {ref['duckdb_sql_s']:>9.4f} "
            f"{ref['ours_s'] / ref['duckdb_sql_s']:>12.2f} {ref['pandas_s'] / ref['ours_s']:>12.1f}"
            f"  <- {ref['what']} ({ref['rows']:,} rows): the engines alone, no page"
        )
    imp = report["import_1m_rows_s"]
    lines.append(
        "import 1M rows: "
        + (
            "n/a (bench/import_bench.py absent or not run with 1M rows)"
            if imp is None
            else f"{imp:.2f} s, peak RSS {report['peak_rss_mb']:.0f} MB"
        )
        + f"; this benchmark's own peak RSS {report['bench_peak_rss_mb']:.0f} MB"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=["sample", "national"], default="national")
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None, help=f"data cache folder (default {OUT_DIR})")
    parser.add_argument("--import-rows", type=int, default=None, help="rows for the import benchmark (0 skips)")
    args = parser.parse_args(argv)
    try:
        report = run(args.scale, args.repeat, args.out, args.import_rows, log=lambda m: print(m, file=sys.stderr))
    except Mismatch as exc:
        print(f"results disagree, no timings reported: {exc}", file=sys.stderr)
        return 1
    print(table(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0
