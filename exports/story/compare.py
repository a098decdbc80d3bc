"""The slides of a comparison: title, KPIs per locality, funds beside the reports, coverage, trend, caveat, sources."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from exports.story.context import StoryContext, citations
from exports.story.evidence import sources_slide
from exports.story.locality import FUND_FIGURES, FUND_TOTAL_PER_COMMUNITY
from exports.story.model import Chart, Figure, Kpi, Slide, Story, Table, chart_frame
from queries.compare import compare, definitions, published_note
from queries.coverage import RATES
from queries.kpis import KPIS
from text import punct
from text.messages import no_data


@dataclass(frozen=True)
class Scope:
    """The localities compared, in the order given, and the period."""

    ids: list[str]
    names: list[str]
    period: str | None
    periods: list[str]              # every period any of them has
    kpis: dict[str, list[Kpi]]      # the overview's cards per locality
    synthetic: bool


def _scope(ctx: StoryContext, ids: list[str], period: str | None) -> Scope:
    for i in ids:
        ctx.locality(i)
    periods = sorted({p for i in ids for p in ctx.periods(i)})
    if period is None and periods:
        period = periods[-1]
    # KPIs first: they say whether the roster data is synthetic
    kpis = {i: ctx.kpi_list(i, period, KPIS) for i in ids}
    return Scope(ids, [ctx.name(i) for i in ids], period, periods, kpis,
                 any(k.synthetic for ks in kpis.values() for k in ks))


def title_slide(ctx: StoryContext, s: Scope) -> Slide:
    return Slide(kind="title", key="title", title=ctx.m("title.compare", places=punct.join_list(s.names, ctx.lang)),
                 subtitle=ctx.m("title.compare_subtitle", period=s.period or "—", n=len(s.ids)),
                 notes=ctx.m("notes.title_compare"), synthetic=s.synthetic, footer=ctx.footer(s.synthetic))


def kpis_slide(ctx: StoryContext, s: Scope) -> Slide:
    """A table of the overview's cards: one row per KPI, one column per locality."""
    cards = [k for i in s.ids for k in s.kpis[i] if k.indicator in KPIS]
    rows = []
    for kpi_id in KPIS:
        cells = [ctx.label(kpi_id)]
        for i in s.ids:
            k = next(k for k in s.kpis[i] if k.indicator == kpi_id)
            cells.append(k.text + (f"\n{k.published_text}" if k.published_text else ""))
        rows.append(tuple(cells))
    cited = citations(cards)
    return Slide(
        kind="kpis", key="kpis", title=ctx.m("compare.kpis.title"),
        subtitle=ctx.m("compare.kpis.subtitle", period=s.period or "—"), kpis=cards,
        table=Table(columns=(ctx.m("col.indicator"), *s.names), rows=tuple(rows)),
        notes=ctx.m("notes.kpis"), sources=ctx.source_refs(cited), cited=cited,
        synthetic=s.synthetic, footer=ctx.footer(s.synthetic),
    )


def published_funding(ctx: StoryContext, locality_id: str) -> tuple[float | None, str, list[Figure]]:
    """A locality's published funds per community per year: (value, label, the facts behind it).

    The figure the compare page shows (views.published): a published total, or else the kinds a
    report names added up (Wuzhou: 10万 service funds at least + 5万 work funds = at least 15万,
    labelled "≥10万+5万"), at least / more than as soon as one part is.
    """
    figs = ctx.view.published([locality_id], [FUND_TOTAL_PER_COMMUNITY], merge=True)
    if not figs:
        return None, "", []
    first = figs[0]
    facts = [f for f in ctx.figures(locality_id, FUND_FIGURES) if f.fact_id in first.fact_ids]
    return first.value, first.text, facts


Funding = tuple[list[dict], list[tuple[str, ...]], list[Figure]]


def funding_figures(ctx: StoryContext, s: Scope) -> Funding:
    """The chart's records (roster, then published), the caveat table's rows, and the facts behind them."""
    total = FUND_TOTAL_PER_COMMUNITY
    roster = (compare(ctx.rows, s.ids, [total], ctx.localities, periods=[s.period]) if s.period
              else pl.DataFrame(schema={"locality_id": pl.String, "value": pl.Float64}))
    roster_by_id = dict(zip(roster["locality_id"].to_list(), roster["value"].to_list(), strict=True))
    roster_series, published_series = ctx.m("series.roster"), ctx.m("series.published")
    records = [{"category": name, "series": roster_series, "value": roster_by_id.get(i),
                "label": ctx.value_text(total, roster_by_id.get(i))} for i, name in zip(s.ids, s.names, strict=True)]
    caveat_rows: list[tuple[str, ...]] = []
    figs: list[Figure] = []
    for i, name in zip(s.ids, s.names, strict=True):
        value, label, used = published_funding(ctx, i)
        records.append({"category": name, "series": published_series, "value": value,
                        "label": label or no_data(ctx.lang)})
        figs.extend(used)
        caveat_rows += [(name, f.text, f.label, f.source_id, f"“{f.evidence}”") for f in used]
        if not used:
            caveat_rows.append((name, no_data(ctx.lang), "—", "—", "—"))
    return records, caveat_rows, figs


