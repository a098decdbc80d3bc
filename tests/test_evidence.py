"""queries/evidence.py: every published fact with its source title, locality and category."""

from __future__ import annotations

import polars as pl

from queries.evidence import OTHER, facts_table
from tests.builders import LOCALITIES

FACTS = pl.DataFrame(
    {
        "fact_id": ["F1", "F2", "F3", "F4"],
        "source_id": ["S1", "S2", "S1", "S9"],
        "locality": ["梧州市", "梧州市", "梧州市", "无名镇"],
        "locality_level": ["city", "city", "city", "street"],
        "parent": [None, None, None, None],
        "indicator": ["compounds_with_party_org", "compounds_with_party_org", None, "services"],
        "subject": ["小区党支部", "小区党支部", "联席会议成员单位", None],
        "value": [201.0, 543.0, 19.0, 5.0],
        "unit": ["个", "个", "个", "次"],
        "qualifier": ["exact", "exact", "exact", "more_than"],
        "period": [None, None, None, "2021"],
        "evidence": ["小区党支部201个", "党支部543个", "19个单位", "5次"],
    }
)
SOURCES = pl.DataFrame({"source_id": ["S1", "S2"], "title": ["梧州报告", "邻里党建"]})


def test_every_fact_with_title_category_and_locality():
    df = facts_table(FACTS, SOURCES, LOCALITIES)
    assert df["fact_id"].to_list() == ["F1", "F2", "F3", "F4"]
    assert df["title"].to_list() == ["梧州报告", "邻里党建", "梧州报告", None]
    assert df["category"].to_list() == ["coverage", "coverage", OTHER, "services"]
    assert df["locality_id"].to_list() == ["450400", "450400", "450400", None]


def test_filters_by_locality_category_and_indicator():
    assert facts_table(FACTS, SOURCES, LOCALITIES, locality_id="450400")["fact_id"].to_list() == ["F1", "F2", "F3"]
    assert facts_table(FACTS, SOURCES, LOCALITIES, category=OTHER)["fact_id"].to_list() == ["F3"]
    only = facts_table(FACTS, SOURCES, LOCALITIES, locality_id="450400", indicator="compounds_with_party_org")
    assert only.select("value", "qualifier").rows() == [(201.0, "exact"), (543.0, "exact")]


def test_values_keep_the_reports_unit_and_qualifier():
    row = facts_table(FACTS, SOURCES, LOCALITIES, indicator="services").row(0, named=True)
    assert (row["value"], row["unit"], row["qualifier"], row["period"]) == (5.0, "次", "more_than", "2021")
