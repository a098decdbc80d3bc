"""Overview for leadership: the chosen locality at a glance, every figure one click from its source. Layout only."""

from ui.shell import page_guard

page_guard()

import polars as pl
import streamlit as st

from queries.compare import PART_SEP, published, published_note, snapshot
from queries.coverage import RATES, below_threshold
from queries.kpis import KPIS, kpis, lagging
from queries.scope import in_scope
from ui import charts, downloads, tables, urlstate
from ui import fmt as ufmt
from ui import indicators as ind
from ui.context import table
from ui.filters import current, focus_localities
from ui.district_map import city_id_of, district_map, legend_html
from ui.i18n import lang, name_col, t
from ui.maps import china_overview, legend, locality_point, source_note
from ui.names import Names
from ui.notices import synthetic_banner

MAP_INDICATOR = "compound_coverage"
CARDS_PER_ROW = 4

st.title(t("overview.title"))
names = Names()  # display names, read once per run

facts, datasets, rows, loc = table("facts"), table("datasets"), table("community_rows"), table("localities")
if facts.is_empty() and datasets.is_empty():
    st.info(f"**{t('empty.title')}**\n\n{t('empty.body')}", icon=":material/database:")
    st.stop()

f = current()
if f.scope_id is None:
    st.info(t("overview.no_locality"), icon=":material/location_off:")
    st.stop()

place = names.locality(f.scope_id)
st.caption(t("overview.subtitle", place=place, period=f.period or t("overview.no_period")))

card_values = kpis(rows.lazy(), f.scope_id, loc, f.period) if not rows.is_empty() else pl.DataFrame()
synthetic_banner(card_values)

# ---------------------------------------------------------------- published figures beside the cards
shown_published = published(facts, loc, [f.scope_id], KPIS, parts=True)
fact_rows = {r["fact_id"]: r for r in facts.iter_rows(named=True)}
catalog_values = {r["fact_id"]: r["value"] for r in published(facts, loc, [f.scope_id]).iter_rows(named=True)}
titles = names.titles


def _parts(fact_id: str) -> list[float] | None:
    ids = fact_id.split(PART_SEP)
    return [catalog_values[i] for i in ids if i in catalog_values] if len(ids) > 1 else None


def _from_parts(indicator_id: str, fact_id: str) -> bool:
    """A total the report does not state, added up from the kinds of funds it does state."""
    return any(fact_rows[i]["indicator"] != indicator_id for i in fact_id.split(PART_SEP) if i in fact_rows)


def _published_line(indicator_id: str, frame: pl.DataFrame) -> str:
    """公开报道：100%（S000、S002）; figures that differ are listed one after another; a total
    added up from the kinds of funds a report names says so (≥10万+5万 元（S000，仅分项之和）)."""
    groups: dict[tuple[str, bool], list[str]] = {}
    for r in frame.iter_rows(named=True):
        text = ind.published(indicator_id, r["value"], r["qualifier"], parts=_parts(r["fact_id"]), with_unit=True)
        srcs = groups.setdefault((text, _from_parts(indicator_id, r["fact_id"])), [])
        for s in r["source_id"].split(PART_SEP):
            if s not in srcs:
                srcs.append(s)
    sep, item_sep, (open_, close) = ("、", "；", "（）") if lang() == "zh" else (", ", "; ", (" (", ")"))
    body = item_sep.join(
        f"{text}{open_}{sep.join(srcs)}{t('overview.parts_only') if parts else ''}{close}"
        for (text, parts), srcs in groups.items()
    )
    return t("overview.published_line", figures=body)


def _source_popover(indicator_id: str, frame: pl.DataFrame, key: str) -> None:
    with st.popover(t("common.source"), icon=":material/menu_book:", key=key):
        st.markdown(f"**{ind.label(indicator_id)}**")
        for r in frame.iter_rows(named=True):
            st.markdown(
                t("overview.popover_figure", figure=ind.published(
                    indicator_id, r["value"], r["qualifier"], parts=_parts(r["fact_id"]), with_unit=True
                ))
            )
            for fact_id in r["fact_id"].split(PART_SEP):
                fact = fact_rows.get(fact_id)
                if fact is None:
                    continue
                shown = ufmt.qualified(fact["value"], fact["qualifier"], fact["unit"], lang())
                st.markdown(f"> {fact['evidence']}")
                st.caption(
                    t(
                        "overview.popover_source",
                        title=titles.get(fact["source_id"], fact["source_id"]),
                        source=fact["source_id"],
                        fact=fact_id,
                        value=shown,
                        qualifier=t(f"sources.qualifier.{fact['qualifier']}"),
                    )
                )
        if any(_from_parts(indicator_id, r["fact_id"]) for r in frame.iter_rows(named=True)):
            st.caption(t("overview.parts_note"))
        st.caption(published_note(lang()))


