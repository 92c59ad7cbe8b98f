"""guess_crs and implausible (gisdesk/crs.py) on hand-made bounds with known answers.

Positions: People's Square, Shanghai 121.4737°E 31.2304°N (3° zone 40, CM 120°E; 6° zone 21,
CM 123°E); Xi'an bell tower 108.9423°E 34.2610°N (3° zone 36, CM 108°E). Their metres are computed
here with pyproj from the EPSG definitions, not by the code under test.
"""

from __future__ import annotations

import pytest
from pyproj import CRS, Transformer

from gisdesk.crs import guess_crs, implausible, is_gauss_kruger, prefixed_zone_crs

SHANGHAI = (121.4737, 31.2304)
XIAN = (108.9423, 34.2610)


def metres(epsg: int, lon: float, lat: float, half: float = 2000.0) -> tuple[float, float, float, float]:
    """Bounds of a 4 km square around (lon, lat) in EPSG:epsg (x east, y north)."""
    x, y = Transformer.from_crs(4490, epsg, always_xy=True).transform(lon, lat)
    return x - half, y - half, x + half, y + half


def degrees(lon, lat, half=0.02):
    return lon - half, lat - half, lon + half, lat + half


# --- guess_crs -----------------------------------------------------------------------------------

def test_lonlat_in_china_is_cgcs2000_geographic():
    assert guess_crs(*degrees(*SHANGHAI)).to_epsg() == 4490
    assert guess_crs(73.6, 18.2, 134.7, 53.5).to_epsg() == 4490  # the whole country


@pytest.mark.parametrize("bounds", [degrees(2.35, 48.85),  # Paris
                                    degrees(-74.0, 40.7),  # New York
                                    degrees(151.2, -33.9)])  # Sydney
def test_lonlat_outside_china_is_not_guessed(bounds):
    assert guess_crs(*bounds) is None


