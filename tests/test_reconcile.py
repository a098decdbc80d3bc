"""Reconciliation of published claims with rosters, and conflicts between published facts."""

from __future__ import annotations

import json

import polars as pl
import pytest

from queries.conflicts import conflicts
from queries.reconcile import REASONS, VERDICTS, reconcile
from tests.builders import LOCALITIES, WANXIU_2024, rows_with

rows = rows_with(**{**WANXIU_2024, "synthetic": True})


# Wuzhou's roster: 2 communities in 2024 (and one in 2023), 613 grids, compounds 99.5 % covered.
ROSTER = rows(
    {
        "community": "A",
        "compounds": 150,
        "compounds_with_party_org": 150,
        "grids": 300,
        "reported_members": 1500,
        "fund_service": 100_000.0,
        "fund_work": 50_000.0,
    },
    {
        "community": "B",
        "compounds": 50,
        "compounds_with_party_org": 49,
        "grids": 313,
        "reported_members": 1320,
        "fund_service": 120_000.0,
    },
    {"community": "A", "period": "2023", "compounds": 150, "compounds_with_party_org": 100, "grids": 200},
)


def fact(
    indicator: str | None, value: float, unit: str = "个", qualifier: str = "exact", period: str | None = None, **extra
) -> dict:
    return {
        "fact_id": "F1",
        "source_id": "S1",
        "locality": "梧州市",
        "locality_level": "city",
        "parent": None,
        "indicator": indicator,
        "subject": None,
        "value": value,
        "unit": unit,
        "qualifier": qualifier,
        "period": period,
        "evidence": "…",
        **extra,
    }


def wording(record: dict, bounds: str, low: float | None, high: float | None) -> dict:
    """A fact with the interval its wording gives (facts.csv low, high, bounds)."""
    return {**record, "low": low, "high": high, "bounds": bounds}


def measured(record: dict, *, counts: str, per: str = "", period_kind: str = "point") -> dict:
    """A fact that says what it counts, per what and over which period (facts.csv counts, per, period_kind)."""
    return {**record, "counts": counts, "per": per, "period_kind": period_kind}


def facts(*records: dict) -> pl.DataFrame:
    records = [{**r, "fact_id": r["fact_id"] if r["fact_id"] != "F1" else f"F{i + 1}"} for i, r in enumerate(records)]
    columns = dict.fromkeys(c for r in records for c in r)
    numbers = {"value", "low", "high"}
    return pl.DataFrame(
        [{c: r.get(c) for c in columns} for r in records],
        schema={c: pl.Float64 if c in numbers else pl.String for c in columns},
    )


def verdict(record: dict, roster: pl.LazyFrame = ROSTER) -> dict:
    return reconcile(facts(record), roster, LOCALITIES).row(0, named=True)


@pytest.mark.parametrize(
    "claim, expected",
    [
        (fact("grids", 613), "consistent"),
        (fact("grids", 612), "contradicted"),  # 612 is stated to the unit: [611.5, 612.5]
        (fact("grids", 650), "contradicted"),
        (fact("compound_coverage", 100, "%"), "consistent"),  # 99.5 % lies in [99.5, 100]
        (fact("compound_coverage", 99.5, "%"), "consistent"),
        (fact("compound_coverage", 98, "%"), "contradicted"),
        (fact("reported_members", 2800, "名", "more_than"), "consistent"),  # no wording: (2800, ∞)
        (fact("reported_members", 2820, "名", "more_than"), "contradicted"),  # 2820 is not more than 2820
        (wording(fact("reported_members", 2800, "名", "more_than"), "[)", 2800, 2900), "consistent"),  # 2800多
        (wording(fact("reported_members", 2700, "名", "more_than"), "[)", 2700, 2800), "contradicted"),  # 2700多
        (fact("grids", 620, qualifier="about"), "consistent"),  # no wording: ±10 %
        (fact("grids", 700, qualifier="about"), "contradicted"),
        (fact("fund_service_per_community", 100_000, "元", "at_least"), "consistent"),
        (
            fact("fund_service_per_community", 110_000, "元", "at_least"),
            "contradicted",
        ),  # the lowest community has 100,000
        (fact("fund_service_per_community", 90_000, "元", "more_than"), "consistent"),
        (fact("fund_service_per_community", 120_000, "元", "more_than"), "contradicted"),  # the lowest has 100,000
        (fact("fund_total_per_community", 150_000, "元", "up_to"), "consistent"),
        (fact("fund_total_per_community", 140_000, "元", "up_to"), "contradicted"),
        (fact("grids", 613, period="2019"), "no_data"),
        (fact("grids", 613, locality="无名市"), "no_data"),
        (fact("first_secretaries", 215, "名"), "no_data"),  # only reports state it
    ],
)
def test_verdict(claim, expected):
    assert verdict(claim)["verdict"] == expected


