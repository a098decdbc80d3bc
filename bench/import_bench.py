"""Import benchmark: generate an n-row community CSV and import it with full validation, timing it and its peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DISTRICTS = ("万秀区", "长洲区", "龙圩区", "岑溪市")


def make_csv(path: str | os.PathLike[str], n_rows: int, *, period: str = "2025", seed: int = 0) -> Path:
    """A valid Chinese-header roster of n_rows communities in Wuzhou (names are made up: 第N社区)."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    i = np.arange(n_rows)
    residents = rng.integers(2_000, 20_000, n_rows)
    compounds = rng.integers(1, 40, n_rows)
    grids = rng.integers(3, 40, n_rows)
    df = pl.DataFrame(
        {
            "市": ["梧州市"] * n_rows,
            "县（市、区）": [DISTRICTS[k % len(DISTRICTS)] for k in range(n_rows)],
            "所属街道": [f"第{k % 50 + 1}街道" for k in range(n_rows)],
            "社区名称": [f"第{k}社区" for k in range(n_rows)],
            "统计期": [period] * n_rows,
            "经度": np.round(111.0 + rng.random(n_rows) * 0.5, 6),
            "纬度": np.round(23.0 + rng.random(n_rows) * 0.5, 6),
            "常住人口（人）": residents,
            "户数": (residents / 2.8).astype(np.int64),
            "小区数": compounds,
            "已建党组织小区数": (compounds * 0.9).astype(np.int64),
            "网格数（个）": grids,
            "已建党组织网格数": grids - (i % 2),
            "双报到党员数": rng.integers(100, 900, n_rows),
            "服务次数": rng.integers(50, 600, n_rows),
            "服务群众专项经费（元）": [f"{10 + k % 5}万" for k in range(n_rows)],
            "工作经费": ["50,000"] * n_rows,
        }
    )
    out = Path(path)
    df.write_csv(out)
    return out


_CHILD = r"""
import csv, json, resource, sys, time
from pathlib import Path
import polars as pl
from store.db import Database
from store.importer import import_file
from bench.import_bench import ROOT

db_path, csv_path = Path(sys.argv[1]), Path(sys.argv[2])
db = Database(db_path)
loc = pl.read_csv(ROOT / "data" / "localities.csv", infer_schema=False)  # ships with the repo
with db.transaction() as cur:
    cur.register("_loc", loc.to_arrow())
    cur.execute(f"INSERT INTO localities ({', '.join(loc.columns)}) SELECT * FROM _loc")
    cur.unregister("_loc")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
result = import_file(db, csv_path, who="bench")
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
db.close()
print(json.dumps({"rows": result.rows, "seconds": round(seconds, 3), "peak_rss_mb": round(peak, 1),
                  "baseline_rss_mb": round(before, 1), "ok": result.ok, "problems": len(result.problems)}))
"""


def bench_import(n_rows: int, tmpdir: str | os.PathLike[str]) -> dict:
    """Generate an n_rows CSV and import it (full validation, one transaction) in a fresh process.

    Returns {"rows", "seconds", "peak_rss_mb"} (plus "baseline_rss_mb", the process before importing, and
    "ok"). seconds covers reading, validating and writing; peak RSS is the child's ru_maxrss.
    """
    tmp = Path(tmpdir)
    tmp.mkdir(parents=True, exist_ok=True)
    csv_path = make_csv(tmp / f"bench_{n_rows}.csv", n_rows)
    db_path = tmp / f"bench_{n_rows}.duckdb"
    for p in (db_path, db_path.with_name(db_path.name + ".wal")):
        p.unlink(missing_ok=True)
    # A national roster is far above the 50 MB upload limit; the command line lifts it the same way.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "GOV_MAX_UPLOAD_MB": "4096"}
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(db_path), str(csv_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"import benchmark failed ({proc.returncode}): {proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if not out.get("ok"):
        raise RuntimeError(f"benchmark file was refused with {out.get('problems')} problems")
    return out


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        for n in (int(a) for a in (sys.argv[1:] or ["10000", "100000"])):
            print(n, bench_import(n, d))
