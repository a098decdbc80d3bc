"""The one catalog-driven aggregator: every indicator formula is turned into polars here, once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import polars as pl

from queries.catalog import COMMUNITY_STATS, aggregation, indicator, is_indicator, parts, split_suffix

# Keys of each level in community rows; the first columns repeat the parents so a page can
# filter or colour by them without a join.
LEVEL_KEYS: dict[str, tuple[str, ...]] = {
    "city": ("city_id",),
    "district": ("city_id", "district_id"),
    "street": ("city_id", "district_id", "street"),
    "community": ("city_id", "district_id", "street", "community"),
}
COMMUNITY_KEYS: tuple[str, ...] = ("city_id", "district_id", "street", "community", "period")
# Aggregations (data/indicators.csv, column `aggregation`) that count rows rather than add up a column.
_COUNTS = ("count", "count_distinct")


def level_keys(level: str) -> list[str]:
    """Key columns of a level (city, district, street, community); ValueError for others."""
    try:
        return list(LEVEL_KEYS[level])
    except KeyError:
        raise ValueError(f"level must be one of {sorted(LEVEL_KEYS)}, not {level!r}") from None


def _agg(name: str) -> str:
    """The catalog aggregation of a name in a formula; a canonical column is summed."""
    return aggregation(name) if is_indicator(name) else "sum"


def _distinct(name: str, rows_have_district: bool) -> pl.Expr:
    # Street names repeat across districts (城东街道), so count district+value pairs.
    column = indicator(name)["numerator"]
    value = pl.concat_str(["district_id", column], separator="/") if rows_have_district else pl.col(column)
    return value.drop_nulls().n_unique()


def _row_term(name: str) -> pl.Expr:
    """Value of a count, sum or canonical column for a single community row."""
    agg = _agg(name)
    if agg == "count":
        return pl.lit(1, dtype=pl.Int64)
    if agg == "count_distinct":
        return pl.col(indicator(name)["numerator"]).is_not_null().cast(pl.Int64)
    return pl.col(name)


def _ratio(num: pl.Expr, den: pl.Expr, scale: float | None) -> pl.Expr:
    # A zero or missing denominator is "no data": null, never 0, inf or an error.
    value = num / den
    if scale not in (None, 1.0):
        value = value * scale
    return pl.when(den != 0).then(value)


def _build(name: str, leaf: Callable[[str], pl.Expr]) -> pl.Expr:
    """Expand a catalog indicator into its formula, as the catalog's `aggregation` says; `leaf` turns
    counts and summed columns into expressions (a group's sums, or one row's values)."""
    agg = _agg(name)
    if agg in _COUNTS:
        return leaf(name)
    if agg == "sum":
        own = parts(name) if is_indicator(name) else (name,)
        # a sum of one other column follows it; a sum of several is a row-wise total (_with_derived)
        return _build(own[0], leaf) if len(own) == 1 and own[0] != name else leaf(name)
    if agg in ("pooled_ratio", "mean_of_communities"):
        # a mean of communities is this same ratio per row; _Plan takes its mean over the rows
        row = indicator(name)
        return _ratio(_build(row["numerator"], leaf), _build(row["denominator"], leaf), row["scale"])
    raise ValueError(f"{name!r} is stated only by published reports; no roster column measures it")


def row_expr(name: str) -> pl.Expr:
    """Expression of a catalog indicator for one community row (a group of one)."""
    return _build(name, _row_term).alias(name)


def _leaves(names: Iterable[str]) -> list[str]:
    """Columns and counts the formulas of `names` read, in first-use order."""
    found: list[str] = []

    def record(name: str) -> pl.Expr:
        if name not in found:
            found.append(name)
        return pl.lit(0)

    for name in names:
        _build(name, record)
    return found


def _total_expr(name: str) -> pl.Expr:
    """A sum of several parts for one community row. The row counts what is known; a community with
    no part at all has no total (null), not a total of 0."""
    cols = [pl.col(c) for c in parts(name)]
    return pl.when(pl.any_horizontal([c.is_not_null() for c in cols])).then(pl.sum_horizontal(cols)).alias(name)


def _with_derived(rows: pl.LazyFrame, names: Iterable[str]) -> pl.LazyFrame:
    """The rows with the row-wise totals (fund_total) the formulas of `names` read."""
    have = rows.collect_schema()
    totals = [n for n in _leaves(names) if n not in have and is_indicator(n) and len(parts(n)) > 1]
    return rows.with_columns(_total_expr(n) for n in totals) if totals else rows


def _parse(indicators: Sequence[str], *, grouped: bool = True) -> list[tuple[str, str, str]]:
    """(column, indicator, statistic suffix) of each requested column. Over a group (`grouped`), an
    indicator that aggregates as the mean of its communities' values is its own `_mean` statistic."""
    parsed = []
    for col in indicators:
        base, suffix = split_suffix(col)
        if not is_indicator(base):
            raise KeyError(f"unknown indicator {col!r}; see data/indicators.csv")
        if aggregation(base) == "none":
            raise ValueError(f"{col!r} is stated only by published reports; no roster column measures it")
        if suffix and suffix not in COMMUNITY_STATS:
            raise ValueError(f"aggregate computes {COMMUNITY_STATS} over communities, not {suffix!r} ({col})")
        if grouped and not suffix and aggregation(base) == "mean_of_communities":
            suffix = "_mean"
        parsed.append((col, base, suffix))
    return parsed


