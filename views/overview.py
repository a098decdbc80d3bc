"""The overview for leadership, as data: KPI cards with the reports' figures beside them, the map of
China, and where the chosen locality lags."""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from queries.compare import published_note, snapshot
from queries.coverage import RATES, below_threshold
from queries.kpis import KPIS, kpis, lagging
from queries.scope import in_scope
from text import indicators as ind
from views import Tables
from views.common import Context, focus_localities, table_of
from views.maps import Choropleth, Point, city_choropleth, locality_points
from views.published import PublishedFigure, line

MAP_INDICATOR = "compound_coverage"
LAG_ROWS = 10


@dataclass(frozen=True, eq=False)
class Quote:
    evidence: str
    caption: str        # 来源 S000《…》 · 原文数字 ≥10万 元（至少） · 编号 F000-053


@dataclass(frozen=True, eq=False)
class Popover:
    """One click from a card: each published figure, the report's own words, the document."""

    title: str
    figures: tuple[tuple[str, tuple[Quote, ...]], ...]  # (heading, quotes) per figure
    parts_note: str     # a total added up from parts says so; "" otherwise
    note: str           # published figures may use other definitions


@dataclass(frozen=True, eq=False)
class Card:
    """A KPI card: the roster value, its change, and the reports' figures for the same indicator."""

    locality_id: str
    locality: str
    indicator: str
    label: str
    unit: str
    help: str
    value: float | None         # roster value in catalog units (rates as fractions)
    text: str                   # formatted; 无数据 / no data when missing
    change: float | None
    change_text: str | None
    delta_color: str
    period: str | None
    prev_period: str | None
    synthetic: bool
    published: tuple[PublishedFigure, ...] = ()
    published_text: str = ""    # 公开报道：100%（S000、S002）; "" without published figures
    popover: Popover | None = None
    # when the two periods' rosters hold different communities: what the change compares (kpis() computes
    # every change over the communities both hold), or that nothing can be compared
    change_note: str = ""


def _popover(ctx: Context, indicator_id: str, figs: list[PublishedFigure]) -> Popover | None:
    if not figs:
        return None
    out = []
    for f in figs:
        quotes = []
        for c in f.citations:
            quotes.append(Quote(c.evidence, ctx.m(
                "overview.popover_source", title=ctx.names.source_ref(c.source_id, with_id=False), source=c.source_id,
                fact=c.fact_id, value=c.figure,
                qualifier=ctx.m(f"sources.qualifier.{c.qualifier}"),
            )))
        out.append((ctx.m("overview.popover_figure", figure=f.text_with_unit, interval=f.interval or f.text),
                    tuple(quotes)))
    return Popover(
        title=ind.label(indicator_id, ctx.lang), figures=tuple(out),
        parts_note=ctx.m("overview.parts_note") if any(f.from_parts for f in figs) else "",
        note=published_note(ctx.lang),
    )


def cards(ctx: Context, locality_id: str, period: str | None, indicators: tuple[str, ...] = KPIS, *,
          always: bool = False) -> list[Card]:
    """One card per indicator for a locality and period (default: its latest). Empty list when the
    locality has no roster in that period, unless `always` (then every card says no data)."""
    values = kpis(ctx.rows, locality_id, ctx.localities, period) if not ctx.rows_df.is_empty() else pl.DataFrame()
    by_ind = {r["indicator"]: r for r in values.iter_rows(named=True)} if not values.is_empty() else {}
    figs = ctx.published([locality_id], list(indicators))
    out = []
    for k in indicators:
        r = by_ind.get(k)
        mine = [f for f in figs if f.indicator == k]
        out.append(Card(
            locality_id=locality_id, locality=ctx.names.locality(locality_id), indicator=k,
            label=ind.label(k, ctx.lang), unit=ind.unit(k, ctx.lang), help=ind.help_text(k, ctx.lang),
            value=r["value"] if r else None, text=ind.value(k, r["value"] if r else None, ctx.lang),
            change=r["value_change"] if r else None,
            change_text=ind.change(k, r["value_change"], ctx.lang) if r else None,
            delta_color=ind.delta_color(k),
            period=r["period"] if r else period, prev_period=r["prev_period"] if r else None,
            synthetic=bool(r["synthetic"]) if r else False,
            published=tuple(mine), published_text=line(mine, ctx.lang), popover=_popover(ctx, k, mine),
            change_note=_change_note(ctx, r),
        ))
    return out if by_ind or always else []


def _change_note(ctx: Context, r: dict | None) -> str:
    """57 → 5 communities is a change of coverage, not of the figures: say what the arrows compare."""
    if not r or not r.get("coverage_changed"):
        return ""
    params = {"prev": r["prev_period"], "period": r["period"]}
    if not r["matched_communities"]:
        return ctx.m("overview.no_common", **params)
    return ctx.m("overview.matched_note", matched=r["matched_communities"], prev_n=r["prev_communities"],
                 n=r["communities"], **params)


