"""The slides of one locality: title, headline KPIs, district map, ranking, funds, trend (then evidence.py's two)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from exports.story.context import StoryContext, citations
from exports.story.evidence import reconcile_slide, sources_slide
from exports.story.model import Chart, Kpi, MapData, Slide, Story, chart_frame
from queries.catalog import total_parts
from queries.coverage import RATES, coverage
from queries.funding import funding
from queries.kpis import KPIS
from queries.scope import in_scope
from views.maps import city_choropleth

HEADLINE: tuple[str, ...] = tuple(k for k in KPIS if k != "communities")  # communities go to the title slide
FUND_TOTAL_PER_COMMUNITY = "fund_total_per_community"
# The kinds of funds, per community, as the catalog adds them up into the total.
FUND_KINDS_PER_COMMUNITY: tuple[str, ...] = total_parts()[FUND_TOTAL_PER_COMMUNITY]
# The funding slides list the reports' figures on the total and its kinds (Wuzhou publishes funds per
# community by kind, 10万 + 5万, not a total).
FUND_FIGURES: tuple[str, ...] = (FUND_TOTAL_PER_COMMUNITY, *FUND_KINDS_PER_COMMUNITY)


@dataclass(frozen=True)
class Scope:
    """One locality in one period: what every slide of its story reads."""

    locality_id: str
    place: str
    level: str                  # city or district (a county-level unit)
    parent_id: str | None
    period: str | None
    periods: list[str]
    kpis: list[Kpi]
    synthetic: bool
    rows: pl.LazyFrame          # the locality's rows, every period
    now: pl.LazyFrame           # ... of `period`

    @property
    def has_rows(self) -> bool:
        return self.period in self.periods

    @property
    def sub(self) -> str:
        """The level its slides break down by: districts of a city, streets of a county-level unit."""
        return "district" if self.level == "city" else "street"

    @property
    def sub_key(self) -> str:
        return "district_id" if self.sub == "district" else "street"


def _scope(ctx: StoryContext, locality_id: str, period: str | None) -> Scope:
    info = ctx.locality(locality_id)
    periods = ctx.periods(locality_id)
    if period is None and periods:
        period = periods[-1]
    rows = in_scope(ctx.rows, locality_id, ctx.localities)
    now = rows.filter(pl.col("period") == period) if period in periods else rows.head(0)
    kpis = ctx.kpi_list(locality_id, period, KPIS)
    return Scope(locality_id, ctx.name(locality_id), info["level"], info.get("parent_id"), period, periods, kpis,
                 any(k.synthetic for k in kpis), rows, now)


def title_slide(ctx: StoryContext, s: Scope) -> Slide:
    communities = next(k for k in s.kpis if k.indicator == "communities")
    subtitle = (ctx.m("title.subtitle", period=s.period, communities=communities.text) if s.has_rows
                else ctx.m("title.subtitle_no_roster"))
    return Slide(kind="title", key="title", title=ctx.m("title.locality", place=s.place), subtitle=subtitle,
                 notes=ctx.m("notes.title"), synthetic=s.synthetic, footer=ctx.footer(s.synthetic))


def _figure_note(ctx: StoryContext, k: Kpi) -> list[str]:
    """S000 小区党组织覆盖率 100%: “…” — a speaker note for each published figure on a card."""
    return [f"{', '.join(f.source_ids)} {k.label} {f.text_with_unit}: "
            + " ".join(f"“{c.evidence}”" for c in f.citations if c.evidence) for f in k.published]


def kpis_slide(ctx: StoryContext, s: Scope) -> Slide:
    """The overview's headline cards, with the reports' figures beside the roster values."""
    cards = [k for k in s.kpis if k.indicator in HEADLINE]
    prev = next((k.prev_period for k in cards if k.prev_period), None)
    cited = citations(cards)
    return Slide(
        kind="kpis", key="kpis", title=ctx.m("kpis.title", place=s.place),
        subtitle=ctx.m("kpis.subtitle", period=s.period or "—", prev=prev or "—"), kpis=cards,
        notes="\n".join([ctx.m("notes.kpis")] + [f"{k.label}: {k.text}  {k.published_text}".rstrip() for k in cards]
                        + [n for k in cards for n in _figure_note(ctx, k)]),
        sources=ctx.source_refs(cited), cited=cited, synthetic=s.synthetic, footer=ctx.footer(s.synthetic),
    )


def focus_rate(cov: pl.DataFrame) -> str:
    """The coverage rate that lags most at the locality level (lowest value; catalog order on ties)."""
    best, low = RATES[0], None
    for rate in RATES:
        if rate in cov.columns and cov.height:
            v = cov[rate].min()
            if v is not None and (low is None or v < low - 1e-12):
                best, low = rate, v
    return best


def map_slide(ctx: StoryContext, s: Scope, rate: str) -> Slide | None:
    """The city's county-level units coloured by `rate`, as the overview's lag map draws them (a
    county-level locality: its city, itself outlined); None when the city has no boundaries."""
    city_id = s.locality_id if s.level == "city" else (s.parent_id or s.locality_id)
    highlight = s.locality_id if s.level != "city" else None
    choropleth = city_choropleth(ctx.view, city_id, rate, s.period, highlight_id=highlight)
    if not choropleth.has_boundaries:
        return None
    label = ctx.label(rate)
    return Slide(
        kind="map", key="map", title=ctx.m("map.title", indicator=label, place=ctx.name(city_id)),
        subtitle=ctx.m("map.subtitle", period=s.period),
        # keyed by the boundary features' adcodes, so an undivided city (东莞: district 441900/东莞市,
        # feature 441900) is coloured like any district
        map=MapData(city_adcode=choropleth.city_adcode, indicator=rate, value_label=label,
                    number_format=ctx.number_format(rate), values=dict(choropleth.values_by_adcode),
                    highlight=choropleth.highlight_adcode, name_key=ctx.name_col),
        notes=ctx.m("notes.map", indicator=label) + "\n" + ctx.definition(rate),
        synthetic=s.synthetic, footer=ctx.footer(s.synthetic),
    )


def _sub_labels(ctx: StoryContext, s: Scope, keys: list[str]) -> list[str]:
    return [ctx.name(k) for k in keys] if s.sub == "district" else keys


def ranking_slide(ctx: StoryContext, s: Scope, rate: str) -> Slide:
    """`rate` by district (or street), best first."""
    by_sub = coverage(s.now, s.sub)
    labels = _sub_labels(ctx, s, by_sub[s.sub_key].to_list())
    ranked = sorted(zip(labels, by_sub[rate].to_list(), strict=True),
                    key=lambda lv: (lv[1] is None, -(lv[1] or 0), lv[0]))
    label = ctx.label(rate)
    return Slide(
        kind="chart", key="coverage", title=ctx.m("ranking.title", indicator=label, level=ctx.m(f"level.{s.sub}")),
        subtitle=ctx.m("chart.subtitle", place=s.place, period=s.period),
        chart=Chart(kind="bar", title=label, indicator=rate, number_format=ctx.number_format(rate),
                    value_title=ctx.unit(rate),
                    data=chart_frame([{"category": c, "series": label, "value": v, "label": ctx.value_text(rate, v)}
                                      for c, v in ranked])),
        notes=ctx.definition(rate) + "\n" + ctx.formula(rate),
        synthetic=s.synthetic, footer=ctx.footer(s.synthetic),
    )


def funding_slide(ctx: StoryContext, s: Scope) -> Slide:
    """Funds per community by kind and district (or street), with the reports' figures on funds."""
    fund = funding(s.now, s.sub)
    labels = _sub_labels(ctx, s, fund[s.sub_key].to_list())
    records = [
        {"category": cat, "series": ctx.label(kind), "value": v, "label": ctx.value_text(kind, v)}
        for kind in FUND_KINDS_PER_COMMUNITY
        for cat, v in zip(labels, fund[kind].to_list(), strict=True)
    ]
    figs = ctx.figures(s.locality_id, FUND_FIGURES)
    total, first = FUND_TOTAL_PER_COMMUNITY, FUND_KINDS_PER_COMMUNITY[0]
    return Slide(
        kind="chart", key="funding", title=ctx.m("funding.title", level=ctx.m(f"level.{s.sub}")),
        subtitle=ctx.m("funding.subtitle", place=s.place, period=s.period, unit=ctx.unit(total)),
        chart=Chart(kind="column", title=ctx.label(total), indicator=first, number_format=ctx.number_format(first),
                    value_title=ctx.unit(total), data=chart_frame(records)),
        bullets=[ctx.view.m("overview.published_line", figures=f"{f.label} {f.text}" + ctx.paren(f.source_id))
                 for f in figs],
        notes="\n".join([ctx.m("notes.funding")] + [f"{f.source_id}: “{f.evidence}”" for f in figs]),
        sources=ctx.source_refs(figs), cited=tuple(figs), synthetic=s.synthetic, footer=ctx.footer(s.synthetic),
    )


