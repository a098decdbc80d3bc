"""Notices every page shows where they apply: synthetic sample data."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ui.i18n import t


def synthetic_banner(rows: pl.DataFrame | bool) -> bool:
    """Say so, visibly, when any row shown is synthetic sample data (a view-model's flag, or a frame
    with a synthetic column); returns whether it did."""
    if isinstance(rows, bool):
        if not rows:
            return False
    elif rows.is_empty() or "synthetic" not in rows.columns or not rows["synthetic"].any():
        return False
    st.warning(t("common.synthetic_banner"), icon=":material/science:")
    return True
