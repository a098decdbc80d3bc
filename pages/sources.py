"""Sources and evidence: every published figure with its qualifier and document, conflicts side by side,
claims set against the rosters. Layout only."""

from ui.shell import page_guard

page_guard()

import polars as pl
import streamlit as st

from queries.conflicts import conflicts
from queries.evidence import OTHER, facts_table
from queries.reconcile import reconcile
from ui import downloads, urlstate
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


def _what(r: dict) -> str:
    if r["indicator"]:
        return ind.label(r["indicator"])
    return r["subject"] if lang() == "en" and r["subject"] else "—"


COLUMNS = ("fact", "locality", "indicator", "value", "unit", "qualifier", "evidence", "source", "category", "period")
shown = pl.DataFrame(
    [
        {
            t("sources.col.fact"): r["fact_id"],
            t("sources.col.locality"): names.locality(r["locality_id"]) if r["locality_id"] else r["locality"],
            t("sources.col.indicator"): _what(r),
            t("sources.col.value"): ufmt.qualified(r["value"], r["qualifier"], "%" if r["unit"] == "%" else None, lang()),
            t("sources.col.unit"): "" if r["unit"] == "%" else (r["unit"] or ""),
            t("sources.col.qualifier"): t(f"sources.qualifier.{r['qualifier']}"),
            t("sources.col.evidence"): r["evidence"],
            t("sources.col.source"): names.source_ref(r["source_id"]),
            t("sources.col.category"): t("sources.other_short") if r["category"] == OTHER
            else _category_label(r["category"]),
            t("sources.col.period"): r["period"] or t("compare.period_unstated"),
        }
        for r in chosen.iter_rows(named=True)
    ],
    schema={t(f"sources.col.{c}"): pl.String for c in COLUMNS},
)
if shown.is_empty():
    st.info(t("sources.no_facts"), icon=":material/filter_alt_off:")
else:
    st.dataframe(
        shown, hide_index=True, height=min(38 + 35 * shown.height, 460),
        column_config={
            t("sources.col.fact"): st.column_config.TextColumn(width="small", pinned=True),
            t("sources.col.locality"): st.column_config.TextColumn(width="small"),
            t("sources.col.indicator"): st.column_config.TextColumn(width="medium"),
            t("sources.col.value"): st.column_config.TextColumn(width="small", help=t("sources.value_help")),
            t("sources.col.unit"): st.column_config.TextColumn(width=50),
            t("sources.col.qualifier"): st.column_config.TextColumn(width=60),
            t("sources.col.evidence"): st.column_config.TextColumn(width="large"),
            t("sources.col.source"): st.column_config.TextColumn(width="medium"),
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
    verdict_col = t("sources.col.verdict")
    recon = pl.DataFrame([
        {
            t("sources.col.fact"): r["fact_id"],
            t("sources.col.locality"): names.locality(r["locality_id"]),
            t("sources.col.indicator"): ind.label(r["indicator"]),
            t("sources.col.period"): r["period"],
            t("sources.col.claimed"): ind.published(r["indicator"], r["claimed"], r["qualifier"], with_unit=True),
            t("sources.col.roster"): ind.value(r["indicator"], r["roster"]),
            t("sources.col.gap"): ind.change(r["indicator"], r["gap"]) or "—",
            t("sources.col.statistic"): t(f"sources.statistic.{r['statistic']}"),
            verdict_col: t(f"sources.verdict.{r['verdict']}"),
            t("sources.col.synthetic"): bool(r["synthetic"]),
        }
        for r in checked.iter_rows(named=True)
    ])
    colour_of = {t(f"sources.verdict.{v}"): c for v, c in VERDICT_COLORS.items()}
    styled = recon.to_pandas().style.map(
        lambda v: f"background-color: {colour_of.get(v, '')}; color: #1a1a1a" if v in colour_of else "",
        subset=[verdict_col],
    )
    st.dataframe(styled, hide_index=True, height=min(38 + 35 * recon.height, 460), column_config={
        verdict_col: st.column_config.TextColumn(width="medium"),
        t("sources.col.indicator"): st.column_config.TextColumn(width="medium"),
        t("sources.col.synthetic"): st.column_config.CheckboxColumn(width="small"),
    })
    counts = checked["verdict"].value_counts().sort("verdict")
    colon = "：" if lang() == "zh" else ": "
    st.caption(" · ".join(f"{t(f'sources.verdict.{v}')}{colon}{n}" for v, n in counts.iter_rows()))
    downloads.buttons(recon, f"reconciliation_{locality_id}", key="dl_recon", synthetic=bool(checked["synthetic"].any()))
