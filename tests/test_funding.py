"""Funding: row-wise totals that respect missing figures, per community and resident, the spread."""

from __future__ import annotations

import polars as pl
import pytest

from queries.funding import community_funding, funding, funding_spread
from tests.builders import WANXIU_2024, rows_with

rows = rows_with(**WANXIU_2024)


@pytest.mark.parametrize(
    "funds, total",
    [
        ((100.0, 50.0, 20.0, 5.0), 175.0),
        ((100.0, None, None, None), 100.0),
        ((None, 50.0, None, 0.0), 50.0),
        ((None, None, None, None), None),
        ((0.0, 0.0, 0.0, 0.0), 0.0),
    ],
)
def test_fund_total_is_the_row_sum_ignoring_missing_kinds(funds, total):
    record = dict(zip(("fund_service", "fund_work", "fund_party", "fund_other"), funds, strict=True), community="A")
    assert community_funding(rows(record))["fund_total"].to_list() == [total]


def test_all_missing_funds_give_no_total_in_a_locality_either():
    df = funding(rows({"community": "A"}, {"community": "B"}), "district")
    assert df.select("fund_service", "fund_total", "fund_total_per_community").row(0) == (None, None, None)


def test_funds_per_community_divide_by_every_community():
    df = funding(rows({"community": "A", "fund_service": 100.0}, {"community": "B", "fund_service": 300.0}), "district")
    assert df["fund_service_per_community"].to_list() == [200.0]


@pytest.mark.parametrize(
    "column, expected",
    [
        ("fund_total", 450.0),
        ("fund_total_per_community", 225.0),
        ("fund_other_per_community", 25.0),
        ("fund_per_resident", 450.0 / 30),
    ],
)
def test_funding_by_kind_and_total(column, expected):
    lf = rows(
        {"community": "A", "residents": 10, "fund_service": 100.0, "fund_work": 50.0, "fund_other": 50.0},
        {"community": "B", "residents": 20, "fund_service": 200.0, "fund_party": 50.0},
    )
    assert funding(lf, "city")[column].to_list() == [pytest.approx(expected)]


def test_fund_per_resident_without_residents_is_null():
    assert community_funding(rows({"community": "A", "fund_service": 1.0, "residents": 0}))[
        "fund_per_resident"
    ].to_list() == [None]


SPREAD = rows(
    *({"community": str(i), "fund_service": v} for i, v in enumerate([80_000.0, 100_000.0, 100_000.0, 200_000.0]))
)


@pytest.mark.parametrize(
    "column, expected",
    [
        ("fund_service_per_community_min", 80_000.0),
        ("fund_service_per_community_median", 100_000.0),
        ("fund_service_per_community_max", 200_000.0),
    ],
)
def test_spread_across_communities(column, expected):
    assert funding_spread(SPREAD, "district")[column].to_list() == [expected]


def test_spread_shows_a_floor_the_mean_hides():
    row = funding_spread(SPREAD, "city").row(0, named=True)
    mean = funding(SPREAD, "city")["fund_service_per_community"].item()
    assert mean >= 100_000 > row["fund_service_per_community_min"]


def test_spread_is_per_locality_and_period():
    lf = pl.concat([SPREAD, rows({"community": "X", "period": "2025", "fund_service": 1.0})])
    assert funding_spread(lf, "district").select("period", "communities").rows() == [("2024", 4), ("2025", 1)]


def test_spread_needs_more_than_one_community():
    with pytest.raises(ValueError, match="spread"):
        funding_spread(SPREAD, "community")
