"""The importer end to end: formats and notations, versions (duplicate, supersede, rollback), hostile input, SIGKILL."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from store.cli import run
from store.db import close_database, open_database
from store.importer import import_file, rollback_dataset
from tests.builders import copy_store, insert_localities, page_alone, store_counts

ROOT = Path(__file__).resolve().parents[1]

TABLES = ("datasets", "community_rows", "files", "localities", "facts", "sources")


def make_db(path: Path) -> Path:
    """A database holding a tiny localities table, one source and one fact (built from code)."""
    db = open_database(path)
    try:
        with db.transaction() as cur:
            insert_localities(cur)
            cur.execute("INSERT INTO sources VALUES ('S0', 'x.txt', '测试', NULL, '梧州市')")
            cur.execute(
                "INSERT INTO facts (fact_id, source_id, locality, locality_level, parent, indicator, subject, value, unit, qualifier, period, evidence) VALUES ('F0', 'S0', '梧州市', 'prefecture_city', NULL, 'grids', 'grids', 613, '个', 'exact', NULL, '613个网格')"
            )
    finally:
        close_database(path)
    return path


def counts(path: Path) -> dict[str, int]:
    return store_counts(path, TABLES)


@pytest.fixture
def db_path(store_template, tmp_path: Path) -> Path:
    return copy_store(store_template("importer", make_db), tmp_path / "gov.duckdb")


@pytest.fixture
def db(db_path: Path):
    database = open_database(db_path)
    yield database
    close_database(db_path)


def rows_of(db, dataset_id: int) -> pl.DataFrame:
    rel = db.reader().sql("SELECT * FROM community_rows WHERE dataset_id = ? ORDER BY source_row", params=[dataset_id])
    return pl.from_arrow(rel.to_arrow_table())


def statuses(db) -> dict[int, str]:
    return dict(db.reader().execute("SELECT dataset_id, status FROM datasets").fetchall())


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding=encoding)
    return path


HEADER = ["市", "县（市、区）", "所属街道", "社区名称", "统计期", "小区数", "已建党组织小区数", "网格数（个）",
          "服务群众专项经费（元）", "在职党员报到人数", "常住人口（人）", "户数", "备注"]
ROSTER = [
    ["梧州市2025年城市社区党建基本情况统计表"],
    HEADER,
    ["梧州市", "万秀区", "城东街道", "东风社区", "2025年", "12", "12", "１２３", "1.2万", "1,234", "8,000", "2500", "示范"],
    ["梧州市", "长洲区", "大塘街道", "大塘社区", "2025", "20", "暂无", "—", "500元", "1，234", "空", "", ""],
    [],
    ["合计", "", "", "", "", "32", "", "123", "", "", "", "", ""],
]


def check_roster(db, result) -> None:
    assert result.ok, result.problems
    assert result.rows == 2 and result.period == "2025" and result.scope_id == "450400"
    keys = {w.key for w in result.warnings}
    assert keys == {"import.warn.total_row", "import.warn.unknown_column"}
    assert [w.row for w in result.warnings if w.key == "import.warn.total_row"] == [6]
    df = rows_of(db, result.dataset_id)
    first, second = df.row(0, named=True), df.row(1, named=True)
    assert (first["source_row"], second["source_row"]) == (3, 4)  # title row 1, header row 2
    assert (first["district_id"], second["district_id"]) == ("450403", "450405")
    assert first["city_id"] == "450400"
    assert (first["compounds"], first["compounds_with_party_org"], first["grids"]) == (12, 12, 123)
    assert (first["fund_service"], first["reported_members"], first["residents"], first["households"]) == (12000.0, 1234, 8000, 2500)
    # missing markers are null, never zero
    assert (second["compounds_with_party_org"], second["grids"], second["residents"], second["households"]) == (None, None, None, None)
    assert (second["fund_service"], second["reported_members"]) == (500.0, 1234)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(db, tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / f"roster_{encoding}.csv", ROSTER, encoding)
    check_roster(db, import_file(db, path, who="t"))


def test_tab_separated_gbk(db, tmp_path: Path) -> None:
    text = "\r\n".join("\t".join(r) for r in ROSTER) + "\r\n"
    path = tmp_path / "roster.txt"
    path.write_bytes(text.encode("gbk"))
    check_roster(db, import_file(db, path, who="t"))


def test_xlsx_title_merged_blank_total_two_sheets(db, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "填表说明"
    notes["A1"] = "本表由各城区填报"
    ws = wb.create_sheet("数据")
    ws.append(["梧州市2025年城市社区党建基本情况统计表"])
    ws.merge_cells("A1:H1")
    ws.append([])
    ws.append(HEADER[:12])
    ws.append(["梧州市", "万秀区", "城东街道", "东风社区", 2025.0, 12, 12, 123, "1.2万", 1234, 8000, 2500])
    ws.append(["梧州市", None, "城东街道", "西江社区", 2025, 10, 9, 30, 100000, 300, 5000, 2000])
    ws.append(["梧州市", None, "城南街道", "南岸社区", "2025", 8, 8, 20, "10万元", "—", 6000, 2100])
    ws.merge_cells("B4:B6")  # one district cell over three communities
    ws.append([])
    ws.append(["梧州市", "长洲区", "大塘街道", "大塘社区", 2025, 20, 15, 40, 100000, 200, 9000, 3000])
    ws.append(["合计", None, None, None, None, 50, 44, 213, None, None, None, None])
    path = tmp_path / "roster.xlsx"
    wb.save(path)

    result = import_file(db, path, who="t")
    assert result.ok, result.problems
    assert result.sheet == "数据"
    assert {w.key for w in result.warnings} == {"import.warn.sheet_chosen", "import.warn.total_row"}
    assert [w.row for w in result.warnings if w.key == "import.warn.total_row"] == [9]
    df = rows_of(db, result.dataset_id)
    assert df["source_row"].to_list() == [4, 5, 6, 8]
    assert df["district"].to_list() == ["万秀区", "万秀区", "万秀区", "长洲区"]  # merged cells filled
    assert df["period"].unique().to_list() == ["2025"]  # 2025.0 from Excel
    assert df["fund_service"].to_list() == [12000.0, 100000.0, 100000.0, 100000.0]
    assert df["reported_members"].to_list() == [1234, 300, None, 200]


def test_xlsx_rows_are_numbered_as_in_the_sheet(db, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B2"] = "标题"
    ws.append([])
    ws.append([None, "市", "区县", "社区", "年度", "网格数"])  # header in row 4, data from column B
    ws.append([None, "梧州市", "万秀区", "东风社区", 2025, 10])
    ws.append([None, "梧州市", "万秀区", None, 2025, 10])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    result = import_file(db, path, who="t")
    assert not result.ok
    assert [(p.row, p.column, p.key) for p in result.problems] == [(6, "社区", "import.rule.required_value")]


def test_xlsx_sheet_override(db, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for i, period in enumerate(("2024", "2025")):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = period
        ws.append(["city", "district", "community", "period", "grids"])
        ws.append(["梧州市", "万秀区", "东风社区", period, 10])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    assert import_file(db, path, who="t", dry_run=True).period == "2024"
    chosen = import_file(db, path, who="t", sheet="2025")
    assert chosen.ok and chosen.sheet == "2025" and chosen.period == "2025"
    missing = import_file(db, path, who="t", sheet="2026")
    assert [p.key for p in missing.problems] == ["import.err.sheet_not_found"]


def test_parquet(db, tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "city": ["梧州市", "梧州市"],
            "district": ["万秀区", "万秀区"],
            "community": ["东风社区", "西江社区"],
            "period": [2025, 2025],
            "grids": [10, None],
            "grids_with_party_org": [9, None],
            "fund_service": [100000.5, 120000.0],
            "lon": [111.3, 111.31],
            "lat": [23.5, 23.51],
        }
    )
    path = tmp_path / "r.parquet"
    df.write_parquet(path)
    result = import_file(db, path, who="t")
    assert result.ok, result.problems
    stored = rows_of(db, result.dataset_id)
    assert stored["source_row"].to_list() == [2, 3]
    assert stored["grids"].to_list() == [10, None]
    assert stored["fund_service"].to_list() == [100000.5, 120000.0]
    assert stored["lon"].to_list() == [111.3, 111.31]
    assert result.scope_id == "450403"


def roster_csv(path: Path, communities: list[tuple[str, str]], period: str = "2025", grids: int = 10) -> Path:
    rows = [["city", "district", "community", "period", "grids"]]
    rows += [["梧州市", d, c, period, str(grids)] for d, c in communities]
    return write_csv(path, rows)


def test_duplicate_changes_nothing(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = roster_csv(tmp_path / "a.csv", [("万秀区", "东风社区")])
    assert run(["import", str(path), "--db", str(db_path)]) == 0
    before = counts(db_path)
    capsys.readouterr()
    assert run(["import", str(path), "--db", str(db_path), "--lang", "en"]) == 0
    assert "already imported (dataset 1)" in capsys.readouterr().out
    assert counts(db_path) == before
    db = open_database(db_path)
    try:
        again = import_file(db, path, who="t")
        assert again.duplicate and again.dataset_id == 1
    finally:
        close_database(db_path)
    assert counts(db_path) == before


def test_supersede_and_rollback(db, tmp_path: Path) -> None:
    v1 = import_file(db, roster_csv(tmp_path / "v1.csv", [("万秀区", "东风社区")]), who="t")
    v2 = import_file(db, roster_csv(tmp_path / "v2.csv", [("万秀区", "东风社区")], grids=12), who="t")
    assert (v1.scope_id, v2.scope_id) == ("450403", "450403")
    assert v2.superseded == [v1.dataset_id]
    assert statuses(db) == {v1.dataset_id: "superseded", v2.dataset_id: "active"}

    # a city-wide file replaces the district file's community (the only one it holds)
    city = import_file(db, roster_csv(tmp_path / "city.csv", [("万秀区", "东风社区"), ("长洲区", "大塘社区")]), who="t")
    assert city.scope_id == "450400" and city.superseded == [v2.dataset_id]
    # a district file does not hide the city file's other district; another period replaces nothing
    cz = import_file(db, roster_csv(tmp_path / "cz.csv", [("长洲区", "大塘社区")], grids=11), who="t")
    old = import_file(db, roster_csv(tmp_path / "old.csv", [("万秀区", "东风社区")], period="2024"), who="t")
    assert cz.superseded == [] and old.superseded == []
    assert statuses(db)[city.dataset_id] == "active"

    rolled = rollback_dataset(db, city.dataset_id, who="t")
    assert rolled.reactivated == [v2.dataset_id]
    s = statuses(db)
    assert (s[city.dataset_id], s[v2.dataset_id], s[v1.dataset_id]) == ("rolled_back", "active", "superseded")
    actions = [r[0] for r in db.reader().execute("SELECT action FROM import_log ORDER BY log_id").fetchall()]
    assert actions[-1] == "rollback"


def test_rollback_cli(db_path: Path, tmp_path: Path) -> None:
    assert run(["import", str(roster_csv(tmp_path / "a.csv", [("万秀区", "东风社区")])), "--db", str(db_path)]) == 0
    assert run(["import", str(roster_csv(tmp_path / "b.csv", [("万秀区", "东风社区")], grids=3)), "--db", str(db_path)]) == 0
    assert run(["rollback", "2", "--db", str(db_path)]) == 0
    assert run(["rollback", "2", "--db", str(db_path)]) == 2  # no longer active
    assert run(["rollback", "99", "--db", str(db_path)]) == 2
    db = open_database(db_path)
    try:
        assert statuses(db) == {1: "active", 2: "rolled_back"}
    finally:
        close_database(db_path)


def test_dry_run_writes_nothing(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = roster_csv(tmp_path / "a.csv", [("万秀区", "东风社区")])
    before = counts(db_path)
    assert run(["import", str(path), "--db", str(db_path), "--dry-run"]) == 0
    assert "试运行" in capsys.readouterr().out
    assert counts(db_path) == before


def test_import_cli_prints_rows_and_dataset(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = roster_csv(tmp_path / "a.csv", [("万秀区", "东风社区"), ("万秀区", "西江社区")])
    assert run(["import", str(path), "--db", str(db_path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "2 rows as dataset 1" in out


def test_stored_file_name_is_a_base_name(db, tmp_path: Path) -> None:
    path = roster_csv(tmp_path / "a.csv", [("万秀区", "东风社区")])
    result = import_file(db, path, who="t", original_name="../../etc/passwd\\evil.csv")
    assert result.ok
    assert db.reader().execute("SELECT file_name FROM datasets").fetchall() == [("evil.csv",)]
    content = db.reader().execute("SELECT content FROM files").fetchall()[0][0]
    assert bytes(content) == path.read_bytes()


# ---- hostile input through the real command line ----------------------------------------------
def _cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "store", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_cli_hostile_files_never_traceback(db_path: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(5000)))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 300)
    fake_xlsx = tmp_path / "fake.xlsx"
    fake_xlsx.write_bytes(b"PK\x03\x04 not really a zip")
    fake_parquet = tmp_path / "fake.parquet"
    fake_parquet.write_bytes(b"PAR1 nothing")
    before = counts(db_path)
    for path in (garbage, empty, binary, fake_xlsx, fake_parquet, tmp_path / "missing.csv", tmp_path):
        proc = _cli(["import", str(path), "--db", str(db_path)])
        assert proc.returncode in (1, 2), (path, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr + proc.stdout, (path, proc.stderr)
    assert counts(db_path) == before


# ---- SIGKILL in the middle of an import ---------------------------------------------------------
_KILL_CHILD = r"""
import sys
from contextlib import contextmanager
import store.db as sdb

