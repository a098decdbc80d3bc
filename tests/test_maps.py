"""ui/maps.py: no-basemap pydeck decks (no outside request), colour classes, tooltips, view fitting."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import polars as pl
import pytest

from tests.conftest import ROOT
from ui import maps
from ui.maps import (
    CATEGORICAL,
    MISSING_COLOR,
    PALETTE,
    china_overview,
    choropleth,
    district_features,
    features_bounds,
    hex_to_rgba,
    legend,
    load_boundaries,
    locality_point,
    points_layer,
    text_color_on,
)

WUZHOU = "450400"


def fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}%"


@pytest.fixture
def wuzhou():
    fc = district_features(WUZHOU)
    codes = sorted(f["properties"]["adcode"] for f in fc["features"])
    values = {code: 10.0 + 7.5 * i for i, code in enumerate(codes)}
    values["450423"] = None  # 蒙山县: no data
    return fc, values


def spec(deck) -> dict:
    return json.loads(deck.to_json())


def layer(j: dict, type_: str) -> dict:
    return next(lyr for lyr in j["layers"] if lyr["@@type"] == type_)


def text_rows(j: dict) -> list[dict]:
    """Every name the deck prints, whichever label layer (dark or light text) holds it."""
    return [r for lyr in j["layers"] if lyr["@@type"] == "TextLayer" for r in lyr["data"]]


def props_by_code(j: dict) -> dict[str, dict]:
    return {f["properties"]["adcode"]: f["properties"] for f in layer(j, "GeoJsonLayer")["data"]["features"]}


def test_boundaries_load_and_filter_by_city():
    assert len(load_boundaries("provinces")["features"]) == 34
    fc = district_features(WUZHOU)
    names = {f["properties"]["name_zh"] for f in fc["features"]}
    assert {"万秀区", "岑溪市"} <= names and len(names) == 7
    assert district_features("999999")["features"] == []
    with pytest.raises(ValueError):
        load_boundaries("streets")


def test_deck_has_no_basemap_and_makes_no_outside_request(wuzhou):
    text = choropleth(*wuzhou, value_label="覆盖率", fmt=fmt).to_json()
    assert "http" not in text
    j = json.loads(text)
    assert j.get("mapProvider") is None
    # pydeck's "no style" sentinel: Streamlit drops it and draws no basemap. A missing mapStyle
    # (map_style=None) would make Streamlit's front end fetch a Carto style instead.
    assert j.get("mapStyle") == "__MAP_STYLE__"


def test_features_carry_fill_colours_missing_is_grey_and_colours_rise_with_value(wuzhou):
    fc, values = wuzhou
    props = props_by_code(spec(choropleth(fc, values, value_label="覆盖率", fmt=fmt)))
    assert set(props) == set(values)
    assert props["450423"]["fill_color"] == hex_to_rgba(MISSING_COLOR)
    assert props["450423"]["value"] is None
    rgba = [hex_to_rgba(c) for c in PALETTE]
    present = sorted((v, code) for code, v in values.items() if v is not None)
    ranks = [rgba.index(props[code]["fill_color"]) for _, code in present]
    assert ranks == sorted(ranks), "colour class must not fall as the value rises"
    assert ranks[0] == 0 and ranks[-1] == len(PALETTE) - 1


def test_tooltip_is_a_plain_template_in_the_interface_language(wuzhou):
    fc, values = wuzhou
    zh = spec(choropleth(fc, values, value_label="覆盖率", fmt=fmt, lang="zh"))
    p = props_by_code(zh)
    assert p["450403"]["tooltip_name"] == "万秀区"
    assert p["450403"]["tooltip_label"] == "覆盖率"
    assert p["450403"]["tooltip_value"] == fmt(values["450403"])
    assert p["450423"]["tooltip_value"] == "无数据"

    en = props_by_code(spec(choropleth(fc, values, value_label="Coverage", fmt=fmt, lang="en", name_key="name_en")))
    assert en["450403"]["tooltip_name"] == "Wanxiu District"
    assert en["450423"]["tooltip_value"] == "no data"


def test_deck_tooltip_template():
    deck = choropleth(district_features(WUZHOU), {}, value_label="x", fmt=fmt)
    tooltip = deck._tooltip
    assert "{tooltip_name}" in tooltip["html"] and "{tooltip_value}" in tooltip["html"]
    assert "style" in tooltip


def test_view_is_fitted_to_the_features(wuzhou):
    fc, values = wuzhou
    j = spec(choropleth(fc, values, value_label="覆盖率", fmt=fmt))
    view = j["initialViewState"]
    min_lon, min_lat, max_lon, max_lat = features_bounds(fc)
    assert min_lon < view["longitude"] < max_lon and min_lat < view["latitude"] < max_lat
    assert 6 < view["zoom"] < 10  # a city of ~100 km fills a 700x500 deck around zoom 7


def test_labels_are_cjk_ready_and_contrast_with_their_fill(wuzhou):
    fc, values = wuzhou
    j = spec(choropleth(fc, values, value_label="覆盖率", fmt=fmt, highlight="450403"))
    text = layer(j, "TextLayer")
    assert text["characterSet"] == "auto"
    assert text["fontFamily"].startswith("Noto Sans CJK SC")
    labels = {r["label"]: r for r in text_rows(j)}
    assert set(labels) == {f["properties"]["name_zh"] for f in fc["features"]}
    assert labels["万秀区"]["priority"] == max(r["priority"] for r in text_rows(j))  # highlighted wins
    props = props_by_code(j)
    assert props["450403"]["line_width"] > props["450405"]["line_width"]
    assert text_color_on("#440154") == "#FFFFFF" and text_color_on("#FDE725") != "#FFFFFF"
    assert "@@=" not in json.dumps({k: v for k, v in text.items() if not k.startswith("get")})


def test_points_layer_skips_rows_without_coordinates(wuzhou):
    df = pl.DataFrame(
        {
            "name_zh": ["孝坊社区", "无坐标", "半坐标", "非数"],
            "lon": [111.0, None, 111.2, float("nan")],
            "lat": [22.92, None, None, 23.0],
            "rate": [77.0, 10.0, 20.0, 30.0],
        }
    )
    pts = points_layer(df, value="rate", value_label="覆盖率", fmt=fmt)
    deck = choropleth(*wuzhou, value_label="覆盖率", fmt=fmt, extra_layers=[pts])
    j = spec(deck)
    scatter = layer(j, "ScatterplotLayer")
    assert [r["tooltip_name"] for r in scatter["data"]] == ["孝坊社区"]
    assert scatter["data"][0]["tooltip_value"] == "77.0%"
    assert [lyr["@@type"] for lyr in j["layers"]][:2] == ["GeoJsonLayer", "ScatterplotLayer"]
    assert {lyr["@@type"] for lyr in j["layers"][2:]} == {"TextLayer"}  # names on top
    assert "http" not in deck.to_json()


def test_legend_matches_the_classes(wuzhou):
    _, values = wuzhou
    entries = legend(values, fmt)
    assert [c for c, _ in entries] == [*PALETTE, MISSING_COLOR]
    assert entries[0][1].startswith(fmt(10.0)) and entries[-2][1].endswith(fmt(10.0 + 7.5 * 6))
    assert entries[-1][1] == "无数据"
    assert legend({"a": 1.0, "b": None}, fmt, lang="en")[-1] == (MISSING_COLOR, "no data")
    assert legend({"a": 5.0}, fmt) == [(PALETTE[len(PALETTE) // 2], fmt(5.0))]
    assert legend({}, fmt) == []


def test_numpy_and_nan_values_serialise_as_plain_numbers(wuzhou):
    np = pytest.importorskip("numpy")
    fc, values = wuzhou
    noisy = {k: (np.float64(v) if v is not None else float("nan")) for k, v in values.items()}
    props = props_by_code(spec(choropleth(fc, noisy, value_label="x", fmt=fmt)))
    assert isinstance(props["450403"]["value"], float)
    assert props["450423"]["value"] is None and props["450423"]["fill_color"] == hex_to_rgba(MISSING_COLOR)


def test_china_overview_draws_provinces_and_merges_crowded_names():
    pts = [
        {"name": "梧州市", "lon": locality_point("450400")[0], "lat": locality_point("450400")[1], "value": "12%"},
        {"name": "贵港市", "lon": locality_point("450800")[0], "lat": locality_point("450800")[1]},
        {"name": "太原市", "lon": locality_point("140100")[0], "lat": locality_point("140100")[1], "value": "9%"},
        {"name": "无坐标", "lon": None, "lat": None},
    ]
    deck = china_overview(pts, value_label="指标")
    text = deck.to_json()
    assert "http" not in text
    j = json.loads(text)
    assert layer(j, "GeoJsonLayer")["data"]["features"]
    dots = layer(j, "ScatterplotLayer")["data"]
    assert [d["tooltip_name"] for d in dots] == ["梧州市", "贵港市", "太原市"]
    assert dots[1]["tooltip_value"] == "无数据"
    labels = sorted(r["label"] for r in text_rows(j))
    assert labels == ["太原市", "梧州市、贵港市"]  # 60 km apart: one label at national zoom
    view = j["initialViewState"]
    assert 100 < view["longitude"] < 110 and 2 < view["zoom"] < 4


def test_locality_points_come_from_the_boundary_files():
    lon, lat = locality_point("450481")  # 岑溪市
    assert 110.5 < lon < 111.5 and 22.5 < lat < 23.5
    assert locality_point("110101") is not None  # any county, via data/boundaries/points.csv
    assert locality_point("000000") is None and locality_point(None) is None


def test_palettes_are_hex_and_distinct():
    for palette in (PALETTE, CATEGORICAL):
        assert len(set(palette)) == len(palette)
        assert all(len(c) == 7 and c.startswith("#") for c in palette)
    assert 5 <= len(PALETTE) <= 7
    lum = [maps._luminance(c) for c in PALETTE]
    assert lum == sorted(lum), "a sequential palette must get lighter monotonically"


def test_maps_module_does_not_import_streamlit():
    code = "import sys, ui.maps; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_map_messages_are_prefixed():
    with (ROOT / "data" / "i18n" / "maps.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["key"].startswith("maps.") and r["zh"] and r["en"] for r in rows)


def test_boundary_bounds_are_the_bounds_of_the_whole_file_and_span_china():
    from ui.maps import boundary_bounds, features_bounds, load_boundaries

    west, south, east, north = boundary_bounds("provinces")
    assert (west, south, east, north) == features_bounds(load_boundaries("provinces"))
    assert west < 80 and east > 130 and south < 20 and north > 50


def _city_ids() -> list[str]:
    with (ROOT / "data" / "localities.csv").open(encoding="utf-8", newline="") as fh:
        return [r["adcode"] for r in csv.DictReader(fh) if r["level"] == "city"]


def test_china_overview_leaves_names_to_tooltips_when_hundreds_of_cities_are_shown():
    from ui.maps import MAX_NAMED

    pts = [{"name": c, "lon": locality_point(c)[0], "lat": locality_point(c)[1]} for c in _city_ids()]
    assert len(pts) > MAX_NAMED
    j = json.loads(china_overview(pts).to_json())
    assert not [x for x in j["layers"] if x["@@type"] == "TextLayer"]
    assert len(layer(j, "ScatterplotLayer")["data"]) == len(pts)


@pytest.mark.slow  # decodes all 340+ city files: ~2 s
def test_every_city_has_a_point_inside_its_districts_outline():
    # no city is special: each has a label point from its own county-level units
    for code in _city_ids():
        lon, lat = locality_point(code)
        west, south, east, north = features_bounds(district_features(code))
        assert west <= lon <= east and south <= lat <= north, code
    lon, lat = locality_point("500100")  # 重庆: one city, its 区 and 县 together
    assert 105 < lon < 110.5 and 28 < lat < 32.5


def test_dense_city_labels_do_not_run_into_each_other():
    # 重庆: 38 units, long names (彭水苗族土家族自治县); deck.gl only tests a label's anchor
    from ui.maps import _text_width, _to_pixels

    fc = district_features("500100")
    j = spec(choropleth(fc, {}, value_label="x", fmt=fmt, highlight="500240"))
    zoom = j["initialViewState"]["zoom"]
    rows = text_rows(j)
    assert 10 < len(rows) < len(fc["features"])  # some names give way, most stay
    assert "石柱土家族自治县" in {r["label"] for r in rows}  # the highlighted unit keeps its name
    boxes = [(*_to_pixels(r["lon"], r["lat"], zoom), _text_width(r["label"], 13) / 2, 13 * 0.6) for r in rows]
    for i, (x, y, w, h) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1:]:
            assert abs(x - x2) >= w + w2 or abs(y - y2) >= h + h2


# ---------------------------------------------------------------- payload: outlines at screen precision
from ui.maps import boundary_bounds  # noqa: E402
from ui.outline import compact_geometry, grid_for  # noqa: E402


def test_compact_geometry_keeps_rings_closed_and_drops_what_shrinks_to_nothing():
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 0.5], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    speck = [[5.0, 5.0], [5.001, 5.0], [5.001, 5.001], [5.0, 5.0]]
    out = compact_geometry({"type": "MultiPolygon", "coordinates": [[square], [speck]]}, (0.01, 2))
    assert out == {"type": "MultiPolygon", "coordinates": [[[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0],
                                                              [0.0, 0.0]]]]}


def test_the_map_of_china_sends_its_outline_at_screen_precision():
    deck = json.loads(china_overview([], width=480, height=430).to_json())
    outline = next(layer for layer in deck["layers"] if layer["id"] == "provinces")["data"]
    assert len(json.dumps(outline, separators=(",", ":"))) < 100_000  # 229 KB at the stored precision
    xs = [pt[0] for f in outline["features"] for poly in f["geometry"]["coordinates"] for ring in poly for pt in ring]
    lo, _, hi, _ = boundary_bounds("provinces")
    tolerance, _ = grid_for(boundary_bounds("provinces"), 480, 430)
    assert abs(min(xs) - lo) <= tolerance and abs(max(xs) - hi) <= tolerance  # the outline still spans China


# ---------------------------------------------------------------- labels readable on every fill
def _contrast(a: str, b: str) -> float:
    la, lb = maps._luminance(a), maps._luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _hex(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{c:02X}" for c in rgb)


@pytest.mark.parametrize("fill", [*PALETTE, MISSING_COLOR])
def test_label_colour_meets_wcag_aa_on_every_fill(fill):
    assert _contrast(text_color_on(fill), fill) >= 4.5


def test_labels_carry_a_halo_in_the_other_colour(wuzhou):
    # a name that runs past its unit (onto a neighbour, the page, a dot) stays readable by its rim
    fc, values = wuzhou
    j = spec(choropleth(fc, values, value_label="x", fmt=fmt, domain=(0.0, 60.0)))
    texts = [lyr for lyr in j["layers"] if lyr["@@type"] == "TextLayer"]
    assert {t["id"] for t in texts} == {"labels", "labels_light"}  # both text colours occur on viridis
    for t in texts:
        assert t["fontSettings"]["sdf"] is True and t["outlineWidth"] > 0
        colours = {tuple(r["color"][:3]) for r in t["data"]}
        assert len(colours) == 1
        (text,) = colours
        rim = tuple(t["outlineColor"][:3])
        assert _contrast(_hex(text), _hex(rim)) >= 15  # black on white, white on black


# ---------------------------------------------------------------- the colour domain
@pytest.mark.parametrize(
    ("values", "number_format", "expected"),
    [
        ([0.830, 0.835], "percent", (0.75, 1.0)),     # the 83.0–83.5 % map: one class (80–85 %), not five
        ([1.0, 1.0], "percent", (0.75, 1.0)),
        ([0.42, 0.55], "percent", (0.40, 0.65)),
        ([0.6, 1.0], "percent", (0.5, 1.0)),          # 10-point classes
        ([0.12, 0.99], "percent", (0.0, 1.0)),        # wider than 75 points: the whole 0–100 %
        ([0.0, 0.1], "percent", (0.0, 0.25)),
        ([180_000, 187_300], "money", (0.0, 250_000)),  # from 0: colour follows magnitude
        ([4420, 15560], "integer", (0.0, 25_000)),
        ([None, None], "percent", None),
    ],
)
def test_colour_domain(values, number_format, expected):
    got = maps.color_domain(values, number_format)
    assert got == (pytest.approx(expected) if expected else None)


@pytest.mark.parametrize("lo", [i / 200 for i in range(0, 201, 7)])
def test_a_rate_domain_spans_at_least_25_points_inside_0_to_100_and_holds_the_values(lo):
    hi = min(lo + 0.005, 1.0)
    vmin, vmax = maps.color_domain([lo, hi], "percent")
    assert vmax - vmin >= maps.RATE_MIN_SPAN - 1e-9
    assert 0.0 <= vmin <= lo and hi <= vmax <= 1.0
    assert round(vmin / maps.RATE_STEP, 6) == round(vmin / maps.RATE_STEP)  # classes start on 5-point steps


def test_a_half_point_gap_does_not_take_the_whole_palette(wuzhou):
    fc, _ = wuzhou
    codes = [f["properties"]["adcode"] for f in fc["features"]][:2]
    values = {codes[0]: 0.830, codes[1]: 0.835}
    domain = maps.color_domain(values.values(), "percent")
    props = props_by_code(spec(choropleth(fc, values, value_label="x", fmt=fmt, domain=domain)))
    assert props[codes[0]]["fill_color"] == props[codes[1]]["fill_color"]
    entries = legend(values, lambda v: f"{v * 100:.0f}%", domain=domain)
    assert [label for _, label in entries] == ["75% – 80%", "80% – 85%", "85% – 90%", "90% – 95%", "95% – 100%"]
    assert maps.legend_note(domain, lambda v: f"{v * 100:.0f}%", "percent", "en").startswith(
        "Colour scale 75%–100%, 5 percentage points a class")
