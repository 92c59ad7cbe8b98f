"""Measurement in the core: planar in the Gauss-Krüger zone and ellipsoidal on CGCS2000, no Qt."""

from __future__ import annotations

import pytest
from pyproj import CRS, Geod, Transformer

from gisdesk.analysis.measure import HECTARE_M2, MU_M2, measure_area, measure_length

X0, Y0 = 500_000.0, 3_450_000.0  # on the central meridian of EPSG:4549 (120°E), about 31°N
GK_120 = CRS.from_epsg(4549)  # CGCS2000 3° GK, CM 120°E, no zone prefix

# The oracle: the same zone written out as a PROJ string on GRS80 (the CGCS2000 ellipsoid has
# GRS80's axes), and a Geod made from the ellipsoid's name, not from gisdesk's CRS.
ORACLE_TMERC = "+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"
ORACLE_GEOD = Geod(ellps="GRS80")


def oracle_lonlat(points):
    to_geo = Transformer.from_crs(ORACLE_TMERC, "+proj=longlat +ellps=GRS80 +no_defs", always_xy=True)
    return zip(*(to_geo.transform(x, y) for x, y in points))


def square(x, y, side):
    return [(x, y), (x + side, y), (x + side, y + side), (x, y + side)]


@pytest.mark.parametrize("x", [X0, X0 + 100_000])  # on the central meridian, and 100 km east of it
def test_a_square_in_the_zone_measures_side_squared_planar_and_as_the_geod_oracle_ellipsoidal(x):
    corners = square(x, Y0, 1000.0)
    area = measure_area(corners, GK_120)
    assert area.planar == pytest.approx(1_000_000.0)  # 1 km², by hand
    assert area.perimeter_planar == pytest.approx(4000.0)
    lons, lats = oracle_lonlat(corners + corners[:1])
    oracle_area, oracle_perimeter = ORACLE_GEOD.polygon_area_perimeter(lons, lats)
    assert area.ellipsoidal == pytest.approx(abs(oracle_area), rel=1e-9)
    assert area.perimeter_ellipsoidal == pytest.approx(oracle_perimeter, rel=1e-9)

    side = measure_length(corners[:2], GK_120)
    assert side.planar == pytest.approx(1000.0)
    lons, lats = oracle_lonlat(corners[:2])
    _, _, oracle_side = ORACLE_GEOD.inv(lons[0], lats[0], lons[1], lats[1])
    assert side.ellipsoidal == pytest.approx(oracle_side, rel=1e-9)


def test_measured_distance_and_area_on_the_central_meridian_agree_planar_and_ellipsoidal():
    line = measure_length([(X0, Y0), (X0 + 300, Y0), (X0 + 300, Y0 + 400)], GK_120)
    assert line.planar == pytest.approx(700.0)
    assert line.ellipsoidal == pytest.approx(700.0, rel=2e-5)  # scale factor 1 on the central meridian
    area = measure_area(square(X0, Y0, 100.0), GK_120)
    assert area.planar == pytest.approx(10_000.0)
    assert area.ellipsoidal == pytest.approx(10_000.0, rel=4e-5)
    assert area.perimeter_planar == pytest.approx(400.0)
    assert HECTARE_M2 / MU_M2 == pytest.approx(15.0)  # 1 ha = 15 亩
    assert MU_M2 == pytest.approx(666.67, abs=0.01)


def test_away_from_the_central_meridian_planar_grows_by_the_gauss_krueger_scale():
    """100 km east of the central meridian the projection stretches by k ≈ 1 + x²/2R²: lengths by k, areas by k²."""
    x = X0 + 100_000
    k = 1 + (100_000 ** 2) / (2 * 6_371_000 ** 2)  # 1.000123
    line = measure_length([(x, Y0), (x + 1000, Y0)], GK_120)
    assert line.planar / line.ellipsoidal == pytest.approx(k, abs=5e-6)
    area = measure_area(square(x, Y0, 1000.0), GK_120)
    assert area.planar / area.ellipsoidal == pytest.approx(k * k, abs=1e-5)
    assert area.planar - area.ellipsoidal == pytest.approx(246, rel=0.02)  # m² on 1 km²


def test_too_few_points_measure_nothing():
    assert measure_length([(X0, Y0)], GK_120).planar == 0.0
    assert measure_area([(X0, Y0), (X0 + 10, Y0)], GK_120).ellipsoidal == 0.0
