"""Geometry on import: multi-part footprints split into one feature per part, NaN/infinite
coordinates refused naming the row, Z/M dropped with a count, empty geometries skipped and listed."""

from __future__ import annotations

import hashlib
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon, box

from gisdesk.io.importer import import_layer
from gisdesk.project import Project
from tests.conftest import DATA, METRIC, frame

NANSHAN = DATA / "nanshan_buildings.geojson"


def square(x, y, side):
    return box(x, y, x + side, y + side)


TWO_SQUARES = MultiPolygon([square(0, 0, 2), square(10, 0, 3)])  # 4 m² and 9 m², 8 m apart


def project(tmp_path, crs=METRIC):
    tmp_path.mkdir(exist_ok=True)
    return Project.create(tmp_path / "p.gpkg", crs=CRS.from_user_input(crs))


def write(tmp_path, rows, name="src.gpkg", crs=METRIC):
    path = tmp_path / name
    frame(rows, crs=crs).to_file(path)
    return path


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def areas(project_path, layer="buildings"):
    layer = Project.open(project_path).read_layer(layer)
    return dict(zip(layer["uid"], layer.geometry.area.round(6))), layer


def test_two_squares_become_two_buildings_with_derived_uids_and_copied_attributes(cli, tmp_path):
    source = write(tmp_path, [{"bid": "B1", "name": "一号楼", "floors": 3, "geometry": TWO_SQUARES},
                              {"bid": "B2", "name": "二号楼", "floors": 5, "geometry": square(20, 0, 1)}])
    p = project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "buildings", "--id-field", "bid")
    assert (code, err) == (0, ""), err
    by_uid, layer = areas(p.path)
    assert by_uid == {"B1-1": 4.0, "B1-2": 9.0, "B2": 1.0}  # a single part keeps its uid
    assert list(shapely.get_num_geometries(layer.geometry.values)) == [1, 1, 1]  # one polygon each (the store promotes to multi)
    parts = layer[layer["uid"].str.startswith("B1-")]
    assert list(parts["name"]) == ["一号楼", "一号楼"] and list(parts["floors"]) == [3, 3]
    assert "拆分多部件要素 1 个为 2 个" in out and "已导入 3 个要素" in out


def test_the_report_counts_the_split_in_english_too(cli, tmp_path):
    source = write(tmp_path, [{"bid": "B1", "geometry": TWO_SQUARES}])
    p = project(tmp_path)
    code, out, err = cli("--lang", "en", "import", p.path, source, "--as", "buildings", "--id-field", "bid")
    assert code == 0, err
    assert "split 1 multi-part features into 2" in out
    report = import_layer(project(tmp_path / "q"), source, "buildings", id_field="bid")
    assert report.split == {"features": 1, "parts": 2} and report.imported == 2


def test_keep_multipart_keeps_the_feature_whole(cli, tmp_path):
    source = write(tmp_path, [{"bid": "B1", "geometry": TWO_SQUARES}])
    p = project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "buildings", "--id-field", "bid", "--keep-multipart")
    assert code == 0, err
    by_uid, layer = areas(p.path)
    assert by_uid == {"B1": 13.0}
    assert shapely.get_num_geometries(layer.geometry.values[0]) == 2
    assert "拆分" not in out


def test_generated_uids_and_ledger_case_numbers_get_part_suffixes(tmp_path):
    source = write(tmp_path, [{"geometry": TWO_SQUARES}, {"geometry": square(20, 0, 1)}])
    p = project(tmp_path)
    import_layer(p, source, "buildings")
    assert sorted(p.uids("buildings")) == ["buildings-000001-1", "buildings-000001-2", "buildings-000002"]
    ledger = write(tmp_path, [{"case_no": "WJ-2024-007", "found_on": "2024-03-01", "status": "待核查",
                                "geometry": TWO_SQUARES}], name="ledger.gpkg")
    report = import_layer(p, ledger, "ledger")
    assert report.split == {"features": 1, "parts": 2}
    assert p.uids("ledger") == {"WJ-2024-007-1", "WJ-2024-007-2"}


def test_a_split_uid_that_another_feature_has_is_refused_and_the_project_unchanged(cli, tmp_path):
    source = write(tmp_path, [{"bid": "B1", "geometry": TWO_SQUARES}, {"bid": "B1-2", "geometry": square(20, 0, 1)}])
    p = project(tmp_path)
    before = sha256(p.path)
    code, _, err = cli("import", p.path, source, "--as", "buildings", "--id-field", "bid")
    assert code == 2 and "B1-2" in err and "--keep-multipart" in err
    assert sha256(p.path) == before


