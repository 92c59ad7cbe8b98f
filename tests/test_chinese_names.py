"""Chinese all the way: CRS names, geometry types, field headers with units, violation codes and
kind codes shown by their names; English on request."""

from __future__ import annotations

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
    # any other keeps its own name and says what it is
    assert crs_label(CRS.from_epsg(27700)) == "EPSG:27700 OSGB36 / British National Grid（横轴墨卡托 中央经线 2°W）"
    assert crs_label(CRS.from_epsg(3035)) == "EPSG:3035 ETRS89-extended / LAEA Europe（投影坐标系）"


def test_crs_names_in_english_on_request(en):
    assert crs_label(CRS.from_epsg(4549)) == "EPSG:4549 CGCS2000 / 3-degree Gauss-Kruger CM 120E"
    assert crs_label(CRS.from_epsg(4490)) == "EPSG:4490 China Geodetic Coordinate System 2000"
