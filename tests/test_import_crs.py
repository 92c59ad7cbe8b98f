"""The source CRS checked against the coordinates on import: the real Shanghai district shapefile
(lon/lat, WGS 84 .prj) with its .prj removed, replaced by a projected one, or written in metres."""

from __future__ import annotations

import shutil

import geopandas as gpd
import pyogrio
import pytest
from pyproj import CRS

from gisdesk.errors import InputError
from gisdesk.io.importer import import_layer
from gisdesk.project import Project
from tests.conftest import DATA

SHANGHAI = DATA / "shanghai_districts_gbk"
SHP = "区县界_area.shp"


def copy(tmp_path, folder="src"):
    shutil.copytree(SHANGHAI, tmp_path / folder)
    return tmp_path / folder / SHP


def project(tmp_path, epsg=4549):
    return Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(epsg))  # CGCS2000 3° GK CM 120°E


def refused(cli, p, *args):
    before = p.path.read_bytes()
    code, out, err = cli("import", p.path, *args)
    assert code == 2 and out == "" and err.count("\n") == 1, (code, out, err)
    assert p.path.read_bytes() == before  # the project is byte-identical
    return err


def test_the_real_file_as_it_is_imports_and_its_guess_is_kept(tmp_path):
    p = project(tmp_path)
    report = import_layer(p, copy(tmp_path), "buildings", keep_multipart=True)
    assert report.imported == 17 and report.source_crs.startswith("EPSG:4326")
    assert report.crs_guess.startswith("EPSG:4490")  # lon/lat of China


def test_missing_prj_is_refused_with_the_guess(cli, tmp_path):
    shp = copy(tmp_path)
    shp.with_suffix(".prj").unlink()
    p = project(tmp_path)
    err = refused(cli, p, shp, "--as", "buildings")
    assert SHP in err and ".prj" in err and "EPSG:4490" in err and "--crs EPSG:4490" in err
    code, out, err = cli("--lang", "en", "import", p.path, shp, "--as", "buildings")
    assert code == 2 and "looks like EPSG:4490" in err.replace("look like", "looks like")
    code, out, err = cli("import", p.path, shp, "--as", "buildings", "--crs", "EPSG:4490", "--keep-multipart")  # the guess
    assert (code, err) == (0, ""), err
    assert len(Project.open(p.path).read_layer("buildings")) == 17


def test_missing_prj_on_8_digit_eastings_guesses_the_prefixed_zone(cli, tmp_path):
    districts = gpd.read_file(SHANGHAI / SHP, encoding="GB18030").to_crs(4528)  # CGCS2000 3° GK zone 40
    pyogrio.write_dataframe(districts, tmp_path / "zoned.shp", encoding="UTF-8")
    (tmp_path / "zoned.prj").unlink()
    p = project(tmp_path)
    err = refused(cli, p, tmp_path / "zoned.shp", "--as", "buildings")
    assert "zoned.shp" in err and "EPSG:4528" in err and "--crs EPSG:4528" in err
    code, out, err = cli("import", p.path, tmp_path / "zoned.shp", "--as", "buildings", "--crs", "EPSG:4528")
    assert (code, err) == (0, ""), err


def test_missing_prj_without_a_guess_says_so(cli, tmp_path):
    districts = gpd.read_file(SHANGHAI / SHP, encoding="GB18030").to_crs(4549)  # 6-digit eastings: any zone
    pyogrio.write_dataframe(districts, tmp_path / "plain.shp", encoding="UTF-8")
    (tmp_path / "plain.prj").unlink()
    # a project in the same zone: its CRS is the guess
    p = project(tmp_path)
    assert "EPSG:4549" in refused(cli, p, tmp_path / "plain.shp", "--as", "buildings")
    # a project in UTM: no guess
    q = Project.create(tmp_path / "q.gpkg", crs=CRS.from_epsg(32651))
    err = refused(cli, q, tmp_path / "plain.shp", "--as", "buildings")
    assert "看不出" in err and "--crs" in err


def test_a_projected_prj_on_lonlat_data_is_refused_with_the_reason(cli, tmp_path):
    shp = copy(tmp_path)
    shp.with_suffix(".prj").write_text(CRS.from_epsg(4549).to_wkt("WKT1_ESRI"))
    p = project(tmp_path)
    err = refused(cli, p, shp, "--as", "buildings")
    assert SHP in err and "经纬度" in err and "以米为单位" in err and "EPSG:4549" in err and "EPSG:4490" in err
    code, out, err = cli("--lang", "en", "import", p.path, shp, "--as", "buildings")
    assert "are degrees of longitude/latitude" in err and "declared by the file" in err
    # --crs overrides the wrong .prj
    code, out, err = cli("import", p.path, shp, "--as", "buildings", "--crs", "EPSG:4490")
    assert (code, err) == (0, ""), err


def test_a_wrong_crs_given_with_the_option_is_refused_too(cli, tmp_path):
    p = project(tmp_path)
    err = refused(cli, p, copy(tmp_path), "--as", "buildings", "--crs", "EPSG:4528")
    assert "用 --crs 指定" in err and "EPSG:4528" in err


def test_metres_declared_as_degrees_are_refused(cli, tmp_path):
    districts = gpd.read_file(SHANGHAI / SHP, encoding="GB18030").to_crs(4549).set_crs(4490, allow_override=True)
    districts.to_file(tmp_path / "metres_as_degrees.gpkg")
    p = project(tmp_path)
    err = refused(cli, p, tmp_path / "metres_as_degrees.gpkg", "--as", "buildings")
    assert "metres_as_degrees.gpkg" in err and "米制坐标" in err


def test_data_far_from_the_project_zone_is_refused(cli, tmp_path):
    p = project(tmp_path, epsg=4545)  # CM 108°E: Xi'an's zone, Shanghai is ~1270 km east
    err = refused(cli, p, copy(tmp_path), "--as", "buildings")
    assert "EPSG:4545" in err and "km" in err and "500 km" in err


def test_the_import_function_raises_an_input_error(tmp_path):
    shp = copy(tmp_path)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(InputError, match="EPSG:4490"):
        import_layer(project(tmp_path), shp, "buildings")


def test_a_web_mercator_table_is_not_taken_for_a_western_zone(cli, tmp_path):
    # x/y of People's Square in EPSG:3857 (13 522 xxx, 3 662 xxx): 8 digits that begin with 13, as a
    # 6° zone-13 easting would, but zone 13 would put the point in Tibet, outside that zone's area
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(121.4737, 31.2304)
    path = tmp_path / "web.csv"
    path.write_text(f"编号,X,Y,发现时间,处置状态\nW1,{x:.2f},{y:.2f},2024-03-05,待核查\n", encoding="utf-8")
    p = project(tmp_path)
    err = refused(cli, p, path, "--as", "ledger")
    assert "web.csv" in err and "看不出" in err and "EPSG:4491" not in err
    code, out, err = cli("import", p.path, path, "--as", "ledger", "--crs", "EPSG:3857")
    assert (code, err) == (0, ""), err
