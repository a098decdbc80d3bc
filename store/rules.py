"""Every validation rule of a community dataset, in one place: typing, a declarative rule table, localities, personal data."""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from store.columns import CANONICAL, COUNTS, MONEY, NUMERIC, PART_OF, REQUIRED
from store.levels import name_forms
from store.numbers import missing_expr, normalised_expr, parse_number_columns, parse_period

TEXT_COLUMNS: tuple[str, ...] = ("city", "district", "street", "community", "community_code")
FLOAT_COLUMNS: tuple[str, ...] = ("lon", "lat")
# With the city: district names repeat across cities (鼓楼区, 城区), so a provincial file may hold
# the same district and community name twice, in two cities.
UNIQUE_KEY: tuple[str, ...] = ("city", "district", "community", "period")

# Plausibility bounds per community: column -> (min, max); None = no bound on that side.
BOUNDS: dict[str, tuple[float | None, float | None]] = {
    **{c: (0, None) for c in NUMERIC},
    "residents": (0, 500_000),
    "compounds": (0, 1_000),
    "grids": (0, 1_000),
    **{c: (0, 1e9) for c in MONEY},
    "lon": (73, 136),
    "lat": (3, 54),
}
# Pairs (part, whole) where the part can never exceed the whole.
NOT_MORE_THAN: dict[str, str] = {**PART_OF, "households": "residents"}
COMMUNITY_CODE_RE = r"^[0-9]{12}$"

# A total row: 合计 / 总计 / 小计 (also 全市合计, 合  计, 合计：) in any text cell of the row.
TOTAL_RE = r"^(?:全市|全区|全县|全镇|全街道|总)?(?:合计|总计|小计|共计)[:：]?$"

# Personal data in a cell: an 18-digit ID-card number or a mainland mobile number (not part of a longer number).
ID_CARD_RE = r"(?:^|[^0-9])[0-9]{17}[0-9Xx](?:$|[^0-9])"
MOBILE_RE = r"(?:^|[^0-9.])1[3-9][0-9]{9}(?:$|[^0-9])"



@dataclass(frozen=True)
class Finding:
    """One rule broken at one place: row (person-visible, None for the whole file), canonical column, message key."""

    row: int | None
    column: str | None
    key: str
    value: str | None = None
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """A row rule: `fails` is True on rows that break it; `detail` gives per-row message parameters."""

    key: str
    column: str
    fails: pl.Expr
    params: dict[str, object] = field(default_factory=dict)
    detail: dict[str, pl.Expr] = field(default_factory=dict)

    def columns(self) -> set[str]:
        names = set(self.fails.meta.root_names())
        for expr in self.detail.values():
            names |= set(expr.meta.root_names())
        return names


def _fmt(x: float | None) -> str:
    return "" if x is None else (f"{x:,.0f}" if float(x).is_integer() else f"{x:,}")


def _raw(c: str) -> str:
    return f"__raw__{c}"


def _miss(c: str) -> str:
    return f"__miss__{c}"


def _bad(c: str) -> str:
    return f"__bad__{c}"


def rule_table() -> list[Rule]:
    """The declarative rule table; a rule applies when every column it reads is in the file."""
    rules: list[Rule] = []
    for c in REQUIRED:
        rules.append(Rule("import.rule.required_value", c, pl.col(_miss(c))))
    rules.append(Rule("import.rule.invalid_period", "period", pl.col(_bad("period"))))
    for c in NUMERIC + FLOAT_COLUMNS:
        rules.append(Rule("import.rule.not_a_number", c, pl.col(_bad(c))))
    for c in COUNTS:
        rules.append(Rule("import.rule.not_whole", c, pl.col(c) != pl.col(c).round(0)))
    for c, (lo, hi) in BOUNDS.items():
        if lo == 0 and hi is None:
            rules.append(Rule("import.rule.negative", c, pl.col(c) < 0))
        elif lo == 0:
            rules.append(Rule("import.rule.negative", c, pl.col(c) < 0))
            rules.append(Rule("import.rule.too_large", c, pl.col(c) > hi, {"max": _fmt(hi)}))
        else:
            fails = (pl.col(c) < lo) | (pl.col(c) > hi)
            rules.append(Rule("import.rule.out_of_range", c, fails, {"min": _fmt(lo), "max": _fmt(hi)}))
    for part, whole in NOT_MORE_THAN.items():
        rules.append(
            Rule(
                "import.rule.part_exceeds_whole",
                part,
                pl.col(part) > pl.col(whole),
                {"whole": whole},
                {"whole_value": pl.col(_raw(whole))},
            )
        )
    rules.append(
        Rule("import.rule.community_code", "community_code", pl.col("community_code").str.contains(COMMUNITY_CODE_RE).not_())
    )
    keys_present = pl.all_horizontal([pl.col(k).is_not_null() for k in UNIQUE_KEY])
    rules.append(
        Rule(
            "import.rule.duplicate_row",
            "community",
            keys_present & (pl.col("__row").rank("ordinal").over(list(UNIQUE_KEY)) > 1),
            detail={"first_row": pl.col("__row").min().over(list(UNIQUE_KEY))},
        )
    )
    return rules


