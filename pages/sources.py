"""Sources and evidence: every published figure with its qualifier and document, conflicts side by side,
claims set against the rosters. Layout only."""

from ui.shell import page_guard

page_guard()

import pandas as pd
import polars as pl
import streamlit as st

from queries.conflicts import conflicts
from queries.evidence import OTHER, facts_table
from queries.reconcile import reconcile
from ui import downloads, tables, urlstate
from ui import fmt as ufmt
from ui import indicators as ind
from ui.context import table
from ui.i18n import lang, t
from ui.names import Names
from ui.notices import synthetic_banner

ALL = "all"
CATEGORY_ORDER = ("coverage", "services", "funding", "workforce", "base", OTHER)
LEVEL_ORDER = {"city": 0, "district": 1, "street": 2, "community": 3}
# Light tints of the Okabe-Ito colours, so dark text stays readable; the verdict is also written out.
VERDICT_COLORS = {
    "consistent": "#C8EBDF",       # bluish green
    "within_rounding": "#D4EAF7",  # sky blue
    "contradicted": "#F7D3BF",     # vermillion
    "no_data": "#E8E8E8",
}

st.title(t("sources.title"))
names = Names()  # display names, read once per run
st.caption(t("sources.intro"))

facts, sources, loc, rows = table("facts"), table("sources"), table("localities"), table("community_rows")
if facts.is_empty():
    st.info(f"**{t('empty.title')}**\n\n{t('empty.body')}", icon=":material/database:")
    st.stop()

every = facts_table(facts, sources, loc)
levels = dict(loc.select("locality_id", "level").iter_rows())
located = sorted(set(every["locality_id"].drop_nulls().to_list()), key=lambda i: (LEVEL_ORDER.get(levels.get(i), 9), i))
present_categories = set(every["category"].to_list())
categories = [c for c in CATEGORY_ORDER if c in present_categories]


def _category_label(c: str) -> str:
    return t("sources.all_categories") if c == ALL else t(f"compare.category.{c}") if c != OTHER else t("sources.other")


c1, c2, c3 = st.columns(3)
with c1:
    locality_id = urlstate.selectbox(
        t("sources.locality"), [ALL, *located], key="src_loc", default=ALL,
        format_func=lambda i: t("sources.all_localities") if i == ALL else names.locality(i),
    )
with c2:
    category = urlstate.selectbox(t("sources.category"), [ALL, *categories], key="cat", default=ALL,
                                  format_func=_category_label)
in_category = every if category == ALL else every.filter(pl.col("category") == category)
indicator_options = [i for i in dict.fromkeys(in_category["indicator"].drop_nulls().to_list())]
with c3:
    indicator = urlstate.selectbox(
        t("sources.indicator"), [ALL, *sorted(indicator_options, key=ind.label)], key="src_ind", default=ALL,
        format_func=lambda i: t("sources.all_indicators") if i == ALL else ind.label(i),
        disabled=category == OTHER,
    )

chosen = facts_table(
    facts, sources, loc,
    locality_id=None if locality_id == ALL else locality_id,
    category=None if category == ALL else category,
    indicator=None if indicator == ALL else indicator,
)
place = t("sources.all_localities") if locality_id == ALL else names.locality(locality_id)
ids_in_view = set(chosen["fact_id"].to_list())
checked = reconcile(facts, rows.lazy(), loc) if not rows.is_empty() else pl.DataFrame()
if not checked.is_empty():
    checked = checked.filter(pl.col("fact_id").is_in(list(ids_in_view)))
synthetic_banner(checked)  # the reconciliation below sets claims against synthetic sample rosters

# ---------------------------------------------------------------- every published figure
st.subheader(t("sources.facts_title", n=chosen.height))


# Thousands of facts at national scale: labels and translations are looked up once per distinct
# value, not once per row (each lookup reads the language from the session).
lg = lang()
COLUMNS = ("fact", "locality", "indicator", "value", "unit", "qualifier", "evidence", "source", "category", "period",
           "claimed", "roster", "gap", "statistic", "verdict", "synthetic")
heading = {c: t(f"sources.col.{c}") for c in COLUMNS}
shown_indicators = set(every["indicator"].drop_nulls().to_list())
if not checked.is_empty():
    shown_indicators |= set(checked["indicator"].to_list())
label_of = {i: ind.label(i) for i in shown_indicators}
qualifier_of = {q: t(f"sources.qualifier.{q}") for q in set(every["qualifier"].drop_nulls().to_list())}
category_of = {c: t("sources.other_short") if c == OTHER else _category_label(c) for c in present_categories}
unstated = t("compare.period_unstated")


def _what(r: dict) -> str:
    if r["indicator"]:
        return label_of[r["indicator"]]
    return r["subject"] if lg == "en" and r["subject"] else "—"


