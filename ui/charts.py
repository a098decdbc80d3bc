"""Plotly figures shared by the pages, present mode and PNG export; no Streamlit here.

Figures take already-computed frames and already-translated labels, so the same builder serves a
Chinese page, an English page and a projector slide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl

from geo.colors import CATEGORICAL, MISSING_COLOR, PALETTE

if TYPE_CHECKING:
    from views.overview import Ranking

CJK_FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
PUBLISHED_COLOR = CATEGORICAL[0]   # orange: a report's figure
ROSTER_COLOR = CATEGORICAL[4]      # blue: computed from imported rows
Formatter = Callable[[float | None], str]


# Widths a chart title may take before it wraps: half the main column of a 1440 px screen (compare
# charts, the lag ranking), a projector slide. Plotly never wraps a title; it cuts it at the edge.
TITLE_WIDTH, TITLE_WIDTH_BIG = 440, 1250
TITLE_LINE = 1.3  # line height, in font sizes


def text_width(text: str, size: float) -> float:
    """About how many pixels a line takes: a CJK character is square, Latin about 0.56 of the size."""
    return sum(size if ord(ch) > 0x2E80 else (0.3 if ch == " " else 0.56) * size for ch in text)


def wrap_title(text: str, size: float, width: float) -> str:
    """A title broken into lines (<br>) that fit `width` pixels: at spaces in English, anywhere in Chinese
    (but never before a closing bracket or mark)."""
    lines, line = [], ""
    tokens = text.split(" ") if " " in text else list(text)
    sep = " " if " " in text else ""
    for tok in tokens:
        candidate = f"{line}{sep}{tok}" if line else tok
        if line and text_width(candidate, size) > width and tok not in ("）", "》", "、", "，", "。", "%"):
            lines.append(line)
            line = tok
        else:
            line = candidate
    lines.append(line)
    return "<br>".join(lines)


def _layout(fig: go.Figure, title: str | None, *, height: int, big: bool) -> go.Figure:
    size = 22 if big else 13
    wrapped = wrap_title(title, size + 6, TITLE_WIDTH_BIG if big else TITLE_WIDTH) if title else None
    extra = (wrapped.count("<br>") * (size + 6) * TITLE_LINE) if wrapped else 0
    fig.update_layout(
        # pinned to the top of the figure, so a legend above the plot stays below every line of it
        title={"text": wrapped, "font": {"size": size + 6}, "yref": "container", "y": 1, "yanchor": "top",
               "pad": {"t": 12}} if title else None,
        font={"family": CJK_FONT, "size": size},
        height=height + round(extra),
        margin={"l": 10, "r": 10, "t": round(60 + extra) if title else 20, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        colorway=CATEGORICAL,
    )
    fig.update_xaxes(showgrid=False, automargin=True)
    fig.update_yaxes(gridcolor="#E5E5E5", automargin=True)
    return fig


def bar(
    df: pl.DataFrame, *, x: str, y: str, fmt: Formatter, title: str | None = None, color: str | None = None,
    text: str | None = None, height: int = 380, big: bool = False, series_colors: dict[str, str] | None = None,
    series_patterns: dict[str, str] | None = None, x_order: Sequence[str] | None = None, hover: str | None = None,
) -> go.Figure:
    """Vertical bars of `y` per `x`; `color` splits series (e.g. basis published/roster); labels show formatted values.

    `series_patterns` gives a series a fill pattern (plotly shapes: "/", "x", ".") so two series of
    one colour stay apart without relying on colour; `x_order` fixes the order of the categories.
    """
    fig = go.Figure()
    groups = [(None, df)] if color is None else [(k[0], g) for k, g in df.group_by(color, maintain_order=True)]
    for i, (name, g) in enumerate(groups):
        values = g[y].to_list()
        labels = g[text].to_list() if text else [fmt(v) for v in values]
        colour = (series_colors or {}).get(name, CATEGORICAL[i % len(CATEGORICAL)]) if name is not None else ROSTER_COLOR
        marker: dict = {"color": colour}
        pattern = (series_patterns or {}).get(name) if name is not None else None
        if pattern:
            marker["pattern"] = {"shape": pattern, "fgcolor": "white", "fgopacity": 0.6}
        fig.add_bar(x=g[x].to_list(), y=values, name=str(name) if name is not None else y, text=labels,
                    textposition="outside", marker=marker, cliponaxis=False, **_hover(g, hover, "x"))
    fig.update_layout(barmode="group", showlegend=color is not None)
    if x_order is not None:
        fig.update_xaxes(categoryorder="array", categoryarray=list(x_order))
    return _layout(fig, title, height=height, big=big)


def ranking(
    df: pl.DataFrame, *, label: str, value: str, fmt: Formatter, title: str | None = None, highlight: set[str] | None = None,
    height: int | None = None, big: bool = False, text: str | None = None, color: str | None = None,
    series_colors: dict[str, str] | None = None, ascending: bool = False, hover: str | None = None,
) -> go.Figure:
    """Horizontal bars sorted best at top (`ascending`: lowest at top, e.g. where coverage lags);
    missing values listed last in grey as 'no data'. `text` names a column of ready labels
    (e.g. with a qualifier, `≥20万`); `color` splits the bars into legend series (e.g. basis
    published/roster) coloured by `series_colors`; `hover` names a column of ready hover text.
    """
    ordered = df.sort(value, descending=not ascending, nulls_last=True)
    labels, values = ordered[label].to_list(), ordered[value].to_list()
    texts = ordered[text].to_list() if text else [fmt(v) for v in values]
    if color is None:
        colours = [MISSING_COLOR if v is None else (CATEGORICAL[5] if highlight and l in highlight else ROSTER_COLOR)
                   for l, v in zip(labels, values, strict=True)]
        fig = go.Figure(go.Bar(
            y=labels, x=[0 if v is None else v for v in values], orientation="h", marker_color=colours,
            text=texts, textposition="outside", cliponaxis=False, **_hover(ordered, hover, "y"),
        ))
        fig.update_layout(showlegend=False)
    else:
        fig = go.Figure()
        series = ordered[color].to_list()
        for i, name in enumerate(dict.fromkeys(series)):
            idx = [j for j, s in enumerate(series) if s == name]
            colour = (series_colors or {}).get(name, CATEGORICAL[i % len(CATEGORICAL)])
            fig.add_bar(
                y=[labels[j] for j in idx], x=[0 if values[j] is None else values[j] for j in idx], orientation="h",
                name=str(name), marker_color=[MISSING_COLOR if values[j] is None else colour for j in idx],
                text=[texts[j] for j in idx], textposition="outside", cliponaxis=False,
                **_hover(ordered[idx] if idx else ordered.clear(), hover, "y"),
            )
        fig.update_layout(showlegend=True, barmode="overlay")
        fig.update_yaxes(categoryorder="array", categoryarray=labels)
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=height or max(260, 28 * len(labels) + 80), big=big)


def _hover(df: pl.DataFrame, column: str | None, category: str) -> dict:
    """Bar hover from a column of ready text: the bar's category, then that text (no plotly number format)."""
    if column is None:
        return {}
    return {"customdata": df[column].to_list(),
            "hovertemplate": f"<b>%{{{category}}}</b><br>%{{customdata}}<extra>%{{fullData.name}}</extra>"}