# ---- typing ---------------------------------------------------------------------------------
def prepare(raw: pl.DataFrame) -> pl.DataFrame:
    """Typed columns from text cells, keeping the raw text (`__raw__c`) and flags (`__miss__c`, `__bad__c`).

    `raw` holds String columns named by canonical column plus "__row". Text is NFKC-normalised and
    stripped; numbers go through store.numbers (万/亿, full-width, separators, units, missing markers).
    """
    present = [c for c in CANONICAL if c in raw.columns]
    numeric = [c for c in present if c not in TEXT_COLUMNS and c != "period"]
    norm = raw.select(
        pl.col("__row"),
        *[pl.col(c).alias(_raw(c)) for c in present],
        *[normalised_expr(pl.col(c)).alias(c) for c in present],  # NFKC once per column
    )
    norm = norm.with_columns(missing_expr(pl.col(c)).alias(_miss(c)) for c in present)
    text = []
    for c in present:
        if c in TEXT_COLUMNS:
            e = pl.when(pl.col(_miss(c))).then(None).otherwise(pl.col(c))
            if c == "community_code":
                e = e.str.replace(r"\.0+$", "")  # 450403001001.0 from a spreadsheet number
            text.append(e.alias(c))
    typed = norm.with_columns(text) if text else norm
    typed = parse_number_columns(typed, numeric, failed=_bad("{}"))
    if "period" in present:
        values = typed.filter(pl.col(_miss("period")).not_()).get_column("period").unique().to_list()
        mapping = {v: parse_period(v) for v in values}
        missing = pl.col(_miss("period"))
        parsed = pl.col("__period")
        typed = (
            typed.with_columns(pl.col("period").replace_strict(mapping, default=None, return_dtype=pl.String).alias("__period"))
            .with_columns(
                pl.when(missing).then(None).otherwise(parsed).alias("period"),
                (missing.not_() & parsed.is_null()).alias(_bad("period")),
            )
            .drop("__period")
        )
    return typed


def check_rows(typed: pl.DataFrame) -> list[Finding]:
    """Run every applicable rule of the table over all rows at once; one Finding per broken rule per row."""
    rules = [r for r in rule_table() if r.columns() <= set(typed.columns)]
    if not rules or typed.height == 0:
        return []
    flags = typed.select([r.fails.fill_null(False).alias(f"r{i}") for i, r in enumerate(rules)])
    findings: list[Finding] = []
    for i, rule in enumerate(rules):
        mask = flags.get_column(f"r{i}")
        if not mask.any():
            continue
        # evaluate on all rows first: detail expressions with .over() must see every row
        hits = typed.select(
            pl.col("__row"),
            pl.col(_raw(rule.column)).alias("__value"),
            *[expr.cast(pl.String).alias(f"__d_{k}") for k, expr in rule.detail.items()],
        ).filter(mask)
        for rec in hits.iter_rows(named=True):
            params = dict(rule.params)
            params.update({k: rec[f"__d_{k}"] for k in rule.detail})
            findings.append(Finding(rec["__row"], rule.column, rule.key, rec["__value"], params))
    return findings


def typed_output(typed: pl.DataFrame) -> pl.DataFrame:
    """The canonical columns with their store types (counts Int64), absent columns as typed nulls."""
    cols = []
    for c, dtype in CANONICAL.items():
        if c in typed.columns:
            cols.append(pl.col(c).round(0).cast(dtype) if c in COUNTS else pl.col(c).cast(dtype))
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(c))
    return typed.select(pl.col("__row"), *cols)


