"""Any catalog indicator for any set of localities, long format, beside the published figures."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import polars as pl

from queries.base import COMMUNITY_KEYS, community_values
from queries.catalog import LANGS, indicator, load_catalog, total_parts
from queries.scope import by_locality, in_scope, locate_facts
from text.messages import message

# Totals a report may publish only in parts (Wuzhou: service funds ≥10万 and work funds 5万 per
# community, never the total): published(parts=True) adds them up, saying so in `parts`. The
# catalog says which totals have parts (fund_total's numerator lists the kinds of funds).
TOTAL_PARTS: dict[str, tuple[str, ...]] = total_parts()
LONG: dict[str, pl.DataType] = {
    "locality_id": pl.String(),
    "period": pl.String(),
    "indicator": pl.String(),
    "value": pl.Float64(),
}


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return lang


def published_note(lang: str = "zh") -> str:
    """The caveat to show beside published figures, in `lang` (zh or en)."""
    return message("common.published_note", _lang(lang))


def _long(wide: pl.DataFrame, indicators: Sequence[str], index: Sequence[str]) -> pl.DataFrame:
    wide = wide.with_columns(pl.col(list(indicators)).cast(pl.Float64))
    return wide.unpivot(on=list(indicators), index=list(index), variable_name="indicator", value_name="value")


def compare(
    rows: pl.LazyFrame,
    locality_ids: Sequence[str],
    indicators: Sequence[str],
    localities: pl.DataFrame | pl.LazyFrame,
    periods: Sequence[str] | None = None,
) -> pl.DataFrame:
    """One row per locality per period per indicator (long format: locality_id, period, indicator,
    value). Localities are city or district ids (streets and communities work too); use the
    normalised catalog indicators (per community, per 10k residents, rates) to compare fairly.
    """
    for name in indicators:
        indicator(name)  # fail on an unknown id before any work
    scoped = rows if periods is None else rows.filter(pl.col("period").is_in(list(periods)))
    wide = by_locality(scoped, locality_ids, localities, indicators)
    order = {name: i for i, name in enumerate(indicators)}
    return (
        _long(wide, indicators, ["locality_id", "period"])
        .with_columns(pl.col("indicator").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .sort("locality_id", "period", "_order")
        .drop("_order")
    )


def definitions(indicators: Sequence[str], lang: str = "zh") -> pl.DataFrame:
    """One row per indicator, in the order given: its name, unit, definition and formula in `lang`."""
    lang = _lang(lang)
    records = []
    for name in indicators:
        row = indicator(name)
        records.append(
            {
                "indicator": name,
                "name": row[f"name_{lang}"],
                "unit": row[f"unit_{lang}"],
                "definition": row[f"definition_{lang}"],
                "formula": row["formula"],
            }
        )
    return pl.DataFrame(records, schema={c: pl.String for c in ("indicator", "name", "unit", "definition", "formula")})


# published_values() over the same two frames gives the same frame: every view of a data version asks
# for it (a fifth of an uncached overview at national scale is matching figures to places), and the
# dashboard hands every view the same shared frames (ui/context.table). Remembered by identity, the
# frames themselves kept so an id is never reused while remembered; a few entries cover two versions.
_MEMO: OrderedDict[tuple[int, int], tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]] = OrderedDict()
_MEMO_ENTRIES = 4
_memo_lock = threading.Lock()


def published_values(facts: pl.DataFrame | pl.LazyFrame, localities: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """One row per published fact with a catalog indicator: fact_id, source_id, locality_id,
    period, indicator, qualifier, value in catalog units (a rate reported as 100 with unit %
    becomes 1.0), evidence, and the interval the wording implies in the same units: low, high
    (null = unbounded) and bounds (which ends are closed; see figures/wording.py).

    The result is shared between callers given the very same frames: never change it in place."""
    if not (isinstance(facts, pl.DataFrame) and isinstance(localities, pl.DataFrame)):
        return _published_values(facts, localities)
    key = (id(facts), id(localities))
    with _memo_lock:
        hit = _MEMO.get(key)
        if hit is not None and hit[0] is facts and hit[1] is localities:
            _MEMO.move_to_end(key)
            return hit[2]
    out = _published_values(facts, localities)
    with _memo_lock:
        _MEMO[key] = (facts, localities, out)
        while len(_MEMO) > _MEMO_ENTRIES:
            _MEMO.popitem(last=False)
    return out


def _published_values(facts: pl.DataFrame | pl.LazyFrame, localities: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """published_values(), computed."""
    from queries.reconcile import with_intervals  # reconcile builds on this module

    facts = facts.collect() if isinstance(facts, pl.LazyFrame) else facts
    facts = with_intervals(facts)
    catalog = load_catalog().select(pl.col("indicator_id").alias("indicator"), "kind")
    located = locate_facts(facts, localities).join(catalog, on="indicator", how="inner")
    percent = (pl.col("kind") == "rate") & pl.col("unit").is_in(["%", "％"])
    scale = lambda c: pl.when(percent).then(pl.col(c) / 100).otherwise(pl.col(c)).cast(pl.Float64).alias(c)  # noqa: E731
    return located.select(
        "fact_id",
        "source_id",
        "locality_id",
        pl.col("period").cast(pl.String),
        "indicator",
        "qualifier",
        scale("value"),
        "evidence",
        scale("low"),
        scale("high"),
        "bounds",
    ).sort("fact_id")


def _periods(wide: pl.DataFrame, period: str | None) -> pl.DataFrame:
    """Keep `period`, or each locality's latest period when `period` is None."""
    if period is None:
        return wide.filter(pl.col("period") == pl.col("period").max().over("locality_id"))
    return wide.filter(pl.col("period") == period)


