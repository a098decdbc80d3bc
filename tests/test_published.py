"""views/published.py: a report's figure is worded once, from the list of facts behind it."""

from __future__ import annotations

import polars as pl
import pytest

from queries.compare import PUBLISHED
from views.published import figures, line

FACTS = {
    "F1": {"fact_id": "F1", "source_id": "S1", "indicator": "fund_service_per_community", "value": 100_000.0,
           "qualifier": "at_least", "unit": "元", "evidence": "不少于10万元"},
    "F2": {"fact_id": "F2", "source_id": "S1", "indicator": "fund_work_per_community", "value": 50_000.0,
           "qualifier": "exact", "unit": "元", "evidence": "5万元"},
    "F3": {"fact_id": "F3", "source_id": "S1", "indicator": "grids", "value": 613.0, "qualifier": "exact",
           "unit": "个", "evidence": "613个网格"},
    "F4": {"fact_id": "F4", "source_id": "S2", "indicator": "grids", "value": 613.0, "qualifier": "exact",
           "unit": "个", "evidence": "网格613个"},
}


def _rows(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(
        # the interval columns (low, high, bounds) are left empty: wording them is not this module's job
        [dict(zip(PUBLISHED, r + (None,) * (len(PUBLISHED) - len(r)), strict=True)) for r in rows], schema=PUBLISHED,
    )


SUM = ("450400", None, "fund_total_per_community", 150_000.0, "at_least", ["F1", "F2"], ["S1"], [100_000.0, 50_000.0])
GRIDS_1 = ("450400", None, "grids", 613.0, "exact", ["F3"], ["S1"], None)
GRIDS_2 = ("450400", None, "grids", 613.0, "exact", ["F4"], ["S2"], None)


def test_a_total_added_up_from_parts_shows_its_parts_and_says_so():
    (f,) = figures(_rows(SUM), FACTS, "zh")
    assert (f.text, f.text_with_unit, f.from_parts) == ("≥10万+5万", "≥10万+5万 元", True)
    assert [c.evidence for c in f.citations] == ["不少于10万元", "5万元"]
    assert line([f], "zh") == "公开报道：≥10万+5万 元（S1，仅分项之和）"


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", "公开报道：613 个（S1、S2）"),
    ("en", "Published: 613 grids (S1, S2)"),
])
def test_reports_stating_the_same_figure_share_one_entry(lang, expected):
    assert line(figures(_rows(GRIDS_1, GRIDS_2), FACTS, lang), lang) == expected


def test_no_figures_no_line():
    assert line([], "zh") == ""