_orig = sdb.Database.transaction

class Announcing:  # the write cursor, saying when the bulk insert of the rows starts

    def __init__(self, cur):
        self._cur = cur

    def execute(self, query, *args, **kwargs):
        if query.startswith("INSERT INTO community_rows"):
            print("INSERTING", flush=True)
        return self._cur.execute(query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._cur, name)

@contextmanager
def announced(self):
    with _orig(self) as cur:
        print("TRANSACTION", flush=True)
        yield Announcing(cur)

sdb.Database.transaction = announced
from store.cli import run
sys.exit(run(["import", sys.argv[1], "--db", sys.argv[2]]))
"""


@pytest.mark.slow
def test_sigkill_mid_import_leaves_database_as_before(db_path: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.import_bench import make_csv

    assert run(["import", str(roster_csv(tmp_path / "a.csv", [("万秀区", "东风社区")])), "--db", str(db_path)]) == 0
    before = counts(db_path)
    big = make_csv(tmp_path / "big.csv", 300_000)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen([sys.executable, "-c", _KILL_CHILD, str(big), str(db_path)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until the write transaction has begun
        assert line.strip() == "TRANSACTION", (line, child.stderr.read() if child.stderr else "")
        line = child.stdout.readline()  # ... and until the bulk insert of 300k rows starts inside it
        assert line.strip() == "INSERTING", (line, child.stderr.read() if child.stderr else "")
        assert child.poll() is None, "import finished before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert counts(db_path) == before
    db = open_database(db_path)
    try:
        assert db.reader().execute("SELECT count(*) FROM datasets WHERE status = 'active'").fetchall()[0][0] == 1
    finally:
        close_database(db_path)


def test_import_page_history_and_rollback(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    assert run(["import", str(roster_csv(tmp_path / "a.csv", [("万秀区", "东风社区")])), "--db", str(db_path)]) == 0
    assert run(["import", str(roster_csv(tmp_path / "b.csv", [("万秀区", "东风社区")], grids=3)), "--db", str(db_path)]) == 0
    monkeypatch.setenv("GOV_DB", str(db_path))
    at = page_alone("pages/data_import.py").run()
    try:
        assert not at.exception, [e.value for e in at.exception]
        assert at.title[0].value == "数据导入"
        history = at.dataframe[0].value
        assert list(history["编号"]) == [2, 1] and list(history["状态"]) == ["有效", "已被替代"]
        assert at.selectbox[0].options == ["2"]
        at.button(key="import_rollback").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert list(at.dataframe[0].value["状态"]) == ["已撤销", "有效"]
        assert any("已撤销数据集 2" in s.value for s in at.success)
    finally:
        from ui.context import _db

        _db.clear()
        close_database(db_path)


class _Upload(io.BytesIO):
    """Stands in for Streamlit's UploadedFile (AppTest cannot drive a file uploader)."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def test_import_page_validates_then_imports(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    bad = write_csv(tmp_path / "bad.csv", [HEADER[:8], ["梧州市", "万秀区", "城东街道", "东风社区", "2025", "x", "1", "2"]])
    good = roster_csv(tmp_path / "good.csv", [("万秀区", "东风社区"), ("长洲区", "大塘社区")])
    upload = {"file": _Upload(bad.read_bytes(), "bad.csv")}
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: upload["file"])
    monkeypatch.setenv("GOV_DB", str(db_path))
    at = page_alone("pages/data_import.py").run()
    try:
        assert not at.exception, [e.value for e in at.exception]
        problems = at.dataframe[0].value
        assert list(problems["行"]) == [2] and list(problems["列"]) == ["小区数"]
        assert not [b for b in at.button if b.key == "import_confirm"]
        upload["file"] = _Upload(good.read_bytes(), "good.csv")
        at.run()
        assert [m.value for m in at.metric][:3] == ["2", "2025", "梧州市"]
        at.button(key="import_confirm").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("数据集 1" in s.value for s in at.success)
    finally:
        from ui.context import _db

        _db.clear()
        close_database(db_path)
    assert counts(db_path)["community_rows"] == 2