@pytest.mark.parametrize("epsg, zone, place", [(4528, 40, SHANGHAI), (4524, 36, XIAN)])
def test_eight_digit_eastings_give_their_3_degree_zone(epsg, zone, place):
    bounds = metres(epsg, *place)
    assert int(bounds[0] // 1_000_000) == zone  # the easting starts with the zone number
    assert guess_crs(*bounds).to_epsg() == epsg


def test_eight_digit_eastings_of_a_6_degree_zone():
    bounds = metres(4499, *SHANGHAI)  # CGCS2000 / Gauss-Kruger zone 21
    assert int(bounds[0] // 1_000_000) == 21
    assert guess_crs(*bounds).to_epsg() == 4499


def test_eight_digit_eastings_across_two_zones_or_outside_are_not_guessed():
    assert guess_crs(39_900_000, 3_400_000, 40_100_000, 3_450_000) is None  # two zone prefixes
    assert guess_crs(24_500_000, 3_400_000, 24_560_000, 3_450_000) is None  # zone 24: not in China
    assert guess_crs(50_500_000, 3_400_000, 50_560_000, 3_450_000) is None  # zone 50
    assert guess_crs(40_950_000, 3_400_000, 40_990_000, 3_450_000) is None  # 450 km from the CM: no zone
    assert guess_crs(40_500_000, 9_400_000, 40_560_000, 9_450_000) is None  # northings beyond China


def test_six_digit_eastings_take_the_project_zone_when_it_fits():
    bounds = metres(4549, *SHANGHAI)  # CM 120°E, no prefix
    assert 600_000 < bounds[0] < 700_000
    assert guess_crs(*bounds) is None  # without a project CRS: any zone could be meant
    assert guess_crs(*bounds, hint=CRS.from_epsg(4549)).to_epsg() == 4549
    assert guess_crs(*bounds, hint=CRS.from_epsg(2437)).to_epsg() == 2437  # Beijing 1954 GK CM 120°E also fits
    assert guess_crs(*bounds, hint=CRS.from_epsg(4528)) is None  # prefixed zone: false easting 40 500 000
    assert guess_crs(*bounds, hint=CRS.from_epsg(32651)) is None  # UTM: scale 0.9996, not Gauss-Krüger
    assert guess_crs(*bounds, hint=CRS.from_epsg(3857)) is None
    assert guess_crs(*bounds, hint=CRS.from_epsg(4490)) is None


def test_nonsense_bounds_are_not_guessed():
    nan = float("nan")
    assert guess_crs(nan, nan, nan, nan) is None
    assert guess_crs(0, 0, 10, 10) is None  # metres near the origin of some local grid
    assert guess_crs(5_000_000, 5_000_000, 5_100_000, 5_100_000) is None  # 7 digits: no zone, no GK easting


def test_prefixed_zone_crs_needs_all_eastings_in_one_zone():
    assert prefixed_zone_crs([40_612_000.0, 40_640_000.0]).to_epsg() == 4528
    assert prefixed_zone_crs([13_500_000.0]).to_epsg() == 4491
    assert prefixed_zone_crs([23_500_000.0]).to_epsg() == 4501
    assert prefixed_zone_crs([25_500_000.0]).to_epsg() == 4513
    assert prefixed_zone_crs([45_500_000.0]).to_epsg() == 4533
    assert prefixed_zone_crs([39_999_999.0, 40_000_001.0]) is None
    assert prefixed_zone_crs([612_000.0]) is None
    assert prefixed_zone_crs([]) is None


def test_gauss_kruger_crs_are_recognised():
    assert is_gauss_kruger(CRS.from_epsg(4549)) and is_gauss_kruger(CRS.from_epsg(4528))
    assert is_gauss_kruger(CRS.from_epsg(2383))  # Xian 1980 / 3-degree GK CM 114E
    assert not is_gauss_kruger(CRS.from_epsg(32650)) and not is_gauss_kruger(CRS.from_epsg(4490))


# --- implausible ---------------------------------------------------------------------------------

def test_degrees_declared_as_metres():
    zh, en = implausible(CRS.from_epsg(4549), *degrees(*SHANGHAI))
    assert "经纬度" in zh and "EPSG:4549" in zh
    assert "degrees" in en and "metres" in en


def test_metres_declared_as_degrees():
    zh, en = implausible(CRS.from_epsg(4490), *metres(4549, *SHANGHAI))
    assert "米制" in zh and "EPSG:4490" in zh
    assert "metres" in en and "degrees" in en


def test_zone_prefix_declared_without_one():
    zh, en = implausible(CRS.from_epsg(4549), *metres(4528, *SHANGHAI))
    assert "带号 40" in zh and "EPSG:4528" in zh
    assert "zone 40" in en


def test_outside_the_area_of_use():
    # eastings 440-450 km west of the false easting in CM 120°E: longitude 115.3°, 3.2° west of the zone
    zh, en = implausible(CRS.from_epsg(4549), 50_000, 3_400_000, 60_000, 3_410_000)
    assert "area of use" in en and "115.30°" in en and "适用范围" in zh
    # but only the longitude counts for a zone: Taipei (25.05°N) is drawn in CM 123°E, whose EPSG
    # area of use is the mainland strip north of 28°N
    assert implausible(CRS.from_epsg(4550), *metres(4550, 121.51, 25.05)) is None
    # lon/lat in Europe declared as CGCS2000
    assert "area of use" in implausible(CRS.from_epsg(4490), *degrees(2.35, 48.85))[1]


def test_far_from_the_project_zone():
    project = CRS.from_epsg(4549)  # CM 120°E
    zh, en = implausible(CRS.from_epsg(4490), *degrees(*XIAN), project_crs=project)
    # Xi'an is 11.06° west of 120°E at 34.24°N: 11.04 × 111.32 × cos(34.28°) ≈ 1016 km
    assert "10" in en and "km" in en and "EPSG:4549" in en and "项目" in zh
    km = float(en.split("about ")[1].split(" km")[0])
    assert km == pytest.approx(1016, abs=5)
    # the same in metres of Xi'an's own zone
    assert implausible(CRS.from_epsg(4545), *metres(4545, *XIAN), project_crs=project) is not None


def test_plausible_declarations_pass():
    project = CRS.from_epsg(4549)
    assert implausible(CRS.from_epsg(4490), *degrees(*SHANGHAI), project_crs=project) is None
    assert implausible(CRS.from_epsg(4326), *degrees(*SHANGHAI), project_crs=project) is None
    assert implausible(CRS.from_epsg(4549), *metres(4549, *SHANGHAI), project_crs=project) is None
    assert implausible(CRS.from_epsg(4528), *metres(4528, *SHANGHAI), project_crs=project) is None
    # the neighbouring zone (CM 123°E) about 150 km east: near enough
    assert implausible(CRS.from_epsg(4550), *metres(4550, 122.5, 31.0), project_crs=project) is None
    # Swellendam in UTM 34S, project UTM 34S
    utm = CRS.from_epsg(32734)
    assert implausible(utm, *metres(32734, 20.44, -34.02), project_crs=utm) is None
    assert implausible(CRS.from_epsg(4549), *[float("nan")] * 4) is None


def test_a_local_grid_near_the_origin_is_not_placed_so_not_refused():
    # a site plan or CAD drawing in its own metres (0..400 m): read as degrees it is in the Atlantic,
    # not in China nor in the zone's area, so it is not taken for degrees; it places nothing to check
    assert implausible(CRS.from_epsg(4549), 0, 0, 400, 400, project_crs=CRS.from_epsg(4549)) is None
    assert implausible(CRS.from_epsg(4549), 10, 18, 40, 30) is None
    # but 120 km out from the origin it is placed: 500 km west of the CM on the equator
    assert "area of use" in implausible(CRS.from_epsg(4549), 0, 0, 120_000, 120_000)[1]


def test_degrees_of_another_part_of_china_declared_as_a_zone_are_still_degrees():
    # Xi'an lon/lat with the .prj of the zone of CM 120°E, far outside that zone's own area
    assert "degrees" in implausible(CRS.from_epsg(4549), *degrees(*XIAN))[1]
    # Swellendam (South Africa) lon/lat declared as UTM 34S: inside the UTM zone's area
    assert "degrees" in implausible(CRS.from_epsg(32734), *degrees(20.44, -34.02))[1]


def test_web_mercator_of_eastern_china_is_not_taken_for_a_6_degree_zone():
    # Shanghai in EPSG:3857 has eastings of 13.5e6, as if in 6° zone 13 (CM 75°E); read so, it
    # would lie at 33°N in western Tibet, south of that zone's area (35.4°N-41.1°N): no guess
    bounds = metres(3857, *SHANGHAI)
    assert int(bounds[0] // 1_000_000) == 13
    assert guess_crs(*bounds) is None
    # Kashgar (75.99°E 39.47°N) really in zone 13
    assert guess_crs(*metres(4491, 75.99, 39.47)).to_epsg() == 4491
    assert prefixed_zone_crs([bounds[0], bounds[2]]).to_epsg() == 4491  # by the eastings alone
    assert prefixed_zone_crs([bounds[0], bounds[2]], [bounds[1], bounds[3]]) is None