def snapshot(
    rows: pl.LazyFrame,
    locality_ids: Sequence[str],
    localities: pl.DataFrame | pl.LazyFrame,
    indicators: Sequence[str],
    period: str | None = None,
    *,
    communities: bool = False,
) -> pl.DataFrame:
    """One row per locality (locality_id, period, indicators, synthetic) in `period`, or, with
    period None, in each locality's latest period; a locality without rows then is absent.

    With `communities`, one row per community of each locality instead (locality_id, city_id,
    district_id, street, community, period, lon, lat, indicators, synthetic): the points of a
    scatter or a map of the chosen localities' communities.
    """
    if period is not None:
        # one period of a national roster is a fifth of the rows: filter before aggregating
        rows = rows.filter(pl.col("period") == period)
    if not communities:
        wide = by_locality(rows, locality_ids, localities, indicators, synthetic=True)
        return _periods(wide, period).select("locality_id", "period", *indicators, "synthetic")
    keys = [*COMMUNITY_KEYS, "lon", "lat", "synthetic"]
    parts = []
    for loc_id in dict.fromkeys(locality_ids):
        values = community_values(in_scope(rows, loc_id, localities), indicators, keys=keys)
        values = values.with_columns(pl.lit(loc_id, pl.String).alias("locality_id"))
        for coord in ("lon", "lat"):
            if coord not in values.columns:
                values = values.with_columns(pl.lit(None, pl.Float64).alias(coord))
        parts.append(_periods(values, period))
    cols = ["locality_id", *COMMUNITY_KEYS, "lon", "lat", *indicators, "synthetic"]
    if not parts:
        types = {"synthetic": pl.Boolean, "lon": pl.Float64, "lat": pl.Float64}
        return pl.DataFrame(schema={c: types.get(c, pl.Float64 if c in indicators else pl.String) for c in cols})
    return pl.concat([p.select(cols) for p in parts], how="vertical_relaxed")


def _sum_qualifier(qualifiers: pl.Expr, complete: pl.Expr) -> pl.Expr:
    """The qualifier of a total made of published parts, or null when none can be given.

    Money is never negative, so the parts a report names are a floor for the total even when
    others are missing: `at_least` (`more_than` if a part is). Only when every part is published
    can an exact, approximate or capped total be stated.
    """
    has = lambda q: qualifiers.list.contains(q)  # noqa: E731
    lower = has("at_least") | has("more_than")
    vague = has("about") | has("up_to")
    floor = pl.when(has("more_than")).then(pl.lit("more_than")).otherwise(pl.lit("at_least"))
    return (
        pl.when(~complete)
        .then(pl.when(vague).then(None).otherwise(floor))
        .when(lower & vague)
        .then(None)
        .when(has("about") & has("up_to"))
        .then(None)
        .when(lower)
        .then(floor)
        .when(has("up_to"))
        .then(pl.lit("up_to"))
        .when(has("about"))
        .then(pl.lit("about"))
        .otherwise(pl.lit("exact"))
    )