def published_cards(ctx: Context, locality_id: str) -> list[Card]:
    """Cards for a locality without a roster: the first published figure of each indicator the reports give."""
    figs = ctx.published([locality_id], list(KPIS))
    out = []
    for k in dict.fromkeys(f.indicator for f in figs):
        mine = [f for f in figs if f.indicator == k]
        out.append(Card(
            locality_id=locality_id, locality=ctx.names.locality(locality_id), indicator=k,
            label=ind.label(k, ctx.lang), unit=ind.unit(k, ctx.lang), help=ind.help_text(k, ctx.lang),
            value=mine[0].value, text=mine[0].text, change=None, change_text=None, delta_color="off",
            period=mine[0].period, prev_period=None, synthetic=False,
            published=tuple(mine), published_text=line(mine, ctx.lang), popover=_popover(ctx, k, mine),
        ))
    return out


@dataclass(frozen=True, eq=False)
class ChinaMap:
    title: str
    value_label: str
    points: tuple[Point, ...]
    caption: str
    lang: str


@dataclass(frozen=True, eq=False)
class Overview:
    """Everything above "where it lags"; `state` says which of the page's three forms to show."""

    state: str                      # empty (no data at all), no_locality, ok
    title: str
    subtitle: str = ""
    place: str = ""
    period: str | None = None       # the roster period shown (the chosen one, or the latest)
    synthetic: bool = False
    roster: bool = False            # the cards show roster values (else only the reports' figures)
    cards: tuple[Card, ...] = ()
    cards_note: str = ""            # what the arrows compare, or why there are none / no roster
    kpi_table: pl.DataFrame | None = None
    download_name: str = ""
    china: ChinaMap | None = None


def build(tables: Tables, *, scope_id: str | None, period: str | None, lang: str,
          china: ChinaMap | None = None) -> Overview:
    """The overview of one locality. `china` (china_map()) is the same for every locality of a period and
    language: the dashboard builds it once and hands it in; without it, it is built here."""
    ctx = Context(tables, lang)
    title = ctx.m("overview.title")
    if ctx.facts.is_empty() and tables["datasets"].is_empty():
        return Overview("empty", title)
    if scope_id is None:
        return Overview("no_locality", title)
    place = ctx.names.locality(scope_id)
    subtitle = ctx.m("overview.subtitle", place=place, period=period or ctx.m("overview.no_period"))
    roster_cards = cards(ctx, scope_id, period)
    if roster_cards:
        shown, prev = roster_cards, roster_cards[0].prev_period
        note = ctx.m("overview.change_note", prev=prev) if prev else ctx.m("overview.no_prev")
        if roster_cards[0].change_note:
            note = f"{roster_cards[0].change_note} {note}" if ctx.lang == "en" else roster_cards[0].change_note + note
        kpi_table = table_of([
            {
                ctx.m("overview.col.indicator"): c.label,
                ctx.m("overview.col.period"): c.period,
                ctx.m("overview.col.value"): c.text,
                ctx.m("overview.col.change"): c.change_text or "",
                ctx.m("overview.col.published"): c.published_text,
                ctx.m("overview.col.synthetic"): c.synthetic,
            }
            for c in roster_cards
        ], [ctx.m(f"overview.col.{c}") for c in ("indicator", "period", "value", "change", "published", "synthetic")])
        shown_period = roster_cards[0].period
    else:
        shown, note, kpi_table, shown_period = published_cards(ctx, scope_id), ctx.m("overview.no_roster", place=place), None, None
    return Overview(
        state="ok", title=title, subtitle=subtitle, place=place, period=shown_period,
        synthetic=any(c.synthetic for c in shown), roster=bool(roster_cards), cards=tuple(shown), cards_note=note,
        kpi_table=kpi_table, download_name=f"kpis_{scope_id}_{period}",
        china=china if china is not None else _china(ctx, period),
    )


def china_map(tables: Tables, *, period: str | None, lang: str) -> ChinaMap:
    """The map of China beside every locality's overview: each city or county with data, its compound
    coverage in `period`. A third of an overview's cost at national scale, and no locality's own."""
    return _china(Context(tables, lang), period)


def _china(ctx: Context, period: str | None) -> ChinaMap:
    focus = focus_localities(ctx.tables)
    ids = focus["locality_id"].to_list() if not focus.is_empty() else []
    values = snapshot(ctx.rows, ids, ctx.localities, [MAP_INDICATOR], period) if ids and not ctx.rows_df.is_empty() else None
    by_loc = {} if values is None else dict(values.select("locality_id", MAP_INDICATOR).iter_rows())
    label = ind.label(MAP_INDICATOR, ctx.lang)
    return ChinaMap(
        title=ctx.m("overview.map_title", indicator=label), value_label=label,
        points=tuple(locality_points(ctx, by_loc, ids, MAP_INDICATOR)),
        caption=ctx.m("overview.map_caption", period=period or ctx.m("overview.latest")), lang=ctx.lang,
    )


