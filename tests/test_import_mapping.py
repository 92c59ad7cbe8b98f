"""Field mapping and enumerations on import: shapefile-cut names, Chinese and English field names,
road classes in GB 50220 terms or English words, and optional values that map onto nothing."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import CRS
from shapely.geometry import LineString, box

from gisdesk.analysis.check import run_check
from gisdesk.errors import RuleError, ValidationError
from gisdesk.io.importer import import_layer
from gisdesk.layers.kinds import KINDS
from gisdesk.layers.schema import conform
from gisdesk.project import Project
from gisdesk.rules import load_rules, parse_rules
from tests.conftest import DATA, METRIC

XIAN = DATA / "xian_roads_gbk" / "modifiedConn_link.shp"


def project(tmp_path, crs=METRIC):
    return Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(int(crs.split(":")[1])) if crs else None)


def test_a_shapefile_with_cut_and_upper_case_names_lands_in_the_schema_fields(tmp_path):
    source = tmp_path / "楼.shp"
    gpd.GeoDataFrame({"building_u": ["住宅", "商业"], "NAME": ["一号楼", "二号楼"], "FLOORS": [6, 18],
                      "geometry": [box(0, 0, 10, 10), box(20, 0, 30, 10)]}, crs=METRIC).to_file(source, encoding="UTF-8")
    p = project(tmp_path)
    report = import_layer(p, source, "buildings")
    assert report.mapped == {"building_u": "building_use", "NAME": "name", "FLOORS": "floors"}
    assert report.unmapped == {}
    layer = Project.open(p.path).read_layer("buildings")
    assert layer["building_use"].tolist() == ["住宅", "商业"]
    assert layer["name"].tolist() == ["一号楼", "二号楼"]
    assert layer["floors"].tolist() == [6, 18]
    assert not {"building_u", "NAME", "FLOORS"} & set(layer.columns)  # no stray copies beside the fields


def test_cut_names_map_only_onto_the_one_field_they_cut_and_full_names_come_first():
    schema = KINDS["ledger"].schema
    frame = pd.DataFrame({"case_no": ["A"], "found_on": ["2025-01-01"], "status": ["待核查"],
                          "illegal_ar": [12.5], "footprint_": [30.0], "FLOOR_AREA": [60.0], "building_u": ["住宅"],
                          "demolished": [1.0],  # 10 characters, the cut of demolished_m2
                          "illegal": ["x"],  # shorter than 10: a prefix, no cut name
                          })
    mapped = {}
    out = conform(frame, schema, source="s.shp", mapped=mapped)
    assert mapped == {"illegal_ar": "illegal_area_m2", "footprint_": "footprint_m2", "FLOOR_AREA": "floor_area_m2",
                      "building_u": "building_use", "demolished": "demolished_m2"}
    row = out.iloc[0]
    assert (row.illegal_area_m2, row.footprint_m2, row.floor_area_m2, row.building_use, row.demolished_m2) == \
        (12.5, 30.0, 60.0, "住宅", 1.0)
    assert row.illegal == "x"
    # a full name takes its field before a cut one does: the cut column stays as it came
    both = conform(pd.DataFrame({"建设类型": ["商业"], "building_u": ["住宅"], "case_no": ["A"],
                                 "found_on": ["2025-01-01"], "status": ["待核查"]}), schema, source="s")
    assert (both.building_use.iloc[0], both.building_u.iloc[0]) == ("商业", "住宅")


@pytest.mark.filterwarnings("ignore:Could not decode error message")  # GDAL telling, in GBK, that it cut the names
def test_chinese_names_cut_to_10_bytes_in_a_gbk_shapefile_map_onto_their_fields(tmp_path):
    source = tmp_path / "停车.shp"  # GDAL cuts 配建建筑类型 (12 bytes of GBK) to 配建建筑类, 违法建筑面积 to 违法建筑面
    gpd.GeoDataFrame({"普查编号": ["P1"], "类别": ["配建"], "泊位数": [120], "配建建筑类型": ["医院"],
                      "geometry": [box(0, 0, 50, 50)]}, crs=METRIC).to_file(source, encoding="GBK")
    assert "配建建筑类" in gpd.read_file(source).columns
    p = project(tmp_path)
    report = import_layer(p, source, "parking")
    assert report.mapped == {"普查编号": "survey_no", "类别": "category", "泊位数": "spaces", "配建建筑类": "host_use"}
    parking = Project.open(p.path).read_layer(report.layer)
    assert (parking.uid.iloc[0], parking.host_use.iloc[0], parking.spaces.iloc[0]) == ("P1", "医院", 120)
    ledger = tmp_path / "台账.shp"
    gpd.GeoDataFrame({"编号": ["HP-7"], "发现时间": ["2025-01-01"], "状态": ["待核查"], "违法建筑面积": [9.5],
                      "geometry": [box(0, 0, 5, 5)]}, crs=METRIC).to_file(ledger, encoding="GBK")
    report = import_layer(p, ledger, "ledger")
    assert report.mapped == {"编号": "case_no", "发现时间": "found_on", "状态": "status", "违法建筑面": "illegal_area_m2"}
    case = Project.open(p.path).read_layer(report.layer).iloc[0]
    assert (case.uid, case.case_no, case.illegal_area_m2) == ("HP-7", "HP-7", 9.5)  # 编号 gives the uid too


def test_common_chinese_and_english_field_names_are_aliases():
    ledger = conform(pd.DataFrame({"案件编号": ["HP-1"], "发现日期": ["2025-03-07"], "状态": ["已立案"],
                                   "ADDRESS": ["某路 1 号"], "违法面积": [20]}), KINDS["ledger"].schema, source="s")
    row = ledger.iloc[0]
    assert (row.case_no, row.found_on, row.status, row.address, row.illegal_area_m2) == \
        ("HP-1", "2025-03-07", "已立案", "某路 1 号", 20.0)
    red = conform(pd.DataFrame({"RoadClass": ["主干路"], "道路名称": ["长安南路"]}), KINDS["red"].schema, source="s")
    assert (red.road_class.iloc[0], red.name.iloc[0]) == ("trunk", "长安南路")
    for spelling in ("ROAD_CLASS", "道路等级", "等级", "class"):
        out = conform(pd.DataFrame({spelling: ["支路"]}), KINDS["red"].schema, source="s")
        assert out.road_class.iloc[0] == "branch", spelling


def test_no_source_name_means_two_fields():
    """An alias must not shadow another field's code or label, in any letter case."""
    for kind in KINDS.values():
        owners: dict[str, set[str]] = {}
        for f in kind.schema.fields:
            for name in (f.name, f.label_zh):
                owners.setdefault(name.casefold(), set()).add(f.name)
        for alias, name in kind.schema.aliases.items():
            owners.setdefault(alias.casefold(), set()).add(name)
        assert {k: v for k, v in owners.items() if len(v) > 1} == {}, kind.code


