"""Chinese all the way: CRS names, geometry types, field headers with units, violation codes and
kind codes shown by their names; English on request."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyproj import CRS

from gisdesk import i18n
from gisdesk.crs import crs_label


@pytest.fixture
def zh():
    i18n.set_language("zh")
    yield
    i18n.set_language(None)


@pytest.fixture
def en():
    i18n.set_language("en")
    yield
    i18n.set_language(None)


@pytest.mark.parametrize("code, label", [
    (4549, "EPSG:4549 CGCS2000 3度带 高斯-克吕格 中央经线 120°E"),
    (4552, "EPSG:4552 CGCS2000 3度带 高斯-克吕格 中央经线 129°E"),
    (4528, "EPSG:4528 CGCS2000 3度带 高斯-克吕格 第 40 带（东坐标含带号） 中央经线 120°E"),
    (4502, "EPSG:4502 CGCS2000 6度带 高斯-克吕格 中央经线 75°E"),
    (4499, "EPSG:4499 CGCS2000 6度带 高斯-克吕格 第 21 带（东坐标含带号） 中央经线 123°E"),
    (4490, "EPSG:4490 CGCS2000 经纬度"),
    (4326, "EPSG:4326 WGS 84 经纬度"),
    (3857, "EPSG:3857 WGS 84 Web 墨卡托"),
    (32651, "EPSG:32651 WGS 84 UTM 第 51 带（北半球）"),
    (2435, "EPSG:2435 北京 1954 3度带 高斯-克吕格 中央经线 114°E"),
    (21480, "EPSG:21480 北京 1954 6度带 高斯-克吕格 中央经线 117°E"),
    (2383, "EPSG:2383 西安 1980 3度带 高斯-克吕格 中央经线 114°E"),
    (4214, "EPSG:4214 北京 1954 经纬度"),
    (4610, "EPSG:4610 西安 1980 经纬度"),
])
def test_crs_names_in_chinese(zh, code, label):
    assert crs_label(CRS.from_epsg(code)) == label


def test_crs_without_epsg_and_others(zh):
    custom = CRS.from_proj4("+proj=tmerc +lon_0=121.5 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs")
    assert crs_label(custom) == "高斯-克吕格 中央经线 121.5°E"  # a local CM: no EPSG code, no zone width
    lcc = CRS.from_proj4("+proj=lcc +lat_1=25 +lat_2=47 +lon_0=105 +ellps=GRS80 +units=m +no_defs")
    assert crs_label(lcc) == "兰伯特等角圆锥投影"
    assert crs_label(CRS.from_proj4("+proj=longlat +ellps=GRS80 +no_defs")) == "未命名基准的经纬度"
    assert crs_label(CRS.from_epsg(4283)) == "EPSG:4283 GDA94（经纬度）"
    # any other keeps its own name and says what it is
    assert crs_label(CRS.from_epsg(27700)) == "EPSG:27700 OSGB36 / British National Grid（横轴墨卡托 中央经线 2°W）"
    assert crs_label(CRS.from_epsg(3035)) == "EPSG:3035 ETRS89-extended / LAEA Europe（投影坐标系）"


def test_crs_names_in_english_on_request(en):
    assert crs_label(CRS.from_epsg(4549)) == "EPSG:4549 CGCS2000 / 3-degree Gauss-Kruger CM 120E"
    assert crs_label(CRS.from_epsg(4490)) == "EPSG:4490 China Geodetic Coordinate System 2000"


# --- geometry types, headers with units, coded values, kinds by name --------------------------

def test_geometry_types_by_their_names(zh):
    import pandas as pd

    from gisdesk.layers.names import geometry_summary

    counts = pd.Series({"Polygon": 160, "Point": 10, "MultiPolygon": 1_234})
    assert geometry_summary(counts) == "面 (160)，点 (10)，多面 (1,234)"
    i18n.set_language("en")
    assert geometry_summary(counts) == "polygon (160), point (10), multipolygon (1,234)"


def test_field_headers_carry_their_units(zh):
    from gisdesk.layers.kinds import KINDS
    from gisdesk.layers.names import field_header, field_label

    ledger = KINDS["ledger"].schema
    assert field_header(ledger["illegal_area_m2"]) == "违建面积（m²）"
    assert field_header(ledger["height_m"]) == "高度（m）"
    assert field_header(ledger["status"]) == "处置状态"
    assert field_header(KINDS["old_estates"].schema["investment_wan"]) == "投资（万元）"  # the unit in the label already
    assert field_label("old_estates", "estate_no") == "小区编号"
    assert field_label("old_estates", "my_column") == "my_column"  # a column of the user's own


def test_coded_values_and_kinds_by_their_names(zh):
    from gisdesk.layers.kinds import KINDS
    from gisdesk.layers.names import kind_name, value_name

    violation = KINDS["ledger"].schema["violation"]
    assert value_name(violation, "WPXJ") == "未批先建"
    assert value_name(violation, "WPXJ,ZHX") == "未批先建、占用黄线"
    assert value_name(violation, "WPXJ,XYZ") == "未批先建、XYZ"  # an unknown code as it is
    assert value_name(KINDS["red"].schema["road_class"], "expressway") == "快速路"
    assert value_name(KINDS["red"].schema["side"], "left") == "左侧"
    assert value_name(KINDS["ledger"].schema["status"], "已立案") == "已立案"
    assert kind_name("yellow") == "城市黄线" and kind_name("old_estates") == "老旧小区"


def test_problems_name_the_field_by_its_chinese_name(zh):
    import pandas as pd

    from gisdesk.errors import ValidationError
    from gisdesk.layers.kinds import KINDS
    from gisdesk.layers.schema import conform

    frame = pd.DataFrame({"estate_no": ["E1"], "name": ["某小区"], "status": ["已完工"], "built_year": ["很久以前"]})
    with pytest.raises(ValidationError) as caught:
        conform(frame, KINDS["old_estates"].schema, source="estates.csv", uids=["E1"])
    assert "建成年份" in str(caught.value) and "built_year" not in str(caught.value)


# --- the label field ----------------------------------------------------------------------------

XIAN = Path(__file__).resolve().parent / "data" / "xian_roads_gbk" / "modifiedConn_link.shp"


def test_the_label_field_is_chosen_from_the_layers_fields():
    import geopandas as gpd

    from gisdesk.layers.styles import label_field_for

    roads = gpd.read_file(XIAN)  # real Xi'an links: road_name, no name
    assert "name" not in roads.columns and roads["road_name"].notna().any()
    assert label_field_for(roads, "name") == "road_name"
    roads["名称"] = "某路"
    assert label_field_for(roads, "name") == "名称"  # before road_name
    roads["name"] = None
    assert label_field_for(roads, "name") == "名称"  # an empty name column is no label
    roads["name"] = "Yanxiang Rd"
    assert label_field_for(roads, "name") == "name"  # the kind's own field first
    bare = roads[["link_id", "geometry"]]
    assert label_field_for(bare, "name") is None
    upper = roads[["link_id", "geometry"]].assign(MC=["甲"] * len(roads))
    assert label_field_for(upper, "name") == "MC"


def test_a_road_layer_with_road_name_is_labelled_when_first_shown(tmp_path):
    from gisdesk.io.importer import import_layer
    from gisdesk.layers.document import MapDocument
    from gisdesk.layers.styles import default_style
    from gisdesk.project import Project

    project = Project.create(tmp_path / "xian.gpkg")
    # the road names kept as the user's own column, not read as the red line's name
    import_layer(project, XIAN, "red", half_width=10.0, field_map={"road_name": ""})
    assert "road_name" in project.read_layer("red_lines").columns
    document = MapDocument.open(Project.open(tmp_path / "xian.gpkg"), default_style=default_style)
    assert document.layer("red").style["label_field"] == "road_name"
    assert default_style("red")["label_field"] == "name"  # the kind's default itself is unchanged


# --- the command line's tables for people ---------------------------------------------------

def test_totals_and_indicators_print_names_not_codes(cli, tmp_path):
    import shutil

    from gisdesk.cli import DEMO_PROJECT

    project = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO_PROJECT, project)
    code, _, err = cli("check", project, "--out", tmp_path / "out")
    assert code == 0, err
    code, out, err = cli("totals", project)
    assert code == 0, err
    header = out.splitlines()[0].split()
    assert header[:5] == ["图层", "分组", "分组值", "控制线", "要素数"]
    body = out.split("\n", 1)[1]
    assert "道路红线" in body and "城市紫线" in body and "合计" in body and "全部控制线" in body
    for code_word in ("buildings", "district", "red", "purple", "encroach_count", "*"):
        assert code_word not in body.split(), code_word  # as a cell of its own
    assert "CGCS2000 3度带 高斯-克吕格" in out
    # the CSV keeps its codes
    csv = (tmp_path / "out" / "totals.csv").read_text(encoding="utf-8")
    assert csv.startswith("subject_layer,group_by,group,control_kind") and ",red," in csv
    code, out, err = cli("indicators", project)
    assert code == 0, err
    assert out.split()[:6] == ["指标", "值", "单位", "分子", "分母", "目标"]
    assert "比率" in out and "ratio" not in out and "buildings" not in out


def test_an_import_source_keeps_its_crs_by_code_and_shows_it_in_chinese(zh, tmp_path):
    from gisdesk.io.importer import import_layer
    from gisdesk.project import Project

    project = Project.create(tmp_path / "xian.gpkg")
    report = import_layer(project, XIAN, "red", half_width=10.0)
    assert report.source_crs == "EPSG:4326 WGS 84 经纬度"  # the report speaks the language
    stored = project.layers()[0].sources[0]["source_crs"]
    assert stored == "EPSG:4326 WGS 84"  # the project keeps a name that reads the same in every language


def test_a_refused_import_says_what_it_skipped_in_words(cli, tmp_path):
    estates = tmp_path / "estates.csv"  # points, where old estates are polygons only
    estates.write_text("estate_no,name,status,x,y\nE1,某小区,已完工,121.49,31.23\n", encoding="utf-8")
    project = tmp_path / "p.gpkg"
    assert cli("new", project, "--crs", "EPSG:4550")[0] == 0
    code, _, err = cli("import", project, estates, "--as", "old_estates")
    assert code == 2 and "没有可作为老旧小区导入的要素（点（该类型不接受）：1）" in err, err
    assert "point" not in err
