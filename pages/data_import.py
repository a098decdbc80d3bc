"""Data import (administrators): upload, validate without writing, confirm, then history with rollback. Layout only."""

from __future__ import annotations

import hashlib

import polars as pl
import streamlit as st

from store.access import Permission
from store.backup import backup_bytes
from store.db import StoreError
from store.importer import already_imported, import_bytes, rollback_dataset, validate_bytes
from ui import urlstate
from ui.auth import require_permission, sign_in_log
from ui.context import get_db, invalidate, table
from ui.i18n import lang as current_lang
from ui.i18n import t

_STATE = "import_validation"  # (key, Validation, bytes) of the current upload, kept across reruns
_FLASH = "import_flash"  # (kind, message) shown once after a write


def _history() -> pl.DataFrame:
    frame = table("datasets")
    if frame.height == 0:
        return frame
    names = dict(table("localities").select("locality_id", "name_zh").iter_rows())
    status = {s: t(f"import.ui.status.{s}") for s in ("active", "superseded", "rolled_back")}
    return frame.sort("dataset_id", descending=True).select(
        pl.col("dataset_id").alias(t("import.ui.col.dataset_id")),
        pl.col("scope_id").replace_strict(names, default=pl.col("scope_id")).alias(t("import.ui.col.scope")),
        pl.col("period").alias(t("import.ui.col.period")),
        pl.col("file_name").alias(t("import.ui.col.file")),
        pl.col("rows").alias(t("import.ui.col.rows")),
        pl.col("imported_at").alias(t("import.ui.col.when")),
        pl.col("imported_by").alias(t("import.ui.col.who")),
        pl.col("synthetic").alias(t("import.ui.col.synthetic")),
        pl.col("status").replace_strict(status, default=pl.col("status")).alias(t("import.ui.col.status")),
    )


def _show_problems(title: str, table: pl.DataFrame, kind: str) -> None:
    getattr(st, kind)(title)
    labels = {c: t(f"import.col.{c}") for c in table.columns}
    shown = table.with_columns(pl.col(pl.String).fill_null("—"))  # a CSV has no sheet: a dash, not "None"
    st.dataframe(shown.rename(labels), hide_index=True, placeholder="—", width="stretch")


st.title(t("import.ui.title"))
actor = require_permission(Permission.IMPORT)  # administrators only: others see a refusal and no uploader
db = get_db()
lang = current_lang()
st.caption(t("import.ui.intro"))

flash = st.session_state.pop(_FLASH, None)
if flash:
    getattr(st, flash[0])(flash[1])

upload = st.file_uploader(t("import.ui.uploader"), type=["csv", "xlsx", "xls", "parquet"], key="import_upload")
left, right = st.columns(2)
sheet = left.text_input(t("import.ui.sheet"), key="import_sheet").strip() or None
synthetic = right.checkbox(t("import.ui.synthetic"), key="import_synthetic")

if upload is None:
    st.session_state.pop(_STATE, None)
else:
    upload.seek(0)  # readers never rewind; a rerun reads the same buffer again
    data = upload.getvalue()
    key = (upload.name, hashlib.sha256(data).hexdigest(), sheet, lang)
    held = st.session_state.get(_STATE)
    if held is None or held[0] != key:
        held = (key, validate_bytes(data, upload.name, table("localities"), sheet=sheet, lang=lang), data)
        st.session_state[_STATE] = held
    _, validation, data = held

    st.subheader(t("import.ui.summary"))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("import.ui.rows"), f"{validation.rows:,}")
    c2.metric(t("import.ui.period"), validation.period or "—")
    c3.metric(t("import.ui.scope"), validation.scope_name or "—")
    c4.metric(t("import.ui.sheet_used"), validation.sheet or "—")

    if validation.problems:
        _show_problems(t("import.ui.problems", n=len(validation.problems)), validation.problems_frame(), "error")
    if validation.warnings:
        _show_problems(t("import.ui.warnings", n=len(validation.warnings)), validation.problems_frame(warnings=True), "warning")
    if validation.ok:
        duplicate = already_imported(db, validation.sha256, validation.sheet)
        if duplicate is not None:
            st.info(t("import.ui.duplicate", dataset_id=duplicate))
        else:
            st.success(t("import.ui.valid", rows=validation.rows))
            if st.button(t("import.ui.confirm"), type="primary", key="import_confirm"):
                result = import_bytes(db, data, upload.name, actor=actor, synthetic=synthetic, sheet=sheet, lang=lang)
                st.session_state.pop(_STATE, None)
                if result.duplicate:
                    st.session_state[_FLASH] = ("info", t("import.ui.duplicate", dataset_id=result.dataset_id))
                elif result.ok:
                    text = t("import.ui.imported", dataset_id=result.dataset_id, rows=result.rows)
                    if result.superseded:
                        text += " " + t("import.ui.superseded", ids=", ".join(map(str, result.superseded)))
                    st.session_state[_FLASH] = ("success", text)
                    urlstate.set_value("period", result.period)  # every page now opens on what was just imported
                else:
                    st.session_state[_FLASH] = ("error", t("import.ui.refused", n=len(result.problems)))
                invalidate()
                st.rerun()

st.divider()
st.subheader(t("import.ui.history"))
history = _history()
if history.height == 0:
    st.info(t("import.ui.no_history"))
else:
    st.dataframe(history, hide_index=True, placeholder="—", width="stretch")
    id_col, status_col = t("import.ui.col.dataset_id"), t("import.ui.col.status")
    active = history.filter(pl.col(status_col) == t("import.ui.status.active")).get_column(id_col).to_list()
    if active:
        pick_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
        chosen = pick_col.selectbox(t("import.ui.rollback_pick"), active, key="import_rollback_id")
        if button_col.button(t("import.ui.rollback"), key="import_rollback"):
            try:
                done = rollback_dataset(db, int(chosen), actor=actor)
            except StoreError as exc:
                st.session_state[_FLASH] = ("error", t("import.ui.rollback_failed", reason=str(exc)))
            else:
                again = ", ".join(map(str, done.reactivated)) or t("import.ui.none")
                st.session_state[_FLASH] = ("success", t("import.ui.rolled_back", dataset_id=done.dataset_id, reactivated=again))
            invalidate()
            st.rerun()

if actor.can(Permission.BACKUP):
    st.divider()
    st.subheader(t("import.ui.backup"))
    st.caption(t("import.ui.backup_help"))
    st.download_button(
        t("import.ui.backup_download"), data=lambda: backup_bytes(db, actor=actor), file_name="gov-backup.duckdb",
        mime="application/octet-stream", key="import_backup", icon=":material/backup:", on_click="ignore",
    )

sign_in_log(actor)  # administrators: recent sign-ins and failed sign-ins (ui.auth)