# ---------------------------------------------------------------- KPI cards
st.subheader(t("overview.kpis"))
if card_values.is_empty():
    st.info(t("overview.no_roster", place=place), icon=":material/info:")
    if not shown_published.is_empty():
        cols = st.columns(CARDS_PER_ROW)
        for i, indicator_id in enumerate(shown_published["indicator"].unique(maintain_order=True).to_list()):
            frame = shown_published.filter(pl.col("indicator") == indicator_id)
            with cols[i % CARDS_PER_ROW]:
                st.metric(ind.label(indicator_id), ind.published(
                    indicator_id, frame["value"][0], frame["qualifier"][0], parts=_parts(frame["fact_id"][0])
                ), help=ind.help_text(indicator_id), border=True)
                _source_popover(indicator_id, frame, key=f"src_only_{indicator_id}")
else:
    prev = card_values["prev_period"][0]
    st.caption(t("overview.change_note", prev=prev) if prev else t("overview.no_prev"))
    table_rows = []
    rows_of_cards = [KPIS[i:i + CARDS_PER_ROW] for i in range(0, len(KPIS), CARDS_PER_ROW)]
    by_id = {r["indicator"]: r for r in card_values.iter_rows(named=True)}
    for chunk in rows_of_cards:
        cols = st.columns(CARDS_PER_ROW)
        for col, indicator_id in zip(cols, chunk, strict=False):
            r = by_id[indicator_id]
            with col:
                st.metric(
                    ind.label(indicator_id),
                    ind.value(indicator_id, r["value"]),
                    delta=ind.change(indicator_id, r["value_change"]),
                    delta_color=ind.delta_color(indicator_id),
                    help=ind.help_text(indicator_id),
                    border=True,
                )
                frame = shown_published.filter(pl.col("indicator") == indicator_id)
                if frame.is_empty():
                    st.caption(t("overview.no_published"))
                    line = ""
                else:
                    line = _published_line(indicator_id, frame)
                    st.caption(line)
                    _source_popover(indicator_id, frame, key=f"src_{indicator_id}")
            table_rows.append({
                t("overview.col.indicator"): ind.label(indicator_id),
                t("overview.col.period"): r["period"],
                t("overview.col.value"): ind.value(indicator_id, r["value"]),
                t("overview.col.change"): ind.change(indicator_id, r["value_change"]) or "",
                t("overview.col.published"): line,
                t("overview.col.synthetic"): r["synthetic"],
            })
    downloads.buttons(pl.DataFrame(table_rows), f"kpis_{f.scope_id}_{f.period}", key="dl_kpis",
                      synthetic=bool(card_values["synthetic"].any()))

# ---------------------------------------------------------------- map and where it lags
left, right = st.columns(2, gap="large")
with left:
    st.subheader(t("overview.map_title", indicator=ind.label(MAP_INDICATOR)))
    focus = focus_localities()
    ids = focus["locality_id"].to_list() if not focus.is_empty() else []
    values = snapshot(rows.lazy(), ids, loc, [MAP_INDICATOR], f.period) if ids and not rows.is_empty() else None
    by_loc = {} if values is None else dict(values.select("locality_id", MAP_INDICATOR).iter_rows())
    adcodes = dict(loc.select("locality_id", "adcode").iter_rows())
    points = []
    for loc_id in ids:
        lon_lat = locality_point(adcodes.get(loc_id))
        if lon_lat is None:
            continue
        v = by_loc.get(loc_id)
        points.append({"name": names.locality(loc_id), "lon": lon_lat[0], "lat": lon_lat[1],
                       "value": None if v is None else ind.value(MAP_INDICATOR, v)})
    # fitted to the half-width column of a wide layout, so the whole outline and every name shows
    st.pydeck_chart(china_overview(points, value_label=ind.label(MAP_INDICATOR), lang=lang(), width=480, height=430),
                    height=430)
    st.caption(t("overview.map_caption", period=f.period or t("overview.latest")) + " " + source_note(lang()))

