"""Compare cities (researchers): the same normalised indicators side by side, published figures told apart. Layout only."""

from ui.shell import page_guard

page_guard()

import polars as pl
import streamlit as st

from queries.catalog import indicator_ids
from queries.compare import PART_SEP, SAME_SEP, beside_published, definitions, published, published_note, snapshot
from ui import charts, downloads, tables, urlstate
from ui import indicators as ind
from ui.context import table
from ui.filters import current, focus_localities
from ui.i18n import lang, t
from ui.names import Names
from ui.notices import synthetic_banner

DEFAULT_LOCALITIES = ("450400", "450800", "450481")  # 梧州市, 贵港市, 岑溪市 (journey 2)
DEFAULT_INDICATORS = ("fund_total_per_community", "compound_coverage")
CATEGORY_ORDER = ("coverage", "services", "funding", "workforce", "base")
VIEWS = ("bar", "ranking", "scatter")
POINTS = ("locality", "community")
SCATTER_X, SCATTER_Y = "fund_total_per_community", "compound_coverage"
MAX_INDICATORS = 8

st.title(t("compare.title"))
names = Names()  # display names, read once per run
st.caption(t("compare.intro"))

rows, facts, loc = table("community_rows"), table("facts"), table("localities")
focus = focus_localities()
if focus.is_empty():
    st.info(f"**{t('empty.title')}**\n\n{t('empty.body')}", icon=":material/database:")
    st.stop()

# ---------------------------------------------------------------- choices (all in the URL)
options = focus["locality_id"].to_list()
catalog_order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
indicator_options = sorted(indicator_ids(), key=lambda i: catalog_order.get(ind.category(i), len(CATEGORY_ORDER)))


def _indicator_label(indicator_id: str) -> str:
    return f"{t(f'compare.category.{ind.category(indicator_id)}')} · {ind.label(indicator_id)}"


c1, c2 = st.columns([2, 3])
with c1:
    chosen = urlstate.multiselect(
        t("compare.localities"), options, key="locs", default=DEFAULT_LOCALITIES, format_func=names.locality,
        placeholder=t("compare.pick_localities"),
    )
with c2:
    indicators = urlstate.multiselect(
        t("compare.indicators"), indicator_options, key="inds", default=DEFAULT_INDICATORS,
        format_func=_indicator_label, max_selections=MAX_INDICATORS, placeholder=t("compare.pick_indicators"),
        help=t("compare.indicators_help"),
    )
view = urlstate.segmented(
    t("compare.view"), list(VIEWS), key="view", default="bar", format_func=lambda v: t(f"compare.view.{v}")
)

f = current()
period_text = f.period or t("compare.latest")
st.caption(t("compare.period_note", period=period_text))

if not chosen:
    st.info(t("compare.pick_localities"), icon=":material/touch_app:")
    st.stop()

loc_names = {i: names.locality(i) for i in chosen}
basis_label = {
    "published": t("compare.basis.published"),
    "published_other": t("compare.basis.published_other"),
    "roster": t("compare.basis.roster"),
    "roster_synthetic": t("compare.basis.roster_synthetic"),
}
SERIES_COLORS = {
    basis_label["published"]: charts.PUBLISHED_COLOR,
    basis_label["published_other"]: charts.PUBLISHED_COLOR,
    basis_label["roster"]: charts.ROSTER_COLOR,
    basis_label["roster_synthetic"]: charts.ROSTER_COLOR,
}
SERIES_PATTERNS = {basis_label["published_other"]: "/"}

