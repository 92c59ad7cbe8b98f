"""Undo and redo in the app: an attribute-table edit is saved, Ctrl+Z takes it back in the file, Ctrl+Shift+Z again."""

from __future__ import annotations

import pytest
from pyproj import CRS
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from shapely.geometry import box

from gisdesk.io.importer import import_layer
from gisdesk.project import Project
from gisdesk.store import FeatureEdit
from gisdesk.ui.attribute_table import AttributeTableDock
from gisdesk.ui.conflicts_panel import ConflictsPanel
from tests.conftest import frame


@pytest.fixture
def window(qtbot, tmp_path):
    from gisdesk.ui.main_window import MainWindow

    p = Project.create(tmp_path / "u.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": "B1", "name": "一号楼", "floors": 6, "geometry": box(0, 0, 10, 10)},
           {"bid": "B2", "name": "二号楼", "floors": 3, "geometry": box(20, 0, 30, 10)}]).to_file(tmp_path / "b.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.open_project(p.path)
    return w


def floors_in_file(window, uid):
    return int(window.document.project.read_layer("buildings").set_index("uid").loc[uid, "floors"])


def edit_floors(window, uid, value):
    dock = AttributeTableDock(window, window.document.layer("buildings"))
    model = dock.table.model
    row = [str(model.uid_rows.uids[int(model.order[r])]) for r in range(model.rowCount())].index(uid)
    floors = [c for c, _ in model.columns].index("floors")
    assert model.setData(model.index(row, floors), value, Qt.ItemDataRole.EditRole)
    return dock


def test_ctrl_z_undoes_a_saved_edit_and_ctrl_shift_z_redoes_it(window):
    assert not window.action_undo.isEnabled()
    edit_floors(window, "B1", "9")
    assert floors_in_file(window, "B1") == 9  # saved at once, as one transaction
    assert window.action_undo.shortcut() == QKeySequence("Ctrl+Z")
    assert window.action_redo.shortcut() == QKeySequence("Ctrl+Shift+Z")
    window.action_undo.trigger()
    assert floors_in_file(window, "B1") == 6
    assert window.document.layer("buildings").frame.set_index("uid").loc["B1", "floors"] == 6
    assert window.action_redo.isEnabled()
    window.action_redo.trigger()
    assert floors_in_file(window, "B1") == 9
    log = window.document.project.edit_log("buildings")
    assert [row["changes"].get("floors") for _, row in log.iterrows() if row["action"] == "attributes"] == \
        [[6, 9], [9, 6], [6, 9]]


def test_an_undo_that_another_user_made_stale_is_refused_and_changes_nothing(window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    edit_floors(window, "B1", "9")
    # meanwhile someone else saves B1 (another window, QGIS, a field package merge)
    Project.open(window.document.project.path).commit_edits(
        "buildings", [FeatureEdit("attributes", "B1", 2, {"name": "别人改的"})], who="李工")
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    window.action_undo.trigger()
    assert warned and "B1" in warned[0]
    assert floors_in_file(window, "B1") == 9
    assert window.document.layer("buildings").frame.set_index("uid").loc["B1", "floors"] == 9


def test_the_conflicts_panel_says_when_an_edit_made_the_check_stale(qtbot, tmp_path):
    from gisdesk.analysis.check import run_check
    from gisdesk.rules import load_rules
    from gisdesk.ui.main_window import MainWindow

    p = Project.create(tmp_path / "s.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": "B1", "floors": 6, "geometry": box(10, 18, 20, 30)}]).to_file(tmp_path / "b.geojson")
    frame([{"rid": "R1", "geometry": box(0, 0, 200, 20)}]).to_file(tmp_path / "r.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    import_layer(p, tmp_path / "r.geojson", "red", id_field="rid")
    run_check(p, load_rules())
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_project(p.path)
    panel = window.findChild(ConflictsPanel)
    qtbot.waitUntil(lambda: "m²" in panel.run_label.text(), timeout=20000)  # the check's results are shown
    assert "STALE" not in panel.run_label.text()
    edit_floors(window, "B1", "7")
    title = window.document.layer("buildings").title
    assert f"STALE: {title} changed since" in panel.run_label.text()
