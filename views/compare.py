"""Compare cities, as data: the same normalised indicators side by side, the reports' figures told apart
from roster values, the definitions, and the table behind the charts."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from queries.catalog import roster_indicator_ids
from queries.compare import beside_published, definitions, published_note, snapshot
from text import indicators as ind
from text import punct
from views import Tables
from views.common import Context, by_category, focus_localities, indicator_choice, table_of
from views.published import figures

DEFAULT_LOCALITIES = ("450400", "450800", "450481")  # 梧州市, 贵港市, 岑溪市 (journey 2)
DEFAULT_INDICATORS = ("fund_total_per_community", "compound_coverage")
VIEWS = ("bar", "ranking", "scatter")
POINTS = ("locality", "community")
SCATTER_X, SCATTER_Y = "fund_total_per_community", "compound_coverage"
MAX_INDICATORS = 8
SERIES = ("published", "published_other", "roster", "roster_synthetic")  # what a bar is, for its colour


@dataclass(frozen=True, eq=False)
class Options:
    """The pickers: focus localities and every indicator, labelled, in category order."""

    localities: dict[str, str]
    indicators: dict[str, str]


def options(tables: Tables, lang: str) -> Options:
    ctx = Context(tables, lang)
    focus = focus_localities(tables)
    ids = focus["locality_id"].to_list() if not focus.is_empty() else []
    return Options(
        localities={i: ctx.names.locality(i) for i in ids},
        indicators={i: indicator_choice(i, lang) for i in by_category(roster_indicator_ids())},
    )


@dataclass(frozen=True, eq=False)
class Chart:
    """One indicator's bars: roster values and the reports' figures, in the order the reader chose."""

    indicator: str
    title: str                   # label (unit)
    frame: pl.DataFrame          # label (bar label in a ranking), locality, series, text, value, kind, hover
    localities: tuple[str, ...]  # category order of the bars (names)
    lang: str
    empty: bool                  # neither roster values nor published figures

    def fmt(self, v: float | None) -> str:
        return ind.value(self.indicator, v, self.lang)


@dataclass(frozen=True, eq=False)
class Definition:
    name: str
    unit: str
    definition: str
    formula: str
    caveat: str                  # "" unless the indicator is shown with published figures


@dataclass(frozen=True, eq=False)
class Scatter:
    x: str
    y: str
    x_title: str
    y_title: str
    title: str
    per_community: bool
    names: tuple[str, ...]               # the locality of each point
    labels: tuple[str, ...]              # what each point is called (locality or community)
    xs: tuple[float | None, ...]
    ys: tuple[float | None, ...]
    lang: str

    def x_fmt(self, v: float | None) -> str:
        return ind.value(self.x, v, self.lang)

    def y_fmt(self, v: float | None) -> str:
        return ind.value(self.y, v, self.lang)


@dataclass(frozen=True, eq=False)
class Compare:
    period_note: str
    synthetic: bool = False
    empty: str = ""                       # nothing to show: why
    published_note: str = ""              # shown when any figure shown is a report's
    series: dict[str, str] | None = None  # series label -> kind (SERIES), for colours and patterns
    charts: tuple[Chart, ...] = ()
    definitions: tuple[Definition, ...] = ()
    scatter: Scatter | None = None
    scatter_note: str = ""
    table: pl.DataFrame | None = None     # the data shown, for the table and its download
    number_columns: dict[str, str] | None = None  # column -> Streamlit number format (localized, percent)
    value_help: tuple[str, str] | None = None     # (column, help) of the catalog-units column
    interval_help: tuple[str, str] | None = None  # (column, help) of the range column
    download_name: str = ""


def build(tables: Tables, *, localities: tuple[str, ...], indicators: tuple[str, ...], view: str, points: str,
          period: str | None, lang: str) -> Compare:
    ctx = Context(tables, lang)
    note = ctx.m("compare.period_note", period=period or ctx.m("compare.latest"))
    if view == "scatter":
        return _scatter(ctx, localities, points == "community", period, note)
    if not indicators:
        return Compare(note, empty=ctx.m("compare.pick_indicators"))
    return _bars(ctx, localities, indicators, period, note)


def _scatter(ctx: Context, chosen: tuple[str, ...], per_community: bool, period: str | None, note: str) -> Compare:
    m, lang, names = ctx.m, ctx.lang, ctx.names
    pairs = snapshot(ctx.rows, list(chosen), ctx.localities, [SCATTER_X, SCATTER_Y], period, communities=per_community)
    if pairs.is_empty():
        return Compare(note, empty=m("compare.no_roster"))
    order = {i: k for k, i in enumerate(chosen)}
    rows = sorted(pairs.iter_rows(named=True), key=lambda r: order.get(r["locality_id"], len(chosen)))
    cols = {k: m(f"compare.col.{k}") for k in ("locality", "community", "period", "synthetic")}
    x_label, y_label = ind.label(SCATTER_X, lang), ind.label(SCATTER_Y, lang)
    records = [
        {cols["locality"]: names.locality(r["locality_id"]),
         **({cols["community"]: names.community(r["district_id"], r["community"])} if per_community else {}),
         cols["period"]: r["period"], x_label: r[SCATTER_X], y_label: r[SCATTER_Y], cols["synthetic"]: r["synthetic"]}
        for r in rows
    ]
    columns = [cols["locality"], *([cols["community"]] if per_community else []), cols["period"], x_label, y_label,
               cols["synthetic"]]
    scatter = Scatter(
        x=SCATTER_X, y=SCATTER_Y, x_title=punct.with_unit(x_label, ind.unit(SCATTER_X, lang), lang), y_title=y_label,
        title=m("compare.scatter_title", x=x_label, y=y_label), per_community=per_community,
        names=tuple(names.locality(r["locality_id"]) for r in rows),
        labels=tuple(names.community(r["district_id"], r["community"]) if per_community
                     else names.locality(r["locality_id"]) for r in rows),
        xs=tuple(r[SCATTER_X] for r in rows), ys=tuple(r[SCATTER_Y] for r in rows), lang=lang,
    )
    return Compare(
        note, synthetic=any(r["synthetic"] for r in rows), scatter=scatter, scatter_note=m("compare.scatter_note"),
        table=table_of(records, columns), number_columns={x_label: "localized", y_label: "percent"},
        download_name=f"compare_scatter_{'_'.join(chosen)}",
    )


def _bars(ctx: Context, chosen: tuple[str, ...], indicators: tuple[str, ...], period: str | None, note: str) -> Compare:
    m, lang, names = ctx.m, ctx.lang, ctx.names
    both = beside_published(ctx.rows, ctx.facts, ctx.localities, list(chosen), list(indicators), lang, period=period,
                            latest=period is None, parts=True, merge=True)
    labels = {k: m(f"compare.basis.{k}") for k in SERIES}
    published_rows = both.filter(pl.col("basis") == "published")
    figs = iter(figures(published_rows, ctx.facts_by_id, lang))
    col = {k: m(f"compare.col.{k}") for k in ("locality", "indicator", "basis", "period", "shown", "interval", "value",
                                             "qualifier", "source", "evidence", "note", "synthetic")}
    records, seen = [], {}
    for r in both.iter_rows(named=True):
        place = names.locality(r["locality_id"])
        if r["basis"] == "published":
            f = next(figs)
            n = seen.get((r["locality_id"], r["indicator"]), 0)
            seen[(r["locality_id"], r["indicator"])] = n + 1
            kind = "published" if n == 0 else "published_other"
            sources = f.source_ids
            text, source_text = f.text, punct.join_items((names.source_ref(s) for s in sources), lang)
            evidence = punct.join_items((c.evidence for c in f.citations), lang)
            extra = " " + m("compare.parts_note") if f.from_parts else ""
            row_note, bar_label = r["note"] + extra, punct.join_parts((place, punct.join_list(sources, lang)))
            span = f.interval
        else:
            kind = "roster_synthetic" if r["synthetic"] else "roster"
            text = ind.value(r["indicator"], r["value"], lang)
            source_text = m("compare.roster_source_synthetic" if r["synthetic"] else "compare.roster_source")
            evidence, row_note, bar_label, span = "", "", place, ""
        records.append({
            "_order": (chosen.index(r["locality_id"]), indicators.index(r["indicator"]), r["basis"] != "published"),
            "_indicator": r["indicator"], "_kind": kind, "_label": bar_label,
            col["locality"]: place, col["indicator"]: ind.label(r["indicator"], lang), col["basis"]: labels[kind],
            col["period"]: r["period"] or m("compare.period_unstated"), col["shown"]: text, col["interval"]: span,
            col["value"]: r["value"],
            col["qualifier"]: m(f"sources.qualifier.{r['qualifier']}"), col["source"]: source_text,
            col["evidence"]: evidence, col["note"]: row_note, col["synthetic"]: bool(r["synthetic"]),
        })
    if not records:
        return Compare(note, empty=m("compare.no_data"))
    records.sort(key=lambda rec: rec["_order"])  # the order the reader chose: localities, then indicators
    places = tuple(names.locality(i) for i in chosen)
    charts = []
    for k in indicators:
        mine = [r for r in records if r["_indicator"] == k]
        mine.sort(key=lambda r: r["_kind"] not in ("published", "published_other"))  # stable: published first
        charts.append(Chart(
            indicator=k, title=ind.title(k, lang),
            frame=pl.DataFrame(
                {"label": [r["_label"] for r in mine], "locality": [r[col["locality"]] for r in mine],
                 "series": [r[col["basis"]] for r in mine], "text": [r[col["shown"]] for r in mine],
                 "value": [r[col["value"]] for r in mine], "kind": [r["_kind"] for r in mine],
                 "hover": [_hover(ctx, r[col["shown"]], r[col["interval"]]) for r in mine]},
                schema={"label": pl.String, "locality": pl.String, "series": pl.String, "text": pl.String,
                        "value": pl.Float64, "kind": pl.String, "hover": pl.String},
            ),
            localities=places, lang=lang, empty=not mine,
        ))
    shown_published = {r["_indicator"] for r in records if r["_kind"].startswith("published")}
    caveat = published_note(lang)
    defs = tuple(
        Definition(d["name"], d["unit"], d["definition"], d["formula"],
                   m("compare.caveat", note=caveat) if d["indicator"] in shown_published else "")
        for d in definitions(list(indicators), lang).iter_rows(named=True)
    )
    columns = [col[k] for k in ("locality", "indicator", "basis", "period", "shown", "interval", "value", "qualifier",
                                "source", "evidence", "note", "synthetic")]
    return Compare(
        note, synthetic=any(r[col["synthetic"]] for r in records),
        published_note=caveat if shown_published else "",
        series={labels[k]: k for k in SERIES}, charts=tuple(charts), definitions=defs,
        table=table_of(records, columns), number_columns={col["value"]: "localized"},
        value_help=(col["value"], m("compare.col.value_help")), download_name=f"compare_{'_'.join(chosen)}",
        interval_help=(col["interval"], m("sources.interval_help")),
    )


def _hover(ctx: Context, shown: str, span: str) -> str:
    """What a bar says on hover: its figure, and for a report's figure the range its wording allows."""
    if not span or span == shown:
        return shown
    return punct.join_parts((shown, punct.labelled(ctx.m("sources.col.interval"), span, ctx.lang)))
