"""The story's data model: slides, charts, maps and tables as plain frozen data, no formatting and no queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl

from views.overview import Card
from views.published import Citation


class UnknownLocality(ValueError):
    """A locality name or id that the localities table does not hold (or holds more than once)."""


@dataclass(frozen=True)
class Figure:
    """A report's figure: value in catalog units, its qualifier, and the report's own words."""

    fact_id: str
    source_id: str
    locality_id: str
    indicator: str
    label: str          # the indicator's name
    value: float
    qualifier: str      # exact, more_than, at_least, about, up_to
    text: str           # as printed (text.indicators.published): "≥10万", ">2,600", "100%"
    evidence: str


# A KPI card on a slide is the overview's card (views.overview.Card): the same numbers, the same
# published figures and the same words on the page and in the deck.
Kpi = Card
# What a slide cites: a report's figure, or one fact behind a card's published figure.
Cited = Figure | Citation


@dataclass(frozen=True)
class Chart:
    kind: str               # column (clustered), bar (horizontal, ranking), line (over periods)
    title: str
    indicator: str          # the catalog indicator whose format and unit the values use
    number_format: str      # catalog format: percent, integer, money, decimal1
    value_title: str        # axis title (the unit)
    data: pl.DataFrame      # category, series, value, label
    qualified_series: tuple[str, ...] = ()  # series whose labels carry report qualifiers

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(self.data["category"].to_list()))

    @property
    def series(self) -> list[str]:
        return list(dict.fromkeys(self.data["series"].to_list()))

    def values(self, series: str) -> list[float | None]:
        """The series' values in category order (None where a category has none)."""
        got = {c: v for c, s, v in self.data.select("category", "series", "value").iter_rows() if s == series}
        return [got.get(c) for c in self.categories]

    def labels(self, series: str) -> list[str]:
        got = {c: lab for c, s, lab in self.data.select("category", "series", "label").iter_rows() if s == series}
        return [got.get(c, "") for c in self.categories]


CHART_KINDS = ("column", "bar", "line")
CHART_COLUMNS = {"category": pl.String, "series": pl.String, "value": pl.Float64, "label": pl.String}


def chart_frame(records: list[dict]) -> pl.DataFrame:
    """A chart's long frame (category, series, value, label) from records."""
    return pl.DataFrame(records, schema=CHART_COLUMNS)


@dataclass(frozen=True)
class MapData:
    city_adcode: str            # whose county-level units are drawn (data/boundaries/cities/<city>.topo.json)
    indicator: str
    value_label: str
    number_format: str
    values: dict[str, float | None]   # feature adcode -> value, every unit of the city (None: no data)
    highlight: str | None = None      # adcode of the presented county-level unit, outlined
    name_key: str = "name_zh"


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    data: pl.DataFrame | None = None  # the numbers behind the rows, for checks and downloads


@dataclass(frozen=True)
class SourceRef:
    source_id: str
    title: str
    author: str
    evidence: tuple[str, ...]


@dataclass
class Slide:
    kind: str       # title, kpis, map, chart, reconcile, caveat, sources
    key: str        # stable name within the story: title, kpis, map, coverage, funding, trend, ...
    title: str
    subtitle: str = ""
    kpis: list[Kpi] = field(default_factory=list)
    chart: Chart | None = None
    map: MapData | None = None
    table: Table | None = None
    bullets: list[str] = field(default_factory=list)
    notes: str = ""
    sources: list[SourceRef] = field(default_factory=list)
    synthetic: bool = False
    footer: str = ""  # "示例数据（合成）" when the slide shows synthetic roster figures
    cited: tuple[Cited, ...] = ()  # the reports' facts the slide shows: the sources slide lists their reports


@dataclass
class Story:
    mode: str                   # locality or compare
    lang: str
    title: str
    period: str | None
    locality_ids: list[str]
    slides: list[Slide]

    def __len__(self) -> int:
        return len(self.slides)

    def __iter__(self) -> Iterator[Slide]:
        return iter(self.slides)

    def __getitem__(self, i: int) -> Slide:
        return self.slides[i]

    def slide(self, key: str) -> Slide:
        return next(s for s in self.slides if s.key == key)

    @property
    def synthetic(self) -> bool:
        return any(s.synthetic for s in self.slides)

    @property
    def file_stem(self) -> str:
        return "_".join([*self.locality_ids, self.period or "latest", self.lang])
