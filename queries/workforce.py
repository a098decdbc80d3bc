"""Workforce and facilities: residents per community worker, service-centre area per 1,000 residents."""

from __future__ import annotations

import polars as pl

from queries.base import at_level

INDICATORS: tuple[str, ...] = (
    "communities",
    "residents",
    "workers",
    "residents_per_worker",
    "service_center_area_m2",
    "center_m2_per_1k",
)


def workforce(rows: pl.LazyFrame, level: str) -> pl.DataFrame:
    """One row per locality of `level` per period: workers and service-centre area, pooled
    (Σ residents / Σ workers; Σ m² / Σ residents × 1,000) and, for the typical community, the
    median of community values (`_median`; not at community level)."""
    return at_level(rows, level, [*INDICATORS, "residents_per_worker_median", "center_m2_per_1k_median"])
