"""Plotly figures for a slide's chart or map, and PNG export at presentation resolution.

Charts are drawn by ui.charts (the same builders as the pages, `big=True`); the map is drawn from
the district GeoJSON (data/boundaries, real boundaries) as filled outlines on plain axes, in the
colour classes of ui.maps — no basemap, no tiles and no topojson: plotly's geo traces fetch
world_110m.json from a CDN, which fails offline.

PNG export is plotly's own (`fig.to_image`, kaleido 1.x) driving the system chromium: kaleido finds
Debian's chromium through BROWSER_PATH, which ensure_browser() sets when it is unset (nothing is ever
downloaded). Chinese needs a CJK font in the page: every exported figure uses "Noto Sans CJK SC"
(Debian's fonts-noto-cjk). Each export without a running server starts a browser (2–6 s); to render
several images, wrap them in png_session(), which starts kaleido's sync server once (~0.2 s an
image after the first).
"""

from __future__ import annotations

import math
import os
import shutil
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import plotly.graph_objects as go

from exports.story import Chart, MapData, Slide, value_text
from geo.boundaries import district_features
from geo.colors import MISSING_COLOR, OUTLINE_COLOR, color_domain, color_for, legend, text_color_on
from ui import charts

CJK_FAMILY = "Noto Sans CJK SC"
WIDTH, HEIGHT = 1920, 1080          # presentation resolution (16:9)
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
_lock = threading.Lock()            # kaleido's sync server answers one request at a time


class ImageExportError(RuntimeError):
    """No browser to render with, or the renderer failed; the message says what to do."""


# ---------------------------------------------------------------- browser


def find_browser() -> str | None:
    """BROWSER_PATH if set and present, else the first chromium/chrome on PATH or /usr/bin/chromium."""
    env = os.environ.get("BROWSER_PATH")
    if env and Path(env).exists():
        return env
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def ensure_browser() -> str:
    """Make kaleido use the system chromium (sets BROWSER_PATH when unset); ImageExportError if none."""
    path = find_browser()
    if path is None:
        raise ImageExportError(
            "no chromium found for PNG export: apt-get install chromium fonts-noto-cjk "
            "(or set BROWSER_PATH to a Chrome/Chromium binary)"
        )
    os.environ.setdefault("BROWSER_PATH", path)
    return path


# ---------------------------------------------------------------- figures


def _formatter(number_format: str, lang: str):
    return lambda v: value_text(number_format, v, lang)


def chart_figure(
    chart: Chart, lang: str, *, big: bool = True, height: int | None = None, title: str | None = None
) -> go.Figure:
    """The slide's chart drawn with ui.charts: ranking (bar), grouped columns (column), lines (line)."""
    f = _formatter(chart.number_format, lang)
    df = chart.data
    h = height or (620 if big else 380)
    if chart.kind == "bar":
        fig = charts.ranking(df, label="category", value="value", fmt=f, big=big, height=h, title=title)
        value_axis = fig.update_xaxes
    elif chart.kind == "column":
        colours = None
        if chart.qualified_series:
            roster = [s for s in chart.series if s not in chart.qualified_series]
            colours = {**{s: charts.ROSTER_COLOR for s in roster[:1]},
                       **{s: charts.PUBLISHED_COLOR for s in chart.qualified_series}}
        fig = charts.bar(df, x="category", y="value", color="series", text="label", fmt=f, big=big, height=h,
                         series_colors=colours, title=title)
        value_axis = fig.update_yaxes
    elif chart.kind == "line":
        fig = charts.trend(df, x="category", y="value", series="series", fmt=f, big=big, height=h, title=title)
        fig.update_traces(line_width=6 if big else 3, marker_size=16 if big else 8, selector={"type": "scatter"})
        value_axis = fig.update_yaxes
    else:
        raise ValueError(f"unknown chart kind {chart.kind!r}")
    value_axis(**charts.tick_format(chart.number_format), title=chart.value_title or None)
    if chart.number_format == "money":
        ticks = nice_ticks(max([v for v in df["value"].to_list() if v is not None] or [0.0]))
        value_axis(tickvals=ticks, ticktext=[value_text("money", v, lang) for v in ticks])
    if chart.kind == "line":
        # a label at the last point of each line only, alternately above and below: close lines
        # would otherwise print their labels on top of each other
        for i, trace in enumerate(fig.data):
            texts = list(trace.text or [])
            trace.text = ["" for _ in texts[:-1]] + texts[-1:]
            trace.textposition = "top center" if i % 2 == 0 else "bottom center"
    if chart.number_format == "percent":
        top = max([v for v in df["value"].to_list() if v is not None] or [1.0])
        value_axis(range=[0, max(1.0, top) * 1.12])
    if big:
        fig.update_layout(legend={"font": {"size": 22}})
    return fig


