"""What the view-models share: the tables with their lookups in one language, the focus localities,
the category order of the catalog, and the table a download gives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import polars as pl

from queries.catalog import categories
from queries.compare import published
from queries.scope import locate_facts
from text import indicators as ind
from text.messages import check_lang, message
from views import Tables
from views.names import Names
from views.published import PublishedFigure, facts_by_id, figures

# How the catalog's categories are listed in pickers and tables (data/categories.csv's order).
CATEGORY_ORDER: tuple[str, ...] = categories()


def by_category(indicator_ids: Sequence[str]) -> list[str]:
    """Indicators sorted by CATEGORY_ORDER, catalog order within a category."""
    order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    return sorted(indicator_ids, key=lambda i: order.get(ind.category(i), len(order)))


def category_label(category: str, lang: str) -> str:
    return message(f"compare.category.{category}", lang)


def indicator_choice(indicator_id: str, lang: str) -> str:
    """An indicator in a picker: 覆盖 · 小区党组织覆盖率."""
    return f"{category_label(ind.category(indicator_id), lang)} · {ind.label(indicator_id, lang)}"


class Context:
    """The store's tables with what every builder looks up in them, in one language."""

    def __init__(self, tables: Tables, lang: str) -> None:
        self.tables = tables
        self.lang = check_lang(lang)
        self.localities = tables["localities"]
        self.facts = tables["facts"]
        self.sources = tables["sources"]
        self.rows_df = tables["community_rows"]
        self.rows = self.rows_df.lazy()
        self.name_col = "name_en" if lang == "en" else "name_zh"

    def m(self, key: str, **fields: object) -> str:
        return message(key, self.lang, **fields)

    @cached_property
    def names(self) -> Names:
        return Names(self.localities, self.sources, self.lang)

    @cached_property
    def facts_by_id(self) -> dict[str, dict]:
        return facts_by_id(self.facts)

    @cached_property
    def by_id(self) -> dict[str, dict]:
        return {r["locality_id"]: r for r in self.localities.iter_rows(named=True)}

    def published(self, locality_ids: Sequence[str], indicators: Sequence[str] | None = None, *,
                  merge: bool = False) -> list[PublishedFigure]:
        """The reports' figures of some localities (totals added up from their parts included)."""
        if self.facts.is_empty():
            return []
        rows = published(self.facts, self.localities, locality_ids, indicators, parts=True, merge=merge)
        return figures(rows, self.facts_by_id, self.lang)

    def city_of(self, locality_id: str) -> str:
        """The city whose map is drawn: the locality itself, or the city a county-level unit belongs to."""
        here = self.by_id.get(locality_id) or {}
        if here.get("level") == "city":
            return locality_id
        return here.get("parent_id") or locality_id


def focus_localities(tables: Tables) -> pl.DataFrame:
    """Cities and county-level units that have a roster or published figures, cities first."""
    loc = tables["localities"]
    if loc.is_empty():
        return loc
    rows, facts, datasets = tables["community_rows"], tables["facts"], tables["datasets"]
    ids: set[str] = set()
    if not rows.is_empty():
        # unique first: a national roster holds ~600k rows but a few hundred cities
        ids |= set(rows["city_id"].drop_nulls().unique().to_list())
    if not datasets.is_empty():
        ids |= set(datasets.filter(pl.col("status") == "active")["scope_id"].to_list())
    if not facts.is_empty():
        # the same matching every published figure gets (name, tier, and the parent it names)
        ids |= set(locate_facts(facts, loc)["locality_id"].drop_nulls().to_list())
    out = loc.filter(pl.col("locality_id").is_in(list(ids)) & pl.col("level").is_in(["city", "district"]))
    return out.sort(pl.col("level") != "city", "locality_id")


def table_of(records: list[dict], columns: Sequence[str]) -> pl.DataFrame:
    """A display frame from rows already worded and formatted (strings, numbers, flags)."""
    if not records:
        return pl.DataFrame(schema={c: pl.String for c in columns})
    return pl.DataFrame(records, infer_schema_length=None).select(columns)


@dataclass(frozen=True, eq=False)
class FilterOptions:
    """What the sidebar offers: the focus localities, each city's districts, each locality's periods."""

    labels: dict[str, str]                  # focus locality id -> name, cities first
    levels: dict[str, str]                  # focus locality id -> city or district
    districts: dict[str, dict[str, str]]    # city id -> {district id: name}
    periods: dict[str, list[str]]           # locality id -> roster periods, newest first


def filter_options(tables: Tables, lang: str) -> FilterOptions:
    focus = focus_localities(tables)
    if focus.is_empty():
        return FilterOptions({}, {}, {}, {})
    name_col = "name_en" if lang == "en" else "name_zh"
    labels = dict(zip(focus["locality_id"].to_list(), focus[name_col].to_list(), strict=True))
    levels = dict(zip(focus["locality_id"].to_list(), focus["level"].to_list(), strict=True))
    loc = tables["localities"]
    cities = [i for i, lv in levels.items() if lv == "city"]
    under = loc.filter(pl.col("parent_id").is_in(cities) & (pl.col("level") == "district")).sort("locality_id")
    districts: dict[str, dict[str, str]] = {c: {} for c in cities}
    for parent, district, name in under.select("parent_id", "locality_id", name_col).iter_rows():
        districts[parent][district] = name
    rows = tables["community_rows"]
    periods: dict[str, list[str]] = {}
    if not rows.is_empty():
        for key in ("city_id", "district_id"):
            found = rows.select(key, "period").unique().filter(pl.col(key).is_in(list(labels)))
            for loc_id, period in found.iter_rows():
                periods.setdefault(loc_id, []).append(period)
        periods = {k: sorted(v, reverse=True) for k, v in periods.items()}
    return FilterOptions(labels, levels, districts, periods)
