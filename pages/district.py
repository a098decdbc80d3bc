"""Districts and communities (drill-down): a no-basemap choropleth of the city, then its communities. Layout only."""

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
from views import district

MAP_HEIGHT = 520

f, code = current(), lang()
if f.locality_id is None:
    st.title(t("district.title"))
    st.info(f"**{t('empty.title')}**\n\n{t('empty.body')}", icon=":material/database:")
    st.stop()
st.title(t("district.title"))
options = district.indicator_options(code)
indicator = urlstate.selectbox(
    t("district.indicator"), list(options), key="ind", default=district.DEFAULT_INDICATOR, format_func=options.get,
    help=t("district.indicator_help"),
)
v = shared("district", (f, indicator, code), lambda: district.build(
    store_tables(), locality_id=f.locality_id, district_id=f.district_id, level=f.level, period=f.period,
    indicator=indicator, lang=code))
if v.state == "empty":
    st.info(f"**{t('empty.title')}**\n\n{t('empty.body')}", icon=":material/database:")
    st.stop()
st.caption(v.subtitle)
synthetic_banner(v.synthetic)

# ---------------------------------------------------------------- choropleth of the city's districts
map_col, legend_col = st.columns([4, 1.3], gap="medium")
with map_col:
    st.subheader(v.map_title)
    if v.map is None:
        st.info(t("district.no_boundaries"), icon=":material/map:")
    else:
        st.pydeck_chart(draw.district_deck(v.map, height=MAP_HEIGHT), height=MAP_HEIGHT)
        st.caption(v.map_caption + " " + source_note(code))

with legend_col:
    st.markdown(f"**{v.legend_title}**")
    if v.map is not None:
        st.markdown(draw.legend_html(draw.legend_items(v.map)), unsafe_allow_html=True)
        st.caption(v.map.scale_note)
    if v.highlight:
        st.caption(v.highlight)
    if v.districts is not None:
        tables.dataframe(v.districts)

# ---------------------------------------------------------------- the community table
st.subheader(v.table_title)
if v.communities is None:
    st.info(v.no_roster, icon=":material/info:")
    st.stop()
st.caption(v.table_caption)
tables.dataframe(
    v.communities, max_height=520,
    column_config={c.name: st.column_config.NumberColumn(c.name, format=c.format, help=c.help) for c in v.columns},
)
downloads.buttons(v.communities, v.download_name, key="dl_communities", synthetic=v.synthetic)
