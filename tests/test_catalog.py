"""The catalog is complete and every query returns only documented columns (like datasette's test_docs)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import polars as pl
import pytest

import queries
from queries import catalog
from queries.base import aggregate, community_values
from store.columns import CANONICAL

SCHEMA = {"dataset_id": pl.Int64, "synthetic": pl.Boolean, "city_id": pl.String, "district_id": pl.String, **CANONICAL}


def rows(*records: dict) -> pl.LazyFrame:
    """Community rows with every canonical column; what a record leaves out is null."""
    return pl.LazyFrame([{c: r.get(c) for c in SCHEMA} for r in records], schema=SCHEMA)


def _community(district: str, street: str | None, name: str, period: str, i: int) -> dict:
    return {
        "dataset_id": 1,
        "synthetic": True,
        "city_id": district[:4] + "00",
        "district_id": district,
        "city": "梧州市" if district.startswith("4504") else "贵港市",
        "district": district,
        "street": street,
        "community": name,
        "community_code": f"{district}00100{i}",
        "period": period,
        "residents": 1000 * (i + 1),
        "households": 400 * (i + 1),
        "compounds": [4, 0, 10, 3][i % 4],
        "compounds_with_party_org": [4, 0, 5, 1][i % 4],
        "grids": 5 + i,
        "grids_with_party_org": 4 + i,
        "property_companies": 2,
        "property_companies_with_party_org": 1,
        "party_members": 50,
        "reported_members": 20 + i,
        "reported_units": 3,
        "services": 100 + 10 * i,
        "problems_solved": 30,
        "disputes_mediated": 5,
        "volunteers": 40,
        "workers": [8, 0, 10, 5][i % 4],
        "service_center_area_m2": 300.0 + i,
        "fund_service": 100_000.0,
        "fund_work": 50_000.0 if i % 2 else None,
        "fund_party": None,
        "fund_other": None,
    }


FIXTURE = rows(
    *(
        _community(d, s, n, p, i)
        for p in ("2023", "2024")
        for i, (d, s, n) in enumerate(
            [
                ("450403", "城东街道", "A社区"),
                ("450403", "城东街道", "B社区"),
                ("450405", "大塘街道", "C社区"),
                ("450802", None, "荷城社区"),
            ]
        )
    )
)
LOCALITIES = pl.DataFrame(
    {
        "locality_id": ["450000", "450400", "450403", "450405", "450800", "450802", "450405/大塘街道"],
        "name_zh": ["广西壮族自治区", "梧州市", "万秀区", "长洲区", "贵港市", "港北区", "大塘街道"],
        "name_en": ["Guangxi", "Wuzhou", "Wanxiu", "Changzhou", "Guigang", "Gangbei", "Datang"],
        "level": ["province", "city", "district", "district", "city", "district", "street"],
        "parent_id": [None, "450000", "450400", "450400", "450000", "450800", "450405"],
        "adcode": ["450000", "450400", "450403", "450405", "450800", "450802", None],
    }
)
FACTS = pl.DataFrame(
    {
        "fact_id": ["F1", "F2", "F3", "F4"],
        "source_id": ["S1", "S1", "S2", "S1"],
        "locality": ["梧州市", "梧州市", "梧州市", "梧州市"],
        "locality_level": ["city"] * 4,
        "parent": ["广西壮族自治区", None, None, None],
        "indicator": [
            "compound_coverage",
            "compounds_with_party_org",
            "compounds_with_party_org",
            "fund_service_per_community",
        ],
        "subject": [None, "小区党支部", "小区党支部", None],
        "value": [100.0, 201.0, 543.0, 100_000.0],
        "unit": ["%", "个", "个", "元"],
        "qualifier": ["exact", "exact", "exact", "at_least"],
        "period": [None, None, None, "2024"],
        "evidence": ["实现全覆盖", "组建小区党支部201个", "小区党支部543个", "不少于10万元"],
    }
)
SOURCES = pl.DataFrame({"source_id": ["S1", "S2"], "title": ["梧州市报告", "邻里党建"]})
EVENTS = pl.LazyFrame(
    {
        "community_code": ["450403001000", "450403001000", "450405001002"],
        "date": [date(2024, 1, 3), date(2024, 1, 30), date(2024, 2, 1)],
        "kind": ["visit", "visit", "mediation"],
        "participants": [3, 4, 5],
    }
)

# How to call each public query function on the fixture. A new query that returns a DataFrame
# and is missing here fails test_every_query_is_exercised.
CALLS = {
    "base.aggregate": lambda m: m.aggregate(
        FIXTURE, ["district_id", "period"], ["compound_coverage", "compound_coverage_mean", "streets"], synthetic=True
    ),
    "base.community_values": lambda m: m.community_values(FIXTURE, ["fund_total", "residents_per_worker"]),
    "base.rollup": lambda m: pl.concat(
        m.rollup(
            FIXTURE,
            ["city_id", "district_id", "period"],
            [(["city_id", "period"], None), (["district_id", "period"], pl.col("district_id") == "450403")],
            ["compound_coverage", "fund_total_min", "grids_mean"],
            synthetic=True,
        ),
        how="diagonal",
    ),
    "base.at_level": lambda m: m.at_level(FIXTURE, "street", ["grid_coverage", "grid_coverage_median"]),
    "base.with_change": lambda m: m.with_change(
        m.at_level(FIXTURE, "city", ["services", "compound_coverage"]), ["city_id"], ["services", "compound_coverage"]
    ),
    "coverage.coverage": lambda m: pl.concat(
        [m.coverage(FIXTURE, lvl) for lvl in ("city", "district")], how="diagonal"
    ),
    "coverage.below_threshold": lambda m: m.below_threshold(FIXTURE),
    "services.services": lambda m: m.services(FIXTURE, "community"),
    "services.services_change": lambda m: m.services_change(FIXTURE, "district"),
    "funding.funding": lambda m: m.funding(FIXTURE, "district"),
    "funding.community_funding": lambda m: m.community_funding(FIXTURE),
    "funding.funding_spread": lambda m: m.funding_spread(FIXTURE, "city"),
    "workforce.workforce": lambda m: m.workforce(FIXTURE, "district"),
    "compare.compare": lambda m: m.compare(
        FIXTURE, ["450400", "450802"], ["compound_coverage", "services_per_10k"], LOCALITIES
    ),
    "compare.definitions": lambda m: m.definitions(["compound_coverage"], "en"),
    "compare.published_values": lambda m: m.published_values(FACTS, LOCALITIES),
    "compare.beside_published": lambda m: m.beside_published(
        FIXTURE, FACTS, LOCALITIES, ["450400"], ["compound_coverage"]
    ),
    "compare.published": lambda m: m.published(FACTS, LOCALITIES, ["450400"], parts=True),
    "compare.snapshot": lambda m: pl.concat(
        [
            m.snapshot(FIXTURE, ["450400", "450802"], LOCALITIES, ["fund_total_per_community", "compound_coverage"]),
            m.snapshot(FIXTURE, ["450400"], LOCALITIES, ["compound_coverage"], "2023", communities=True),
        ],
        how="diagonal",
    ),
    "evidence.facts_table": lambda m: m.facts_table(FACTS, SOURCES, LOCALITIES),
    "kpis.kpis": lambda m: m.kpis(FIXTURE, "450400", LOCALITIES),
    "kpis.lagging": lambda m: m.lagging(FIXTURE, "community", "compound_coverage", 3),
    "reconcile.reconcile": lambda m: m.reconcile(FACTS, FIXTURE, LOCALITIES),
    "reconcile.with_intervals": lambda m: m.with_intervals(FACTS),
    "conflicts.conflicts": lambda m: m.conflicts(FACTS),
    "events.monthly_services": lambda m: m.monthly_services(EVENTS),
    "scope.scope_keys": lambda m: m.scope_keys(LOCALITIES),
    "scope.by_locality": lambda m: m.by_locality(
        FIXTURE, ["450400", "450405/大塘街道"], LOCALITIES, ["grids"], synthetic=True
    ),
    "scope.locate_facts": lambda m: m.locate_facts(FACTS, LOCALITIES),
}
# Public functions returning a DataFrame that is not a query result.
NOT_RESULTS = {"catalog.load_catalog"}


def _public_frame_functions() -> dict[str, object]:
    found = {}
    for info in pkgutil.iter_modules(queries.__path__):
        module = importlib.import_module(f"queries.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            if "DataFrame" in str(inspect.signature(fn).return_annotation):
                found[f"{info.name}.{name}"] = fn
    return found


def test_every_query_is_exercised():
    assert set(_public_frame_functions()) - NOT_RESULTS == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_query_returns_only_documented_columns(name):
    module = importlib.import_module(f"queries.{name.split('.')[0]}")
    result = CALLS[name](module)
    assert isinstance(result, pl.DataFrame)
    assert result.height > 0, "the fixture should give every query something to return"
    catalog.check_columns(result)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_query_module_never_imports_streamlit_or_duckdb(name):
    source = inspect.getsource(importlib.import_module(f"queries.{name.split('.')[0]}"))
    assert "import streamlit" not in source and "import duckdb" not in source


def test_check_columns_rejects_an_undocumented_column():
    with pytest.raises(ValueError, match="coverage_pct"):
        catalog.check_columns(pl.DataFrame({"district_id": ["1"], "coverage_pct": [0.5]}))


@pytest.mark.parametrize(
    "column",
    ["compound_coverage", "compound_coverage_mean", "services_rel_change", "value_prev", "district_id", "grids_min"],
)
def test_check_columns_accepts_dimensions_indicators_and_suffixes(column):
    catalog.check_columns(pl.DataFrame({column: [1]}))


def test_rel_change_is_not_read_as_change_of_an_unknown_indicator():
    assert catalog.split_suffix("services_rel_change") == ("services", "_rel_change")


def test_every_suffix_and_dimension_is_documented():
    assert all(catalog.SUFFIX_DOCS.values()) and all(catalog.DIMENSION_DOCS.values())


# ------------------------------------------------------------------ the catalog itself
CATALOG = catalog.load_catalog()


@pytest.mark.parametrize(
    "field",
    ["name_zh", "name_en", "unit_zh", "unit_en", "definition_zh", "definition_en", "formula", "format", "category"],
)
def test_every_catalog_row_has(field):
    missing = CATALOG.filter(pl.col(field).is_null() | (pl.col(field).str.strip_chars() == ""))[
        "indicator_id"
    ].to_list()
    assert missing == []


def test_indicator_ids_are_unique():
    assert CATALOG["indicator_id"].n_unique() == CATALOG.height


def test_kinds_are_known():
    assert set(CATALOG["kind"]) <= {"count", "sum", "rate", "ratio", "published"}


def test_every_indicator_says_what_it_counts_per_what_and_over_which_period():
    assert CATALOG.filter(pl.col("counts").is_null())["indicator_id"].to_list() == []
    roster = CATALOG.filter(pl.col("kind") != "published")
    assert roster.filter(pl.col("period_kind").is_null())["indicator_id"].to_list() == []
    assert set(CATALOG["period_kind"].drop_nulls()) <= {"point", "annual", "cumulative"}


def test_published_indicators_have_no_formula_over_rosters():
    published = CATALOG.filter(pl.col("kind") == "published")
    assert published.height > 0
    assert published.filter(pl.col("numerator").is_not_null())["indicator_id"].to_list() == []
    assert set(catalog.roster_indicator_ids()).isdisjoint(catalog.published_indicator_ids())


def test_a_published_indicator_is_not_aggregated():
    with pytest.raises(ValueError, match="published"):
        aggregate(FIXTURE, ["period"], ["first_secretaries"])


def test_numerators_and_denominators_are_canonical_columns_or_indicators():
    names = set(CANONICAL) | set(CATALOG["indicator_id"])
    parts = CATALOG.select(pl.concat_list("numerator", "denominator").explode().drop_nulls().alias("p"))["p"]
    assert sorted(set(parts) - names) == []


def test_rates_and_ratios_have_numerator_denominator_and_scale():
    bad = CATALOG.filter(
        pl.col("kind").is_in(["rate", "ratio"])
        & (pl.col("numerator").is_null() | pl.col("denominator").is_null() | pl.col("scale").is_null())
    )
    assert bad.is_empty()


def test_sums_have_a_numerator():
    assert CATALOG.filter((pl.col("kind") == "sum") & pl.col("numerator").is_null()).is_empty()


def test_no_indicator_id_collides_with_a_dimension():
    assert set(CATALOG["indicator_id"]) & catalog.DIMENSIONS == set()


def test_indicator_returns_the_catalog_row():
    assert catalog.indicator("grid_coverage")["denominator"] == "grids"


def test_indicator_names_an_unknown_id():
    with pytest.raises(KeyError, match="no_such"):
        catalog.indicator("no_such")


# ------------------------------------------------------------------ the aggregator follows the catalog
def _agg(records: list[dict], indicators: list[str]) -> dict:
    return aggregate(rows(*records), [], indicators).row(0, named=True)


@pytest.mark.parametrize(
    "records, indicator, expected",
    [
        (
            [{"compounds": 10, "compounds_with_party_org": 5}, {"compounds": 2, "compounds_with_party_org": 2}],
            "compound_coverage",
            7 / 12,
        ),
        ([{"grids": 0, "grids_with_party_org": 0}], "grid_coverage", None),
        ([{"grids": None, "grids_with_party_org": None}], "grid_coverage", None),
        ([{"property_companies": 4, "property_companies_with_party_org": None}], "property_coverage", None),
        ([{"services": 10, "residents": 5000}, {"services": 30, "residents": 15000}], "services_per_10k", 20.0),
        ([{"services": 10}, {"services": 20}, {"services": None}], "services_per_community", 10.0),
        ([{"residents": 100, "workers": 0}], "residents_per_worker", None),
        ([{"service_center_area_m2": 500.0, "residents": 10_000}], "center_m2_per_1k", 50.0),
        ([{"services": None}, {"services": None}], "services", None),
        ([{"services": 3}, {"services": None}], "services", 3),
        ([{}, {}, {}], "communities", 3),
    ],
)
def test_aggregate_formula(records, indicator, expected):
    got = _agg(records, [indicator])[indicator]
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_zero_denominator_is_null_never_zero_or_inf():
    value = _agg([{"compounds": 0, "compounds_with_party_org": 0}], ["compound_coverage", "compound_coverage_mean"])
    assert value == {"compound_coverage": None, "compound_coverage_mean": None}


def test_pooled_rate_and_mean_of_community_rates_differ():
    records = [{"compounds": 100, "compounds_with_party_org": 100}, {"compounds": 1, "compounds_with_party_org": 0}]
    value = _agg(records, ["compound_coverage", "compound_coverage_mean"])
    assert value["compound_coverage"] == pytest.approx(100 / 101)
    assert value["compound_coverage_mean"] == pytest.approx(0.5)


def test_streets_counts_district_street_pairs_not_names():
    records = [
        {"district_id": "1", "street": "城东街道"},
        {"district_id": "2", "street": "城东街道"},
        {"district_id": "2", "street": "城东街道"},
        {"district_id": "2", "street": None},
    ]
    assert _agg(records, ["streets"])["streets"] == 2


def test_aggregate_sorts_by_its_keys():
    df = aggregate(
        rows(
            {"district_id": "b", "period": "2024"},
            {"district_id": "a", "period": "2025"},
            {"district_id": "a", "period": "2024"},
        ),
        ["district_id", "period"],
        ["communities"],
    )
    assert df.select("district_id", "period").rows() == [("a", "2024"), ("a", "2025"), ("b", "2024")]


def test_aggregate_rejects_an_unknown_indicator():
    with pytest.raises(KeyError, match="coverage_pct"):
        aggregate(FIXTURE, ["period"], ["coverage_pct"])


def test_aggregate_rejects_period_suffixes():
    with pytest.raises(ValueError, match="_prev"):
        aggregate(FIXTURE, ["period"], ["services_prev"])


def test_community_values_are_a_group_of_one():
    df = community_values(
        rows({"community": "A", "compounds": 4, "compounds_with_party_org": 1}), ["compound_coverage", "communities"]
    )
    assert df.select("compound_coverage", "communities").row(0) == (0.25, 1)
