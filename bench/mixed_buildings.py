"""Generated building footprints of mixed shapes with Chinese attributes, for the import benchmark.

    make_buildings(n, seed) -> GeoDataFrame in EPSG:4549 (CGCS2000 3° GK, CM 120°E)

One building per cell of a grid with 40 m spacing (valid, disjoint footprints), of these shapes:

| share | shape                                                       | vertices (outer) |
|------:|-------------------------------------------------------------|-----------------:|
|  55 % | rotated rectangle                                           | 4                |
|  15 % | L-shaped block, rotated                                     | 6                |
|  10 % | round or star-shaped tower, 24–200 vertices                 | 24–200           |
|  10 % | rectangle with a courtyard (one hole)                       | 4 + 4            |
|  10 % | multi-part: 2 or 3 separate rectangles (one MultiPolygon)   | 4 per part       |

Attributes (Chinese field names, as the city's "一张图" exports carry them): 名称 (e.g. 南山花园3栋),
用途 (住宅 商业 办公 工业 教育 医疗 仓储 混合), 层数 (int), 高度 (float, m), 街道, 社区, 地址 — all
Chinese text but the numbers. Every geometry is a MultiPolygon (one part for most), as in a
GeoPackage written from such a system. Deterministic for (n, seed).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CRS = "EPSG:4549"
ORIGIN = (470_000.0, 3_440_000.0)  # ~31° N, 119.7° E: inside EPSG:4549's zone
SPACING = 40.0
SHARES = (("rect", 0.55), ("ell", 0.15), ("round", 0.10), ("court", 0.10), ("multi", 0.10))

_ESTATES = np.array(["南山花园", "海景苑", "科技园", "翠竹小区", "华侨城", "蛇口新村", "荔香苑", "桃源居", "龙珠大厦",
                     "西丽新城", "粤海小区", "前海公馆", "白石洲", "大冲村", "麒麟山庄", "学府名苑"], dtype=object)
_USES = np.array(["住宅", "商业", "办公", "工业", "教育", "医疗", "仓储", "混合"], dtype=object)
_STREETS = np.array(["南头街道", "南山街道", "沙河街道", "蛇口街道", "招商街道", "粤海街道", "桃源街道", "西丽街道"],
                    dtype=object)
_ROADS = np.array(["深南大道", "滨海大道", "南海大道", "科苑路", "沙河西路", "前海路", "学府路", "桃园路", "月亮湾大道",
                   "留仙大道"], dtype=object)


def _rotate(x, y, angle):
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    return x * c - y * s, x * s + y * c


def _rings(x, y, cx, cy):
    """Closed rings (n, k+1, 2) of the k vertices (x, y) per row, moved to (cx, cy)."""
    x, y = x + cx[:, None], y + cy[:, None]
    coords = np.stack([x, y], axis=-1)
    return np.concatenate([coords, coords[:, :1]], axis=1)


def _rect(rng, m, cx, cy, w=None, h=None, angle=None):
    w = rng.uniform(8, 20, m) if w is None else w
    h = rng.uniform(8, 18, m) if h is None else h
    angle = rng.uniform(0, np.pi / 2, m) if angle is None else angle
    x = np.stack([-w, w, w, -w], axis=1) / 2
    y = np.stack([-h, -h, h, h], axis=1) / 2
    return _rings(*_rotate(x, y, angle), cx, cy)


def _ell(rng, m, cx, cy):
    a, b = rng.uniform(12, 24, m), rng.uniform(12, 24, m)  # outer sides
    t, u = a * rng.uniform(0.3, 0.6, m), b * rng.uniform(0.3, 0.6, m)  # arm widths
    z = np.zeros(m)
    x = np.stack([z, a, a, t, t, z], axis=1) - (a / 2)[:, None]
    y = np.stack([z, z, u, u, b, b], axis=1) - (b / 2)[:, None]
    return _rings(*_rotate(x, y, rng.uniform(0, 2 * np.pi, m)), cx, cy)


def _round(rng, cx, cy):
    """Round and star-shaped towers: k vertices at increasing angles, positive radii (always simple)."""
    m = len(cx)
    out = np.empty(m, dtype=object)
    ks = rng.choice([24, 48, 96, 200], m, p=[0.4, 0.3, 0.2, 0.1])
    for k in np.unique(ks):
        rows = np.flatnonzero(ks == k)
        r0 = rng.uniform(6, 14, len(rows))[:, None]
        star = rng.random(len(rows)) < 0.4
        theta = np.linspace(0, 2 * np.pi, k, endpoint=False)[None, :] + rng.uniform(0, 1, len(rows))[:, None]
        wobble = np.where(star[:, None], 0.35 * (np.arange(k) % 2)[None, :], rng.uniform(0, 0.05, (len(rows), k)))
        r = r0 * (1 - wobble)
        out[rows] = shapely.polygons(_rings(r * np.cos(theta), r * np.sin(theta), cx[rows], cy[rows]))
    return out


def _court(rng, m, cx, cy):
    w, h, angle = rng.uniform(18, 30, m), rng.uniform(18, 30, m), rng.uniform(0, np.pi / 2, m)
    shell = shapely.linearrings(_rect(rng, m, cx, cy, w, h, angle))
    hole = _rect(rng, m, cx, cy, w * 0.4, h * 0.4, angle)[:, ::-1]  # inner ring the other way round
    return shapely.polygons(shell, holes=shapely.linearrings(hole)[:, None])


def _multi(rng, cx, cy):
    """2 or 3 rectangles side by side with 3–6 m between them: one MultiPolygon per building."""
    m = len(cx)
    parts = rng.choice([2, 3], m, p=[0.7, 0.3])
    index = np.repeat(np.arange(m), parts)
    k = len(index)
    slot = np.arange(k) - np.searchsorted(index, index)
    w, h = rng.uniform(5, 9, m)[index], rng.uniform(8, 16, m)[index]
    gap = rng.uniform(3, 6, m)[index]
    offset = (slot - (parts[index] - 1) / 2) * (w + gap)
    rings = _rect(rng, k, cx[index] + offset, cy[index], w, h, np.zeros(k))
    return shapely.multipolygons(shapely.polygons(rings), indices=index)


def make_buildings(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    cell = np.arange(n)
    cx = ORIGIN[0] + (cell % side) * SPACING + rng.uniform(-2, 2, n)
    cy = ORIGIN[1] + (cell // side) * SPACING + rng.uniform(-2, 2, n)
    names = np.array([s for s, _ in SHARES])
    shape = rng.choice(len(SHARES), n, p=[p for _, p in SHARES])
    geoms = np.empty(n, dtype=object)
    for code, what in enumerate(names):
        rows = np.flatnonzero(shape == code)
        if not len(rows):
            continue
        x, y = cx[rows], cy[rows]
        if what == "rect":
            geoms[rows] = shapely.polygons(_rect(rng, len(rows), x, y))
        elif what == "ell":
            geoms[rows] = shapely.polygons(_ell(rng, len(rows), x, y))
        elif what == "round":
            geoms[rows] = _round(rng, x, y)
        elif what == "court":
            geoms[rows] = _court(rng, len(rows), x, y)
        else:
            geoms[rows] = _multi(rng, x, y)
    single = shapely.get_type_id(geoms) == 3
    geoms[single] = shapely.multipolygons(geoms[single][:, None]) if single.any() else geoms[single]
    estate = rng.integers(0, len(_ESTATES), n)
    street = rng.integers(0, len(_STREETS), n)
    floors = rng.integers(1, 40, n)
    numbers = pd.Series(rng.integers(1, 60, n)).astype(str)
    frame = gpd.GeoDataFrame({
        "名称": pd.Series(_ESTATES[estate]) + numbers + "栋",
        "用途": _USES[rng.integers(0, len(_USES), n)],
        "层数": floors,
        "高度": (floors * rng.uniform(2.8, 3.6, n)).round(1),
        "街道": _STREETS[street],
        "社区": pd.Series(_ESTATES[estate]) + "社区",
        "地址": "深圳市南山区" + pd.Series(_ROADS[rng.integers(0, len(_ROADS), n)]) + pd.Series(
            rng.integers(1, 3000, n)).astype(str) + "号",
    }, geometry=geoms, crs=CRS)
    return frame


def shape_counts(frame: gpd.GeoDataFrame) -> dict[str, int]:
    """Features, parts, vertices and holes of a frame (for the bench's header)."""
    geoms = frame.geometry.values
    parts = shapely.get_num_geometries(geoms)
    polys = shapely.get_parts(geoms)
    return {"features": len(frame), "parts": int(parts.sum()), "multi_part": int((parts > 1).sum()),
            "vertices": int(shapely.get_num_coordinates(geoms).sum()),
            "holes": int(shapely.get_num_interior_rings(polys).sum()),
            "max_vertices": int(shapely.get_num_coordinates(geoms).max())}
