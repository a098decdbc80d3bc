"""Every public query called once on one small fixture: the catalog tests check their columns, the grain tests their keys."""

from __future__ import annotations

from datetime import date

import polars as pl

from tests.builders import LOCALITIES, rows


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
