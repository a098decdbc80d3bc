"""Deterministic national-scale synthetic data for the benchmark: community rows, service events, localities, facts."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from store.columns import CANONICAL, MONEY

SEED = 20_240_601
PERIODS: tuple[str, ...] = ("2021", "2022", "2023", "2024", "2025")
KINDS: tuple[str, ...] = ("visit", "mediation", "volunteer", "consultation", "culture", "elderly_care")
OUT_DIR = Path(__file__).resolve().parent / "out"
LOCALITIES = Path(__file__).resolve().parents[1] / "data" / "localities.csv"
FORMAT_VERSION = 6  # bump when the generator changes, so cached Parquet is rebuilt

SCALES: dict[str, dict[str, int]] = {
    "national": {"communities": 120_000, "events": 20_000_000},
    "sample": {"communities": 2_000, "events": 200_000},
}
ROW_SCHEMA: dict[str, pl.DataType] = {
    "dataset_id": pl.Int64(),
    "synthetic": pl.Boolean(),
    "city_id": pl.String(),
    "district_id": pl.String(),
    **CANONICAL,
}


@dataclass(frozen=True)
class Data:
    """The benchmark's tables as polars DataFrames (in memory)."""

    rows: pl.DataFrame
    events: pl.DataFrame
    localities: pl.DataFrame
    facts: pl.DataFrame


def counties() -> list[dict]:
    """Every county-level unit of data/localities.csv (ships with the repo), with its city and province."""
    loc = {r["locality_id"]: r for r in pl.read_csv(LOCALITIES, infer_schema=False).iter_rows(named=True)}
    out = []
    for r in sorted((r for r in loc.values() if r["level"] == "district"), key=lambda r: r["locality_id"]):
        city = loc[r["parent_id"]]
        province = loc[city["parent_id"]]
        out.append({
            "district_id": r["locality_id"], "district": r["name_zh"],
            "city_id": city["locality_id"], "city": city["name_zh"],
            "province_id": province["locality_id"], "province": province["name_zh"],
        })
    return out


def _communities(rng: np.random.Generator, n: int, units: list[dict]) -> pl.DataFrame:
    """One row per community: where it is, how big, and its own propensities."""
    k = len(units)
    urban = np.array([u["district"].endswith("区") for u in units])
    weight = rng.lognormal(0.0, 0.8, k) * np.where(urban, 3.0, 1.0)
    per = np.maximum(1, np.floor(weight / weight.sum() * (n - k)).astype(np.int64) + 1)
    # hand the rounding remainder to the largest units so the total is exactly n
    short = n - int(per.sum())
    if short > 0:
        per[np.argsort(-weight)[:short]] += 1
    elif short < 0:
        for i in np.argsort(-per)[:-short]:
            per[i] -= 1
    unit_idx = np.repeat(np.arange(k), per)
    within = np.concatenate([np.arange(p) for p in per])
    streets_per_unit = np.maximum(1, np.round(per / 7)).astype(np.int64)
    street_no = within % streets_per_unit[unit_idx]
    district_ids = np.array([u["district_id"] for u in units])[unit_idx]
    street = np.char.add("街道", np.char.zfill(street_no.astype(str), 3))
    street = np.where(rng.random(n) < 0.02, None, street)  # some county towns have no street level
    code = np.char.add(
        np.char.add(district_ids.astype(str), np.char.zfill(street_no.astype(str), 3)),
        np.char.zfill((within % 1000).astype(str), 3),
    )
    return pl.DataFrame(
        {
            "unit": unit_idx,
            "city_id": np.array([u["city_id"] for u in units])[unit_idx],
            "district_id": district_ids,
            "city": np.array([u["city"] for u in units])[unit_idx],
            "district": np.array([u["district"] for u in units])[unit_idx],
            "street": pl.Series(street.tolist(), dtype=pl.String),
            "community": np.char.add("社区", np.char.zfill(within.astype(str), 4)),
            "community_code": code,
            "base_residents": np.clip(rng.lognormal(np.log(8000), 0.5, n), 500, 60_000),
            "skill": rng.normal(0.0, 0.08, n),
            "start": np.where(rng.random(n) < 0.03, rng.integers(1, len(PERIODS), n), 0),
            "lon": rng.uniform(75, 134, n),
            "lat": rng.uniform(18, 53, n),
        }
    )


