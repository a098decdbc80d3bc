"""What a publish costs (store/publish.py): time and disk per write, at the scale of a given store.

    python -m bench.publish_bench [--db PATH] [--repeat N]

Works on a copy of the store (default: a fresh bootstrap of data/, the sample scale; pass
bench.app_bench's national file for the national scale). Times, per write of one small roster:
the whole import as a user waits for it, the publish inside it (copy, fsync, read every block of
the copy, pointer, collection), and a reader process's move to the new snapshot (open and check).
Prints medians and the share of an import that publishing takes. Numbers are wall time on a shared
machine: noisy, compare them within one run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from store import publish as pub
from store.db import ROOT, close_database, open_database

SAMPLE = ROOT / "data" / "samples" / "synthetic_450400_wuzhou_2025.csv"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.publish_bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="store to copy (default: bootstrap data/ into a temporary folder)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    from store.bootstrap import bootstrap
    from store.importer import import_bytes

    with tempfile.TemporaryDirectory(prefix="gov-publish-bench-") as tmp:
        path = Path(tmp) / "gov.duckdb"
        started = time.perf_counter()
        if args.db:
            shutil.copy(args.db, path)
            open_database(path)  # the first publish of a copied store (checks the writer's file, then copies)
        else:
            db = open_database(path)
            with db.batch():
                bootstrap(db)
        first = time.perf_counter() - started
        close_database(path)

        timings: dict[str, list[float]] = {"import (user waits)": [], "publish": [], "reader moves": []}
        real = pub.publish

        def timed(*a, **k):
            t0 = time.perf_counter()
            out = real(*a, **k)
            timings["publish"].append(time.perf_counter() - t0)
            return out

        pub.publish = timed
        try:
            writer = open_database(path)
            for i in range(args.repeat):
                data = SAMPLE.read_bytes().replace(b",2025,", f",{2040 + i},".encode())
                t0 = time.perf_counter()
                assert import_bytes(writer, data, f"bench{i}.csv", who="bench").ok
                timings["import (user waits)"].append(time.perf_counter() - t0)
                # a reader that is not the writer: a fresh Database (as another server process would be)
                close_database(path)
                t0 = time.perf_counter()
                writer = open_database(path)
                writer.version()
                timings["reader moves"].append(time.perf_counter() - t0)
        finally:
            pub.publish = real
            close_database(path)
        size = path.stat().st_size
        on_disk = sum(p.stat().st_size for _, p in pub.snapshots(path))
        files = len(pub.snapshots(path))

    print(f"store {args.db or 'sample (bootstrap of data/)'}: {size / 2**20:.1f} MB; first open/publish {first:.2f} s")
    for name, values in timings.items():
        print(f"  {name:<22} median {statistics.median(values):.3f} s  max {max(values):.3f} s  (n={len(values)})")
    share = statistics.median(timings["publish"]) / statistics.median(timings["import (user waits)"])
    print(f"  publish / import        {share:.2f}")
    print(f"  disk: writer {size / 2**20:.1f} MB + {files} snapshot(s) {on_disk / 2**20:.1f} MB "
          f"(superseded ones are kept {pub.grace():.0f} s, or while read)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
