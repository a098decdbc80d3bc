"""Published claims set against what the imported rosters of the same locality and period add up to.

A claim is judged by the interval its wording implies (facts low, high, bounds; see
figures/wording.py), with no other slack: `consistent` when the roster value lies in it,
`contradicted` when it does not. A claim about something else than the roster measures is
`not_comparable` (another unit kind: person-times against a count of activities; another
denominator; another period: a cumulative total against one year), and one the roster cannot
answer is `no_data`. Each verdict comes with a reason code, its parameters as JSON, and a plain
English message; pages render their own text from the code and parameters.
"""

from __future__ import annotations

import polars as pl

from figures.wording import DEFAULT_FORM, decimal, interval, plain, unit_kind
from queries.catalog import PUBLISHED, load_catalog
from queries.compare import published_values
from queries.scope import by_locality

VERDICTS: tuple[str, ...] = ("consistent", "contradicted", "not_comparable", "no_data")
# reason code -> verdict it explains
REASONS: dict[str, str] = {
    "in_interval": "consistent",
    "below_interval": "contradicted",
    "above_interval": "contradicted",
    "unit_kind_differs": "not_comparable",
    "per_differs": "not_comparable",
    "period_kind_differs": "not_comparable",
    "not_in_roster": "no_data",
    "unknown_locality": "no_data",
    "no_roster_value": "no_data",
}
_PERCENT = ("%", "％")
_REL_EPS = 1e-9  # binary floating-point noise in a roster value (199/200 against 0.995), nothing more
_WORDING = ("low", "high", "bounds")
_MEASURE = ("counts", "per", "period_kind")


def with_intervals(facts: pl.DataFrame) -> pl.DataFrame:
    """One row per fact, with low, high and bounds; rows without them get the loosest reading of their qualifier
    (figures.wording.DEFAULT_FORM), so a fact known only by value and qualifier is never judged more
    strictly than its words. Computed in plain Python over the rows, not inside polars: a facts table
    is small, and the serving path runs no Python callbacks in polars."""
    have = all(c in facts.columns for c in _WORDING)
    if have and facts.filter(pl.col("bounds").is_null()).is_empty():
        return facts.with_columns(pl.col("low").cast(pl.Float64), pl.col("high").cast(pl.Float64))
    lows, highs, bounds = [], [], []
    rows = facts.select(
        "value",
        "qualifier",
        "unit",
        *(pl.col(c) if c in facts.columns else pl.lit(None).alias(c) for c in _WORDING),
    ).iter_rows()
    for value, qualifier, unit, low, high, bound in rows:
        if bound is None and value is not None and qualifier in DEFAULT_FORM:
            iv = interval(plain_value(value), qualifier, percent=unit in _PERCENT)
            low, high, bound = (None if iv.low is None else float(iv.low)), (
                None if iv.high is None else float(iv.high)
            ), iv.bounds
        lows.append(low)
        highs.append(high)
        bounds.append(bound)
    return facts.with_columns(
        pl.Series("low", lows, pl.Float64), pl.Series("high", highs, pl.Float64), pl.Series("bounds", bounds, pl.String)
    )


def plain_value(value: float | int | str) -> str:
    """A stored value as the plain number a report would write (55300.0 → '55300')."""
    return plain(decimal(value))


def _with_measure(facts: pl.DataFrame) -> pl.DataFrame:
    """Facts with counts, per and period_kind. A frame without such a column says nothing against
    its indicator (`_own_<column>` marks it: the indicator's own value is taken), except that a unit
    which names a kind (人次, 元, 名) counts that kind. In a frame that has the column, an empty per
    is "no denominator" and an empty period_kind "unknown"."""
    out = facts
    if "counts" not in out.columns:
        # a percentage may be a share or a growth rate: it says nothing of its own
        kinds = {u: k for u in out["unit"].drop_nulls().unique().to_list() if (k := unit_kind(u)) not in (None, "percent")}
        out = out.with_columns(
            pl.col("unit").replace_strict(kinds, default=None, return_dtype=pl.String).alias("counts"),
        )
    for c, empty in (("per", ""), ("period_kind", "unknown")):
        if c in out.columns:
            out = out.with_columns(pl.col(c).fill_null(empty), pl.lit(False).alias(f"_own_{c}"))
        else:
            out = out.with_columns(pl.lit(None, pl.String).alias(c), pl.lit(True).alias(f"_own_{c}"))
    return out


def _fmt(x: pl.Expr) -> pl.Expr:
    """A number as short text: 30000 not 30000.0; null as ∞ is left to the caller."""
    return (
        pl.when(x.is_null())
        .then(pl.lit(None, pl.String))
        .when((x - x.round(0)).abs() < 1e-9)
        .then(x.round(0).cast(pl.Int64).cast(pl.String))
        .otherwise(x.round(6).cast(pl.String))
    )


