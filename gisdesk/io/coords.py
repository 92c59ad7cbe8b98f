"""Points picked on Chinese consumer maps, back to WGS-84 / CGCS2000 longitude and latitude.

AMap (高德) and Tencent show GCJ-02 (国测局坐标), a deliberate distortion of WGS-84 by a closed
formula; Baidu shows BD-09, a further offset of GCJ-02 (docs/domain.md §5.3). Only the forward
formulas are public. The inverse is found by iteration: p ← p − (forward(p) − q), which converges
because the forward offset changes slowly (its derivative is ~1e-5), until forward(p) agrees with
q to 1e-10° (about 0.01 mm). WGS-84 and CGCS2000 agree to a few centimetres, far below the
distortion, so the result serves as either.

Outside China the forward transforms leave a point unchanged (the standard out-of-China rule of
the public implementations: a rectangle 72.004°E–137.8347°E, 0.8293°N–55.8271°N); the inverse then
does the same. All functions take and give numpy arrays (or scalars), longitude first.
"""

from __future__ import annotations

import numpy as np

SYSTEMS = ("gcj02", "bd09")
NAMES = {"gcj02": ("GCJ-02（高德、腾讯地图）", "GCJ-02 (AMap, Tencent)"),
         "bd09": ("BD-09（百度地图）", "BD-09 (Baidu)")}

_A = 6378245.0  # the Krasovsky semi-major axis of the GCJ-02 formula
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0  # the BD-09 formula's constant
_TOLERANCE_DEG = 1e-10
_MAX_ITERATIONS = 60


def out_of_china(lon, lat) -> np.ndarray:
    """The public implementations' rectangle outside which GCJ-02 equals WGS-84."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _offset_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon, lat):
    """The public GCJ-02 forward formula (WGS-84 → GCJ-02); unchanged outside China."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lat = _offset_lat(lon - 105.0, lat - 35.0)
    d_lon = _offset_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, lon + d_lon), np.where(outside, lat, lat + d_lat)


def gcj02_to_bd09(lon, lat):
    """The public BD-09 forward formula (GCJ-02 → BD-09)."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def wgs84_to_bd09(lon, lat):
    """WGS-84 → BD-09; unchanged outside China (like GCJ-02)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    bx, by = gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, bx), np.where(outside, lat, by)


_FORWARD = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def to_wgs84(lon, lat, system: str):
    """(lon, lat) in WGS-84 / CGCS2000 of points given in `system` ('gcj02' or 'bd09'): the
    iterative inverse of the forward formula, to 1e-10°. Points outside China are unchanged."""
    if system not in _FORWARD:
        raise ValueError(f"unknown coordinate system {system!r}; one of {SYSTEMS}")
    forward = _FORWARD[system]
    q_lon, q_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    shape = np.broadcast(q_lon, q_lat).shape
    q_lon, q_lat = np.broadcast_to(q_lon, shape).ravel(), np.broadcast_to(q_lat, shape).ravel()
    p_lon, p_lat = q_lon.copy(), q_lat.copy()
    todo = np.flatnonzero(~out_of_china(q_lon, q_lat) & np.isfinite(q_lon) & np.isfinite(q_lat))
    for _ in range(_MAX_ITERATIONS):
        if not todo.size:
            break
        f_lon, f_lat = forward(p_lon[todo], p_lat[todo])
        e_lon, e_lat = f_lon - q_lon[todo], f_lat - q_lat[todo]
        p_lon[todo] -= e_lon
        p_lat[todo] -= e_lat
        todo = todo[(np.abs(e_lon) > _TOLERANCE_DEG) | (np.abs(e_lat) > _TOLERANCE_DEG)]
    return p_lon.reshape(shape), p_lat.reshape(shape)


def geometries_to_wgs84(geoms, system: str):
    """Every vertex of the shapely geometries (points, lines, polygons and their parts) through
    `to_wgs84`, in one vectorised pass."""
    import shapely

    def convert(xy):
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], system)
        return np.column_stack([lon, lat])

    return shapely.transform(np.asarray(geoms, dtype=object), convert)