def nice_ticks(top: float, n: int = 5) -> list[float]:
    """0 and round steps (1, 2, 2.5, 5 × 10^k) up to just above `top`."""
    if top <= 0:
        return [0.0]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [i * step for i in range(int(top // step) + 2)]


def _project(lon: float, lat: float) -> tuple[float, float]:
    # Web Mercator y (degrees-like units), so shapes look as on every web map
    return lon, math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _exterior_rings(geometry: dict) -> list[list[list[float]]]:
    coords = geometry.get("coordinates") or []
    polys = [coords] if geometry.get("type") == "Polygon" else coords
    return [p[0] for p in polys if p]


def _ring_area(ring: Sequence[Sequence[float]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:]))) / 2


def _spread_labels(xs: list[float], ys: list[float], texts: list[str], features: list[dict], size: float,
                   plot_px: float) -> list[float]:
    """Move labels apart vertically where their text boxes would overlap (largest units keep their place).

    Boxes are estimated in pixels from the map's vertical extent (the plot is height-bound: maps of
    districts are taller than the slide's aspect), CJK glyphs one em wide, Latin ones 0.6 em.
    """
    all_y = [_project(lon, lat)[1] for ft in features for r in _exterior_rings(ft["geometry"]) for lon, lat, *_ in r]
    per_px = (max(all_y) - min(all_y)) / max(plot_px, 1.0)

    def box(i: int, y: float) -> tuple[float, float, float, float]:
        lines = texts[i].replace("<b>", "").replace("</b>", "").split("<br>")
        w = max(sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in line) for line in lines) * per_px
        h = 1.3 * size * len(lines) * per_px
        return xs[i] - w / 2, y - h / 2, xs[i] + w / 2, y + h / 2

    placed: list[tuple[float, float, float, float]] = []
    out = list(ys)
    for i in range(len(xs)):  # features come largest first
        for step in (0, 1, -1, 2, -2, 3, -3):
            x0, y0, x1, y1 = box(i, ys[i])
            y = ys[i] + step * (y1 - y0) * 0.55
            b = box(i, y)
            if not any(b[0] < p[2] and p[0] < b[2] and b[1] < p[3] and p[1] < b[3] for p in placed):
                break
        out[i] = y
        placed.append(box(i, y))
    return out


