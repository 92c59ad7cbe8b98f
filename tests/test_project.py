"""The project store: a real GeoPackage that GDAL (and so QGIS) reads; saves are transactions."""

from __future__ import annotations

import hashlib
import sqlite3

import pyogrio
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import box

from gisdesk.analysis.check import run_check
from gisdesk.errors import InputError, ProjectError, ValidationError
from gisdesk.io.importer import import_layer
from gisdesk.project import Project
from gisdesk.rules import load_rules
from tests.conftest import frame


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path):
    """A project with a red zone and three buildings, imported from GeoJSON files in EPSG:4549."""
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549), name="测试项目")
    frame([{"id": "R1", "geometry": box(0, 0, 200, 20)}]).to_file(tmp_path / "red.geojson")
    frame([{"bid": "B1", "district": "黄浦区", "geometry": box(10, 18, 20, 30)},
           {"bid": "B2", "district": "黄浦区", "geometry": box(30, 25, 40, 30)},
           {"bid": "B3", "district": "浦东新区", "geometry": box(50, 40, 60, 50)}]).to_file(tmp_path / "b.geojson")
    import_layer(p, tmp_path / "red.geojson", "red", id_field="id")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    return p


def test_new_project_is_a_geopackage_with_settings(tmp_path):
    p = Project.create(tmp_path / "n.gpkg", name="新项目")
    assert Project.open(p.path).setting("name") == "新项目"
    with sqlite3.connect(p.path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
    with pytest.raises(ProjectError):
        Project.create(p.path)  # never overwrites


def test_layers_round_trip_and_gdal_reads_every_table(project):
    assert [i.kind for i in project.layers()] == ["buildings", "red"]  # drawing order: footprints under zones
    buildings = project.read_layer("buildings")
    assert sorted(buildings["uid"]) == ["B1", "B2", "B3"]
    assert buildings.crs.to_epsg() == 4549
    assert buildings.set_index("uid").loc["B1"].geometry.area == pytest.approx(120.0)
    run_check(project, load_rules())
    tables = dict(pyogrio.list_layers(project.path))
    assert tables["buildings"] == "MultiPolygon"
    assert "gisdesk_conflicts" in tables
    conflicts = pyogrio.read_dataframe(project.path, layer="gisdesk_conflicts")  # as QGIS would read it
    b1 = conflicts[conflicts.subject_id == "B1"].iloc[0]
    assert b1.relation == "encroach"
    assert b1.geometry.area == pytest.approx(20.0)  # the overlap geometry is stored with the result


def test_check_results_are_stored_and_replaced(project):
    run_check(project, load_rules())
    first = project.conflicts()
    assert set(first["subject_id"]) == {"B1", "B2"}
    assert project.last_run()["summary"]["encroach"] == 1
    run_check(project, load_rules())
    assert len(project.conflicts()) == len(first)  # replaced, not appended
    assert project.last_run()["run_id"] == 2
    assert "[setback]" in project.setting("rules")  # the rules used are saved into the project


def test_failed_import_leaves_the_project_byte_identical(project, tmp_path):
    before = digest(project.path)
    frame([{"bid": "B1", "geometry": box(0, 0, 1, 1)}]).to_file(tmp_path / "dup.geojson")
    with pytest.raises(InputError, match="B1"):
        import_layer(project, tmp_path / "dup.geojson", "buildings", id_field="bid")  # uid already there
    frame([{"case_no": "C1", "found_on": "2025-01-01", "status": "已处理", "geometry": box(0, 0, 1, 1)}]) \
        .to_file(tmp_path / "bad_ledger.geojson")
    with pytest.raises(ValidationError, match="status"):
        import_layer(project, tmp_path / "bad_ledger.geojson", "ledger")
    (tmp_path / "broken.geojson").write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InputError, match="broken.geojson"):
        import_layer(project, tmp_path / "broken.geojson", "buildings")
    assert digest(project.path) == before
    assert not list(tmp_path.glob(".*partial*"))


def test_a_crash_in_the_middle_of_a_save_leaves_the_project_as_it_was(project, monkeypatch):
    before = digest(project.path)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pyogrio, "write_dataframe", crash)
    extra = frame([{"uid": "B9", "geometry": box(0, 0, 1, 1)}])
    with pytest.raises(OSError):
        project.add_features("buildings", extra, source={})
    assert digest(project.path) == before


def test_ledger_history_is_append_only_and_follows_the_workflow(tmp_path, project):
    frame([{"case_no": "HP2025-0001", "found_on": "2025-03-01", "status": "待核查", "violation": "WPXJ，YHX",
            "geometry": box(10, 18, 20, 30)}]).to_file(tmp_path / "ledger.geojson")
    import_layer(project, tmp_path / "ledger.geojson", "ledger")
    ledger = project.read_layer("ledger")
    assert ledger.iloc[0]["uid"] == "HP2025-0001"  # case_no is the ledger's uid
    assert ledger.iloc[0]["violation"] == "WPXJ,YHX"
    project.change_status("HP2025-0001", "已立案", who="执法队员A", note="现场核实")
    with pytest.raises(ValidationError, match="已拆除"):
        project.change_status("HP2025-0001", "已拆除", who="执法队员A")  # must be ordered first
    assert project.read_layer("ledger").iloc[0]["status"] == "已立案"
    history = project.history("HP2025-0001")
    assert list(zip(history.from_status, history.to_status)) == [("待核查", "已立案")]
    with sqlite3.connect(project.path) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE gisdesk_ledger_history SET note = 'x'")
    with sqlite3.connect(project.path) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM gisdesk_ledger_history")


def test_first_import_picks_the_gauss_kruger_zone_of_the_data_centre(tmp_path):
    p = Project.create(tmp_path / "z.gpkg")
    assert p.crs is None
    # a building near 114.3°E, 30.5°N (Wuhan) given in CGCS2000 lon/lat
    frame([{"geometry": box(114.30, 30.50, 114.3001, 30.5001)}], crs="EPSG:4490").to_file(tmp_path / "w.geojson")
    import_layer(p, tmp_path / "w.geojson", "buildings")
    assert p.crs.to_epsg() == 4547  # CM 114°E
    assert p.layers()[0].sources[0]["source_crs"].startswith("EPSG:4490")


def test_opening_something_else_is_a_clear_error(tmp_path):
    (tmp_path / "x.gpkg").write_text("not sqlite")
    with pytest.raises(ProjectError, match="x.gpkg"):
        Project.open(tmp_path / "x.gpkg")
    with pytest.raises(ProjectError):
        Project.open(tmp_path / "missing.gpkg")


def test_polygons_are_stored_as_multipolygons_without_loss(project):
    geom = project.read_layer("buildings").set_index("uid").loc["B2"].geometry
    assert shapely.get_type_id(geom) == 6
    assert geom.equals(box(30, 25, 40, 30))
