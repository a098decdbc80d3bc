"""bench/app_bench at sample scale: it builds a store the pages read every row of, and times a page that rendered."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
import streamlit as st

from bench import app_bench, generate

# The benchmark built at sample scale: generating and importing the data takes ~6 s.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return generate.generate("sample", tmp_path_factory.mktemp("app_bench_data"))


@pytest.fixture(scope="module")
def built(data, tmp_path_factory) -> app_bench.Built:
    return app_bench.build_db(tmp_path_factory.mktemp("app_bench_db"), data)


def test_build_holds_every_generated_row_as_one_dataset_per_city_and_period(built, data):
    rows = pl.read_parquet(data / "rows.parquet")
    assert not built.reused
    assert built.rows == rows.height
    assert built.datasets == rows.select("city_id", "period").n_unique()


def test_a_second_build_from_the_same_data_reuses_the_file(built, data):
    again = app_bench.build_db(built.path.parent, data)
    assert again.reused and again.rows == built.rows


def test_time_page_runs_the_page_cold_then_warm(built, monkeypatch):
    monkeypatch.setenv("GOV_DB", str(built.path))
    cities, period = app_bench.city_sizes(built.path)
    page, params = app_bench.pages(cities[0], period, cities[:3])["overview"]
    try:
        timing = app_bench.time_page("overview", page, params, repeat=1)
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
        from store.db import close_database

        close_database(os.environ["GOV_DB"])
    assert timing.cold > 0 and len(timing.warm) == 1
    assert "metrics=7" in timing.shown  # the seven KPI cards rendered for the largest city
