"""A ledger case is one case (docs/domain.md §2.2): its multi-point is never split into parts. One of a
single point (what a MultiPoint shapefile writes for every point) becomes that point; one of several
distinct points is kept whole as the one case, and both are said in the report."""

from __future__ import annotations

from pyproj import CRS
from shapely.geometry import MultiPoint, Point, box

from gisdesk.io.importer import import_layer
from gisdesk.project import Project
from tests.conftest import frame


def _cases(geoms):
    return frame([{"case_no": f"WJ-{i:03d}", "status": "待核查", "found_on": "2025-03-01", "geometry": g}
                  for i, g in enumerate(geoms, start=1)])


def test_a_multipoint_shapefile_ledger_keeps_one_case_per_record(cli, tmp_path):
    geoms = [MultiPoint([(500000, 3400000)]),  # one point: a point
             MultiPoint([(500010, 3400000), (500050, 3400040)]),  # two sheds of one case: kept whole
             MultiPoint([(500100, 3400000), (500100, 3400000)]),  # the same point twice: a point
             MultiPoint([(500200, 3400000)])]
    _cases(geoms).to_file(tmp_path / "cases.shp", encoding="UTF-8")  # shape type 8 (MultiPoint)
    assert (tmp_path / "cases.shp").read_bytes()[32] == 8
    project = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549)).path
    code, out, err = cli("import", project, tmp_path / "cases.shp", "--as", "ledger")
    assert (code, err) == (0, ""), err
    assert "已导入 4 个要素" in out and "拆分多部件" not in out, out
    assert "只含一个点的多点（MultiPoint）3 个：存为点" in out, out
    assert "含多个点的多点（MultiPoint）1 个：不拆分，各自整体保留为一个要素" in out, out
    ledger = Project.open(project).read_layer("ledger").set_index("uid")
    assert list(ledger.index) == ["WJ-001", "WJ-002", "WJ-003", "WJ-004"]  # no WJ-002-1, WJ-002-2
    assert ledger.geometry.geom_type.tolist() == ["Point", "MultiPoint", "Point", "Point"]
    assert ledger.loc["WJ-002"].geometry.equals(geoms[1])
    assert ledger.loc["WJ-003"].geometry.equals(Point(500100, 3400000))


def test_points_and_footprints_of_a_ledger_beside_multipoints_all_survive(tmp_path):
    """Points, multi-points and a multi-polygon footprint in one source: the footprint is split (two
    buildings of one case, ID-1, ID-2), the multi-points are not, and no geometry is lost on the way."""
    source = tmp_path / "mixed.gpkg"
    footprint = box(500300, 3400000, 500320, 3400020).union(box(500400, 3400000, 500420, 3400020))
    _cases([Point(500000, 3400000), MultiPoint([(500010, 3400000), (500050, 3400040)]),
            MultiPoint([(500100, 3400000)]), footprint]).to_file(source, driver="GPKG")
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    report = import_layer(p, source, "ledger")
    assert report.multipoints == {"single": 1, "whole": 1}
    assert report.split == {"features": 1, "parts": 2}
    ledger = p.read_layer("ledger").set_index("uid")
    assert ledger.geometry.notna().all() and not ledger.geometry.is_empty.any()
    assert dict(ledger.geometry.geom_type) == {"WJ-001": "Point", "WJ-002": "MultiPoint", "WJ-003": "Point",
                                               "WJ-004-1": "Polygon", "WJ-004-2": "Polygon"}
    assert ledger.loc["WJ-004-1"].geometry.area == 400 and ledger.loc["WJ-004-2"].geometry.area == 400
