"""Comparing localities: scoping rows to a locality, long format, definitions, published beside roster."""

from __future__ import annotations

import polars as pl
import pytest

from queries.compare import (
    beside_published,
    compare,
    definitions,
    published,
    published_note,
    published_values,
    snapshot,
)
from queries.scope import by_locality, in_scope, locate_facts, scope_keys
from tests.builders import LOCALITIES, rows_with

rows = rows_with(synthetic=True, period="2024", residents=1000)


ROWS = rows(
    {
        "city_id": "450400",
        "district_id": "450403",
        "street": "城东街道",
        "community": "A",
        "compounds": 10,
        "compounds_with_party_org": 10,
        "services": 10,
    },
    {
        "city_id": "450400",
        "district_id": "450405",
        "street": "大塘街道",
        "community": "B",
        "compounds": 10,
        "compounds_with_party_org": 5,
        "services": 30,
    },
    {
        "city_id": "450400",
        "district_id": "450405",
        "street": "新兴街道",
        "community": "C",
        "compounds": 0,
        "compounds_with_party_org": 0,
        "services": 20,
    },
    {
        "city_id": "450800",
        "district_id": "450802",
        "street": None,
        "community": "荷城社区",
        "compounds": 4,
        "compounds_with_party_org": 1,
        "services": 5,
    },
)


@pytest.mark.parametrize(
    "locality_id, communities",
    [
        ("450400", ["A", "B", "C"]),
        ("450405", ["B", "C"]),
        ("450405/大塘街道", ["B"]),
        ("450802/荷城社区", ["荷城社区"]),
        ("450000", ["A", "B", "C", "荷城社区"]),
    ],
)
def test_in_scope_selects_the_rows_of_a_locality(locality_id, communities):
    assert sorted(in_scope(ROWS, locality_id, LOCALITIES).collect()["community"]) == communities


def test_in_scope_refuses_an_unknown_locality():
    with pytest.raises(ValueError, match="999999"):
        in_scope(ROWS, "999999", LOCALITIES)


def test_scope_keys_of_a_district_name_its_city():
    assert scope_keys(LOCALITIES, ["450403"]).select("city_id", "district_id").row(0) == ("450400", "450403")


def test_by_locality_mixes_levels():
    df = by_locality(ROWS, ["450400", "450405", "450405/大塘街道"], LOCALITIES, ["communities"])
    assert df.select("locality_id", "communities").rows() == [("450400", 3), ("450405", 2), ("450405/大塘街道", 1)]


def test_compare_is_long_format():
    df = compare(ROWS, ["450400", "450802"], ["compound_coverage", "services_per_community"], LOCALITIES)
    assert df.columns == ["locality_id", "period", "indicator", "value"]
    assert df.rows() == [
        ("450400", "2024", "compound_coverage", 0.75),
        ("450400", "2024", "services_per_community", 20.0),
        ("450802", "2024", "compound_coverage", 0.25),
        ("450802", "2024", "services_per_community", 5.0),
    ]


def test_compare_keeps_no_data_as_null():
    df = compare(
        rows({"city_id": "450400", "district_id": "450403", "community": "A", "compounds": 0}),
        ["450400"],
        ["compound_coverage"],
        LOCALITIES,
    )
    assert df["value"].to_list() == [None]


def test_compare_filters_periods():
    lf = pl.concat([ROWS, ROWS.with_columns(pl.lit("2023").alias("period"))])
    assert compare(lf, ["450400"], ["services"], LOCALITIES, periods=["2023"])["period"].to_list() == ["2023"]


def test_compare_locality_without_rows_has_no_rows():
    assert compare(ROWS, ["140110"], ["services"], LOCALITIES).is_empty()


def test_compare_refuses_an_unknown_indicator():
    with pytest.raises(KeyError, match="coverage_pct"):
        compare(ROWS, ["450400"], ["coverage_pct"], LOCALITIES)


@pytest.mark.parametrize("lang, name", [("zh", "小区党组织覆盖率"), ("en", "Compound party-organisation coverage")])
def test_definitions_in_either_language(lang, name):
    row = definitions(["compound_coverage"], lang).row(0, named=True)
    assert row["name"] == name and row["formula"].startswith("sum(") and row["definition"]


def test_definitions_refuse_an_unknown_language():
    with pytest.raises(ValueError, match="lang"):
        definitions(["grids"], "fr")


FACTS = pl.DataFrame(
    {
        "fact_id": ["F1", "F2", "F3", "F4"],
        "source_id": ["S1", "S1", "S2", "S2"],
        "locality": ["梧州市", "梧州市", "港北区", "荷城社区"],
        "locality_level": ["city", "city", "district", "community"],
        "parent": [None, "广西壮族自治区", "贵港市", "Gangbei District"],
        "indicator": ["compound_coverage", "grids", None, "services"],
        "subject": [None, None, "服务活动", None],
        "value": [100.0, 613.0, 5.0, 300.0],
        "unit": ["%", "个", "次", "次"],
        "qualifier": ["exact", "exact", "more_than", "more_than"],
        "period": [None, "2024", None, "2024"],
        "evidence": ["实现全覆盖", "划分为613个网格", "…", "…"],
    }
)