# ---------------------------------------------------------------- scatter view
if view == "scatter":
    points = urlstate.segmented(
        t("compare.points"), list(POINTS), key="points", default="locality", format_func=lambda v: t(f"compare.points.{v}")
    )
    per_community = points == "community"
    pairs = snapshot(rows.lazy(), chosen, loc, [SCATTER_X, SCATTER_Y], f.period, communities=per_community)
    pairs = pairs.sort(pl.col("locality_id").replace_strict({i: k for k, i in enumerate(chosen)}, default=len(chosen),
                                                            return_dtype=pl.Int32), maintain_order=True)
    synthetic_banner(pairs)
    if pairs.is_empty():
        st.info(t("compare.no_roster"), icon=":material/info:")
        st.stop()
    shown = pairs.select(
        pl.col("locality_id").replace_strict(loc_names, default=pl.col("locality_id")).alias("name"),
        *([names.community_expr().alias("community")]
          if per_community else []),
        "period", SCATTER_X, SCATTER_Y, "synthetic",
    )
    fig = charts.scatter(
        shown, x=SCATTER_X, y=SCATTER_Y, label="community" if per_community else "name",
        group="name" if per_community else None,
        x_title=f"{ind.label(SCATTER_X)}（{ind.unit(SCATTER_X)}）" if lang() == "zh" else
        f"{ind.label(SCATTER_X)} ({ind.unit(SCATTER_X)})",
        y_title=ind.label(SCATTER_Y),
        x_fmt=lambda v: ind.value(SCATTER_X, v), y_fmt=lambda v: ind.value(SCATTER_Y, v),
        title=t("compare.scatter_title", x=ind.label(SCATTER_X), y=ind.label(SCATTER_Y)), height=480,
    )
    # roster values: never the published figures' orange
    palette = [c for c in charts.CATEGORICAL if c != charts.PUBLISHED_COLOR]
    palette.remove(charts.ROSTER_COLOR)
    for i, trace in enumerate(fig.data):
        trace.marker.color = ([charts.ROSTER_COLOR, *palette])[i % (len(palette) + 1)]
    if not per_community:
        # names above and below in turn (by x), so close neighbours do not print over each other
        xs = shown[SCATTER_X].to_list()
        rank = {j: k for k, j in enumerate(sorted(range(len(xs)), key=lambda j: (xs[j] is None, xs[j] or 0)))}
        fig.update_traces(mode="markers+text",
                          textposition=["top center" if rank[j] % 2 == 0 else "bottom center" for j in range(len(xs))])
    charts.value_axis(fig, shown[SCATTER_X].to_list(), lambda v: ind.value(SCATTER_X, v), axis="x",
                      include_zero=False)
    charts.value_axis(fig, [*shown[SCATTER_Y].to_list(), 1.0], lambda v: ind.value(SCATTER_Y, v), axis="y",
                      fixed_range=True)
    st.plotly_chart(fig, config={"displayModeBar": False})
    st.caption(t("compare.scatter_note"))
    out = shown.rename({
        "name": t("compare.col.locality"), **({"community": t("compare.col.community")} if per_community else {}),
        "period": t("compare.col.period"), SCATTER_X: ind.label(SCATTER_X), SCATTER_Y: ind.label(SCATTER_Y),
        "synthetic": t("compare.col.synthetic"),
    })
    tables.dataframe(out, column_config={
        ind.label(SCATTER_X): st.column_config.NumberColumn(format="localized"),
        ind.label(SCATTER_Y): st.column_config.NumberColumn(format="percent"),
    })
    downloads.buttons(out, f"compare_scatter_{'_'.join(chosen)}", key="dl_scatter",
                      synthetic=bool(pairs["synthetic"].any()))
    st.stop()

# ---------------------------------------------------------------- bar and ranking views
if not indicators:
    st.info(t("compare.pick_indicators"), icon=":material/touch_app:")
    st.stop()

both = beside_published(
    rows.lazy(), facts, loc, chosen, indicators, lang(), period=f.period, latest=f.period is None, parts=True,
    merge=True,
)
synthetic_banner(both)
part_values = {r["fact_id"]: r["value"] for r in published(facts, loc, chosen).iter_rows(named=True)}
fact_rows = {r["fact_id"]: r for r in facts.iter_rows(named=True)}


def _parts(fact_id: str | None) -> list[float] | None:
    if not fact_id or PART_SEP not in fact_id:
        return None
    return [part_values[i] for i in fact_id.split(PART_SEP) if i in part_values]


def _fact_ids(fact_id: str | None) -> list[str]:
    return [] if not fact_id else [i for same in fact_id.split(SAME_SEP) for i in same.split(PART_SEP)]


list_sep, item_sep = ("、", "；") if lang() == "zh" else (", ", "; ")
records = []
seen_published: dict[tuple[str, str], int] = {}
for r in both.iter_rows(named=True):
    if r["basis"] == "published":
        n = seen_published.get((r["locality_id"], r["indicator"]), 0)
        seen_published[(r["locality_id"], r["indicator"])] = n + 1
        series = basis_label["published" if n == 0 else "published_other"]
        text = ind.published(r["indicator"], r["value"], r["qualifier"], parts=_parts(r["fact_id"]))
        source_ids = list(dict.fromkeys(s for part in r["source_id"].split(SAME_SEP) for s in part.split(PART_SEP)))
        sources = list_sep.join(source_ids)
        source_text = item_sep.join(names.source_ref(s) for s in source_ids)
        evidence = item_sep.join(fact_rows[i]["evidence"] for i in _fact_ids(r["fact_id"]) if i in fact_rows)
        own = {fact_rows[i]["indicator"] for i in _fact_ids(r["fact_id"]) if i in fact_rows}
        note = r["note"] + (" " + t("compare.parts_note") if own and own != {r["indicator"]} else "")
    else:
        series = basis_label["roster_synthetic" if r["synthetic"] else "roster"]
        text = ind.value(r["indicator"], r["value"])
        source_text = t("compare.roster_source_synthetic") if r["synthetic"] else t("compare.roster_source")
        evidence, note = "", ""
    records.append({
        "locality_id": r["locality_id"], "indicator": r["indicator"], "basis": r["basis"],
        "_order": (chosen.index(r["locality_id"]), indicators.index(r["indicator"]), r["basis"] != "published"),
        "_label": loc_names.get(r["locality_id"], r["locality_id"])
        + (f" · {sources}" if r["basis"] == "published" else ""),
        t("compare.col.locality"): loc_names.get(r["locality_id"], r["locality_id"]),
        t("compare.col.indicator"): ind.label(r["indicator"]),
        t("compare.col.basis"): series,
        t("compare.col.period"): r["period"] or t("compare.period_unstated"),
        t("compare.col.shown"): text,
        t("compare.col.value"): r["value"],
        t("compare.col.qualifier"): t(f"sources.qualifier.{r['qualifier']}"),
        t("compare.col.source"): source_text,
        t("compare.col.evidence"): evidence,
        t("compare.col.note"): note,
        t("compare.col.synthetic"): bool(r["synthetic"]),
    })
