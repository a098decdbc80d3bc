"""Overview for leadership: the chosen locality at a glance, every figure one click from its source. Layout only."""

from ui.shell import page_guard

page_guard()

import streamlit as st

from ui import downloads, draw, tables, urlstate
from ui.cache import shared
from ui.filters import current
from ui.filters import tables as store_tables
from ui.i18n import lang, t
from ui.maps import source_note
from ui.notices import synthetic_banner
from views import overview

CARDS_PER_ROW = 4

f, code = current(), lang()
# the map of China is every locality's: shared by period and language, not rebuilt per locality
china = shared("overview.china", (f.period, code), lambda: overview.china_map(store_tables(), period=f.period, lang=code))
view = shared("overview", (f, code), lambda: overview.build(store_tables(), scope_id=f.scope_id, period=f.period,
                                                              lang=code, china=china))
st.title(view.title)
if view.state == "empty":
    st.info(f"**{t('empty.title')}**\n\n{t('empty.body')}", icon=":material/database:")
    st.stop()
if view.state == "no_locality":
    st.info(t("overview.no_locality"), icon=":material/location_off:")
    st.stop()
st.caption(view.subtitle)
synthetic_banner(view.synthetic)


def _source_popover(card: overview.Card, key: str) -> None:
    p = card.popover
    with st.popover(t("common.source"), icon=":material/menu_book:", key=key):
        st.markdown(f"**{p.title}**")
        for heading, quotes in p.figures:
            st.markdown(heading)
            for q in quotes:
                st.markdown(f"> {q.evidence}")
                st.caption(q.caption)
        if p.parts_note:
            st.caption(p.parts_note)
        st.caption(p.note)


# ---------------------------------------------------------------- KPI cards
st.subheader(t("overview.kpis"))
if view.roster:
    st.caption(view.cards_note)
else:
    st.info(view.cards_note, icon=":material/info:")
# A card's label wraps instead of ending in "…" (st.metric truncates: "Compound party-organisati…" at 1440 px),
# and takes two lines in every card so the figures of a row stay level.
st.html("""<style>
.st-key-kpi_cards [data-testid="stMetricLabel"] .stMarkdownEllipsis,
.st-key-kpi_cards [data-testid="stMetricLabel"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
.st-key-kpi_cards [data-testid="stMetricLabel"] { min-height: 2.7em; align-items: flex-start; }
</style>""")
with st.container(key="kpi_cards"):
    for start in range(0, len(view.cards), CARDS_PER_ROW):
        cols = st.columns(CARDS_PER_ROW)
        for col, card in zip(cols, view.cards[start:start + CARDS_PER_ROW], strict=False):
            with col:
                st.metric(card.label, card.text, delta=card.change_text, delta_color=card.delta_color, help=card.help,
                          border=True)
                if view.roster:
                    st.caption(card.published_text or t("overview.no_published"))
                if card.popover:
                    _source_popover(card, key=f"src_{card.indicator}" if view.roster else f"src_only_{card.indicator}")
if view.kpi_table is not None:
    downloads.buttons(view.kpi_table, view.download_name, key="dl_kpis", synthetic=view.synthetic)

# ---------------------------------------------------------------- map and where it lags
left, right = st.columns(2, gap="large")
with left:
    st.subheader(view.china.title)
    # fitted to the half-width column of a wide layout, so the whole outline and every name shows
    st.pydeck_chart(draw.china_deck(view.china, width=480, height=430), height=430)
    st.caption(view.china.caption + " " + source_note(code))

with right:
    st.subheader(t("overview.lag_title"))
    options = overview.lag_options(code)
    lag_ind = urlstate.selectbox(t("overview.lag_indicator"), list(options), key="lag", format_func=options.get,
                                 default=list(options)[0])
    lag = shared("overview.lag", (f, view.period, lag_ind, code), lambda: overview.build_lagging(
        store_tables(), scope_id=f.scope_id, locality_id=f.locality_id, district_id=f.district_id, level=f.level,
        period=view.period, indicator=lag_ind, lang=code))
    if lag.no_roster:
        st.info(lag.no_roster, icon=":material/info:")
    elif lag.all_reached:
        st.success(lag.all_reached, icon=":material/check_circle:")
    if lag.chart is not None:
        st.plotly_chart(draw.lag_chart(lag.chart), config={"displayModeBar": False})
    if lag.map is not None:
        st.markdown(f"**{lag.map_title}**")
        st.pydeck_chart(draw.district_deck(lag.map, height=360), height=360)
        st.markdown(draw.legend_html(draw.legend_items(lag.map), inline=True), unsafe_allow_html=True)
        st.caption(lag.map.scale_note)

if lag.chart is not None:
    tab_area, tab_comm = st.tabs([lag.area_tab, lag.communities_tab])
    with tab_area:
        if lag.areas is None:
            st.caption(t("overview.no_lag", indicator=lag.indicator_label))
        else:
            tables.dataframe(lag.areas)
            downloads.buttons(lag.areas, lag.areas_name, key="dl_lag_area", synthetic=True)
    with tab_comm:
        tables.dataframe(lag.communities,
                         column_config={lag.rate_column: st.column_config.NumberColumn(format="percent")})
        downloads.buttons(lag.communities, lag.communities_name, key="dl_lag_comm", synthetic=True)
