"""A synthetic city for the check benchmark: a street grid, rivers, parks and zones, n buildings.

The layout (all in metres, EPSG:4549):

- a grid of streets; every road segment between two crossings is one red feature. The
  class of a street line sets its half width and (via the default rules) its setback:
  expressways are road polygons, the other classes centre lines with `half_width_m`;
- blocks of 5 × 5 building slots (20 m each) between the streets, kept clear of each
  road zone by its setback + 3 m, so a building is in conflict only when made so;
- some blocks are parks (green polygons) as a whole, others have their north part
  taken by a zone (mostly green, some yellow, a 3 × 3 cluster purple), clear of the
  buildings south of it by that kind's setback + 3 m;
- two meandering rivers (blue polygons, one feature per ~1 km reach) across the city;
  slots near them are dropped, except a few informal buildings on the banks;
- about 4 % of the buildings are moved towards a road and 1/2 of the row next to a
  partial zone towards that zone: half of them encroach by 0.5-3 m, half stop inside
  the setback distance.

`make_city(n)` returns the frames; `write_project(path, n)` writes them into a project.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gisdesk.layers.kinds import kind_of

CRS_ = CRS.from_epsg(4549)  # CGCS2000 3° GK, CM 120°E, no zone prefix
ORIGIN = (400_000.0, 3_400_000.0)
SLOTS, SLOT = 5, 20.0  # building slots per block side, slot size
HALF_WIDTH = {"expressway": 20.0, "trunk": 15.0, "secondary": 10.0, "branch": 6.0}
SETBACK = {"expressway": 25.0, "trunk": 15.0, "secondary": 10.0, "branch": 7.0,  # as resources/rules/default.toml
           "green": 5.0, "blue": 10.0, "purple": 0.0, "yellow": 5.0}
CLEAR = 3.0  # extra clearance of ordinary buildings beyond the setback


def _road_class(i: np.ndarray) -> np.ndarray:
    return np.select([i % 10 == 0, i % 5 == 0, i % 2 == 0], ["expressway", "trunk", "secondary"], "branch")


def make_city(n: int, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(n * 1.2 / (SLOTS * SLOTS * 0.93)))  # blocks per side, with room to spare

    # --- streets: line positions from the margins each class needs -------------------
    lines = np.arange(side + 1)
    cls = _road_class(lines)
    half = np.array([HALF_WIDTH[c] for c in cls])
    margin = half + np.array([SETBACK[c] for c in cls]) + CLEAR  # centre line to the first slot
    step = margin[:-1] + SLOTS * SLOT + margin[1:]
    pos = np.concatenate([[0.0], np.cumsum(step)])
    xs, ys = ORIGIN[0] + pos, ORIGIN[1] + pos  # the same classes both ways

    red = _roads(xs, ys, cls, half, rng)

    # --- blocks: ordinary, park, or with a zone over their two northern slot rows ----
    bi, bj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    bi, bj = bi.ravel(), bj.ravel()
    x0, x1 = xs[bi] + margin[bi], xs[bi + 1] - margin[bi + 1]
    y0, y1 = ys[bj] + margin[bj], ys[bj + 1] - margin[bj + 1]
    roll = rng.random(len(bi))
    c = side // 2
    core = (abs(bi - c) <= 1) & (abs(bj - c) <= 1)  # the historic core: purple
    park = (roll < 0.03) & ~core
    partial = ((roll >= 0.03) & (roll < 0.09)) | core
    kind = np.where(core, "purple", np.where(roll < 0.08, "green", "yellow"))
    zone_bottom = y0 + 3 * SLOT + np.array([SETBACK[k] for k in kind]) + CLEAR
    parks = shapely.box(x0[park], y0[park], x1[park], y1[park])
    zone_boxes = shapely.box(x0[partial], zone_bottom[partial], x1[partial], y1[partial])
    zone_kind = kind[partial]

    # --- building slots ------------------------------------------------------------
    a, b = np.meshgrid(np.arange(SLOTS), np.arange(SLOTS), indexing="ij")
    a, b = a.ravel(), b.ravel()
    block = np.repeat(np.arange(len(bi)), SLOTS * SLOTS)
    col, row = np.tile(a, len(bi)), np.tile(b, len(bi))
    usable = ~park[block] & ~(partial[block] & (row >= 3))
    block, col, row = block[usable], col[usable], row[usable]
    m = len(block)
    w, h = rng.uniform(8, 14, m), rng.uniform(8, 14, m)
    bx0 = x0[block] + col * SLOT + rng.uniform(0, 1, m) * (SLOT - w)
    by0 = y0[block] + row * SLOT + rng.uniform(0, 1, m) * (SLOT - h)

    # Rivers: drop the slots near them, keep a few informal buildings on the banks.
    blue = _rivers(xs[0], xs[-1], ys[0], ys[-1], rng)
    slots = shapely.box(bx0, by0, bx0 + w, by0 + h)
    near = np.zeros(m, dtype=bool)
    near[shapely.STRtree(slots).query(blue.geometry.values, predicate="dwithin",
                                      distance=SETBACK["blue"] + CLEAR)[1]] = True
    keep = ~near | (rng.random(m) < 0.03)
    if keep.sum() < n:
        raise RuntimeError(f"only {keep.sum()} slots for {n} buildings")
    chosen = np.sort(rng.choice(np.flatnonzero(keep), n, replace=False))
    block, col, row, w, h, bx0, by0 = (v[chosen] for v in (block, col, row, w, h, bx0, by0))

    # --- conflicts: move some buildings towards a road or a partial zone --------------
    encroach = rng.random(n) < 0.5
    depth = rng.uniform(0.5, 3.0, n)  # how far in, when encroaching
    gap = rng.uniform(0.5, 1.0, n)  # fraction of the setback left, when not
    i, j = bi[block], bj[block]
    edges = [  # (on this edge, moves x or y, zone edge, kind setback, sign: + moves towards larger coords)
        (row == 0, "y", ys[j] + half[j], _setbacks(cls[j]), -1),
        ((row == SLOTS - 1), "y", ys[j + 1] - half[j + 1], _setbacks(cls[j + 1]), +1),
        (col == 0, "x", xs[i] + half[i], _setbacks(cls[i]), -1),
        (col == SLOTS - 1, "x", xs[i + 1] - half[i + 1], _setbacks(cls[i + 1]), +1),
    ]
    to_road = rng.random(n) < 0.04 / 0.64  # 16 of 25 slots lie on an edge: ~4 % of all buildings
    to_zone = partial[block] & (row == 2) & (rng.random(n) < 0.5)
    moved = np.zeros(n, dtype=bool)
    for on, axis, edge, setback, sign in edges:
        go = on & to_road & ~moved
        _move(go, axis, edge, setback, sign, encroach, depth, gap, bx0, by0, w, h)
        moved |= go
    zb = zone_bottom[block]
    zsb = np.array([SETBACK[k] for k in kind])[block]
    go = to_zone & ~moved
    _move(go, "y", zb, zsb, +1, encroach | (zsb == 0), depth, gap, bx0, by0, w, h)

    geoms = shapely.box(bx0, by0, bx0 + w, by0 + h)
    buildings = gpd.GeoDataFrame({
        "uid": pd.Series(np.arange(n)).map("B{:07d}".format),
        "floors": rng.integers(1, 30, n),
        "height_m": rng.uniform(3, 90, n).round(1),
        "district": pd.Series(i // max(side // 4, 1) * 4 + j // max(side // 4, 1)).map("D{:02d}".format),
        "street": pd.Series(i // 10 * 1000 + j // 10).map("S{:06d}".format),
        "community": pd.Series(block).map("C{:07d}".format),
    }, geometry=shapely.multipolygons(geoms, indices=np.arange(n)), crs=CRS_)

    def polygons(geoms, prefix, k):
        return gpd.GeoDataFrame({"uid": [f"{prefix}{x:06d}" for x in range(len(geoms))],
                                 "name": f"{k} zone"}, geometry=geoms, crs=CRS_)

    out = {"buildings": buildings, "red": red, "blue": blue, "green": polygons(
        np.concatenate([parks, zone_boxes[zone_kind == "green"]]), "G", "green")}
    for k in ("purple", "yellow"):
        out[k] = polygons(zone_boxes[zone_kind == k], k[0].upper(), k)
    return out


def _setbacks(classes: np.ndarray) -> np.ndarray:
    return np.array([SETBACK[c] for c in classes])


def _move(go, axis, edge, setback, sign, encroach, depth, gap, bx0, by0, w, h):
    """Move the chosen buildings so that their side facing a zone edge lies `depth` inside
    the zone, or `gap` × setback outside it. sign -1: the zone lies below/left of the
    building (edge = its max side); +1: above/right (edge = its min side)."""
    lo, size = (bx0, w) if axis == "x" else (by0, h)
    if sign < 0:
        new_lo = np.where(encroach, edge - depth, edge + gap * setback)
    else:
        new_lo = np.where(encroach, edge + depth, edge - gap * setback) - size
    lo[go] = new_lo[go]


def _roads(xs, ys, cls, half, rng) -> gpd.GeoDataFrame:
    """One red feature per road segment between crossings: expressways as polygons, others as centre lines."""
    side = len(xs) - 1
    i, j = np.meshgrid(np.arange(side + 1), np.arange(side), indexing="ij")
    i, j = i.ravel(), j.ravel()
    parts = []
    for vertical in (True, False):
        # vertical segments run along x = xs[i] from ys[j] to ys[j+1]; horizontal ones the transposed way
        c, h = cls[i], half[i]
        if vertical:
            a0, a1, b0, b1 = xs[i], xs[i], ys[j], ys[j + 1]
        else:
            a0, a1, b0, b1 = xs[j], xs[j + 1], ys[i], ys[i]
        express = c == "expressway"
        lines = shapely.linestrings(np.stack([np.stack([a0, b0], 1), np.stack([a1, b1], 1)], 1))
        boxes = shapely.box(np.minimum(a0, a1) - h * vertical, np.minimum(b0, b1) - h * (not vertical),
                            np.maximum(a0, a1) + h * vertical, np.maximum(b0, b1) + h * (not vertical))
        own = np.where((c == "branch") & (rng.random(len(c)) < 0.02), 5.0, np.nan)  # a few local exceptions
        parts.append(pd.DataFrame({
            "name": np.where(vertical, "N-S road", "E-W road"),
            "half_width_m": np.where(express, np.nan, h),
            "setback_m": own,
            "road_class": c,
            "geometry": np.where(express, boxes, lines),
        }))
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "uid", [f"R{x:07d}" for x in range(len(frame))])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS_)


def _rivers(xmin, xmax, ymin, ymax, rng) -> gpd.GeoDataFrame:
    """Two meandering rivers, west-east and south-north, one polygon per ~1 km reach."""
    geoms = []
    size = xmax - xmin
    for k, (half, along_x) in enumerate(((20.0, True), (30.0, False))):
        t = np.arange(0.0, size + 20.0, 20.0)
        phase = rng.uniform(0, 2 * np.pi)
        offset = (0.3 + 0.4 * k) * size + 0.05 * size * np.sin(2 * np.pi * t / min(size, 4000.0) + phase)
        xy = np.stack([xmin + t, ymin + offset], 1) if along_x else np.stack([xmin + offset, ymin + t], 1)
        for start in range(0, len(t) - 1, 50):
            reach = shapely.linestrings(xy[start:start + 51])
            geoms.append(shapely.buffer(reach, half, cap_style="flat"))
    return gpd.GeoDataFrame({"uid": [f"W{x:05d}" for x in range(len(geoms))], "name": "river"},
                            geometry=np.array(geoms, dtype=object), crs=CRS_)


def write_project(path: Path, n: int, seed: int = 0) -> dict[str, int]:
    """Write the city of n buildings into a new project at `path`; returns the feature counts."""
    return write_frames(path, make_city(n, seed), name=f"bench city {n}", source="bench/city.py", seed=seed)


def write_frames(path: Path, frames: dict[str, gpd.GeoDataFrame], *, name: str, source: str,
                 seed: int) -> dict[str, int]:
    """Write frames by kind (buildings, red, ...) into a new project at `path`; returns the counts."""
    from gisdesk.project import Project

    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    crs = next(iter(frames.values())).crs
    project = Project.create(path, crs=crs, name=name)
    for kind, frame in frames.items():
        if len(frame):
            project.add_features(kind_of(kind).table, frame, kind=kind,
                                 source={"path": source, "features": len(frame), "seed": seed})
    return {k: len(f) for k, f in frames.items()}