# ---- rows that are not data -----------------------------------------------------------------
def blank_row_expr(columns: Iterable[str]) -> pl.Expr:
    """True where every cell of the row is empty or whitespace."""
    return pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in columns])


def total_rows(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """Boolean mask: a text cell says 合计/总计/小计 (spaces inside ignored), so the row is a total, not a community."""
    if not columns:
        return pl.Series([False] * frame.height, dtype=pl.Boolean)
    # cheap literal pre-filter, then the exact pattern on the few candidate rows only
    candidate = frame.select(pl.any_horizontal([pl.col(c).str.contains("计", literal=True).fill_null(False) for c in columns])).to_series()
    if not candidate.any():
        return candidate
    exact = pl.any_horizontal(
        [pl.col(c).str.normalize("NFKC").str.replace_all(r"\s+", "").str.contains(TOTAL_RE).fill_null(False) for c in columns]
    )
    hits = frame.with_columns(candidate.alias("__cand")).select(pl.col("__cand") & exact).to_series()
    return hits


# ---- personal data ----------------------------------------------------------------------------
def personal_cells(series: pl.Series) -> pl.Series:
    """Boolean mask: the cell carries an ID-card or mobile number (full-width digits included)."""
    long = series.str.len_chars().fill_null(0) >= 11  # both patterns need at least 11 characters
    out = pl.Series([False] * series.len(), dtype=pl.Boolean)
    if not long.any():
        return out
    norm = series.str.normalize("NFKC")
    return (long & (norm.str.contains(ID_CARD_RE) | norm.str.contains(MOBILE_RE))).fill_null(False)


def mask(value: object) -> str:
    """A personal value made unreadable: every character but the last two becomes *, at most 18 shown."""
    s = "" if value is None else str(value).strip()
    if len(s) <= 2:
        return "*" * len(s)
    return "*" * min(len(s) - 2, 16) + s[-2:]


# ---- localities -----------------------------------------------------------------------------
def _norm_name(s: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s or "")))


CODE_RE = re.compile(r"^[0-9]{6}$")
EN_SUFFIX_RE = re.compile(r"(autonomousprefecture|autonomouscounty|autonomousbanner|prefecture|district|county|city|banner|league)$")