class _Plan:
    """How to aggregate a list of indicators in two steps.

    Step one groups the rows with plain aggregations only (sums, counts, min, max) into
    partial columns (`_s:`, `_n:`, `_len`, …); step two turns partials into indicators. The
    streaming engine runs plain aggregations natively, and partials of a fine grouping can be
    rolled up to a coarser one (districts → cities) without touching the rows again.
    """

    def __init__(self, indicators: Sequence[str], synthetic: bool) -> None:
        self.parsed = _parse(indicators)
        self.synthetic = synthetic
        leaves = _leaves(base for _, base, suffix in self.parsed if not suffix)
        self.distinct = [n for n in leaves if _agg(n) == "count_distinct"]
        self.sums = [n for n in leaves if _agg(n) not in _COUNTS]
        self.stats = [(col, base, suffix) for col, base, suffix in self.parsed if suffix]
        # distinct counts and medians do not add up across groups
        self.rollable = not self.distinct and all(s != "_median" for _, _, s in self.stats)

    def prepare(self, rows: pl.LazyFrame) -> pl.LazyFrame:
        rows = _with_derived(rows, [base for _, base, _ in self.parsed])
        if self.stats:
            rows = rows.with_columns(row_expr(base).alias(f"_r:{col}") for col, base, _ in self.stats)
        return rows

    def partial(self, rows_have_district: bool) -> list[pl.Expr]:
        aggs = [pl.len().alias("_len")]
        for name in self.sums:
            aggs += [pl.col(name).sum().alias(f"_s:{name}"), pl.col(name).count().alias(f"_n:{name}")]
        for name in self.distinct:
            aggs.append(_distinct(name, rows_have_district).alias(f"_d:{name}"))
        for col, _, suffix in self.stats:
            r = pl.col(f"_r:{col}")
            if suffix == "_mean":
                aggs += [r.sum().alias(f"_ms:{col}"), r.count().alias(f"_mc:{col}")]
            else:
                aggs.append(_stat(r, suffix).alias(f"_p:{col}"))
        if self.synthetic:
            aggs.append(pl.col("synthetic").any().alias("synthetic"))
        return aggs

    def rollup(self) -> list[pl.Expr]:
        aggs = [pl.col("_len").sum()]
        for name in self.sums:
            aggs += [pl.col(f"_s:{name}").sum(), pl.col(f"_n:{name}").sum()]
        for col, _, suffix in self.stats:
            if suffix == "_mean":
                aggs += [pl.col(f"_ms:{col}").sum(), pl.col(f"_mc:{col}").sum()]
            else:
                aggs.append(_stat(pl.col(f"_p:{col}"), suffix))
        if self.synthetic:
            aggs.append(pl.col("synthetic").any())
        return aggs

    def finals(self, direct: bool = False, rows_have_district: bool = True) -> list[pl.Expr]:
        """The indicators from partial columns, or (`direct`) straight from the rows in one
        group-by, where the same formulas read the rows' sums and counts directly."""
        if direct:
            total, count, size = (lambda n: pl.col(n).sum()), (lambda n: pl.col(n).count()), pl.len()
            distinct = lambda n: _distinct(n, rows_have_district)  # noqa: E731
        else:
            total, count, size = (lambda n: pl.col(f"_s:{n}")), (lambda n: pl.col(f"_n:{n}")), pl.col("_len")
            distinct = lambda n: pl.col(f"_d:{n}")  # noqa: E731

        def leaf(name: str) -> pl.Expr:
            agg = _agg(name)
            if agg == "count":
                return size.cast(pl.Int64)
            if agg == "count_distinct":
                return distinct(name).cast(pl.Int64)
            # a group whose values are all missing has no total: null, never 0
            return pl.when(count(name) > 0).then(total(name))

        out = []
        for col, base, suffix in self.parsed:
            if direct and suffix:
                out.append(_stat(pl.col(f"_r:{col}"), suffix).alias(col))
            elif suffix == "_mean":
                out.append(
                    pl.when(pl.col(f"_mc:{col}") > 0).then(pl.col(f"_ms:{col}") / pl.col(f"_mc:{col}")).alias(col)
                )
            elif suffix:
                out.append(pl.col(f"_p:{col}").alias(col))
            else:
                out.append(_build(base, leaf).alias(col))
        if self.synthetic:
            out.append(pl.col("synthetic").any() if direct else pl.col("synthetic"))
        return out


def _stat(expr: pl.Expr, suffix: str) -> pl.Expr:
    return {"_mean": expr.mean, "_min": expr.min, "_median": expr.median, "_max": expr.max}[suffix]()


