"""The slide sequence of present mode and of the PowerPoint deck, as plain data built from queries/ and views/.

One `Story` serves both the Streamlit page (pages/present.py) and the deck (exports/deck.py), so the
projector and the downloaded PPTX show the same slides with the same numbers. Nothing here imports
Streamlit; numbers come from queries/ on the store's tables (a dict of polars frames: localities,
sources, facts, community_rows), KPI cards and maps from the pages' view-models (views.overview.cards,
views.maps.city_choropleth), and all text from text/ in the requested language (data/i18n/present.csv).

- model.py     the data: Story, Slide, Chart, MapData, Table, SourceRef, Figure
- context.py   what every slide builder shares (tables, language, the views' Context), resolve_locality
- locality.py  one function per slide of one locality's story
- compare.py   one function per slide of a comparison
- evidence.py  the reconciliation and sources slides both stories end with

Charts are long frames with columns category, series, value (catalog units: rates as fractions,
money in yuan) and label (the text printed on the bar or point: formatted, with the report's
qualifier for published figures). Every slide that shows roster figures from synthetic sample data
carries `synthetic=True` and the footer "示例数据（合成）".
"""

from __future__ import annotations

import polars as pl

from exports.story.compare import compare_story
from exports.story.context import StoryContext, resolve_locality, value_text
from exports.story.locality import locality_story
from exports.story.model import (
    CHART_KINDS,
    Chart,
    Figure,
    Kpi,
    MapData,
    Slide,
    SourceRef,
    Story,
    Table,
    UnknownLocality,
)


def build_story(
    tables: dict[str, pl.DataFrame],
    *,
    locality_id: str | None = None,
    compare_ids: list[str] | None = None,
    period: str | None = None,
    lang: str = "zh",
) -> Story:
    """The slides for one locality (`locality_id`) or a comparison (`compare_ids`, two or more).

    `tables` holds the store's frames (localities, sources, facts, community_rows); `period` is a
    roster period (default: the latest the locality, or any compared locality, has). Ids must exist
    in localities (use resolve_locality() for names); UnknownLocality otherwise.
    """
    ctx = StoryContext(tables, lang)
    if compare_ids:
        ids = list(dict.fromkeys(compare_ids))
        if len(ids) < 2:
            raise ValueError("a comparison needs at least two localities")
        return compare_story(ctx, ids, period)
    if not locality_id:
        raise ValueError("give locality_id or compare_ids")
    return locality_story(ctx, locality_id, period)


__all__ = [
    "CHART_KINDS", "Chart", "Figure", "Kpi", "MapData", "Slide", "SourceRef", "Story", "Table", "UnknownLocality",
    "build_story", "resolve_locality", "value_text",
]
