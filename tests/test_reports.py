"""store/reports.py: added reports are published in one transaction, versioned, withdrawn, kept by bootstrap, exported."""

from __future__ import annotations

import polars as pl
import pytest

from store import read
from store.access import Actor, PermissionDenied
from store.bootstrap import bootstrap
from store.db import StoreError
from store.reports import ReportRefused, accepted_rows, export_facts, export_facts_frame, publish, reports, withdraw

TEXT = "梧州市：报告\n\n全市建成小区党支部25个，服务群众专项经费不少于10万元。"


def row(**over) -> dict:
    base = {"locality": "梧州市", "locality_level": "prefecture_city", "parent": "广西壮族自治区", "value": "25", "unit": "个",
            "qualifier": "exact", "evidence": "小区党支部25个", "low": "24.5", "high": "25.5", "bounds": "[]",
            "indicator": "compound_party_branches", "period_kind": "point", "offset": "16", "confidence": "0.9",
            "context": "全市建成小区党支部25个"}
    return {**base, **over}


@pytest.fixture
def db(bootstrapped_copy):
    return bootstrapped_copy


def _facts(db) -> pl.DataFrame:
    cur = db.reader()
    try:
        return read.facts(cur)
    finally:
        cur.close()


def test_published_facts_read_beside_the_bundled_ones(db):
    done = publish(db, [row()], title="梧州报告", author="梧州市委组织部", issued="2024-05", data=TEXT.encode(),
                   file_name="r.txt", source_text=TEXT, actor="tester")
    assert (done.source_id, done.facts, done.fact_ids) == ("R0001", 1, ["R0001-001"])
    facts = _facts(db)
    assert facts.height == 271
    added = facts.filter(pl.col("source_id") == "R0001").row(0, named=True)
    assert (added["value"], added["qualifier"], added["evidence"], added["indicator"]) == (25.0, "exact", "小区党支部25个",
                                                                                          "compound_party_branches")
    cur = db.reader()
    try:
        src = read.sources(cur).filter(pl.col("source_id") == "R0001").row(0, named=True)
        kept = cur.execute("SELECT size FROM files WHERE sha256 = (SELECT sha256 FROM report_versions)").fetchall()
        log = cur.execute("SELECT action, who FROM import_log ORDER BY log_id DESC LIMIT 1").fetchall()
    finally:
        cur.close()
    assert (src["title"], src["author"], src["file"], src["localities"]) == ("梧州报告", "梧州市委组织部", "r.txt", "梧州市")
    assert kept == [(len(TEXT.encode()),)]  # the file itself, content-addressed like a roster
    assert log == [("publish_report", "tester")]


def test_a_missing_interval_is_the_qualifiers_loosest_reading(db):
    publish(db, [row(value="100000", unit="元", qualifier="at_least", evidence="不少于10万元", low="", high="", bounds="",
                     indicator="")], title="t", actor="tester")
    f = _facts(db).filter(pl.col("source_id") == "R0001").row(0, named=True)
    assert (f["low"], f["high"], f["bounds"]) == (100000.0, None, "[)")


def test_bad_rows_are_refused_by_row_and_column_and_nothing_is_written(db):
    with pytest.raises(ReportRefused) as err:
        publish(db, [row(), row(value="abc"), row(qualifier="roughly"), row(evidence="不在原文里的话")],
                title="t", source_text=TEXT, actor="tester")
    problems = err.value.problems
    assert "candidates row 2, column value: 'abc' is not a number" in problems
    assert any(p.startswith("candidates row 3, column qualifier") for p in problems)
    assert any(p.startswith("candidates row 4, column evidence") and "not in the report's text" in p for p in problems)
    assert reports(db).is_empty() and _facts(db).height == 270


def test_a_title_is_required(db):
    with pytest.raises(ReportRefused, match="title"):
        publish(db, [row()], title=" ", actor="tester")


@pytest.mark.parametrize("role", ["viewer"])
def test_only_analysts_and_administrators_publish(db, role):
    with pytest.raises(PermissionDenied):
        publish(db, [row()], title="t", actor=Actor("v", role))
    assert publish(db, [row()], title="t", actor=Actor("a", "analyst")).source_id == "R0001"
    with pytest.raises(PermissionDenied):
        withdraw(db, "R0001", actor=Actor("v", role))


def test_withdrawn_facts_leave_every_reader_and_the_record_stays(db):
    publish(db, [row()], title="t", actor="tester")
    withdraw(db, "R0001", actor="tester")
    assert _facts(db).height == 270
    assert reports(db)["status"].to_list() == ["withdrawn"]
    with pytest.raises(StoreError, match="no published report R0001"):
        withdraw(db, "R0001", actor="tester")
    with pytest.raises(StoreError, match="bundled source"):
        withdraw(db, "S000", actor="tester")


def test_publishing_again_supersedes_the_active_version(db):
    publish(db, [row()], title="t", actor="tester")
    again = publish(db, [row(value="26", evidence="26个", low="", high="", bounds="")], title="t (corrected)",
                    replaces="R0001", actor="tester")
    assert (again.source_id, again.superseded) == ("R0001", 1)
    added = _facts(db).filter(pl.col("source_id") == "R0001")
    assert added["value"].to_list() == [26.0]
    assert reports(db)["status"].to_list() == ["active", "superseded"]


def test_bootstrap_keeps_added_reports(db):
    publish(db, [row()], title="t", actor="tester")
    bootstrap(db)
    assert _facts(db).filter(pl.col("source_id") == "R0001").height == 1


def test_export_writes_every_fact_in_facts_csv_form(db, tmp_path):
    publish(db, [row(evidence="=1+2 小区党支部25个")], title="t", actor="tester")
    out = tmp_path / "all.csv"
    assert export_facts(db, out) == 271
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel shows Chinese
    frame = pl.read_csv(out, infer_schema=False)
    bundled = pl.read_csv("data/sources/facts.csv", infer_schema=False)
    assert frame.columns[: len(bundled.columns)] == bundled.columns
    mine = frame.filter(pl.col("source_id") == "R0001").row(0, named=True)
    assert mine["evidence"] == "'=1+2 小区党支部25个"  # a formula-looking cell is neutralised
    assert mine["value"] == "25" and mine["low"] == "24.5"
    assert frame.filter(pl.col("fact_id") == "F000-010")["value"].to_list() == ["451"]
    assert export_facts_frame(db).height == 271


def test_accepted_column_picks_rows_and_its_absence_takes_all():
    df = pl.DataFrame({"value": ["1", "2", "3", "4"], "accepted": ["true", "否", "是", None]})
    assert accepted_rows(df)["value"].to_list() == ["1", "3"]
    assert accepted_rows(df.drop("accepted")).height == 4
