"""A brute-force reference for the depth of an encroachment (docs/domain.md §1.6), for tests only.

depth(B, Z) = max over p in I = B ∩ Z of dist(p, ∂Z), ∂Z being the boundary of the zone polygon as
given (every ring of every part, holes included). It shares no code with the engine
(gisdesk.analysis.conflicts): no buffers, no bisection, only distances to the boundary's segments
and point/box-in-polygon tests.

The method is a branch and bound over square cells. f(p) = dist(p, ∂Z) is 1-Lipschitz, so on a
cell of centre c and half side a, f ≤ f(c) + a·√2. The best value found, L, is f at a point of I
(a vertex of I or a cell's centre inside I), so L ≤ depth always. A cell is dropped when it does
not meet I or when its bound is at most L + tol; the others are split in four. When no cell is
left, every point of I is within tol of L: depth ∈ [L, L + tol], and L is returned.

`ideal_buffer_depth` brackets the depth into the TRUE zone of a centre line (every point within
h of it, no polygon approximation) between the depths into two polygons, one inside the true
zone and one around it (depth grows with the zone).
"""

from __future__ import annotations

import math

import numpy as np
import shapely

TOL = 1e-3  # m

__all__ = ["TOL", "depth", "depths", "ideal_buffer_bounds", "ideal_buffer_depth", "overlap", "segments",
           "without_specks"]


def overlap(building, zone):
    """I = B ∩ Z, its polygonal parts only (as the engine defines the overlap): a MultiPolygon, maybe empty."""
    parts = [p for p in shapely.get_parts(shapely.intersection(building, zone)) if p.geom_type in ("Polygon",
                                                                                                   "MultiPolygon")]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.MultiPolygon(polys) if polys else shapely.MultiPolygon()


def segments(geom) -> np.ndarray:
    """The straight pieces of every ring/line of `geom`, as 2-point LineStrings."""
    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            rings = [part.exterior, *part.interiors]
        elif part.geom_type in ("LineString", "LinearRing"):
            rings = [part]
        else:
            rings = [r for q in shapely.get_parts(part) for r in ([q.exterior, *q.interiors]
                                                                 if q.geom_type == "Polygon" else [q])]
        for ring in rings:
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) >= 2:
                out.append(shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1)))
    return np.concatenate(out) if out else np.empty(0, dtype=object)


