"""Grain tests in dbt's manner: each query's docstring states its grain, and its key columns are unique.

One table: query, how it is called on the shared fixture (tests/query_cases.py), the key columns of
one row. A query that is not listed here fails test_every_query_states_its_grain.
"""

from __future__ import annotations

import importlib
import inspect

import polars as pl
import pytest

from tests.builders import LOCALITIES
from tests.query_cases import CALLS, EVENTS, FACTS, FIXTURE, SOURCES

COMMUNITY = ["district_id", "community", "period"]  # community names repeat across districts, not within one

# name -> (call, key columns of one row)
GRAIN: dict[str, tuple] = {
    "base.aggregate": (lambda m: m.aggregate(FIXTURE, ["district_id", "period"], ["compound_coverage", "streets"]),
                       ["district_id", "period"]),
    "base.at_level": (lambda m: m.at_level(FIXTURE, "street", ["grid_coverage"]),
                      ["city_id", "district_id", "street", "period"]),
    "base.community_values": (lambda m: m.community_values(FIXTURE, ["fund_total"]), COMMUNITY),
    "base.rollup": (lambda m: m.rollup(FIXTURE, ["city_id", "district_id", "period"], [(["city_id", "period"], None)],
                                       ["compound_coverage"])[0], ["city_id", "period"]),
    "base.with_change": (lambda m: m.with_change(m.at_level(FIXTURE, "district", ["services"]),
                                                 ["city_id", "district_id"], ["services"]),
                         ["city_id", "district_id", "period"]),
    "compare.beside_published": (
        lambda m: m.beside_published(FIXTURE, FACTS, LOCALITIES, ["450400"], ["compound_coverage",
                                                                            "compounds_with_party_org"]),
        ["locality_id", "period", "indicator", "basis", "fact_ids"]),
    "compare.compare": (lambda m: m.compare(FIXTURE, ["450400", "450802"], ["compound_coverage", "grids"], LOCALITIES),
                        ["locality_id", "period", "indicator"]),
    "compare.definitions": (lambda m: m.definitions(["compound_coverage", "grids"]), ["indicator"]),
    "compare.published": (lambda m: m.published(FACTS, LOCALITIES, parts=True),
                          ["locality_id", "period", "indicator", "fact_ids"]),
    "compare.published_values": (lambda m: m.published_values(FACTS, LOCALITIES), ["fact_id"]),
    "compare.snapshot": (lambda m: m.snapshot(FIXTURE, ["450400", "450403", "450802"], LOCALITIES, ["grids"]),
                         ["locality_id"]),
    "conflicts.conflicts": (lambda m: m.conflicts(FACTS), ["fact_id"]),
    "coverage.below_threshold": (lambda m: m.below_threshold(FIXTURE), COMMUNITY),
    "coverage.coverage": (lambda m: m.coverage(FIXTURE, "district"), ["city_id", "district_id", "period"]),
    "events.monthly_services": (lambda m: m.monthly_services(EVENTS), ["month", "kind"]),
    "evidence.facts_table": (lambda m: m.facts_table(FACTS, SOURCES, LOCALITIES), ["fact_id"]),
    "funding.community_funding": (lambda m: m.community_funding(FIXTURE), COMMUNITY),
    "funding.funding": (lambda m: m.funding(FIXTURE, "city"), ["city_id", "period"]),
    "funding.funding_spread": (lambda m: m.funding_spread(FIXTURE, "district"), ["city_id", "district_id", "period"]),
    "kpis.kpis": (lambda m: m.kpis(FIXTURE, "450400", LOCALITIES), ["locality_id", "period", "indicator"]),
    "kpis.lagging": (lambda m: m.lagging(FIXTURE, "community", "compound_coverage", 10), COMMUNITY),
    "reconcile.reconcile": (lambda m: m.reconcile(FACTS, FIXTURE, LOCALITIES), ["fact_id"]),
    "reconcile.with_intervals": (lambda m: m.with_intervals(FACTS), ["fact_id"]),
    "scope.by_locality": (lambda m: m.by_locality(FIXTURE, ["450400", "450405/大塘街道"], LOCALITIES, ["grids"]),
                          ["locality_id", "period"]),
    "scope.locate_facts": (lambda m: m.locate_facts(FACTS, LOCALITIES), ["fact_id"]),
    # a province selects by city: one row per city below it
    "scope.scope_keys": (lambda m: m.scope_keys(LOCALITIES), ["locality_id", "city_id"]),
    "services.services": (lambda m: m.services(FIXTURE, "community"), COMMUNITY),
    "services.services_change": (lambda m: m.services_change(FIXTURE, "district"),
                                 ["city_id", "district_id", "period"]),
    "workforce.workforce": (lambda m: m.workforce(FIXTURE, "street"), ["city_id", "district_id", "street", "period"]),
}
# Calls whose grain depends on an option: (call, keys) besides the table's.
VARIANTS: list[tuple[str, object, list[str]]] = [
    ("compare.published merged", lambda m: m.published(FACTS, LOCALITIES, merge=True),
     ["locality_id", "period", "indicator", "value", "qualifier"]),
    ("compare.snapshot communities", lambda m: m.snapshot(FIXTURE, ["450400", "450802"], LOCALITIES, ["grids"], "2024",
                                                          communities=True),
     ["locality_id", "district_id", "community", "period"]),
    ("base.rollup district", lambda m: m.rollup(FIXTURE, ["city_id", "district_id", "period"],
                                                [(["district_id", "period"], None)], ["grids"])[0],
     ["district_id", "period"]),
]


def _module(name: str):
    return importlib.import_module(f"queries.{name.split('.')[0]}")


def duplicated_keys(df: pl.DataFrame, keys: list[str]) -> list[tuple]:
    """The key values that more than one row holds (nulls equal to each other, as in a group-by)."""
    missing = [k for k in keys if k not in df.columns]
    assert missing == [], f"key columns absent from the result: {missing}"
    hashed = df.select(pl.struct(keys).hash().alias("_k"), *keys)
    return hashed.filter(pl.col("_k").is_duplicated()).select(keys).unique().rows()


def test_every_query_states_its_grain():
    assert set(GRAIN) == set(CALLS)


@pytest.mark.parametrize("name", sorted(GRAIN))
def test_query_docstring_states_its_grain(name):
    fn = getattr(_module(name), name.split(".")[1])
    doc = " ".join((inspect.getdoc(fn) or "").split()).lower()
    assert "one row per" in doc or "one row for each" in doc, f"{name}: the docstring does not say what one row is"


@pytest.mark.parametrize("name", sorted(GRAIN))
def test_query_keys_are_unique(name):
    call, keys = GRAIN[name]
    df = call(_module(name))
    assert df.height > 1, "the fixture should give the query more than one row, or uniqueness means nothing"
    assert duplicated_keys(df, keys) == []


@pytest.mark.parametrize("label, call, keys", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_query_variant_keys_are_unique(label, call, keys):
    df = call(_module(label.split()[0]))
    assert df.height > 1
    assert duplicated_keys(df, keys) == []


def test_a_duplicated_key_is_caught():
    df = pl.DataFrame({"district_id": ["1", "1", "2"], "period": ["2024", "2024", None], "v": [1, 2, 3]})
    assert duplicated_keys(df, ["district_id", "period"]) == [("1", "2024")]
