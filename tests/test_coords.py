"""GCJ-02 and BD-09 back to WGS-84 (gisdesk/io/coords.py) and `gisdesk import --coords`.

Published reference values:
- WGS-84 → GCJ-02, the test vectors of eviltransform (github.com/googollee/eviltransform,
  go/transform_test.go and python/test.py; the same three in its ports):
  Shanghai (31.1774276, 121.5272106) → (31.17530398364597, 121.531541859215),
  Shenzhen (22.543847, 113.912316) → (22.540796131694766, 113.9171764808363),
  Beijing (39.911954, 116.377817) → (39.91334545536069, 116.38404722455657)   (lat, lon).
- coordtransform's README (github.com/wandergis/coordtransform), near Tiananmen (116.404, 39.915):
  wgs84togcj02 → (116.41024449916938, 39.91640428150164), gcj02tobd09 → (116.41036949371029,
  39.92133699351021)   (lon, lat).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import LineString, Point, Polygon

from gisdesk.io.coords import (SYSTEMS, gcj02_to_bd09, geometries_to_wgs84, out_of_china, to_wgs84,
                               wgs84_to_bd09, wgs84_to_gcj02)
from gisdesk.project import Project

EVILTRANSFORM = [  # (wgs lon, wgs lat), (gcj lon, gcj lat)
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]
GEOD = Geod(ellps="WGS84")


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


@pytest.mark.parametrize("wgs, gcj", EVILTRANSFORM)
def test_forward_matches_the_published_vectors(wgs, gcj):
    lon, lat = wgs84_to_gcj02(*wgs)
    assert (float(lon), float(lat)) == pytest.approx(gcj, abs=1e-9)


def test_forward_matches_coordtransform_near_tiananmen():
    assert tuple(map(float, wgs84_to_gcj02(116.404, 39.915))) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-9)
    assert tuple(map(float, gcj02_to_bd09(116.404, 39.915))) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-9)


@pytest.mark.parametrize("wgs, gcj", EVILTRANSFORM)
def test_inverse_gives_back_the_published_wgs84_points(wgs, gcj):
    lon, lat = to_wgs84(*gcj, "gcj02")
    assert metres(float(lon), float(lat), *wgs) < 0.001  # sub-millimetre


@pytest.mark.parametrize("system", SYSTEMS)
def test_forward_of_inverse_is_the_identity_over_china(system):
    lon, lat = np.meshgrid(np.linspace(73.7, 134.7, 120), np.linspace(18.2, 53.5, 90))
    wlon, wlat = to_wgs84(lon, lat, system)
    assert wlon.shape == lon.shape
    forward = wgs84_to_gcj02 if system == "gcj02" else wgs84_to_bd09
    flon, flat = forward(wlon, wlat)
    assert np.abs(flon - lon).max() < 1e-9 and np.abs(flat - lat).max() < 1e-9


CITIES = {"Beijing": (116.39, 39.91), "Shanghai": (121.47, 31.23), "Shenzhen": (114.06, 22.54),
          "Xi'an": (108.94, 34.26), "Chengdu": (104.07, 30.67), "Urumqi": (87.62, 43.83),
          "Harbin": (126.63, 45.75), "Lhasa": (91.13, 29.65), "Haikou": (110.35, 20.02)}


@pytest.mark.parametrize("city", CITIES)
def test_inverse_offsets_are_the_hundreds_of_metres_expected(city):
    lon, lat = CITIES[city]
    gcj = metres(lon, lat, *map(float, to_wgs84(lon, lat, "gcj02")))
    bd = metres(lon, lat, *map(float, to_wgs84(lon, lat, "bd09")))
    assert 100 < gcj < 700  # GCJ-02: a few hundred metres
    assert gcj < bd < 1600  # BD-09 adds about 0.0065°, 0.006° on top


@pytest.mark.parametrize("lon, lat", [(139.767125, 35.681236),  # Tokyo
                                      (2.35, 48.85), (-104.9903, 39.7392), (153.0251, -27.4698)])
def test_outside_china_nothing_moves(lon, lat):
    assert out_of_china(lon, lat)
    for system in SYSTEMS:
        assert tuple(map(float, to_wgs84(lon, lat, system))) == (lon, lat)
    assert tuple(map(float, wgs84_to_gcj02(lon, lat))) == (lon, lat)


def test_nan_passes_through_and_unknown_systems_are_refused():
    lon, lat = to_wgs84(np.array([np.nan, 121.5]), np.array([31.2, 31.2]), "gcj02")
    assert np.isnan(lon[0]) and np.isfinite(lon[1])
    with pytest.raises(ValueError):
        to_wgs84(121.5, 31.2, "wgs")


def test_every_vertex_of_lines_and_polygons_is_converted():
    ring = [(121.40, 31.20), (121.50, 31.20), (121.50, 31.30), (121.40, 31.30), (121.40, 31.20)]
    hole = [(121.44, 31.24), (121.46, 31.24), (121.46, 31.26), (121.44, 31.24)]
    geoms = np.array([Point(ring[0]), LineString(ring[:3]), Polygon(ring, [hole])], dtype=object)
    out = geometries_to_wgs84(geoms, "gcj02")
    before, after = shapely.get_coordinates(geoms), shapely.get_coordinates(out)
    assert len(before) == len(after)
    expected = np.column_stack(to_wgs84(before[:, 0], before[:, 1], "gcj02"))
    assert np.abs(after - expected).max() == 0
    assert len(out[2].interiors) == 1  # the hole kept


# --- gisdesk import --coords ----------------------------------------------------------------------

def gcj_csv(tmp_path):
    lines = ["编号,经度,纬度,发现时间,处置状态"] + [f"A{i},{gcj[0]!r},{gcj[1]!r},2024-03-05,待核查"
                                            for i, (_, gcj) in enumerate(EVILTRANSFORM, 1)]
    path = tmp_path / "高德取点.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_lonlat(project_path):
    project = Project.open(project_path)
    layer = project.read_layer("ledger").set_index("uid").sort_index()
    back = Transformer.from_crs(project.crs, 4326, always_xy=True)
    return {uid: back.transform(g.x, g.y) for uid, g in layer.geometry.items()}, project


def test_a_gcj02_csv_lands_within_a_metre_of_the_wgs84_positions(cli, tmp_path):
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    code, out, err = cli("import", p.path, gcj_csv(tmp_path), "--as", "ledger", "--coords", "gcj02")
    assert (code, err) == (0, ""), err
    assert "GCJ-02" in out and "迭代反算" in out
    points, project = stored_lonlat(p.path)
    for i, (wgs, gcj) in enumerate(EVILTRANSFORM, 1):
        assert metres(*points[f"A{i}"], *wgs) < 1.0
        assert metres(*points[f"A{i}"], *gcj) > 300  # where it would be without --coords
    assert project.layer_info("ledger").sources[-1]["coords"] == "gcj02"


def test_without_coords_the_points_stay_hundreds_of_metres_off(cli, tmp_path):
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    code, out, err = cli("import", p.path, gcj_csv(tmp_path), "--as", "ledger")
    assert (code, err) == (0, ""), err
    points, project = stored_lonlat(p.path)
    assert all(metres(*points[f"A{i}"], *wgs) > 300 for i, (wgs, _) in enumerate(EVILTRANSFORM, 1))
    assert "coords" not in project.layer_info("ledger").sources[-1]


def test_a_bd09_csv_in_english(cli, tmp_path):
    bd = [tuple(map(float, gcj02_to_bd09(*gcj))) for _, gcj in EVILTRANSFORM]
    path = tmp_path / "baidu.csv"
    path.write_text("编号,lon,lat,发现时间,处置状态\n" + "".join(f"B{i},{x!r},{y!r},2024-03-05,待核查\n"
                                                         for i, (x, y) in enumerate(bd, 1)), encoding="utf-8")
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    code, out, err = cli("--lang", "en", "import", p.path, path, "--as", "ledger", "--coords", "bd09")
    assert (code, err) == (0, ""), err
    assert "coordinates converted: BD-09 (Baidu)" in out
    points, _ = stored_lonlat(p.path)
    for i, (wgs, _) in enumerate(EVILTRANSFORM, 1):
        assert metres(*points[f"B{i}"], *wgs) < 1.0


def test_coords_on_a_projected_source_is_refused(cli, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("编号,X,Y,发现时间,处置状态\nS1,3456789.0,612345.0,2024-03-05,待核查\n", encoding="utf-8")
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    before = p.path.read_bytes()
    code, out, err = cli("import", p.path, path, "--as", "ledger", "--crs", "EPSG:4549", "--coords", "gcj02")
    assert code == 2 and "--coords gcj02" in err and "EPSG:4549" in err and "survey.csv" in err
    assert p.path.read_bytes() == before
    code, out, err = cli("import", p.path, path, "--as", "ledger", "--coords", "wgs84")
    assert code == 2 and "wgs84" in err
