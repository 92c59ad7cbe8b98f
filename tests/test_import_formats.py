"""Formats as they arrive (issue 7): KML/KMZ folders, File GDB folders and zips, zipped shapefiles
(one, several, in a folder, a GBK file name), OpenStreetMap extracts and multi-layer GeoPackages
whose layers are listed to choose from. Data: tests/data/formats (see tests/data/README.md)."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import CRS, Geod

from gisdesk.io.importer import import_layer
from gisdesk.io.sources import layer_summary, osm_layer_for, read_vector, shapefile_encoding
from gisdesk.layers.kinds import kind_of
from gisdesk.project import Project
from tests.conftest import DATA

FORMATS = DATA / "formats"
SHANGHAI = DATA / "shanghai_districts_gbk"
GEOD = Geod(ellps="GRS80")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(cli, project: Path, source: Path, *args) -> str:
    """`gisdesk import` refuses `source`: exit 2, one line naming it, the project byte-identical."""
    before, listing = _digest(project), sorted(os.listdir(project.parent))
    code, out, err = cli("import", project, source, *args)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and source.name in lines[0] and "内部错误" not in err, err
    assert _digest(project) == before and sorted(os.listdir(project.parent)) == listing
    return lines[0]


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "proj"
    folder.mkdir()
    return Project.create(folder / "p.gpkg").path


def _geodesic_area(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


# --- KML and KMZ ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["nanshan_sample.kml", "nanshan_sample.kmz"])
def test_kml_folders_are_layers_listed_with_their_counts_and_types(cli, project, name):
    line = _refused(cli, project, FORMATS / name, "--as", "ledger")
    assert "2 个图层" in line and "违建台账（3 个要素，点+面）" in line and "建筑（2 个要素，面）" in line, line
    assert "--layer" in line
    cli("--lang", "en", "new", project.parent / "unused.gpkg")  # nothing; the language is per command
    code, _, err = cli("--lang", "en", "import", project, FORMATS / name, "--as", "ledger")
    assert code == 2 and "违建台账 (3 features, Point+Polygon)" in err and "建筑 (2 features, Polygon)" in err, err


def test_a_kmz_ledger_folder_gives_cases_from_its_extended_data(cli, project):
    """The placemarks' ExtendedData 编号/状态/发现时间/违建面积 map onto the ledger (LIBKML would turn the
    Chinese field names into "______" and lose one of 编号/状态); description becomes notes; the KML's
    presentation fields are not imported; the point case (address only) is kept as a point."""
    code, out, err = cli("import", project, FORMATS / "nanshan_sample.kmz", "--as", "ledger", "--layer", "违建台账")
    assert (code, err) == (0, ""), err
    assert "已导入 3 个要素" in out and "编号 → 编号" in out and "description → 备注" in out, out
    ledger = Project.open(project).read_layer("ledger").set_index("uid")
    assert list(ledger.index) == ["NS2025-0001", "NS2025-0002", "NS2025-0003"]
    assert list(ledger["status"]) == ["待核查", "已立案", "待核查"]
    assert list(ledger["found_on"]) == ["2025-03-02", "2025-03-09", "2025-04-01"]
    assert ledger.loc["NS2025-0001", "notes"] == "南山区蛇口街道 铁皮棚"
    assert ledger.loc["NS2025-0001", "illegal_area_m2"] == 210.5 and np.isnan(ledger.loc["NS2025-0003", "illegal_area_m2"])
    assert not {"tessellate", "extrude", "visibility", "altitudeMode", "drawOrder", "icon"} & set(ledger.columns)
    assert ledger.loc["NS2025-0003"].geometry.geom_type == "Point"
    # 0.0002° × 0.0001° at 22.49°N: 20.57 m × 11.08 m ≈ 227.9 m²; against the geodesic area of the source ring
    source = pyogrio.read_dataframe(FORMATS / "nanshan_sample.kml", layer="违建台账").geometry
    for i, uid in enumerate(["NS2025-0001", "NS2025-0002"]):
        expected = _geodesic_area(shapely.force_2d(source.iloc[i]))
        assert ledger.loc[uid].geometry.area == pytest.approx(expected, rel=5e-4)
    assert ledger.loc["NS2025-0001"].geometry.area == pytest.approx(227.9, abs=0.5)


def test_a_kml_buildings_folder_in_a_chinese_path(cli, tmp_path):
    folder = tmp_path / "南山区" / "建筑普查"
    folder.mkdir(parents=True)
    source = folder / "蛇口样例.kml"
    shutil.copyfile(FORMATS / "nanshan_sample.kml", source)
    project = folder / "项目.gpkg"
    assert cli("new", project)[0] == 0
    code, out, err = cli("import", project, source, "--as", "buildings", "--layer", "建筑")
    assert (code, err) == (0, ""), err
    buildings = Project.open(project).read_layer("buildings")
    assert list(buildings["name"]) == ["海上世界广场", "蛇口邮轮中心"]  # the placemark names, mapped onto name
    assert list(buildings["description"]) == ["商业综合体", "客运码头"]  # kept as it comes: buildings have no notes
    assert Project.open(project).crs.to_epsg() == 4547  # CGCS2000 3° GK CM 114°E, from the data's centre


# --- File GDB ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["taipei.gdb", "taipei.gdb.zip"])
def test_a_file_gdb_folder_or_zip_lists_its_layers_then_imports_one(cli, project, name):
    source = FORMATS / name
    line = _refused(cli, project, source, "--as", "buildings")
    assert "footprints（50 个要素，多面）" in line and "entrances（5 个要素，" in line, line
    code, out, err = cli("import", project, source, "--as", "buildings", "--layer", "footprints")
    assert (code, err) == (0, ""), err
    assert "已导入 50 个要素" in out and "修复无效几何 6 个" in out and "height → 高度" in out, out
    buildings = Project.open(project).read_layer("buildings")
    assert len(buildings) == 50 and buildings.geometry.is_valid.all()
    original = pyogrio.read_dataframe(DATA / "taipei_buildings.geojson")
    assert sorted(buildings["height_m"]) == sorted(original["height"])
    valid = shapely.is_valid(original.geometry.values)
    assert valid.sum() == 44
    # areas kept: against the geodesic areas of the source footprints (made valid where they are not);
    # 3° GK's scale error at 121.5°E is below 0.06 % of an area
    expected = sorted(_geodesic_area(g) for g in shapely.make_valid(original.geometry.values))
    got = sorted(buildings.geometry.area)
    assert np.allclose(got, expected, rtol=1e-3)
    assert sum(got) == pytest.approx(sum(expected), rel=1e-3)
    assert got[-1] == pytest.approx(expected[-1], rel=1e-3) and got[-1] > 1000  # the largest footprint, m²


def test_a_broken_file_gdb_is_refused_in_one_line(cli, project, tmp_path):
    broken = tmp_path / "broken.gdb"
    shutil.copytree(FORMATS / "taipei.gdb", broken)
    for table in broken.glob("*.gdbtable"):
        if table.stat().st_size > 5000:  # the footprints' table: cut in the middle
            table.write_bytes(table.read_bytes()[:table.stat().st_size // 2])
    _refused(cli, project, broken, "--as", "buildings", "--layer", "footprints")


# --- zipped shapefiles -------------------------------------------------------------------------------------

def _zip(target: Path, files: dict[str, Path], *, gbk_names: bool = False, unflagged_utf8: bool = False) -> Path:
    """A zip of `files` (name in the archive → file); `gbk_names` writes the names in GBK without the
    UTF-8 flag, as Chinese Windows' "send to compressed folder" and WinRAR do; `unflagged_utf8` in UTF-8
    without the flag, as macOS's Archive Utility does."""

    class GbkInfo(zipfile.ZipInfo):
        def _encodeFilenameFlags(self):
            return self.filename.encode("gbk"), self.flag_bits

    class Utf8Info(zipfile.ZipInfo):
        def _encodeFilenameFlags(self):
            return self.filename.encode("utf-8"), self.flag_bits & ~0x800

    kind = GbkInfo if gbk_names else Utf8Info if unflagged_utf8 else zipfile.ZipInfo
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in files.items():
            info = kind(name, date_time=(2024, 5, 1, 12, 0, 0))
            archive.writestr(info, path.read_bytes())
    return target