def nan_source(tmp_path, value):
    rows = [{"bid": f"X-{n}", "geometry": square(10 * n, 0, 2)} for n in range(1, 6)]
    rows[2]["geometry"] = Polygon([(20, 0), (22, 0), (22, value), (20, 2), (20, 0)])  # row 3, id X-3
    return write(tmp_path, rows)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # building the NaN ring in the test
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_nan_or_infinite_coordinate_is_refused_naming_row_and_id(cli, tmp_path, value):
    source = nan_source(tmp_path, value)
    assert not np.isfinite(shapely.get_coordinates(gpd.read_file(source).geometry.values[2])).all()  # it survived the file
    p = project(tmp_path)
    before = sha256(p.path)
    code, out, err = cli("import", p.path, source, "--as", "buildings", "--id-field", "bid")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "第 3 行" in err and "bid = X-3" in err and "NaN" in err and "src.gpkg" in err
    assert sha256(p.path) == before
    code, _, err = cli("--lang", "en", "import", p.path, source, "--as", "buildings", "--id-field", "bid")
    assert code == 2 and "row 3 (bid = X-3)" in err and "infinite" in err
    assert sha256(p.path) == before


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_a_nan_coordinate_without_an_id_field_names_the_row(cli, tmp_path):
    rows = [{"geometry": square(0, 0, 1)}, {"geometry": Polygon([(0, 0), (1, 0), (math.nan, 1), (0, 0)])}]
    source = write(tmp_path, rows)
    p = project(tmp_path)
    code, _, err = cli("import", p.path, source, "--as", "buildings")
    assert code == 2 and "第 2 行" in err


def test_z_values_are_dropped_and_counted(cli, tmp_path):
    z = shapely.force_3d(square(0, 0, 2), 12.5)
    source = write(tmp_path, [{"bid": "Z1", "geometry": z}, {"bid": "Z2", "geometry": shapely.force_3d(square(5, 0, 1), 3.0)},
                              {"bid": "F", "geometry": square(9, 0, 1)}])
    assert gpd.read_file(source).has_z.sum() == 2
    p = project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "buildings", "--id-field", "bid")
    assert code == 0, err
    assert "已去掉 2 个要素的 Z/M 值" in out
    layer = Project.open(p.path).read_layer("buildings")
    assert not layer.has_z.any() and len(layer) == 3
    report = import_layer(project(tmp_path / "q"), source, "buildings", id_field="bid")
    assert report.dropped_zm == 2


def test_z_is_dropped_from_the_parts_of_a_split_multipolygon(tmp_path):
    source = write(tmp_path, [{"bid": "B1", "geometry": shapely.force_3d(TWO_SQUARES, 7.0)}])
    p = project(tmp_path)
    report = import_layer(p, source, "buildings", id_field="bid")
    assert report.dropped_zm == 1 and report.split == {"features": 1, "parts": 2}
    by_uid, layer = areas(p.path)
    assert by_uid == {"B1-1": 4.0, "B1-2": 9.0} and not layer.has_z.any()


def test_empty_geometries_are_skipped_and_their_rows_listed(cli, tmp_path):
    rows = [{"bid": "A", "geometry": square(0, 0, 1)}, {"bid": "E1", "geometry": Polygon()},
            {"bid": "B", "geometry": square(5, 0, 1)}, {"bid": "E2", "geometry": None}]
    source = write(tmp_path, rows)
    p = project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "buildings", "--id-field", "bid")
    assert code == 0, err
    assert "跳过 2 个要素：空几何" in out and "空几何所在行：2, 4" in out
    assert Project.open(p.path).uids("buildings") == {"A", "B"}
    report = import_layer(project(tmp_path / "q"), source, "buildings", id_field="bid")
    assert report.empty_rows == [2, 4]


