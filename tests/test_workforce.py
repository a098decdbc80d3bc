"""Workforce and facilities: residents per worker, service-centre area per 1,000 residents."""

from __future__ import annotations

import pytest

from queries.workforce import workforce
from tests.builders import WANXIU_2024, rows_with

rows = rows_with(**WANXIU_2024)


TWO = rows(
    {"community": "A", "residents": 9000, "workers": 9, "service_center_area_m2": 450.0},
    {"community": "B", "residents": 1000, "workers": 1, "service_center_area_m2": 550.0},
)


@pytest.mark.parametrize(
    "column, expected",
    [
        ("residents_per_worker", 1000.0),
        ("center_m2_per_1k", 100.0),
        ("residents_per_worker_median", 1000.0),
        ("center_m2_per_1k_median", (50.0 + 550.0) / 2),
        ("workers", 10),
    ],
)
def test_workforce_indicators(column, expected):
    assert workforce(TWO, "district")[column].to_list() == [pytest.approx(expected)]


def test_no_workers_means_no_ratio():
    assert workforce(rows({"community": "A", "residents": 100, "workers": 0}), "community")[
        "residents_per_worker"
    ].to_list() == [None]


def test_missing_workers_are_not_zero():
    df = workforce(rows({"community": "A", "residents": 100, "workers": None}), "city")
    assert df.select("workers", "residents_per_worker").row(0) == (None, None)


def test_community_level_has_no_medians():
    assert not [c for c in workforce(TWO, "community").columns if c.endswith("_median")]
