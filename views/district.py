"""Districts and communities, as data: a city's units coloured by one indicator, its communities as points
and as a table."""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from queries.catalog import roster_indicator_ids
from queries.compare import snapshot
from text import indicators as ind
from views import Tables
from views.common import Context, by_category, indicator_choice
from views.maps import Choropleth, Point, city_choropleth

DEFAULT_INDICATOR = "compound_coverage"
# The community table's columns: the chosen indicator first, then the figures a drill-down needs.
TABLE_INDICATORS = (
    "residents", "compounds", "compound_coverage", "grids", "grid_coverage", "reported_members",
    "services_per_10k", "fund_total_per_community",
)
# catalog number format -> Streamlit NumberColumn format
COLUMN_FORMATS = {"percent": "percent", "integer": "localized", "money": "localized", "decimal1": "%.1f"}


def indicator_options(lang: str) -> dict[str, str]:
    """What the map can show (every indicator but the base counts, residents kept), labelled, by category."""
    ids = [i for i in roster_indicator_ids() if ind.category(i) != "base" or i == "residents"]
    return {i: indicator_choice(i, lang) for i in by_category(ids)}


@dataclass(frozen=True, eq=False)
class Column:
    name: str           # heading: label (unit)
    format: str         # Streamlit number format
    help: str           # the indicator's definition


@dataclass(frozen=True, eq=False)
class District:
    state: str                       # empty, ok
    title: str
    subtitle: str = ""
    synthetic: bool = False
    map_title: str = ""
    map: Choropleth | None = None    # None: no boundaries for the city
    map_caption: str = ""
    legend_title: str = ""
    highlight: str = ""              # which unit is outlined, said in words
    districts: pl.DataFrame | None = None    # district, formatted value
    table_title: str = ""
    no_roster: str = ""
    table_caption: str = ""
    communities: pl.DataFrame | None = None  # one row per community, numbers left as numbers
    columns: tuple[Column, ...] = ()
    download_name: str = ""


def build(tables: Tables, *, locality_id: str | None, district_id: str | None, level: str | None,
          period: str | None, indicator: str, lang: str) -> District:
    ctx = Context(tables, lang)
    m, names = ctx.m, ctx.names
    title = m("district.title")
    if locality_id is None or ctx.localities.is_empty():
        return District("empty", title)
    city_id = locality_id if level == "city" else (ctx.by_id[locality_id]["parent_id"] or locality_id)
    scope_id = district_id or locality_id
    highlight_id = district_id or (locality_id if level == "district" else None)
    label = ind.label(indicator, lang)
    cols = list(dict.fromkeys([indicator, *TABLE_INDICATORS]))
    communities = (
        snapshot(ctx.rows, [scope_id], ctx.localities, cols, period, communities=True)
        if not ctx.rows_df.is_empty() else pl.DataFrame()
    )
    points: tuple[Point, ...] = ()
    if not communities.is_empty():
        points = tuple(
            Point(names.community(r["district_id"], r["community"]), r["lon"], r["lat"],
                  ind.value(indicator, r[indicator], lang))
            for r in communities.select("district_id", "community", "lon", "lat", indicator).iter_rows(named=True)
            if r["lon"] is not None and r["lat"] is not None
        )
    cmap = city_choropleth(ctx, city_id, indicator, period, highlight_id=highlight_id,
                           zoom_id=district_id if district_id in ctx.by_id else None, points=points)
    synthetic = bool(cmap.district_values["synthetic"].any()) or (
        not communities.is_empty() and bool(communities["synthetic"].any()))
    caption = m("district.map_caption") + (" " + m("district.points_caption") if points else "")
    dv = cmap.district_values
    districts = pl.DataFrame({
        m("district.col.district"): [names.locality(i) for i in dv["locality_id"].to_list()],
        label: [ind.value(indicator, v, lang) for v in dv[indicator].to_list()],
    }, schema={m("district.col.district"): pl.String, label: pl.String})
    out = District(
        state="ok", title=title,
        # the scope only when it is narrower than the city ("Wuzhou · scope: Wuzhou" says nothing twice)
        subtitle=m("district.subtitle", city=names.locality(city_id), scope=names.locality(scope_id),
                   period=period or m("compare.latest")) if scope_id != city_id
        else m("district.subtitle_city", city=names.locality(city_id), period=period or m("compare.latest")),
        synthetic=synthetic,
        map_title=m("district.map_title", city=names.locality(city_id), indicator=label),
        map=cmap if cmap.has_boundaries else None, map_caption=caption,
        legend_title=f"{m('maps.legend_title')} · {label}",
        highlight=m("district.highlight", name=names.locality(highlight_id)) if highlight_id else "",
        districts=districts if not dv.is_empty() else None,
        table_title=m("district.table_title", scope=names.locality(scope_id)),
    )
    if communities.is_empty():
        return _replace(out, no_roster=m("district.no_roster", scope=names.locality(scope_id)))
    heading = {c: ind.label_with_unit(c, lang) for c in cols}
    key_cols = {k: m(f"district.col.{k}") for k in ("district", "street", "community", "period", "synthetic")}
    rows = sorted(communities.iter_rows(named=True), key=lambda r: (r[indicator] is None, r[indicator] or 0))
    table = pl.DataFrame(
        [{key_cols["district"]: names.locality(r["district_id"]), key_cols["street"]: r["street"],
          key_cols["community"]: names.community(r["district_id"], r["community"]), key_cols["period"]: r["period"],
          **{heading[c]: r[c] for c in cols}, key_cols["synthetic"]: r["synthetic"]} for r in rows],
        schema={key_cols["district"]: pl.String, key_cols["street"]: pl.String, key_cols["community"]: pl.String,
                key_cols["period"]: pl.String, **{heading[c]: communities.schema[c] for c in cols},
                key_cols["synthetic"]: pl.Boolean},
    )
    return _replace(
        out, table_caption=m("district.table_caption", n=table.height), communities=table,
        columns=tuple(Column(heading[c], COLUMN_FORMATS.get(ind.number_format(c), "localized"),
                             ind.definition(c, lang)) for c in cols),
        download_name=f"communities_{scope_id}_{period or 'latest'}",
    )


def _replace(view: District, **changes: object) -> District:
    return replace(view, **changes)