def funding_slide(ctx: StoryContext, s: Scope, fund: Funding) -> Slide:
    """Funds per community per year: the roster's total beside the reports' figures with their qualifiers."""
    records, caveat_rows, figs = fund
    total = FUND_TOTAL_PER_COMMUNITY
    note = published_note(ctx.lang)
    return Slide(
        kind="chart", key="funding", title=ctx.m("compare.funding.title"),
        subtitle=ctx.m("compare.funding.subtitle", period=s.period or "—", unit=ctx.unit(total)),
        chart=Chart(kind="column", title=ctx.label(total), indicator=total, number_format=ctx.number_format(total),
                    value_title=ctx.unit(total), data=chart_frame(records),
                    qualified_series=(ctx.m("series.published"),)),
        bullets=[note], notes="\n".join([note] + [" · ".join(r) for r in caveat_rows]),
        sources=ctx.source_refs(figs), cited=tuple(figs), synthetic=s.synthetic, footer=ctx.footer(s.synthetic),
    )


def coverage_slide(ctx: StoryContext, s: Scope) -> Slide:
    """The three coverage rates side by side, one group per locality."""
    cov = compare(ctx.rows, s.ids, list(RATES), ctx.localities, periods=[s.period])
    by = {(r["locality_id"], r["indicator"]): r["value"] for r in cov.iter_rows(named=True)}
    records = [
        {"category": name, "series": ctx.label(rate), "value": by.get((i, rate)),
         "label": ctx.value_text(rate, by.get((i, rate)))}
        for rate in RATES
        for i, name in zip(s.ids, s.names, strict=True)
    ]
    return Slide(
        kind="chart", key="coverage", title=ctx.m("compare.coverage.title"),
        subtitle=ctx.m("compare.coverage.subtitle", period=s.period),
        chart=Chart(kind="column", title=ctx.m("trend.chart"), indicator=RATES[0], number_format="percent",
                    value_title=ctx.unit(RATES[0]), data=chart_frame(records)),
        notes="\n".join(f"{ctx.label(r)}: {ctx.definition(r)}" for r in RATES),
        synthetic=s.synthetic, footer=ctx.footer(s.synthetic),
    )


def trend_slide(ctx: StoryContext, s: Scope) -> Slide:
    """Compound coverage over the periods, one line per locality in the order given."""
    rate = RATES[0]
    over = compare(ctx.rows, s.ids, [rate], ctx.localities)
    by_name = dict(zip(s.ids, s.names, strict=True))
    records = [
        {"category": r["period"], "series": by_name[r["locality_id"]], "value": r["value"],
         "label": ctx.value_text(rate, r["value"])}
        for r in over.sort("period", "locality_id").iter_rows(named=True)
    ]
    order = {n: k for k, n in enumerate(s.names)}
    frame = chart_frame(records)
    frame = (frame.with_columns(pl.col("series").replace_strict(order, return_dtype=pl.Int32).alias("_s"))
             .sort("category", "_s").drop("_s"))
    return Slide(
        kind="chart", key="trend", title=ctx.m("compare.trend.title", indicator=ctx.label(rate)),
        subtitle=ctx.m("trend.subtitle", first=s.periods[0], last=s.periods[-1]),
        chart=Chart(kind="line", title=ctx.label(rate), indicator=rate, number_format="percent",
                    value_title=ctx.unit(rate), data=frame),
        notes=ctx.m("notes.trend"), synthetic=s.synthetic, footer=ctx.footer(s.synthetic),
    )


def caveat_slide(ctx: StoryContext, s: Scope, fund: Funding) -> Slide:
    """What each report's money figure covers, and the indicators' definitions."""
    _, caveat_rows, figs = fund
    defs = definitions([FUND_TOTAL_PER_COMMUNITY, *RATES], ctx.lang)
    bullets = [published_note(ctx.lang)] + ([ctx.m("caveat.synthetic")] if s.synthetic else [])
    bullets += [punct.labelled(r["name"], r["definition"], ctx.lang) for r in defs.iter_rows(named=True)]
    return Slide(
        kind="caveat", key="caveat", title=ctx.m("caveat.title"), subtitle=ctx.m("caveat.subtitle"),
        table=Table(columns=(ctx.m("col.locality"), ctx.m("col.published"), ctx.m("col.covers"),
                             ctx.m("col.source"), ctx.m("col.evidence")), rows=tuple(caveat_rows)),
        bullets=bullets, notes="\n".join(bullets), sources=ctx.source_refs(figs), cited=tuple(figs),
    )


def compare_story(ctx: StoryContext, ids: list[str], period: str | None) -> Story:
    """Title · KPIs per locality · funds per community, roster beside the reports' figures · coverage rates
    side by side · compound coverage over periods · caveat · sources."""
    s = _scope(ctx, ids, period)
    fund = funding_figures(ctx, s)
    slides = [title_slide(ctx, s), kpis_slide(ctx, s), funding_slide(ctx, s, fund)]
    if s.period:
        slides += [coverage_slide(ctx, s), trend_slide(ctx, s)]
    slides.append(caveat_slide(ctx, s, fund))
    slides.append(sources_slide(ctx, slides))
    return Story(mode="compare", lang=ctx.lang, title=slides[0].title, period=s.period, locality_ids=list(ids),
                 slides=slides)
