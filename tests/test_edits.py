"""The edit session: undoable commands keyed by uid, committed in one transaction, stale writes refused."""

from __future__ import annotations

import pytest
from pyproj import CRS
from shapely.geometry import box

from gisdesk.errors import ProjectError
from gisdesk.io.importer import import_layer
from gisdesk.layers.edits import EditSession
from gisdesk.layers.layer import Layer
from gisdesk.project import Project
from tests.conftest import frame


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": f"B{i}", "name": f"{i}号楼", "floors": i, "geometry": box(10 * i, 0, 10 * i + 5, 5)}
           for i in range(1, 4)]).to_file(tmp_path / "b.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    return p


def session_on(project, who="张工"):
    layer = Layer("buildings", project.read_layer("buildings"), layer_id="buildings")
    return EditSession(project, layer, who=who), layer


def stored(project):
    return project.read_layer("buildings").set_index("uid")


def test_commands_change_the_layer_and_undo_redo_walk_them_back_and_forth(project):
    session, layer = session_on(project)
    session.set_attributes("B2", {"floors": 9})
    session.set_geometry("B3", box(0, 20, 10, 30))
    session.delete("B1")
    session.add("B4", box(50, 0, 54, 4), {"name": "新楼"})
    now = layer.frame.set_index("uid")
    assert list(now.index) == ["B2", "B3", "B4"]
    assert now.loc["B2", "floors"] == 9 and now.loc["B3", "geometry"].area == 100 and now.loc["B4", "name"] == "新楼"
    for _ in range(4):
        session.undo()
    back = layer.frame.set_index("uid")
    assert sorted(back.index) == ["B1", "B2", "B3"]
    assert back.loc["B2", "floors"] == 2 and back.loc["B3", "geometry"].area == 25
    assert session.pending == []  # everything undone: nothing to write
    session.redo()
    session.redo()
    again = layer.frame.set_index("uid")
    assert again.loc["B2", "floors"] == 9 and again.loc["B3", "geometry"].area == 100 and "B1" in again.index
    assert session.can_undo and session.can_redo


def test_a_commit_writes_the_net_change_of_each_feature_in_one_transaction(project):
    session, layer = session_on(project)
    session.set_attributes("B2", {"floors": 9})
    session.set_attributes("B2", {"floors": 10, "name": "二号楼改"})
    session.delete("B1")
    session.add("B4", box(50, 0, 54, 4), {"name": "新楼"})
    session.set_attributes("B4", {"floors": 1})
    kinds = sorted((e.action, e.uid) for e in session.pending)
    assert kinds == [("add", "B4"), ("attributes", "B2"), ("delete", "B1")]
    versions = session.commit()
    assert versions == {"B2": 2, "B1": 0, "B4": 1}
    table = stored(project)
    assert sorted(table.index) == ["B2", "B3", "B4"]
    assert table.loc["B2", "floors"] == 10 and table.loc["B2", "name"] == "二号楼改"
    assert table.loc["B4", "floors"] == 1 and table.loc["B4", "geometry"].area == pytest.approx(16)
    log = project.edit_log("buildings")
    assert list(log["who"])[-3:] == ["张工"] * 3
    assert session.pending == []


def test_undo_after_a_commit_is_a_change_the_next_commit_writes(project):
    session, _ = session_on(project)
    session.set_attributes("B3", {"floors": 30})
    session.commit()
    session.undo()
    assert [(e.action, e.uid, e.version, e.values) for e in session.pending] == [("attributes", "B3", 2, {"floors": 3})]
    session.commit()
    assert stored(project).loc["B3", "floors"] == 3
    assert project.versions("buildings", ["B3"])["version"].tolist() == [3]
    session.redo()
    session.commit()
    assert stored(project).loc["B3", "floors"] == 30


def test_a_stale_commit_is_refused_naming_the_feature_and_writes_nothing(project):
    mine, _ = session_on(project, who="张工")
    theirs, _ = session_on(project, who="李工")
    mine.set_attributes("B1", {"floors": 11})
    mine.set_attributes("B2", {"floors": 22})
    theirs.set_attributes("B2", {"name": "李工改的"})
    theirs.commit()
    with pytest.raises(ProjectError, match="B2"):
        mine.commit()
    table = stored(project)
    assert table.loc["B1", "floors"] == 1 and table.loc["B2", "floors"] == 2 and table.loc["B2", "name"] == "李工改的"
    assert len(mine.pending) == 2  # kept, so the user can look and decide


def test_geometry_and_attributes_of_one_feature_in_one_commit(project):
    session, _ = session_on(project)
    session.set_attributes("B1", {"name": "改名"})
    session.set_geometry("B1", box(0, 0, 2, 2))
    session.commit()
    row = stored(project).loc["B1"]
    assert row["name"] == "改名" and row["geometry"].area == pytest.approx(4)
    assert project.versions("buildings", ["B1"])["version"].tolist() == [3]


def test_uid_and_geometry_are_not_attributes(project):
    session, _ = session_on(project)
    with pytest.raises(ProjectError, match="uid"):
        session.set_attributes("B1", {"uid": "X"})
    with pytest.raises(ProjectError, match="B9"):
        session.set_attributes("B9", {"floors": 1})
    with pytest.raises(ProjectError, match="B1"):
        session.add("B1", box(0, 0, 1, 1))


def test_undo_takes_back_only_what_its_command_changed(project):
    """An edit, then a write outside the session (a ledger status move goes straight to the store
    and its history): undoing the edit must not carry the old value of the other field back."""
    session, layer = session_on(project)
    session.set_attributes("B2", {"floors": 9})
    session.commit()
    project.update_attributes("buildings", "B2", {"name": "改名楼"})
    layer.set_values(layer.uid_rows.rows_of(["B2"]), "name", ["改名楼"])
    session.refresh_versions(["B2"])
    session.undo()
    session.commit()
    assert (stored(project).loc["B2", "floors"], stored(project).loc["B2", "name"]) == (2, "改名楼")
    session.set_geometry("B3", box(0, 20, 10, 30))
    session.set_attributes("B3", {"floors": 7})
    session.undo()  # the floors only: the new geometry stays
    assert layer.frame.set_index("uid").loc["B3", "geometry"].area == 100
    assert layer.frame.set_index("uid").loc["B3", "floors"] == 3
