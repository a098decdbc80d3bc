"""Present mode, as data: the slide sequence (exports.story.Story, which the PPTX deck is built from too)
and the localities a comparison can pick."""

from __future__ import annotations

from exports.story import Story, build_story
from views import Tables
from views.common import focus_localities

JOURNEY_COMPARISON = ("450400", "450800", "450481")  # 梧州市, 贵港市, 岑溪市: the researchers' usual trio


def choices(tables: Tables, lang: str) -> dict[str, str]:
    """Focus localities (cities first) and their names, for the comparison picker."""
    focus = focus_localities(tables)
    if focus.is_empty():
        return {}
    col = "name_en" if lang == "en" else "name_zh"
    return dict(zip(focus["locality_id"].to_list(), focus[col].to_list(), strict=True))


def default_comparison(labels: dict[str, str]) -> list[str]:
    return [c for c in JOURNEY_COMPARISON if c in labels] or list(labels)[:3]


def build(tables: Tables, *, locality_id: str | None, compare_ids: tuple[str, ...], period: str | None,
          lang: str) -> Story:
    """One locality's slides, or a comparison's when compare_ids names two or more localities."""
    if compare_ids:
        return build_story(tables, compare_ids=list(compare_ids), period=period, lang=lang)
    return build_story(tables, locality_id=locality_id, period=period, lang=lang)
