"""The catalog is complete and every query returns only documented columns (like datasette's test_docs)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import polars as pl
import pytest

import queries
from queries import catalog
from queries.base import aggregate, community_values, rollup
from store.columns import CANONICAL
from tests.builders import rows
from tests.query_cases import CALLS, FIXTURE, NOT_RESULTS


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
    parts = CATALOG.select(
        pl.concat_list(pl.col("numerator").str.split(catalog.PART_SEP), "denominator").explode().drop_nulls().alias("p")
    )["p"]
    assert sorted(set(parts) - names) == []


# ------------------------------------------------------------------ how each indicator aggregates
# kind (what the figure is) and aggregation (how it adds up above the community) must agree.
AGGREGATIONS_OF_KIND = {
    "count": {"count", "count_distinct"},
    "sum": {"sum"},
    "rate": {"pooled_ratio", "mean_of_communities"},
    "ratio": {"pooled_ratio", "mean_of_communities"},
    "published": {"none"},
}


def test_every_aggregation_is_documented_and_known():
    assert set(CATALOG["aggregation"]) <= set(catalog.AGGREGATIONS)
    assert all(catalog.AGGREGATION_DOCS.values())


@pytest.mark.parametrize("kind", sorted(AGGREGATIONS_OF_KIND))
def test_aggregation_agrees_with_kind(kind):
    got = set(CATALOG.filter(pl.col("kind") == kind)["aggregation"])
    assert got and got <= AGGREGATIONS_OF_KIND[kind]


def test_counts_name_the_column_they_count():
    counts = CATALOG.filter(pl.col("aggregation").is_in(["count", "count_distinct"]))
    assert counts.filter(~pl.col("numerator").is_in(list(CANONICAL)))["indicator_id"].to_list() == []


def test_an_unknown_aggregation_is_refused_when_the_catalog_loads(tmp_path):
    bad = tmp_path / "indicators.csv"
    bad.write_text(catalog.CATALOG_PATH.read_text(encoding="utf-8").replace(",pooled_ratio,", ",weighted,", 1),
                   encoding="utf-8")
    with pytest.raises(ValueError, match="weighted"):
        catalog.load_catalog(bad)


def _term(name: str) -> str:
    """How a formula writes one side of a ratio: a count by its own formula, anything else summed."""
    if name in catalog.indicator_ids() and catalog.aggregation(name) in ("count", "count_distinct"):
        return catalog.indicator(name)["formula"]
    return f"sum({name})"


def _formula_of(row: dict) -> str:
    """The formula text the catalog's numerator, denominator, scale and aggregation spell."""
    agg, num, den, scale = row["aggregation"], row["numerator"], row["denominator"], row["scale"]
    if agg == "count":
        return f"count({num})"
    if agg == "count_distinct":
        return f"count(distinct {num})"
    if agg == "sum":
        return "sum(" + " + ".join(num.split(catalog.PART_SEP)) + ")"
    ratio = f"{_term(num)} / {_term(den)}"
    if agg == "mean_of_communities":
        ratio = f"mean({num} / {den})"
    return ratio if scale == 1 else f"{ratio} * {scale:g}"


@pytest.mark.parametrize("indicator_id", catalog.roster_indicator_ids())
def test_formula_text_matches_numerator_denominator_and_scale(indicator_id):
    row = catalog.indicator(indicator_id)
    assert row["formula"] == _formula_of(row)


def test_formula_text_catches_a_wrong_scale():
    row = {**catalog.indicator("services_per_10k"), "scale": 1000.0}
    assert row["formula"] != _formula_of(row)


def test_published_only_formulas_say_so():
    published = CATALOG.filter(pl.col("aggregation") == "none")
    assert published.filter(~pl.col("formula").str.starts_with("published only"))["indicator_id"].to_list() == []


def test_fund_total_adds_up_the_kinds_of_funds_the_catalog_lists():
    assert catalog.parts("fund_total") == ("fund_service", "fund_work", "fund_party", "fund_other")
    assert catalog.total_parts() == {
        "fund_total": ("fund_service", "fund_work", "fund_party", "fund_other"),
        "fund_total_per_community": (
            "fund_service_per_community", "fund_work_per_community", "fund_party_per_community",
            "fund_other_per_community",
        ),
    }


def test_categories_come_from_the_catalog_in_reading_order():
    assert catalog.categories() == ("coverage", "services", "organisation", "funding", "workforce", "base")
    assert set(CATALOG["category"]) == set(catalog.categories())


def test_every_category_has_a_label_in_both_languages():
    from text.messages import catalog as messages

    assert [c for c in catalog.categories() if f"compare.category.{c}" not in messages()] == []


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


def test_fund_total_of_a_community_counts_what_is_known_and_is_null_when_nothing_is():
    df = community_values(
        rows({"community": "A", "fund_service": 100.0, "fund_other": 5.0}, {"community": "B"}), ["fund_total"]
    )
    assert df["fund_total"].to_list() == [105.0, None]


@pytest.fixture
def mean_catalog(monkeypatch):
    """The catalog with compound_coverage declared a mean of community rates (no shipped indicator is)."""
    by_id = {k: dict(v) for k, v in catalog._by_id().items()}
    by_id["compound_coverage"]["aggregation"] = "mean_of_communities"
    monkeypatch.setattr(catalog, "_by_id", lambda: by_id)


def test_an_indicator_the_catalog_calls_a_mean_of_communities_aggregates_as_that_mean(mean_catalog):
    records = [{"compounds": 100, "compounds_with_party_org": 100}, {"compounds": 1, "compounds_with_party_org": 0}]
    assert _agg(records, ["compound_coverage"])["compound_coverage"] == pytest.approx(0.5)
    (rolled,) = rollup(rows(*records), ["district_id"], [([], None)], ["compound_coverage"])
    assert rolled["compound_coverage"].item() == pytest.approx(0.5)
    # one community alone is still its own rate
    assert community_values(rows(records[0]), ["compound_coverage"])["compound_coverage"].item() == 1.0


def test_community_values_are_a_group_of_one():
    df = community_values(
        rows({"community": "A", "compounds": 4, "compounds_with_party_org": 1}), ["compound_coverage", "communities"]
    )
    assert df.select("compound_coverage", "communities").row(0) == (0.25, 1)
