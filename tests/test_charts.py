"""ui/charts.py: shared plotly figures (no Streamlit) — series colours, ready labels, axis ticks."""

from __future__ import annotations

import polars as pl
import pytest

from ui.charts import PUBLISHED_COLOR, ROSTER_COLOR, bar, nice_ticks, ranking, value_axis

FMT = str
DF = pl.DataFrame(
    {
        "name": ["梧州市", "梧州市", "贵港市", "贵港市"],
        "basis": ["公开报道", "名册", "公开报道", "名册"],
        "value": [150_000.0, 187_298.0, 200_000.0, None],
        "text": ["≥10万+5万", "18.7万", "≥20万", "无数据"],
    }
)
COLOURS = {"公开报道": PUBLISHED_COLOR, "名册": ROSTER_COLOR}


def test_bar_splits_series_with_fixed_colours_patterns_and_ready_labels():
    fig = bar(DF, x="name", y="value", color="basis", text="text", fmt=FMT, series_colors=COLOURS,
              series_patterns={"名册": "/"}, x_order=["贵港市", "梧州市"])
    published, roster = fig.data
    assert (published.name, published.marker.color, list(published.text)) == ("公开报道", PUBLISHED_COLOR,
                                                                             ["≥10万+5万", "≥20万"])
    assert roster.marker.pattern.shape == "/" and published.marker.pattern.shape is None
    assert list(fig.layout.xaxis.categoryarray) == ["贵港市", "梧州市"]


def test_ranking_by_series_keeps_one_order_and_puts_missing_last():
    labelled = DF.with_columns((pl.col("name") + " · " + pl.col("basis")).alias("label"))
    fig = ranking(labelled, label="label", value="value", text="text", fmt=FMT, color="basis", series_colors=COLOURS)
    assert [tr.name for tr in fig.data] == ["公开报道", "名册"]
    assert list(fig.layout.yaxis.categoryarray) == ["贵港市 · 公开报道", "梧州市 · 名册", "梧州市 · 公开报道",
                                                    "贵港市 · 名册"]
    assert fig.data[1].marker.color[-1] != ROSTER_COLOR  # the missing value is grey


def test_ranking_ascending_puts_the_lowest_first():
    df = pl.DataFrame({"label": ["a", "b", "c"], "value": [0.9, 0.7, 0.8]})
    fig = ranking(df, label="label", value="value", fmt=FMT, ascending=True)
    assert list(fig.data[0].y) == ["b", "c", "a"]


@pytest.mark.parametrize(
    ("lo", "hi", "zero", "expected"),
    [
        (0, 187_298, True, [0, 50_000, 100_000, 150_000, 200_000]),
        (0.75, 1.0, True, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (180_000, 323_972, False, [150_000, 200_000, 250_000, 300_000, 350_000]),
    ],
)
def test_nice_ticks(lo, hi, zero, expected):
    assert nice_ticks(lo, hi, include_zero=zero) == pytest.approx(expected)


def test_value_axis_labels_ticks_in_the_pages_format_and_can_pin_the_range():
    fig = bar(DF, x="name", y="value", fmt=FMT)
    value_axis(fig, [0.0, 200_000.0], lambda v: f"{v / 10_000:g}万", fixed_range=True)
    assert list(fig.layout.yaxis.ticktext) == ["0万", "5万", "10万", "15万", "20万"]
    assert fig.layout.yaxis.range[0] < 0 < 200_000 < fig.layout.yaxis.range[1]
