"""The shared sidebar filters (locality, district, period), bound to the URL so a link reproduces the view."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from ui import urlstate
from ui.cache import shared
from ui.context import table
from ui.i18n import lang, t
from views import common

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


def tables() -> dict[str, pl.DataFrame]:
    """The store's tables a view-model is built from (shared frames: never change them in place)."""
    return {name: table(name) for name in ("localities", "sources", "facts", "datasets", "community_rows")}


def focus_localities() -> pl.DataFrame:
    """Cities and county-level units that have a roster or published figures, cities first."""
    return shared("focus", (), lambda: common.focus_localities(tables()))


def options() -> common.FilterOptions:
    code = lang()
    return shared("filters", (code,), lambda: common.filter_options(tables(), code))


def sidebar_filters() -> Filters:
    """Draw the filters in the sidebar and keep the choice in st.session_state['filters']."""
    opts = options()
    if not opts.labels:
        f = Filters(None, None, None, None)
        st.session_state["filters"] = f
        return f
    ids = list(opts.labels)
    default = DEFAULT_LOCALITY if DEFAULT_LOCALITY in opts.labels else ids[0]
    loc_id = urlstate.selectbox(
        t("filter.locality"), ids, default=default, format_func=opts.labels.get, key="loc", container=st.sidebar
    )
    level = opts.levels[loc_id]

    district_id = None
    if level == "city":
        dlabels = {ALL: t("filter.all_districts"), **opts.districts.get(loc_id, {})}
        chosen = urlstate.selectbox(
            t("filter.district"), list(dlabels), format_func=dlabels.get, key="district", container=st.sidebar
        )
        district_id = None if chosen == ALL else chosen

    periods = opts.periods.get(loc_id, [])
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