class _Boundary:
    """dist(p, ∂Z) for many points at once, over the segments of ∂Z that can be nearest to a
    point of `region` (all of them without it)."""

    def __init__(self, zone, region=None):
        segs = segments(zone)
        if region is not None and len(segs):
            # f(p) ≤ f(v) + |p − v| for a vertex v of the region: a segment farther than that
            # from the region's box is never the nearest to one of its points
            v = np.asarray(shapely.get_coordinates(region)[:1])
            xmin, ymin, xmax, ymax = shapely.bounds(region)
            reach = shapely.distance(shapely.points(v[0]), segs).min() + math.hypot(xmax - xmin, ymax - ymin)
            segs = segs[shapely.distance(shapely.box(xmin, ymin, xmax, ymax), segs) <= reach + 1e-6]
        xy = shapely.get_coordinates(segs).reshape(-1, 2, 2)
        self.x1, self.y1 = xy[:, 0, 0], xy[:, 0, 1]
        self.dx, self.dy = xy[:, 1, 0] - self.x1, xy[:, 1, 1] - self.y1
        self.len2 = np.maximum(self.dx ** 2 + self.dy ** 2, 1e-300)

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = np.empty(len(x))
        step = max(1, 2_000_000 // max(len(self.x1), 1))
        for i in range(0, len(x), step):
            px, py = x[i:i + step, None] - self.x1, y[i:i + step, None] - self.y1
            t = np.clip((px * self.dx + py * self.dy) / self.len2, 0.0, 1.0)
            out[i:i + step] = np.sqrt(np.min((px - t * self.dx) ** 2 + (py - t * self.dy) ** 2, axis=1))
        return out


def depths(buildings, zones, tol: float = TOL) -> np.ndarray:
    """The depth of each building into its zone (0 where the overlap has no area), to ±tol/2."""
    out = np.zeros(len(buildings))
    for i, (b, z) in enumerate(zip(buildings, zones)):
        region = overlap(b, z)
        if region.area > 0:
            out[i] = _branch_and_bound(region, _Boundary(z, region), tol) + tol / 2
    return out


def depth(building, zone, tol: float = TOL) -> float:
    """The depth of one building into one zone polygon, to ±tol/2 (0 if the overlap has no area)."""
    return float(depths([building], [zone], tol)[0])


def _branch_and_bound(region, f: _Boundary, tol: float) -> float:
    """max over p in region of f(p), less at most tol."""
    shapely.prepare(region)
    coords = shapely.get_coordinates(region)
    best = float(f(coords[:, 0], coords[:, 1]).max())  # the vertices of I are points of I
    xmin, ymin, xmax, ymax = shapely.bounds(region)
    cx, cy = np.array([(xmin + xmax) / 2]), np.array([(ymin + ymax) / 2])
    half = max(xmax - xmin, ymax - ymin) / 2 + 1e-9
    for _ in range(80):  # 2^-80 of the box: never reached, cells are pruned long before
        if len(cx) == 0:
            return best
        fc = f(cx, cy)
        inside = shapely.intersects(region, shapely.points(cx, cy))
        if inside.any():
            best = max(best, float(fc[inside].max()))
        alive = fc + half * math.sqrt(2) > best + tol
        cx, cy = cx[alive], cy[alive]
        meets = shapely.intersects(region, shapely.box(cx - half, cy - half, cx + half, cy + half))
        cx, cy, half = cx[meets], cy[meets], half / 2
        cx = (cx[:, None] + np.array([-half, half, -half, half])).ravel()
        cy = (cy[:, None] + np.array([-half, -half, half, half])).ravel()
    raise RuntimeError("depth oracle did not converge")


# --- the true zone of a centre line ------------------------------------------------------

_QUAD = 128  # segments per quarter circle of the bracketing polygons


def _capsules(line, radius: float) -> np.ndarray:
    return shapely.buffer(segments(line), radius, quad_segs=_QUAD)


def ideal_buffer_bounds(building, line, h: float, tol: float = TOL) -> tuple[float, float]:
    """(lo, hi) around the depth of `building` into the true zone {p : dist(p, line) ≤ h}.

    The true zone is the union of the capsules (points within h) of the line's segments. A GEOS
    buffer of one segment has its vertices on the circle, so the union of those of radius h lies
    inside the true zone, and the union of those of radius h / cos(π / 4q) (every chord at least h
    from the segment) contains it. One segment at a time, so no offset curve of a tight bend is
    involved; an overlay of convex pieces has no speck holes.
    """
    inner = shapely.union_all(_capsules(line, h))
    outer = shapely.union_all(_capsules(line, h / math.cos(math.pi / (4 * _QUAD))))
    lo, hi = depths([building, building], [inner, outer], tol)
    return float(lo) - tol / 2, float(hi) + tol / 2


def ideal_buffer_depth(building, line, h: float, tol: float = TOL) -> float:
    """The depth of `building` into the true zone of a centre line with half width h, to about
    tol + h·(1/cos(π/512) − 1) (0.3 mm at 15 m)."""
    lo, hi = ideal_buffer_bounds(building, line, h, tol)
    assert hi - lo < 4 * tol + h * (1 / math.cos(math.pi / (4 * _QUAD)) - 1), (lo, hi)
    return (lo + hi) / 2


def without_specks(zone, line, h: float):
    """The zone polygon without the holes that lie inside the true zone of its centre line (GEOS's
    specks at tight bends): a hole goes when a point inside it is nearer than h to the line.
    A real hole (a ring road's middle) is the part of the plane farther than h from the line,
    so none of its points is nearer; it stays."""
    kept = []
    for part in shapely.get_parts(zone):
        holes = [r for r in part.interiors
                 if shapely.distance(shapely.point_on_surface(shapely.Polygon(r)), line) >= h]
        kept.append(shapely.Polygon(part.exterior, holes))
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)
