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
further out), roundabouts at some junctions (circles of radius 5-12 m with a half width above
the radius: GEOS buffers them with specks of holes), ramps (loops of 180-300° and radius
8-14 m, half width 15 m), a meandering river, huge polygons (a central park, a lake, a green
belt sector), purple and yellow sectors; buildings in arcs between the rings, about 5 % in
conflict (spanning ring and radial roads, across roundabouts, inside the park and lake,
shallow encroachments and setback shortfalls towards the nearest road).

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

def make_ring(n: int, seed: int = 0) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, int]]:
    raise NotImplementedError  # below


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
