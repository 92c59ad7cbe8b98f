"""`gisdesk import --update`: this month's ledger export updates the cases already in the project."""

from __future__ import annotations

import hashlib

import pytest
from pyproj import CRS
from shapely.geometry import box

from gisdesk.project import Project
from tests.conftest import frame


def case(no, status, address, geometry, found="2026-10-01"):
    return {"case_no": no, "found_on": found, "status": status, "address": address, "geometry": geometry}


@pytest.fixture
def project(tmp_path, cli):
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    frame([case("C1", "待核查", "一路1号", box(0, 0, 10, 10)), case("C2", "已立案", "二路2号", box(20, 0, 30, 10)),
           case("C3", "已立案", "三路3号", box(40, 0, 50, 10))]).to_file(tmp_path / "october.geojson")
    assert cli("import", p.path, tmp_path / "october.geojson", "--as", "ledger")[0] == 0
    return p


def test_an_update_writes_what_changed_adds_the_new_and_counts_the_rest(project, tmp_path, cli):
    frame([case("C1", "已立案", "一路1号", box(0, 0, 10, 10)),  # status moved on
           case("C2", "已立案", "二路2号（东侧）", box(20, 0, 30, 12)),  # address and footprint changed
           case("C3", "已立案", "三路3号", box(40, 0, 50, 10)),  # as it was
           case("C4", "待核查", "四路4号", box(60, 0, 70, 10), found="2026-11-05")]).to_file(tmp_path / "november.geojson")
    code, out, err = cli("import", project.path, tmp_path / "november.geojson", "--as", "ledger", "--update")
    assert (code, err) == (0, ""), err
    assert "新增 1 个，修改 2 个，未变 1 个" in out and "C2：address, geometry" in out
    ledger = project.read_layer("ledger").set_index("uid")
    assert sorted(ledger.index) == ["C1", "C2", "C3", "C4"]
    assert ledger.loc["C1", "status"] == "已立案" and ledger.loc["C2", "address"] == "二路2号（东侧）"
    assert ledger.loc["C2", "geometry"].area == pytest.approx(120.0)
    versions = project.versions("ledger").set_index("uid")["version"].to_dict()
    assert versions == {"C1": 2, "C2": 3, "C3": 1, "C4": 1}
    events = project.history("C1")
    assert (events.iloc[-1]["from_status"], events.iloc[-1]["to_status"]) == ("待核查", "已立案")
    assert "november.geojson" in events.iloc[-1]["note"]


def test_a_status_jump_the_workflow_forbids_refuses_the_whole_update(project, tmp_path, cli):
    before = hashlib.sha256(project.path.read_bytes()).hexdigest()
    frame([case("C2", "已立案", "二路2号（改）", box(20, 0, 30, 10)),
           case("C1", "已结案", "一路1号", box(0, 0, 10, 10))]).to_file(tmp_path / "bad.geojson")
    code, _, err = cli("import", project.path, tmp_path / "bad.geojson", "--as", "ledger", "--update")
    assert code == 2 and "C1" in err and "已结案" in err
    assert hashlib.sha256(project.path.read_bytes()).hexdigest() == before  # C2's change is not written either


def test_without_update_a_known_uid_is_refused_with_the_way_out(project, tmp_path, cli):
    frame([case("C1", "已立案", "一路1号", box(0, 0, 10, 10))]).to_file(tmp_path / "again.geojson")
    code, _, err = cli("import", project.path, tmp_path / "again.geojson", "--as", "ledger")
    assert code == 2 and "C1" in err and "--update" in err