def test_published_values_turn_percent_into_fractions():
    row = published_values(FACTS, LOCALITIES).filter(pl.col("fact_id") == "F1").row(0, named=True)
    assert (row["locality_id"], row["value"]) == ("450400", 1.0)


def test_published_values_skip_facts_without_a_catalog_indicator():
    assert "F3" not in published_values(FACTS, LOCALITIES)["fact_id"].to_list()


def test_locate_facts_matches_a_parent_by_english_name_and_any_ancestor():
    located = locate_facts(FACTS, LOCALITIES)
    assert dict(located.select("fact_id", "locality_id").rows()) == {
        "F1": "450400",
        "F2": "450400",
        "F3": "450802",
        "F4": "450802/荷城社区",
    }


def test_locate_facts_leaves_an_ambiguous_name_unmatched():
    locs = pl.concat(
        [
            LOCALITIES,
            pl.DataFrame(
                [
                    {
                        "locality_id": "999",
                        "name_zh": "港北区",
                        "name_en": None,
                        "level": "district",
                        "parent_id": "140100",
                        "adcode": None,
                    }
                ],
                schema=LOCALITIES.schema,
            ),
        ]
    )
    located = locate_facts(FACTS.with_columns(pl.lit(None, pl.String).alias("parent")), locs)
    assert located.filter(pl.col("fact_id") == "F3")["locality_id"].to_list() == [None]


def test_beside_published_labels_basis_and_qualifier():
    df = beside_published(ROWS, FACTS, LOCALITIES, ["450400"], ["compound_coverage"])
    assert sorted(df.select("basis", "value", "qualifier", "synthetic").rows()) == [
        ("published", 1.0, "exact", False),
        ("roster", 0.75, "exact", True),
    ]


def test_beside_published_notes_that_definitions_may_differ():
    df = beside_published(ROWS, FACTS, LOCALITIES, ["450400"], ["compound_coverage"], lang="en")
    assert df.filter(pl.col("basis") == "published")["note"].to_list() == [published_note("en")]
    assert df.filter(pl.col("basis") == "roster")["note"].to_list() == [None]


@pytest.mark.parametrize("lang, word", [("zh", "口径"), ("en", "definitions")])
def test_published_note_in_both_languages(lang, word):
    assert word in published_note(lang)


# ------------------------------------------------------------------ published totals from parts, snapshots
def _facts(*records: tuple) -> pl.DataFrame:
    """(fact_id, source_id, locality, indicator, value, unit, qualifier) → facts frame."""
    return pl.DataFrame(
        [
            {
                "fact_id": f,
                "source_id": s,
                "locality": loc,
                "locality_level": "district" if loc.endswith("区") else "city",
                "parent": None,
                "indicator": ind,
                "subject": None,
                "value": v,
                "unit": u,
                "qualifier": q,
                "period": None,
                "evidence": f"{f} 原文",
            }
            for f, s, loc, ind, v, u, q in records
        ]
    )


FUND_FACTS = _facts(
    ("F1", "S1", "梧州市", "fund_service_per_community", 100_000.0, "元", "at_least"),
    ("F2", "S1", "梧州市", "fund_work_per_community", 50_000.0, "元", "exact"),
    ("F3", "S2", "贵港市", "fund_service_per_community", 200_000.0, "元", "at_least"),
    ("F4", "S3", "港北区", "fund_total_per_community", 180_000.0, "元", "exact"),
    ("F5", "S3", "港北区", "fund_service_per_community", 90_000.0, "元", "exact"),
)


def test_published_without_parts_is_published_values_of_the_localities():
    df = published(FUND_FACTS, LOCALITIES, ["450400"])
    assert sorted(df["fact_ids"].list.first()) == ["F1", "F2"]
    assert df["parts"].null_count() == df.height


def test_published_adds_a_total_up_from_its_parts_as_a_floor():
    df = published(FUND_FACTS, LOCALITIES, indicators=["fund_total_per_community"], parts=True)
    got = {r["locality_id"]: r for r in df.iter_rows(named=True)}
    # Wuzhou: ≥10万 + 5万 → at least 15万, both facts named, in catalog order of the parts
    assert (got["450400"]["fact_ids"], got["450400"]["value"], got["450400"]["qualifier"]) == (
        ["F1", "F2"],
        150_000.0,
        "at_least",
    )
    assert got["450400"]["parts"] == [100_000.0, 50_000.0]
    assert got["450400"]["source_ids"] == ["S1"]
    # Guigang publishes one part only: still a floor of the total
    assert (got["450800"]["value"], got["450800"]["qualifier"]) == (200_000.0, "at_least")
    # Gangbei publishes the total itself: the report's figure, not a sum
    assert (got["450802"]["fact_ids"], got["450802"]["qualifier"], got["450802"]["parts"]) == (["F4"], "exact", None)