def _summed_parts(values: pl.DataFrame) -> pl.DataFrame:
    """Totals (TOTAL_PARTS) a locality publishes only in parts, as sums of the parts."""
    out = []
    for total, names in TOTAL_PARTS.items():
        part = values.filter(pl.col("indicator").is_in(list(names)))
        if part.is_empty():
            continue
        # one figure per part: two sources giving the same part the same value are one figure,
        # two different values are a conflict, and a conflict is not added up
        part = (
            part.sort("fact_id")
            .group_by("locality_id", "period", "indicator", maintain_order=True)
            .agg(
                pl.col("fact_id").first(),
                pl.col("source_id").first(),
                pl.col("qualifier").first(),
                pl.col("value").first(),
                pl.col("low").first(),
                pl.col("high").first(),
                pl.col("bounds").first(),
                (pl.struct("value", "qualifier").n_unique() > 1).alias("_conflict"),
            )
        )
        order = {name: i for i, name in enumerate(names)}
        part = part.with_columns(pl.col("indicator").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        direct = values.filter(pl.col("indicator") == total).select("locality_id", "period").unique()
        summed = (
            part.sort("locality_id", "period", "_order", nulls_last=True)
            .group_by("locality_id", "period", maintain_order=True)
            .agg(
                pl.col("fact_id").alias("fact_ids"),
                pl.col("source_id").unique(maintain_order=True).alias("source_ids"),
                pl.col("qualifier"),
                pl.col("value").sum(),
                pl.col("value").alias("parts"),
                pl.col("low").sum(),
                pl.when(pl.col("high").is_not_null().all()).then(pl.col("high").sum()).alias("high"),
                pl.col("bounds").str.starts_with("[").all().alias("_low_closed"),
                (pl.col("bounds").str.ends_with("]").all() & pl.col("high").is_not_null().all()).alias("_high_closed"),
                pl.col("_conflict").any(),
                (pl.len() == len(names)).alias("_complete"),
            )
            .filter(~pl.col("_conflict"))
            .join(direct, on=["locality_id", "period"], how="anti", nulls_equal=True)
            .with_columns(
                _sum_qualifier(pl.col("qualifier"), pl.col("_complete")).alias("qualifier"),
                pl.lit(total).alias("indicator"),
                # parts a report leaves out could hold anything: an incomplete sum has no upper end
                pl.when(pl.col("_complete")).then(pl.col("high")).alias("high"),
            )
            .with_columns(
                pl.concat_str(
                    pl.when(pl.col("_low_closed")).then(pl.lit("[")).otherwise(pl.lit("(")),
                    pl.when(pl.col("_high_closed") & pl.col("high").is_not_null()).then(pl.lit("]")).otherwise(pl.lit(")")),
                ).alias("bounds")
            )
            .filter(pl.col("qualifier").is_not_null())
        )
        out.append(summed.select(PUBLISHED.keys()))
    return pl.concat(out) if out else pl.DataFrame(schema=PUBLISHED)


# published(): one row per figure a report states (or that its parts add up to). Ids come as
# lists, never as joined strings, so every reader builds the figure's text the same way
# (views/published.py).
PUBLISHED: dict[str, pl.DataType] = {
    "locality_id": pl.String(),
    "period": pl.String(),
    "indicator": pl.String(),
    "value": pl.Float64(),
    "qualifier": pl.String(),
    "fact_ids": pl.List(pl.String()),
    "source_ids": pl.List(pl.String()),
    "parts": pl.List(pl.Float64()),
    # the interval the wording implies, in catalog units (null end = unbounded; bounds: which ends are closed)
    "low": pl.Float64(),
    "high": pl.Float64(),
    "bounds": pl.String(),
}


def published(
    facts: pl.DataFrame | pl.LazyFrame,
    localities: pl.DataFrame | pl.LazyFrame,
    locality_ids: Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    *,
    parts: bool = False,
    merge: bool = False,
) -> pl.DataFrame:
    """One row per published figure of some localities and indicators (None: all): locality_id,
    period, indicator, value (catalog units), qualifier, fact_ids and source_ids (lists: the facts
    and reports behind the figure), parts (null, or the published parts a total was added up from),
    and low, high, bounds: the interval the wording implies (figures/wording.py), in catalog units.

    With `parts`, a total in TOTAL_PARTS that a locality does not publish but whose parts it
    does (Wuzhou: service funds ≥10万 and work funds 5万 per community; Guigang: service funds
    ≥20万) gets a row of its own: the sum of the published parts, fact_ids in the parts' catalog
    order and `parts` their values. Funds are never negative, so the sum of some parts is a
    floor of the total (`at_least`, or `more_than` if a part is); only a complete set of parts
    can give an exact (or about, up_to) total. Parts that disagree between sources, or whose
    qualifiers give no bound (an `about` part of an incomplete set), are not added up. The
    parts' own rows stay.

    With `merge`, reports that state the same figure (same locality, period, indicator, value and
    qualifier) are one row, their fact_ids and source_ids together. Figures that differ stay
    apart: a chart shows a disagreement, it does not resolve it.
    """
    values = published_values(facts, localities)
    if locality_ids is not None:
        values = values.filter(pl.col("locality_id").is_in(list(locality_ids)))
    rows = values.select(
        "locality_id", "period", "indicator", "value", "qualifier",
        pl.concat_list("fact_id").alias("fact_ids"),
        pl.concat_list("source_id").alias("source_ids"),
        pl.lit(None, pl.List(pl.Float64)).alias("parts"),
        "low", "high", "bounds",
    )
    if parts:
        rows = pl.concat([rows, _summed_parts(values)])
    if indicators is not None:
        rows = rows.filter(pl.col("indicator").is_in(list(indicators)))
    if merge:
        rows = (
            rows.sort(pl.col("fact_ids").list.first())
            .group_by("locality_id", "period", "indicator", "value", "qualifier", maintain_order=True)
            .agg(
                pl.col("fact_ids").list.explode(keep_nulls=False, empty_as_null=False),
                pl.col("source_ids").list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True),
                pl.col("parts").first(),
                pl.col("low").first(),
                pl.col("high").first(),
                pl.col("bounds").first(),
            )
            .select(PUBLISHED.keys())
        )
    return rows.sort("locality_id", "indicator", pl.col("fact_ids").list.first(), nulls_last=True)


