"""The shared sidebar filters (locality, district, period), bound to the URL so a link reproduces the view."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl
import streamlit as st

from ui import urlstate
from ui.cache import shared
from ui.context import table
from ui.i18n import lang, t
from ui.names import Names
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
    _say_what_the_link_asked_for(opts, f)
    return f


def _say_what_the_link_asked_for(opts: common.FilterOptions, f: Filters) -> None:
    """A link that asks for a place or period this store cannot show opens another view: say which, on
    the page itself, so nobody quotes 梧州市's figures believing they are 咸阳市's."""
    asked_loc, asked_period = urlstate.refused("loc"), urlstate.refused("period")
    shown = opts.labels.get(f.locality_id or "", "")
    if asked_loc:
        known = Names().localities.get(asked_loc)  # the whole reference list: any city or county of China
        if known:
            st.warning(t("filter.asked_no_data", asked=known, shown=shown), icon=":material/travel_explore:")
        else:
            st.warning(t("filter.asked_unknown", asked=_plain(asked_loc), shown=shown), icon=":material/travel_explore:")
    elif asked_period and f.period:
        st.warning(t("filter.asked_period", asked=_plain(asked_period), place=shown, shown=f.period),
                   icon=":material/event_busy:")


def _plain(raw: str) -> str:
    """A code from the URL as shown back: letters and digits only, short (st.warning renders Markdown)."""
    return re.sub(r"[^0-9A-Za-z]", "", raw)[:12] or "?"


def current() -> Filters:
    """The filters app.py drew for this run."""
    return st.session_state.get("filters") or Filters(None, None, None, None)