def test_nanshan_ten_multipolygons_become_5438_buildings_with_the_area_kept(cli, tmp_path):
    """The real Shenzhen Nanshan file: 10 MultiPolygons (one per height class) holding 5,438 footprints,
    3 of them self-intersecting."""
    source_frame = gpd.read_file(NANSHAN)
    assert len(source_frame) == 10 and set(source_frame.geom_type) == {"MultiPolygon"}
    p = project(tmp_path, "EPSG:4547")  # CGCS2000 3° GK, CM 114°E
    code, out, err = cli("import", p.path, NANSHAN, "--as", "buildings", "--id-field", "id")
    assert (code, err) == (0, ""), err
    assert "已导入 5438 个要素" in out and "拆分多部件要素 9 个为 5437 个" in out  # one class holds one building
    layer = Project.open(p.path).read_layer("buildings")
    assert len(layer) == 5438 and layer["uid"].is_unique
    assert set(shapely.get_type_id(layer.geometry.values)) <= {3, 6}
    # uids follow the source: the first class's id with -1 ... -n, its height copied to every part
    first = source_frame.iloc[0]
    parts = layer[layer["uid"].str.startswith(first["id"] + "-")]
    assert len(parts) == len(first.geometry.geoms)
    assert set(parts["uid"]) == {f"{first['id']}-{n}" for n in range(1, len(parts) + 1)}
    # total area preserved: the valid parts exactly, the 3 self-intersecting ones as make_valid gives them
    parts_src = source_frame.explode(index_parts=False).to_crs("EPSG:4547")
    valid = parts_src.geometry.is_valid.to_numpy()
    assert (~valid).sum() == 3
    geoms = parts_src.geometry.values
    expected = shapely.area(geoms[valid]).sum() + shapely.area(shapely.make_valid(geoms[~valid])).sum()
    assert layer.geometry.area.sum() == pytest.approx(expected, rel=1e-9)
    assert layer.geometry.area.sum() == pytest.approx(parts_src.geometry.area.sum(), rel=1e-3)


def test_nanshan_with_keep_multipart_stays_ten_features(tmp_path):
    p = project(tmp_path, "EPSG:4547")
    report = import_layer(p, NANSHAN, "buildings", id_field="id", keep_multipart=True)
    assert report.imported == 10 and report.split == {}
    assert len(p.uids("buildings")) == 10


def test_a_geometry_collection_keeps_its_polygons_and_they_are_split(tmp_path):
    collection = shapely.GeometryCollection([square(0, 0, 2), shapely.LineString([(50, 0), (60, 0)]), square(10, 0, 3)])
    source = write(tmp_path, [{"bid": "G", "geometry": collection},
                              {"bid": "L", "geometry": shapely.GeometryCollection([shapely.LineString([(0, 9), (5, 9)])])}],
                   name="src.geojson")
    p = project(tmp_path)
    report = import_layer(p, source, "buildings", id_field="bid")
    assert report.collections == 2 and report.skipped == {"line": 1}
    assert report.split == {"features": 1, "parts": 2}
    by_uid, _ = areas(p.path)
    assert by_uid == {"G-1": 4.0, "G-2": 9.0}


def test_rows_named_count_the_records_skipped_as_unreadable(tmp_path):
    from gisdesk.io.importer import ImportReport, _source_rows

    report = ImportReport(source="s", kind="buildings")
    assert list(_source_rows(3, report)) == [1, 2, 3]
    report.bad_records = [2, 3]
    assert list(_source_rows(3, report)) == [1, 4, 5]


def test_an_osm_extract_whose_rings_geos_cannot_build_is_imported_repaired(cli, tmp_path):
    """GDAL's OSM driver gives Helsinki multipolygons with two-point rings; shapely refused the
    whole file ("Invalid number of points in LinearRing found 2"). They are made valid as read."""
    from gisdesk.project import Project
    from tests.conftest import DATA

    assert cli("new", tmp_path / "h.gpkg", "--crs", "EPSG:3067")[0] == 0
    code, out, err = cli("import", tmp_path / "h.gpkg", DATA / "helsinki.osm.pbf", "--as", "buildings",
                         "--layer", "multipolygons")
    assert (code, err) == (0, ""), err
    assert "修复无效几何" in out
    buildings = Project.open(tmp_path / "h.gpkg").read_layer("buildings")
    assert len(buildings) > 1000 and buildings.geometry.is_valid.all()


def test_a_ring_of_two_points_is_repaired_and_said_not_a_refusal_of_the_file(cli, tmp_path):
    import json

    from gisdesk.project import Project

    ring = [[500000, 3400000], [500010, 3400000], [500010, 3400010], [500000, 3400010], [500000, 3400000]]
    features = [{"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": c}}
                for name, c in (("楼1", [ring]), ("楼2", [[[500020, 3400000], [500021, 3400001]]]))]
    source = tmp_path / "two_point_ring.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {
        "name": "urn:ogc:def:crs:EPSG::4549"}}, "features": features}), encoding="utf-8")
    assert cli("new", tmp_path / "p.gpkg", "--crs", "EPSG:4549")[0] == 0
    code, out, err = cli("import", tmp_path / "p.gpkg", source, "--as", "buildings")
    assert (code, err) == (0, ""), err
    assert "修复无效几何" in out and "跳过 1 个要素" in out  # the two-point ring is no polygon: skipped, and said
    assert Project.open(tmp_path / "p.gpkg").read_layer("buildings")["name"].tolist() == ["楼1"]
