"""Comparing localities: scoping rows to a locality, long format, definitions, published beside roster."""

from __future__ import annotations

import polars as pl
import pytest

from queries.compare import PUBLISHED_NOTE, beside_published, compare, definitions, published_note, published_values
from queries.scope import by_locality, in_scope, locate_facts, scope_keys
from store.columns import CANONICAL

SCHEMA = {"dataset_id": pl.Int64, "synthetic": pl.Boolean, "city_id": pl.String, "district_id": pl.String, **CANONICAL}
LOCALITIES = pl.DataFrame(
    {
        "locality_id": [
            "450000",
            "450400",
            "450403",
            "450405",
            "450405/大塘街道",
            "450800",
            "450802",
            "450802/荷城社区",
            "140110",
        ],
        "name_zh": [
            "广西壮族自治区",
            "梧州市",
            "万秀区",
            "长洲区",
            "大塘街道",
            "贵港市",
            "港北区",
            "荷城社区",
            "晋源区",
        ],
        "name_en": [
            "Guangxi",
            "Wuzhou",
            "Wanxiu District",
            "Changzhou District",
            "Datang",
            "Guigang",
            "Gangbei District",
            "Hecheng",
            "Jinyuan District",
        ],
        "level": ["province", "city", "district", "district", "street", "city", "district", "community", "district"],
        "parent_id": [None, "450000", "450400", "450400", "450405", "450000", "450800", "450802", "140100"],
        "adcode": ["450000", "450400", "450403", "450405", None, "450800", "450802", None, "140110"],
    }
)


def rows(*records: dict) -> pl.LazyFrame:
    base = {"synthetic": True, "period": "2024", "residents": 1000}
    return pl.LazyFrame([{c: {**base, **r}.get(c) for c in SCHEMA} for r in records], schema=SCHEMA)


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
    assert df.filter(pl.col("basis") == "published")["note"].to_list() == [PUBLISHED_NOTE["en"]]
    assert df.filter(pl.col("basis") == "roster")["note"].to_list() == [None]


@pytest.mark.parametrize("lang, word", [("zh", "口径"), ("en", "definitions")])
def test_published_note_in_both_languages(lang, word):
    assert word in published_note(lang)