# ------------------------------------------------------------------ the cases, on a roster built for them
def test_more_than_30000_against_29299_is_contradicted():
    roster = rows({"community": "A", "reported_members": 29_299})
    row = verdict(wording(fact("reported_members", 30_000, "名", "more_than"), "[)", 30_000, 40_000), roster)
    assert (row["verdict"], row["reason"], row["roster"]) == ("contradicted", "below_interval", 29_299.0)


def test_610_odd_against_613_is_consistent():
    row = verdict(wording(fact("grids", 610, qualifier="more_than"), "[)", 610, 620))
    assert (row["verdict"], row["reason"], row["roster"]) == ("consistent", "in_interval", 613.0)


def test_a_cumulative_total_against_one_year_is_not_comparable():
    claim = measured(fact("fund_total", 60_000_000, "元", "more_than"), counts="yuan", period_kind="cumulative")
    row = verdict(wording(claim, "[)", 60_000_000, 70_000_000))
    assert (row["verdict"], row["reason"]) == ("not_comparable", "period_kind_differs")
    assert "cumulative" in row["message"] and "annual" in row["message"]


def test_person_times_against_a_count_of_services_is_not_comparable():
    roster = rows({"community": "A", "services": 55_300})
    row = verdict(fact("services", 55_300, "人次"), roster)
    assert (row["verdict"], row["reason"]) == ("not_comparable", "unit_kind_differs")
    assert json.loads(row["reason_params"])["claim_counts"] == "person_times"


def test_a_per_year_rate_against_a_total_is_not_comparable():
    row = verdict(measured(fact("grids", 613), counts="grids", per="year", period_kind="point"))
    assert (row["verdict"], row["reason"]) == ("not_comparable", "per_differs")


def test_an_open_end_excludes_its_bound():
    row = verdict(wording(fact("grids", 613, qualifier="more_than"), "()", 613, None))
    assert (row["verdict"], row["reason"]) == ("contradicted", "below_interval")


def test_every_reason_names_its_verdict():
    df = reconcile(
        facts(fact("grids", 613), fact("grids", 650), fact("grids", 1, period="2019"), fact("first_secretaries", 2)),
        ROSTER,
        LOCALITIES,
    )
    assert all(REASONS[r] == v for r, v in df.select("reason", "verdict").rows())
    assert df["message"].null_count() == 0


def test_period_sets_undated_claims_against_that_roster_period():
    row = reconcile(facts(fact("grids", 200)), ROSTER, LOCALITIES, period="2023").row(0, named=True)
    assert (row["period"], row["roster"], row["verdict"]) == ("2023", 200.0, "consistent")


def test_intervals_are_in_catalog_units():
    row = verdict(fact("compound_coverage", 100, "%"))
    assert (row["low"], row["high"], row["bounds"]) == (pytest.approx(0.995), 1.0, "[]")


def test_verdicts_are_the_documented_ones():
    df = reconcile(facts(fact("grids", 613), fact("grids", 1, period="2019")), ROSTER, LOCALITIES)
    assert set(df["verdict"]) <= set(VERDICTS)


def test_percent_claims_are_compared_as_fractions():
    row = verdict(fact("compound_coverage", 100, "%"))
    assert (row["claimed"], row["roster"]) == (1.0, pytest.approx(199 / 200))


def test_a_per_community_floor_is_set_against_the_lowest_community():
    row = verdict(fact("fund_service_per_community", 100_000, "元", "at_least"))
    assert (row["statistic"], row["roster"]) == ("min", 100_000.0)


