"""Charts and maps drawn from view-models, once per view-model: every viewer of a shared view gets the
same figure and deck objects (do not change them), and a deck serialises to JSON once."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl
import pydeck as pdk

from exports.story import MapData, Slide, Story, value_text
from ui import charts
from ui.cache import drawn
from ui.maps import (
    CATEGORICAL,
    china_overview,
    choropleth,
    color_domain,
    district_features,
    dots_layer,
    features_bounds,
    fit_view,
    legend,
)
from views.compare import Chart as CompareChart
from views.compare import Scatter
from views.maps import Choropleth
from views.overview import ChinaMap, Ranking

POINT_COLOR = CATEGORICAL[7]  # small near-black dots with a white ring: visible on every viridis class and on grey


def district_deck(view: Choropleth, *, height: int = 520, width: int | None = None) -> pdk.Deck:
    """The choropleth of `view`, with its community points, closed in on its zoom unit (shared: do not change it)."""
    return drawn(view, ("deck", height, width), lambda: _draw(view, height, width))


def _draw(view: Choropleth, height: int, width: int | None) -> pdk.Deck:
    features = district_features(view.city_adcode)
    extra = []
    if view.points:
        extra.append(dots_layer(
            [{"lon": p.lon, "lat": p.lat, "tooltip_name": p.name, "tooltip_label": view.value_label,
              "tooltip_sep": ": ", "tooltip_value": p.value or view.fmt(None)} for p in view.points],
            layer_id="points", color=POINT_COLOR, radius_px=3.5,
        ))
    size = {"height": height} | ({"width": width} if width else {})
    out = choropleth(features, view.values_by_adcode, value_label=view.value_label, fmt=view.fmt,
                     name_key="name_en" if view.lang == "en" else "name_zh", lang=view.lang,
                     highlight=view.highlight_adcode, extra_layers=extra, domain=view.domain, **size)
    if view.zoom_adcode:
        chosen = [fe for fe in features["features"] if fe["properties"]["adcode"] == view.zoom_adcode]
        if chosen:
            out.initial_view_state = fit_view(features_bounds({"features": chosen}), **size)
    return _frozen_json(out)


def legend_items(view: Choropleth) -> list[tuple[str, str]]:
    return drawn(view, "legend", lambda: legend(view.values_by_adcode, view.fmt, lang=view.lang, domain=view.domain))


def china_deck(view: ChinaMap, *, width: int, height: int) -> pdk.Deck:
    points = [{"name": p.name, "lon": p.lon, "lat": p.lat, "value": p.value} for p in view.points]
    return drawn(view, ("deck", width, height), lambda: _frozen_json(china_overview(
        points, value_label=view.value_label, lang=view.lang, width=width, height=height)))


def lag_chart(view: Ranking) -> go.Figure:
    return drawn(view, "figure", lambda: charts.lag_ranking(view))


def _frozen_json(d: pdk.Deck) -> pdk.Deck:
    """st.pydeck_chart serialises the deck on every run; a shared deck serialises once."""
    text = d.to_json()
    d.to_json = lambda: text  # type: ignore[method-assign]
    return d


def legend_html(items: Sequence[tuple[str, str]], *, inline: bool = False) -> str:
    """Colour swatches with their labels (pydeck draws no legend); inline puts them on one line."""
    box = "display:inline-flex;margin:2px 12px 2px 0" if inline else "display:flex;margin:2px 0"
    return "".join(
        f'<div style="{box};align-items:center;gap:6px;font-size:0.85rem">'
        f'<span style="display:inline-block;width:14px;height:14px;background:{colour};'
        f'border:1px solid #666"></span>{label}</div>'
        for colour, label in items
    )


# ---------------------------------------------------------------- compare

SERIES_COLORS = {"published": charts.PUBLISHED_COLOR, "published_other": charts.PUBLISHED_COLOR,
                 "roster": charts.ROSTER_COLOR, "roster_synthetic": charts.ROSTER_COLOR}
SERIES_PATTERNS = {"published_other": "/"}  # a second report's different figure: same colour, hatched


def compare_chart(view: CompareChart, series: dict[str, str], *, ranking: bool) -> go.Figure:
    """One indicator's bars (or ranking) from views.compare.Chart; `series` maps series labels to kinds."""
    return drawn(view, ("figure", ranking), lambda: _compare_chart(view, series, ranking))