def test_each_synonym_stands_for_one_allowed_value():
    for kind in KINDS.values():
        for f in kind.schema.fields:
            meaning: dict[str, set[str]] = {v.casefold(): {v} for v in f.values}
            for synonym, value in f.synonyms:
                assert value in f.values, (kind.code, f.name, synonym)
                meaning.setdefault(synonym.casefold(), set()).add(value)
            assert {k: v for k, v in meaning.items() if len(v) > 1} == {}, (kind.code, f.name)


def red_lines(tmp_path):
    """Five 100 m centre lines of half width 10 m along y = 0, 200 m apart, in a GBK shapefile whose
    道路等级 says 主干路 / arterial / 次干路 / 支路 / 未知; one building north of each."""
    classes = ["主干路", " arterial ", "次干路", "支路", "未知"]
    source = tmp_path / "红线.shp"
    gpd.GeoDataFrame({"RID": [f"R{i + 1}" for i in range(5)], "道路等级": classes, "半宽": [10.0] * 5,
                      "geometry": [LineString([(200 * i, 0), (200 * i + 100, 0)]) for i in range(5)]},
                     crs=METRIC).to_file(source, encoding="GBK")
    # gap from the zone edge (y = 10) to each building: 12, 10, 6, 5, 8 m
    south = [22, 20, 16, 15, 18]
    buildings = tmp_path / "楼.gpkg"
    gpd.GeoDataFrame({"name": [f"B{i + 1}" for i in range(5)],
                      "geometry": [box(200 * i + 40, y, 200 * i + 50, y + 10) for i, y in enumerate(south)]},
                     crs=METRIC).to_file(buildings)
    return source, buildings


