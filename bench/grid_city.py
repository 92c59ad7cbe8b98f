"""Cities unlike bench/city.py's, for the check benchmark of issue 8 (written as gisdesk projects).

    python -m bench.grid_city N [--seed S] [--layout grid|ring] [--out PATH]

writes bench/out/grid-N.gpkg (or ring-N.gpkg) and prints the feature counts.

**grid** — a street grid rotated by 23°. Every block edge is its own red centre line (a
LineString of 2 points, `half_width_m` 10-30 m by road, `road_class`), so zones overlap at
every junction. Meandering rivers: blue centre lines (half width 30 m) in ~1 km reaches of
5 m vertices, with bends of radius down to ~8 m (under the half width). Blue lakes
(polygons of several hundred metres); green parks of 1-4 × 1-4 blocks (over the roads
between them) and the northern rows of some blocks in green, yellow or purple (a purple
historic core). Buildings (rectangles and L-shapes, rotated up to ±5° off the grid) in 6 × 5
slots of 20 m per block, kept clear of every zone by its setback + 3 m, except the ~5 % in
conflict: shallow encroachments (0.5-3 m), setback shortfalls, buildings spanning a whole road
zone (across the road, some across a junction) or a whole river zone, buildings inside parks
and on river banks.

**ring** — a radial city: ring roads (one closed polyline per ring, so its zone has a real
hole), gently spiralling radial roads (one polyline each, vertices every 20 m, more radials
further out), roundabouts at some junctions (closed circles of radius 5-12 m drawn with 256
vertices, half width above the radius), ramps (loops of 180-300° and radius 8-13 m drawn with
128 vertices, half width 15 m; half of them bare loops without straight tails, whose GEOS
buffers have specks of holes: about 1 ramp in 3), a meandering river, huge polygons (a
central park, a lake, a green belt sector), purple and yellow sectors; buildings in arcs
between the rings, about 5 % in conflict (spanning ring and radial roads, across
roundabouts and ramps, inside the park and lake, shallow encroachments and setback
shortfalls towards the nearest road).

No feature has a `side` field: every line's zone is its buffer of `half_width_m`.
Deterministic by seed; EPSG:4549 like bench/city.py.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bench.city import CRS_, ORIGIN, SETBACK, _move, _road_class, write_frames

OUT = Path(__file__).resolve().parent / "out"
ANGLE = 23.0  # grid rotation, degrees
SU, SV, SLOT = 6, 5, 20.0  # building slots per block along u and v, slot size
HALF = {"expressway": (26.0, 30.0), "trunk": (20.0, 25.0), "secondary": (14.0, 18.0), "branch": (10.0, 12.5)}
RIVER_HALF = 30.0
CLEAR = 3.0


# --- shared pieces -------------------------------------------------------------------------

def _halves(cls: np.ndarray, rng) -> np.ndarray:
    lo = np.array([HALF[c][0] for c in cls])
    hi = np.array([HALF[c][1] for c in cls])
    return np.round(rng.uniform(lo, hi) * 2) / 2


def _setbacks(cls: np.ndarray) -> np.ndarray:
    return np.array([SETBACK[c] for c in cls])


def footprints(cx, cy, w, h, angle, lshape, cut_a, cut_b) -> np.ndarray:
    """Rectangles (w × h, centred, rotated by `angle` radians) or, where `lshape`, L-shapes: the
    rectangle without its corner of cut_a·w × cut_b·h."""
    out = np.empty(len(cx), dtype=object)
    for ell in (False, True):
        k = np.flatnonzero(lshape == ell)
        if not len(k):
            continue
        if ell:
            a, b = cut_a[k, None], cut_b[k, None]
            tu = np.array([-.5, .5, .5, .5, .5, -.5, -.5])[None, :] - np.array([0, 0, 0, 1, 1, 0, 0])[None, :] * a
            tv = np.array([-.5, -.5, .5, .5, .5, .5, -.5])[None, :] - np.array([0, 0, 1, 1, 0, 0, 0])[None, :] * b
        else:
            tu = np.tile([-.5, .5, .5, -.5, -.5], (len(k), 1))
            tv = np.tile([-.5, -.5, .5, .5, -.5], (len(k), 1))
        du, dv = tu * w[k, None], tv * h[k, None]
        c, s = np.cos(angle[k])[:, None], np.sin(angle[k])[:, None]
        xy = np.stack([cx[k, None] + c * du - s * dv, cy[k, None] + s * du + c * dv], -1)
        out[k] = shapely.polygons(xy)
    return out


def _shapes(rng, m: int):
    """Sizes and shapes of m ordinary buildings: w, h, L-shape flag and cuts."""
    return (rng.uniform(8, 14, m), rng.uniform(8, 14, m), rng.random(m) < 0.25,
            rng.uniform(0.3, 0.6, m), rng.uniform(0.3, 0.6, m))


def _spans(rng, px, py, dx, dy, across: np.ndarray, m: int):
    """m long buildings centred on points (px, py) of a line with direction (dx, dy), lying
    across it: length `across` (the zone width plus some), width 8-14 m."""
    angle = np.arctan2(dy, dx) + np.pi / 2 + rng.normal(0, 0.12, m)
    return footprints(px, py, across, rng.uniform(8, 14, m), angle, np.zeros(m, bool), None, None)


def _polygons(geoms, prefix: str, name: str) -> gpd.GeoDataFrame:
    geoms = np.asarray(geoms, dtype=object)
    return gpd.GeoDataFrame({"uid": [f"{prefix}{x:06d}" for x in range(len(geoms))], "name": name},
                            geometry=geoms, crs=CRS_)


def _near(points_or_boxes: np.ndarray, zones: np.ndarray, distance) -> np.ndarray:
    """Which of the geometries lie within `distance` (per zone) of any zone."""
    near = np.zeros(len(points_or_boxes), dtype=bool)
    if len(zones):
        tree = shapely.STRtree(points_or_boxes)
        near[tree.query(zones, predicate="dwithin", distance=distance)[1]] = True
    return near


def _segments(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 2-point segments of lines, and the line each came from (small envelopes for queries)."""
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    same = idx[1:] == idx[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    return shapely.linestrings(np.stack([a, b], 1)), idx[:-1][same]


def _meander(rng, length: float, step: float = 5.0):
    """Along-distance t and sideways offset of a meandering river: amplitude 40-110 m, wave
    length 180-450 m, both varying slowly, so some bends have a radius under 30 m."""
    t = np.arange(0.0, length + step, step)
    amp = 75 + 35 * np.sin(2 * np.pi * t / rng.uniform(2500, 4000) + rng.uniform(0, 2 * np.pi))
    wave = 315 + 135 * np.sin(2 * np.pi * t / rng.uniform(1500, 3000) + rng.uniform(0, 2 * np.pi))
    phase = np.cumsum(2 * np.pi * step / wave)
    return t, amp * np.sin(phase)


def _reaches(xy: np.ndarray, per: int = 200) -> list:
    """One line per ~1 km reach (200 steps of 5 m), sharing their end points."""
    return [shapely.linestrings(xy[s:s + per + 1]) for s in range(0, len(xy) - 1, per) if len(xy[s:s + per + 1]) > 1]


def _building_frame(geoms, attrs: dict, rng) -> gpd.GeoDataFrame:
    n = len(geoms)
    return gpd.GeoDataFrame({
        "uid": pd.Series(np.arange(n)).map("B{:07d}".format),
        "floors": rng.integers(1, 30, n),
        "height_m": rng.uniform(3, 90, n).round(1),
        **attrs,
    }, geometry=shapely.multipolygons(geoms, indices=np.arange(n)), crs=CRS_)


def _move_to_nearest(rng, geoms, seg, seg_half, seg_setback, encroach):
    """Move buildings towards their nearest red segment: `encroach` ones 0.5-3 m into its zone,
    the others to 0-50 % of its setback outside it (approximately: by the shortest line)."""
    tree = shapely.STRtree(seg)
    bi, si = tree.query_nearest(geoms, all_matches=False)
    order = np.argsort(bi, kind="stable")
    bi, si = bi[order], si[order]
    line = shapely.shortest_line(geoms[bi], seg[si])
    xy = shapely.get_coordinates(line).reshape(-1, 2, 2)
    v = xy[:, 1] - xy[:, 0]
    d = np.hypot(v[:, 0], v[:, 1])
    target = np.where(encroach[bi], seg_half[si] - rng.uniform(0.5, 3.0, len(bi)),
                      seg_half[si] + rng.uniform(0.5, 1.0, len(bi)) * seg_setback[si] * 0.99)
    shift = v * ((d - target) / np.maximum(d, 1e-9))[:, None]
    out = geoms.copy()
    coords, idx = shapely.get_coordinates(out[bi], return_index=True)
    out[bi] = shapely.set_coordinates(out[bi].copy(), coords + shift[idx])
    return out


# --- the rotated grid ------------------------------------------------------------------------

def make_grid(n: int, seed: int = 0) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, int]]:
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(n * 1.5 / (SU * SV)))

    # streets: every block edge is one feature; half width and class by road line
    cu, cv = _road_class(np.arange(side + 1)), _road_class(np.arange(side + 1) + 3)
    hu, hv = _halves(cu, rng), _halves(cv, rng)
    mu, mv = hu + _setbacks(cu) + CLEAR, hv + _setbacks(cv) + CLEAR
    pu = np.concatenate([[0.0], np.cumsum(mu[:-1] + SU * SLOT + mu[1:])])
    pv = np.concatenate([[0.0], np.cumsum(mv[:-1] + SV * SLOT + mv[1:])])
    i, j = np.meshgrid(np.arange(side + 1), np.arange(side), indexing="ij")
    i, j = i.ravel(), j.ravel()
    # constant-u edges (pu[i], pv[j])-(pu[i], pv[j+1]), then constant-v ones (pu[j], pv[i])-(pu[j+1], pv[i])
    a = np.concatenate([np.stack([pu[i], pv[j], pu[i], pv[j + 1]], 1), np.stack([pu[j], pv[i], pu[j + 1], pv[i]], 1)])
    rcls, rhalf = np.concatenate([cu[i], cv[i]]), np.concatenate([hu[i], hv[i]])
    roads = shapely.linestrings(a.reshape(-1, 2, 2))
    own = np.where((rcls == "branch") & (rng.random(len(rcls)) < 0.02), 5.0, np.nan)

    # blocks, parks (1-4 blocks a side, over the roads between), partial zones
    bi, bj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    bi, bj = bi.ravel(), bj.ravel()
    x0, x1 = pu[:-1] + mu[:-1], pu[1:] - mu[1:]
    y0, y1 = pv[:-1] + mv[:-1], pv[1:] - mv[1:]
    park = np.zeros((side, side), dtype=bool)
    parks = []
    for _ in range(max(2, round(0.015 * side * side))):
        k = rng.choice([1, 2, 3, 4], p=[0.45, 0.3, 0.15, 0.1])
        si, sj = rng.integers(0, side - k + 1, 2)
        if si <= side // 2 + 1 and si + k > side // 2 - 1 and sj <= side // 2 + 1 and sj + k > side // 2 - 1:
            continue  # not over the purple core
        park[si:si + k, sj:sj + k] = True
        parks.append(shapely.box(x0[si], y0[sj], x1[si + k - 1], y1[sj + k - 1]))
    park = park.ravel()
    c = side // 2
    core = (abs(bi - c) <= 1) & (abs(bj - c) <= 1)
    park &= ~core
    roll = rng.random(len(bi))
    partial = ((roll < 0.07) & ~park) | core
    kind = np.where(core | (roll < 0.005), "purple", np.where(roll < 0.045, "green", "yellow"))
    zsb = np.array([SETBACK[k] for k in kind])
    zone_bottom = y0[bj] + 3 * SLOT + zsb + CLEAR
    zone_boxes = shapely.box(x0[bi][partial], zone_bottom[partial], x1[bi][partial], y1[bj][partial])
    zone_kind = kind[partial]

    # slots
    sa, sb = np.meshgrid(np.arange(SU), np.arange(SV), indexing="ij")
    sa, sb = sa.ravel(), sb.ravel()
    block = np.repeat(np.arange(len(bi)), SU * SV)
    col, row = np.tile(sa, len(bi)), np.tile(sb, len(bi))
    usable = ~park[block] & ~(partial[block] & (row >= 3))
    block, col, row = block[usable], col[usable], row[usable]
    m = len(block)
    w, h, ell, ca, cb = _shapes(rng, m)
    bx0 = x0[bi[block]] + col * SLOT + rng.random(m) * (SLOT - w)
    by0 = y0[bj[block]] + row * SLOT + rng.random(m) * (SLOT - h)

    # rivers and lakes: drop the slots near them, keep a few on the banks
    size_u, size_v = pu[-1], pv[-1]
    rivers = []
    per_axis = max(1, round(max(size_u, size_v) / 14_000))
    for along_u in [True] * per_axis + [False] * per_axis:
        length = size_u if along_u else size_v
        t, off = _meander(rng, length)
        base = rng.uniform(0.15, 0.85) * (size_v if along_u else size_u)
        off = base + off + 0.03 * length * np.sin(2 * np.pi * t / length * 1.3 + rng.uniform(0, 2 * np.pi))
        rivers.append(np.stack([t, off], 1) if along_u else np.stack([off, t], 1))
    river_lines = np.array([r for xy in rivers for r in _reaches(xy)], dtype=object)
    lakes = []
    for _ in range(max(1, round(size_u * size_v / 200e6))):
        cx, cy = rng.uniform(0.1, 0.9) * size_u, rng.uniform(0.1, 0.9) * size_v
        ra, rb, rot = rng.uniform(250, 700), rng.uniform(150, 450), rng.uniform(0, np.pi)
        phi = np.linspace(0, 2 * np.pi, 97)
        rr = 1 + 0.12 * np.sin(3 * phi + rng.uniform(0, 6)) + 0.05 * np.sin(7 * phi)
        ex, ey = ra * rr * np.cos(phi), rb * rr * np.sin(phi)
        lakes.append(shapely.polygons(np.stack([cx + ex * np.cos(rot) - ey * np.sin(rot),
                                                cy + ex * np.sin(rot) + ey * np.cos(rot)], 1)))
    lakes = np.array(lakes, dtype=object)
    slots = shapely.box(bx0, by0, bx0 + w, by0 + h)
    near = _near(slots, river_lines, RIVER_HALF + SETBACK["blue"] + CLEAR + 2) | \
        _near(slots, lakes, SETBACK["blue"] + CLEAR + 2)
    keep = ~near | (rng.random(m) < 0.02)
    banks = int((near & keep).sum())

    counts = {"span_road": round(0.012 * n), "span_junction": round(0.004 * n),
              "span_river": round(0.005 * n), "in_park": round(0.003 * n)}
    n_slots = n - sum(counts.values())
    if keep.sum() < n_slots:
        raise RuntimeError(f"only {keep.sum()} slots for {n_slots} buildings")
    chosen = np.sort(rng.choice(np.flatnonzero(keep), n_slots, replace=False))
    block, col, row, w, h, ell, ca, cb, bx0, by0 = (v[chosen] for v in (block, col, row, w, h, ell, ca, cb, bx0, by0))
    banks = int(near[chosen].sum())

    # ordinary conflicts: towards a road (about 2.3 % of all) or a partial zone
    encroach = rng.random(n_slots) < 0.55
    depth, gap = rng.uniform(0.5, 3.0, n_slots), rng.uniform(0.5, 1.0, n_slots)
    ii, jj = bi[block], bj[block]
    edges = [(row == 0, "y", pv[jj] + hv[jj], _setbacks(cv[jj]), -1),
             (row == SV - 1, "y", pv[jj + 1] - hv[jj + 1], _setbacks(cv[jj + 1]), +1),
             (col == 0, "x", pu[ii] + hu[ii], _setbacks(cu[ii]), -1),
             (col == SU - 1, "x", pu[ii + 1] - hu[ii + 1], _setbacks(cu[ii + 1]), +1)]
    to_road = rng.random(n_slots) < 0.023 / (1 - (SU - 2) * (SV - 2) / (SU * SV))
    moved = np.zeros(n_slots, dtype=bool)
    for on, axis, edge, setback, sign in edges:
        go = on & to_road & ~moved
        _move(go, axis, edge, setback, sign, encroach, depth, gap, bx0, by0, w, h)
        moved |= go
    go = partial[block] & (row == 2) & (rng.random(n_slots) < 0.5) & ~moved
    _move(go, "y", zone_bottom[block], zsb[block], +1, encroach | (zsb[block] == 0), depth, gap, bx0, by0, w, h)
    counts["to_road"], counts["to_zone"], counts["banks"] = int(moved.sum()), int(go.sum()), banks
    angle = np.deg2rad(np.clip(rng.normal(0, 2.0, n_slots), -5, 5))
    ordinary = footprints(bx0 + w / 2, by0 + h / 2, w, h, angle, ell, ca, cb)

    # buildings spanning a whole road zone, a junction, a river zone; inside parks
    k = counts["span_road"]
    r = rng.integers(0, len(roads), k)
    t = rng.uniform(0.2, 0.8, k)
    p0, p1 = a[r, :2], a[r, 2:]
    span_road = _spans(rng, *(p0 + t[:, None] * (p1 - p0)).T, *(p1 - p0).T, 2 * rhalf[r] + rng.uniform(6, 24, k), k)
    k = counts["span_junction"]
    ji, jj2 = rng.integers(0, side + 1, k), rng.integers(0, side + 1, k)
    reach = 2 * np.maximum(hu[ji], hv[jj2]) * 1.5 + rng.uniform(5, 20, k)
    span_junction = footprints(pu[ji] + rng.uniform(-5, 5, k), pv[jj2] + rng.uniform(-5, 5, k), reach,
                               rng.uniform(10, 18, k), np.pi / 4 + rng.normal(0, 0.2, k), np.zeros(k, bool), None, None)
    k = counts["span_river"]
    rxy = np.concatenate(rivers)
    ends = np.cumsum([len(x) for x in rivers])
    idx = rng.integers(1, len(rxy) - 1, k)
    bad = np.isin(idx, ends - 1) | np.isin(idx, ends)
    idx[bad] -= 2
    tangent = rxy[idx + 1] - rxy[idx - 1]
    span_river = _spans(rng, *rxy[idx].T, *tangent.T, 2 * RIVER_HALF + rng.uniform(6, 30, k), k)
    k = counts["in_park"]
    pb = shapely.bounds(np.array(parks, dtype=object))
    p = rng.integers(0, len(parks), k)
    pw, ph, pell, pa, pbb = _shapes(rng, k)
    in_park = footprints(rng.uniform(pb[p, 0] + 20, pb[p, 2] - 20), rng.uniform(pb[p, 1] + 20, pb[p, 3] - 20),
                         pw, ph, rng.normal(0, 0.03, k), pell, pa, pbb)
    geoms = np.concatenate([ordinary, span_road, span_junction, span_river, in_park])
    perm = rng.permutation(n)
    geoms = geoms[perm]

    # attributes from where each building stands
    cxy = shapely.get_coordinates(shapely.centroid(geoms))
    gi = np.clip(np.searchsorted(pu, cxy[:, 0]) - 1, 0, side - 1)
    gj = np.clip(np.searchsorted(pv, cxy[:, 1]) - 1, 0, side - 1)
    q = max(side // 4, 1)
    attrs = {"district": pd.Series(gi // q * 4 + gj // q).map("D{:02d}".format),
             "street": pd.Series(gi // 10 * 1000 + gj // 10).map("S{:06d}".format),
             "community": pd.Series(gi * side + gj).map("C{:07d}".format)}

    theta = np.deg2rad(ANGLE)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])

    def place(g):
        return shapely.transform(np.asarray(g, dtype=object), lambda xy: xy @ rot.T + np.asarray(ORIGIN))

    buildings = _building_frame(place(geoms), attrs, rng)
    red = gpd.GeoDataFrame({"uid": [f"R{x:07d}" for x in range(len(roads))],
                            "name": np.where(np.arange(len(roads)) < len(i), "N-S road", "E-W road"),
                            "half_width_m": rhalf, "setback_m": own, "road_class": rcls},
                           geometry=place(roads), crs=CRS_)
    blue = gpd.GeoDataFrame({"uid": [f"W{x:06d}" for x in range(len(river_lines) + len(lakes))],
                             "name": ["river"] * len(river_lines) + ["lake"] * len(lakes),
                             "half_width_m": [RIVER_HALF] * len(river_lines) + [np.nan] * len(lakes)},
                            geometry=place(np.concatenate([river_lines, lakes])), crs=CRS_)
    frames = {"buildings": buildings, "red": red, "blue": blue,
              "green": _polygons(place(np.concatenate([np.array(parks, dtype=object), zone_boxes[zone_kind == "green"]])),
                                 "G", "green zone")}
    for kk in ("purple", "yellow"):
        frames[kk] = _polygons(place(zone_boxes[zone_kind == kk]), kk[0].upper(), f"{kk} zone")
    return frames, counts


# --- the ring city ---------------------------------------------------------------------------

RING_PITCH = 300.0  # ring road to ring road


def _circle(cx, cy, r, count: int, start=0.0, sweep=2 * np.pi):
    phi = start + np.linspace(0, sweep, count)
    return np.stack([cx + r * np.cos(phi), cy + r * np.sin(phi)], -1)


def make_ring(n: int, seed: int = 0) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, int]]:
    rng = np.random.default_rng(seed)
    radius = math.sqrt(n * 1100 / math.pi)
    r0 = 700.0
    rings = r0 + RING_PITCH * np.arange(max(3, math.ceil((radius - r0) / RING_PITCH)) + 1)
    k_ring = np.arange(len(rings))
    ring_cls = np.select([k_ring % 4 == 0, k_ring % 2 == 0], ["expressway", "trunk"], "secondary")
    ring_half = _halves(ring_cls, rng)
    ring_psi = rng.uniform(0, 2 * np.pi, len(rings))

    def ring_r(k, phi):  # the ring's radius at angle phi: slightly wobbly
        return rings[k] * (1 + 0.004 * np.sin(3 * phi + ring_psi[k]))

    ring_lines = []
    for k in k_ring:
        phi = np.linspace(0, 2 * np.pi, max(64, math.ceil(2 * np.pi * rings[k] / 10)) + 1)
        phi[-1] = 0.0  # closed
        rr = ring_r(k, phi)
        ring_lines.append(shapely.linestrings(np.stack([rr * np.cos(phi), rr * np.sin(phi)], 1)))

    # radials: 8 from the first ring, doubled where they lie more than ~1.1 km apart
    rad_start, rad_phi = [0] * 8, list(np.arange(8) * 2 * np.pi / 8 + rng.uniform(0, 1))
    count = 8
    for k in k_ring[1:-1]:
        if 2 * np.pi * rings[k] / count > 1100:
            rad_phi += [p + np.pi / count for p in rad_phi[:count]]
            rad_start += [k] * count
            count *= 2
    rad_start, rad_phi = np.array(rad_start), np.array(rad_phi)
    rad_cls = np.where(rad_start == 0, "trunk", np.where(rng.random(len(rad_start)) < 0.5, "secondary", "branch"))
    rad_half = _halves(rad_cls, rng)
    twist = 0.25 / rings[-1]

    def rad_angle(q, r):
        return rad_phi[q] + twist * (r - r0)

    radial_lines = []
    for q in range(len(rad_start)):
        r = np.arange(rings[rad_start[q]], rings[-1] + 1e-6, 20.0)
        phi = rad_angle(q, r)
        radial_lines.append(shapely.linestrings(np.stack([r * np.cos(phi), r * np.sin(phi)], 1)))

    # junctions (each radial with each ring it crosses): roundabouts and ramps at some
    jq = np.concatenate([np.full(len(rings) - rad_start[q], q) for q in range(len(rad_start))])
    jk = np.concatenate([np.arange(rad_start[q], len(rings)) for q in range(len(rad_start))])
    jr = rings[jk]
    jphi = rad_angle(jq, jr)
    jx, jy = jr * np.cos(jphi), jr * np.sin(jphi)
    roll = rng.random(len(jq))
    ra = np.flatnonzero(roll < 0.15)
    rb_r = rng.uniform(5, 12, len(ra))
    # densely drawn (vertices 0.1-0.6 m apart, as a surveyed roundabout or ramp): what makes GEOS's buffers speckled
    roundabouts = [shapely.linestrings(_circle(jx[x], jy[x], r, 257)) for x, r in zip(ra, rb_r)]
    rb_half = rb_r + rng.uniform(3, 8, len(ra))
    rp = np.flatnonzero((roll >= 0.15) & (roll < 0.25))
    ramps, ramp_r, tails = [], rng.uniform(8, 13, len(rp)), rng.random(len(rp)) < 0.5
    for x, r, tail in zip(rp, ramp_r, tails):
        out = ring_half[jk[x]] + rad_half[jq[x]] + r + 10  # in a corner of the junction
        corner = jphi[x] + rng.choice([-1, 1]) * 0.5 * out / jr[x]
        rc = jr[x] + rng.choice([-1, 1]) * out
        cx, cy = rc * np.cos(corner), rc * np.sin(corner)
        sweep = rng.uniform(np.pi, 5 * np.pi / 3)
        start = rng.uniform(0, 2 * np.pi)
        arc = _circle(cx, cy, r, 129, start, sweep)
        t0 = np.array([-np.sin(start), np.cos(start)])  # the tangent at the arc's start; tails 40 m
        t1 = np.array([-np.sin(start + sweep), np.cos(start + sweep)])
        # half of them without straight tails: GEOS's buffer of such a bare loop has specks of holes
        ramps.append(shapely.linestrings(np.concatenate([[arc[0] - 40 * t0], arc, [arc[-1] + 40 * t1]]) if tail else arc))
    red_geoms = np.array(ring_lines + radial_lines + roundabouts + ramps, dtype=object)
    red_half = np.concatenate([ring_half, rad_half, rb_half, np.full(len(ramps), 15.0)])
    red_cls = np.concatenate([ring_cls, rad_cls, np.full(len(roundabouts) + len(ramps), "branch")])
    red_name = ["ring road"] * len(rings) + ["radial road"] * len(rad_start) + \
        ["roundabout"] * len(roundabouts) + ["ramp"] * len(ramps)
    red_setback = np.array([SETBACK[c] for c in red_cls])

    # huge polygons: the central park, a lake, a green belt sector; purple and yellow sectors
    def sector(k, a0, a1, inset=0.0):
        phi = np.linspace(a0, a1, max(8, math.ceil((a1 - a0) * rings[k + 1] / 20)))
        inner = ring_r(k, phi) + ring_half[k] + inset
        outer = ring_r(k + 1, phi[::-1]) - ring_half[k + 1] - inset
        xy = np.concatenate([np.stack([inner * np.cos(phi), inner * np.sin(phi)], 1),
                             np.stack([outer * np.cos(phi[::-1]), outer * np.sin(phi[::-1])], 1)])
        return shapely.polygons(np.concatenate([xy, xy[:1]]))

    park = shapely.polygons(_circle(0, 0, r0 - 60, 257))
    belt_k = len(rings) // 2
    belt = sector(belt_k, 0.3, 0.3 + np.pi / 3)
    lake_r, lake_phi = 0.08 * rings[-1] + 300, rng.uniform(np.pi, 2 * np.pi)
    lake_c = 0.6 * rings[-1]
    phi = np.linspace(0, 2 * np.pi, 361)
    wob = 1 + 0.15 * np.sin(4 * phi + 1) + 0.06 * np.sin(11 * phi)
    lake = shapely.polygons(np.stack([lake_c * np.cos(lake_phi) + lake_r * wob * np.cos(phi),
                                      lake_c * np.sin(lake_phi) + lake_r * wob * np.sin(phi)], 1))
    purple = [sector(1, a, a + 0.5) for a in (0.2, 2.3, 4.4)]
    yellow = [sector(k, a, a + 0.15, 20) for k, a in zip(rng.integers(2, len(rings) - 1, 3 * len(rings)),
                                                          rng.uniform(0, 2 * np.pi, 3 * len(rings)))]
    # the river: from the central park outwards, meandering
    t, off = _meander(rng, rings[-1] - r0 + 200)
    rphi = rng.uniform(0, np.pi)
    along = r0 - 100 + t
    rxy = np.stack([along * np.cos(rphi) - off * np.sin(rphi), along * np.sin(rphi) + off * np.cos(rphi)], 1)
    river_lines = np.array(_reaches(rxy), dtype=object)

    # building slots in arcs between the rings (20 m apart), then dropped near any zone
    rows_r, rows_k = [], []
    for k in k_ring[:-1]:
        rr = np.arange(rings[k] + ring_half[k] + SETBACK[ring_cls[k]] + CLEAR + 12,
                       rings[k + 1] - ring_half[k + 1] - SETBACK[ring_cls[k + 1]] - CLEAR - 12, SLOT)
        rows_r.append(rr)
        rows_k.append(np.full(len(rr), k))
    rows_r, rows_k = np.concatenate(rows_r), np.concatenate(rows_k)
    per_row = np.floor(2 * np.pi * rows_r / SLOT).astype(int)
    srow = np.repeat(np.arange(len(rows_r)), per_row)
    pos = np.arange(len(srow)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    sphi = (pos + rng.uniform(0.3, 0.7, len(srow))) / per_row[srow] * 2 * np.pi + rng.uniform(0, 1, len(rows_r))[srow]
    srad = rows_r[srow] + rng.uniform(-3, 3, len(srow))
    pts = shapely.points(srad * np.cos(sphi), srad * np.sin(sphi))
    seg, seg_of = _segments(red_geoms)
    near = _near(pts, seg, red_half[seg_of] + red_setback[seg_of] + CLEAR + 10)
    polys = np.array([park, belt, lake, *purple, *yellow], dtype=object)
    poly_set = np.array([5.0, 5.0, 10.0] + [0.0] * len(purple) + [5.0] * len(yellow))
    near |= _near(pts, polys, poly_set + CLEAR + 10)
    rseg, _ = _segments(river_lines)
    river_near = _near(pts, rseg, RIVER_HALF + SETBACK["blue"] + CLEAR + 10)
    keep = ~near & (~river_near | (rng.random(len(pts)) < 0.02))

    counts = {"span_ring": round(0.012 * n), "span_radial": round(0.006 * n), "at_roundabout": round(0.002 * n),
              "at_ramp": round(0.001 * n), "in_park_lake": round(0.003 * n)}
    n_slots = n - sum(counts.values())
    if keep.sum() < n_slots:
        raise RuntimeError(f"only {keep.sum()} slots for {n_slots} buildings")
    chosen = np.sort(rng.choice(np.flatnonzero(keep), n_slots, replace=False))
    counts["banks"] = int(river_near[chosen].sum())
    sphi, srad, skring = sphi[chosen], srad[chosen], rows_k[srow[chosen]]
    w, h, ell, ca, cb = _shapes(rng, n_slots)
    ordinary = footprints(srad * np.cos(sphi), srad * np.sin(sphi), w, h,
                          sphi + np.pi / 2 + rng.normal(0, 0.05, n_slots), ell, ca, cb)
    move = np.flatnonzero(rng.random(n_slots) < 0.025)
    counts["to_road"] = len(move)
    ordinary[move] = _move_to_nearest(rng, ordinary[move], seg, red_half[seg_of], red_setback[seg_of],
                                      rng.random(len(move)) < 0.55)

    k = counts["span_ring"]  # across a ring road, radially
    rk = rng.integers(0, len(rings), k)
    ph = rng.uniform(0, 2 * np.pi, k)
    rr = ring_r(rk, ph)
    span_ring = _spans(rng, rr * np.cos(ph), rr * np.sin(ph), -np.sin(ph), np.cos(ph),
                       2 * ring_half[rk] + rng.uniform(6, 24, k), k)
    k = counts["span_radial"]
    q = rng.integers(0, len(rad_start), k)
    r = rng.uniform(rings[rad_start[q]] + 60, rings[-1] - 60)
    ph = rad_angle(q, r)
    span_radial = _spans(rng, r * np.cos(ph), r * np.sin(ph), np.cos(ph) - r * twist * np.sin(ph),
                         np.sin(ph) + r * twist * np.cos(ph), 2 * rad_half[q] + rng.uniform(6, 24, k), k)
    k = counts["at_roundabout"]
    x = rng.integers(0, max(len(ra), 1), k)
    cx, cy = jx[ra[x]] + rng.uniform(-4, 4, k), jy[ra[x]] + rng.uniform(-4, 4, k)
    at_roundabout = footprints(cx, cy, 2 * (rb_r[x] + rb_half[x]) + rng.uniform(4, 20, k), rng.uniform(8, 14, k),
                               rng.uniform(0, np.pi, k), np.zeros(k, bool), None, None)
    k = counts["at_ramp"]
    x = rng.integers(0, max(len(ramps), 1), k)
    rc = shapely.get_coordinates(shapely.centroid(np.array(ramps, dtype=object)[x]))
    at_ramp = footprints(rc[:, 0] + rng.uniform(-5, 5, k), rc[:, 1] + rng.uniform(-5, 5, k), rng.uniform(10, 30, k),
                         rng.uniform(8, 14, k), rng.uniform(0, np.pi, k), np.zeros(k, bool), None, None)
    k = counts["in_park_lake"]
    inside = shapely.points(np.where(rng.random(k) < 0.5,
                                     np.stack([rng.uniform(-300, 300, k), rng.uniform(-300, 300, k)]),
                                     np.stack([lake_c * np.cos(lake_phi) + rng.uniform(-250, 250, k),
                                               lake_c * np.sin(lake_phi) + rng.uniform(-250, 250, k)])).T)
    ixy = shapely.get_coordinates(inside)
    pw, ph_, pell, pa, pbb = _shapes(rng, k)
    in_park = footprints(ixy[:, 0], ixy[:, 1], pw, ph_, rng.uniform(0, np.pi, k), pell, pa, pbb)
    geoms = np.concatenate([ordinary, span_ring, span_radial, at_roundabout, at_ramp, in_park])
    geoms = geoms[rng.permutation(n)]

    cxy = shapely.get_coordinates(shapely.centroid(geoms))
    gr, gphi = np.hypot(cxy[:, 0], cxy[:, 1]), np.mod(np.arctan2(cxy[:, 1], cxy[:, 0]), 2 * np.pi)
    gk = np.clip(np.searchsorted(rings, gr) - 1, -1, len(rings) - 1) + 1
    sec = np.floor(gphi / (2 * np.pi) * 64).astype(int)
    attrs = {"district": pd.Series(np.minimum(gk // max(len(rings) // 4, 1), 3) * 4 + sec // 16).map("D{:02d}".format),
             "street": pd.Series(gk * 100 + sec // 4).map("S{:06d}".format),
             "community": pd.Series(gk * 1000 + sec).map("C{:07d}".format)}

    def place(g):
        return shapely.transform(np.asarray(g, dtype=object), lambda xy: xy + np.asarray(ORIGIN))

    buildings = _building_frame(place(geoms), attrs, rng)
    red = gpd.GeoDataFrame({"uid": [f"R{x:07d}" for x in range(len(red_geoms))], "name": red_name,
                            "half_width_m": red_half, "setback_m": np.nan, "road_class": red_cls},
                           geometry=place(red_geoms), crs=CRS_)
    blue = gpd.GeoDataFrame({"uid": [f"W{x:06d}" for x in range(len(river_lines) + 1)],
                             "name": ["river"] * len(river_lines) + ["lake"],
                             "half_width_m": [RIVER_HALF] * len(river_lines) + [np.nan]},
                            geometry=place(np.concatenate([river_lines, [lake]])), crs=CRS_)
    frames = {"buildings": buildings, "red": red, "blue": blue,
              "green": _polygons(place([park, belt]), "G", "park"),
              "purple": _polygons(place(purple), "P", "historic quarter"),
              "yellow": _polygons(place(yellow), "Y", "yellow zone")}
    return frames, counts


MAKERS = {"grid": make_grid, "ring": make_ring}


def write_city(path: Path, n: int, seed: int = 0, layout: str = "grid") -> dict[str, int]:
    frames, conflicts = MAKERS[layout](n, seed)
    counts = write_frames(path, frames, name=f"bench {layout} city {n}", source="bench/grid_city.py", seed=seed)
    return {**counts, **{f"conflict:{k}": v for k, v in conflicts.items()}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="number of buildings")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layout", choices=sorted(MAKERS), default="grid")
    parser.add_argument("--out", type=Path, help="project to write (default bench/out/<layout>-N.gpkg)")
    args = parser.parse_args(argv)
    path = args.out or OUT / f"{args.layout}-{args.n}.gpkg"
    t0 = time.perf_counter()
    frames, conflicts = MAKERS[args.layout](args.n, args.seed)
    t1 = time.perf_counter()
    counts = write_frames(path, frames, name=f"bench {args.layout} city {args.n}", source="bench/grid_city.py",
                          seed=args.seed)
    t2 = time.perf_counter()
    print(f"{path}: generated in {t1 - t0:.1f} s, written in {t2 - t1:.1f} s")
    print("features: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print("placed in conflict: " + ", ".join(f"{k} {v:,}" for k, v in conflicts.items()) +
          f" (~{sum(conflicts.values()) / args.n * 100:.1f} % of the buildings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
