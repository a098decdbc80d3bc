"""Sources and evidence: every published figure with its qualifier and document, conflicts side by side,
claims set against the rosters. Layout only."""

from ui.shell import page_guard

page_guard()

import streamlit as st

from ui import downloads, tables, urlstate
from ui.cache import shared
from ui.filters import tables as store_tables
from ui.i18n import lang, t
from ui.notices import synthetic_banner
from views import sources

code = lang()
st.title(t("sources.title"))
st.caption(t("sources.intro"))

c1, c2, c3 = st.columns(3)
with c2:  # the category first: the indicators offered depend on it
    cats = shared("sources.options", (sources.ALL, code), lambda: sources.options(store_tables(), sources.ALL, code))
    if len(cats.categories) == 1:  # only "all": no published figure at all
        st.info(f"**{t('empty.title')}**\n\n{t('empty.body')}", icon=":material/database:")
        st.stop()
    category = urlstate.selectbox(t("sources.category"), list(cats.categories), key="cat", default=sources.ALL,
                                  format_func=cats.categories.get)
opts = shared("sources.options", (category, code), lambda: sources.options(store_tables(), category, code))
with c1:
    locality_id = urlstate.selectbox(t("sources.locality"), list(opts.localities), key="src_loc", default=sources.ALL,
                                     format_func=opts.localities.get)
with c3:
    indicator = urlstate.selectbox(t("sources.indicator"), list(opts.indicators), key="src_ind", default=sources.ALL,
                                   format_func=opts.indicators.get, disabled=opts.indicator_disabled)

v = shared("sources", (locality_id, category, indicator, code), lambda: sources.build(
    store_tables(), locality_id=locality_id, category=category, indicator=indicator, lang=code))
synthetic_banner(v.synthetic)  # the reconciliation below sets claims against synthetic sample rosters
h = v.headings

# ---------------------------------------------------------------- every published figure
st.subheader(v.facts_title)
if v.facts is None:
    st.info(t("sources.no_facts"), icon=":material/filter_alt_off:")
else:
    tables.dataframe(
        v.facts, max_height=460,
        column_config={
            h["fact"]: st.column_config.TextColumn(width="small", pinned=True),
            h["locality"]: st.column_config.TextColumn(width="small"),
            h["indicator"]: st.column_config.TextColumn(width="medium"),
            # wide enough at 1440 px for "2,800 to under 2,900" and "briefings per year" in full
            h["value"]: st.column_config.TextColumn(width=80, help=t("sources.value_help")),
            h["interval"]: st.column_config.TextColumn(width=170, help=t("sources.interval_help")),
            h["unit"]: st.column_config.TextColumn(width=160),
            h["qualifier"]: st.column_config.TextColumn(width=80),
            h["evidence"]: st.column_config.TextColumn(width="large"),
            h["source"]: st.column_config.TextColumn(width="medium"),
        },
    )
    downloads.buttons(v.facts, v.facts_name, key="dl_facts")

# ---------------------------------------------------------------- conflicts, side by side
st.subheader(t("sources.conflicts_title"))
st.caption(t("sources.conflicts_intro"))
if not v.conflicts:
    st.success(t("sources.no_conflicts"), icon=":material/check_circle:")
for conflict in v.conflicts:
    with st.container(border=True):
        st.markdown(conflict.heading)
        for col, side in zip(st.columns(len(conflict.sides)), conflict.sides, strict=True):
            with col:
                st.metric(side.label, side.value)
                st.caption(side.caption)
                st.markdown(f"> {side.evidence}")
        st.caption(t("sources.conflict_note"))

# ---------------------------------------------------------------- claims against the rosters
st.subheader(v.reconcile_title)
st.caption(t("sources.reconcile_intro"))
if v.reconcile is None:
    st.info(t("sources.no_reconcile"), icon=":material/info:")
else:
    tables.dataframe_coloured(
        v.reconcile, h["verdict"], v.verdict_colors, max_height=460, column_config={
            h["verdict"]: st.column_config.TextColumn(width=120),
            h["indicator"]: st.column_config.TextColumn(width="medium"),
            h["claimed"]: st.column_config.TextColumn(width=140),
            h["interval"]: st.column_config.TextColumn(width=170, help=t("sources.interval_help")),
            h["reason"]: st.column_config.TextColumn(width="large"),
            h["synthetic"]: st.column_config.CheckboxColumn(width="small"),
        },
    )
    st.caption(v.verdict_counts)
    downloads.buttons(v.reconcile, v.reconcile_name, key="dl_recon", synthetic=v.synthetic)
