"""Every validation rule refuses through the CLI with a report naming row and column, and the database stays unchanged."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from store import rules
from store.cli import run
from store.db import close_database, open_database
from store.importer import import_file, message, validate_bytes
from tests.builders import LOCALITIES as LOC
from tests.builders import insert_localities, store_counts

TABLES = ("datasets", "community_rows", "files", "localities", "facts")

HEADER = ["市", "区县", "街道", "社区名称", "社区代码", "统计期", "经度", "纬度", "常住人口", "户数", "小区数",
          "已建党组织小区数", "网格数（个）", "已建党组织网格数", "服务群众专项经费（元）"]
GOOD = [
    ["梧州市", "万秀区", "城东街道", "东风社区", "450403001001", "2025", "111.3", "23.5", "8000", "2500", "12", "10", "20", "18", "100000"],
    ["梧州市", "长洲区", "大塘街道", "大塘社区", "", "2025", "", "", "9000", "3000", "8", "8", "15", "15", "120000"],
]


def to_csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def counts(path: Path) -> dict[str, int]:
    return store_counts(path, TABLES)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny localities database that already holds one valid dataset."""
    tmp = tmp_path_factory.mktemp("rules")
    path = tmp / "gov.duckdb"
    db = open_database(path)
    try:
        with db.transaction() as cur:
            insert_localities(cur)
            cur.execute("INSERT INTO facts (fact_id, source_id, locality, locality_level, parent, indicator, subject, value, unit, qualifier, period, evidence) VALUES ('F0', 'S0', '梧州市', 'prefecture_city', NULL, 'grids', 'grids', 613, '个', 'exact', NULL, '613个网格')")
        good = tmp / "good.csv"
        good.write_bytes(to_csv([HEADER, *GOOD]))
        assert import_file(db, good, who="t").ok
    finally:
        close_database(path)
    return path


def cell(rows: list[list[str]], row: int, header: str, value: str) -> list[list[str]]:
    """Set the cell at person-visible row `row` (header is row 1) under `header`."""
    out = [list(r) for r in rows]
    out[row - 1][out[0].index(header)] = value
    return out


def base() -> list[list[str]]:
    return [list(HEADER), *[list(r) for r in GOOD]]


def drop_column(rows: list[list[str]], header: str) -> list[list[str]]:
    i = rows[0].index(header)
    return [r[:i] + r[i + 1 :] for r in rows]


def add_column(rows: list[list[str]], header: str, values: list[str]) -> list[list[str]]:
    return [rows[0] + [header]] + [r + [v] for r, v in zip(rows[1:], values, strict=True)]


