"""Districts and communities (drill-down): a no-basemap choropleth of the city, then its communities. Layout only."""

from ui.shell import page_guard

page_guard()

import polars as pl
import streamlit as st

from queries.catalog import indicator_ids
from queries.compare import snapshot
from ui import downloads, tables, urlstate
from ui import indicators as ind
from ui.context import table
from ui.filters import current
from ui.i18n import lang, name_col, t
from ui.district_map import district_map, legend_html
from ui.maps import CATEGORICAL, district_features, features_bounds, fit_view, legend, points_layer, source_note
from ui.names import Names
from ui.notices import synthetic_banner

DEFAULT_INDICATOR = "compound_coverage"
# The community table's columns: the chosen indicator first, then the figures a drill-down needs.
TABLE_INDICATORS = (
    "residents", "compounds", "compound_coverage", "grids", "grid_coverage", "reported_members",
    "services_per_10k", "fund_total_per_community",
)
COLUMN_FORMATS = {"percent": "percent", "integer": "localized", "money": "localized", "decimal1": "%.1f"}
CATEGORY_ORDER = ("coverage", "services", "funding", "workforce", "base")

st.title(t("district.title"))
names = Names()  # display names, read once per run

rows, loc = table("community_rows"), table("localities")
f = current()
if f.locality_id is None or loc.is_empty():
    st.info(f"**{t('empty.title')}**\n\n{t('empty.body')}", icon=":material/database:")
    st.stop()

by_id = {r["locality_id"]: r for r in loc.iter_rows(named=True)}
here = by_id[f.locality_id]
city_id = f.locality_id if f.level == "city" else here["parent_id"]
city = by_id.get(city_id, here)
highlight_id = f.district_id or (f.locality_id if f.level == "district" else None)
scope_id = f.scope_id

order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
map_indicators = [i for i in indicator_ids() if ind.category(i) != "base" or i == "residents"]
map_indicators.sort(key=lambda i: order.get(ind.category(i), len(order)))
indicator = urlstate.selectbox(
    t("district.indicator"), map_indicators, key="ind", default=DEFAULT_INDICATOR,
    format_func=lambda i: f"{t(f'compare.category.{ind.category(i)}')} · {ind.label(i)}",
    help=t("district.indicator_help"),
)
value_fmt = lambda v: ind.value(indicator, v)  # noqa: E731
st.caption(t(
    "district.subtitle", city=names.locality(city_id), scope=names.locality(scope_id),
    period=f.period or t("compare.latest"),
))

# ---------------------------------------------------------------- choropleth of the city's districts
communities = (
    snapshot(rows.lazy(), [scope_id], loc, list(dict.fromkeys([indicator, *TABLE_INDICATORS])), f.period,
             communities=True)
    if not rows.is_empty() else pl.DataFrame()
)
with_coords = (communities.filter(pl.col("lon").is_not_null() & pl.col("lat").is_not_null())
               if not communities.is_empty() else communities)
extra = []
if not with_coords.is_empty():
    points = with_coords.with_columns(
        names.community_expr().alias("community_name")
    )
    # small near-black dots with a white ring: visible on every viridis class and on grey
    extra.append(points_layer(points, name="community_name", value=indicator,
                              value_label=ind.label(indicator), fmt=value_fmt, lang=lang(),
                              color=CATEGORICAL[7], radius_px=3.5))
dmap = district_map(rows, loc, city_id, indicator, f.period, fmt=value_fmt, value_label=ind.label(indicator),
                    name_key=name_col(), lang=lang(), highlight_id=highlight_id, extra_layers=extra, height=520)
district_values, values_by_adcode = dmap.district_values, dmap.values_by_adcode
synthetic_banner(pl.concat([district_values.select("synthetic"), communities.select("synthetic")])
                 if not communities.is_empty() else district_values)

map_col, legend_col = st.columns([4, 1.3], gap="medium")
with map_col:
    st.subheader(t("district.map_title", city=names.locality(city_id), indicator=ind.label(indicator)))
    if dmap.deck is None:
        st.info(t("district.no_boundaries"), icon=":material/map:")
    else:
        deck = dmap.deck
        if f.district_id and f.district_id in by_id:
            # a district chosen in the sidebar: the view closes in on it, the rest of the city around it
            features = district_features(city.get("adcode") or city_id)
            chosen_feature = [fe for fe in features["features"]
                              if fe["properties"]["adcode"] == by_id[f.district_id]["adcode"]]
            if chosen_feature:
                deck.initial_view_state = fit_view(features_bounds({"features": chosen_feature}), height=520)
        st.pydeck_chart(deck, height=520)
        caption = t("district.map_caption") + (" " + t("district.points_caption") if extra else "")
        st.caption(caption + " " + source_note(lang()))

with legend_col:
    st.markdown(f"**{t('maps.legend_title')}** · {ind.label(indicator)}")
    items = legend(values_by_adcode, value_fmt, lang=lang())
    st.markdown(legend_html(items), unsafe_allow_html=True)
    if highlight_id:
        st.caption(t("district.highlight", name=names.locality(highlight_id)))
    if not district_values.is_empty():
        dist_table = district_values.select(
            names.locality_expr("locality_id").alias(t("district.col.district")),
        ).with_columns(pl.Series(ind.label(indicator), [value_fmt(v) for v in district_values[indicator]], pl.String))
        tables.dataframe(dist_table)

# ---------------------------------------------------------------- the community table
st.subheader(t("district.table_title", scope=names.locality(scope_id)))
if communities.is_empty():
    st.info(t("district.no_roster", scope=names.locality(scope_id)), icon=":material/info:")
    st.stop()

cols = list(dict.fromkeys([indicator, *TABLE_INDICATORS]))
labels = {c: f"{ind.label(c)}（{ind.unit(c)}）" if lang() == "zh" and ind.number_format(c) != "percent"
          else (f"{ind.label(c)} ({ind.unit(c)})" if ind.number_format(c) != "percent" else ind.label(c))
          for c in cols}
shown = communities.select(
    names.locality_expr("district_id")
    .alias(t("district.col.district")),
    pl.col("street").alias(t("district.col.street")),
    names.community_expr().alias(t("district.col.community")),
    pl.col("period").alias(t("district.col.period")),
    *(pl.col(c).alias(labels[c]) for c in cols),
    pl.col("synthetic").alias(t("district.col.synthetic")),
).sort(labels[indicator], nulls_last=True)
st.caption(t("district.table_caption", n=shown.height))
tables.dataframe(
    shown, height=min(38 + 35 * shown.height, 520),
    column_config={
        labels[c]: st.column_config.NumberColumn(
            labels[c], format=COLUMN_FORMATS.get(ind.number_format(c), "localized"), help=ind.definition(c)
        )
        for c in cols
    },
)
downloads.buttons(shown, f"communities_{scope_id}_{f.period or 'latest'}", key="dl_communities",
                  synthetic=bool(communities["synthetic"].any()))
