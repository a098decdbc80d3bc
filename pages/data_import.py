"""Data import (administrators): upload, validate, see exactly what will change, confirm (twice when it removes much), then history with rollback. Layout only."""

from __future__ import annotations

import hashlib

import polars as pl
import streamlit as st

from store.access import Permission
from store.backup import backup_bytes
from store.db import StoreError
from store.importer import already_imported, import_bytes, preview_import, rollback_dataset, validate_bytes
from store.preview import (
    PreviewRefused,
    complete_choices,
    history_table,
    lines,
    outcome,
    problems_table,
    reasons,
    rollback_choices,
    sections,
)
from text.messages import message
from ui import urlstate
from ui.auth import require_permission, sign_in_log
from ui.context import get_db, invalidate, table, version
from ui.i18n import lang as current_lang
from ui.i18n import t

_STATE = "import_validation"  # (key, Validation, bytes) of the current upload, kept across reruns
_PREVIEW = "import_preview"  # (key, ImportPreview or the refusal text) for the upload, roster choice and data version
_SECOND = "import_second"  # the preview token awaiting its second confirmation
_FLASH = "import_flash"  # (kind, message) shown once after a write


def _show_problems(title: str, frame: pl.DataFrame, kind: str) -> None:
    getattr(st, kind)(title)
    st.dataframe(problems_table(frame, lang), hide_index=True, placeholder="—", width="stretch")


def _import(data: bytes, name: str, complete: str | None, confirmed: bool, token: str) -> None:
    try:
        result = import_bytes(db, data, name, actor=actor, synthetic=synthetic, sheet=sheet, lang=lang,
                              complete_for=complete, confirmed=confirmed, expect=token)
    except StoreError as exc:  # the store busy with another write past GOV_LOCK_WAIT: nothing was written
        st.session_state[_FLASH] = ("error", str(exc))
        st.rerun()
    for key in (_STATE, _PREVIEW, _SECOND):
        st.session_state.pop(key, None)
    if result.duplicate:
        st.session_state[_FLASH] = ("info", t("import.ui.duplicate", dataset_id=result.dataset_id))
    elif result.stale or result.unconfirmed:
        st.session_state[_FLASH] = ("warning", t("import.ui.stale"))
    elif result.ok:
        done = [t("import.ui.imported", dataset_id=result.dataset_id, rows=result.rows)]
        done += outcome(result.preview) if result.preview is not None else []
        st.session_state[_FLASH] = ("success", "\n\n".join(done))
        urlstate.set_value("period", result.period)  # every page now opens on what was just imported
    else:
        st.session_state[_FLASH] = ("error", t("import.ui.refused", n=len(result.problems)))
    invalidate()
    st.rerun()


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
    for key in (_STATE, _PREVIEW, _SECOND):
        st.session_state.pop(key, None)
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
        choices = dict(complete_choices(validation.frame, table("localities"), lang))
        complete = st.selectbox(
            t("import.ui.complete_for"), [None, *choices], key="import_complete_for", help=t("import.ui.complete_help"),
            format_func=lambda c: t("import.ui.complete_none") if c is None
            else t("import.ui.complete_place", place=choices[c], period=validation.period),
        )
        duplicate = already_imported(db, validation.sha256, validation.sheet, complete)
        if duplicate is not None:
            st.info(t("import.ui.duplicate", dataset_id=duplicate))
        else:
            st.success(t("import.ui.valid", rows=validation.rows))
            preview_key = (key, complete, version())
            held_preview = st.session_state.get(_PREVIEW)
            if held_preview is None or held_preview[0] != preview_key:
                try:
                    built = preview_import(db, validation, table("localities"), complete_for=complete, lang=lang)
                except PreviewRefused as exc:
                    built = message(exc.key, lang, **exc.params)
                held_preview = (preview_key, built)
                st.session_state[_PREVIEW] = held_preview
            preview = held_preview[1]

            st.subheader(t("import.ui.preview"))
            if isinstance(preview, str):
                st.error(preview)
            else:
                for line in lines(preview):
                    st.text(line)
                for section in sections(preview):
                    st.markdown(f"**{section.title}**")
                    st.dataframe(section.table, hide_index=True, placeholder="—", width="stretch",
                                 key=f"import_preview_{section.key}")
                if st.session_state.get(_SECOND) != preview.token:
                    if preview.needs_confirmation:
                        st.warning(reasons(preview), icon=":material/warning:")
                    if st.button(t("import.ui.confirm"), type="primary", key="import_confirm"):
                        if preview.needs_confirmation:  # a second, explicit step before anything is removed
                            st.session_state[_SECOND] = preview.token
                            st.rerun()
                        _import(data, upload.name, complete, False, preview.token)
                else:
                    st.error(f"**{t('import.ui.second')}**\n\n{reasons(preview)}", icon=":material/report:")
                    again, cancel = st.columns(2)
                    if again.button(t("import.ui.confirm_again"), type="primary", key="import_confirm_again"):
                        _import(data, upload.name, complete, True, preview.token)
                    if cancel.button(t("import.ui.cancel"), key="import_cancel"):
                        st.session_state.pop(_SECOND, None)
                        st.rerun()

st.divider()
st.subheader(t("import.ui.history"))
datasets = table("datasets")
if datasets.is_empty():
    st.info(t("import.ui.no_history"))
else:
    st.dataframe(history_table(datasets, table("localities"), lang), hide_index=True, placeholder="—", width="stretch")
    active = rollback_choices(datasets)
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
                st.session_state[_FLASH] = ("success", t("import.ui.rolled_back_rows", dataset_id=done.dataset_id,
                                                         withdrawn=done.withdrawn, restored=done.restored,
                                                         reactivated=again))
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