# ---------------------------------------------------------------- where it lags


@dataclass(frozen=True, eq=False)
class Ranking:
    """Horizontal bars, lowest first, with a dashed target line."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    texts: tuple[str, ...]
    target_label: str
    indicator: str
    lang: str

    def fmt(self, v: float | None) -> str:
        return ind.value(self.indicator, v, self.lang)


@dataclass(frozen=True, eq=False)
class Lagging:
    title: str
    indicator: str
    indicator_label: str
    no_roster: str = ""             # the locality has no roster: this says so
    all_reached: str = ""           # every district and community reached the target
    chart: Ranking | None = None
    map_title: str = ""
    map: Choropleth | None = None
    area_tab: str = ""
    areas: pl.DataFrame | None = None        # districts or streets behind target, formatted (None: none)
    areas_name: str = ""
    communities_tab: str = ""
    communities: pl.DataFrame | None = None  # every community below target; the rate stays a number
    communities_name: str = ""
    rate_column: str = ""


def lag_options(lang: str) -> dict[str, str]:
    """The rates the lag section can show, with their labels."""
    return {r: ind.label(r, lang) for r in RATES}


def build_lagging(tables: Tables, *, scope_id: str, locality_id: str, district_id: str | None, level: str | None,
                  period: str | None, indicator: str, lang: str) -> Lagging:
    """Where `scope_id` lags on `indicator` in `period` (a roster period it has, as the cards show)."""
    ctx = Context(tables, lang)
    label = ind.label(indicator, lang)
    base = Lagging(title=ctx.m("overview.lag_title"), indicator=indicator, indicator_label=label)
    if period is None or ctx.rows_df.is_empty():
        return _with(base, no_roster=ctx.m("overview.no_roster", place=ctx.names.locality(scope_id)))
    scoped = in_scope(ctx.rows, scope_id, ctx.localities)
    area_level = "street" if (level == "district" or district_id) else "district"
    lag_area = lagging(scoped, area_level, indicator, n=LAG_ROWS, period=period)
    lag_comm = lagging(scoped, "community", indicator, n=LAG_ROWS, period=period)
    names = ctx.names
    chart = None
    reached = ""
    if lag_comm.is_empty() and lag_area.is_empty():
        reached = ctx.m("overview.no_lag", indicator=ind.label_in_text(indicator, lang))
    else:
        values = tuple(lag_comm[indicator].to_list())
        chart = Ranking(
            title=ctx.m("overview.lag_chart", indicator=ind.label_in_text(indicator, lang)),
            labels=tuple(ctx.m("overview.community_in", community=names.community(d, c), district=names.locality(d))
                         for d, c in lag_comm.select("district_id", "community").iter_rows()),
            values=values, texts=tuple(ind.value(indicator, v, lang) for v in values),
            target_label=ctx.m("overview.target"), indicator=indicator, lang=lang,
        )
    city_id = ctx.city_of(locality_id)
    highlight = district_id or (locality_id if level == "district" else None)
    lag_map = city_choropleth(ctx, city_id, indicator, period, highlight_id=highlight)
    areas = communities = None
    if chart is not None:
        gap = f"{indicator}_gap"
        col = {k: ctx.m(f"overview.col.{k}") for k in ("district", "street", "community", "gap")}
        has_street = "street" in lag_area.columns
        areas = table_of([
            {col["district"]: names.locality(r["district_id"]),
             **({col["street"]: r["street"]} if has_street else {}),
             label: ind.value(indicator, r[indicator], lang),
             col["gap"]: ind.change(indicator, -r[gap], lang) if r[gap] is not None else None}
            for r in lag_area.iter_rows(named=True)
        ], [col["district"], *([col["street"]] if has_street else []), label, col["gap"]])
        below = below_threshold(scoped, indicator, 1.0, period)
        communities = table_of([
            {col["district"]: names.locality(r["district_id"]), ctx.m("overview.col.street"): r["street"],
             col["community"]: names.community(r["district_id"], r["community"]), label: r[indicator]}
            for r in below.iter_rows(named=True)
        ], [col["district"], ctx.m("overview.col.street"), col["community"], label])
    return Lagging(
        title=base.title, indicator=indicator, indicator_label=label, all_reached=reached, chart=chart,
        map_title=ctx.m("overview.lag_map", city=names.locality(city_id), indicator=label) if lag_map.has_boundaries else "",
        map=lag_map if lag_map.has_boundaries else None,
        area_tab=ctx.m("overview.tab_streets" if area_level == "street" else "overview.tab_districts"),
        areas=areas if areas is not None and not areas.is_empty() else None, areas_name=f"lagging_areas_{scope_id}",
        communities_tab=ctx.m("overview.tab_communities"), communities=communities,
        communities_name=f"below_target_{scope_id}", rate_column=label,
    )


def _with(base: Lagging, **changes: object) -> Lagging:
    return replace(base, **changes)