def map_figure(
    m: MapData, lang: str, *, big: bool = True, height: int | None = None, title: str | None = None
) -> go.Figure:
    """The county-level units of a city, filled by value class (ui.maps colours), names on top, legend.

    Larger units are drawn first so a district enclosed by a county stays visible.
    """
    features = district_features(m.city_adcode)["features"]
    if not features:
        raise ValueError(f"no boundaries for city {m.city_adcode!r}")
    # the page's colour rule (geo.colors.color_domain), so the deck's map picture and the page agree and a
    # 2-point gap between rates is not spread over the whole palette
    domain = color_domain(m.values.values(), m.number_format)
    vmin, vmax = domain or (0.0, 0.0)
    f = _formatter(m.number_format, lang)
    size = 22 if big else 13
    fig = go.Figure()
    areas = {str(ft["properties"]["adcode"]): sum(_ring_area(r) for r in _exterior_rings(ft["geometry"]))
             for ft in features}
    total_area = sum(areas.values()) or 1.0
    ordered = sorted(features, key=lambda ft: -areas[str(ft["properties"]["adcode"])])
    label_x, label_y, label_text, label_colour = [], [], [], []
    for ft in ordered:
        props = ft["properties"]
        code = str(props["adcode"])
        v = m.values.get(code)
        fill = color_for(v, vmin, vmax) if v is not None else MISSING_COLOR
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in _exterior_rings(ft["geometry"]):
            for lon, lat, *_ in ring:
                x, y = _project(lon, lat)
                xs.append(x)
                ys.append(y)
            xs.append(None)
            ys.append(None)
        name = str(props.get(m.name_key) or props.get("name_zh") or code)
        highlighted = m.highlight is not None and code == str(m.highlight)
        fig.add_scatter(
            x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill, showlegend=False,
            line={"color": "#000000" if highlighted else OUTLINE_COLOR, "width": 6 if highlighted else 1.2},
            hoverinfo="text", text=f"{name}: {f(v)}", name=name,
        )
        x, y = _project(float(props["label_lon"]), float(props["label_lat"]))
        label_x.append(x)
        label_y.append(y)
        small = areas[code] < 0.04 * total_area  # a small unit gets its name only, values are in the legend
        label_text.append(f"<b>{name}</b><br>{f(v)}" if v is not None and not small else f"<b>{name}</b>")
        label_colour.append(text_color_on(fill))
    fig_height = height or (700 if big else 450)
    label_y = _spread_labels(label_x, label_y, label_text, features, size - 2, fig_height - (70 if title else 10) - 20)
    fig.add_scatter(
        x=label_x, y=label_y, mode="text", text=label_text, showlegend=False, hoverinfo="skip",
        textfont={"size": size - 2, "color": label_colour, "family": CJK_FAMILY},
    )
    for colour, text in legend(m.values, lambda v: value_text(m.number_format, v, lang), lang=lang, domain=domain):
        fig.add_scatter(
            x=[None], y=[None], mode="markers", name=text, showlegend=True,
            marker={"symbol": "square", "size": size, "color": colour, "line": {"color": OUTLINE_COLOR, "width": 1}},
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.0)  # Mercator: equal units on both axes
    fig.update_layout(
        height=fig_height,
        margin={"l": 10, "r": 10, "t": 70 if title else 10, "b": 10},
        title={"text": title, "font": {"size": size + 6}} if title else None,
        plot_bgcolor="white", paper_bgcolor="white",
        font={"family": charts.CJK_FONT, "size": size},
        legend={"title": {"text": f"{m.value_label}"}, "x": 1.0, "xanchor": "left", "y": 0.5, "yanchor": "middle",
                "font": {"size": size - 2}},
        hovermode="closest",
    )
    return fig


def slide_figure(
    slide: Slide, lang: str, *, big: bool = True, height: int | None = None, title: str | None = None
) -> go.Figure | None:
    """The figure a slide shows (its chart, or its map), or None for text-only slides."""
    if slide.chart is not None:
        return chart_figure(slide.chart, lang, big=big, height=height, title=title)
    if slide.map is not None:
        return map_figure(slide.map, lang, big=big, height=height, title=title)
    return None


# ---------------------------------------------------------------- PNG


def _for_export(fig: go.Figure) -> go.Figure:
    out = go.Figure(fig)
    out.update_layout(font_family=CJK_FAMILY)
    if out.layout.title and out.layout.title.text:
        out.update_layout(title_font_family=CJK_FAMILY)
    return out


def to_png(fig: go.Figure, *, width: int = WIDTH, height: int = HEIGHT, scale: float = 1.0) -> bytes:
    """PNG bytes of a figure at width×height CSS pixels × scale, rendered by the system chromium."""
    ensure_browser()
    try:
        with _lock, warnings.catch_warnings():
            # plotly warns that kaleido options are ignored while a sync server runs: expected
            warnings.simplefilter("ignore", UserWarning)
            return _for_export(fig).to_image(format="png", width=width, height=height, scale=scale)
    except ImageExportError:
        raise
    except Exception as exc:  # kaleido/choreographer raise many kinds; the caller needs a reason
        raise ImageExportError(f"PNG export failed: {type(exc).__name__}: {exc}") from exc


@contextmanager
def png_session() -> Iterator[None]:
    """Keep one browser for every to_png() inside (kaleido's sync server); stops it if it started it."""
    import kaleido

    ensure_browser()
    server = kaleido._global_server  # noqa: SLF001 - the public start/stop functions do not say if it runs
    started = not server.is_running()
    if started:
        kaleido.start_sync_server(silence_warnings=True)
    try:
        yield
    finally:
        if started:
            kaleido.stop_sync_server(silence_warnings=True)


def render_pngs(
    figs: Sequence[go.Figure], *, width: int = WIDTH, height: int = HEIGHT, scale: float = 1.0
) -> list[bytes]:
    """Several PNGs through one browser."""
    with png_session():
        return [to_png(f, width=width, height=height, scale=scale) for f in figs]