class LocalityIndex:
    """Provinces, cities and districts by every name people write for them, and by code.

    Keys: the full Chinese name, its forms without the suffix and the short forms of autonomous units
    (store.levels.name_forms: 咸阳 / 咸阳市, 凉山州, 石柱县), the English name (case-insensitive, also
    without a bracketed province: "Suzhou (Jiangsu)" answers to "suzhou"). A key may name several
    places (鼓楼区 is in five cities); resolve_localities settles those through the city.
    """

    def __init__(self, localities: pl.DataFrame) -> None:
        self.parent: dict[str, str | None] = {}
        self.name: dict[str, str] = {}
        self.level: dict[str, str] = {}
        self.kind: dict[str, str | None] = {}
        self.provinces: dict[str, list[str]] = {}
        self.cities: dict[str, list[str]] = {}
        self.districts_of: dict[str, dict[str, list[str]]] = {}
        self.all_districts: dict[str, list[str]] = {}
        self.district_names_of: dict[str, list[str]] = {}
        self.children: dict[str, list[str]] = {}
        self.by_code: dict[str, list[str]] = {}
        if localities.height == 0:
            return
        cols = ["locality_id", "name_zh", "name_en", "level", "parent_id", "adcode"]
        cols += [c for c in ("kind",) if c in localities.columns]
        for rec in localities.select(cols).iter_rows(named=True):
            lid, level = str(rec["locality_id"]), rec["level"]
            parent = str(rec["parent_id"]) if rec["parent_id"] else None
            self.parent[lid] = parent
            self.name[lid] = rec["name_zh"]
            self.level[lid] = level
            self.kind[lid] = rec.get("kind")
            if parent:
                self.children.setdefault(parent, []).append(lid)
            if level in ("province", "city", "district"):
                for code in {lid, str(rec["adcode"] or "")} - {""}:
                    if CODE_RE.match(code):
                        self.by_code.setdefault(code, []).append(lid)
            if level == "province":
                self._add(self.provinces, rec, lid, "province")
            elif level == "city":
                self._add(self.cities, rec, lid, "city")
            elif level == "district":
                self._add(self.districts_of.setdefault(parent or "", {}), rec, lid, "district")
                self._add(self.all_districts, rec, lid, "district")
                self.district_names_of.setdefault(parent or "", []).append(rec["name_zh"])

    @staticmethod
    def _add(index: dict[str, list[str]], rec: dict, lid: str, tier: str) -> None:
        keys = name_forms(_norm_name(rec["name_zh"]), tier)
        if rec.get("name_en"):
            en = re.sub(r"\(.*\)$", "", _norm_name(rec["name_en"]).lower())
            # "Cenxi" for "Cenxi City" and "Tonghua" for "Tonghua County", as people write them; a bare
            # name shared by a city and its county stays ambiguous on the district tier only
            keys |= {_norm_name(rec["name_en"]).lower(), en, EN_SUFFIX_RE.sub("", en) or en}
        for key in keys:
            ids = index.setdefault(key, [])
            if lid not in ids:
                ids.append(lid)

    @staticmethod
    def _lookup(index: dict[str, list[str]], name: str) -> list[str]:
        n = _norm_name(name)
        return list(index.get(n) or index.get(n.lower()) or [])

    def empty(self) -> bool:
        return not self.parent

    def province(self, name: str) -> list[str]:
        return self._lookup(self.provinces, name)

    def city(self, name: str) -> list[str]:
        """City-tier units a name (or a code) can mean; a province-level name gives its cities (北京 -> 110100)."""
        n = _norm_name(name)
        if CODE_RE.match(n):
            return self._city_by_code(n)
        found = self._lookup(self.cities, n)
        if found:
            return found
        for prov in self.province(n):  # 北京市 the 直辖市, or a whole province (settled by the district)
            found += [c for c in self.children.get(prov, []) if self.level.get(c) == "city"]
        if found:
            return found
        # a county-level unit people call a city: 仙桃市 (省直辖), 东莞市 (no counties)
        return list(dict.fromkeys(p for d in self._lookup(self.all_districts, n) if (p := self.parent.get(d))
                                  and self.kind.get(p) == "province_direct"))

    def _city_by_code(self, code: str) -> list[str]:
        own = self.by_code.get(code, [])
        cities = [c for c in own if self.level.get(c) == "city"]
        if cities:
            return cities
        provinces = [p for p in own if self.level.get(p) == "province"]
        if provinces:
            return [c for p in provinces for c in self.children.get(p, []) if self.level.get(c) == "city"]
        # 500200 (重庆's 县) and the like: the one city holding every district under that prefix
        holders = {self.parent.get(d) for k, ids in self.by_code.items() if k[:4] == code[:4] and code.endswith("00")
                   for d in ids if self.level.get(d) == "district"}
        return sorted(h for h in holders if h)

    def district(self, city_id: str, name: str) -> list[str]:
        n = _norm_name(name)
        if CODE_RE.match(n):
            return [d for d in self.by_code.get(n, []) if self.level.get(d) == "district" and self.parent.get(d) == city_id]
        return self._lookup(self.districts_of.get(city_id, {}), n)

    def district_anywhere(self, name: str) -> list[str]:
        n = _norm_name(name)
        if CODE_RE.match(n):
            return [d for d in self.by_code.get(n, []) if self.level.get(d) == "district"]
        return self._lookup(self.all_districts, n)

    def label(self, locality_id: str) -> str:
        """名称（上级名称）: how a candidate is named in an error."""
        parent = self.parent.get(locality_id)
        name = self.name.get(locality_id, locality_id)
        return f"{name}（{self.name.get(parent, parent)}）" if parent else name

    def chain(self, locality_id: str) -> list[str]:
        """The locality and its ancestors, nearest first."""
        out, seen = [], set()
        cur: str | None = locality_id
        while cur and cur not in seen:
            out.append(cur)
            seen.add(cur)
            cur = self.parent.get(cur)
        return out

    def within(self, inner: str, outer: str) -> bool:
        """True if `inner` is `outer` or lies inside it."""
        return outer in self.chain(inner)

    def lowest_common(self, ids: Iterable[str]) -> str | None:
        """The lowest locality holding all of `ids`."""
        chains = [self.chain(i) for i in ids]
        if not chains:
            return None
        common = set(chains[0]).intersection(*map(set, chains[1:]))
        for candidate in chains[0]:
            if candidate in common:
                return candidate
        return None


