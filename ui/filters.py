"""The shared sidebar filters (locality, district, period), bound to the URL so a link reproduces the view."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from queries.scope import tier_expr
from ui import urlstate
from ui.context import table
from ui.i18n import name_col, t

ALL = "all"
DEFAULT_LOCALITY = "450400"  # Wuzhou: the first city with both reports and a roster


@dataclass(frozen=True)
class Filters:
    locality_id: str | None     # a city or a county-level unit
    district_id: str | None     # a district inside a city, or None for the whole locality
    period: str | None
    level: str | None           # level of locality_id: city or district

    @property
    def scope_id(self) -> str | None:
        """The narrowest locality chosen."""
        return self.district_id or self.locality_id


def focus_localities() -> pl.DataFrame:
    """Cities and county-level units that have a roster or published figures, cities first."""
    loc = table("localities")
    if loc.is_empty():
        return loc
    rows = table("community_rows")
    facts = table("facts")
    ids: set[str] = set()
    if not rows.is_empty():
        # unique first: a national roster holds ~600k rows but a few hundred cities
        ids |= set(rows["city_id"].drop_nulls().unique().to_list())
    datasets = table("datasets")
    if not datasets.is_empty():
        ids |= set(datasets.filter(pl.col("status") == "active")["scope_id"].to_list())
    if not facts.is_empty():
        named = loc.join(
            facts.select(pl.col("locality").alias("name_zh"), tier_expr().alias("level")).unique(),
            on=["name_zh", "level"],
        )
        ids |= set(named["locality_id"].to_list())
    out = loc.filter(pl.col("locality_id").is_in(list(ids)) & pl.col("level").is_in(["city", "district"]))
    return out.sort(pl.col("level") != "city", "locality_id")


def _label_map(frame: pl.DataFrame) -> dict[str, str]:
    return dict(zip(frame["locality_id"].to_list(), frame[name_col()].to_list(), strict=True))


def sidebar_filters() -> Filters:
    """Draw the filters in the sidebar and keep the choice in st.session_state['filters']."""
    focus = focus_localities()
    if focus.is_empty():
        f = Filters(None, None, None, None)
        st.session_state["filters"] = f
        return f
    labels = _label_map(focus)
    options = list(labels)
    default = options.index(DEFAULT_LOCALITY) if DEFAULT_LOCALITY in options else 0
    loc_id = urlstate.selectbox(
        t("filter.locality"), options, default=options[default], format_func=labels.get, key="loc", container=st.sidebar
    )
    level = focus.filter(pl.col("locality_id") == loc_id)["level"].item()

    district_id = None
    if level == "city":
        loc = table("localities")
        districts = loc.filter((pl.col("parent_id") == loc_id) & (pl.col("level") == "district")).sort("locality_id")
        dlabels = {ALL: t("filter.all_districts"), **_label_map(districts)}
        chosen = urlstate.selectbox(
            t("filter.district"), list(dlabels), format_func=dlabels.get, key="district", container=st.sidebar
        )
        district_id = None if chosen == ALL else chosen

    rows = table("community_rows")
    periods: list[str] = []
    if not rows.is_empty():
        col = "city_id" if level == "city" else "district_id"
        periods = sorted(rows.filter(pl.col(col) == loc_id)["period"].unique().to_list(), reverse=True)
    period = None
    if periods:
        period = urlstate.selectbox(t("filter.period"), periods, key="period", container=st.sidebar)
    else:
        st.sidebar.caption(t("filter.no_roster"))
    f = Filters(loc_id, district_id, period, level)
    st.session_state["filters"] = f
    return f


def current() -> Filters:
    """The filters app.py drew for this run."""
    return st.session_state.get("filters") or Filters(None, None, None, None)
