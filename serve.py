"""Serves the dashboard: Streamlit's server running app.py, plus the routes that set the sign-in cookie.

Run it as `streamlit run serve.py` (Streamlit finds the st.App below and serves app.py through it). The
routes live on Streamlit's own server (ui/auth_routes.py): a sign-in then survives reloads and new tabs
for GOV_SESSION_HOURS. `streamlit run app.py` still works; a sign-in then lasts for its tab only.
"""

import streamlit as st

from ui.auth_routes import routes
from ui.shell import navigation_only

navigation_only()  # a deep link (/present) runs app.py from the first session on, never pages/present.py alone
app = st.App("app.py", routes=routes())
