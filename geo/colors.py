"""The colour scale of a choropleth: palettes, the classes a value falls in, the domain they span, the legend.

No Streamlit and no pydeck: the pages' maps (ui/maps.py), the view-models (views/maps.py) and the deck's
map picture (exports/images.py) colour by the same rule, so a page and a slide never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from text.messages import message
from text.messages import no_data as no_data_text

# Sequential, colour-blind-safe: viridis in 5 classes (dark purple = low, yellow = high).
PALETTE: list[str] = ["#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725"]
# Categorical, colour-blind-safe: Okabe-Ito.
CATEGORICAL: list[str] = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
MISSING_COLOR = "#D9D9D9"  # light neutral grey, no hatching
OUTLINE_COLOR = "#333333"

def hex_to_rgba(color: str, alpha: int = 255) -> list[int]:
    c = color.lstrip("#")
    return [int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), int(alpha)]


def _clean(value: Any) -> float | None:
    """A plain float, or None for missing/NaN/inf (works for numpy and polars scalars)."""
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _range(values: Iterable[Any]) -> tuple[float, float] | None:
    present = [v for v in (_clean(x) for x in values) if v is not None]
    return (min(present), max(present)) if present else None


def class_index(value: float, vmin: float, vmax: float, n: int = len(PALETTE)) -> int:
    """Equal-interval class of a value (0 = lowest); a constant series sits in the middle class; a value
    outside [vmin, vmax] takes the end class."""
    if vmax <= vmin:
        return n // 2
    return max(0, min(int((value - vmin) / (vmax - vmin) * n), n - 1))


# ---------------------------------------------------------------- the colour domain
# A choropleth that spreads its five colours over whatever range the values happen to have makes a
# 0.5-point gap look like the difference between dark purple and yellow (the district map once
# spread 83.0–83.5 % over the whole palette). So the classes span a domain chosen by rule, and the
# legend prints every class's range:
# - a rate (catalog format "percent") gets five classes whose width is a multiple of RATE_STEP
#   (5 percentage points), starting on a multiple of it, inside 0–100 %: the domain spans at least
#   25 points (83.0 % and 83.5 % share the class 80–85 %), and 0–100 % when the values spread wider
#   than 75 points;
# - any other figure (counts, money, per-10k figures) gets 0 to a round number at or above its
#   largest value (five classes of 1, 2, 2.5 or 5 × 10^k), so colour follows magnitude: 180K and
#   187K per community share a class. Negative values (none in the catalog today) fall back to
#   their own range.
RATE_STEP = 0.05
RATE_MIN_SPAN = RATE_STEP * len(PALETTE)


def color_domain(values: Iterable[Any], number_format: str | None) -> tuple[float, float] | None:
    """(vmin, vmax) the colour classes of these values span, by the rule above; None without values."""
    rng = _range(values)
    if rng is None:
        return None
    lo, hi = rng
    n = len(PALETTE)
    if number_format == "percent":
        start = math.floor(round(max(lo, 0.0) / RATE_STEP, 9)) * RATE_STEP
        for k in range(1, round(1 / RATE_MIN_SPAN) + 1):
            span = k * RATE_MIN_SPAN
            if start + span >= hi - 1e-12:
                break
        if start + span > 1.0:
            start = max(1.0 - span, 0.0)
        return round(start, 9), round(start + span, 9)
    if lo < 0:
        return lo, hi
    if hi <= 0:
        return 0.0, 1.0
    raw = hi / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw - 1e-12)
    return 0.0, step * n


def _domain(values: Iterable[Any], domain: tuple[float, float] | None) -> tuple[float, float] | None:
    return domain if domain is not None else _range(values)


def _luminance(color: str) -> float:
    def lin(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, _ = hex_to_rgba(color)
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


TEXT_DARK, TEXT_LIGHT = "#141414", "#FFFFFF"


def text_color_on(fill: str) -> str:
    """The label colour (near-black or white) with the higher WCAG contrast ratio on a fill."""
    lum = _luminance(fill)
    dark = (lum + 0.05) / (_luminance(TEXT_DARK) + 0.05)
    light = (_luminance(TEXT_LIGHT) + 0.05) / (lum + 0.05)
    return TEXT_DARK if dark >= light else TEXT_LIGHT


def color_for(value: Any, vmin: float, vmax: float) -> str:
    v = _clean(value)
    return MISSING_COLOR if v is None else PALETTE[class_index(v, vmin, vmax)]


def legend(
    values: Mapping[str, Any] | Iterable[Any],
    fmt: Callable[[float | None], str],
    *,
    lang: str = "zh",
    include_missing: bool | None = None,
    domain: tuple[float, float] | None = None,
) -> list[tuple[str, str]]:
    """[(colour hex, label)] from low to high, the classes choropleth() uses for these values.

    `domain` (color_domain()) fixes what the classes span; without it they span the values' own range.
    The "no data" entry is added when some value is missing (include_missing=None) or on request.
    """
    vals = list(values.values()) if isinstance(values, Mapping) else list(values)
    rng = _domain(vals, domain) if _range(vals) is not None else None
    out: list[tuple[str, str]] = []
    if rng is not None:
        vmin, vmax = rng
        if vmax <= vmin:
            out.append((PALETTE[len(PALETTE) // 2], fmt(vmin)))
        else:
            n = len(PALETTE)
            step = (vmax - vmin) / n
            for i, color in enumerate(PALETTE):
                lo, hi = vmin + i * step, (vmax if i == n - 1 else vmin + (i + 1) * step)
                out.append((color, f"{fmt(lo)} – {fmt(hi)}"))
    if include_missing is None:
        include_missing = any(_clean(v) is None for v in vals)
    if include_missing:
        out.append((MISSING_COLOR, no_data_text(lang)))
    return out


def legend_note(domain: tuple[float, float] | None, fmt: Callable[[float | None], str], number_format: str | None,
                lang: str) -> str:
    """What the colour scale spans, under a legend: 色阶 75.0%–100.0%，每档 5 个百分点 / Colour scale 75.0%–100.0%,
    5 percentage points a class; '' without a domain."""
    if domain is None or domain[1] <= domain[0]:
        return ""
    vmin, vmax = domain
    width = (vmax - vmin) / len(PALETTE)
    if number_format == "percent":
        return message("maps.scale_rate", lang, low=fmt(vmin), high=fmt(vmax), width=f"{width * 100:g}")
    return message("maps.scale_amount", lang, low=fmt(vmin), high=fmt(vmax), width=fmt(width))
