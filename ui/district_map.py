"""The city's district choropleth for one indicator: shared by the overview and the drill-down page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl
import pydeck as pdk

from queries.compare import snapshot
from ui.maps import choropleth, district_features


@dataclass(frozen=True)
class DistrictMap:
    deck: pdk.Deck | None                       # None when the city has no boundaries
    values_by_adcode: dict[str, float | None]  # every district of the city, None for no data
    district_values: pl.DataFrame              # one row per district with a roster value: locality_id, <indicator>, synthetic


def city_id_of(loc: pl.DataFrame, locality_id: str, level: str | None) -> str:
    """The city whose map is drawn: the locality itself, or the city a county-level unit belongs to."""
    if level == "city":
        return locality_id
    parent = loc.filter(pl.col("locality_id") == locality_id)["parent_id"]
    return parent[0] if parent.len() and parent[0] else locality_id


def district_map(
    rows: pl.DataFrame, loc: pl.DataFrame, city_id: str, indicator: str, period: str | None, *,
    fmt: Callable[[float | None], str], value_label: str, name_key: str, lang: str,
    highlight_id: str | None = None, extra_layers: Sequence[pdk.Layer] = (), height: int = 520,
) -> DistrictMap:
    by_id = {r["locality_id"]: r for r in loc.iter_rows(named=True)}
    city = by_id.get(city_id, {})
    features = district_features(city.get("adcode") or city_id)
    adcode_to_id = {r["adcode"]: r["locality_id"] for r in by_id.values() if r["level"] == "district" and r["adcode"]}
    feature_ids = [adcode_to_id[fe["properties"]["adcode"]] for fe in features["features"]
                   if fe["properties"]["adcode"] in adcode_to_id]
    district_values = (
        snapshot(rows.lazy(), feature_ids, loc, [indicator], period) if feature_ids and not rows.is_empty()
        else pl.DataFrame(schema={"locality_id": pl.String, indicator: pl.Float64, "synthetic": pl.Boolean})
    )
    found = {by_id[i]["adcode"]: v for i, v in district_values.select("locality_id", indicator).iter_rows()}
    values_by_adcode = {fe["properties"]["adcode"]: found.get(fe["properties"]["adcode"]) for fe in features["features"]}
    deck = None
    if features["features"]:
        deck = choropleth(
            features, values_by_adcode, value_label=value_label, fmt=fmt, name_key=name_key, lang=lang,
            highlight=by_id[highlight_id]["adcode"] if highlight_id in by_id else None,
            extra_layers=list(extra_layers), height=height,
        )
    return DistrictMap(deck, values_by_adcode, district_values)


def legend_html(items: Sequence[tuple[str, str]], *, inline: bool = False) -> str:
    """Colour swatches with their labels (pydeck draws no legend); inline puts them on one line."""
    box = "display:inline-flex;margin:2px 12px 2px 0" if inline else "display:flex;margin:2px 0"
    return "".join(
        f'<div style="{box};align-items:center;gap:6px;font-size:0.85rem">'
        f'<span style="display:inline-block;width:14px;height:14px;background:{colour};'
        f'border:1px solid #666"></span>{label}</div>'
        for colour, label in items
    )