def _rows(rng: np.random.Generator, comm: pl.DataFrame) -> pl.DataFrame:
    """One row per community per period with every canonical column; some gaps on purpose."""
    n = comm.height
    t = np.repeat(np.arange(len(PERIODS))[None, :], n, axis=0).ravel()
    idx = np.repeat(np.arange(n), len(PERIODS))
    keep = t >= comm["start"].to_numpy()[idx]  # a few communities were founded later
    idx, t = idx[keep], t[keep]
    m = len(idx)
    skill = comm["skill"].to_numpy()[idx]
    residents = np.round(comm["base_residents"].to_numpy()[idx] * (1 + 0.012 * t)).astype(np.int64)

    def binom(whole: np.ndarray, p: np.ndarray) -> np.ndarray:
        return rng.binomial(whole, np.clip(p, 0.0, 1.0))

    compounds = rng.poisson(residents / 1200)
    grids = np.where(rng.random(m) < 0.01, 0, np.maximum(1, rng.poisson(residents / 700)))
    companies = rng.poisson(2.5, m).astype(np.float64)
    companies_with = binom(companies.astype(np.int64), 0.3 + 0.12 * t + skill).astype(np.float64)
    companies[rng.random(m) < 0.03] = np.nan
    companies_with[np.isnan(companies) | (rng.random(m) < 0.02)] = np.nan
    services = rng.poisson(residents / 40 * (1 + 0.1 * t))
    funds = {
        "fund_service": rng.choice([80_000.0, 100_000.0, 150_000.0, 200_000.0], m, p=[0.03, 0.57, 0.25, 0.15]),
        "fund_work": np.where(rng.random(m) < 0.9, 50_000.0, 30_000.0),
        "fund_party": np.round(np.clip(rng.normal(20_000, 5_000, m), 2_000, None), -2),
        "fund_other": np.where(rng.random(m) < 0.7, np.nan, np.round(rng.uniform(0, 50_000, m), -2)),
    }
    none = rng.random(m) < 0.01
    for col in MONEY:
        funds[col][none] = np.nan
    workers = np.where(rng.random(m) < 0.005, 0, rng.poisson(9, m) + 1)
    pick = lambda col: comm[col].to_numpy()[idx] if comm[col].dtype != pl.String else comm[col].gather(idx)
    df = pl.DataFrame(
        {
            "dataset_id": comm["unit"].to_numpy()[idx] // 10 + 1,
            "synthetic": np.ones(m, dtype=bool),
            "city_id": pick("city_id"),
            "district_id": pick("district_id"),
            "city": pick("city"),
            "district": pick("district"),
            "street": pick("street"),
            "community": pick("community"),
            "community_code": pick("community_code"),
            "period": np.array(PERIODS)[t],
            "lon": pick("lon"),
            "lat": pick("lat"),
            "residents": residents,
            "households": (residents / 2.8).astype(np.int64),
            "compounds": compounds,
            "compounds_with_party_org": binom(compounds, 0.55 + 0.1 * t + skill),
            "grids": grids,
            "grids_with_party_org": binom(grids, 0.7 + 0.07 * t + skill),
            "property_companies": companies,
            "property_companies_with_party_org": companies_with,
            "party_members": rng.poisson(residents * 0.035),
            "reported_members": rng.poisson(residents * 0.01 * (1 + 0.2 * t)),
            "reported_units": rng.poisson(6, m),
            "services": services,
            "problems_solved": binom(services, np.full(m, 0.3)),
            "disputes_mediated": rng.poisson(residents / 300),
            "volunteers": rng.poisson(residents * 0.02),
            "workers": workers,
            "service_center_area_m2": np.round(np.clip(rng.normal(500, 150, m), 50, None), 1),
            **funds,
        },
        nan_to_null=True,
    )
    return df.select([pl.col(c).cast(t) for c, t in ROW_SCHEMA.items()])