with right:
    st.subheader(t("overview.lag_title"))
    lag_ind = urlstate.selectbox(
        t("overview.lag_indicator"), list(RATES), key="lag", format_func=ind.label, default=RATES[0]
    )
    if card_values.is_empty():
        st.info(t("overview.no_roster", place=place), icon=":material/info:")
        lag_comm = lag_area = pl.DataFrame()
    else:
        scoped = in_scope(rows.lazy(), f.scope_id, loc)
        area_level = "street" if (f.level == "district" or f.district_id) else "district"
        period = card_values["period"][0]
        lag_area = lagging(scoped, area_level, lag_ind, n=10, period=period)
        lag_comm = lagging(scoped, "community", lag_ind, n=10, period=period)
        if lag_comm.is_empty() and lag_area.is_empty():
            st.success(t("overview.no_lag", indicator=ind.label(lag_ind)), icon=":material/check_circle:")
        else:
            chart = pl.DataFrame({
                "label": [t("overview.community_in", community=names.community(d, c), district=names.locality(d))
                          for d, c in lag_comm.select("district_id", "community").iter_rows()],
                lag_ind: lag_comm[lag_ind],
            })
            fig = charts.ranking(chart, label="label", value=lag_ind, ascending=True,
                                 fmt=lambda v: ind.value(lag_ind, v),
                                 title=t("overview.lag_chart", indicator=ind.label(lag_ind)))
            charts.value_axis(fig, [0.0, 1.0], lambda v: ind.value(lag_ind, v), axis="x", fixed_range=True)
            fig.add_vline(x=1.0, line_dash="dash", line_color="#555555",
                          annotation_text=t("overview.target"), annotation_position="top left")
            st.plotly_chart(fig, config={"displayModeBar": False})
        # the map a leader looks at first: which district of the city is behind on this indicator
        city_id = city_id_of(loc, f.locality_id, f.level)
        lag_map = district_map(
            rows, loc, city_id, lag_ind, period, fmt=lambda v: ind.value(lag_ind, v), value_label=ind.label(lag_ind),
            name_key=name_col(), lang=lang(), highlight_id=f.district_id or (f.locality_id if f.level == "district" else None),
            height=360,
        )
        if lag_map.deck is not None:
            st.markdown(f"**{t('overview.lag_map', city=names.locality(city_id), indicator=ind.label(lag_ind))}**")
            st.pydeck_chart(lag_map.deck, height=360)
            items = legend(lag_map.values_by_adcode, lambda v: ind.value(lag_ind, v), lang=lang())
            st.markdown(legend_html(items, inline=True), unsafe_allow_html=True)

if not card_values.is_empty() and not (lag_comm.is_empty() and lag_area.is_empty()):
    gap_col = f"{lag_ind}_gap"
    tab_area, tab_comm = st.tabs([
        t("overview.tab_streets") if "street" in lag_area.columns else t("overview.tab_districts"),
        t("overview.tab_communities"),
    ])
    with tab_area:
        area = lag_area.select(
            names.locality_expr("district_id")
            .alias(t("overview.col.district")),
            *([pl.col("street").alias(t("overview.col.street"))] if "street" in lag_area.columns else []),
        ).with_columns(
            pl.Series(ind.label(lag_ind), [ind.value(lag_ind, v) for v in lag_area[lag_ind]], pl.String),
            pl.Series(t("overview.col.gap"), [ind.change(lag_ind, -v) for v in lag_area[gap_col]], pl.String),
        )
        if area.is_empty():
            st.caption(t("overview.no_lag", indicator=ind.label(lag_ind)))
        else:
            tables.dataframe(area)
            downloads.buttons(area, f"lagging_areas_{f.scope_id}", key="dl_lag_area", synthetic=True)
    with tab_comm:
        below = below_threshold(in_scope(rows.lazy(), f.scope_id, loc), lag_ind, 1.0, card_values["period"][0])
        comm = below.select(
            names.locality_expr("district_id")
            .alias(t("overview.col.district")),
            pl.col("street").alias(t("overview.col.street")),
            names.community_expr().alias(t("overview.col.community")),
            pl.col(lag_ind).alias(ind.label(lag_ind)),
        )
        tables.dataframe(comm,
                         column_config={ind.label(lag_ind): st.column_config.NumberColumn(format="percent")})
        downloads.buttons(comm, f"below_target_{f.scope_id}", key="dl_lag_comm", synthetic=True)