def test_road_classes_in_chinese_and_english_are_stored_as_codes_and_unknown_ones_kept_aside(tmp_path):
    source, buildings = red_lines(tmp_path)
    p = project(tmp_path)
    report = import_layer(p, source, "red", id_field="RID")
    assert report.mapped == {"道路等级": "road_class", "半宽": "half_width_m"}
    assert report.unmapped == {"road_class": {"未知": 1}}
    red = Project.open(p.path).read_layer(report.layer).set_index("uid")
    assert red["road_class"].fillna("").tolist() == ["trunk", "trunk", "secondary", "branch", ""]
    assert red["road_class_source"].fillna("").tolist() == ["", "", "", "", "未知"]

    import_layer(p, buildings, "buildings")
    result, _ = run_check(Project.open(p.path), load_rules())
    setbacks = result.conflicts[result.conflicts.relation == "setback"].set_index("control_id")
    # default.toml: trunk 15, secondary 10, branch 7; an unknown class keeps [setback] red = 10
    assert setbacks["required_m"].to_dict() == {"R1": 15.0, "R2": 15.0, "R3": 10.0, "R4": 7.0, "R5": 10.0}
    assert setbacks["shortfall_m"].round(6).to_dict() == {"R1": 3.0, "R2": 5.0, "R3": 4.0, "R4": 2.0, "R5": 2.0}


def test_the_cli_names_the_mapping_and_the_values_kept_aside(cli, tmp_path):
    source, _ = red_lines(tmp_path)
    p = project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "red", "--id-field", "RID")
    assert (code, err) == (0, ""), err
    assert "道路等级 → 道路等级" in out and "字段 道路等级 有 1 个要素" in out  # fields by their names
    assert "未知" in out and "road_class_source" in out


def test_unmapped_required_values_and_workflow_states_still_refuse(tmp_path):
    with pytest.raises(ValidationError, match="已处理"):
        conform(pd.DataFrame({"case_no": ["A"], "found_on": ["2025-01-01"], "status": ["已处理"]}),
                KINDS["ledger"].schema, source="s", unmapped={})
    with pytest.raises(ValidationError, match="改好了"):
        conform(pd.DataFrame({"estate_no": ["E"], "name": ["小区"], "status": ["改好了"]}),
                KINDS["old_estates"].schema, source="s", unmapped={})
    # an optional ledger enum: synonyms accepted, the rest kept aside and counted
    unmapped = {}
    out = conform(pd.DataFrame({"case_no": ["A", "B", "C"], "found_on": ["2025-01-01"] * 3, "status": ["待核查"] * 3,
                                "发现方式": ["卫片", "无人机", "无人机"], "结构": ["砖混结构", "钢混", None]}),
                  KINDS["ledger"].schema, source="s", unmapped=unmapped)
    assert out["source"].tolist() == ["卫片图斑", None, None]
    assert out["source_source"].tolist() == [None, "无人机", "无人机"]
    assert out["structure"].tolist() == ["砖混", "钢混", None]
    assert unmapped == {"source": {"无人机": 2}}
    # violation codes (several to a value) also by their Chinese names; an unknown one keeps the value aside
    unmapped = {}
    out = conform(pd.DataFrame({"case_no": ["A", "B", "C"], "found_on": ["2025-01-01"] * 3, "status": ["待核查"] * 3,
                                "违法类型": ["未批先建、超高", "wpxj", "CG，乱搭"]}),
                  KINDS["ledger"].schema, source="s", unmapped=unmapped)
    assert out["violation"].tolist() == ["WPXJ,CG", "WPXJ", None]
    assert (out["violation_source"].tolist(), unmapped) == ([None, None, "CG，乱搭"], {"violation": {"CG，乱搭": 1}})
    # without `unmapped` (an edit in the attribute table) an unknown value is still refused
    with pytest.raises(ValidationError, match="未知"):
        conform(pd.DataFrame({"road_class": ["未知"]}), KINDS["red"].schema, source="s")