def _compare_chart(view: CompareChart, series: dict[str, str], ranking: bool) -> go.Figure:
    colors = {label: SERIES_COLORS[kind] for label, kind in series.items()}
    values = view.frame["value"].to_list()
    if ranking:
        fig = charts.ranking(view.frame, label="label", value="value", text="text", color="series",
                             series_colors=colors, fmt=view.fmt, title=view.title, hover="hover")
        charts.value_axis(fig, values, view.fmt, axis="x", fixed_range=True)  # room right of the longest bar
    else:
        patterns = {label: SERIES_PATTERNS[kind] for label, kind in series.items() if kind in SERIES_PATTERNS}
        fig = charts.bar(view.frame, x="locality", y="value", color="series", text="text", fmt=view.fmt,
                         title=view.title, series_colors=colors, series_patterns=patterns, x_order=view.localities,
                         hover="hover")
        charts.value_axis(fig, values, view.fmt)
    fig.update_layout(margin={"t": fig.layout.margin.t + 30}, legend={"y": 1.04})  # the legend below a wrapped title
    return fig


def compare_scatter(view: Scatter) -> go.Figure:
    return drawn(view, "figure", lambda: _compare_scatter(view))


def _compare_scatter(view: Scatter) -> go.Figure:
    frame = pl.DataFrame({"name": list(view.names), "label": list(view.labels), "x": list(view.xs),
                          "y": list(view.ys)},
                         schema={"name": pl.String, "label": pl.String, "x": pl.Float64, "y": pl.Float64})
    fig = charts.scatter(frame, x="x", y="y", label="label", group="name" if view.per_community else None,
                         x_title=view.x_title, y_title=view.y_title, x_fmt=view.x_fmt, y_fmt=view.y_fmt,
                         title=view.title, height=480)
    # roster values: never the published figures' orange
    palette = [c for c in charts.CATEGORICAL if c not in (charts.PUBLISHED_COLOR, charts.ROSTER_COLOR)]
    for i, trace in enumerate(fig.data):
        trace.marker.color = ([charts.ROSTER_COLOR, *palette])[i % (len(palette) + 1)]
    if not view.per_community:
        # names above and below in turn (by x), so close neighbours do not print over each other
        xs = list(view.xs)
        rank = {j: k for k, j in enumerate(sorted(range(len(xs)), key=lambda j: (xs[j] is None, xs[j] or 0)))}
        fig.update_traces(mode="markers+text",
                          textposition=["top center" if rank[j] % 2 == 0 else "bottom center" for j in range(len(xs))])
    charts.value_axis(fig, list(view.xs), view.x_fmt, axis="x", include_zero=False)
    charts.value_axis(fig, [*view.ys, 1.0], view.y_fmt, axis="y", fixed_range=True)
    return fig


# ---------------------------------------------------------------- present mode

SLIDE_LABEL_SIZE = 22  # district names readable from the back of the room


def slide_deck(m: MapData, lang: str, *, height: int) -> pdk.Deck:
    return drawn(m, ("deck", lang, height), lambda: _slide_deck(m, lang, height))


def _slide_deck(m: MapData, lang: str, height: int) -> pdk.Deck:
    fmt = lambda v: value_text(m.number_format, v, lang)  # noqa: E731
    d = choropleth(district_features(m.city_adcode), m.values, value_label=m.value_label, fmt=fmt,
                   name_key="name_en" if lang == "en" else "name_zh", lang=lang, highlight=m.highlight, width=1400,
                   height=height, domain=color_domain(m.values.values(), m.number_format))
    for layer in d.layers:
        if str(getattr(layer, "id", "")).startswith("labels"):
            layer.get_size = SLIDE_LABEL_SIZE
    return _frozen_json(d)


def slide_legend(m: MapData, lang: str) -> list[tuple[str, str]]:
    return drawn(m, ("legend", lang), lambda: legend(m.values, lambda v: value_text(m.number_format, v, lang), lang=lang,
                                                     domain=color_domain(m.values.values(), m.number_format)))


def slide_chart(slide: Slide, lang: str, *, height: int) -> go.Figure:
    from exports.images import slide_figure

    return drawn(slide, ("figure", lang, height), lambda: slide_figure(slide, lang, big=True, height=height))


def deck_pptx(story: Story) -> bytes:
    """The story as an editable PPTX, built once per story (a download click builds it)."""
    from exports.deck import build_deck

    return drawn(story, "pptx", lambda: build_deck(story))
