"""Chinese shapefiles as they arrive: GBK text with or without a code page, and no .cpg."""

from __future__ import annotations

import shutil

import pytest
from pyproj import CRS

from gisdesk.io.sources import shapefile_encoding
from gisdesk.project import Project
from tests.conftest import DATA

SHANGHAI = DATA / "shanghai_districts_gbk"
DISTRICTS = {"宝山区", "黄浦区", "浦东新区", "闵行区", "崇明县"}  # some of the 17, as the file's NAME field spells them


@pytest.fixture
def gbk_without_code_page(tmp_path):
    """The real file with its DBF's code page byte (LDID 29) set to 0: GBK text and nothing saying so."""
    folder = tmp_path / "src"
    shutil.copytree(SHANGHAI, folder)
    dbf = folder / "区县界_area.dbf"
    data = bytearray(dbf.read_bytes())
    assert data[29] == 0x4D  # code page 936 in the real file
    data[29] = 0
    dbf.write_bytes(bytes(data))
    return folder / "区县界_area.shp"


def project(tmp_path):
    return Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4551))  # CGCS2000 3° GK, CM 121°E


def test_gbk_without_a_code_page_is_detected_and_imported_as_chinese(cli, tmp_path, gbk_without_code_page):
    assert shapefile_encoding(gbk_without_code_page) == "GB18030"
    p = project(tmp_path)
    code, out, err = cli("import", p.path, gbk_without_code_page, "--as", "buildings")
    assert (code, err) == (0, ""), err
    assert "GB18030" in out
    names = set(Project.open(p.path).read_layer("buildings")["name"])  # NAME landed in name, in Chinese
    assert DISTRICTS <= names and len(names) == 17


def test_a_code_page_in_the_dbf_is_left_to_gdal(cli, tmp_path):
    source = SHANGHAI / "区县界_area.shp"
    assert shapefile_encoding(source) is None
    p = project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "buildings")
    assert code == 0, err
    assert DISTRICTS <= set(Project.open(p.path).read_layer("buildings")["name"])


def test_encoding_given_by_the_user_wins_and_a_wrong_name_is_a_clear_error(cli, tmp_path, gbk_without_code_page):
    p = project(tmp_path)
    code, _, err = cli("import", p.path, gbk_without_code_page, "--as", "buildings", "--encoding", "no-such-code")
    assert code == 2 and "no-such-code" in err
    code, out, err = cli("import", p.path, gbk_without_code_page, "--as", "buildings", "--encoding", "GBK")
    assert code == 0, err
    assert DISTRICTS <= set(Project.open(p.path).read_layer("buildings")["name"])
