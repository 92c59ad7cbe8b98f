"""Real-file cases of issue 7 that no other test held: the Shenzhen districts shapefile without a .prj
(refused with a guess, imported once the CRS is given) and a shapefile with a Chinese file name in a
folder whose path is Chinese too. (The others: GBK with and without a code page and NAME in
test_import_encoding.py, water.shp in test_bad_sources.py, Helsinki and Nanshan in
test_import_geometry.py, Taipei in test_realdata.py and test_import_formats.py, Xi'an in
test_import_mapping.py, zipped GBK names in test_import_formats.py.)"""

from __future__ import annotations

import hashlib
import shutil

import pyogrio
import pytest
from pyproj import Geod

from gisdesk.project import Project
from tests.conftest import DATA

SHENZHEN = DATA / "shenzhen_districts_noprj" / "sz.shp"
SHANGHAI = DATA / "shanghai_districts_gbk"


def test_the_shenzhen_districts_without_a_prj_are_refused_with_a_guess_then_imported(cli, tmp_path):
    assert not SHENZHEN.with_suffix(".prj").exists()
    project = tmp_path / "p.gpkg"
    assert cli("new", project)[0] == 0
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    code, _, err = cli("import", project, SHENZHEN, "--as", "buildings")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "sz.shp 没有坐标系" in err and "--crs EPSG:4490" in err, err
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before
    code, out, err = cli("import", project, SHENZHEN, "--as", "buildings", "--crs", "EPSG:4490", "--map", "qh=name",
                         "--keep-multipart")
    assert (code, err) == (0, ""), err
    assert "已导入 10 个要素" in out and "qh → 名称" in out, out
    p = Project.open(project)
    assert p.crs.to_epsg() == 4547  # CGCS2000 3° GK CM 114°E: Shenzhen's zone
    districts = p.read_layer("buildings").set_index("name")
    assert set(districts.index) == {"罗湖", "福田", "盐田", "宝安", "光明", "坪山", "龙华", "南山", "大鹏", "龙岗"}
    # 罗湖区 is 78.75 km² by the district's own figure; the outline gives 78.98 km²
    assert districts.loc["罗湖"].geometry.area / 1e6 == pytest.approx(78.75, rel=0.01)
    source = pyogrio.read_dataframe(SHENZHEN).set_index("qh")
    geod = Geod(ellps="GRS80")
    for name in ("南山", "福田", "大鹏"):  # each area as the geodesic area of the source outline (GK: < 0.02 %)
        expected = abs(geod.geometry_area_perimeter(source.loc[name].geometry)[0])
        assert districts.loc[name].geometry.area == pytest.approx(expected, rel=2e-4)


def test_a_chinese_file_name_in_a_chinese_path(cli, tmp_path):
    folder = tmp_path / "上海市规划资源局" / "行政区划（2015）"
    shutil.copytree(SHANGHAI, folder)
    source = folder / "区县界_area.shp"
    project = folder / "上海 项目.gpkg"
    assert cli("new", project)[0] == 0
    code, out, err = cli("import", project, source, "--as", "buildings", "--keep-multipart")
    assert (code, err) == (0, ""), err
    assert "已导入 17 个要素" in out and "NAME → 名称" in out, out
    names = set(Project.open(project).read_layer("buildings")["name"])
    assert {"宝山区", "黄浦区", "浦东新区", "闵行区", "崇明县"} <= names and len(names) == 17
    code, _, err = cli("import", project, folder / "没有这个文件.shp", "--as", "buildings")
    assert code == 2 and "没有这个文件.shp" in err and len(err.strip().splitlines()) == 1, err
