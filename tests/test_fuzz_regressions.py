"""Inputs the fuzz run (fuzz/, `bash scripts/fuzz.sh`) found ending in 内部错误, beyond the refusals of
tests/data/bad/fuzz_* (test_bad_sources.py): what they should give instead."""

from __future__ import annotations

import hashlib

from tests.conftest import DATA

BAD = DATA / "bad"


def test_a_gbk_geojson_is_refused_naming_the_field_then_imported_with_its_encoding(cli, tmp_path):
    project = tmp_path / "p.gpkg"
    assert cli("new", project, "--crs", "EPSG:4549")[0] == 0
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    code, _, err = cli("import", project, BAD / "fuzz_gbk.geojson", "--as", "buildings")
    assert code == 2 and err.count("\n") == 1
    assert "fuzz_gbk.geojson：字段 name 的文字不是 UTF-8 编码：请用 --encoding 指定" in err, err
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before
    code, out, err = cli("import", project, BAD / "fuzz_gbk.geojson", "--as", "buildings", "--encoding", "GBK")
    assert code == 0, err
    from gisdesk.project import Project

    project = Project.open(project)
    names = sorted(project.read_layer(project.layers()[0].id)["name"])
    assert names == [f"违法建设{i}号" for i in range(1, 6)]


def test_a_wrong_cached_feature_count_is_refused_without_listing_every_record(cli, tmp_path):
    project = tmp_path / "p.gpkg"
    cli("new", project, "--crs", "EPSG:4549")
    code, _, err = cli("import", project, BAD / "fuzz_feature_count_wrong.gpkg", "--as", "buildings")
    assert code == 2 and "第 11 条记录起无法读取（读到 10 条，文件记录数为 808669066）" in err, err
    code, out, err = cli("import", project, BAD / "fuzz_feature_count_wrong.gpkg", "--as", "buildings", "--skip-bad")
    assert code == 0 and "已导入 10 个要素" in out, (out, err)


def test_a_dbf_whose_fields_have_no_names_is_read_not_an_attribute_error(cli, tmp_path):
    """Fields all named "" (a .dbf header shifted by one byte, found by the fuzz run): GDAL gives columns
    of one name, which the check for text that is not UTF-8 took for a frame and the import refused as
    duplicates (ValueError); they are named field_1, field_2 now."""
    import struct

    from tests.data.bad.make_bad import good

    good().to_file(tmp_path / "楼.shp", driver="ESRI Shapefile", encoding="UTF-8")
    dbf = tmp_path / "楼.dbf"
    raw = bytearray(dbf.read_bytes())
    header_length = struct.unpack("<H", raw[8:10])[0]
    for at in range(32, header_length - 1, 32):
        raw[at:at + 11] = b"\0" * 11
    dbf.write_bytes(bytes(raw))
    from gisdesk.io.sources import read_vector

    frame = read_vector(tmp_path / "楼.shp")
    assert list(frame.columns) == ["field_1", "field_2", "geometry"]
    assert list(frame["field_1"]) == ["楼1", "楼2", "楼3", "楼4", "楼5"] and [str(v) for v in frame["field_2"]] == list("12345")
    project = tmp_path / "p.gpkg"
    cli("new", project, "--crs", "EPSG:4549")
    code, out, err = cli("import", project, tmp_path / "楼.shp", "--as", "buildings")
    assert (code, err) == (0, ""), err
    assert "已导入 5 个要素" in out