def resolved_duplicates(typed: pl.DataFrame, flagged: set[int]) -> list[Finding]:
    """Rows that repeat a community once names are resolved (梧州 and 梧州市 are one city), which
    the name-level duplicate rule cannot see: the store's key is district_id, community, period.
    Rows in `flagged` were reported already."""
    key = ["district_id", "community", "period"]
    if not set(key) <= set(typed.columns):
        return []
    known = typed.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in key]))
    hits = known.select(
        pl.col("__row"),
        pl.col(_raw("community")).alias("__value"),
        pl.col("__row").min().over(key).alias("__first"),
        (pl.col("__row").rank("ordinal").over(key) > 1).alias("__again"),
    ).filter(pl.col("__again"))
    return [
        Finding(row, "community", "import.rule.duplicate_row", value, {"first_row": str(first)})
        for row, value, first, _ in hits.iter_rows()
        if row not in flagged
    ]


MAX_CANDIDATES = 8  # an ambiguous name's error lists at most this many places


_INDEXES: dict[tuple, LocalityIndex] = {}
_INDEXES_LOCK = threading.Lock()
_MAX_INDEXES = 4


def locality_index(localities: pl.DataFrame) -> LocalityIndex:
    """LocalityIndex(localities), built once for the same table. Every import validates against the same
    3,264 localities: building the index takes 0.15 s, recognising the table a millisecond (its rows'
    hash). The index is only read after it is built, so threads share it."""
    rows_hash = int(localities.hash_rows(seed=0).sum()) if localities.height else 0
    key = (tuple(localities.columns), localities.height, rows_hash)
    with _INDEXES_LOCK:
        index = _INDEXES.get(key)
    if index is None:
        index = LocalityIndex(localities)
        with _INDEXES_LOCK:
            while len(_INDEXES) >= _MAX_INDEXES:
                _INDEXES.pop(next(iter(_INDEXES)))
            _INDEXES[key] = index
    return index


def _candidates(index: LocalityIndex, ids: Iterable[str]) -> str:
    labels = sorted({index.label(i) for i in ids})
    more = len(labels) - MAX_CANDIDATES
    return "、".join(labels[:MAX_CANDIDATES]) + (f" …（+{more}）" if more > 0 else "")


def _resolve_pair(index: LocalityIndex, city: str, district: str) -> dict[str, object]:
    """city_id and district_id of one (city, district) pair of names, or the Finding's key and params."""
    out: dict[str, object] = {"city_id": None, "district_id": None, "key": None, "column": None, "params": None}
    cities = index.city(city)
    if not cities:
        known = sorted({index.name[c] for ids in index.cities.values() for c in ids})
        close = difflib.get_close_matches(_norm_name(city), known, n=3, cutoff=0.3)
        out.update(key="import.rule.unknown_city", column="city", params={"city": city, "suggestions": "、".join(close) or "—"})
        return out
    if len(cities) > 1:
        # a name several cities answer to (a province, 苏州 in English): the district decides
        found = [d for c in cities for d in index.district(c, district)]
        if len(found) == 1:
            out.update(city_id=index.parent[found[0]], district_id=found[0])
        elif found:
            out.update(key="import.rule.ambiguous_district", column="district",
                       params={"district": district, "city": city, "candidates": _candidates(index, found)})
        else:
            out.update(key="import.rule.ambiguous_city", column="city",
                       params={"city": city, "candidates": _candidates(index, cities)})
        return out
    city_id = cities[0]
    out["city_id"] = city_id
    found = index.district(city_id, district)
    if len(found) == 1:
        out["district_id"] = found[0]
    elif found:
        out.update(key="import.rule.ambiguous_district", column="district",
                   params={"district": district, "city": index.name[city_id], "candidates": _candidates(index, found)})
    else:
        elsewhere = [d for d in index.district_anywhere(district) if index.parent.get(d) != city_id]
        if elsewhere:
            params = {"district": district, "city": index.name[city_id], "other": _candidates(index, [index.parent[d] for d in elsewhere if index.parent.get(d)])}
            out.update(key="import.rule.district_not_in_city", column="district", params=params)
        else:
            names = index.district_names_of.get(city_id, [])
            close = difflib.get_close_matches(_norm_name(district), names, n=3, cutoff=0.3)
            params = {"district": district, "city": index.name[city_id], "suggestions": "、".join(close) or "—"}
            out.update(key="import.rule.unknown_district", column="district", params=params)
    return out