def _shanghai_without_code_page(folder: Path) -> dict[str, Path]:
    """The real Shanghai districts (GBK, no .cpg) with the DBF's code page byte set to 0: nothing says GBK."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for part in sorted(SHANGHAI.iterdir()):
        copy = folder / part.name
        shutil.copyfile(part, copy)
        if part.suffix == ".dbf":
            data = bytearray(copy.read_bytes())
            data[29] = 0
            copy.write_bytes(bytes(data))
        files[part.name] = copy
    return files


def test_a_zip_of_one_shapefile_with_a_gbk_file_name_in_a_chinese_path(cli, tmp_path):
    """GBK member names without the UTF-8 flag read as GBK (GDAL would list ╟°╧╪╜τ_area), GBK text with
    no code page detected inside the zip, all in a Chinese folder."""
    files = _shanghai_without_code_page(tmp_path / "src")
    folder = tmp_path / "上海市" / "行政区划"
    folder.mkdir(parents=True)
    source = _zip(folder / "区县界（2015）.zip", files, gbk_names=True)
    assert [i.flag_bits & 0x800 for i in zipfile.ZipFile(source).infolist()] == [0] * 4
    assert [name for name, _ in pyogrio.list_layers(source)] == ["区县界_area"]
    assert shapefile_encoding(source) == "GB18030"
    project = folder / "项目.gpkg"
    assert cli("new", project)[0] == 0
    code, out, err = cli("import", project, source, "--as", "buildings", "--keep-multipart")
    assert (code, err) == (0, ""), err
    assert "已导入 17 个要素" in out and "GB18030" in out and "NAME → 名称" in out, out
    names = set(Project.open(project).read_layer("buildings")["name"])
    assert {"宝山区", "黄浦区", "浦东新区", "闵行区", "崇明县"} <= names and len(names) == 17
    # --layer names the shapefile by its Chinese name too
    code, _, err = cli("import", project, source, "--as", "buildings", "--to", "again", "--layer", "区县界_area",
                         "--keep-multipart")
    assert (code, err) == (0, ""), err


def test_a_zip_of_several_shapefiles_lists_them_and_one_in_a_folder_is_found(cli, project, tmp_path):
    from tests.data.bad.make_bad import good

    src = tmp_path / "src"
    src.mkdir()
    good(3).to_file(src / "buildings.shp", encoding="UTF-8")
    good(2).to_file(src / "sheds.shp", encoding="UTF-8")
    parts = {p.name: p for p in sorted(src.iterdir())}
    several = _zip(tmp_path / "several.zip", parts)
    line = _refused(cli, project, several, "--as", "buildings")
    assert "2 个图层" in line and "buildings（3 个要素，面）" in line and "sheds（2 个要素，面）" in line, line
    # zipping a folder puts the shapefiles in it: GDAL alone does not read them
    in_folder = _zip(tmp_path / "folder.zip", {f"导出/{name}": p for name, p in parts.items()})
    with pytest.raises(Exception):
        pyogrio.list_layers(in_folder)
    line = _refused(cli, project, in_folder, "--as", "buildings")
    assert "buildings（3 个要素，面）" in line, line
    code, out, err = cli("import", project, in_folder, "--as", "buildings", "--layer", "sheds")
    assert (code, err) == (0, "") and "已导入 2 个要素" in out, err
    one = _zip(tmp_path / "one.zip", {n: p for n, p in parts.items() if n.startswith("buildings.")})
    code, out, err = cli("import", project, one, "--as", "buildings")
    assert (code, err) == (0, "") and "已导入 3 个要素" in out, err
    assert sorted(Project.open(project).read_layer("buildings")["name"]) == ["楼1", "楼1", "楼2", "楼2", "楼3"]


# --- OpenStreetMap, GeoPackage ---------------------------------------------------------------------------

def test_an_osm_extract_without_layer_takes_the_one_layer_the_kind_can_use(cli, tmp_path):
    """Buildings take polygons: of the OSM driver's layers only multipolygons; red lines take lines
    and polygons, which several layers hold: listed."""
    source = DATA / "helsinki.osm.pbf"
    assert osm_layer_for(source, kind_of("buildings").geometries) == "multipolygons"
    assert osm_layer_for(source, kind_of("red").geometries) is None
    assert osm_layer_for(DATA / "taipei_buildings.geojson", kind_of("buildings").geometries) is None
    project = tmp_path / "h.gpkg"
    assert cli("new", project, "--crs", "EPSG:3067")[0] == 0
    line = _refused(cli, project, source, "--as", "red", "--half-width", "10")
    for layer in ("points（8045 个要素，点）", "lines（3818 个要素，线）", "multilinestrings（233 个要素，多线）",
                  "multipolygons（1095 个要素，多面）", "other_relations（232 个要素，几何集合）"):
        assert layer in line, line
    report = import_layer(Project.open(project), source, "buildings")
    assert report.chosen_layer == "multipolygons" and report.source == "helsinki.osm.pbf:multipolygons"
    assert report.imported > 1000


def test_a_geopackage_with_several_layers_lists_them_with_counts_and_types(cli, project, tmp_path):
    from tests.data.bad.make_bad import good

    multi = tmp_path / "multi.gpkg"
    good(4).to_file(multi, layer="楼栋", driver="GPKG")
    points = good(3)
    points["geometry"] = points.geometry.centroid
    points.to_file(multi, layer="门牌", driver="GPKG")
    line = _refused(cli, project, multi, "--as", "buildings")
    assert line == "gisdesk: 错误: multi.gpkg 含有 2 个图层：楼栋（4 个要素，面）、门牌（3 个要素，点）；请用 --layer 指定一个", line
    line = _refused(cli, project, multi, "--as", "buildings", "--layer", "道路")
    assert "没有图层 道路" in line and "楼栋（4 个要素，面）" in line, line
    assert layer_summary(multi, pyogrio.list_layers(multi)).count("个要素") == 2
    frame = read_vector(multi, layer="楼栋")
    assert len(frame) == 4 and CRS(frame.crs).to_epsg() == 4549


# --- broken KML, KMZ and File GDB (tests/data/bad, made by make_bad.py's kml_kmz_gdb) ----------------------

BAD = DATA / "bad"


@pytest.mark.parametrize("name, expect", [
    ("kml_text_coordinates.kml", "第 2 条记录起无法读取（几何无法解析"),  # GDAL gives an empty polygon, silently
    ("kml_nan_coordinates.kml", "第 2 条记录起无法读取（几何无法解析"),
    ("kml_gbk_declared_utf8.kml", "KML 声明为 UTF-8，但第 1 行不是 UTF-8 文本，像是 GBK"),
    ("kml_empty_document.kml", "中没有任何图层"),
    ("kmz_doc_cut_off.kmz", "KML 内容无效或不完整"),
    ("gdb_table_cut.gdb", "第 26 条记录起无法读取（读到 25 条，文件记录数为 50）"),
    ("gdb_table_cut.gdb.zip", "第 26 条记录起无法读取"),
    ("gdb_garbage_table.gdb", "（File GDB 的表已损坏）"),
])
def test_a_broken_kml_kmz_or_gdb_is_refused_saying_where(cli, project, name, expect):
    line = _refused(cli, project, BAD / name, "--as", "buildings")
    assert expect in line and "Error occurred" not in line and ".cpp" not in line, line


def test_skip_bad_imports_the_readable_placemarks_and_lists_the_others(cli, project):
    code, out, err = cli("import", project, BAD / "kml_text_coordinates.kml", "--as", "buildings", "--skip-bad")
    assert (code, err) == (0, ""), err
    assert "已导入 2 个要素" in out and "第 2 条" in out, out
    assert sorted(Project.open(project).read_layer("buildings")["name"]) == ["蛇口违法建筑1", "蛇口违法建筑3"]


def test_a_zip_with_shapefiles_in_several_folders_names_them(cli, project, tmp_path):
    from tests.data.bad.make_bad import good

    src = tmp_path / "src"
    src.mkdir()
    good(3).to_file(src / "buildings.shp", encoding="UTF-8")
    parts = {p.name: p for p in sorted(src.iterdir())}
    archive = _zip(tmp_path / "两期.zip", {**{f"2024/{n}": p for n, p in parts.items()},
                                         **{f"2025/{n}": p for n, p in parts.items()}})
    line = _refused(cli, project, archive, "--as", "buildings")
    assert "分在几个文件夹里（2024/、2025/）" in line, line


def test_a_zip_from_macos_with_utf8_names_and_no_flag(cli, tmp_path):
    """Names in UTF-8 without the UTF-8 flag are read as UTF-8, not as GBK (鍖哄幙鐣宊area) nor CP437."""
    files = _shanghai_without_code_page(tmp_path / "src")
    source = _zip(tmp_path / "区县界 mac.zip", files, unflagged_utf8=True)
    assert [i.flag_bits & 0x800 for i in zipfile.ZipFile(source).infolist()] == [0] * 4
    project = tmp_path / "p.gpkg"
    assert cli("new", project)[0] == 0
    code, out, err = cli("import", project, source, "--as", "buildings", "--keep-multipart", "--layer", "区县界_area")
    assert (code, err) == (0, ""), err
    assert "已导入 17 个要素" in out and "GB18030" in out, out