def test_same_district_and_community_names_in_two_cities_are_not_duplicates(db, tmp_path: Path) -> None:
    # 新城区 exists in both cities: a provincial file lists both, and both are kept
    with db.transaction() as cur:
        cur.execute("INSERT INTO localities (locality_id, name_zh, name_en, level, parent_id, adcode) VALUES ('450499', '新城区', 'Xincheng', 'district', '450400', '450499')")
        cur.execute("INSERT INTO localities (locality_id, name_zh, name_en, level, parent_id, adcode) VALUES ('450899', '新城区', 'Xincheng', 'district', '450800', '450899')")
    path = write_csv(
        tmp_path / "province.csv",
        [["city", "district", "community", "period", "grids"],
         ["梧州市", "新城区", "和平社区", "2025", "10"],
         ["贵港市", "新城区", "和平社区", "2025", "20"]],
    )
    result = import_file(db, path, who="t")
    assert result.ok, result.problems
    got = rows_of(db, result.dataset_id).select("city_id", "district_id", "grids").rows()
    assert got == [("450400", "450499", 10), ("450800", "450899", 20)]


def test_same_community_twice_in_one_district_is_still_a_duplicate(db, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "dup.csv",
        [["city", "district", "community", "period", "grids"],
         ["梧州市", "万秀区", "和平社区", "2025", "10"],
         ["梧州市", "万秀区", "和平社区", "2025", "20"]],
    )
    result = import_file(db, path, who="t", dry_run=True)
    assert [(p.row, p.key) for p in result.problems] == [(3, "import.rule.duplicate_row")]