def _interval_text() -> pl.Expr:
    b = pl.col("bounds")
    return pl.concat_str(
        b.str.slice(0, 1),
        pl.coalesce(_fmt(pl.col("low")), pl.lit("−∞")),
        pl.lit(", "),
        pl.coalesce(_fmt(pl.col("high")), pl.lit("∞")),
        b.str.slice(1, 1),
    )


def _inside() -> tuple[pl.Expr, pl.Expr]:
    """(below, above): the roster value lies below the interval's low end, or above its high end."""
    r, lo, hi, b = pl.col("roster"), pl.col("low"), pl.col("high"), pl.col("bounds")
    eps_lo = pl.max_horizontal(pl.lit(1.0), lo.abs()) * _REL_EPS
    eps_hi = pl.max_horizontal(pl.lit(1.0), hi.abs()) * _REL_EPS
    closed_lo, closed_hi = b.str.starts_with("["), b.str.ends_with("]")
    below = lo.is_not_null() & pl.when(closed_lo).then(r < lo - eps_lo).otherwise(r <= lo + eps_lo)
    above = hi.is_not_null() & pl.when(closed_hi).then(r > hi + eps_hi).otherwise(r >= hi - eps_hi)
    return below.fill_null(False), above.fill_null(False)


def _reason() -> pl.Expr:
    differs = lambda c: pl.col(f"claim_{c}").is_not_null() & (pl.col(f"claim_{c}") != pl.col(f"roster_{c}"))  # noqa: E731
    below, above = _inside()
    return (
        pl.when(pl.col("kind") == PUBLISHED)
        .then(pl.lit("not_in_roster"))
        .when(pl.col("locality_id").is_null())
        .then(pl.lit("unknown_locality"))
        .when(differs("counts"))
        .then(pl.lit("unit_kind_differs"))
        .when(differs("per"))
        .then(pl.lit("per_differs"))
        .when(pl.col("roster_period_kind").is_not_null() & differs("period_kind"))
        .then(pl.lit("period_kind_differs"))
        .when(pl.col("roster").is_null())
        .then(pl.lit("no_roster_value"))
        .when(below)
        .then(pl.lit("below_interval"))
        .when(above)
        .then(pl.lit("above_interval"))
        .otherwise(pl.lit("in_interval"))
        .alias("reason")
    )


def _message() -> pl.Expr:
    """The plain English default text of each reason."""
    reason, iv, roster = pl.col("reason"), _interval_text(), _fmt(pl.col("roster"))
    total = lambda c: pl.coalesce(pl.col(c), pl.lit("total"))  # noqa: E731
    return (
        pl.when(reason == "in_interval")
        .then(pl.format("roster value {} lies in the claim's interval {}", roster, iv))
        .when(reason == "below_interval")
        .then(pl.format("roster value {} is below the claim's interval {}", roster, iv))
        .when(reason == "above_interval")
        .then(pl.format("roster value {} is above the claim's interval {}", roster, iv))
        .when(reason == "unit_kind_differs")
        .then(pl.format("the claim counts {}, the roster counts {}", pl.col("claim_counts"), pl.col("roster_counts")))
        .when(reason == "per_differs")
        .then(pl.format("the claim is per {}, the roster per {}", total("claim_per"), total("roster_per")))
        .when(reason == "period_kind_differs")
        .then(
            pl.format(
                "the claim's period is {}, the roster measures {}",
                pl.col("claim_period_kind"),
                pl.col("roster_period_kind"),
            )
        )
        .when(reason == "not_in_roster")
        .then(pl.format("no roster column measures {}: only reports state it", pl.col("indicator")))
        .when(reason == "unknown_locality")
        .then(pl.lit("the claim's locality is not in the localities table"))
        .otherwise(pl.lit("the roster has no value for this locality and period"))
        .alias("message")
    )


