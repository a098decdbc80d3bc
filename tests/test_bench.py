"""The benchmark runs end to end at sample scale, checks equality first, and reports the agreed JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import types
from pathlib import Path

import polars as pl
import pytest

from bench import generate, run

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["overview", "compare", "district", "reconcile", "events"]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "report.json"
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scale",
            "sample",
            "--repeat",
            "2",
            "--json",
            str(out),
            "--out",
            str(tmp / "data"),
            "--import-rows",
            "0",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert time.perf_counter() - start < 60
    assert "results agree" in done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.slow  # the benchmark run at sample scale: ~2 s
def test_sample_scale_runs_and_reports_every_page(report):
    assert [p["page"] for p in report["pages"]] == PAGES


@pytest.mark.slow  # the benchmark run at sample scale: ~2 s
def test_report_has_the_agreed_shape(report):
    assert {"scale", "communities", "events", "pages", "import_1m_rows_s", "peak_rss_mb"} <= set(report)
    assert report["scale"] == "sample" and report["communities"] > 1000 and report["events"] == 200_000
    for page in report["pages"]:
        assert set(page) == {"page", "ours_s", "pandas_s", "duckdb_sql_s"}
        assert all(isinstance(page[k], float) and page[k] > 0 for k in ("ours_s", "pandas_s", "duckdb_sql_s"))
    assert report["import_1m_rows_s"] is None and report["peak_rss_mb"] is None  # --import-rows 0


@pytest.mark.slow  # the benchmark run at sample scale: ~2 s
def test_report_times_the_bare_group_by_beside_the_pages(report):
    ref = report["reference"]
    assert ref["rows"] > report["communities"]  # every period's rows, not one period's
    assert all(isinstance(ref[k], float) and ref[k] > 0 for k in ("ours_s", "pandas_s", "duckdb_sql_s"))


def test_table_prints_the_reference_line():
    line = run.table(
        {
            "scale": "sample", "communities": 1, "events": 1, "repeat": 1, "pages": [],
            "reference": {"what": "w", "rows": 10, "ours_s": 0.1, "pandas_s": 0.4, "duckdb_sql_s": 0.2},
            "import_1m_rows_s": None, "bench_peak_rss_mb": 1.0,
        }
    ).splitlines()[2]
    assert line.split()[:6] == ["reference", "0.1000", "0.4000", "0.2000", "0.50", "4.0"]


def test_generator_is_deterministic(tmp_path):
    a = generate.load(generate.generate("sample", tmp_path / "a"))
    b = generate.load(generate.generate("sample", tmp_path / "b"))
    assert a.rows.equals(b.rows) and a.events.equals(b.events) and a.facts.equals(b.facts)


def test_generator_reuses_existing_files(tmp_path):
    folder = generate.generate("sample", tmp_path)
    stamp = (folder / "rows.parquet").stat().st_mtime_ns
    generate.generate("sample", tmp_path)
    assert (folder / "rows.parquet").stat().st_mtime_ns == stamp


def test_generated_rows_have_every_canonical_column(tmp_path):
    from store.columns import CANONICAL

    rows = generate.load(generate.generate("sample", tmp_path)).rows
    assert set(CANONICAL) <= set(rows.columns) and rows["period"].n_unique() == 5


def test_equality_check_catches_a_different_value():
    ours = pl.DataFrame({"k": ["a", "b"], "v": [1.0, 2.0]})
    with pytest.raises(run.Mismatch, match="v"):
        run.assert_same("p", "r", ours, pl.DataFrame({"k": ["b", "a"], "v": [2.0, 1.5]}), "duckdb")


def test_equality_check_ignores_row_order_and_float_noise():
    ours = pl.DataFrame({"k": ["a", "b"], "v": [0.1 + 0.2, None]})
    run.assert_same("p", "r", ours, pl.DataFrame({"k": ["b", "a"], "v": [None, 0.3]}), "pandas")


def test_equality_check_catches_null_against_zero():
    with pytest.raises(run.Mismatch):
        run.assert_same(
            "p", "r", pl.DataFrame({"v": [None]}, schema={"v": pl.Float64}), pl.DataFrame({"v": [0.0]}), "pandas"
        )


def test_import_benchmark_is_called_when_present(monkeypatch):
    fake = types.ModuleType("bench.import_bench")
    fake.bench_import = lambda n_rows, tmpdir: {"rows": n_rows, "seconds": 1.5, "peak_rss_mb": 99.0}
    monkeypatch.setitem(sys.modules, "bench.import_bench", fake)
    assert run.import_bench(1_000_000) == {"rows": 1_000_000, "seconds": 1.5, "peak_rss_mb": 99.0}


@pytest.mark.slow  # the benchmark run at sample scale: ~1 s
def test_report_takes_import_figures_from_a_million_row_import(monkeypatch, tmp_path):
    monkeypatch.setattr(run, "import_bench", lambda n: {"rows": n, "seconds": 12.5, "peak_rss_mb": 800.0})
    report = run.run("sample", repeat=1, out_dir=tmp_path, import_rows=1_000_000, log=lambda m: None)
    assert (report["import_1m_rows_s"], report["peak_rss_mb"]) == (12.5, 800.0)


def _page_constant(page: str, name: str):
    import ast

    tree = ast.parse((ROOT / "views" / page).read_text(encoding="utf-8"))  # what a page shows is its view-model
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(name)


def test_bench_asks_what_the_pages_ask():
    from bench import pages

    assert pages.MAP == _page_constant("overview.py", "MAP_INDICATOR")
    first = _page_constant("district.py", "DEFAULT_INDICATOR")
    assert pages.DISTRICT_TABLE == list(dict.fromkeys([first, *_page_constant("district.py", "TABLE_INDICATORS")]))
