"""views/report_intake.py and its page: review, edit, add a missed figure, publish; the figure then shows on the sources page."""

from __future__ import annotations

import shutil

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from store import read
from store.access import Actor
from store.db import close_database, open_database
from store.reports import publish, withdraw
from tests.builders import app_test
from tests.conftest import ROOT
from tests.report_files import TITLE, docx_bytes
from ui.context import invalidate
from views import report_intake as vm

LOC = pl.read_csv(ROOT / "data" / "localities.csv", infer_schema=False)
ADMIN = Actor("admin", "administrator")


@pytest.fixture
def intake() -> vm.Intake:
    got = vm.load(docx_bytes(), "贵港.docx", LOC)
    assert isinstance(got, vm.Intake)
    return got


def test_an_unreadable_upload_gives_its_reason():
    assert "empty.txt: the file is empty" in vm.load(b"", "empty.txt", LOC)


def test_review_frame_filters_by_confidence(intake):
    every = vm.review_frame(intake)
    assert every.columns == list(vm.SHOWN) and every.height == len(intake.candidates)
    sure = vm.review_frame(intake, 0.8)
    assert 0 < sure.height < every.height or sure["confidence"].min() >= 0.8
    assert (sure["confidence"] >= 0.8).all()


def test_edits_recompute_the_interval_and_look_the_place_up_again(intake):
    frame = vm.review_frame(intake)
    key = frame.filter(pl.col("value") == 613)["key"][0]
    edited = frame.with_columns(
        pl.col("accepted") & (pl.col("key") == key),
        pl.when(pl.col("key") == key).then(pl.lit("at_least")).otherwise(pl.col("qualifier")).alias("qualifier"),
        pl.when(pl.col("key") == key).then(pl.lit("港北区")).otherwise(pl.col("locality")).alias("locality"),
    )
    (row,) = vm.rows_to_publish(intake, edited.to_pandas(), LOC)  # st.data_editor may hand back pandas
    assert (row["qualifier"], row["low"], row["high"], row["bounds"]) == ("at_least", "613", "", "[)")
    assert (row["locality"], row["locality_level"], row["parent"], row["adcode"]) == ("港北区", "district", "贵港市", "450802")


def test_a_missed_figure_is_added_only_with_verbatim_evidence(intake):
    assert vm.add_missed(intake, "凭空的话100个") == "not_in_text"
    assert vm.add_missed(intake, "建立“邻里党建”工作机制") == "no_figure"
    assert vm.add_missed(intake, "小区数，451") is None  # the DOCX table's row, as the text gives it
    added = intake.candidates[-1]
    assert (added["value"], added["evidence"], added["locality"]) == ("451", "小区数，451", "贵港市")
    assert intake.document.text[added["offset"]:].startswith("小区数")


def test_evidence_is_highlighted_in_its_sentence(intake):
    key = vm.review_frame(intake).filter(pl.col("value") == 613)["key"][0]
    md = vm.evidence_markdown(intake, key)
    assert ":orange-background[**" in md and "613" in md


def test_publishing_the_review_makes_a_source_with_its_file(intake, tmp_path, bootstrapped_db_path):
    path = tmp_path / "v.duckdb"
    shutil.copy(bootstrapped_db_path, path)
    db = open_database(path)
    try:
        rows = vm.rows_to_publish(intake, vm.review_frame(intake), LOC)
        done = vm.publish_intake(db, intake, rows, title=TITLE, author="贵港市委组织部", issued="2024", actor=ADMIN)
        assert done.facts == len(rows) > 0
        history = vm.history(db)
        assert history.row(0, named=True)["file_name"] == "贵港.docx" and vm.active_sources(db) == [done.source_id]
        vm.withdraw_source(db, done.source_id, ADMIN)
        assert vm.active_sources(db) == []
    finally:
        close_database(path)


# ------------------------------------------------------------------ the pages (AppTest)
def test_the_intake_page_renders_for_an_administrator(open_page):
    at = open_page("pages/report_intake.py")
    assert [t.value for t in at.title] == ["报告录入"]
    assert at.get("file_uploader")


def _sources_page() -> AppTest:
    at = app_test("pages/sources.py")
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_accepted_figure_appears_on_the_sources_page_and_leaves_when_withdrawn(bootstrapped_db_path, tmp_path, monkeypatch):
    path = tmp_path / "pages.duckdb"
    shutil.copy(bootstrapped_db_path, path)
    monkeypatch.setenv("GOV_DB", str(path))
    db = open_database(path)
    evidence = "全市共有社区62个"  # disagrees with the bundled 57: a conflict the page shows side by side
    row = {"locality": "梧州市", "locality_level": "prefecture_city", "parent": "广西壮族自治区", "indicator": "communities",
           "value": "62", "unit": "个", "qualifier": "exact", "evidence": evidence, "period_kind": "point"}
    done = publish(db, [row], title="梧州市社区建设调研报告", actor=ADMIN)
    try:
        at = _sources_page()
        table = at.dataframe[0].value
        assert evidence in table.iloc[:, 6].tolist() or evidence in table.to_string()
        labels = [m.label for m in at.metric]
        assert any(done.source_id in label for label in labels)  # the conflict with the bundled 57 names the new source
        withdraw(db, done.source_id, actor=ADMIN)
        invalidate()  # as the intake page does after a write (the data version is otherwise re-read every 2 s)
        at = _sources_page()
        assert evidence not in at.dataframe[0].value.to_string()
        cur = db.reader()
        try:
            assert read.facts(cur).filter(pl.col("source_id") == done.source_id).is_empty()
        finally:
            cur.close()
    finally:
        close_database(path)