def reconcile(
    facts: pl.DataFrame | pl.LazyFrame,
    rows: pl.LazyFrame,
    localities: pl.DataFrame | pl.LazyFrame,
    *,
    period: str | None = None,
) -> pl.DataFrame:
    """One row per published fact with a catalog indicator, set against the roster.

    The roster side is the locality's rows in the fact's period (or, for a fact without one,
    `period`, else the locality's latest period), aggregated with the catalog formula (`statistic`
    pooled), except that a per-community claim bounded on one side only ("不少于10万元 per
    community") is set against the lowest community (`min`) or, bounded above only, the highest
    (`max`): it promises every community clears the bound. Claims, intervals and roster values are in
    catalog units (100 % → 1.0).

    Verdicts (REASONS maps each reason code to its verdict): published-only indicator, unknown
    locality → no_data; unit kind, per or period_kind unlike the indicator's → not_comparable; no
    roster value → no_data; else consistent iff the roster value lies in [low, high] with the ends
    `bounds` says are closed, contradicted otherwise. Columns: fact_id, source_id, locality_id,
    period, indicator, qualifier, statistic, claimed, low, high, bounds, roster, gap (roster −
    claimed), verdict, reason, reason_params (JSON), message, synthetic.
    """
    facts = facts.collect() if isinstance(facts, pl.LazyFrame) else facts
    facts = _with_measure(with_intervals(facts))
    catalog = load_catalog().select(
        pl.col("indicator_id").alias("indicator"),
        "kind",
        "denominator",
        pl.col("counts").alias("roster_counts"),
        pl.col("per").alias("roster_per"),
        pl.col("period_kind").alias("roster_period_kind"),
    )
    own = facts.select(
        "fact_id",
        "unit",
        pl.col("counts").alias("claim_counts"),
        pl.col("per").alias("claim_per"),
        pl.col("period_kind").alias("claim_period_kind"),
        "_own_per",
        "_own_period_kind",
    )
    per_community = pl.col("denominator") == "communities"
    claims = (
        published_values(facts, localities)
        .join(own, on="fact_id", how="left")
        .join(catalog, on="indicator", how="left")
        .with_columns(
            pl.when(pl.col("_own_per")).then(pl.col("roster_per")).otherwise(pl.col("claim_per")).fill_null("")
            .alias("claim_per"),
            pl.col("roster_per").fill_null(""),
            pl.when(pl.col("_own_period_kind"))
            .then(pl.col("roster_period_kind"))
            .otherwise(pl.col("claim_period_kind"))
            .alias("claim_period_kind"),
        )
        .with_columns(
            pl.when(per_community & pl.col("high").is_null() & pl.col("low").is_not_null())
            .then(pl.lit("min"))
            .when(per_community & (pl.col("qualifier") == "up_to"))
            .then(pl.lit("max"))
            .otherwise(pl.lit("pooled"))
            .alias("statistic"),
            # a fact that says nothing of its kind is taken as counting what its indicator counts
            pl.coalesce("claim_counts", "roster_counts").alias("claim_counts"),
        )
        .rename({"value": "claimed"})
    )
    claims = claims.with_columns(
        pl.when(pl.col("statistic") == "pooled")
        .then(pl.col("indicator"))
        .otherwise(pl.col("indicator") + "_" + pl.col("statistic"))
        .alias("_column")
    )
    roster_claims = claims.filter(pl.col("kind") != PUBLISHED)
    ids = sorted(set(roster_claims["locality_id"].drop_nulls().to_list()))
    columns = sorted(set(roster_claims["_column"].to_list()))
    if ids and columns:
        wide = by_locality(rows, ids, localities, columns, synthetic=True)
        latest = wide.group_by("locality_id").agg(pl.col("period").max().alias("_latest"))
        if period is not None:
            latest = latest.with_columns(pl.lit(period, pl.String).alias("_latest"))
        roster = wide.with_columns(pl.col(columns).cast(pl.Float64)).unpivot(
            on=columns, index=["locality_id", "period", "synthetic"], variable_name="_column", value_name="roster"
        )
    else:
        latest = pl.DataFrame(schema={"locality_id": pl.String, "_latest": pl.String})
        roster = pl.DataFrame(
            schema={
                "locality_id": pl.String,
                "period": pl.String,
                "synthetic": pl.Boolean,
                "_column": pl.String,
                "roster": pl.Float64,
            }
        )
    out = (
        claims.join(latest, on="locality_id", how="left")
        .with_columns(pl.coalesce("period", "_latest").alias("period"))
        .join(roster, on=["locality_id", "period", "_column"], how="left")
        .with_columns(
            pl.when(pl.col("kind") == PUBLISHED).then(pl.lit(None, pl.Float64)).otherwise(pl.col("roster")).alias("roster")
        )
        .with_columns((pl.col("roster") - pl.col("claimed")).alias("gap"), _reason())
        .with_columns(
            pl.col("reason").replace_strict(REASONS, return_dtype=pl.String).alias("verdict"),
            _message(),
            pl.struct(
                "roster",
                "low",
                "high",
                "bounds",
                "claim_counts",
                "roster_counts",
                "claim_per",
                "roster_per",
                "claim_period_kind",
                "roster_period_kind",
            )
            .struct.json_encode()
            .alias("reason_params"),
        )
    )
    return out.select(
        "fact_id",
        "source_id",
        "locality_id",
        "period",
        "indicator",
        "qualifier",
        "statistic",
        "claimed",
        "low",
        "high",
        "bounds",
        "roster",
        "gap",
        "verdict",
        "reason",
        "reason_params",
        "message",
        "synthetic",
    ).sort("fact_id")