def aggregate(
    rows: pl.LazyFrame, by: Sequence[str], indicators: Sequence[str], *, synthetic: bool = False
) -> pl.DataFrame:
    """One row per distinct `by` (e.g. per district per period): catalog indicators over community rows.

    `indicators` are catalog ids, optionally with a statistic over communities (`_mean`, `_min`,
    `_median`, `_max`, e.g. `compound_coverage_mean` = mean of community rates, while
    `compound_coverage` is the pooled Σpart/Σwhole). Sums of all-missing values are null;
    rates and ratios with a zero or null denominator are null. `synthetic=True` adds a
    `synthetic` column: whether any row behind the group is synthetic sample data.
    """
    by = list(by)
    plan = _Plan(indicators, synthetic)
    rows = plan.prepare(rows)
    has_district = "district_id" in rows.collect_schema()
    finals = plan.finals(direct=True, rows_have_district=has_district)
    if not by:
        return rows.select(finals).collect()
    return rows.group_by(by).agg(finals).sort(by, nulls_last=True).collect()


def rollup(
    rows: pl.LazyFrame,
    fine: Sequence[str],
    coarse: Sequence[tuple[Sequence[str], pl.Expr | None]],
    indicators: Sequence[str],
    *,
    synthetic: bool = False,
) -> list[pl.DataFrame]:
    """For each (by, filter) in `coarse`: what aggregate(rows.filter(filter), by, indicators) gives,
    one row per distinct `by`, computed by grouping the rows once by `fine` (which must contain
    every coarse `by`) and rolling the partial sums up. Falls back to one pass per `by` when an
    indicator cannot be rolled up (medians, distinct streets).
    """
    plan = _Plan(indicators, synthetic)
    if not plan.rollable:
        return [
            aggregate(rows if f is None else rows.filter(f), by, indicators, synthetic=synthetic) for by, f in coarse
        ]
    prepared = plan.prepare(rows)
    part = prepared.group_by(list(fine)).agg(plan.partial("district_id" in prepared.collect_schema())).collect()
    outs = []
    for by, f in coarse:
        lf = part.lazy() if f is None else part.lazy().filter(f)
        outs.append(
            lf.group_by(list(by))
            .agg(plan.rollup())
            .select(*by, *plan.finals())
            .sort(list(by), nulls_last=True)
            .collect()
        )
    return outs


def community_values(
    rows: pl.LazyFrame, indicators: Sequence[str], *, keys: Sequence[str] = COMMUNITY_KEYS
) -> pl.DataFrame:
    """One row per community per period: catalog indicators computed for each community alone."""
    parsed = _parse(indicators, grouped=False)
    if any(suffix for _, _, suffix in parsed):
        raise ValueError("statistics over communities need a group: use aggregate()")
    rows = _with_derived(rows, [base for _, base, _ in parsed])
    keys = [k for k in keys if k in rows.collect_schema()]
    return (
        rows.select(*keys, *(row_expr(base).alias(col) for col, base, _ in parsed))
        .sort(keys, nulls_last=True)
        .collect()
    )


def at_level(rows: pl.LazyFrame, level: str, indicators: Sequence[str], *, synthetic: bool = False) -> pl.DataFrame:
    """One row per locality of `level` per period: catalog indicators (statistics dropped at community level)."""
    keys = level_keys(level)
    if level == "community":
        # Each row already is one community in one period: no grouping, and the statistics
        # over a single community would only repeat its value.
        plain = [c for c in indicators if not split_suffix(c)[1]]
        cols = [*keys, "period", *(["synthetic"] if synthetic else [])]
        return community_values(rows, plain, keys=cols)
    return aggregate(rows, [*keys, "period"], indicators, synthetic=synthetic)


def with_change(df: pl.DataFrame, keys: Sequence[str], indicators: Sequence[str]) -> pl.DataFrame:
    """The same grain as `df` (one row per locality per period) plus, per indicator, `_prev`,
    `_change` (current − previous) and, except for rates, `_rel_change`; `prev_period` names
    the locality's previous period present in `df`.
    """
    keys = list(keys)
    df = df.sort([*keys, "period"], nulls_last=True)
    over = keys or None
    cols = (
        [pl.col("period").shift(1).over(over).alias("prev_period")]
        if over
        else [pl.col("period").shift(1).alias("prev_period")]
    )
    for name in indicators:
        prev = pl.col(name).shift(1).over(over) if over else pl.col(name).shift(1)
        cols.append(prev.alias(f"{name}_prev"))
    df = df.with_columns(cols)
    changes = []
    for name in indicators:
        change = pl.col(name) - pl.col(f"{name}_prev")
        changes.append(change.alias(f"{name}_change"))
        if indicator(split_suffix(name)[0])["kind"] != "rate":
            prev = pl.col(f"{name}_prev")
            changes.append(pl.when(prev != 0).then(change / prev).alias(f"{name}_rel_change"))
    return df.with_columns(changes)
