"""Chinese number notation, periods and header normalisation (store.numbers, store.headers)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.headers import canonical_for, is_personal_header, normalise_header
from store.numbers import parse_number, parse_numbers, parse_period


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2万", 12_000),
        ("3亿", 300_000_000),
        ("１２３", 123),  # full-width digits
        ("1,234", 1_234),
        ("1，234", 1_234),  # full-width comma as thousands separator
        ("12,345,678.5", 12_345_678.5),
        ("500元", 500),
        ("5万元", 50_000),
        ("12个", 12),
        ("300人", 300),
        ("45户", 45),
        ("120平方米", 120),
        ("120㎡", 120),
        ("  42  ", 42),
        ("\u300042\u3000", 42),  # ideographic spaces
        ("0", 0),
        ("2024.0", 2024),  # Excel float
        ("-3", -3),  # a number (the negative rule refuses it later, not the parser)
        (17, 17),
        (1.5, 1.5),
    ],
)
def test_parse_number(text: object, expected: float) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", "空", "—", "——", "--", "-", "－", "暂无", "无数据", "/", "N/A", "Ｎ/Ａ", "#N/A"])
def test_missing_markers_are_null_not_zero(text: object) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize("text", ["abc", "1,2", "1.2.3", "inf", "nan", "十二", "12%", "1万2", "1,23,4"])
def test_unparseable_numbers_raise(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_vectorised_matches_scalar() -> None:
    cells = ["1.2万", "１２３", "1,234", "500元", "—", None, "abc", "3亿"]
    values, failed = parse_numbers(pl.Series(cells, dtype=pl.String))
    assert values.to_list() == [12_000, 123, 1_234, 500, None, None, None, 300_000_000]
    assert failed.to_list() == [False, False, False, False, False, False, True, False]


@settings(max_examples=200, deadline=None, database=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators_and_full_width_round_trip(n: int) -> None:
    assert parse_number(f"{n:,}") == n
    assert parse_number(f"{n:,}".replace(",", "，")) == n
    full = "".join(chr(ord(ch) + 0xFEE0) for ch in str(n))  # 0-9 -> ０-９
    assert parse_number(full) == n


@settings(max_examples=100, deadline=None, database=None)
@given(st.integers(min_value=0, max_value=99_999))
def test_wan_notation(n: int) -> None:
    # n/10 万 is n * 1000, exactly (no float noise)
    assert parse_number(f"{n / 10}万") == n * 1_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024", "2024"),
        ("2024年", "2024"),
        ("2024年度", "2024"),
        ("2024.0", "2024"),
        (2024, "2024"),
        ("２０２４", "2024"),
        ("2024-Q1", "2024-Q1"),
        ("2024Q3", "2024-Q3"),
        ("2024年第二季度", "2024-Q2"),
        ("2024-03", "2024-03"),
        ("2024/3", "2024-03"),
        ("2024年11月", "2024-11"),
        ("1999", None),
        ("2101", None),
        ("2024-13", None),
        ("24", None),
        ("明年", None),
        ("2024-H1", None),
    ],
)
def test_parse_period(text: object, expected: str | None) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("社区名称", "community"),
        (" 社区 ", "community"),
        ("community", "community"),
        ("Community", "community"),
        ("网格数（个）", "grids"),
        ("网格数(个)", "grids"),
        ("网格数/个", "grids"),
        ("服务群众专项经费（元）", "fund_service"),
        ("服务群众专项经费（元/年）", "fund_service"),
        ("小区数", "compounds"),
        ("已建党组织小区数", "compounds_with_party_org"),
        ("在职党员报到人数", "reported_members"),
        ("双报到党员数", "reported_members"),
        ("所属街道", "street"),
        ("县（市、区）", "district"),
        ("县(市、区)", "district"),
        ("统计期", "period"),
        ("年度", "period"),
        ("经度", "lon"),
        ("纬度", "lat"),
        ("常住人口（人）", "residents"),
        ("*社区名称", "community"),
        ("ｇｒｉｄｓ", "grids"),
        ("序号", None),
        ("备注", None),
    ],
)
def test_header_aliases(header: str, canonical: str | None) -> None:
    assert canonical_for(header) == canonical


def test_normalise_header_strips_units_and_width() -> None:
    assert normalise_header("  网格数 （个） ") == "网格数"
    assert normalise_header("面积【㎡】") == "面积"


@pytest.mark.parametrize("header", ["身份证号", "身份证号码", "证件号码", "手机", "手机号", "联系电话", "电话", "姓名", "书记姓名", "name", "phone", "id_card", "Mobile"])
def test_personal_headers(header: str) -> None:
    assert is_personal_header(header)


@pytest.mark.parametrize("header", ["社区名称", "community", "street", "网格数", "备注", "community_name"])
def test_not_personal_headers(header: str) -> None:
    assert not is_personal_header(header)
