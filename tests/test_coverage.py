"""Coverage: pooled rates beside the mean of community rates, communities below a threshold, KPIs, lagging."""

from __future__ import annotations

import polars as pl
import pytest

from queries.coverage import below_threshold, coverage
from queries.kpis import KPIS, kpis, lagging
from tests.builders import LOCALITIES, WANXIU_2024, rows_with

rows = rows_with(**WANXIU_2024)


BIG_AND_SMALL = rows(
    {"community": "大", "compounds": 99, "compounds_with_party_org": 99, "grids": 10, "grids_with_party_org": 10},
    {"community": "小", "compounds": 1, "compounds_with_party_org": 0, "grids": 10, "grids_with_party_org": 0},
)


@pytest.mark.parametrize(
    "rate, pooled, mean",
    [("compound_coverage", 0.99, 0.5), ("grid_coverage", 0.5, 0.5), ("property_coverage", None, None)],
)
def test_pooled_and_mean_rates(rate, pooled, mean):
    row = coverage(BIG_AND_SMALL, "district").row(0, named=True)
    assert (row[rate], row[f"{rate}_mean"]) == (
        pytest.approx(pooled) if pooled else None,
        pytest.approx(mean) if mean else None,
    )


def test_pooled_differs_from_mean_when_communities_differ_in_size():
    row = coverage(BIG_AND_SMALL, "city").row(0, named=True)
    assert row["compound_coverage"] != pytest.approx(row["compound_coverage_mean"])


def test_coverage_has_one_row_per_locality_per_period():
    lf = rows({"community": "A", "period": "2023"}, {"community": "A"}, {"community": "B", "district_id": "450405"})
    assert coverage(lf, "district").select("district_id", "period").rows() == [
        ("450403", "2023"),
        ("450403", "2024"),
        ("450405", "2024"),
    ]


def test_community_level_has_no_mean_columns():
    df = coverage(BIG_AND_SMALL, "community")
    assert "compound_coverage" in df.columns and not [c for c in df.columns if c.endswith("_mean")]


def test_community_without_compounds_has_no_rate():
    df = coverage(rows({"community": "新", "compounds": 0, "compounds_with_party_org": 0}), "community")
    assert df["compound_coverage"].to_list() == [None]


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="level"):
        coverage(BIG_AND_SMALL, "province")


def test_below_threshold_lists_communities_under_full_coverage():
    assert below_threshold(BIG_AND_SMALL)["community"].to_list() == ["小"]


def test_below_threshold_sorts_lowest_first_and_skips_no_data():
    lf = rows(
        {"community": "半", "compounds": 2, "compounds_with_party_org": 1},
        {"community": "零", "compounds": 2, "compounds_with_party_org": 0},
        {"community": "无", "compounds": 0, "compounds_with_party_org": 0},
    )
    assert below_threshold(lf, "compound_coverage", 1.0)["community"].to_list() == ["零", "半"]


def test_below_threshold_takes_any_indicator_and_period():
    lf = rows(
        {"community": "A", "grids": 4, "grids_with_party_org": 3},
        {"community": "A", "period": "2023", "grids": 4, "grids_with_party_org": 1},
    )
    assert below_threshold(lf, "grid_coverage", 0.5, period="2023")["period"].to_list() == ["2023"]


# ------------------------------------------------------------------ KPIs and lagging
TWO_PERIODS = rows(
    {
        "community": "A",
        "period": "2023",
        "compounds": 10,
        "compounds_with_party_org": 5,
        "grids": 4,
        "services": 10,
        "fund_service": 100.0,
    },
    {
        "community": "A",
        "period": "2024",
        "compounds": 10,
        "compounds_with_party_org": 8,
        "grids": 4,
        "services": 30,
        "fund_service": 100.0,
        "fund_work": 50.0,
    },
    {
        "community": "B",
        "period": "2024",
        "district_id": "450405",
        "compounds": 10,
        "compounds_with_party_org": 10,
        "grids": 6,
        "services": 20,
    },
)


def test_kpis_has_one_row_per_kpi_in_order():
    assert kpis(TWO_PERIODS, "450400", LOCALITIES)["indicator"].to_list() == list(KPIS)


def test_kpis_gives_value_previous_value_and_change():
    df = kpis(TWO_PERIODS, "450403", LOCALITIES).filter(pl.col("indicator") == "services")
    assert df.select("period", "prev_period", "value", "value_prev", "value_change").row(0) == (
        "2024",
        "2023",
        30.0,
        10.0,
        20.0,
    )


def test_kpis_change_of_a_rate_is_in_points():
    row = kpis(TWO_PERIODS, "450403", LOCALITIES).filter(pl.col("indicator") == "compound_coverage").row(0, named=True)
    assert row["value_change"] == pytest.approx(0.8 - 0.5)