records.sort(key=lambda rec: rec["_order"])  # the order the reader chose: localities, then indicators
shown_all = pl.DataFrame([{k: v for k, v in rec.items() if k != "_order"} for rec in records],
                         infer_schema_length=None) if records else pl.DataFrame()

if shown_all.is_empty():
    st.info(t("compare.no_data"), icon=":material/info:")
    st.stop()

if shown_all.filter(pl.col("basis") == "published").height:
    st.warning(published_note(lang()), icon=":material/rule:")

col_loc, col_series, col_text = t("compare.col.locality"), t("compare.col.basis"), t("compare.col.shown")
order = [loc_names[i] for i in chosen]
chart_cols = st.columns(2) if len(indicators) > 1 else [st.container()]
for i, indicator_id in enumerate(indicators):
    frame = shown_all.filter(pl.col("indicator") == indicator_id).sort(pl.col("basis") != "published",
                                                                       maintain_order=True)
    title = f"{ind.label(indicator_id)}（{ind.unit(indicator_id)}）" if lang() == "zh" else \
        f"{ind.label(indicator_id)} ({ind.unit(indicator_id)})"
    with chart_cols[i % len(chart_cols)]:
        if frame.is_empty():
            st.markdown(f"**{title}**")
            st.caption(t("compare.no_values"))
            continue
        value_col = t("compare.col.value")
        if view == "ranking":
            fig = charts.ranking(frame, label="_label", value=value_col, text=col_text, color=col_series,
                                 series_colors=SERIES_COLORS, fmt=lambda v, k=indicator_id: ind.value(k, v),
                                 title=title)
            charts.value_axis(fig, frame[value_col].to_list(), lambda v, k=indicator_id: ind.value(k, v), axis="x",
                              fixed_range=True)  # room right of the longest bar for its label
        else:
            fig = charts.bar(frame, x=col_loc, y=value_col, color=col_series, text=col_text,
                             fmt=lambda v, k=indicator_id: ind.value(k, v), title=title,
                             series_colors=SERIES_COLORS, series_patterns=SERIES_PATTERNS, x_order=order)
            charts.value_axis(fig, frame[value_col].to_list(), lambda v, k=indicator_id: ind.value(k, v))
        fig.update_layout(margin={"t": 90}, legend={"y": 1.04})
        st.plotly_chart(fig, config={"displayModeBar": False}, key=f"chart_{indicator_id}")

# ---------------------------------------------------------------- definitions and caveats
with st.expander(t("compare.definitions"), icon=":material/menu_book:"):
    published_ids = set(shown_all.filter(pl.col("basis") == "published")["indicator"].to_list())
    for d in definitions(indicators, lang()).iter_rows(named=True):
        st.markdown(f"**{d['name']}**（{d['unit']}）：{d['definition']}" if lang() == "zh"
                    else f"**{d['name']}** ({d['unit']}): {d['definition']}")
        st.caption(f"{t('common.formula')}: `{d['formula']}`")
        if d["indicator"] in published_ids:
            st.caption(t("compare.caveat", note=published_note(lang())))

# ---------------------------------------------------------------- the table shown, and its download
st.subheader(t("compare.table"))
out = shown_all.drop("locality_id", "indicator", "basis", "_label")
tables.dataframe(out, column_config={
    t("compare.col.value"): st.column_config.NumberColumn(format="localized", help=t("compare.col.value_help")),
})
downloads.buttons(out, f"compare_{'_'.join(chosen)}", key="dl_compare",
                  synthetic=bool(shown_all[t("compare.col.synthetic")].any()))
