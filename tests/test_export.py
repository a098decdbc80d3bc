"""Export: canonical columns, CSV with BOM and neutralised formulas, XLSX, Parquet, the CLI, and a round trip."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from store.cli import run
from store.columns import CANONICAL
from store.db import close_database, open_database
from store.export import export_frame, neutralise_formulas, to_csv_bytes, to_xlsx_bytes
from store.importer import import_file
from tests.builders import copy_store, insert_localities

ROWS = [
    ["市", "县（市、区）", "所属街道", "社区名称", "统计期", "网格数", "已建党组织网格数", "服务群众专项经费（元）", "经度", "纬度"],
    ["梧州市", "万秀区", "=HYPERLINK(\"http://x\")", "东风社区", "2025", "20", "18", "10万", "111.3", "23.5"],
    ["梧州市", "万秀区", "城东街道", "@SUM(A1)", "2025", "12", "12", "", "", ""],
    ["梧州市", "长洲区", "+大塘街道", "-大塘社区", "2025", "8", "", "120000", "", ""],
]


def _build(path: Path) -> None:
    tmp_path = path.parent
    db = open_database(path)
    try:
        with db.transaction() as cur:
            insert_localities(cur)
        src = tmp_path / "roster.csv"
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(ROWS)
        src.write_text(buf.getvalue(), encoding="utf-8")
        result = import_file(db, src, who="t")
        assert result.ok and result.dataset_id == 1, result.problems
    finally:
        close_database(path)


@pytest.fixture
def db_path(store_template, tmp_path: Path) -> Path:
    return copy_store(store_template("export", _build), tmp_path / "gov.duckdb")


def test_export_csv_bom_canonical_and_neutralised(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert run(["export", str(out), "--db", str(db_path)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert records[0] == list(CANONICAL)
    body = {r[records[0].index("community")]: dict(zip(records[0], r, strict=True)) for r in records[1:]}
    assert set(body) == {"东风社区", "'@SUM(A1)", "'-大塘社区"}
    assert body["东风社区"]["street"] == "'=HYPERLINK(\"http://x\")"
    assert body["'-大塘社区"]["street"] == "'+大塘街道"
    assert body["东风社区"]["grids"] == "20" and body["东风社区"]["fund_service"] == "100000.0"
    assert body["'@SUM(A1)"]["fund_service"] == ""  # null stays empty, not 0


def test_export_xlsx(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    assert run(["export", str(out), "--dataset", "1", "--db", str(db_path)]) == 0
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    assert header == list(CANONICAL)
    streets = [ws.cell(row=r, column=header.index("street") + 1) for r in range(2, ws.max_row + 1)]
    assert all(c.data_type == "s" for c in streets)  # text, never a formula
    assert "'=HYPERLINK(\"http://x\")" in [c.value for c in streets]
    back = pl.read_excel(out, engine="calamine")
    assert back.height == 3 and back["grids"].sort().to_list() == [8, 12, 20]


def test_export_parquet_round_trips(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    assert run(["export", str(out), "--dataset", "1", "--db", str(db_path)]) == 0
    df = pl.read_parquet(out)
    assert df.columns == list(CANONICAL)
    assert dict(df.schema) == dict(CANONICAL)
    assert df.filter(pl.col("community") == "东风社区")["fund_service"].to_list() == [100000.0]
    assert df["street"].to_list().count("=HYPERLINK(\"http://x\")") == 1  # Parquet keeps the stored text


def test_export_refusals(db_path: Path, tmp_path: Path) -> None:
    assert run(["export", str(tmp_path / "out.csv"), "--dataset", "99", "--db", str(db_path)]) == 2
    assert run(["export", str(tmp_path / "out.json"), "--db", str(db_path)]) == 2
    assert run(["export", str(tmp_path / "no" / "such" / "out.csv"), "--db", str(db_path)]) == 2
    assert not (tmp_path / "out.csv").exists()


def test_exported_csv_imports_again(db_path: Path, tmp_path: Path) -> None:
    """An export is a valid import: same values; as the complete roster of its city it supersedes the dataset it came from."""
    db = open_database(db_path)
    try:
        original = export_frame(db, 1)
        out = tmp_path / "again.csv"
        out.write_bytes(to_csv_bytes(original))
        # neutralised names ('@SUM(A1)) are other communities: a partial import would add them beside the originals
        partial = import_file(db, out, who="t", dry_run=True)
        assert partial.preview is not None and partial.preview.added.height == 2
        result = import_file(db, out, who="t", complete_for="梧州市")
        assert result.ok, result.problems
        assert result.superseded == [1]
        again = export_frame(db, result.dataset_id)
    finally:
        close_database(db_path)
    # the neutralising quote stays part of the text once a spreadsheet-bound file is imported back
    assert again.sort("community").equals(neutralise_formulas(original).sort("community"))


def test_helpers() -> None:
    df = pl.DataFrame({"name": ["=1+1", "+1", "-x", "@a", "\tt", "\rr", "ok", None, "a=b"], "n": [1, 2, 3, 4, 5, 6, 7, 8, 9]})
    safe = neutralise_formulas(df)
    assert safe["name"].to_list() == ["'=1+1", "'+1", "'-x", "'@a", "'\tt", "'\rr", "ok", None, "a=b"]
    assert safe["n"].to_list() == df["n"].to_list()
    assert to_csv_bytes(df).startswith(b"\xef\xbb\xbf")
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df, "数据/2025")))
    assert wb.sheetnames == ["数据_2025"]
    assert wb.active["A2"].value == "'=1+1" and wb.active["A2"].data_type == "s"
