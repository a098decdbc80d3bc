"""text/: numbers, qualifiers, intervals, punctuation and indicator text the way Chinese and English readers expect."""

from __future__ import annotations

import math

import pytest

from text import punct
from text.indicators import published
from text.numbers import change, interval, number, qualified


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
    assert published(indicator, value, qualifier, "zh", parts=parts, with_unit=with_unit) == expected


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(100_000, 150_000, "10万–15万"), (100_000, None, "≥10万"), (None, 50_000, "≤5万"), (None, None, "—"),
     (30_000, 30_000, "3万")],
)
def test_interval_says_what_the_wording_allows(low, high, expected):
    assert interval(low, high, "money", "zh") == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh", "梧州市、贵港市（S000）：每社区经费（元）"), ("en", "Wuzhou, Guigang (S000): Funds (yuan)")],
)
def test_punctuation_follows_the_language(lang, expected):
    places = ["梧州市", "贵港市"] if lang == "zh" else ["Wuzhou", "Guigang"]
    label, unit = ("每社区经费", "元") if lang == "zh" else ("Funds", "yuan")
    got = punct.labelled(punct.join_list(places, lang) + punct.paren("S000", lang), punct.with_unit(label, unit, lang), lang)
    assert got == expected


def test_a_document_title_is_quoted_the_languages_way():
    assert (punct.title("报告", "zh"), punct.title("Report", "en")) == ("《报告》", "“Report”")


def test_missing_value_reads_the_same_everywhere():
    from text.indicators import value
    from text.messages import no_data

    assert value("grids", None, "zh") == no_data("zh") == "无数据"
    assert value("grids", None, "en") == no_data("en") == "no data"