def test_a_rule_file_may_name_road_classes_in_chinese():
    text = load_rules().text.replace("trunk = 15.0", '"主干路" = 20').replace("branch = 7.0", "Local = 6")
    rules = parse_rules(text, source="city.toml")
    assert rules.setback_by_road_class == {"expressway": 25.0, "trunk": 20.0, "secondary": 10.0, "branch": 6.0}
    with pytest.raises(RuleError, match="主干路.*trunk|trunk.*主干路"):
        parse_rules(text.replace('"主干路" = 20', '"主干路" = 20\ntrunk = 15'), source="city.toml")
    with pytest.raises(RuleError, match="高速"):
        parse_rules(text.replace('"主干路" = 20', '"高速" = 20'), source="city.toml")


def test_a_rule_file_may_leave_chinese_keys_unquoted():
    """`主干路 = 20` as a planner writes it: a bare key in Chinese (TOML 1.1; Python reads TOML 1.0)."""
    text = load_rules().text.replace("trunk = 15.0", "主干路 = 20  # GB 50220").replace("branch = 7.0", "  支路=6")
    assert parse_rules(text, source="city.toml").setback_by_road_class == \
        {"expressway": 25.0, "trunk": 20.0, "secondary": 10.0, "branch": 6.0}
    with pytest.raises(RuleError, match="第 21 行"):  # a real error after it is still named where it is
        parse_rules(text.replace("主干路 = 20", "主干路 = 2 0"), source="city.toml")
    with pytest.raises(RuleError, match="第 2 行"):
        parse_rules("[setback]\n红 线 = 1\n", source="city.toml")  # no key quoting makes this TOML


def test_a_rule_file_with_chinese_classes_is_used_by_the_check(tmp_path):
    source, buildings = red_lines(tmp_path)
    p = project(tmp_path)
    import_layer(p, source, "red", id_field="RID")
    import_layer(p, buildings, "buildings")
    rules = parse_rules(load_rules().text.replace("trunk = 15.0", '"主干路" = 20'), source="city.toml")
    result, _ = run_check(Project.open(p.path), rules)
    setbacks = result.conflicts[result.conflicts.relation == "setback"].set_index("control_id")
    assert setbacks.loc[["R1", "R2"], "shortfall_m"].round(6).tolist() == [8.0, 10.0]  # 20 − 12, 20 − 10


def test_the_xian_gbk_road_network_imports_with_its_road_names(tmp_path):
    p = project(tmp_path, crs=None)
    report = import_layer(p, XIAN, "red", id_field="link_id", half_width=10)
    assert report.imported == 15 and report.mapped == {"road_name": "name"}
    red = Project.open(p.path).read_layer(report.layer).set_index("uid")
    assert red.loc["217542", "name"] == "雁翔路" and red.loc["17502", "name"] == "G3002西安绕城高速"
    assert set(red["name"]) == {"雁翔路", "科技八路", "南三环", "G3002西安绕城高速", "无名道路"}
    assert red["road_class"].isna().all()  # the file has no class field: the red setback of the rule file applies
    assert red.loc["217542", "length"] == pytest.approx(137.594657, abs=1e-6)  # other fields kept as they are


def test_the_attribute_table_takes_synonyms_and_still_refuses_what_maps_onto_nothing():
    from gisdesk.ui.attribute_table import convert_value

    road_class = KINDS["red"].schema["road_class"]
    assert convert_value(road_class, " 主干路 ", source="s", uid="R1") == "trunk"
    with pytest.raises(ValidationError, match="未知"):
        convert_value(road_class, "未知", source="s", uid="R1")


def test_a_million_enum_values_are_looked_up_once_each():
    column = pd.Series(["主干路", "arterial", "未知", None, "次干路"] * 200_000)
    unmapped = {}
    out = conform(pd.DataFrame({"道路等级": column}), KINDS["red"].schema, source="s", unmapped=unmapped)
    assert out["road_class"].value_counts(dropna=False).to_dict() == {"trunk": 400_000, "secondary": 200_000,
                                                                     None: 400_000}
    assert unmapped == {"road_class": {"未知": 200_000}}
    assert (out["road_class_source"] == "未知").sum() == 200_000
    statuses = pd.DataFrame({"case_no": [f"C{i}" for i in range(30_000)], "found_on": "2025-01-01",
                             "状态": ["待核查", "已立案", "已处理"] * 10_000})
    with pytest.raises(ValidationError, match="第 3 个要素.*已处理.*另有 9999 处问题"):
        conform(statuses, KINDS["ledger"].schema, source="s")
