"""Beijing 1954 / Xian 1980 sources: refused without --towgs84, transformed with it.

The 7 parameters below are made up in the range of real city sets (tens to ~100 m, a few
arc-seconds, a few ppm); what is checked is that gisdesk applies them exactly as PROJ's own
Helmert pipeline, written out step by step here, does.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import Polygon

from gisdesk.crs import legacy_datum, parse_towgs84, with_towgs84
from gisdesk.errors import InputError
from gisdesk.project import Project

SEVEN = (-30.1, 112.5, 65.2, 1.2, -0.8, 2.1, -3.5)  # dx dy dz (m), rx ry rz (arc-seconds), s (ppm)
WUHAN = (114.30, 30.59)  # in the Xian 1980 / 3-degree GK CM 114E zone (EPSG:2383)
XIAN80 = "+a=6378140 +rf=298.257"  # IAG 1975
CGCS2000 = "+a=6378137 +rf=298.257222101"


def helmert_pipeline(params):
    """Xian 1980 GK CM 114E → CGCS2000 GK CM 114E, PROJ step by step (position vector Helmert)."""
    x, y, z, rx, ry, rz, s = params
    tm = "+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0"
    return Transformer.from_pipeline(
        f"+proj=pipeline +step +inv {tm} {XIAN80} +step +proj=cart {XIAN80} "
        f"+step +proj=helmert +x={x} +y={y} +z={z} +rx={rx} +ry={ry} +rz={rz} +s={s} +convention=position_vector "
        f"+step +inv +proj=cart {CGCS2000} +step {tm} {CGCS2000}")


def square_in_2383(tmp_path, name="xian80.gpkg"):
    x, y = Transformer.from_crs(4610, 2383, always_xy=True).transform(*WUHAN)
    footprint = Polygon([(x, y), (x + 30, y), (x + 30, y + 20), (x, y + 20)])
    gpd.GeoDataFrame({"bid": ["W1"]}, geometry=[footprint], crs="EPSG:2383").to_file(tmp_path / name)
    return tmp_path / name, footprint


def project(tmp_path):
    return Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4547))  # CGCS2000 3° GK CM 114E


@pytest.mark.parametrize("epsg, datum", [(4214, "Beijing 1954"), (4610, "Xian 1980"), (2401, "Beijing 1954"),
                                         (2437, "Beijing 1954"), (2442, "Beijing 1954"), (21480, "Beijing 1954"),
                                         (2327, "Xian 1980"), (2383, "Xian 1980"), (2390, "Xian 1980")])
def test_the_two_datums_are_recognised_also_from_an_esri_prj(epsg, datum):
    assert legacy_datum(CRS.from_epsg(epsg)) == datum
    assert legacy_datum(CRS(CRS.from_epsg(epsg).to_wkt("WKT1_ESRI"))) == datum


def test_other_crs_and_bound_ones_are_not_legacy():
    for epsg in (4490, 4326, 4549, 4528, 32650, 3857):
        assert legacy_datum(CRS.from_epsg(epsg)) is None
    assert legacy_datum(with_towgs84(CRS.from_epsg(2383), SEVEN)) is None  # it carries its parameters
    assert legacy_datum(CRS("+proj=longlat +ellps=krass")) == "Beijing 1954"  # only the ellipsoid said


def test_towgs84_text():
    assert parse_towgs84("15.8,-154.4,-82.3") == (15.8, -154.4, -82.3)
    assert parse_towgs84(" -30.1, 112.5,65.2,1.2,-0.8,2.1,-3.5") == SEVEN
    assert parse_towgs84("1，2，3") == (1.0, 2.0, 3.0)  # full-width commas from a Chinese keyboard
    assert parse_towgs84("1,2,3,4") == (1.0, 2.0, 3.0, 4.0)  # the planar four
    for bad in ("1,2", "1,2,3,4,5", "a,b,c", "nan,1,2", "1,2,inf", ""):
        with pytest.raises(InputError, match="--towgs84"):
            parse_towgs84(bad)


def test_without_parameters_the_source_is_refused_with_the_warning(cli, tmp_path):
    source, _ = square_in_2383(tmp_path)
    p = project(tmp_path)
    before = p.path.read_bytes()
    code, out, err = cli("import", p.path, source, "--as", "buildings", "--id-field", "bid")
    assert code == 2 and err.count("\n") == 1
    assert "xian80.gpkg" in err and "Xian 1980" in err and "100 米" in err and "--towgs84" in err
    code, out, err = cli("--lang", "en", "import", p.path, source, "--as", "buildings", "--id-field", "bid")
    assert "off by up to about 100 m" in err and "dx,dy,dz,rx,ry,rz,s" in err
    assert p.path.read_bytes() == before


def test_seven_parameters_land_where_the_helmert_pipeline_puts_them(cli, tmp_path):
    source, footprint = square_in_2383(tmp_path)
    p = project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "buildings", "--id-field", "bid",
                         "--towgs84=" + ",".join(map(str, SEVEN)))
    assert (code, err) == (0, ""), err
    assert "+towgs84=-30.1,112.5,65.2,1.2,-0.8,2.1,-3.5" in out
    project_ = Project.open(p.path)
    stored = shapely.get_coordinates(project_.read_layer("buildings").geometry.values)
    source_xy = shapely.get_coordinates(footprint)
    assert len(stored) == len(source_xy)
    expected = np.column_stack(helmert_pipeline(SEVEN).transform(source_xy[:, 0], source_xy[:, 1]))
    assert np.abs(stored - expected).max() < 0.001  # within a millimetre
    # and the parameters matter: PROJ's own fallback (no datum shift) is metres away
    ballpark = np.column_stack(Transformer.from_crs(2383, 4547, always_xy=True).transform(source_xy[:, 0],
                                                                                         source_xy[:, 1]))
    assert np.hypot(*(ballpark - expected).T).min() > 5
    assert project_.layer_info("buildings").sources[-1]["towgs84"].startswith("+towgs84=-30.1,112.5")


def test_three_parameters_on_beijing_1954_lon_lat(tmp_path):
    from gisdesk.io.importer import import_layer

    gpd.GeoDataFrame({"bid": ["B1"]}, geometry=[Polygon([(114.30, 30.59), (114.3003, 30.59), (114.3003, 30.5902)])],
                     crs="EPSG:4214").to_file(tmp_path / "bj54.geojson")
    p = project(tmp_path)
    report = import_layer(p, tmp_path / "bj54.geojson", "buildings", id_field="bid", towgs84="15.8,-154.4,-82.3")
    assert report.datum_shift == "+towgs84=15.8,-154.4,-82.3" and report.source_crs.startswith("EPSG:4214")
    stored = shapely.get_coordinates(p.read_layer("buildings").geometry.values)[0]
    krass = "+ellps=krass"
    expected = Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=cart {krass} "
        f"+step +proj=helmert +x=15.8 +y=-154.4 +z=-82.3 +step +inv +proj=cart {CGCS2000} "
        f"+step +proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0 {CGCS2000}").transform(114.30, 30.59)
    assert np.hypot(stored[0] - expected[0], stored[1] - expected[1]) < 0.001


def test_towgs84_for_a_cgcs2000_source_is_refused(cli, tmp_path):
    gpd.GeoDataFrame({"bid": ["C1"]}, geometry=[Polygon([(114.30, 30.59), (114.3003, 30.59), (114.3003, 30.5902)])],
                     crs="EPSG:4490").to_file(tmp_path / "cgcs.geojson")
    p = project(tmp_path)
    code, out, err = cli("import", p.path, tmp_path / "cgcs.geojson", "--as", "buildings", "--id-field", "bid",
                         "--towgs84", "1,2,3")
    assert code == 2 and "cgcs.geojson" in err and "不需要 --towgs84" in err


def test_a_bad_parameter_list_is_refused_in_one_line(cli, tmp_path):
    source, _ = square_in_2383(tmp_path)
    p = project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "buildings", "--id-field", "bid", "--towgs84", "1,2")
    assert code == 2 and err.count("\n") == 1 and "--towgs84 1,2" in err


# --- the planar four parameters -------------------------------------------------------------------

FOUR = (-12.3, 45.6, 1.5, 2.1)  # dX north (m), dY east (m), a (arc-seconds), m (ppm): made up


def test_four_parameter_formula_on_known_answers():
    from gisdesk.crs import four_parameter

    # a pure shift: dX is north, dY east (survey order), given and taken back in GIS order (east, north)
    assert tuple(map(float, four_parameter(500_000.0, 3_000_000.0, (10.0, -5.0, 0.0, 0.0)))) == (499_995.0, 3_000_010.0)
    # scale alone: 100 ppm of (500 km, 3000 km) is (50 m, 300 m)
    e, n = four_parameter(500_000.0, 3_000_000.0, (0.0, 0.0, 0.0, 100.0))
    assert (float(e), float(n)) == pytest.approx((500_050.0, 3_000_300.0), abs=1e-6)
    # a rotation of 90° (324 000"): X' = -Y, Y' = X, i.e. north becomes minus the east and east the north
    e, n = four_parameter(2.0, 1.0, (0.0, 0.0, 324_000.0, 0.0))
    assert (float(e), float(n)) == pytest.approx((1.0, -2.0), abs=1e-9)


def test_four_parameters_move_a_xian_1980_zone_into_the_cgcs2000_zone(cli, tmp_path):
    source, footprint = square_in_2383(tmp_path)
    p = project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "buildings", "--id-field", "bid",
                         "--towgs84=" + ",".join(map(str, FOUR)))
    assert (code, err) == (0, ""), err
    assert "EPSG:4547" in out and 'a=1.5"' in out
    stored = shapely.get_coordinates(Project.open(p.path).read_layer("buildings").geometry.values)
    xy = shapely.get_coordinates(footprint)
    a, k = np.radians(1.5 / 3600), 1 + 2.1e-6
    north = -12.3 + k * (xy[:, 1] * np.cos(a) - xy[:, 0] * np.sin(a))  # X' (north), written out again
    east = 45.6 + k * (xy[:, 1] * np.sin(a) + xy[:, 0] * np.cos(a))
    assert np.abs(stored - np.column_stack([east, north])).max() < 0.001


def test_four_parameters_on_lon_lat_are_refused(cli, tmp_path):
    gpd.GeoDataFrame({"bid": ["B1"]}, geometry=[Polygon([(114.30, 30.59), (114.3003, 30.59), (114.3003, 30.5902)])],
                     crs="EPSG:4214").to_file(tmp_path / "bj54.geojson")
    p = project(tmp_path)
    code, out, err = cli("import", p.path, tmp_path / "bj54.geojson", "--as", "buildings", "--id-field", "bid",
                         "--towgs84", "1,2,3,4")
    assert code == 2 and "平面四参数" in err and "bj54.geojson" in err
