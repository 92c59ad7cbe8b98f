"""The field mapping the user confirms (CLI --map, the wizard's table): `field_map` of import_layer
and conform sends a column to another field, keeps one aside, and refuses a map that cannot be."""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import CRS
from shapely.geometry import box

from gisdesk.errors import InputError
from gisdesk.io.importer import import_layer
from gisdesk.layers.kinds import KINDS
from gisdesk.layers.schema import conform, field_renames
from gisdesk.project import Project
from tests.conftest import DATA, METRIC

SHANGHAI = DATA / "shanghai_districts_gbk" / "区县界_area.shp"  # NAME (GBK, no .cpg), PYNAME, ADMINCODE


def project(tmp_path):
    return Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))


def test_a_mapping_sends_columns_to_other_fields(tmp_path):
    p = project(tmp_path)
    report = import_layer(p, SHANGHAI, "buildings", keep_multipart=True,
                          field_map={"PYNAME": "name", "NAME": "address"})
    assert report.mapped == {"PYNAME": "name", "NAME": "address"}
    layer = Project.open(p.path).read_layer("buildings").sort_values("address")
    assert len(layer) == 17
    row = layer[layer["address"] == "黄浦区"].iloc[0]
    assert row["name"] == "hpq"  # the pinyin column, not the Chinese name found by name
    assert "NAME" not in layer.columns and "PYNAME" not in layer.columns


def test_without_a_mapping_the_name_field_is_found_by_name(tmp_path):
    p = project(tmp_path)
    report = import_layer(p, SHANGHAI, "buildings", keep_multipart=True)
    assert report.mapped == {"NAME": "name"}
    assert "黄浦区" in Project.open(p.path).read_layer("buildings")["name"].tolist()


def test_a_column_kept_aside_gets_its_own_name_and_the_field_stays_empty(tmp_path):
    p = project(tmp_path)
    report = import_layer(p, SHANGHAI, "buildings", keep_multipart=True, field_map={"NAME": ""})
    assert report.mapped == {"NAME": "NAME_extra"}  # said in the report
    layer = Project.open(p.path).read_layer("buildings")
    assert layer["name"].isna().all()
    assert "黄浦区" in layer["NAME_extra"].tolist()  # NAME itself would clash with name (GeoPackage ignores case)


def test_a_wrong_target_field_is_refused_naming_it_and_the_fields(tmp_path):
    p = project(tmp_path)
    before = p.path.read_bytes()
    with pytest.raises(InputError) as caught:
        import_layer(p, SHANGHAI, "buildings", field_map={"PYNAME": "nmae"})
    message = str(caught.value)
    assert "PYNAME=nmae" in message and "nmae 不是该类图层的字段" in message
    assert "name, building_use, floors" in message
    assert p.path.read_bytes() == before


def test_a_missing_source_column_and_one_field_for_two_columns_are_refused():
    schema = KINDS["buildings"].schema
    columns = ["NAME", "PYNAME", "geometry"]
    with pytest.raises(InputError, match="源字段 名称 不存在；源字段有：NAME, PYNAME"):
        field_renames(columns, schema, {"名称": "name"}, source="x.shp")
    with pytest.raises(InputError, match=r"多个源字段（NAME, PYNAME）都对应到 name"):
        field_renames(columns, schema, {"NAME": "name", "PYNAME": "name"}, source="x.shp")


def test_conform_follows_the_map_over_the_names():
    frame = gpd.GeoDataFrame({"名称": ["甲"], "地址": ["乙路 1 号"], "name": ["x"], "geometry": [box(0, 0, 1, 1)]},
                             crs=METRIC)
    mapped = {}
    out = conform(frame, KINDS["buildings"].schema, source="t", mapped=mapped, field_map={"地址": "name"})
    assert out["name"].tolist() == ["乙路 1 号"]
    assert out["name_extra"].tolist() == ["x"]  # the column that carried the field's name exactly, kept aside
    assert out["名称"].tolist() == ["甲"]  # its automatic field was taken by the map: kept as it is
    assert out["address"].isna().all()
    assert mapped == {"地址": "name", "name": "name_extra"}


def test_the_cli_takes_map_and_refuses_a_bad_one_in_one_line(tmp_path, cli):
    p = project(tmp_path)
    before = p.path.read_bytes()
    code, out, err = cli("import", p.path, SHANGHAI, "--as", "buildings", "--map", "PYNAME=nmae")
    assert code == 2 and err.count("\n") == 1 and "nmae" in err
    code, out, err = cli("import", p.path, SHANGHAI, "--as", "buildings", "--map", "PYNAME")
    assert code == 2 and "--map" in err
    assert p.path.read_bytes() == before
    code, out, err = cli("import", p.path, SHANGHAI, "--as", "buildings", "--keep-multipart",
                         "--map", "PYNAME=name", "--map", "NAME=address")
    assert code == 0, err
    assert "PYNAME → 名称, NAME → 地址" in out
    layer = Project.open(p.path).read_layer("buildings")
    assert sorted(layer["name"])[:3] == ["bsq", "cmx", "cnq"]
