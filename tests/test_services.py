"""Services, problems, disputes, reported members and units: totals, normalised, change; service events."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from queries.events import monthly_services
from queries.services import TOTALS, services, services_change
from tests.builders import WANXIU_2024, rows_with

rows = rows_with(**WANXIU_2024)


TWO = rows(
    {
        "community": "A",
        "residents": 4000,
        "services": 10,
        "problems_solved": 4,
        "disputes_mediated": 2,
        "reported_members": 30,
        "reported_units": 1,
    },
    {
        "community": "B",
        "residents": 6000,
        "services": 30,
        "problems_solved": 6,
        "disputes_mediated": 0,
        "reported_members": 70,
        "reported_units": 3,
    },
)


@pytest.mark.parametrize(
    "column, expected",
    [
        ("services", 40),
        ("services_per_community", 20.0),
        ("services_per_10k", 40.0),
        ("problems_solved_per_10k", 10.0),
        ("disputes_mediated_per_community", 1.0),
        ("reported_members", 100),
        ("reported_members_per_10k", 100.0),
        ("reported_units_per_community", 2.0),
        ("reported_units_per_10k", 4.0),
    ],
)
def test_services_totals_and_normalised(column, expected):
    assert services(TWO, "district")[column].to_list() == [pytest.approx(expected)]


def test_every_total_comes_per_community_and_per_10k():
    cols = services(TWO, "city").columns
    assert all({t, f"{t}_per_community", f"{t}_per_10k"} <= set(cols) for t in TOTALS)


def test_per_10k_without_residents_is_null():
    assert services(rows({"community": "A", "services": 5, "residents": None}), "city")[
        "services_per_10k"
    ].to_list() == [None]


def test_services_per_community_at_community_level_is_its_own_count():
    df = services(TWO, "community")
    assert df.select("community", "services_per_community").rows() == [("A", 10.0), ("B", 30.0)]


CHANGE = rows(
    {"community": "A", "period": "2023", "residents": 1000, "services": 0},
    {"community": "A", "period": "2024", "residents": 1000, "services": 10},
    {"community": "A", "period": "2025", "residents": 2000, "services": 15},
)


def test_change_gives_previous_value_and_difference():
    df = services_change(CHANGE, "district").filter(pl.col("period") == "2025")
    assert df.select("prev_period", "services_prev", "services_change", "services_rel_change").row(0) == (
        "2024",
        10,
        5,
        0.5,
    )


def test_change_of_the_first_period_is_null():
    df = services_change(CHANGE, "district").filter(pl.col("period") == "2023")
    assert df.select("prev_period", "services_prev", "services_change").row(0) == (None, None, None)


def test_relative_change_from_zero_is_null():
    df = services_change(CHANGE, "district").filter(pl.col("period") == "2024")
    assert df["services_rel_change"].to_list() == [None]


def test_change_is_per_locality():
    lf = pl.concat(
        [CHANGE, rows({"community": "Z", "district_id": "450405", "period": "2025", "services": 99, "residents": 1})]
    )
    df = services_change(lf, "district").filter(pl.col("district_id") == "450405")
    assert df["services_prev"].to_list() == [None]


def test_normalised_indicators_change_too():
    df = services_change(CHANGE, "district").filter(pl.col("period") == "2025")
    assert df["services_per_10k_change"].to_list() == [pytest.approx(75.0 - 100.0)]


EVENTS = pl.LazyFrame(
    {
        "community_code": ["1", "1", "2", "2"],
        "date": [date(2024, 1, 3), date(2024, 1, 31), date(2024, 2, 1), date(2024, 1, 9)],
        "kind": ["visit", "visit", "visit", "mediation"],
        "participants": [1, 2, 3, 4],
    }
)


def test_monthly_services_counts_events_per_month_and_kind():
    df = monthly_services(EVENTS)
    assert df.rows() == [
        (date(2024, 1, 1), "mediation", 1),
        (date(2024, 1, 1), "visit", 2),
        (date(2024, 2, 1), "visit", 1),
    ]


def test_monthly_services_filters_kinds():
    assert monthly_services(EVENTS, kinds=["mediation"])["kind"].to_list() == ["mediation"]


def test_monthly_services_accepts_enum_kinds():
    df = monthly_services(EVENTS.with_columns(pl.col("kind").cast(pl.Enum(["visit", "mediation"]))))
    assert df["kind"].dtype == pl.String and df["services"].sum() == 4
