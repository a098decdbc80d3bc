"""Each page's query set three ways: our polars modules, plain pandas, raw DuckDB SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import polars as pl

from bench import impl_pandas as P
from bench import impl_sql as S
from queries import coverage, events, kpis, reconcile
from queries.catalog import load_catalog
from queries.compare import snapshot
from queries.coverage import PARTS
from queries.kpis import KPIS
from store.levels import KIND_TIER
from queries.scope import in_scope

MAP = "compound_coverage"  # the overview's map indicator and the default of its lag view and of the district page
# pages/district.py's community table, the chosen indicator first (tests/test_bench.py keeps them equal)
DISTRICT_TABLE = [
    MAP,
    "residents",
    "compounds",
    "grids",
    "grid_coverage",
    "reported_members",
    "services_per_10k",
    "fund_total_per_community",
]
COMPARE_INDICATORS = (
    "compound_coverage",
    "grid_coverage",
    "services_per_10k",
    "fund_total_per_community",
    "residents_per_worker",
)
KEYS = {"district": ["city_id", "district_id"], "community": ["city_id", "district_id", "street", "community"]}


@dataclass(frozen=True)
class Params:
    """What a user of each page has chosen: the largest city, in the latest period."""

    city: str
    localities: tuple[str, ...]  # compared: the five largest cities and five largest districts
    latest: str
    focus: tuple[str, ...] = ()  # every city with a roster: the overview's map of China
    districts: tuple[str, ...] = ()  # the city's districts: its choropleth


@dataclass
class Inputs:
    """The same data held by each engine, loaded before any timing."""

    rows: pl.LazyFrame
    events: pl.LazyFrame
    localities: pl.DataFrame
    facts: pl.DataFrame
    pd_rows: pd.DataFrame
    pd_events: pd.DataFrame
    pd_localities: pd.DataFrame
    pd_facts: pd.DataFrame
    pd_catalog: pd.DataFrame
    con: duckdb.DuckDBPyConnection
    params: Params


def choose(rows: pl.DataFrame, localities: pl.DataFrame | None = None) -> Params:
    """The city with most communities, and five largest cities plus five largest districts to compare."""
    latest = rows["period"].max()
    now = rows.filter(pl.col("period") == latest)
    cities = now.group_by("city_id").len().sort(["len", "city_id"], descending=[True, False])["city_id"].to_list()
    districts = (
        now.group_by("district_id")
        .len()
        .sort(["len", "district_id"], descending=[True, False])["district_id"]
        .to_list()
    )
    city_districts: tuple[str, ...] = ()
    if localities is not None:
        city_districts = tuple(
            localities.filter((pl.col("parent_id") == cities[0]) & (pl.col("level") == "district"))
            .sort("locality_id")["locality_id"]
            .to_list()
        )
    return Params(
        city=cities[0],
        localities=tuple(cities[:5] + districts[:5]),
        latest=latest,
        focus=tuple(sorted(cities)),
        districts=city_districts,
    )


def load_inputs(
    rows: pl.DataFrame,
    events_df: pl.DataFrame,
    localities: pl.DataFrame,
    facts: pl.DataFrame,
    threads: int | None = None,
) -> Inputs:
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    catalog = load_catalog()
    for name, df in {
        "rows": rows,
        "events": events_df,
        "localities": localities,
        "facts": facts,
        "catalog": catalog,
    }.items():
        con.register("_src", df.to_arrow())
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _src")
        con.unregister("_src")
    S.bind([c for c, t in rows.schema.items() if t.is_integer()])
    return Inputs(
        rows=rows.lazy(),
        events=events_df.lazy(),
        localities=localities,
        facts=facts,
        pd_rows=rows.to_pandas(),
        pd_events=events_df.to_pandas(),
        pd_localities=localities.to_pandas(),
        pd_facts=facts.to_pandas(),
        pd_catalog=catalog.to_pandas(),
        con=con,
        params=choose(rows, localities),
    )


def _sql(con: duckdb.DuckDBPyConnection, query: str) -> pl.DataFrame:
    return pl.from_arrow(con.sql(query).to_arrow_table())


# ---------------------------------------------------------------- overview
# What pages/overview.py asks for with the largest city chosen: its KPI cards, the map of China
# (one figure per city with a roster), where the city lags (districts and communities), the
# city's choropleth and the communities below full coverage.
def overview_ours(d: Inputs) -> dict[str, pl.DataFrame]:
    p = d.params
    scoped = in_scope(d.rows, p.city, d.localities)
    return {
        "kpis": kpis.kpis(d.rows, p.city, d.localities, p.latest),
        "china_map": snapshot(d.rows, p.focus, d.localities, [MAP], p.latest),
        "lagging_districts": kpis.lagging(scoped, "district", MAP, 10, p.latest),
        "lagging_communities": kpis.lagging(scoped, "community", MAP, 10, p.latest),
        "district_map": snapshot(d.rows, p.districts, d.localities, [MAP], p.latest),
        "below": coverage.below_threshold(scoped, MAP, 1.0, p.latest),
    }


def _kpis_pd(city: pd.DataFrame, city_id: str) -> pd.DataFrame:
    per = P.aggregate(city, ["period"], list(KPIS), synthetic=True)
    now, prev = per.iloc[-1], (per.iloc[-2] if len(per) > 1 else None)
    kp = pd.DataFrame(
        {
            "locality_id": city_id,
            "period": now["period"],
            "prev_period": None if prev is None else prev["period"],
            "indicator": list(KPIS),
            "value": [float(now[k]) for k in KPIS],
            "value_prev": [np.nan if prev is None else float(prev[k]) for k in KPIS],
            "synthetic": bool(now["synthetic"]),
            "communities": float(now["communities"]),
        }
    )
    if prev is None:
        for c in ("prev_communities", "matched_communities", "value_matched", "value_prev_matched", "value_change"):
            kp[c] = np.nan
        kp["coverage_changed"] = None
        return kp
    # like with like: the KPIs over the communities both periods hold
    keys = ["district_id", "community"]
    both = (city.loc[city["period"] == now["period"], keys].drop_duplicates()
            .merge(city.loc[city["period"] == prev["period"], keys].drop_duplicates(), on=keys))
    same = city[city["period"].isin([now["period"], prev["period"]])].merge(both, on=keys)
    m = P.aggregate(same, ["period"], list(KPIS)).set_index("period")
    has = {x: x in m.index for x in (now["period"], prev["period"])}
    kp["value_matched"] = [float(m.loc[now["period"], k]) if has[now["period"]] else np.nan for k in KPIS]
    kp["value_prev_matched"] = [float(m.loc[prev["period"], k]) if has[prev["period"]] else np.nan for k in KPIS]
    kp["prev_communities"] = float(prev["communities"])
    kp["matched_communities"] = float(len(both))
    kp["coverage_changed"] = not (len(both) == now["communities"] == prev["communities"])
    kp["value_change"] = kp["value_matched"] - kp["value_prev_matched"]
    kp.loc[kp["indicator"] == "communities", "value_change"] = float(now["communities"] - prev["communities"])
    return kp


def _lagging_pd(values: pd.DataFrame, keys: list[str], n: int = 10) -> pd.DataFrame:
    gap = f"{MAP}_gap"
    values = values.assign(**{gap: 1.0 - values[MAP]})
    values = values[values[gap] > 0]
    return values.sort_values([gap, *keys], ascending=[False, *[True] * len(keys)]).head(n)[[*keys, "period", MAP, gap]]


def _per_locality_pd(df: pd.DataFrame, col: str, ids: Sequence[str]) -> pd.DataFrame:
    agg = P.aggregate(df[df[col].isin(list(ids))], [col, "period"], [MAP], synthetic=True)
    return agg.rename(columns={col: "locality_id"})


def overview_pandas(d: Inputs) -> dict[str, pd.DataFrame]:
    p, df = d.params, d.pd_rows
    city = df[df["city_id"] == p.city]
    now, city_now = df[df["period"] == p.latest], city[city["period"] == p.latest]
    communities = P.community(city_now, KEYS["community"] + ["period"], [MAP])
    return {
        "kpis": _kpis_pd(city, p.city),
        "china_map": _per_locality_pd(now, "city_id", p.focus),
        "lagging_districts": _lagging_pd(P.aggregate(city_now, [*KEYS["district"], "period"], [MAP]), KEYS["district"]),
        "lagging_communities": _lagging_pd(communities, KEYS["community"]),
        "district_map": _per_locality_pd(city_now, "district_id", p.districts),
        "below": communities[communities[MAP] < 1.0],
    }


def _lagging_sql(source: str, keys: list[str]) -> str:
    k = ", ".join(keys)
    return f"""
        SELECT {k}, period, {MAP}, 1.0 - {MAP} AS {MAP}_gap FROM ({source})
        WHERE 1.0 - {MAP} > 0 ORDER BY {MAP}_gap DESC, {k} LIMIT 10"""


def _per_locality_sql(col: str, ids: Sequence[str], where: str) -> str:
    inside = f"{col} IN ({', '.join(S.q(i) for i in ids)}) AND {where}"
    agg = S.aggregate("rows", [col, "period"], [MAP], where=inside, synthetic=True)
    return f"SELECT {col} AS locality_id, period, {MAP}, synthetic FROM ({agg})"


def overview_sql(d: Inputs) -> dict[str, pl.DataFrame]:
    p = d.params
    city, latest = S.q(p.city), S.q(p.latest)
    lag_cols = ", ".join(f"lag({k}) OVER (ORDER BY period) AS {k}_prev" for k in KPIS)
    # like with like: the KPIs over the communities both periods hold (matched on district and name)
    same = (f"city_id = {city} AND period IN (SELECT period FROM last UNION ALL SELECT prev_period FROM last) "
            "AND (district_id, community) IN (SELECT district_id, community FROM both_)")
    matched = ", ".join(f"max({k}) FILTER (WHERE period = (SELECT period FROM last)) AS {k}_m, "
                        f"max({k}) FILTER (WHERE period = (SELECT prev_period FROM last)) AS {k}_pm" for k in KPIS)
    unions = " UNION ALL ".join(
        f"SELECT {city} AS locality_id, period, prev_period, '{k}' AS indicator, CAST({k} AS DOUBLE) AS value, "
        f"CAST({k}_prev AS DOUBLE) AS value_prev, synthetic, communities, communities_prev AS prev_communities, "
        f"CASE WHEN prev_period IS NULL THEN NULL ELSE n_both END AS matched_communities, "
        f"CASE WHEN prev_period IS NULL THEN NULL ELSE NOT (n_both = communities AND n_both = communities_prev) END "
        f"AS coverage_changed, CAST({k}_m AS DOUBLE) AS value_matched, CAST({k}_pm AS DOUBLE) AS value_prev_matched, "
        + ("CAST(communities - communities_prev AS DOUBLE)" if k == "communities" else f"CAST({k}_m AS DOUBLE) - CAST({k}_pm AS DOUBLE)")
        + " AS value_change FROM last, m, (SELECT count(*) AS n_both FROM both_)"
        for k in KPIS
    )
    kp = f"""
        WITH per AS ({S.aggregate("rows", ["period"], KPIS, where=f"city_id = {city}", synthetic=True)}),
        w AS (SELECT *, lag(period) OVER (ORDER BY period) AS prev_period, {lag_cols} FROM per),
        last AS (SELECT * FROM w ORDER BY period DESC LIMIT 1),
        both_ AS (SELECT DISTINCT district_id, community FROM rows
                  WHERE city_id = {city} AND period = (SELECT period FROM last)
                  INTERSECT SELECT DISTINCT district_id, community FROM rows
                  WHERE city_id = {city} AND period = (SELECT prev_period FROM last)),
        m AS (SELECT {matched} FROM ({S.aggregate("rows", ["period"], KPIS, where=same)}))
        {unions}"""
    city_now = f"city_id = {city} AND period = {latest}"
    communities = S.community("rows", KEYS["community"] + ["period"], [MAP], where=city_now)
    return {
        "kpis": _sql(d.con, kp),
        "china_map": _sql(d.con, _per_locality_sql("city_id", p.focus, f"period = {latest}")),
        "lagging_districts": _sql(
            d.con, _lagging_sql(S.aggregate("rows", [*KEYS["district"], "period"], [MAP], where=city_now), KEYS["district"])
        ),
        "lagging_communities": _sql(d.con, _lagging_sql(communities, KEYS["community"])),
        "district_map": _sql(d.con, _per_locality_sql("district_id", p.districts, city_now)),
        "below": _sql(d.con, f"SELECT * FROM ({communities}) WHERE {MAP} < 1.0"),
    }


# ---------------------------------------------------------------- compare
# The roster side of pages/compare.py (its bar and scatter views): five indicators for the
# five largest cities and five largest districts, in the period chosen in the sidebar.
def compare_ours(d: Inputs) -> dict[str, pl.DataFrame]:
    p = d.params
    return {"compare": snapshot(d.rows, p.localities, d.localities, COMPARE_INDICATORS, p.latest)}


def _levels(d: Inputs) -> tuple[list[str], list[str]]:
    level = dict(zip(d.localities["locality_id"], d.localities["level"], strict=True))
    cities = [x for x in d.params.localities if level[x] == "city"]
    return cities, [x for x in d.params.localities if level[x] == "district"]


def compare_pandas(d: Inputs) -> dict[str, pd.DataFrame]:
    cities, districts = _levels(d)
    now = d.pd_rows[d.pd_rows["period"] == d.params.latest]
    parts = []
    for col, ids in (("city_id", cities), ("district_id", districts)):
        agg = P.aggregate(now[now[col].isin(ids)], [col, "period"], COMPARE_INDICATORS, synthetic=True)
        parts.append(agg.rename(columns={col: "locality_id"}))
    return {"compare": pd.concat(parts, ignore_index=True)}


def compare_sql(d: Inputs) -> dict[str, pl.DataFrame]:
    cities, districts = _levels(d)
    latest = S.q(d.params.latest)
    parts = []
    for col, ids in (("city_id", cities), ("district_id", districts)):
        where = f"{col} IN ({', '.join(S.q(i) for i in ids)}) AND period = {latest}"
        agg = S.aggregate("rows", [col, "period"], COMPARE_INDICATORS, where=where, synthetic=True)
        parts.append(f"SELECT {col} AS locality_id, period, {', '.join(COMPARE_INDICATORS)}, synthetic FROM ({agg})")
    return {"compare": _sql(d.con, " UNION ALL ".join(parts))}


# ---------------------------------------------------------------- district drill-down
# What pages/district.py asks for with the largest city chosen: every community of the city with
# the table's figures (and the dots of the map), and the city's choropleth.
def district_ours(d: Inputs) -> dict[str, pl.DataFrame]:
    p = d.params
    return {
        "communities": snapshot(d.rows, [p.city], d.localities, DISTRICT_TABLE, p.latest, communities=True),
        "district_map": snapshot(d.rows, p.districts, d.localities, [MAP], p.latest),
    }


def district_pandas(d: Inputs) -> dict[str, pd.DataFrame]:
    p, df = d.params, d.pd_rows
    city_now = df[(df["city_id"] == p.city) & (df["period"] == p.latest)]
    keys = [*KEYS["community"], "period", "lon", "lat", "synthetic"]
    return {
        "communities": P.community(city_now, keys, DISTRICT_TABLE).assign(locality_id=p.city),
        "district_map": _per_locality_pd(city_now, "district_id", p.districts),
    }


def district_sql(d: Inputs) -> dict[str, pl.DataFrame]:
    p = d.params
    city_now = f"city_id = {S.q(p.city)} AND period = {S.q(p.latest)}"
    keys = [*KEYS["community"], "period", "lon", "lat", "synthetic"]
    communities = S.community("rows", keys, DISTRICT_TABLE, where=city_now)
    return {
        "communities": _sql(d.con, f"SELECT {S.q(p.city)} AS locality_id, * FROM ({communities})"),
        "district_map": _sql(d.con, _per_locality_sql("district_id", p.districts, city_now)),
    }


# ---------------------------------------------------------------- sources / reconcile
# The verdict and its reason code; the JSON parameters and the English message are text made from
# them, not timed here.
RECONCILE_COLUMNS = [
    "fact_id", "source_id", "locality_id", "period", "indicator", "qualifier", "statistic", "claimed", "low",
    "high", "bounds", "roster", "gap", "verdict", "reason", "synthetic",
]
REL_EPS = 1e-9


def reconcile_ours(d: Inputs) -> dict[str, pl.DataFrame]:
    return {"reconcile": reconcile.reconcile(d.facts, d.rows, d.localities).select(RECONCILE_COLUMNS)}


def _statistic(qualifier: pd.Series, denominator: pd.Series, low: pd.Series, high: pd.Series) -> pd.Series:
    per = denominator == "communities"
    return pd.Series(
        np.where(per & high.isna() & low.notna(), "min", np.where(per & (qualifier == "up_to"), "max", "pooled")),
        index=qualifier.index,
    )


def _reasons(f: pd.DataFrame) -> pd.Series:
    r, lo, hi, b = f["roster"], f["low"], f["high"], f["bounds"]
    eps_lo = np.maximum(1.0, lo.abs()) * REL_EPS
    eps_hi = np.maximum(1.0, hi.abs()) * REL_EPS
    below = lo.notna() & np.where(b.str.startswith("["), r < lo - eps_lo, r <= lo + eps_lo)
    above = hi.notna() & np.where(b.str.endswith("]"), r > hi + eps_hi, r >= hi - eps_hi)

    def differs(c: str) -> pd.Series:
        return f[f"claim_{c}"].notna() & (f[f"claim_{c}"] != f[f"roster_{c}"])

    return pd.Series(
        np.select(
            [
                f["kind"] == "published",
                f["locality_id"].isna(),
                differs("counts"),
                differs("per"),
                f["roster_period_kind"].notna() & differs("period_kind"),
                r.isna(),
                below,
                above,
            ],
            ["not_in_roster", "unknown_locality", "unit_kind_differs", "per_differs", "period_kind_differs",
             "no_roster_value", "below_interval", "above_interval"],
            "in_interval",
        ),
        index=f.index,
    )


def reconcile_pandas(d: Inputs) -> dict[str, pd.DataFrame]:
    locs, facts = d.pd_localities, d.pd_facts
    cat = d.pd_catalog[["indicator_id", "kind", "denominator", "counts", "per", "period_kind"]].rename(
        columns={"indicator_id": "indicator", "counts": "roster_counts", "per": "roster_per",
                 "period_kind": "roster_period_kind"}
    )
    # every locality with the names of all its ancestors
    parent = dict(zip(locs["locality_id"], locs["parent_id"], strict=True))
    names = {r.locality_id: {n for n in (r.name_zh, r.name_en) if isinstance(n, str)} for r in locs.itertuples()}
    anc = []
    for lid in locs["locality_id"]:
        p, hops = parent[lid], 0
        while p in parent and hops < 16:
            anc.extend((lid, n) for n in names[p])
            p, hops = parent[p], hops + 1
    anc_df = pd.DataFrame(list(dict.fromkeys(anc)), columns=["locality_id", "ancestor"])
    f = facts.merge(cat, on="indicator", how="inner")
    f["tier"] = f["locality_level"].map(lambda k: KIND_TIER.get(k, k))
    cand = f[["fact_id", "locality", "tier", "parent"]].merge(
        locs[["locality_id", "name_zh", "level"]], left_on=["locality", "tier"], right_on=["name_zh", "level"]
    )
    ok_parent = cand[cand["parent"].notna()].merge(
        anc_df, left_on=["locality_id", "parent"], right_on=["locality_id", "ancestor"]
    )
    cand = pd.concat([cand[cand["parent"].isna()], ok_parent[cand.columns]])
    cand = cand[cand.groupby("fact_id")["fact_id"].transform("size") == 1][["fact_id", "locality_id"]]
    f = f.merge(cand, on="fact_id", how="left")
    f["percent"] = (f["kind"] == "rate") & f["unit"].isin(["%", "％"])
    scale = np.where(f["percent"], 0.01, 1.0)
    f["claimed"] = f["value"] * scale
    f["low"], f["high"] = f["low"] * scale, f["high"] * scale
    f["claim_counts"] = f["counts"].fillna(f["roster_counts"])
    f["claim_per"], f["roster_per"] = f["per"].fillna(""), f["roster_per"].fillna("")
    f["claim_period_kind"] = f["period_kind"].fillna("unknown")
    f["statistic"] = _statistic(f["qualifier"], f["denominator"], f["low"], f["high"])
    f["column"] = np.where(f["statistic"] == "pooled", f["indicator"], f["indicator"] + "_" + f["statistic"])
    columns = sorted(f.loc[f["kind"] != "published", "column"].unique())
    level = dict(zip(locs["locality_id"], locs["level"], strict=True))
    ids = set(f.loc[f["kind"] != "published", "locality_id"].dropna())
    rows, parts = d.pd_rows, []
    for col, lvl in (("city_id", "city"), ("district_id", "district")):
        want = [i for i in ids if level.get(i) == lvl]
        agg = P.aggregate(rows[rows[col].isin(want)], [col, "period"], columns, synthetic=True).rename(
            columns={col: "locality_id"}
        )
        parts.append(agg.melt(id_vars=["locality_id", "period", "synthetic"], var_name="column", value_name="roster"))
    roster = pd.concat(parts, ignore_index=True)
    latest = roster.groupby("locality_id")["period"].max().rename("latest").reset_index()
    f = f.merge(latest, on="locality_id", how="left")
    f["period"] = f["period"].fillna(f["latest"])
    f = f.merge(roster, on=["locality_id", "period", "column"], how="left")
    f["roster"] = f["roster"].astype("float64").where(f["kind"] != "published")
    f["gap"] = f["roster"] - f["claimed"]
    f["reason"] = _reasons(f)
    f["verdict"] = f["reason"].map(reconcile.REASONS)
    return {"reconcile": f[RECONCILE_COLUMNS].sort_values("fact_id").reset_index(drop=True)}


def reconcile_sql(d: Inputs) -> dict[str, pl.DataFrame]:
    con = d.con
    tiers = ", ".join(f"({S.q(k)}, {S.q(t)})" for k, t in KIND_TIER.items())
    claims = f"""
        WITH tier(kind, tier) AS (VALUES {tiers}),
        loc AS (
            SELECT l.locality_id, l.name_zh, l.level,
                   [p.name_zh, p.name_en, g.name_zh, g.name_en, gg.name_zh, gg.name_en] AS anc
            FROM localities l
            LEFT JOIN localities p ON p.locality_id = l.parent_id
            LEFT JOIN localities g ON g.locality_id = p.parent_id
            LEFT JOIN localities gg ON gg.locality_id = g.parent_id),
        m AS (
            SELECT f.fact_id, any_value(loc.locality_id) AS locality_id FROM facts f
            LEFT JOIN tier ON tier.kind = f.locality_level
            JOIN loc ON f.locality = loc.name_zh AND coalesce(tier.tier, f.locality_level) = loc.level
            WHERE f.parent IS NULL OR list_contains(loc.anc, f.parent)
            GROUP BY f.fact_id HAVING count(*) = 1),
        c0 AS (
            SELECT f.* EXCLUDE (low, high, counts, per, period_kind), m.locality_id, c.kind, c.denominator,
                   c.kind = 'rate' AND f.unit IN ('%', '％') AS pct,
                   f.low * CASE WHEN c.kind = 'rate' AND f.unit IN ('%', '％') THEN 0.01 ELSE 1.0 END AS low,
                   f.high * CASE WHEN c.kind = 'rate' AND f.unit IN ('%', '％') THEN 0.01 ELSE 1.0 END AS high,
                   coalesce(f.counts, c.counts) AS claim_counts, c.counts AS roster_counts,
                   coalesce(f.per, '') AS claim_per, coalesce(c.per, '') AS roster_per,
                   coalesce(f.period_kind, 'unknown') AS claim_period_kind, c.period_kind AS roster_period_kind
            FROM facts f JOIN catalog c ON f.indicator = c.indicator_id LEFT JOIN m USING (fact_id))
        SELECT *, CASE WHEN denominator = 'communities' AND high IS NULL AND low IS NOT NULL THEN 'min'
                       WHEN denominator = 'communities' AND qualifier = 'up_to' THEN 'max'
                       ELSE 'pooled' END AS statistic
        FROM c0"""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE claims AS SELECT *, CASE WHEN statistic = 'pooled' THEN indicator ELSE indicator || '_' || statistic END AS col FROM ({claims})"
    )
    columns = [r[0] for r in con.sql("SELECT DISTINCT col FROM claims WHERE kind <> 'published' ORDER BY col").fetchall()]
    casts = ", ".join(f"CAST({c} AS DOUBLE) AS {c}" for c in columns)
    parts = []
    for key, level in (("city_id", "city"), ("district_id", "district")):
        where = (f"{key} IN (SELECT c.locality_id FROM claims c JOIN localities l USING (locality_id) "
                 f"WHERE l.level = '{level}' AND c.kind <> 'published')")
        parts.append(
            f"SELECT {key} AS locality_id, period, synthetic, {casts} FROM ({S.aggregate('rows', [key, 'period'], columns, where=where, synthetic=True)})"
        )
    roster = (
        f"SELECT * FROM ({' UNION ALL '.join(parts)}) UNPIVOT INCLUDE NULLS (roster FOR col IN ({', '.join(columns)}))"
    )
    verdicts = " ".join(f"WHEN {S.q(r)} THEN {S.q(v)}" for r, v in reconcile.REASONS.items())
    query = f"""
        WITH roster AS ({roster}),
        latest AS (SELECT locality_id, max(period) AS latest FROM roster GROUP BY locality_id),
        j AS (
            SELECT c.*, coalesce(c.period, latest.latest) AS per_period,
                   CASE WHEN c.pct THEN c.value / 100 ELSE c.value END AS claimed,
                   CASE WHEN c.kind = 'published' THEN NULL ELSE r.roster END AS roster, r.synthetic AS r_synthetic
            FROM claims c LEFT JOIN latest USING (locality_id)
            LEFT JOIN roster r ON r.locality_id = c.locality_id AND r.period = coalesce(c.period, latest.latest) AND r.col = c.col),
        g AS (
            SELECT *, roster - claimed AS gap,
                   greatest(1.0, abs(low)) * {REL_EPS!r} AS eps_lo, greatest(1.0, abs(high)) * {REL_EPS!r} AS eps_hi
            FROM j),
        k AS (
            SELECT *, CASE
                WHEN kind = 'published' THEN 'not_in_roster'
                WHEN locality_id IS NULL THEN 'unknown_locality'
                WHEN claim_counts IS NOT NULL AND claim_counts IS DISTINCT FROM roster_counts THEN 'unit_kind_differs'
                WHEN claim_per IS DISTINCT FROM roster_per THEN 'per_differs'
                WHEN roster_period_kind IS NOT NULL AND claim_period_kind IS DISTINCT FROM roster_period_kind THEN 'period_kind_differs'
                WHEN roster IS NULL THEN 'no_roster_value'
                WHEN low IS NOT NULL AND CASE WHEN starts_with(bounds, '[') THEN roster < low - eps_lo ELSE roster <= low + eps_lo END THEN 'below_interval'
                WHEN high IS NOT NULL AND CASE WHEN ends_with(bounds, ']') THEN roster > high + eps_hi ELSE roster >= high - eps_hi END THEN 'above_interval'
                ELSE 'in_interval' END AS reason
            FROM g)
        SELECT fact_id, source_id, locality_id, per_period AS period, indicator, qualifier, statistic, claimed, low, high,
               bounds, roster, gap, CASE reason {verdicts} END AS verdict, reason, r_synthetic AS synthetic
        FROM k ORDER BY fact_id"""
    return {"reconcile": _sql(con, query)}


# ---------------------------------------------------------------- events
def events_ours(d: Inputs) -> dict[str, pl.DataFrame]:
    return {"events": events.monthly_services(d.events)}


def events_pandas(d: Inputs) -> dict[str, pd.DataFrame]:
    e = d.pd_events
    month = e["date"].to_numpy().astype("datetime64[M]")
    out = e.groupby([month, e["kind"]], observed=True, sort=True).size().rename("services").reset_index()
    out.columns = ["month", "kind", "services"]
    out["kind"] = out["kind"].astype(str)
    return {"events": out}


def events_sql(d: Inputs) -> dict[str, pl.DataFrame]:
    query = """
        SELECT CAST(date_trunc('month', date) AS DATE) AS month, CAST(kind AS VARCHAR) AS kind, count(*) AS services
        FROM events GROUP BY ALL ORDER BY month, kind"""
    return {"events": _sql(d.con, query)}


# ---------------------------------------------------------------- reference (not a page)
# The one operation the roster pages spend most of their time on, with nothing of ours around
# it: every community row grouped by city, district and period, six columns summed. The ratio
# of the engines on this is what a page made of such group-bys can at best show.
def reference_ours(d: Inputs) -> dict[str, pl.DataFrame]:
    by = [*KEYS["district"], "period"]
    aggs = [pl.len().alias("communities"), *(pl.col(c).sum() for c in PARTS)]
    return {"group_by": d.rows.group_by(by).agg(aggs).collect()}


def reference_pandas(d: Inputs) -> dict[str, pd.DataFrame]:
    g = d.pd_rows.groupby([*KEYS["district"], "period"], sort=False)
    out = g[list(PARTS)].sum()
    out.insert(0, "communities", g.size())
    return {"group_by": out.reset_index()}


def reference_sql(d: Inputs) -> dict[str, pl.DataFrame]:
    sums = ", ".join(f"coalesce(sum({c}), 0) AS {c}" for c in PARTS)
    query = f"SELECT city_id, district_id, period, count(*) AS communities, {sums} FROM rows GROUP BY ALL"
    return {"group_by": _sql(d.con, query)}


Impl = Callable[[Inputs], dict]
REFERENCE: tuple[Impl, Impl, Impl] = (reference_ours, reference_pandas, reference_sql)
PAGES: dict[str, tuple[Impl, Impl, Impl]] = {
    "overview": (overview_ours, overview_pandas, overview_sql),
    "compare": (compare_ours, compare_pandas, compare_sql),
    "district": (district_ours, district_pandas, district_sql),
    "reconcile": (reconcile_ours, reconcile_pandas, reconcile_sql),
    "events": (events_ours, events_pandas, events_sql),
}
