"""Distances and areas measured twice: planar in the project's CRS and on the CGCS2000 ellipsoid.

Planar is what the conflict check uses (the Gauss-Krüger zone, in metres); ellipsoidal is the
geodesic length / area on CGCS2000 (pyproj.Geod), the ground truth a surveyor would quote.
Away from the zone's central meridian the projection stretches lengths by its scale factor,
so the two differ by design, and both are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

from gisdesk.crs import CGCS2000_GEOGRAPHIC

MU_M2 = 10000 / 15  # 1 亩 = 666.67 m²
HECTARE_M2 = 10000.0


@dataclass(frozen=True)
class Measurement:
    planar: float  # metres or m², in the project CRS
    ellipsoidal: float  # metres or m², geodesic on the CGCS2000 ellipsoid
    perimeter_planar: float = 0.0
    perimeter_ellipsoidal: float = 0.0


def measure_length(coords, crs) -> Measurement:
    """Length of the polyline `coords` ((n, 2) in `crs`): planar and along geodesics on CGCS2000."""
    coords = np.asarray(coords, dtype=float).reshape(-1, 2)
    if len(coords) < 2:
        return Measurement(0.0, 0.0)
    planar = float(np.hypot(*np.diff(coords, axis=0).T).sum())
    lons, lats = _lonlat(coords, crs)
    return Measurement(planar, float(_geod().line_length(lons, lats)))


def measure_area(coords, crs) -> Measurement:
    """Area (and perimeter) of the polygon with vertices `coords` in `crs`: planar and on CGCS2000."""
    coords = np.asarray(coords, dtype=float).reshape(-1, 2)
    if len(coords) < 3:
        return Measurement(0.0, 0.0)
    polygon = shapely.Polygon(coords)
    closed = np.vstack([coords, coords[:1]])
    lons, lats = _lonlat(closed, crs)
    area, perimeter = _geod().polygon_area_perimeter(lons, lats)
    return Measurement(float(polygon.area), abs(float(area)), float(polygon.length), float(perimeter))


def _lonlat(coords: np.ndarray, crs) -> tuple[np.ndarray, np.ndarray]:
    to_geo = Transformer.from_crs(CRS(crs), CRS.from_epsg(CGCS2000_GEOGRAPHIC), always_xy=True)
    return to_geo.transform(coords[:, 0], coords[:, 1])


def _geod() -> Geod:
    return CRS.from_epsg(CGCS2000_GEOGRAPHIC).get_geod()