def beside_published(
    rows: pl.LazyFrame,
    facts: pl.DataFrame | pl.LazyFrame,
    localities: pl.DataFrame | pl.LazyFrame,
    locality_ids: Sequence[str],
    indicators: Sequence[str],
    lang: str = "zh",
    *,
    period: str | None = None,
    latest: bool = False,
    parts: bool = False,
    merge: bool = False,
) -> pl.DataFrame:
    """One row per locality per period per indicator per basis: roster values (basis `roster`,
    qualifier `exact`, `synthetic` flagged) and the published facts of the same localities and
    indicators (basis `published`, the report's qualifier, fact_ids, source_ids, parts, the interval
    its wording implies (low, high, bounds; null on roster rows) and a `note` that published
    figures may use different definitions). Values are in catalog units.

    Roster values of every period, or only of `period`, or (`latest`) of each locality's latest
    period; published facts whatever their period. `parts` and `merge`: see published().
    """
    note = published_note(lang)
    if period is not None:
        rows = rows.filter(pl.col("period") == period)
    wide = by_locality(rows, locality_ids, localities, indicators, synthetic=True)
    if period is not None or latest:
        wide = _periods(wide, period)
    roster = _long(wide, indicators, ["locality_id", "period", "synthetic"]).with_columns(
        pl.lit("roster").alias("basis"),
        pl.lit("exact").alias("qualifier"),
        pl.lit(None, PUBLISHED["fact_ids"]).alias("fact_ids"),
        pl.lit(None, PUBLISHED["source_ids"]).alias("source_ids"),
        pl.lit(None, PUBLISHED["parts"]).alias("parts"),
        pl.lit(None, pl.String).alias("note"),
        pl.lit(None, pl.Float64).alias("low"),
        pl.lit(None, pl.Float64).alias("high"),
        pl.lit(None, pl.String).alias("bounds"),
    )
    facts_shown = published(facts, localities, locality_ids, indicators, parts=parts, merge=merge).with_columns(
        pl.lit("published").alias("basis"),
        pl.lit(False).alias("synthetic"),
        pl.lit(note).alias("note"),
    )
    cols = [
        "locality_id",
        "period",
        "indicator",
        "basis",
        "value",
        "qualifier",
        "synthetic",
        "fact_ids",
        "source_ids",
        "parts",
        "note",
        "low",
        "high",
        "bounds",
    ]
    out = pl.concat([roster.select(cols), facts_shown.select(cols)], how="vertical_relaxed")
    return out.sort("locality_id", "indicator", "period", "basis", pl.col("fact_ids").list.first(), nulls_last=True)
