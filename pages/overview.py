"""Overview for leadership: what the chosen locality looks like at a glance."""

import streamlit as st

from ui.shell import page_guard

page_guard()

from ui.context import table
from ui.filters import current
from ui.i18n import t

st.title(t("overview.title"))

facts, datasets, rows = table("facts"), table("datasets"), table("community_rows")
if facts.is_empty() and datasets.is_empty():
    st.info(f"**{t('empty.title')}**\n\n{t('empty.body')}")
    st.stop()

st.subheader(t("overview.store_summary"))
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("overview.localities"), table("localities").height)
c2.metric(t("overview.facts"), facts.height)
c3.metric(t("overview.datasets"), datasets.height)
c4.metric(t("overview.communities"), rows.height)