# (case id, how to break the file, expected (row, column as the report names it, message key))
CASES: list[tuple[str, Callable[[], list[list[str]]], tuple[int, str, str]]] = [
    ("missing column", lambda: drop_column(base(), "统计期"), (1, "period", "import.rule.missing_column")),
    ("required value", lambda: cell(base(), 3, "社区名称", ""), (3, "社区名称", "import.rule.required_value")),
    ("required value marker", lambda: cell(base(), 2, "区县", "—"), (2, "区县", "import.rule.required_value")),
    ("not a number", lambda: cell(base(), 2, "网格数（个）", "二十"), (2, "网格数（个）", "import.rule.not_a_number")),
    ("not whole", lambda: cell(base(), 3, "常住人口", "9000.5"), (3, "常住人口", "import.rule.not_whole")),
    ("negative", lambda: cell(base(), 2, "小区数", "-1"), (2, "小区数", "import.rule.negative")),
    ("negative money", lambda: cell(base(), 3, "服务群众专项经费（元）", "-5万"), (3, "服务群众专项经费（元）", "import.rule.negative")),
    ("part > whole", lambda: cell(base(), 2, "已建党组织网格数", "25"), (2, "已建党组织网格数", "import.rule.part_exceeds_whole")),
    ("compounds part", lambda: cell(base(), 3, "已建党组织小区数", "9"), (3, "已建党组织小区数", "import.rule.part_exceeds_whole")),
    ("households > residents", lambda: cell(base(), 2, "户数", "8001"), (2, "户数", "import.rule.part_exceeds_whole")),
    ("residents bound", lambda: cell(base(), 2, "常住人口", "50.1万"), (2, "常住人口", "import.rule.too_large")),
    ("compounds bound", lambda: cell(base(), 2, "小区数", "1001"), (2, "小区数", "import.rule.too_large")),
    ("grids bound", lambda: cell(base(), 3, "网格数（个）", "1.2万"), (3, "网格数（个）", "import.rule.too_large")),
    ("money bound", lambda: cell(base(), 2, "服务群众专项经费（元）", "20亿"), (2, "服务群众专项经费（元）", "import.rule.too_large")),
    ("lon", lambda: cell(base(), 2, "经度", "200"), (2, "经度", "import.rule.out_of_range")),
    ("lat", lambda: cell(base(), 2, "纬度", "60"), (2, "纬度", "import.rule.out_of_range")),
    ("lon text", lambda: cell(base(), 2, "经度", "东经111"), (2, "经度", "import.rule.not_a_number")),
    ("community code", lambda: cell(base(), 2, "社区代码", "45040300100"), (2, "社区代码", "import.rule.community_code")),
    ("duplicate row", lambda: cell(cell(base(), 3, "社区名称", "东风社区"), 3, "区县", "万秀区"), (3, "社区名称", "import.rule.duplicate_row")),
    ("invalid period", lambda: cell(base(), 2, "统计期", "1999"), (2, "统计期", "import.rule.invalid_period")),
    ("period text", lambda: cell(base(), 2, "统计期", "去年"), (2, "统计期", "import.rule.invalid_period")),
    ("several periods", lambda: cell(base(), 3, "统计期", "2024年"), (3, "统计期", "import.rule.several_periods")),
    ("unknown city", lambda: cell(base(), 2, "市", "梧洲市"), (2, "市", "import.rule.unknown_city")),
    ("unknown district", lambda: cell(base(), 3, "区县", "长州区"), (3, "区县", "import.rule.unknown_district")),
    ("district in another city", lambda: cell(base(), 2, "区县", "港北区"), (2, "区县", "import.rule.district_not_in_city")),
    ("doubled column", lambda: add_column(base(), "社区", ["东风社区", "大塘社区"]), (1, "社区", "import.rule.duplicate_column")),
]


def _report_line(out: str, row: int, column: str) -> str | None:
    """The report line for (row, column): columns are separated by two or more spaces."""
    for line in out.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if str(row) in cells and column in cells:
            return line
    return None


