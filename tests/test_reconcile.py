"""Reconciliation of published claims with rosters, and conflicts between published facts."""

from __future__ import annotations

import polars as pl
import pytest

from queries.conflicts import conflicts
from queries.reconcile import VERDICTS, reconcile
from store.columns import CANONICAL

SCHEMA = {"dataset_id": pl.Int64, "synthetic": pl.Boolean, "city_id": pl.String, "district_id": pl.String, **CANONICAL}
LOCALITIES = pl.DataFrame(
    {
        "locality_id": ["450000", "450400", "450403", "450481"],
        "name_zh": ["广西壮族自治区", "梧州市", "万秀区", "岑溪市"],
        "name_en": ["Guangxi", "Wuzhou", "Wanxiu District", "Cenxi"],
        "level": ["province", "city", "district", "district"],
        "parent_id": [None, "450000", "450400", "450400"],
        "adcode": ["450000", "450400", "450403", "450481"],
    }
)


def rows(*records: dict) -> pl.LazyFrame:
    base = {"synthetic": True, "city_id": "450400", "district_id": "450403", "street": "城东街道", "period": "2024"}
    return pl.LazyFrame([{c: {**base, **r}.get(c) for c in SCHEMA} for r in records], schema=SCHEMA)


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


def facts(*records: dict) -> pl.DataFrame:
    records = [{**r, "fact_id": r["fact_id"] if r["fact_id"] != "F1" else f"F{i + 1}"} for i, r in enumerate(records)]
    return pl.DataFrame(records, schema={**{c: pl.String for c in records[0]}, "value": pl.Float64})


def verdict(record: dict, roster: pl.LazyFrame = ROSTER) -> dict:
    return reconcile(facts(record), roster, LOCALITIES).row(0, named=True)


@pytest.mark.parametrize(
    "claim, expected",
    [
        (fact("grids", 613), "consistent"),
        (fact("grids", 600), "within_rounding"),  # 600 is stated to the hundred: ±50
        (fact("grids", 650), "contradicted"),
        (fact("compound_coverage", 100, "%"), "within_rounding"),  # 99.5 % rounds to 100 %
        (fact("compound_coverage", 99.5, "%"), "consistent"),
        (fact("compound_coverage", 98, "%"), "contradicted"),
        (fact("reported_members", 2800, "名", "more_than"), "consistent"),
        (fact("reported_members", 2900, "名", "more_than"), "within_rounding"),  # 2820 is within 5 % below
        (fact("reported_members", 3000, "名", "more_than"), "contradicted"),
        (fact("grids", 620, qualifier="about"), "within_rounding"),
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
    ],
)
def test_verdict(claim, expected):
    assert verdict(claim)["verdict"] == expected


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