def test_kpis_change_compares_only_the_communities_both_periods_hold():
    # 2024 adds B in 长洲区: the card shows both, the change is A's alone (30 - 10), and says coverage changed
    row = kpis(TWO_PERIODS, "450400", LOCALITIES).filter(pl.col("indicator") == "services").row(0, named=True)
    assert (row["value"], row["value_prev"], row["value_matched"], row["value_prev_matched"]) == (50.0, 10.0, 30.0, 10.0)
    assert row["value_change"] == 20.0
    assert (row["communities"], row["prev_communities"], row["matched_communities"], row["coverage_changed"]) == (
        2, 1, 1, True,
    )


def test_kpis_change_of_communities_is_the_coverage_change():
    row = kpis(TWO_PERIODS, "450400", LOCALITIES).filter(pl.col("indicator") == "communities").row(0, named=True)
    assert (row["value"], row["value_prev"], row["value_change"]) == (2.0, 1.0, 1.0)


SHRUNK = rows(
    *({"community": c, "period": "2023", "grids": 10, "services": 5} for c in ("A", "B", "C", "D")),
    {"community": "A", "period": "2024", "grids": 12, "services": 7},
)


def test_kpis_roster_that_shrank_does_not_read_as_a_fall():
    # 4 -> 1 communities: grids 40 -> 12 is not -28 but +2 over the one community in both
    df = kpis(SHRUNK, "450403", LOCALITIES)
    grids = df.filter(pl.col("indicator") == "grids").row(0, named=True)
    assert (grids["value"], grids["value_prev"], grids["value_change"]) == (12.0, 40.0, 2.0)
    assert (grids["communities"], grids["prev_communities"], grids["matched_communities"]) == (1, 4, 1)
    assert df["coverage_changed"].to_list() == [True] * len(KPIS)


def test_kpis_same_communities_change_is_the_plain_difference():
    lf = rows(
        {"community": "A", "period": "2023", "services": 4}, {"community": "B", "period": "2023", "services": 6},
        {"community": "A", "period": "2024", "services": 9}, {"community": "B", "period": "2024", "services": 6},
    )
    row = kpis(lf, "450403", LOCALITIES).filter(pl.col("indicator") == "services").row(0, named=True)
    assert (row["value_change"], row["coverage_changed"], row["matched_communities"]) == (5.0, False, 2)


def test_kpis_without_a_common_community_has_no_change():
    lf = rows({"community": "A", "period": "2023", "services": 4}, {"community": "Z", "period": "2024", "services": 9})
    df = kpis(lf, "450403", LOCALITIES)
    services = df.filter(pl.col("indicator") == "services").row(0, named=True)
    assert (services["value_change"], services["matched_communities"], services["coverage_changed"]) == (None, 0, True)
    assert df.filter(pl.col("indicator") == "communities")["value_change"].to_list() == [0.0]


def test_kpis_first_period_has_no_previous():
    row = kpis(TWO_PERIODS, "450405", LOCALITIES).row(0, named=True)
    assert (row["prev_period"], row["value_prev"], row["value_change"]) == (None, None, None)
    assert (row["prev_communities"], row["matched_communities"], row["coverage_changed"]) == (None, None, None)


def test_kpis_of_an_explicit_period():
    assert kpis(TWO_PERIODS, "450403", LOCALITIES, period="2023")["period"].unique().to_list() == ["2023"]


def test_kpis_of_a_period_without_rows_is_empty():
    assert kpis(TWO_PERIODS, "450400", LOCALITIES, period="1999").is_empty()


def test_kpis_fund_total_per_community_counts_every_community():
    row = (
        kpis(TWO_PERIODS, "450400", LOCALITIES)
        .filter(pl.col("indicator") == "fund_total_per_community")
        .row(0, named=True)
    )
    assert row["value"] == pytest.approx(150.0 / 2)


def test_lagging_lists_the_furthest_below_target_first():
    df = lagging(TWO_PERIODS, "district", "compound_coverage")
    assert df.select("district_id", "compound_coverage_gap").rows() == [("450403", pytest.approx(0.2))]


def test_lagging_uses_the_latest_period_by_default():
    assert lagging(TWO_PERIODS, "community", "compound_coverage")["period"].unique().to_list() == ["2024"]


def test_lagging_keeps_n():
    lf = rows(*({"community": str(i), "compounds": 10, "compounds_with_party_org": i} for i in range(5)))
    assert lagging(lf, "community", "compound_coverage", n=2)["community"].to_list() == ["0", "1"]


def test_lagging_needs_a_target_for_non_rates():
    with pytest.raises(ValueError, match="target"):
        lagging(TWO_PERIODS, "district", "services")


def test_lagging_where_lower_is_better_counts_excess():
    lf = rows({"community": "A", "residents": 3000, "workers": 1}, {"community": "B", "residents": 500, "workers": 1})
    df = lagging(lf, "community", "residents_per_worker", target=1000)
    assert df.select("community", "residents_per_worker_gap").rows() == [("A", 2000.0)]


def test_the_rates_and_their_parts_come_from_the_catalog():
    from queries.coverage import PARTS, RATES

    assert RATES == ("compound_coverage", "grid_coverage", "property_coverage")
    assert PARTS == ("compounds", "compounds_with_party_org", "grids", "grids_with_party_org", "property_companies",
                     "property_companies_with_party_org")