def nice_ticks(lo: float, hi: float, n: int = 5, *, include_zero: bool = True) -> list[float]:
    """About n round tick values (1, 2, 2.5, 5 × 10^k steps) covering [lo, hi] (with 0 unless told not)."""
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks, v = [], start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def value_axis(
    fig: go.Figure, values: Sequence[float | None], fmt: Formatter, *, axis: str = "y", include_zero: bool = True,
    fixed_range: bool = False,
) -> go.Figure:
    """Ticks labelled with the page's own number format (10万, 100%) instead of plotly's (100k);
    `fixed_range` also pins the axis to the ticks (a little margin around them)."""
    present = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not present:
        return fig
    ticks = nice_ticks(min(present), max(present), include_zero=include_zero)
    update: dict = {"tickmode": "array", "tickvals": ticks, "ticktext": [fmt(t) for t in ticks]}
    if fixed_range and len(ticks) > 1:
        pad = (ticks[-1] - ticks[0]) * 0.06
        update["range"] = [ticks[0] - pad, ticks[-1] + pad]
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**update)
    return fig


def scatter(
    df: pl.DataFrame, *, x: str, y: str, label: str, x_title: str, y_title: str, x_fmt: Formatter, y_fmt: Formatter,
    title: str | None = None, group: str | None = None, height: int = 420, big: bool = False,
) -> go.Figure:
    """One point per locality/community; hover shows both formatted values."""
    fig = go.Figure()
    groups = [(None, df)] if group is None else [(k[0], g) for k, g in df.group_by(group, maintain_order=True)]
    for i, (name, g) in enumerate(groups):
        fig.add_scatter(
            x=g[x].to_list(), y=g[y].to_list(), mode="markers", name=str(name) if name is not None else "",
            marker={"size": 11, "color": CATEGORICAL[i % len(CATEGORICAL)], "line": {"width": 1, "color": "white"}},
            text=g[label].to_list(),
            customdata=[[x_fmt(a), y_fmt(b)] for a, b in zip(g[x].to_list(), g[y].to_list(), strict=True)],
            hovertemplate=f"%{{text}}<br>{x_title}: %{{customdata[0]}}<br>{y_title}: %{{customdata[1]}}<extra></extra>",
        )
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title=y_title)
    fig.update_layout(showlegend=group is not None)
    return _layout(fig, title, height=height, big=big)


