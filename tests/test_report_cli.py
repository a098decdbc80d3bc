"""python -m store extract|accept|withdraw|export-facts: exit codes, messages that name the file, the candidates CSV."""

from __future__ import annotations

import shutil
import subprocess
import sys

import polars as pl
import pytest

from figures.extract import CANDIDATE_COLUMNS
from store.cli import run
from tests.conftest import ROOT
from tests.report_files import BODY, TITLE, docx_bytes, encrypted_pdf, font_or_skip, scanned_pdf


@pytest.fixture
def db_copy(bootstrapped_db_path, tmp_path):
    path = tmp_path / "cli.duckdb"
    shutil.copy(bootstrapped_db_path, path)
    return path


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "贵港报告.txt"
    path.write_bytes(f"{TITLE}\n\n{BODY}\n".encode("gbk"))
    return path


def test_extract_writes_candidates_in_facts_columns_plus_offset_confidence_context(report, tmp_path, capsys):
    out = tmp_path / "c.csv"
    assert run(["extract", str(report), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "贵港报告.txt: 5 candidate figures" in said and "main place 贵港市" in said and "excluded" in said
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    df = pl.read_csv(out, infer_schema=False)
    facts_columns = pl.read_csv(ROOT / "data" / "sources" / "facts.csv", infer_schema=False, n_rows=1).columns
    assert df.columns[: len(facts_columns)] == facts_columns
    assert {"offset", "confidence", "context"} <= set(df.columns) and df.columns == list(CANDIDATE_COLUMNS)
    assert df.filter(pl.col("value") == "2400").row(0, named=True)["qualifier"] == "more_than"


def test_extract_without_out_writes_csv_to_stdout(report, capsys):
    assert run(["extract", str(report)]) == 0
    cap = capsys.readouterr()
    assert "fact_id,source_id" in cap.out and "5 candidate figures" in cap.err


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("scan.pdf", scanned_pdf, "no text layer"),
        ("empty.txt", lambda: b"", "empty"),
        ("broken.docx", lambda: b"PK\x03\x04broken", "not a Word document"),
    ],
)
def test_extract_refuses_with_exit_2_naming_the_file(tmp_path, capsys, name, make, words):
    path = tmp_path / name
    path.write_bytes(make())
    assert run(["extract", str(path)]) == 2
    err = capsys.readouterr().err
    assert name in err and words in err and "Traceback" not in err


def test_extract_refuses_an_encrypted_pdf(tmp_path, capsys):
    font_or_skip()
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypted_pdf())
    assert run(["extract", str(path)]) == 2
    assert "locked.pdf: the PDF is encrypted" in capsys.readouterr().err


def test_extract_as_a_process_never_shows_a_traceback(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf())
    done = subprocess.run([sys.executable, "-m", "store", "extract", str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2
    assert "scan.pdf: the PDF has no text layer" in done.stderr and "Traceback" not in done.stderr


def test_accept_publishes_the_accepted_rows_then_withdraw_removes_them(report, tmp_path, db_copy, capsys):
    out = tmp_path / "c.csv"
    assert run(["extract", str(report), "--out", str(out)]) == 0
    df = pl.read_csv(out, infer_schema=False)
    df = df.with_columns(pl.col("value").is_in(["613", "2400"]).cast(pl.String).alias("accepted"))
    df.write_csv(out)
    capsys.readouterr()
    assert run(["accept", str(out), "--title", "贵港报告", "--issuer", "贵港市委组织部", "--date", "2024-06",
                "--file", str(report), "--db", str(db_copy)]) == 0
    assert "published 2 facts as source R0001" in capsys.readouterr().out
    export = tmp_path / "all.csv"
    assert run(["export-facts", str(export), "--db", str(db_copy)]) == 0
    every = pl.read_csv(export, infer_schema=False)
    assert every.height == 272
    assert sorted(every.filter(pl.col("source_id") == "R0001")["value"].to_list()) == ["2400", "613"]
    assert run(["withdraw", "R0001", "--db", str(db_copy)]) == 0
    assert run(["export-facts", str(export), "--db", str(db_copy)]) == 0
    assert pl.read_csv(export, infer_schema=False).height == 270
    assert run(["withdraw", "R0001", "--db", str(db_copy)]) == 2


def test_accept_refuses_rows_whose_evidence_is_not_in_the_report(report, tmp_path, db_copy, capsys):
    out = tmp_path / "c.csv"
    assert run(["extract", str(report), "--out", str(out)]) == 0
    df = pl.read_csv(out, infer_schema=False).with_columns(pl.lit("凭空写的证据").alias("evidence"))
    df.write_csv(out)
    capsys.readouterr()
    assert run(["accept", str(out), "--title", "t", "--file", str(report), "--db", str(db_copy)]) == 2
    err = capsys.readouterr().err
    assert "nothing was published" in err and "candidates row 1, column evidence" in err
    assert run(["export-facts", str(tmp_path / "all.csv"), "--db", str(db_copy)]) == 0
    assert pl.read_csv(tmp_path / "all.csv", infer_schema=False).height == 270


def test_accept_reads_a_docx_report_as_its_file(tmp_path, db_copy, capsys):
    path = tmp_path / "r.docx"
    path.write_bytes(docx_bytes())
    out = tmp_path / "c.csv"
    assert run(["extract", str(path), "--out", str(out)]) == 0
    assert run(["accept", str(out), "--title", "t", "--file", str(path), "--db", str(db_copy)]) == 0
    assert "published 6 facts" in capsys.readouterr().out  # no accepted column: every row


def test_export_facts_refuses_another_format(db_copy, tmp_path, capsys):
    assert run(["export-facts", str(tmp_path / "x.xlsx"), "--db", str(db_copy)]) == 2
    assert "use .csv" in capsys.readouterr().err