def test_one_community_under_two_spellings_of_its_city_is_a_duplicate(db_path: Path, tmp_path: Path) -> None:
    # 梧州 and 梧州市 resolve to one city: the store would hold the community twice
    path = write_csv(
        tmp_path / "spellings.csv",
        [["city", "district", "community", "period", "grids"],
         ["梧州市", "万秀区", "和平社区", "2025", "10"],
         ["梧州", "万秀区", "和平社区", "2025", "20"]],
    )
    before = counts(db_path)
    db = open_database(db_path)
    try:
        result = import_file(db, path, who="t")
    finally:
        close_database(db_path)
    assert [(p.row, p.column, p.key) for p in result.problems] == [(3, "community", "import.rule.duplicate_row")]
    assert counts(db_path) == before


# ---- what an import replaces: its communities, or a complete roster it is declared to be ----------
def _rows_now(db_path: Path) -> pl.DataFrame:
    from store.read import community_rows

    db = open_database(db_path)
    try:
        cur = db.reader()
        return community_rows(cur)
    finally:
        close_database(db_path)


def _fingerprint(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


CITY_2024 = [("万秀区", f"万{i}社区") for i in range(1, 5)] + [("长洲区", f"长{i}社区") for i in range(1, 4)] \
    + [("龙圩区", f"龙{i}社区") for i in range(1, 4)]


@pytest.fixture
def wuzhou_2024(db_path: Path, tmp_path: Path) -> Path:
    """梧州市 2024 as two rosters, the city's (万秀区 4, 长洲区 3, 龙圩区 3) and 岑溪市's own (2)."""
    assert run(["import", str(roster_csv(tmp_path / "city.csv", CITY_2024, period="2024")), "--db", str(db_path)]) == 0
    cenxi = write_csv(tmp_path / "cenxi.csv", [["city", "district", "community", "period", "grids"],
                                               ["梧州市", "岑溪市", "岑1社区", "2024", "6"], ["梧州市", "岑溪市", "岑2社区", "2024", "6"]])
    assert run(["import", str(cenxi), "--db", str(db_path)]) == 0
    return db_path


STREET_FILE = [("万秀区", "万1社区"), ("万秀区", "万2社区"), ("长洲区", "长1社区"), ("长洲区", "长2社区"), ("长洲区", "长9社区")]


def test_a_partial_file_keeps_the_other_districts_and_the_county_level_city(wuzhou_2024: Path, tmp_path: Path) -> None:
    before = _rows_now(wuzhou_2024)
    path = roster_csv(tmp_path / "street.csv", STREET_FILE, period="2024", grids=20)
    assert run(["import", str(path), "--db", str(wuzhou_2024)]) == 0
    after = _rows_now(wuzhou_2024).filter(pl.col("period") == "2024")
    untouched = {("450403", "万3社区"), ("450403", "万4社区"), ("450405", "长3社区"),
                 ("450406", "龙1社区"), ("450406", "龙2社区"), ("450406", "龙3社区"),
                 ("450481", "岑1社区"), ("450481", "岑2社区")}
    shown = set(after.select("district_id", "community").rows())
    assert untouched <= shown and ("450405", "长9社区") in shown
    assert after.height == before.height + 1  # one new community; four replaced in place
    assert set(after.filter(pl.col("grids") == 20)["community"].to_list()) == {c for _, c in STREET_FILE}
    db = open_database(wuzhou_2024)
    try:
        assert statuses(db) == {1: "active", 2: "active", 3: "active"}
    finally:
        close_database(wuzhou_2024)


def test_complete_for_replaces_and_reports_what_it_replaces(wuzhou_2024: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = roster_csv(tmp_path / "street.csv", STREET_FILE, period="2024", grids=20)
    capsys.readouterr()
    assert run(["import", str(path), "--db", str(wuzhou_2024), "--complete-for", "梧州市", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "将从 2024 年移除：万秀区（2 个社区）、长洲区（1 个社区）、龙圩区（3 个社区）。" in out
    assert "保留不变：岑溪市（2 个社区）" in out
    assert "数据集 1（city.csv，梧州市，2024，10 行）：替代其中 10 行，整个数据集将被替代。" in out
    assert "已替代旧版本数据集：1。" in out
    after = _rows_now(wuzhou_2024).filter(pl.col("period") == "2024")
    assert set(after["district_id"].to_list()) == {"450403", "450405", "450481"}  # 龙圩区 gone, 岑溪市 kept
    assert after.height == 5 + 2


def test_a_change_that_needs_confirming_exits_2_without_yes_and_writes_nothing(
    wuzhou_2024: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = roster_csv(tmp_path / "street.csv", STREET_FILE, period="2024")
    before, print_before = counts(wuzhou_2024), _fingerprint(wuzhou_2024)
    capsys.readouterr()
    assert run(["import", str(path), "--db", str(wuzhou_2024), "--complete-for", "梧州市", "--lang", "en"]) == 2
    out = capsys.readouterr().out
    assert "Communities removed from 2024 (6), by district" in out  # the preview first
    assert ("street.csv was not imported; the database is unchanged: 6 communities would be removed from 2024 "
            "(more than 5). Districts the file does not name would change: Longxu District.") in out
    assert "--yes" in out
    assert counts(wuzhou_2024) == before and _fingerprint(wuzhou_2024) == print_before


def test_a_district_roster_that_removes_few_needs_no_yes(wuzhou_2024: Path, tmp_path: Path) -> None:
    path = roster_csv(tmp_path / "wanxiu.csv", STREET_FILE[:2], period="2024")
    assert run(["import", str(path), "--db", str(wuzhou_2024), "--complete-for", "万秀区"]) == 0
    assert set(_rows_now(wuzhou_2024).filter(pl.col("district_id") == "450403", pl.col("period") == "2024")["community"]) \
        == {"万1社区", "万2社区"}


def test_dry_run_prints_the_preview_and_changes_nothing(wuzhou_2024: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "street.csv", [["市", "区县", "社区名称", "统计期", "网格数（个）", "服务群众专项经费（元）"],
                                               ["梧州市", "万秀区", "万1社区", "2024年", "１２", "3.5万"]])
    before, print_before = counts(wuzhou_2024), _fingerprint(wuzhou_2024)
    capsys.readouterr()
    for extra in ([], ["--complete-for", "梧州市"]):
        assert run(["import", str(path), "--db", str(wuzhou_2024), "--dry-run", *extra]) == 0
    out = capsys.readouterr().out
    assert "数据集 1（city.csv，梧州市，2024，10 行）：替代其中 1 行，其余 9 行仍然有效。" in out
    assert "万秀区  万1社区  10 → 12" in out  # before → after
    assert "35,000" in out  # what 3.5万 became
    assert "正式导入需要再次确认（--yes）" in out  # the complete roster's dry run says what an import would need
    assert counts(wuzhou_2024) == before and _fingerprint(wuzhou_2024) == print_before


@pytest.mark.parametrize("complete_for", [None, "梧州市"])
def test_rollback_restores_exactly_what_the_import_replaced(wuzhou_2024: Path, tmp_path: Path, complete_for) -> None:
    before = _rows_now(wuzhou_2024)
    db = open_database(wuzhou_2024)
    try:
        path = roster_csv(tmp_path / "street.csv", STREET_FILE, period="2024", grids=20)
        done = import_file(db, path, who="t", complete_for=complete_for, confirmed=True)
        assert done.ok and done.dataset_id == 3
        with db.transaction() as cur:  # the note is for people: rollback must not need it
            cur.execute("UPDATE datasets SET note = 'superseded 99' WHERE dataset_id = 3")
        rolled = rollback_dataset(db, 3, who="t")
        assert rolled.reactivated == ([] if complete_for is None else [1])
        assert (rolled.withdrawn, rolled.restored) == (5, 4 if complete_for is None else 10)
    finally:
        close_database(wuzhou_2024)
    assert _rows_now(wuzhou_2024).equals(before)


def test_an_unknown_complete_for_is_refused_and_nothing_is_written(wuzhou_2024: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = roster_csv(tmp_path / "street.csv", STREET_FILE, period="2024")
    before = counts(wuzhou_2024)
    capsys.readouterr()
    assert run(["import", str(path), "--db", str(wuzhou_2024), "--complete-for", "南宁市", "--yes"]) == 2
    assert "找不到“南宁市”" in capsys.readouterr().out
    assert counts(wuzhou_2024) == before


def test_bad_rows_are_still_reported_by_row_and_column_with_complete_for(wuzhou_2024: Path, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "bad.csv", [["city", "district", "community", "period", "grids", "grids_with_party_org"],
                                            ["梧州市", "万秀区", "万1社区", "2024", "10", "12"],
                                            ["梧州市", "长州区", "长1社区", "2024", "10", "10"]])
    before = counts(wuzhou_2024)
    capsys.readouterr()
    assert run(["import", str(path), "--db", str(wuzhou_2024), "--complete-for", "梧州市", "--yes"]) == 2
    out = capsys.readouterr().out
    assert "bad.csv 未导入：发现 2 个问题" in out
    assert "grids_with_party_org" in out and "长州区" in out and "长洲区" in out  # the column, the value, the suggestion
    assert counts(wuzhou_2024) == before


def test_a_preview_gone_stale_is_not_written(wuzhou_2024: Path, tmp_path: Path) -> None:
    from store.importer import import_bytes, preview_import, validate_bytes
    from tests.builders import LOCALITIES as LOC

    data = roster_csv(tmp_path / "street.csv", STREET_FILE, period="2024").read_bytes()
    db = open_database(wuzhou_2024)
    try:
        seen = preview_import(db, validate_bytes(data, "street.csv", LOC), LOC)
        other = roster_csv(tmp_path / "other.csv", [("万秀区", "万1社区")], period="2024", grids=3)
        assert import_file(db, other, who="t").ok  # someone else imports meanwhile
        before = statuses(db)
        late = import_bytes(db, data, "street.csv", who="t", expect=seen.token)
        assert (late.ok, late.stale, late.dataset_id) == (False, True, None)
        assert late.preview is not None and late.preview.token != seen.token
        assert statuses(db) == before
    finally:
        close_database(wuzhou_2024)


def test_a_database_from_before_coverage_keeps_what_its_imports_replaced(tmp_path: Path) -> None:
    """Old imports superseded everything inside their scope; opening such a database keeps that meaning."""
    path = make_db(tmp_path / "old.duckdb")
    db = open_database(path)
    try:
        assert import_file(db, roster_csv(tmp_path / "a.csv", CITY_2024, period="2024"), who="t").ok
        assert import_file(db, roster_csv(tmp_path / "b.csv", STREET_FILE, period="2024"), who="t").ok
        with db.transaction() as cur:  # as the old rule left it: 2 superseded 1 by scope, no coverage rows
            cur.execute("UPDATE datasets SET status = 'superseded' WHERE dataset_id = 1")
            cur.execute("UPDATE datasets SET supersedes = 1, note = 'superseded 1' WHERE dataset_id = 2")
            cur.execute("DELETE FROM meta WHERE key = 'coverage_rule'")
    finally:
        close_database(path)
    # a database from before coverage also predates published snapshots: no pointer, so opening it
    # brings its schema up to date (store/db.py) instead of reading the snapshot published above
    import shutil

    from store.publish import published_dir

    shutil.rmtree(published_dir(path))
    db = open_database(path)  # the schema's one-time step gives dataset 2 its scope's districts
    try:
        shown = db.reader().execute("SELECT count(*) FROM dataset_coverage WHERE dataset_id = 2").fetchall()[0][0]
        assert shown == 4  # 万秀区, 长洲区, 龙圩区, 岑溪市: everything inside 梧州市
        assert import_file(db, roster_csv(tmp_path / "c.csv", [("龙圩区", "龙9社区")], period="2024"), who="t").ok
        assert statuses(db)[1] == "superseded"  # relabelling the period keeps the old replacement
        assert rollback_dataset(db, 2, who="t").reactivated == [1]
    finally:
        close_database(path)


def test_import_page_previews_then_asks_twice_before_removing(wuzhou_2024: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    path = roster_csv(tmp_path / "street.csv", STREET_FILE, period="2024", grids=20)
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: _Upload(path.read_bytes(), "street.csv"))
    monkeypatch.setenv("GOV_DB", str(wuzhou_2024))
    at = page_alone("pages/data_import.py").run()
    try:
        assert not at.exception, [e.value for e in at.exception]
        said = [x.value for x in at.text]
        assert "只替代文件中列出的社区；2024 年的其他社区保持不变。" in said
        assert "梧州市 2024 年的社区数：12 → 13。" in said
        assert "数据集 1（city.csv，梧州市，2024，10 行）：替代其中 4 行，其余 6 行仍然有效。" in said

        at.selectbox(key="import_complete_for").set_value("450400").run()
        assert "梧州市 2024 年的社区数：12 → 7。" in [x.value for x in at.text]
        assert any("龙圩区" in w.value for w in at.warning)
        at.button(key="import_confirm").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("请再次确认" in e.value for e in at.error)  # the second step, and nothing written yet
        assert len(statuses(open_database(wuzhou_2024))) == 2  # the page's own instance: not closed here
        at.button(key="import_cancel").click().run()
        assert not [b for b in at.button if b.key == "import_confirm_again"]

        at.selectbox(key="import_complete_for").set_value(None).run()
        at.button(key="import_confirm").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("已导入：数据集 3" in s.value and "其余 6 行仍然有效" in s.value for s in at.success)
    finally:
        from ui.context import _db

        _db.clear()
        close_database(wuzhou_2024)
    shown = _rows_now(wuzhou_2024).filter(pl.col("period") == "2024")
    assert shown.height == 13 and {"450406", "450481"} <= set(shown["district_id"].to_list())


def test_the_same_file_as_a_complete_roster_is_not_a_duplicate(wuzhou_2024: Path, tmp_path: Path) -> None:
    path = roster_csv(tmp_path / "wanxiu.csv", STREET_FILE[:2], period="2024")
    db = open_database(wuzhou_2024)
    try:
        partial = import_file(db, path, who="t")
        assert import_file(db, path, who="t").duplicate
        complete = import_file(db, path, who="t", complete_for="万秀区")
        assert complete.ok and not complete.duplicate and complete.superseded == [partial.dataset_id]
        assert import_file(db, path, who="t", complete_for="450403").duplicate  # the same place by its code
    finally:
        close_database(wuzhou_2024)
