"""Map view-models: a city's county-level units coloured by an indicator, and localities on the map of China."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from geo.boundaries import district_features, locality_point
from geo.colors import color_domain, legend_note
from queries.compare import snapshot
from text import indicators as ind
from views.common import Context


@dataclass(frozen=True, eq=False)
class Point:
    name: str
    lon: float
    lat: float
    value: str | None   # formatted; None when the value label says what is missing


@dataclass(frozen=True, eq=False)
class Choropleth:
    """A city's county-level units coloured by one indicator (pydeck draws it: ui/draw.py)."""

    city_id: str
    city_adcode: str
    indicator: str
    value_label: str
    lang: str
    values_by_adcode: dict[str, float | None]   # every unit of the city, None for no data
    district_values: pl.DataFrame               # one row per district with a roster value: locality_id, <indicator>, synthetic
    has_boundaries: bool
    highlight_adcode: str | None = None         # the unit chosen, outlined
    zoom_adcode: str | None = None              # a district chosen in the sidebar: the view closes in on it
    points: tuple[Point, ...] = field(default=())  # communities with coordinates, drawn on top

    def fmt(self, v: float | None) -> str:
        return ind.value(self.indicator, v, self.lang)

    @property
    def domain(self) -> tuple[float, float] | None:
        """What the colour classes span (geo.colors.color_domain: 0–100 % steps of 5 points for rates, 0 up for
        amounts), never just the values' own range."""
        return color_domain(self.values_by_adcode.values(), ind.number_format(self.indicator))

    @property
    def scale_note(self) -> str:
        """Under the legend: the scale's span and class width."""
        return legend_note(self.domain, self.fmt, ind.number_format(self.indicator), self.lang)


def city_choropleth(ctx: Context, city_id: str, indicator: str, period: str | None, *,
                    highlight_id: str | None = None, zoom_id: str | None = None,
                    points: tuple[Point, ...] = ()) -> Choropleth:
    by_id = ctx.by_id
    city = by_id.get(city_id, {})
    adcode = city.get("adcode") or city_id
    features = district_features(adcode)["features"]
    adcode_to_id = {r["adcode"]: r["locality_id"] for r in by_id.values() if r["level"] == "district" and r["adcode"]}
    feature_ids = [adcode_to_id[fe["properties"]["adcode"]] for fe in features
                   if fe["properties"]["adcode"] in adcode_to_id]
    district_values = (
        snapshot(ctx.rows, feature_ids, ctx.localities, [indicator], period) if feature_ids and not ctx.rows_df.is_empty()
        else pl.DataFrame(schema={"locality_id": pl.String, indicator: pl.Float64, "synthetic": pl.Boolean})
    )
    found = {by_id[i]["adcode"]: v for i, v in district_values.select("locality_id", indicator).iter_rows()}
    return Choropleth(
        city_id=city_id, city_adcode=adcode, indicator=indicator, value_label=ind.label(indicator, ctx.lang),
        lang=ctx.lang,
        values_by_adcode={fe["properties"]["adcode"]: found.get(fe["properties"]["adcode"]) for fe in features},
        district_values=district_values.select("locality_id", indicator, "synthetic"),
        has_boundaries=bool(features),
        highlight_adcode=by_id[highlight_id]["adcode"] if highlight_id in by_id else None,
        zoom_adcode=by_id[zoom_id]["adcode"] if zoom_id in by_id else None,
        points=points,
    )


def locality_points(ctx: Context, values: dict[str, float | None], locality_ids: list[str], indicator: str) -> list[Point]:
    """The localities with a label point, each with its formatted value (None: no value)."""
    points = []
    for loc_id in locality_ids:
        lon_lat = locality_point((ctx.by_id.get(loc_id) or {}).get("adcode"))
        if lon_lat is None:
            continue
        v = values.get(loc_id)
        points.append(Point(ctx.names.locality(loc_id), lon_lat[0], lon_lat[1],
                            None if v is None else ind.value(indicator, v, ctx.lang)))
    return points
