"""Entry point: navigation, language switch and the shared sidebar filters."""

import streamlit as st

from store.access import Permission
from ui.auth import gate, nav_position, page_visibility
from ui.filters import sidebar_filters
from ui.i18n import language_switch, t
from ui.shell import PAGE_ICON, running_shell, sidebar_state

# The icon is a file served by the app itself: a ":material/…" page icon makes the browser fetch
# the favicon from fonts.gstatic.com (nav and element icons use the font Streamlit bundles).
st.set_page_config(page_title="党建引领基层治理 · Grassroots governance", page_icon=PAGE_ICON, layout="wide",
                   initial_sidebar_state=sidebar_state())

language_switch()

PAGES = {
    t("nav.section.view"): [
        st.Page("pages/overview.py", title=t("nav.overview"), icon=":material/dashboard:", default=True),
        st.Page("pages/compare.py", title=t("nav.compare"), icon=":material/compare_arrows:", url_path="compare"),
        st.Page("pages/district.py", title=t("nav.district"), icon=":material/map:", url_path="district"),
        st.Page("pages/sources.py", title=t("nav.sources"), icon=":material/menu_book:", url_path="sources"),
        st.Page("pages/present.py", title=t("nav.present"), icon=":material/slideshow:", url_path="present"),
    ],
    t("nav.section.admin"): [
        st.Page("pages/data_import.py", title=t("nav.import"), icon=":material/upload_file:", url_path="data_import",
                visibility=page_visibility(Permission.IMPORT)),  # not listed for other roles; refused by the page itself
        st.Page("pages/report_intake.py", title=t("nav.intake"), icon=":material/post_add:", url_path="report_intake",
                visibility=page_visibility(Permission.PUBLISH)),
    ],
}
page = st.navigation(PAGES, position=nav_position())  # hidden until someone is signed in
gate()  # log-in and role gate: stops here until someone is signed in; notes single-user mode
sidebar_filters()
with running_shell():
    page.run()