def trend(
    df: pl.DataFrame, *, x: str, y: str, series: str, fmt: Formatter, title: str | None = None, height: int = 340,
    big: bool = False,
) -> go.Figure:
    """A line per series over periods (periods are categories, never interpolated dates)."""
    fig = go.Figure()
    for i, (key, g) in enumerate(df.sort(x).group_by(series, maintain_order=True)):
        fig.add_scatter(x=g[x].to_list(), y=g[y].to_list(), mode="lines+markers+text", name=str(key[0]),
                        text=[fmt(v) for v in g[y].to_list()], textposition="top center",
                        line={"color": CATEGORICAL[i % len(CATEGORICAL)], "width": 3})
    fig.update_xaxes(type="category")
    return _layout(fig, title, height=height, big=big)


def sequential_color(i: int, n: int) -> str:
    """The i-th of n colours along the sequential palette (for ordered categories)."""
    if n <= 1:
        return PALETTE[len(PALETTE) // 2]
    return PALETTE[round(i * (len(PALETTE) - 1) / (n - 1))]


def tick_format(fmt_name: str) -> dict:
    """Axis tick formatting for a catalog format (percent axes show %)."""
    return {"tickformat": ".0%"} if fmt_name == "percent" else {}


__all__: Sequence[str] = ("bar", "ranking", "scatter", "trend", "tick_format", "value_axis", "nice_ticks", "wrap_title",
                          "CJK_FONT", "PUBLISHED_COLOR", "ROSTER_COLOR")


def lag_ranking(view: Ranking) -> go.Figure:
    """Where a rate lags (views.overview.Ranking): lowest first, the 0–100% axis fixed, the target dashed."""
    frame = pl.DataFrame({"label": list(view.labels), "value": list(view.values), "text": list(view.texts)},
                         schema={"label": pl.String, "value": pl.Float64, "text": pl.String})
    fig = ranking(frame, label="label", value="value", text="text", fmt=view.fmt, title=view.title, ascending=True)
    value_axis(fig, [0.0, 1.0], view.fmt, axis="x", fixed_range=True)
    # the target's name above the plot, where no bar's value label can run into it
    fig.add_vline(x=1.0, line_dash="dash", line_color="#555555", annotation_text=view.target_label,
                  annotation_position="top left", annotation_yanchor="bottom")
    return fig
