"""Outlines at screen precision: a deck's GeoJSON crosses the wire on every first view of a map.

Outlines are simplified (Douglas-Peucker) to half a screen pixel of the deck they are drawn on and
printed to a quarter of one; rings that shrink to nothing are dropped. The provinces on the 480 px
map of China: 229 KB at the stored precision, 73 KB here. Boundary loading stays in ui.maps.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

Bounds = tuple[float, float, float, float]  # (min_lon, min_lat, max_lon, max_lat)


Grid = tuple[float, int]  # (tolerance in degrees: half a pixel, decimal places of a quarter pixel)


def grid_for(bounds: Bounds, width: int, height: int) -> Grid:
    """Half a pixel, and the decimals of a quarter pixel, on a width x height deck showing `bounds`."""
    min_lon, min_lat, max_lon, max_lat = bounds
    per_px = min(max(max_lon - min_lon, 1e-6) / max(width, 1), max(max_lat - min_lat, 1e-6) / max(height, 1))
    return per_px / 2, max(1, min(7, math.ceil(-math.log10(per_px / 4))))


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: the points a line needs to stay within `tolerance` of itself."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        far, far_d = -1, tolerance
        for i in range(a + 1, b):
            px, py = points[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else math.hypot(px - ax, py - ay)
            if d > far_d:
                far, far_d = i, d
        if far >= 0:
            keep[far] = True
            stack += [(a, far), (far, b)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _ring(ring: Sequence[Sequence[float]], grid: Grid) -> list[list[float]] | None:
    tolerance, decimals = grid
    pts = [(float(p[0]), float(p[1])) for p in ring]
    if len(pts) > 3:  # a closed ring: simplify its two halves, so both ends stay
        mid = len(pts) // 2
        pts = _simplify(pts[:mid + 1], tolerance)[:-1] + _simplify(pts[mid:], tolerance)
    out: list[list[float]] = []
    for x, y in pts:
        p = [round(x, decimals), round(y, decimals)]
        if not out or p != out[-1]:
            out.append(p)
    if len(out) > 1 and out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None  # a ring that shrinks to a point or a line is not drawn


def compact_geometry(geometry: Mapping[str, Any] | None, grid: Grid) -> dict | None:
    """A Polygon or MultiPolygon snapped to `grid`, consecutive repeats and degenerate rings dropped."""
    if not geometry:
        return None
    polys = [geometry["coordinates"]] if geometry.get("type") == "Polygon" else geometry.get("coordinates") or []
    kept = []
    for poly in polys:
        rings = [_ring(r, grid) for r in poly]
        if rings and rings[0] is not None:
            kept.append([rings[0], *(r for r in rings[1:] if r is not None)])
    return {"type": "MultiPolygon", "coordinates": kept} if kept else None


_compacted: OrderedDict[tuple[int, Grid], tuple[Any, dict | None]] = OrderedDict()
_compacted_lock = threading.Lock()
MAX_COMPACTED = 4096  # unit outlines at one deck size or another (a city has ~10, China ~2,900)


def compact_once(geometry: Mapping[str, Any] | None, grid: Grid) -> dict | None:
    """compact_geometry of a boundary file's geometry, once per process and grid (the boundary files are
    loaded once and never change, so the geometry object is its own key; it is kept with the result,
    so its id cannot be reused while the entry lives)."""
    if geometry is None:
        return None
    key = (id(geometry), grid)
    with _compacted_lock:
        hit = _compacted.get(key)
        if hit is not None and hit[0] is geometry:
            _compacted.move_to_end(key)
            return hit[1]
    out = compact_geometry(geometry, grid)
    with _compacted_lock:
        _compacted[key] = (geometry, out)
        while len(_compacted) > MAX_COMPACTED:
            _compacted.popitem(last=False)
    return out


@lru_cache(maxsize=4)
def compact_boundaries(kind: str, grid: Grid) -> dict:
    """load_boundaries(kind) with compact geometry and no properties (an outline layer needs neither)."""
    from ui.maps import load_boundaries

    feats = []
    for f in load_boundaries(kind)["features"]:
        geom = compact_geometry(f.get("geometry"), grid)
        if geom is not None:
            feats.append({"type": "Feature", "properties": {}, "geometry": geom})
    return {"type": "FeatureCollection", "features": feats}