FACT_COLUMNS = ("fact", "locality", "indicator", "value", "unit", "qualifier", "evidence", "source", "category", "period")
shown = pl.DataFrame(
    [
        {
            heading["fact"]: r["fact_id"],
            heading["locality"]: names.locality(r["locality_id"]) if r["locality_id"] else r["locality"],
            heading["indicator"]: _what(r),
            heading["value"]: ufmt.qualified(r["value"], r["qualifier"], "%" if r["unit"] == "%" else None, lg),
            heading["unit"]: "" if r["unit"] == "%" else (r["unit"] or ""),
            heading["qualifier"]: qualifier_of[r["qualifier"]],
            heading["evidence"]: r["evidence"],
            heading["source"]: names.source_ref(r["source_id"]),
            heading["category"]: category_of[r["category"]],
            heading["period"]: r["period"] or unstated,
        }
        for r in chosen.iter_rows(named=True)
    ],
    schema={heading[c]: pl.String for c in FACT_COLUMNS},
)
if shown.is_empty():
    st.info(t("sources.no_facts"), icon=":material/filter_alt_off:")
else:
    tables.dataframe(
        shown, height=min(38 + 35 * shown.height, 460),
        column_config={
            heading["fact"]: st.column_config.TextColumn(width="small", pinned=True),
            heading["locality"]: st.column_config.TextColumn(width="small"),
            heading["indicator"]: st.column_config.TextColumn(width="medium"),
            heading["value"]: st.column_config.TextColumn(width="small", help=t("sources.value_help")),
            heading["unit"]: st.column_config.TextColumn(width=50),
            heading["qualifier"]: st.column_config.TextColumn(width=60),
            heading["evidence"]: st.column_config.TextColumn(width="large"),
            heading["source"]: st.column_config.TextColumn(width="medium"),
        },
    )
    downloads.buttons(shown, f"published_figures_{locality_id}_{category}_{indicator}", key="dl_facts")

# ---------------------------------------------------------------- conflicts, side by side
st.subheader(t("sources.conflicts_title"))
st.caption(t("sources.conflicts_intro"))
clash = conflicts(facts)
groups = [g for _, g in clash.group_by("conflict_id", maintain_order=True)
          if set(g["fact_id"].to_list()) & ids_in_view]
fact_loc = dict(every.select("fact_id", "locality_id").iter_rows())
if not groups:
    st.success(t("sources.no_conflicts"), icon=":material/check_circle:")
for g in groups:
    first = g.row(0, named=True)
    what = ind.label(first["indicator"]) if first["indicator"] else (first["subject"] or "")
    with st.container(border=True):
        st.markdown(t("sources.conflict_heading", place=names.locality(fact_loc.get(first["fact_id"]))
                      or first["locality"], what=what))
        cols = st.columns(g.height)
        for col, r in zip(cols, g.iter_rows(named=True), strict=True):
            with col:
                st.metric(
                    t("sources.conflict_source", source=r["source_id"], fact=r["fact_id"]),
                    ufmt.qualified(r["value"], r["qualifier"], r["unit"], lang()),
                )
                st.caption(names.source_ref(r["source_id"], with_id=False))
                st.markdown(f"> {r['evidence']}")
        st.caption(t("sources.conflict_note"))

# ---------------------------------------------------------------- claims against the rosters
st.subheader(t("sources.reconcile_title", place=place))
st.caption(t("sources.reconcile_intro"))
if checked.is_empty():
    st.info(t("sources.no_reconcile"), icon=":material/info:")
else:
    verdict_col = heading["verdict"]
    statistic_of = {x: t(f"sources.statistic.{x}") for x in set(checked["statistic"].to_list())}
    verdict_of = {x: t(f"sources.verdict.{x}") for x in set(checked["verdict"].to_list())}
    records = [
        {
            heading["fact"]: r["fact_id"],
            heading["locality"]: names.locality(r["locality_id"]),
            heading["indicator"]: label_of[r["indicator"]],
            heading["period"]: r["period"],
            heading["claimed"]: ind.published(r["indicator"], r["claimed"], r["qualifier"], with_unit=True),
            heading["roster"]: ind.value(r["indicator"], r["roster"]),
            heading["gap"]: ind.change(r["indicator"], r["gap"]) or "—",
            heading["statistic"]: statistic_of[r["statistic"]],
            verdict_col: verdict_of[r["verdict"]],
            heading["synthetic"]: bool(r["synthetic"]),
        }
        for r in checked.iter_rows(named=True)
    ]
    recon = pl.DataFrame(records)
    colour_of = {t(f"sources.verdict.{v}"): c for v, c in VERDICT_COLORS.items()}
    styled = pd.DataFrame.from_records(records).style.map(  # pandas from Python rows, not polars' to_pandas (ui/tables.py)
        lambda v: f"background-color: {colour_of.get(v, '')}; color: #1a1a1a" if v in colour_of else "",
        subset=[verdict_col],
    )
    st.dataframe(styled, hide_index=True, placeholder="—", height=min(38 + 35 * recon.height, 460), column_config={
        verdict_col: st.column_config.TextColumn(width="medium"),
        heading["indicator"]: st.column_config.TextColumn(width="medium"),
        heading["synthetic"]: st.column_config.CheckboxColumn(width="small"),
    })
    counts = checked["verdict"].value_counts().sort("verdict")
    colon = "：" if lang() == "zh" else ": "
    st.caption(" · ".join(f"{t(f'sources.verdict.{v}')}{colon}{n}" for v, n in counts.iter_rows()))
    downloads.buttons(recon, f"reconciliation_{locality_id}", key="dl_recon", synthetic=bool(checked["synthetic"].any()))