def _events(rng: np.random.Generator, comm: pl.DataFrame, n: int) -> pl.DataFrame:
    """One row per service delivered: community_code, date, kind, participants."""
    weight = comm["base_residents"].to_numpy()
    which = rng.choice(comm.height, n, p=weight / weight.sum())
    first, last = date(2021, 1, 1).toordinal(), date(2025, 12, 31).toordinal()
    days = rng.integers(0, last - first + 1, n).astype(np.int32) + np.int32(first - date(1970, 1, 1).toordinal())
    kinds = rng.choice(len(KINDS), n, p=[0.3, 0.1, 0.2, 0.2, 0.1, 0.1]).astype(np.uint32)
    return pl.DataFrame(
        {
            "community_code": comm["community_code"].gather(which),
            "date": pl.Series(days, dtype=pl.Int32).cast(pl.Date),
            "kind": pl.Series(kinds)
            .cast(pl.UInt32)
            .replace_strict(dict(enumerate(KINDS)), return_dtype=pl.Enum(list(KINDS))),
            "participants": rng.poisson(12, n).astype(np.int32),
        }
    )


def _localities(units: list[dict]) -> pl.DataFrame:
    """The shipped localities of the units, their cities and their provinces (the store holds the same rows)."""
    ids = {u[k] for u in units for k in ("district_id", "city_id", "province_id")}
    df = pl.read_csv(LOCALITIES, infer_schema=False).filter(pl.col("locality_id").is_in(sorted(ids)))
    assert df.height == len(ids), "every generated locality is in data/localities.csv"
    return df


