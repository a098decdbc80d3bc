"""Property-based: random and mutated files through the real CLI entry (store.cli.run) in-process.

Always exit 0 (imported, or a valid duplicate) or 2 (refused with a report), never an exception, never a
traceback; whenever it says 2, not a data table changed. Deterministic (derandomize=True), bounded.
Then the upload guards: size limit, XLSX decompression bombs (ratio, total, entry count, a forged
directory), Parquet bombs.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import struct
import tomllib
import zipfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import readers
from store.backup import fingerprints
from store.cli import run
from store.db import close_database, open_database
from store.importer import import_bytes, validate_bytes
from tests.conftest import ROOT

SAMPLE = (ROOT / "data" / "samples" / "synthetic_450400_wuzhou_2025.csv").read_bytes()
DATA_TABLES = ("datasets", "community_rows", "files", "localities", "facts", "sources", "indicators", "meta")
FUZZ = settings(derandomize=True, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])


class Target:
    """One database for a test, and the CLI run against it with the outcome checked."""

    def __init__(self, path: Path, work: Path) -> None:
        self.path, self.work, self.n = path, work, 0
        self.codes: dict[int, int] = {}
        self.last = self.snapshot()

    def snapshot(self) -> dict[str, tuple[int, int]]:
        con = duckdb.connect(str(self.path), read_only=True)  # nothing to write, nothing to checkpoint
        try:
            prints = fingerprints(con)
            return {t: prints[t] for t in DATA_TABLES}
        finally:
            con.close()

    def check(self, data: bytes, suffix: str) -> int:
        self.n += 1
        path = self.work / f"f{self.n}{suffix}"
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = run(["import", str(path), "--db", str(self.path), "--lang", "en"])
        text = out.getvalue() + err.getvalue()
        path.unlink()
        assert rc in (0, 2), (rc, text[-2000:])
        assert "Traceback" not in text and "unexpected error" not in text, text[-2000:]
        now = self.snapshot()
        if rc == 2:
            assert now == self.last, "refused, yet the data tables changed"
        self.last = now
        self.codes[rc] = self.codes.get(rc, 0) + 1
        return rc


@pytest.fixture
def target(bootstrapped_db_path, tmp_path) -> Target:
    path = tmp_path / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, path)
    work = tmp_path / "in"
    work.mkdir()
    return Target(path, work)


# ---- random bytes -------------------------------------------------------------------------------
MAGIC = [b"", b"PK\x03\x04", b"PAR1", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"\xff\xfe"]
SUFFIXES = [".csv", ".xlsx", ".xls", ".parquet", ".txt", ""]


@pytest.mark.slow  # 50-60 imports through the CLI each: ~10 s
@settings(FUZZ, max_examples=50)
@given(magic=st.sampled_from(MAGIC), body=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(target, magic, body, suffix):
    target.check(magic + body, suffix)


# ---- a valid roster, mutated ------------------------------------------------------------------------
LINES = SAMPLE.decode("utf-8").splitlines()
HUGE = ["9" * 400, "1e400", "-1e308", "NaN", "inf", "-0", "1,2,3", "１２３４５６７８９０１２３", "0x10", "1_000", "2²"]
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-be", "latin-1", "shift_jis", "cp1252", "big5"]

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, len(SAMPLE) - 1), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, len(SAMPLE) - 1)),
    st.tuples(st.just("cell"), st.integers(0, len(LINES) - 1), st.integers(0, 40), st.text(max_size=30)),
    st.tuples(st.just("huge"), st.integers(2, len(LINES) - 1), st.integers(0, 28), st.sampled_from(HUGE)),
    st.tuples(st.just("dup_line"), st.integers(2, len(LINES) - 1)),
    st.tuples(st.just("drop_line"), st.integers(0, len(LINES) - 1)),
)


def mutate(ops: list[tuple], period: str, encoding: str) -> bytes:
    lines = [line.replace(",2025,", f",{period},") for line in LINES]
    for op in ops:
        if op[0] in ("flip", "truncate") or not lines:
            continue
        i = op[1] % len(lines)  # earlier operations may have added or removed lines
        if op[0] == "cell":
            cells = lines[i].split(",")
            cells.insert(min(op[2], len(cells)), op[3])
            lines[i] = ",".join(cells)
        elif op[0] == "huge":
            cells = lines[i].split(",")
            if op[2] < len(cells):
                cells[op[2]] = op[3]
            lines[i] = ",".join(cells)
        elif op[0] == "dup_line":
            lines.insert(i, lines[i])
        elif op[0] == "drop_line" and len(lines) > 1:
            del lines[i]
    data = "\n".join(lines).encode(encoding, errors="replace")
    for op in ops:
        if op[0] == "flip" and data:
            i = op[1] % len(data)
            data = data[:i] + bytes([data[i] ^ op[2]]) + data[i + 1:]
        elif op[0] == "truncate":
            data = data[: op[1]]
    return data


@settings(FUZZ, max_examples=60)
@given(ops=st.lists(mutation, max_size=4), period=st.sampled_from(["2025", "2034", "2035年"]),
       encoding=st.sampled_from(ENCODINGS))
@pytest.mark.slow  # 50-60 imports through the CLI each: ~10 s
def test_mutated_sample_csv(target, ops, period, encoding):
    target.check(mutate(ops, period, encoding), ".csv")


# ---- random workbooks ---------------------------------------------------------------------------
HEADER = LINES[1].split(",")
cell = st.one_of(
    st.none(), st.integers(-(10**18), 10**18), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=20), st.sampled_from(["梧州市", "万秀区", "第1街道", "2025", "合计", "=1+1", "110101199003071234", "1.2万"]),
)
# a sample row with a few cells replaced: deep enough to reach the row rules
plausible_row = st.tuples(st.integers(2, len(LINES) - 1), st.dictionaries(st.integers(0, 28), cell, max_size=2))


def sample_row(i: int, period: str = "2036", **replace: object) -> list:
    cells: list = LINES[i].split(",")
    cells[5] = period
    for j, value in replace.items():
        cells[int(j[1:])] = value
    return cells


def workbook(title: list, header: list, rows: list[list], sheets: int) -> bytes:
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"nan_inf_to_errors": True, "strings_to_formulas": False}) as wb:
        for s in range(sheets):
            ws = wb.add_worksheet(f"S{s}")
            r = 0
            if title:
                ws.write_row(r, 0, title)
                r += 1
            ws.write_row(r, 0, header)
            for row in rows:
                r += 1
                ws.write_row(r, 0, row)
    return buf.getvalue()


@settings(FUZZ, max_examples=40)
@given(
    title=st.lists(cell, max_size=3),
    header=st.one_of(st.just(HEADER), st.lists(st.one_of(st.sampled_from(HEADER), st.text(max_size=8)), max_size=30)),
    plausible=st.lists(plausible_row, min_size=1, max_size=4),
    random_rows=st.lists(st.lists(cell, max_size=30), max_size=3),
    sheets=st.integers(1, 2),
    flip=st.one_of(st.none(), st.tuples(st.integers(0, 10**6), st.integers(1, 255))),
)
@pytest.mark.slow  # 50-60 imports through the CLI each: ~10 s
def test_random_xlsx(target, title, header, random_rows, plausible, sheets, flip):
    rows = [sample_row(i, **{f"c{j}": v for j, v in changes.items()}) for i, changes in plausible] + random_rows
    data = workbook(title, header, rows, sheets)
    if flip is not None:
        i = flip[0] % len(data)
        data = data[:i] + bytes([data[i] ^ flip[1]]) + data[i + 1:]
    target.check(data, ".xlsx")


def test_fuzz_targets_reach_both_outcomes(target):
    """The strategies are not vacuous: an untouched sample in a new period imports (0), garbage is refused (2)."""
    assert target.check(mutate([], "2037", "utf-8"), ".csv") == 0
    assert target.check(mutate([], "2037", "gb18030"), ".csv") == 0  # same rows, other bytes: supersedes
    assert target.check(b"\x00\x01garbage", ".csv") == 2
    assert target.check(workbook(["标题行"], HEADER, [sample_row(2, "2038"), sample_row(3, "2038")], 1), ".xlsx") == 0


# ---- upload guards --------------------------------------------------------------------------------
def reasons(data: bytes, name: str) -> list[str]:
    return [p.key for p in validate_bytes(data, name, _localities()).problems]


_LOC: list = []


def _localities():
    if not _LOC:
        import polars as pl

        _LOC.append(pl.read_csv(ROOT / "data" / "localities.csv", infer_schema=False))
    return _LOC[0]


def test_store_limit_matches_the_page_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == readers.DEFAULT_MAX_UPLOAD_MB


def test_size_limit_refuses_for_every_path(target, monkeypatch, tmp_path):
    monkeypatch.setenv("GOV_MAX_UPLOAD_MB", str(4 / 1024))  # 4 KiB; the sample is ~6 KiB
    assert reasons(SAMPLE, "x.csv") == ["access.upload.too_large"]
    assert target.check(SAMPLE.replace(b",2025,", b",2039,"), ".csv") == 2  # the CLI: refused before reading
    db = open_database(target.path)
    try:
        for data in (SAMPLE.replace(b",2025,", b",2039,"), SAMPLE):  # a new file, and bytes already imported
            result = import_bytes(db, data, "x.csv", who="admin", lang="en")
            assert not result.ok and result.problems[0].key == "access.upload.too_large"
            assert "the limit is 0 MB" in result.problems[0].reason
    finally:
        close_database(target.path)
    assert target.snapshot() == target.last


def _zip(entries: list[tuple[str, bytes]], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression, compresslevel=9) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


def test_xlsx_bomb_by_ratio_is_refused_before_parsing(monkeypatch):
    import fastexcel

    called = []
    monkeypatch.setattr(fastexcel, "read_excel", lambda *a, **k: called.append(1))
    bomb = _zip([("[Content_Types].xml", b"<Types/>"), ("xl/worksheets/sheet1.xml", b" " * (40 * 2**20))])
    assert len(bomb) < 200_000
    assert reasons(bomb, "bomb.xlsx") == ["access.upload.zip_bomb"]
    assert called == []  # the parser never saw it


def test_xlsx_bomb_by_total_size(monkeypatch):
    monkeypatch.setattr(readers, "MAX_UNCOMPRESSED", 3 * 2**20)
    parts = [(f"xl/worksheets/sheet{i}.xml", bytes(range(256)) * 4096) for i in range(4)]  # 1 MiB each, low ratio
    assert reasons(_zip(parts, zipfile.ZIP_STORED), "big.xlsx") == ["access.upload.zip_bomb"]


def test_xlsx_with_too_many_parts():
    parts = [(f"xl/p{i}.xml", b"<x/>") for i in range(readers.MAX_ZIP_ENTRIES + 1)]
    assert reasons(_zip(parts), "many.xlsx") == ["access.upload.zip_entries"]


def test_xlsx_with_forged_sizes_is_refused_as_corrupt():
    """A central directory that understates a part's size: caught by decompressing, not trusted."""
    real = b"<worksheet>" + b"A" * (5 * 2**20) + b"</worksheet>"
    data = bytearray(_zip([("[Content_Types].xml", b"<Types/>"), ("xl/worksheets/sheet1.xml", real)]))
    forged = 1000
    for m in re.finditer(rb"PK\x01\x02", data):  # central directory entries: uncompressed size at +24
        if data[m.start() + 46: m.start() + 46 + 24] == b"xl/worksheets/sheet1.xml":
            data[m.start() + 24: m.start() + 28] = struct.pack("<I", forged)
    for m in re.finditer(rb"PK\x03\x04", data):  # local headers: uncompressed size at +22
        if data[m.start() + 30: m.start() + 30 + 24] == b"xl/worksheets/sheet1.xml":
            data[m.start() + 22: m.start() + 26] = struct.pack("<I", forged)
    assert reasons(bytes(data), "forged.xlsx") == ["import.err.corrupt"]


def test_parquet_bomb_is_refused_from_its_footer(monkeypatch):
    monkeypatch.setattr(readers, "MAX_PARQUET_ROWS", 100_000)
    table = pa.table({"社区名称": pa.array(["同一个社区"] * 150_000), "小区数": pa.array([1] * 150_000)})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    assert len(buf.getvalue()) < 50_000
    assert reasons(buf.getvalue(), "bomb.parquet") == ["access.upload.parquet_bomb"]


def test_a_real_workbook_passes_the_guards():
    data = workbook(["梧州市2025年社区统计表"], HEADER, [line.split(",") for line in LINES[2:]], 1)
    v = validate_bytes(data, "ok.xlsx", _localities())
    assert v.ok, v.problems[:3]