@pytest.mark.parametrize(("case", "make", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_refuses_through_cli(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, make, expected) -> None:
    row, column, key = expected
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv(make()))
    before = counts(db_path)
    capsys.readouterr()
    assert run(["import", str(path), "--db", str(db_path), "--lang", "en"]) == 2
    out = capsys.readouterr().out
    line = _report_line(out, row, column)
    assert line is not None, out
    assert message(key, "en").split("{")[0].strip()[:20] in line, (line, key)
    assert counts(db_path) == before

    # the same through the API: exactly this problem, in Chinese by default
    db = open_database(db_path)
    try:
        result = import_file(db, path, who="t", dry_run=True)
    finally:
        close_database(db_path)
    assert not result.ok
    assert (row, column, key) in [(p.row, p.column, p.key) for p in result.problems], result.problems
    assert all(p.file == "bad.csv" for p in result.problems)


def test_suggestions_name_the_closest_district() -> None:
    v = validate_bytes(to_csv(cell(base(), 3, "区县", "长州区")), "x.csv", LOC, lang="en")
    (problem,) = v.problems
    assert "长洲区" in problem.reason and "梧州市" in problem.reason
    v = validate_bytes(to_csv(cell(base(), 2, "区县", "港北区")), "x.csv", LOC)
    assert "贵港市" in v.problems[0].reason


@pytest.mark.parametrize(
    ("header", "value", "expected_column"),
    [
        ("联系电话", "0774-1234567", "联系电话"),  # a personal header alone refuses the file
        ("备注", "书记身份证450403199001011234", "备注"),  # an ID-card number in any cell
        ("备注", "联系13912345678", "备注"),  # a mobile number
        ("备注", "１３９１２３４５６７８", "备注"),  # full-width digits too
    ],
)
def test_personal_data_refused_and_masked(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          header: str, value: str, expected_column: str) -> None:
    rows = add_column(base(), header, ["", value])
    path = tmp_path / "people.csv"
    path.write_bytes(to_csv(rows))
    before = counts(db_path)
    capsys.readouterr()
    assert run(["import", str(path), "--db", str(db_path)]) == 2
    out = capsys.readouterr().out
    digits = re.sub(r"\D", "", value.translate({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}))
    assert value not in out and digits[:9] not in out  # the personal value is never echoed
    assert expected_column in out and "people.csv" in out
    assert counts(db_path) == before
    v = validate_bytes(path.read_bytes(), "people.csv", LOC)
    assert v.personal_data and all(p.key.startswith("import.rule.personal") for p in v.problems)
    if header == "备注":
        (p,) = v.problems
        assert p.row == 3 and p.column == "备注" and p.value is not None and value not in p.value


def test_numbers_that_only_look_like_phones_are_fine() -> None:
    rows = cell(base(), 2, "经度", "111.13912345678")  # 11 digits after a decimal point: a coordinate
    assert validate_bytes(to_csv(rows), "x.csv", LOC).ok


def test_tolerant_locality_names() -> None:
    rows = cell(cell(base(), 2, "区县", "万秀"), 3, "市", "Wuzhou")  # no suffix; the English name
    v = validate_bytes(to_csv(rows), "x.csv", LOC)
    assert v.ok, v.problems
    assert v.frame is not None and v.frame["district_id"].to_list() == ["450403", "450405"]
    assert v.scope_id == "450400" and v.scope_name == "梧州市"


def test_unknown_columns_warn_and_are_not_kept() -> None:
    v = validate_bytes(to_csv(add_column(base(), "书记寄语", ["加油", ""])), "x.csv", LOC)
    assert v.ok
    assert [(w.key, w.column) for w in v.warnings] == [("import.warn.unknown_column", "书记寄语")]
    assert v.frame is not None and "书记寄语" not in v.frame.columns


def test_every_problem_at_once() -> None:
    rows = cell(cell(cell(base(), 2, "网格数（个）", "x"), 3, "服务群众专项经费（元）", "-2"), 3, "统计期", "1999")
    v = validate_bytes(to_csv(rows), "x.csv", LOC)
    assert [(p.row, p.key) for p in v.problems] == [
        (2, "import.rule.not_a_number"),
        (3, "import.rule.invalid_period"),
        (3, "import.rule.negative"),
    ]


def test_scope_is_the_district_when_rows_share_one() -> None:
    rows = cell(cell(base(), 3, "区县", "万秀区"), 3, "社区名称", "西江社区")
    v = validate_bytes(to_csv(rows), "x.csv", LOC)
    assert v.ok and v.scope_id == "450403"


def test_every_rule_has_both_messages() -> None:
    keys = {r.key for r in rules.rule_table()} | {
        "import.rule.missing_column", "import.rule.several_periods", "import.rule.unknown_city",
        "import.rule.unknown_district", "import.rule.district_not_in_city", "import.rule.personal_column",
        "import.rule.personal_value", "import.rule.duplicate_column", "import.rule.no_localities",
    }
    for key in keys:
        assert message(key, "zh") != key and message(key, "en") != key
        assert message(key, "zh") != message(key, "en")


def test_locality_index_chain() -> None:
    index = rules.LocalityIndex(LOC)
    assert index.within("450403", "450400") and index.within("450400", "450400")
    assert not index.within("450400", "450403")
    assert index.lowest_common(["450400", "450800"]) == "450000"
    assert rules.scope_of(index, ["450403", "450405"], ["450400", "450400"]) == "450400"


@pytest.mark.parametrize(("text", "is_total"), [("合计", True), ("合  计", True), ("总计", True), ("小计：", True),
                                                ("全市合计", True), ("合计社区", False), ("东风社区", False)])
def test_total_rows(text: str, is_total: bool) -> None:
    frame = pl.DataFrame({"a": [text]})
    assert rules.total_rows(frame, ["a"]).to_list() == [is_total]


def test_mask_hides_all_but_two() -> None:
    assert rules.mask("13912345678") == "*********78"
    assert "1990" not in rules.mask("450403199001011234")


def test_the_locality_index_is_built_once_per_localities_table():
    from store.rules import locality_index

    first = locality_index(LOC)
    assert locality_index(LOC.clone()) is first  # the same rows: the same index
    renamed = LOC.with_columns(pl.when(pl.col("locality_id") == "450403").then(pl.lit("万秀新区"))
                               .otherwise(pl.col("name_zh")).alias("name_zh"))
    other = locality_index(renamed)
    assert other is not first and other.district("450400", "万秀新区") == ["450403"]
    assert first.district("450400", "万秀新区") == []
