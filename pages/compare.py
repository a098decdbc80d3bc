"""Compare cities (researchers): the same normalised indicators side by side, published figures told apart. Layout only."""

from ui.shell import page_guard

page_guard()

import streamlit as st

from text import punct
from ui import downloads, draw, tables, urlstate
from ui.cache import shared
from ui.filters import current
from ui.filters import tables as store_tables
from ui.i18n import lang, t
from ui.notices import synthetic_banner
from views import compare

code = lang()
st.title(t("compare.title"))
st.caption(t("compare.intro"))

opts = shared("compare.options", (code,), lambda: compare.options(store_tables(), code))
if not opts.localities:
    st.info(f"**{t('empty.title')}**\n\n{t('empty.body')}", icon=":material/database:")
    st.stop()

# ---------------------------------------------------------------- choices (all in the URL)
# The indicators get the whole width: their chips ("Coverage · Compound party-organisation coverage") were
# cut short beside the localities at 1440 px.
chosen = urlstate.multiselect(
    t("compare.localities"), list(opts.localities), key="locs", default=compare.DEFAULT_LOCALITIES,
    format_func=opts.localities.get, placeholder=t("compare.pick_localities"),
)
indicators = urlstate.multiselect(
    t("compare.indicators"), list(opts.indicators), key="inds", default=compare.DEFAULT_INDICATORS,
    format_func=opts.indicators.get, max_selections=compare.MAX_INDICATORS, placeholder=t("compare.pick_indicators"),
    help=t("compare.indicators_help"),
)
view = urlstate.segmented(
    t("compare.view"), list(compare.VIEWS), key="view", default="bar", format_func=lambda v: t(f"compare.view.{v}")
)
points = "locality"
if view == "scatter":
    points = urlstate.segmented(t("compare.points"), list(compare.POINTS), key="points", default="locality",
                                format_func=lambda v: t(f"compare.points.{v}"))

f = current()
if not chosen:
    st.caption(t("compare.period_note", period=f.period or t("compare.latest")))
    st.info(t("compare.pick_localities"), icon=":material/touch_app:")
    st.stop()

key = (tuple(chosen), tuple(indicators), view, points, f.period, code)
v = shared("compare", key, lambda: compare.build(store_tables(), localities=key[0], indicators=key[1], view=view,
                                                 points=points, period=f.period, lang=code))
st.caption(v.period_note)
synthetic_banner(v.synthetic)
if v.empty:
    st.info(v.empty, icon=":material/info:" if view == "scatter" or indicators else ":material/touch_app:")
    st.stop()


def _table() -> None:
    config = {c: st.column_config.NumberColumn(format=fmt) for c, fmt in v.number_columns.items()}
    if v.value_help:
        column, help_text = v.value_help
        config[column] = st.column_config.NumberColumn(format=v.number_columns[column], help=help_text)
    if v.interval_help:
        column, help_text = v.interval_help
        config[column] = st.column_config.TextColumn(help=help_text)
    tables.dataframe(v.table, column_config=config)
    downloads.buttons(v.table, v.download_name, key="dl_scatter" if v.scatter else "dl_compare", synthetic=v.synthetic)


# ---------------------------------------------------------------- scatter view
if v.scatter is not None:
    st.plotly_chart(draw.compare_scatter(v.scatter), config={"displayModeBar": False})
    st.caption(v.scatter_note)
    _table()
    st.stop()

# ---------------------------------------------------------------- bar and ranking views
if v.published_note:
    st.warning(v.published_note, icon=":material/rule:")
chart_cols = st.columns(2) if len(v.charts) > 1 else [st.container()]
for i, chart in enumerate(v.charts):
    with chart_cols[i % len(chart_cols)]:
        if chart.empty:
            st.markdown(f"**{chart.title}**")
            st.caption(t("common.no_data"))
            continue
        st.plotly_chart(draw.compare_chart(chart, v.series, ranking=view == "ranking"),
                        config={"displayModeBar": False}, key=f"chart_{chart.indicator}")

# ---------------------------------------------------------------- definitions and caveats
with st.expander(t("compare.definitions"), icon=":material/menu_book:"):
    for d in v.definitions:
        st.markdown(punct.labelled(f"**{d.name}**{punct.paren(d.unit, code)}", d.definition, code))
        st.caption(f"{t('common.formula')}: `{d.formula}`")
        if d.caveat:
            st.caption(d.caveat)

# ---------------------------------------------------------------- the table shown, and its download
st.subheader(t("compare.table"))
_table()
