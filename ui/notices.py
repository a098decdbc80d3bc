"""Notices every page shows where they apply: synthetic sample data."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ui.i18n import t


def synthetic_banner(rows: pl.DataFrame) -> bool:
    """Say so, visibly, when any row shown is synthetic sample data; returns whether it did."""
    if rows.is_empty() or "synthetic" not in rows.columns or not rows["synthetic"].any():
        return False
    st.warning(t("common.synthetic_banner"), icon=":material/science:")
    return True