def trend_slide(ctx: StoryContext, s: Scope) -> Slide:
    """The coverage rates over every period the locality has."""
    over = coverage(s.rows, s.level if s.level in ("city", "district") else "district").sort("period")
    records = [
        {"category": p, "series": ctx.label(r), "value": v, "label": ctx.value_text(r, v)}
        for r in RATES
        for p, v in zip(over["period"].to_list(), over[r].to_list(), strict=True)
    ]
    return Slide(
        kind="chart", key="trend", title=ctx.m("trend.title", place=s.place),
        subtitle=ctx.m("trend.subtitle", first=s.periods[0], last=s.periods[-1]),
        chart=Chart(kind="line", title=ctx.m("trend.chart"), indicator=RATES[0], number_format="percent",
                    value_title=ctx.unit(RATES[0]), data=chart_frame(records)),
        notes=ctx.m("notes.trend"), synthetic=s.synthetic, footer=ctx.footer(s.synthetic),
    )


def locality_story(ctx: StoryContext, locality_id: str, period: str | None) -> Story:
    """Title · headline KPIs · district map of the coverage rate that lags most · its ranking by district
    (street for a county-level unit) · funds per community by kind · coverage trend · reconciliation · sources."""
    s = _scope(ctx, locality_id, period)
    slides = [title_slide(ctx, s), kpis_slide(ctx, s)]
    if s.has_rows:
        rate = focus_rate(coverage(s.now, s.level if s.level in ("city", "district") else "district"))
        slides += [x for x in (map_slide(ctx, s, rate), ranking_slide(ctx, s, rate)) if x is not None]
        slides += [funding_slide(ctx, s), trend_slide(ctx, s)]
    slides.append(reconcile_slide(ctx, locality_id))
    slides.append(sources_slide(ctx, slides))
    return Story(mode="locality", lang=ctx.lang, title=slides[0].title, period=s.period, locality_ids=[locality_id],
                 slides=slides)
