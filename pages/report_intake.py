"""Report intake (报告录入, analysts and administrators): upload a report, review its candidate figures, publish, withdraw. Layout only."""

from __future__ import annotations

import streamlit as st

from store.access import Permission
from store.db import StoreError
from store.reports import ReportRefused
from ui.auth import require_permission
from ui.context import get_db, invalidate, table
from ui.i18n import t
from views import report_intake as vm

_STATE = "intake_state"  # the Intake under review, kept across reruns
_FLASH = "intake_flash"  # (kind, message) shown once after a write

st.title(t("intake.title"))
actor = require_permission(Permission.PUBLISH, "intake.denied")
db = get_db()
st.caption(t("intake.intro"))

flash = st.session_state.pop(_FLASH, None)
if flash:
    getattr(st, flash[0])(flash[1])

upload = st.file_uploader(t("intake.uploader"), type=list(vm.UPLOAD_TYPES), key="intake_upload")
if upload is None:
    st.session_state.pop(_STATE, None)
else:
    upload.seek(0)
    data = upload.getvalue()
    held = st.session_state.get(_STATE)
    if held is None or held.data != data:
        held = vm.load(data, upload.name, table("localities"))
        st.session_state[_STATE] = held
    if isinstance(held, str):
        st.error(t("intake.unreadable", reason=held), icon=":material/error:")
    else:
        intake = held
        skipped = vm.exclusions(intake)
        c1, c2, c3 = st.columns(3)
        c1.metric(t("intake.candidates"), len(intake.candidates))
        c2.metric(t("intake.excluded"), sum(skipped.values()))
        c3.metric(t("intake.main_place"), intake.main_place or "—")
        if skipped:
            st.caption(t("intake.excluded_kinds", kinds="，".join(f"{t(f'intake.kind.{k}')} {n}" for k, n in skipped.items())))

        st.subheader(t("intake.review"))
        min_conf = st.slider(t("intake.min_confidence"), 0.0, 1.0, 0.0, 0.05, key="intake_min_conf")
        shown = vm.review_frame(intake, min_conf)
        edited = st.data_editor(
            shown, hide_index=True, width="stretch", placeholder="—", key=f"intake_editor_{intake.sha256[:12]}_{min_conf}",
            disabled=["key", "evidence", "confidence"], num_rows="fixed",
            column_config={
                "key": st.column_config.NumberColumn("#", width="small"),
                "accepted": st.column_config.CheckboxColumn(t("intake.col.accepted")),
                "value": st.column_config.NumberColumn(t("intake.col.value")),
                "qualifier": st.column_config.SelectboxColumn(t("intake.col.qualifier"), options=list(vm.QUALIFIERS)),
                "low": st.column_config.NumberColumn(t("intake.col.low")),
                "high": st.column_config.NumberColumn(t("intake.col.high")),
                "unit": st.column_config.TextColumn(t("intake.col.unit"), width="small"),
                "locality": st.column_config.TextColumn(t("intake.col.locality")),
                "indicator": st.column_config.SelectboxColumn(t("intake.col.indicator"), options=vm.indicator_options()),
                "evidence": st.column_config.TextColumn(t("intake.col.evidence"), width="large"),
                "confidence": st.column_config.ProgressColumn(t("intake.col.confidence"), min_value=0.0, max_value=1.0, format="%.2f"),
            },
        )
        keys = vm.keys_of(shown)
        if keys:
            pick = st.selectbox(t("intake.show_evidence"), keys, format_func=lambda k: vm.row_label(intake, k), key="intake_pick")
            st.markdown(vm.evidence_markdown(intake, pick))

        with st.expander(t("intake.add_missed")):
            st.caption(t("intake.add_missed_help"))
            phrase = st.text_input(t("intake.add_evidence"), key="intake_add_evidence")
            value = st.text_input(t("intake.add_value"), key="intake_add_value")
            if st.button(t("intake.add_button"), key="intake_add"):
                problem = vm.add_missed(intake, phrase, value.strip() or None)
                if problem:
                    st.error(t(f"intake.add.{problem}"))
                else:
                    st.rerun()

        st.subheader(t("intake.publish"))
        with st.form("intake_publish_form"):
            title = st.text_input(t("intake.report_title"), value=intake.document.title, key="intake_title")
            author = st.text_input(t("intake.issuer"), key="intake_issuer")
            issued = st.text_input(t("intake.date"), key="intake_date", placeholder="2024-05-17")
            go = st.form_submit_button(t("intake.publish_button"), type="primary")
        if go:
            rows = vm.rows_to_publish(intake, edited, table("localities"))
            try:
                done = vm.publish_intake(db, intake, rows, title=title, author=author, issued=issued, actor=actor)
            except ReportRefused as exc:
                st.error(t("intake.refused", n=len(exc.problems)))
                st.code("\n".join(exc.problems), language=None)
            except StoreError as exc:
                st.error(t("intake.failed", reason=str(exc)))
            else:
                st.session_state.pop(_STATE, None)
                st.session_state[_FLASH] = ("success", t("intake.published", n=done.facts, source=done.source_id))
                invalidate()
                st.rerun()

st.divider()
st.subheader(t("intake.history"))
history = vm.history(db)
if history.is_empty():
    st.info(t("intake.no_history"))
else:
    st.dataframe(history, hide_index=True, width="stretch", placeholder="—")
    active = vm.active_sources(db)
    if active:
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        chosen = left.selectbox(t("intake.withdraw_pick"), active, key="intake_withdraw_id")
        if right.button(t("intake.withdraw"), key="intake_withdraw"):
            try:
                vm.withdraw_source(db, chosen, actor)
            except StoreError as exc:
                st.session_state[_FLASH] = ("error", t("intake.failed", reason=str(exc)))
            else:
                st.session_state[_FLASH] = ("success", t("intake.withdrawn", source=chosen))
            invalidate()
            st.rerun()