def test_an_exact_per_community_claim_is_set_against_the_pooled_value():
    row = verdict(fact("fund_service_per_community", 110_000, "元"))
    assert (row["statistic"], row["roster"]) == ("pooled", 110_000.0)


def test_a_fact_without_a_period_uses_the_latest_roster_period():
    assert verdict(fact("grids", 613))["period"] == "2024"


def test_a_fact_with_a_period_uses_that_period():
    row = verdict(fact("grids", 200, period="2023"))
    assert (row["period"], row["roster"], row["verdict"]) == ("2023", 200.0, "consistent")


def test_gap_is_roster_minus_claim():
    assert verdict(fact("grids", 600))["gap"] == 13.0


def test_facts_without_a_catalog_indicator_are_left_out():
    df = reconcile(facts(fact(None, 201, subject="小区党支部"), fact("grids", 613)), ROSTER, LOCALITIES)
    assert df["indicator"].to_list() == ["grids"]


def test_a_district_claim_uses_the_district_rows():
    row = verdict(fact("grids", 613, locality="万秀区", locality_level="district", parent="梧州市"))
    assert (row["locality_id"], row["verdict"]) == ("450403", "consistent")


def test_a_district_without_rows_has_no_data():
    row = verdict(fact("grids", 10, locality="岑溪市", locality_level="district", parent="梧州市"))
    assert (row["locality_id"], row["verdict"]) == ("450481", "no_data")


def test_synthetic_rosters_are_flagged():
    assert verdict(fact("grids", 613))["synthetic"] is True


# ------------------------------------------------------------------ conflicts
WUZHOU = facts(
    fact("compounds_with_party_org", 201, source_id="S000", subject="小区党支部"),
    fact("compounds_with_party_org", 543, source_id="S002", subject="小区党支部"),
    fact("grids", 613, source_id="S000"),
    fact("grids", 613, source_id="S002"),
    fact("communities", 57, source_id="S000"),
)


def test_conflicting_facts_from_different_sources_form_a_group():
    df = conflicts(WUZHOU)
    assert df.select("conflict_id", "value", "source_id").rows() == [(1, 201.0, "S000"), (1, 543.0, "S002")]


def test_agreeing_facts_are_no_conflict():
    assert conflicts(WUZHOU.filter(pl.col("indicator") == "grids")).is_empty()


def test_one_source_disagreeing_with_itself_is_no_conflict_between_sources():
    assert conflicts(WUZHOU.with_columns(pl.lit("S000").alias("source_id"))).is_empty()


def test_different_periods_do_not_conflict():
    df = WUZHOU.with_columns(
        pl.when(pl.col("value") == 543).then(pl.lit("2022")).otherwise(pl.col("period")).alias("period")
    )
    assert conflicts(df).is_empty()


def test_facts_without_indicator_conflict_by_subject():
    df = WUZHOU.with_columns(pl.lit(None, pl.String).alias("indicator"))
    assert conflicts(df)["subject"].unique().to_list() == ["小区党支部"]


def test_conflicts_keep_the_evidence():
    assert conflicts(WUZHOU)["evidence"].null_count() == 0


def test_ranges_that_overlap_do_not_conflict():
    df = facts(
        fact("grids", 613, source_id="S000"),
        wording(fact("grids", 610, qualifier="more_than", source_id="S002"), "[)", 610, 620),  # 610多
    )
    assert conflicts(df).is_empty()


def test_ranges_that_only_touch_at_an_open_end_conflict():
    df = facts(
        wording(fact("grids", 610, qualifier="more_than", source_id="S000"), "[)", 610, 620),
        wording(fact("grids", 620, qualifier="more_than", source_id="S002"), "[)", 620, 630),
    )
    assert conflicts(df)["fact_id"].to_list() == ["F1", "F2"]


def test_figures_over_different_periods_do_not_conflict():
    df = facts(
        measured(fact("problems_solved", 2800, source_id="S000"), counts="problems", period_kind="unknown"),
        measured(fact("problems_solved", 2400, source_id="S002"), counts="problems", period_kind="annual"),
    )
    assert conflicts(df).is_empty()