def _facts(rng: np.random.Generator, rows: pl.DataFrame, localities: pl.DataFrame) -> pl.DataFrame:
    """Published claims shaped like the reports': full coverage, grid counts, funding floors,
    'more than' member counts, 'about' community counts; some true, some not, some unmatched."""
    names = dict(zip(localities["locality_id"], localities["name_zh"], strict=True))
    latest = rows.filter(pl.col("period") == PERIODS[-1])
    by_city = (
        latest.group_by("city_id")
        .agg(pl.col("grids").sum(), pl.col("reported_members").sum(), pl.len().alias("n"))
        .sort("city_id")
    )
    prov = dict(zip(localities["locality_id"], localities["parent_id"], strict=True))
    recs: list[dict] = []

    def add(
        loc: str,
        level: str,
        indicator: str | None,
        value: float,
        unit: str,
        qualifier: str,
        period: str | None,
        subject: str | None = None,
    ) -> None:
        i = len(recs) + 1
        recs.append(
            {
                "fact_id": f"F{i:06d}",
                "source_id": f"S{(i % 7) + 1:03d}",
                "locality": names.get(loc, loc),
                "locality_level": level,
                "parent": names.get(prov.get(loc) or "", None),
                "indicator": indicator,
                "subject": subject,
                "value": float(value),
                "unit": unit,
                "qualifier": qualifier,
                "period": period,
                "evidence": "synthetic claim",
            }
        )

    for city, grids, members, n in by_city.iter_rows():
        add(city, "city", "compound_coverage", 100, "%", "exact", None)
        add(city, "city", "grids", grids if rng.random() < 0.7 else round(grids * 1.03), "个", "exact", PERIODS[-1])
        add(city, "city", "fund_service_per_community", 100_000, "元", "at_least", None)
        add(city, "city", "fund_work_per_community", 20_000, "元", "more_than", None)  # a floor: every community
        add(
            city,
            "city",
            "reported_members",
            (members // 100) * 100 if rng.random() < 0.8 else members * 1.2,
            "名",
            "more_than",
            PERIODS[-1],
        )
        add(city, "city", "communities", round(n, -1), "个", "about", PERIODS[-1])
        add(city, "city", "grid_coverage", 98.5, "%", "exact", "2019")  # no roster that year: no_data
    districts = localities.filter(pl.col("level") == "district")["locality_id"].to_list()
    for d in districts[::3]:
        add(d, "district", "compound_coverage", 90, "%", "about", PERIODS[-2])
        add(d, "district", "fund_total_per_community", 250_000, "元", "up_to", None)
    add("999999", "district", "grids", 10, "个", "exact", None)  # a locality no one knows
    add(districts[0], "district", None, 201, "个", "exact", None, subject="小区党支部")  # not a catalog indicator
    add(districts[1], "district", "services", 55_300, "人次", "exact", None)  # person-times: not comparable
    add(districts[1], "district", "first_secretaries", 30, "人", "exact", None)  # only reports state it
    return with_wording(pl.DataFrame(recs, schema={**{c: pl.String for c in recs[0]}, "value": pl.Float64}))


def with_wording(facts: pl.DataFrame) -> pl.DataFrame:
    """The facts.csv columns a claim is judged by: the interval of each qualifier's loosest reading
    (figures.wording) and, for counts, per and period_kind, the indicator's own, except that a unit
    that names its kind (人次) counts that kind."""
    from figures.wording import interval, unit_kind
    from queries.catalog import indicator

    extra: dict[str, list] = {c: [] for c in ("low", "high", "bounds", "counts", "per", "period_kind")}
    for value, qualifier, unit, ind in facts.select("value", "qualifier", "unit", "indicator").iter_rows():
        iv = interval(value, qualifier, percent=unit == "%")
        extra["low"].append(None if iv.low is None else float(iv.low))
        extra["high"].append(None if iv.high is None else float(iv.high))
        extra["bounds"].append(iv.bounds)
        row = indicator(ind) if ind else {}
        kind = unit_kind(unit)
        extra["counts"].append(kind if kind not in (None, "percent") else row.get("counts"))
        extra["per"].append(row.get("per"))
        extra["period_kind"].append(row.get("period_kind") or "unknown")
    types = {"low": pl.Float64, "high": pl.Float64}
    return facts.with_columns(pl.Series(c, v, types.get(c, pl.String)) for c, v in extra.items())


def generate(scale: str = "national", out_dir: Path | None = None, *, force: bool = False) -> Path:
    """Write the scale's Parquet files once (reused when present and current); returns the folder."""
    size = SCALES[scale]
    out = Path(out_dir or OUT_DIR) / scale
    stamp = out / "manifest.json"
    want = {"format": FORMAT_VERSION, "seed": SEED, **size}
    if not force and stamp.exists() and json.loads(stamp.read_text()) == want:
        return out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    units = counties()
    if len(units) * 20 > size["communities"]:
        # a small scale keeps whole districts (about 20 communities each) rather than crumbs of all
        step = -(-len(units) * 20 // size["communities"])
        units = units[::step]
    comm = _communities(rng, size["communities"], units)
    rows = _rows(rng, comm)
    localities = _localities(units)
    rows.write_parquet(out / "rows.parquet")
    localities.write_parquet(out / "localities.parquet")
    _facts(rng, rows, localities).write_parquet(out / "facts.parquet")
    _events(rng, comm, size["events"]).write_parquet(out / "events.parquet")
    tmp = stamp.with_suffix(".tmp")
    tmp.write_text(json.dumps(want))
    os.replace(tmp, stamp)
    return out


def load(folder: Path) -> Data:
    """The generated tables, read fully into memory."""
    return Data(
        rows=pl.read_parquet(folder / "rows.parquet"),
        events=pl.read_parquet(folder / "events.parquet"),
        localities=pl.read_parquet(folder / "localities.parquet"),
        facts=pl.read_parquet(folder / "facts.parquet"),
    )