def test_published_keeps_the_parts_rows():
    df = published(FUND_FACTS, LOCALITIES, ["450400"], parts=True)
    assert sorted(df["fact_ids"].to_list()) == [["F1"], ["F1", "F2"], ["F2"]]


def test_a_complete_set_of_exact_parts_makes_an_exact_total():
    kinds = ["fund_service", "fund_work", "fund_party", "fund_other"]
    facts = _facts(*((f"F{i}", "S1", "梧州市", k, 10.0, "元", "exact") for i, k in enumerate(kinds)))
    row = published(facts, LOCALITIES, indicators=["fund_total"], parts=True).row(0, named=True)
    assert (row["value"], row["qualifier"]) == (40.0, "exact")


def test_parts_that_give_no_bound_or_disagree_are_not_added_up():
    vague = _facts(("F1", "S1", "梧州市", "fund_service_per_community", 100.0, "元", "about"))
    assert published(vague, LOCALITIES, indicators=["fund_total_per_community"], parts=True).is_empty()
    conflicting = _facts(
        ("F1", "S1", "梧州市", "fund_work_per_community", 100.0, "元", "exact"),
        ("F2", "S2", "梧州市", "fund_work_per_community", 200.0, "元", "exact"),
    )
    assert published(conflicting, LOCALITIES, indicators=["fund_total_per_community"], parts=True).is_empty()


def test_beside_published_with_parts_and_latest_period():
    lf = pl.concat([ROWS, ROWS.with_columns(pl.lit("2023").alias("period"))])
    df = beside_published(lf, FUND_FACTS, LOCALITIES, ["450400"], ["fund_total_per_community"], latest=True, parts=True)
    assert sorted(df.select("basis", "fact_ids").rows(), key=str) == [("published", ["F1", "F2"]), ("roster", None)]
    assert df.filter(pl.col("basis") == "roster")["period"].to_list() == ["2024"]


ROWS_TWO_PERIODS = pl.concat(
    [ROWS, ROWS.with_columns(pl.lit("2023").alias("period"), pl.col("services") * 2)]
).filter(~((pl.col("period") == "2024") & (pl.col("city_id") == "450800")))


def test_snapshot_takes_each_localitys_latest_period():
    df = snapshot(ROWS_TWO_PERIODS, ["450400", "450800"], LOCALITIES, ["services"])
    assert df.select("locality_id", "period", "services").rows() == [("450400", "2024", 60), ("450800", "2023", 10)]
    assert df["synthetic"].to_list() == [True, True]


def test_snapshot_of_a_period_leaves_out_localities_without_it():
    df = snapshot(ROWS_TWO_PERIODS, ["450400", "450800"], LOCALITIES, ["services"], "2024")
    assert df["locality_id"].to_list() == ["450400"]


def test_snapshot_per_community_names_the_locality_chosen():
    df = snapshot(ROWS, ["450405", "450400"], LOCALITIES, ["compound_coverage"], communities=True)
    assert df.select("locality_id", "community", "compound_coverage").rows() == [
        ("450405", "B", 0.5),
        ("450405", "C", None),
        ("450400", "A", 1.0),
        ("450400", "B", 0.5),
        ("450400", "C", None),
    ]


def test_published_merge_joins_reports_that_state_the_same_figure_and_keeps_disagreements():
    facts = _facts(
        ("F1", "S1", "梧州市", "compound_coverage", 100.0, "%", "exact"),
        ("F2", "S2", "梧州市", "compound_coverage", 100.0, "%", "exact"),
        ("F3", "S1", "梧州市", "compounds_with_party_org", 201.0, "个", "exact"),
        ("F4", "S2", "梧州市", "compounds_with_party_org", 543.0, "个", "exact"),
    )
    df = published(facts, LOCALITIES, ["450400"], merge=True)
    assert df.select("indicator", "fact_ids", "source_ids", "value").rows() == [
        ("compound_coverage", ["F1", "F2"], ["S1", "S2"], 1.0),
        ("compounds_with_party_org", ["F3"], ["S1"], 201.0),
        ("compounds_with_party_org", ["F4"], ["S2"], 543.0),
    ]


def test_published_values_over_the_same_frames_are_computed_once(tables):
    from queries.compare import published_values

    first = published_values(tables["facts"], tables["localities"])
    assert published_values(tables["facts"], tables["localities"]) is first
    copy = tables["facts"].clone()  # another frame, even with the same rows, is computed for itself
    again = published_values(copy, tables["localities"])
    assert again is not first and again.equals(first)
