"""Editing on the map: add, move, reshape, split, merge, delete, snapping — results checked in the file."""

from __future__ import annotations

import pytest
from pyproj import CRS
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication
from shapely.geometry import box

from gisdesk.io.importer import import_layer
from gisdesk.layers.index import index_of
from gisdesk.project import Project
from gisdesk.render.renderer import MapView
from tests.conftest import frame

X0, Y0 = 500_000.0, 3_450_000.0
RES = 0.1  # metres per pixel: a pixel is 10 cm, so clicks land on whole decimetres


@pytest.fixture
def project_path(tmp_path):
    p = Project.create(tmp_path / "edit.gpkg", crs=CRS.from_epsg(4549), name="编辑测试")
    frame([{"bid": "B1", "floors": 2, "geometry": box(X0, Y0, X0 + 20, Y0 + 20)},
           {"bid": "B2", "floors": 5, "geometry": box(X0 + 20, Y0, X0 + 40, Y0 + 20)},
           {"bid": "B3", "floors": 9, "geometry": box(X0 + 60, Y0, X0 + 70, Y0 + 10)}]).to_file(tmp_path / "b.geojson")
    frame([{"case_no": "HP2026-0001", "found_on": "2026-03-01", "status": "待核查",
            "geometry": box(X0 + 62, Y0 + 2, X0 + 66, Y0 + 6)}]).to_file(tmp_path / "l.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    import_layer(p, tmp_path / "l.geojson", "ledger")
    return p.path


@pytest.fixture
def window(qtbot, project_path):
    from gisdesk.ui.main_window import MainWindow
    w = MainWindow(headless=True)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    assert w.open_project(project_path)
    w.canvas.set_view(MapView(X0 + 40, Y0 + 10, RES, w.canvas.width(), w.canvas.height()), render_delay=False)
    for layer in w.document.layers:
        index_of(layer).wait(10)
    w.layer_tree.select_layer(w.document.layer("buildings"))
    w._may_discard = lambda: True
    return w


def pixel(window, x, y) -> QPointF:
    px, py = window.canvas.view.to_pixels(x, y)
    return QPointF(float(px), float(py))


def mouse(window, kind, x, y, button=Qt.MouseButton.LeftButton):
    point = pixel(window, x, y)
    buttons = Qt.MouseButton.NoButton if kind in (QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease) else button
    event = QMouseEvent(kind, point, QPointF(window.canvas.mapToGlobal(point.toPoint())), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window.canvas, event)


def click(window, x, y, button=Qt.MouseButton.LeftButton):
    mouse(window, QEvent.Type.MouseButtonPress, x, y, button)
    mouse(window, QEvent.Type.MouseButtonRelease, x, y, button)


def drag(window, start, end):
    mouse(window, QEvent.Type.MouseMove, *start)
    mouse(window, QEvent.Type.MouseButtonPress, *start)
    mouse(window, QEvent.Type.MouseMove, *end)
    mouse(window, QEvent.Type.MouseButtonRelease, *end)


def key(window, code):
    QApplication.sendEvent(window.canvas, QKeyEvent(QEvent.Type.KeyPress, code, Qt.KeyboardModifier.NoModifier))


def stored(window, layer_id="buildings"):
    return Project.open(window.document.project.path).read_layer(layer_id).set_index("uid")


def test_add_a_polygon_snapped_to_a_neighbours_corner(window):
    editing = window.editing
    editing.actions["add_polygon"].trigger()
    # the first click 4 px from B3's corner (X0+70, Y0+10) snaps onto it; the others land where clicked
    click(window, X0 + 70.3, Y0 + 10.2)
    click(window, X0 + 80, Y0 + 10)
    click(window, X0 + 80, Y0 + 20)
    key(window, Qt.Key.Key_Return)
    assert editing.last_error == ""
    now = stored(window)
    assert len(now) == 4
    uid = (set(now.index) - {"B1", "B2", "B3"}).pop()
    assert uid == "B4"  # the layer's own form of uid
    geometry = now.geometry[uid]
    assert geometry.geom_type == "MultiPolygon"  # as the layer stores them
    assert geometry.area == pytest.approx(0.5 * 10 * 10, abs=1e-6)  # the triangle from the exact corner
    assert (X0 + 70, Y0 + 10) in [tuple(c) for c in geometry.geoms[0].exterior.coords]


def test_backspace_and_escape_while_drawing(window):
    window.editing.snapping = False
    window.editing.actions["add_polygon"].trigger()
    for x, y in ((X0 + 80, Y0), (X0 + 90, Y0), (X0 + 95, Y0 + 3), (X0 + 90, Y0 + 10)):
        click(window, x, y)
    key(window, Qt.Key.Key_Backspace)  # takes (90, 10) back: a triangle remains
    key(window, Qt.Key.Key_Enter)
    added = stored(window).drop(index=["B1", "B2", "B3"])
    assert added.geometry.iloc[0].area == pytest.approx(0.5 * 10 * 3, abs=1e-6)
    click(window, X0 + 80, Y0 + 30)
    key(window, Qt.Key.Key_Escape)
    key(window, Qt.Key.Key_Enter)  # nothing left to finish
    assert len(stored(window)) == 4


def test_a_point_into_the_ledger_is_a_new_case_with_its_number(window):
    window.layer_tree.select_layer(window.document.layer("ledger"))
    window.editing.snapping = False
    window.editing.actions["add_point"].trigger()
    click(window, X0 + 50, Y0 + 15)
    now = stored(window, "ledger")
    assert list(now.index) == ["HP2026-0001", "HP2026-0002"]
    case = now.loc["HP2026-0002"]
    assert (case.case_no, case.status) == ("HP2026-0002", "待核查") and case.geometry.geom_type == "Point"
    assert (case.geometry.x, case.geometry.y) == pytest.approx((X0 + 50, Y0 + 15), abs=RES)


def test_move_a_feature_by_a_drag(window):
    window.editing.snapping = False
    window.editing.actions["move"].trigger()
    drag(window, (X0 + 65, Y0 + 8), (X0 + 75, Y0 + 13))
    moved = stored(window).geometry["B3"]
    assert moved.bounds == pytest.approx((X0 + 70, Y0 + 5, X0 + 80, Y0 + 15), abs=1e-6)


def test_reshape_drag_a_vertex_insert_one_and_delete_it(window):
    window.editing.snapping = False
    window.editing.actions["vertices"].trigger()
    drag(window, (X0 + 70, Y0 + 10), (X0 + 75, Y0 + 10))  # B3's top-right corner 5 m east
    assert stored(window).geometry["B3"].area == pytest.approx(100 + 0.5 * 5 * 10, abs=1e-6)
    mouse(window, QEvent.Type.MouseButtonDblClick, X0 + 60, Y0 + 5)  # on B3's west edge
    shell = stored(window).geometry["B3"].geoms[0].exterior.coords
    assert len(shell) == 6 and (X0 + 60, Y0 + 5) in [tuple(c) for c in shell]
    mouse(window, QEvent.Type.MouseMove, X0 + 60, Y0 + 5)
    mouse(window, QEvent.Type.MouseButtonPress, X0 + 60, Y0 + 5, Qt.MouseButton.RightButton)
    assert len(stored(window).geometry["B3"].geoms[0].exterior.coords) == 5


def test_a_vertex_move_that_breaks_the_shape_is_refused_and_nothing_saved(window):
    window.editing.snapping = False
    window.editing.actions["vertices"].trigger()
    before = stored(window).geometry["B3"]
    drag(window, (X0 + 70, Y0 + 10), (X0 + 55, Y0 + 5))  # past the west edge: the ring crosses itself
    assert "无效" in window.editing.last_error
    assert stored(window).geometry["B3"].equals(before)
    assert window.document.layer("buildings").geometries[2].equals(before)


def test_split_then_undo_brings_the_feature_back(window):
    window.editing.snapping = False
    window.editing.actions["split"].trigger()
    click(window, X0 + 5, Y0 - 2)
    click(window, X0 + 5, Y0 + 22)
    key(window, Qt.Key.Key_Return)
    now = stored(window)
    assert len(now) == 4
    pieces = now.drop(index=["B2", "B3"])
    assert sorted(round(g.area, 6) for g in pieces.geometry) == [100, 300]
    assert set(pieces.floors) == {2}  # the new piece has B1's attributes
    window.document.undo()
    back = stored(window)
    assert sorted(back.index) == ["B1", "B2", "B3"] and back.geometry["B1"].area == pytest.approx(400)


def test_merge_and_delete_the_selection(window):
    layer = window.document.layer("buildings")
    layer.select_uids(["B1", "B2"])
    assert window.editing.merge_selected() == "B1"  # same area: the first
    now = stored(window)
    assert sorted(now.index) == ["B1", "B3"] and now.geometry["B1"].area == pytest.approx(800)
    assert now.geometry["B1"].geoms[0].equals(box(X0, Y0, X0 + 40, Y0 + 20))
    assert index_of(layer).at_point(X0 + 30, Y0 + 10).tolist() == [layer.uid_rows.rows_of(["B1"])[0]]  # the live index followed
    layer.select_uids(["B3"])
    assert window.editing.delete_selected() == 1
    assert sorted(stored(window).index) == ["B1"]
    window.document.undo()
    assert sorted(stored(window).index) == ["B1", "B3"]


def test_snapping_settings_layers_and_tolerance(window):
    editing = window.editing
    editing.actions["add_point"].setEnabled(True)
    x, y, snap = editing.snapped(X0 + 70.5, Y0 + 10.5)  # 7 px from B3's corner: within 12 px
    assert snap is not None and (x, y) == (X0 + 70, Y0 + 10)
    editing.snap_pixels = 5
    assert editing.snapped(X0 + 70.5, Y0 + 10.5)[2] is None
    editing.snap_pixels = 12
    editing.snap_layer_ids = {"ledger"}  # B3 is not a snapping layer any more
    assert editing.snapped(X0 + 70.5, Y0 + 10.5)[2] is None
    editing.snap_layer_ids = None
    editing.snap_vertices = False
    x, y, snap = editing.snapped(X0 + 70.5, Y0 + 5)
    assert snap.kind == "edge" and (x, y) == pytest.approx((X0 + 70, Y0 + 5))


def test_actions_follow_the_layers_geometry(window):
    actions = window.editing.actions
    assert actions["add_polygon"].isEnabled() and not actions["add_point"].isEnabled()
    window.layer_tree.select_layer(window.document.layer("ledger"))
    assert actions["add_polygon"].isEnabled() and actions["add_point"].isEnabled()


def test_a_vertex_at_the_gps_position(window, monkeypatch):
    window.editing.snapping = False
    assert not window.editing.gps_vertex()  # not drawing: said so
    window.editing.actions["add_polygon"].trigger()
    assert not window.editing.gps_vertex() and "GPS" in window.editing.last_error  # no receiver yet
    monkeypatch.setattr(window.gps, "current_position", lambda: (X0 + 90.25, Y0 + 17.5))
    click(window, X0 + 80, Y0 + 10)
    click(window, X0 + 90, Y0 + 10)
    window.editing.actions["gps_vertex"].trigger()
    key(window, Qt.Key.Key_Return)
    added = stored(window).drop(index=["B1", "B2", "B3"]).geometry.iloc[0]
    assert (X0 + 90.25, Y0 + 17.5) in [tuple(c) for c in added.geoms[0].exterior.coords]
    assert added.area == pytest.approx(0.5 * 10 * 7.5, abs=1e-6)
