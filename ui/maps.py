"""Map builders: pydeck decks with no basemap, so maps work on an intranet with no internet.

Streamlit-free (testable): pages call ``st.pydeck_chart(choropleth(...))`` and draw the legend
from ``legend(...)``. Every deck is built with ``map_provider=None`` and pydeck's default
map_style (no tiles, no style fetch; ``map_style=None`` would make Streamlit fetch a Carto style,
see _deck). Boundaries (GCJ-02) are loaded by geo/boundaries.py, which the exports share; its
functions stay importable from here (load_boundaries, district_features, locality_point, ...).

Tooltips: one plain template for every pickable layer, ``{tooltip_name}`` / ``{tooltip_label}``
/ ``{tooltip_value}``, pre-formatted in the interface language into each object (Streamlit
HTML-escapes the substituted values).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import polars as pl
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from geo.boundaries import (  # noqa: F401  (re-exported: pages and exports import them from here)
    BOUNDARIES_DIR,
    BOUNDARY_KINDS,
    Bounds,
    boundary_bounds,
    cities_with_boundaries,
    district_features,
    features_bounds,
    load_boundaries,
    locality_point,
)
from geo.boundaries import area as _area
from geo.colors import (  # noqa: F401  (the colour scale; re-exported for the pages and tests)
    CATEGORICAL,
    MISSING_COLOR,
    OUTLINE_COLOR,
    PALETTE,
    RATE_MIN_SPAN,
    RATE_STEP,
    TEXT_DARK,
    TEXT_LIGHT,
    _clean,
    _domain,
    _luminance,
    _range,
    class_index,
    color_domain,
    color_for,
    hex_to_rgba,
    legend,
    legend_note,
    text_color_on,
)
from text import punct
from text.messages import message
from text.messages import no_data as no_data_text
from ui.outline import compact_boundaries, compact_once, grid_for

LABEL_FONT = "Noto Sans CJK SC, sans-serif"

# Deck size assumed when fitting the view (st.pydeck_chart is 500 px high by default;
# 700 px is the width of Streamlit's centred layout, a safe minimum for "stretch").
VIEW_WIDTH, VIEW_HEIGHT, VIEW_PADDING_PX = 700, 500, 24

TOOLTIP_HTML = "<b>{tooltip_name}</b><br/>{tooltip_label}{tooltip_sep}{tooltip_value}"
TOOLTIP_STYLE = {
    "backgroundColor": "rgba(255, 255, 255, 0.96)",
    "color": "#222222",
    "fontFamily": LABEL_FONT,
    "fontSize": "13px",
    "border": "1px solid #999999",
    "borderRadius": "3px",
    "padding": "4px 8px",
}

# ---------------------------------------------------------------- view


def _merc_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(
    bounds: Bounds, *, width: int = VIEW_WIDTH, height: int = VIEW_HEIGHT, padding: int = VIEW_PADDING_PX,
    max_zoom: float = 12.0,
) -> pdk.ViewState:
    """Centre and zoom that fit the bounds in a width x height deck (deck.gl: 512 px world at zoom 0)."""
    min_lon, min_lat, max_lon, max_lat = bounds
    y0, y1 = _merc_y(min_lat), _merc_y(max_lat)
    lon_span = max(max_lon - min_lon, 1e-6)
    y_span = max(y1 - y0, 1e-8)
    w, h = max(width - 2 * padding, 1), max(height - 2 * padding, 1)
    zoom = min(math.log2(w * 360.0 / (512.0 * lon_span)), math.log2(h * 2 * math.pi / (512.0 * y_span)), max_zoom)
    centre_lat = math.degrees(2 * math.atan(math.exp((y0 + y1) / 2)) - math.pi / 2)
    return pdk.ViewState(
        longitude=round((min_lon + max_lon) / 2, 5),
        latitude=round(centre_lat, 5),
        zoom=round(zoom, 2),
        min_zoom=max(round(zoom - 3, 2), 0),
        max_zoom=max_zoom + 4,
        pitch=0,
        bearing=0,
    )


class CompactDeck(pdk.Deck):
    """A pydeck Deck whose to_json() is compact UTF-8 JSON (pydeck indents: ~5x larger for GeoJSON).

    st.pydeck_chart sends deck.to_json() to the browser, so this is what crosses the wire.
    """

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"), ensure_ascii=False)


def _deck(layers: list[pdk.Layer], view: pdk.ViewState) -> pdk.Deck:
    return CompactDeck(
        layers=layers,
        initial_view_state=view,
        # The true no-basemap deck: map_provider=None and map_style LEFT AT ITS DEFAULT, which
        # pydeck emits as the sentinel "mapStyle": "__MAP_STYLE__"; Streamlit 1.67's front end
        # drops it and draws no basemap. Passing map_style=None omits mapStyle and Streamlit then
        # injects Carto positron (https://basemaps.cartocdn.com/...), which fails offline.
        map_provider=None,
        tooltip={"html": TOOLTIP_HTML, "style": TOOLTIP_STYLE},
    )


def _tooltip_fields(name: str, label: str, value: str) -> dict[str, str]:
    return {
        "tooltip_name": name,
        "tooltip_label": label,
        "tooltip_sep": ": " if label else "",
        "tooltip_value": value,
    }


def _name(props: Mapping[str, Any], name_key: str) -> str:
    return str(props.get(name_key) or props.get("name_zh") or props.get("adcode") or "")


# A halo in the other colour keeps a name readable where it runs past its own unit onto a neighbour,
# the white page or a community dot ("Longxu District" in white ran onto yellow and white). deck.gl
# draws an outline only for signed-distance-field glyphs; checked in chromium at 13 px, zh and en:
# with the atlas at 64 px and a buffer of 6 the glyphs stay crisp, and an outline of 3 atlas pixels
# (about 0.6 screen px at 13 px) is a thin rim, not a smear. (A halo in the text's own colour,
# white around white, does smear CJK: that is what an earlier try saw.)
HALO_FONT_SETTINGS = {"sdf": True, "fontSize": 64, "buffer": 6}
HALO_WIDTH = 3
HALO_ALPHA = 230


def halo_for(text_color: str) -> str:
    """The outline colour of a label: white around dark text, near-black around white text."""
    return TEXT_LIGHT if text_color == TEXT_DARK else TEXT_DARK


def label_layer(
    rows: list[dict],
    *,
    layer_id: str = "labels",
    size: int = 13,
    pixel_offset: tuple[int, int] = (0, 0),
    collision: bool = True,
    halo: str | None = None,
) -> pdk.Layer:
    """Names at label points (rows: {label, lon, lat, priority, color}); CJK needs character_set="auto".

    Each label is near-black or white, whichever contrasts better with the fill beneath it
    (text_color_on()); `halo` (a colour, halo_for() the text's) rims every glyph of the layer (deck.gl
    has one outline colour per layer: label_layers() groups rows by text colour).
    With ``collision``, of overlapping names the lower-priority one hides until the user zooms in
    (deck.gl's CollisionFilterExtension, in Streamlit's bundle; it hides every label of a layer
    with a pixel offset, so offset labels go without).
    """
    extra: dict[str, Any] = {}
    if collision:
        extra = dict(
            extensions=[{"@@type": "CollisionFilterExtension"}],
            collision_enabled=True,
            get_collision_priority="priority",
            collision_test_props={"sizeScale": 1.6},  # hides a label whose anchor lies in this box
        )
    if halo:
        extra |= {"font_settings": HALO_FONT_SETTINGS, "outline_width": HALO_WIDTH,
                  "outline_color": hex_to_rgba(halo, HALO_ALPHA)}
    return pdk.Layer(
        "TextLayer",
        id=layer_id,
        data=rows,
        get_position=["lon", "lat"],
        get_text="label",
        get_size=size,
        size_units="'pixels'",
        get_color="color",
        font_family=f"'{LABEL_FONT}'",
        font_weight=600,
        character_set="'auto'",
        get_pixel_offset=list(pixel_offset),
        pickable=False,
        **extra,
    )


def label_layers(rows: list[dict], *, layer_id: str = "labels", **kwargs: Any) -> list[pdk.Layer]:
    """label_layer()s with halos: dark names rimmed white (id `layer_id`), white names rimmed dark
    (id `layer_id`_light); a group with no names gets no layer."""
    dark = hex_to_rgba(TEXT_DARK)
    groups = ((layer_id, TEXT_DARK, [r for r in rows if list(r["color"]) == dark]),
              (f"{layer_id}_light", TEXT_LIGHT, [r for r in rows if list(r["color"]) != dark]))
    return [label_layer(g, layer_id=i, halo=halo_for(text), **kwargs) for i, text, g in groups if g]


# ---------------------------------------------------------------- choropleth
# pydeck turns every plain string argument into a JS accessor ("@@=pixels"); constants are
# therefore passed quoted ("'pixels'"), which pydeck emits as the plain string.


def choropleth(
    features: dict,
    values: Mapping[str, float | None],
    *,
    value_label: str,
    fmt: Callable[[float | None], str],
    name_key: str = "name_zh",
    lang: str = "zh",
    highlight: str | None = None,
    labels: bool = True,
    extra_layers: Sequence[pdk.Layer] = (),
    width: int = VIEW_WIDTH,
    height: int = VIEW_HEIGHT,
    domain: tuple[float, float] | None = None,
) -> pdk.Deck:
    """A no-basemap choropleth of features (keyed by properties.adcode) coloured by values.

    Equal-interval classes in PALETTE over `domain` (color_domain(): what the legend prints), or over
    the present values without one (see legend()); a missing value is
    light grey with "无数据"/"no data" in the tooltip. ``highlight`` (an adcode) gets a heavy outline.
    ``extra_layers`` (e.g. points_layer(...)) are drawn on top, below the labels.
    """
    vals = {str(k): _clean(v) for k, v in values.items()}
    bounds = features_bounds(features) if features.get("features") else None
    grid = grid_for(bounds, width, height) if bounds else (1e-6, 6)
    rng = _domain(vals.values(), domain)
    vmin, vmax = rng if rng else (0.0, 0.0)
    no_data = no_data_text(lang)
    out_features, label_rows = [], []
    for f in features.get("features", []):
        props = dict(f.get("properties") or {})
        code = str(props.get("adcode", ""))
        v = vals.get(code)
        name = _name(props, name_key)
        fill = color_for(v, vmin, vmax)
        props.update(
            value=v,
            fill_color=hex_to_rgba(fill),
            line_width=3.0 if highlight is not None and code == str(highlight) else 0.8,
            **_tooltip_fields(name, value_label, no_data if v is None else fmt(v)),
        )
        out_features.append({"type": "Feature", "properties": props,
                             "geometry": compact_once(f.get("geometry"), grid) or f.get("geometry")})
        if "label_lon" in props and "label_lat" in props:
            label_rows.append(
                {
                    "label": name,
                    "lon": float(props["label_lon"]),
                    "lat": float(props["label_lat"]),
                    "color": hex_to_rgba(text_color_on(fill)),
                    "area": _area(f.get("geometry") or {}),
                    "highlight": highlight is not None and code == str(highlight),
                }
            )
    # Collision priority (higher wins): the highlighted unit, then smaller units (city centres).
    label_rows.sort(key=lambda r: (not r["highlight"], r["area"]))
    for i, r in enumerate(label_rows):
        r["priority"] = len(label_rows) - i
        del r["area"], r["highlight"]
    fc = {"type": "FeatureCollection", "features": out_features}
    polygons = pdk.Layer(
        "GeoJsonLayer",
        id="choropleth",
        data=fc,
        stroked=True,
        filled=True,
        get_fill_color="properties.fill_color",
        get_line_color=hex_to_rgba(OUTLINE_COLOR),
        get_line_width="properties.line_width",
        line_width_units="'pixels'",
        line_width_min_pixels=0.5,
        pickable=True,
        auto_highlight=True,
        highlight_color=[255, 255, 255, 70],
    )
    layers = [polygons, *extra_layers]
    view = fit_view(bounds or features_bounds(features), width=width, height=height)
    if labels and label_rows:
        # decluttered here, so deck.gl's collision filter stays off: it fades a label whose anchor comes
        # near another's glyphs (石景山区 beside 东城区 went grey and unreadable)
        layers.extend(label_layers(declutter_labels(label_rows, view.zoom), collision=False))
    return _deck(layers, view)


def declutter_labels(rows: list[dict], zoom: float, *, size: float = 13, gap: float = 2) -> list[dict]:
    """The labels whose whole text box overlaps no higher-priority label's at this zoom.

    deck.gl's collision filter tests a label's anchor only, so a long name (彭水苗族土家族自治县) can run
    across its neighbours' in a dense city (重庆); what is dropped here is still in the tooltips.
    Priority: higher wins (choropleth gives the highlighted unit, then smaller units, the higher one).
    """
    kept: list[dict] = []
    boxes: list[tuple[float, float, float, float]] = []  # x, y, half width, half height in pixels
    for r in sorted(rows, key=lambda r: -r.get("priority", 0)):
        x, y = _to_pixels(r["lon"], r["lat"], zoom)
        hw, hh = _text_width(r["label"], size) / 2 + gap, size * 0.6 + gap
        if any(abs(x - bx) < hw + bw and abs(y - by) < hh + bh for bx, by, bw, bh in boxes):
            continue
        kept.append(r)
        boxes.append((x, y, hw, hh))
    return kept


# ---------------------------------------------------------------- points


def points_layer(
    df: pl.DataFrame,
    lon: str = "lon",
    lat: str = "lat",
    *,
    name: str = "name_zh",
    value: str | None = None,
    value_label: str = "",
    fmt: Callable[[float | None], str] | None = None,
    lang: str = "zh",
    color: str = CATEGORICAL[5],
    radius_px: float = 6,
    layer_id: str = "points",
) -> pdk.Layer:
    """A ScatterplotLayer of the rows that have coordinates (e.g. communities), for extra_layers.

    Tooltip fields: the ``name`` column, and ``value`` formatted with ``fmt`` (str() if none;
    "无数据"/"no data" when missing) under ``value_label``.
    """
    no_data = no_data_text(lang)
    cols = [c for c in dict.fromkeys([lon, lat, name, value]) if c and c in df.columns]
    rows = []
    for r in df.select(cols).to_dicts():
        x, y = _clean(r.get(lon)), _clean(r.get(lat))
        if x is None or y is None:
            continue
        if value is None:
            shown = ""
        else:
            v = r.get(value)
            if fmt is not None:
                shown = no_data if _clean(v) is None else fmt(_clean(v))
            else:
                shown = no_data if v is None else str(v)
        rows.append({"lon": x, "lat": y, **_tooltip_fields(str(r.get(name) or ""), value_label, shown)})
    return dots_layer(rows, layer_id=layer_id, color=color, radius_px=radius_px)


def dots_layer(rows: list[dict], *, layer_id: str, color: str, radius_px: float) -> pdk.Layer:
    """White-rimmed dots of a fixed pixel size, pickable for their tooltip fields."""
    return pdk.Layer(
        "ScatterplotLayer",
        id=layer_id,
        data=rows,
        get_position=["lon", "lat"],
        get_fill_color=hex_to_rgba(color),
        get_line_color=[255, 255, 255, 255],
        stroked=True,
        line_width_units="'pixels'",
        get_line_width=1.5,
        radius_units="'pixels'",
        get_radius=radius_px,
        pickable=True,
        auto_highlight=True,
    )


# ---------------------------------------------------------------- overview
MAX_NAMED = 40  # more localities than this on the map of China: dots without names


def china_overview(
    points: Sequence[Mapping[str, Any]],
    *,
    value_label: str = "",
    lang: str = "zh",
    color: str = CATEGORICAL[5],
    width: int = VIEW_WIDTH,
    height: int = VIEW_HEIGHT,
) -> pdk.Deck:
    """Province outlines (light fill) with the localities on top.

    points: dicts with ``name``, ``lon``, ``lat`` (GCJ-02, e.g. from locality_point()) and an
    optional pre-formatted ``value`` text (None or absent: "无数据"/"no data" when value_label is set).
    Points without coordinates are skipped.
    """
    no_data = no_data_text(lang)
    rows, labels = [], []
    for p in points:
        x, y = _clean(p.get("lon")), _clean(p.get("lat"))
        if x is None or y is None:
            continue
        name = str(p.get("name") or "")
        text = p.get("value")
        shown = str(text) if text not in (None, "") else (no_data if value_label else "")
        rows.append({"lon": x, "lat": y, **_tooltip_fields(name, value_label, shown)})
        labels.append({"label": name, "lon": x, "lat": y, "priority": 0, "color": hex_to_rgba(TEXT_DARK)})
    bounds = boundary_bounds("provinces")
    view = fit_view(bounds, width=width, height=height)
    outline = pdk.Layer(
        "GeoJsonLayer",
        id="provinces",
        data=compact_boundaries("provinces", grid_for(bounds, width, height)),
        stroked=True,
        filled=True,
        get_fill_color=[242, 242, 242, 255],
        get_line_color=[150, 150, 150, 255],
        get_line_width=0.6,
        line_width_units="'pixels'",
        pickable=False,
    )
    crowded = len(rows) > MAX_NAMED
    dots = dots_layer(rows, layer_id="localities", color=color, radius_px=4 if crowded else 7)
    if crowded:
        # a national roster puts hundreds of cities on the map: merged names would cover China,
        # so names are left to the tooltips
        return _deck([outline, dots], view)
    # Names sit above their dots (a pixel offset, which deck.gl's collision filter does not
    # handle: it hides every label), so near-coincident names are merged here instead.
    names = label_layers(
        merge_close_labels(labels, view.zoom, size=12, sep=punct.list_sep(lang)),
        layer_id="locality_labels", size=12, pixel_offset=(0, -16), collision=False,
    )
    return _deck([outline, dots, *names], view)


def _text_width(text: str, size: float) -> float:
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in text)


def _to_pixels(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    scale = 512.0 * 2**zoom
    return scale * (lon + 180.0) / 360.0, scale * (math.pi - _merc_y(lat)) / (2 * math.pi)


def merge_close_labels(rows: list[dict], zoom: float, *, size: float = 12, sep: str = "、") -> list[dict]:
    """Labels whose boxes would overlap at this zoom become one label ("梧州市、贵港市") at the first."""
    kept: list[dict] = []
    boxes: list[list[float]] = []  # x, y, half width, half height
    for r in rows:
        x, y = _to_pixels(r["lon"], r["lat"], zoom)
        hw, hh = _text_width(r["label"], size) / 2, size * 0.6
        for k, b in zip(kept, boxes):
            if abs(x - b[0]) < hw + b[2] and abs(y - b[1]) < hh + b[3]:
                k["label"] = f"{k['label']}{sep}{r['label']}"
                b[2] = _text_width(k["label"], size) / 2
                break
        else:
            kept.append(dict(r))
            boxes.append([x, y, hw, hh])
    return kept


def source_note(lang: str = "zh") -> str:
    """A caption for maps: where the boundaries come from (and that they are GCJ-02)."""
    return message("maps.source_note", lang)


__all__ = [
    "BOUNDARY_KINDS", "CATEGORICAL", "MISSING_COLOR", "PALETTE", "boundary_bounds", "china_overview", "choropleth",
    "cities_with_boundaries", "color_domain", "color_for", "district_features", "dots_layer", "features_bounds", "fit_view",
    "halo_for", "hex_to_rgba", "label_layer", "label_layers", "legend", "legend_note", "load_boundaries", "locality_point", "merge_close_labels",
    "points_layer", "source_note", "text_color_on",
]