def resolve_localities(typed: pl.DataFrame, index: LocalityIndex) -> tuple[pl.DataFrame, list[Finding]]:
    """Add city_id and district_id; unknown or ambiguous names, and districts outside their city, become Findings.

    Forgiving the way people write: with or without the suffix (咸阳 / 咸阳市), short forms of autonomous
    units (凉山州), English names, codes (110107); a 直辖市 as the city (北京市 石景山区); a county-level unit
    the province administers as the city (仙桃市 仙桃市); a name shared across China (鼓楼区) through its
    city. What stays ambiguous is refused with every candidate and its parent.
    """
    if not {"city", "district"} <= set(typed.columns):
        return typed.with_columns(pl.lit(None, pl.String).alias("city_id"), pl.lit(None, pl.String).alias("district_id")), []
    pairs = typed.select("city", "district").unique().drop_nulls()
    mapping: list[dict[str, object]] = []
    for city, district in pairs.iter_rows():
        mapping.append({"city": city, "district": district, **_resolve_pair(index, city, district)})
    ids = pl.DataFrame(
        {
            "city": [m["city"] for m in mapping],
            "district": [m["district"] for m in mapping],
            "city_id": [m["city_id"] for m in mapping],
            "district_id": [m["district_id"] for m in mapping],
            "__m": list(range(len(mapping))),
        },
        schema={"city": pl.String, "district": pl.String, "city_id": pl.String, "district_id": pl.String, "__m": pl.Int64},
    )
    out = typed.join(ids, on=["city", "district"], how="left", maintain_order="left")
    findings: list[Finding] = []
    bad = [i for i, m in enumerate(mapping) if m["key"]]
    if bad:
        hits = out.filter(pl.col("__m").is_in(bad)).select("__row", "__m", "__raw__city", "__raw__district")
        for rec in hits.iter_rows(named=True):
            m = mapping[rec["__m"]]
            column = str(m["column"])
            params = dict(m["params"])  # type: ignore[call-overload]
            findings.append(Finding(rec["__row"], column, str(m["key"]), rec[f"__raw__{column}"], params))
    return out.drop("__m"), findings


# ---- whole-file rules -----------------------------------------------------------------------
def check_required_columns(present: Iterable[str], header_row: int | None) -> list[Finding]:
    """Every required column (city, district, community, period) must be in the header."""
    have = set(present)
    return [Finding(header_row, c, "import.rule.missing_column", None, {"column": c}) for c in REQUIRED if c not in have]


def check_single_period(typed: pl.DataFrame) -> list[Finding]:
    """One dataset holds one period: rows of any later-seen period are reported."""
    if "period" not in typed.columns:
        return []
    periods = typed.filter(pl.col("period").is_not_null()).group_by("period").agg(pl.col("__row").min().alias("first"))
    if periods.height <= 1:
        return []
    periods = periods.sort("first")
    first = periods.row(0, named=True)
    seen = "、".join(periods.get_column("period").to_list())
    others = typed.filter(pl.col("period").is_not_null() & (pl.col("period") != first["period"]))
    return [
        Finding(r["__row"], "period", "import.rule.several_periods", r["__raw__period"], {"period": first["period"], "periods": seen})
        for r in others.select("__row", "__raw__period").iter_rows(named=True)
    ]


def scope_of(index: LocalityIndex, district_ids: Iterable[str], city_ids: Iterable[str]) -> str | None:
    """The lowest locality holding every row: the district if there is one, else the city, else their ancestor."""
    districts = sorted({d for d in district_ids if d})
    if len(districts) == 1:
        return districts[0]
    cities = sorted({c for c in city_ids if c})
    if len(cities) == 1:
        return cities[0]
    return index.lowest_common(cities)
