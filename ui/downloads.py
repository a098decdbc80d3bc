"""Download buttons that give exactly what a chart or table shows, as CSV (UTF-8 BOM) and XLSX."""

from __future__ import annotations

import polars as pl
import streamlit as st

from store.export import to_csv_bytes, to_xlsx_bytes
from ui.i18n import t


def buttons(df: pl.DataFrame, name: str, *, key: str, synthetic: bool = False) -> None:
    """Two buttons side by side; the files are built only when clicked."""
    stem = f"{name}{'_synthetic' if synthetic else ''}"
    # a horizontal row of content-width buttons: labels are never cut off, in either language
    row = st.container(horizontal=True, gap="small")
    row.download_button(
        t("common.download_csv"), data=lambda: to_csv_bytes(df), file_name=f"{stem}.csv",
        mime="text/csv", key=f"{key}_csv", icon=":material/download:", on_click="ignore",
    )
    row.download_button(
        t("common.download_xlsx"), data=lambda: to_xlsx_bytes(df, name[:31]), file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx", icon=":material/table_view:", on_click="ignore",
    )
