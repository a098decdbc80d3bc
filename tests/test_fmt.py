"""Numbers are shown the way Chinese and English readers expect, qualifiers kept."""

from __future__ import annotations

import math

import pytest

from ui.fmt import change, number, qualified


@pytest.mark.parametrize(
    ("value", "fmt", "lang", "expected"),
    [
        (0.875, "percent", "zh", "87.5%"),
        (1.0, "percent", "en", "100.0%"),
        (613, "integer", "zh", "613"),
        (2800, "integer", "en", "2,800"),
        (150000, "money", "zh", "15万"),
        (150000, "money", "en", "150K"),
        (723000000, "money", "zh", "7.23亿"),
        (5578.947368421068, "money", "zh", "5,579"),
        (50000, "money", "zh", "5万"),
        (12.345, "decimal1", "en", "12.3"),
        (None, "percent", "zh", "—"),
        (math.nan, "money", "en", "—"),
    ],
)
def test_number(value, fmt, lang, expected):
    assert number(value, fmt, lang) == expected


@pytest.mark.parametrize(
    ("value", "qualifier", "unit", "expected"),
    [
        (2800, "more_than", "个", ">2,800 个"),
        (100000, "at_least", "元", "≥10万 元"),
        (10000, "about", "人", "≈10,000 人"),
        (100, "exact", "%", "100%"),
        (201, "exact", None, "201"),
    ],
)
def test_qualified_keeps_the_qualifier(value, qualifier, unit, expected):
    assert qualified(value, qualifier, unit, "zh") == expected


def test_change_of_a_rate_is_in_points():
    assert change(0.05, "percent", "en") == "+5.0 pp"
    assert change(-0.1, "percent", "zh") == "-10.0 个百分点"


def test_change_missing_is_none():
    assert change(None, "integer", "zh") is None


@pytest.mark.parametrize(
    ("indicator", "value", "qualifier", "parts", "with_unit", "expected"),
    [
        ("fund_total_per_community", 150_000.0, "at_least", [100_000.0, 50_000.0], True, "≥10万+5万 元"),
        ("fund_total_per_community", 200_000.0, "at_least", None, False, "≥20万"),
        ("fund_total_per_community", 180_000.0, "exact", None, False, "18万"),
        ("compound_coverage", 1.0, "exact", None, True, "100%"),
        ("reported_members", 30_000.0, "more_than", None, True, ">30,000 名"),
        ("grids", None, "exact", None, False, "无数据"),
    ],
)
def test_published_figures_keep_their_qualifier_and_parts(indicator, value, qualifier, parts, with_unit, expected):
    from ui.indicators import published

    assert published(indicator, value, qualifier, parts=parts, with_unit=with_unit) == expected
