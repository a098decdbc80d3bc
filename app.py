"""Entry point: navigation, language switch and the shared sidebar filters."""

import streamlit as st

from ui.filters import sidebar_filters
from ui.i18n import language_switch, t
from ui.shell import running_shell

st.set_page_config(page_title="党建引领基层治理 · Grassroots governance", page_icon=":material/account_balance:", layout="wide")

language_switch()

PAGES = {
    t("nav.section.view"): [
        st.Page("pages/overview.py", title=t("nav.overview"), icon=":material/dashboard:", default=True),
    ],
    t("nav.section.admin"): [
        st.Page("pages/data_import.py", title=t("nav.import"), icon=":material/upload_file:", url_path="data_import"),
    ],
}
page = st.navigation(PAGES)
sidebar_filters()
with running_shell():
    page.run()
