"""The 标注 tools in the window: draw by dragging, type a text in place, a callout on a feature that follows
it, select by a click at a computed screen point, drag, delete, restyle — each undone and redone with
Edit › Undo/Redo — and saved with the project by Ctrl+S."""

from __future__ import annotations

import pytest
import shapely
from pyproj import CRS
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeySequence, QMouseEvent
from PySide6.QtWidgets import QApplication
from shapely.geometry import box

from gisdesk.annotations import load_annotations
from gisdesk.io.importer import import_layer
from gisdesk.layers import annotations as A
from gisdesk.layers.index import index_of
from gisdesk.project import Project
from gisdesk.render.renderer import MapView
from tests.conftest import frame

X0, Y0 = 500_000.0, 3_450_000.0
RES = 0.25  # metres a pixel of the view


@pytest.fixture(scope="module")
def project_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notes")
    p = Project.create(folder / "notes.gpkg", crs=CRS.from_epsg(4549), name="标注测试")
    frame([{"bid": "B1", "floors": 2, "geometry": box(X0, Y0, X0 + 20, Y0 + 20)},
           {"bid": "B2", "floors": 5, "geometry": box(X0 + 40, Y0, X0 + 60, Y0 + 20)}]).to_file(folder / "b.geojson")
    import_layer(p, folder / "b.geojson", "buildings", id_field="bid")
    return p.path


@pytest.fixture(scope="module")
def shared_window(project_path):
    """One window on the project for the module (opening one takes seconds); each test starts it afresh."""
    from gisdesk.ui.main_window import MainWindow

    w = MainWindow()
    w.resize(1200, 800)
    w.show()
    assert w.open_project(project_path)
    for layer in w.document.layers:
        index_of(layer).wait(10)
    w._may_discard = lambda: True  # no "save changes?" question when the window closes
    yield w
    w.document.dirty = False
    w.close()
    w.deleteLater()


@pytest.fixture
def window(shared_window, project_path):
    from gisdesk.ui.annotations import saver_of
    from gisdesk.ui.canvas import PanTool

    w = shared_window
    controller = w.annotations
    w.document.annotations.load([], saver=saver_of(w.document))
    controller.set_selection([])
    controller.styles = dict(A.DEFAULT_STYLES)
    w.canvas.set_tool(PanTool(w.canvas))
    w.canvas.set_view(MapView(X0 + 30, Y0 + 10, RES, w.canvas.width(), w.canvas.height()), render_delay=False)
    yield w
    if controller.editor is not None:
        controller.editor.finish(False)
    w.document.dirty = False


def pixel(window, x, y) -> QPointF:
    px, py = window.canvas.view.to_pixels(x, y)
    return QPointF(float(px), float(py))


def _mouse(window, kind, at: QPointF, buttons=Qt.MouseButton.LeftButton, modifiers=Qt.KeyboardModifier.NoModifier):
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, at, QPointF(window.canvas.mapToGlobal(at.toPoint())), button, buttons, modifiers)
    QApplication.sendEvent(window.canvas, event)


def drag(window, a: QPointF, b: QPointF, steps: int = 4) -> None:
    _mouse(window, QEvent.Type.MouseButtonPress, a)
    for n in range(1, steps + 1):
        _mouse(window, QEvent.Type.MouseMove, a + (b - a) * (n / steps))
    _mouse(window, QEvent.Type.MouseButtonRelease, b, buttons=Qt.MouseButton.NoButton)


def click(window, at: QPointF, **kw) -> None:
    _mouse(window, QEvent.Type.MouseButtonPress, at, **kw)
    _mouse(window, QEvent.Type.MouseButtonRelease, at, buttons=Qt.MouseButton.NoButton, **kw)


def notes(window) -> list:
    return window.document.annotations.items


def test_the_menu_and_toolbar_have_every_tool(window):
    controller = window.annotations
    assert set(controller.actions) == {"select", *A.KINDS}
    menu_actions = window.menus["annotate"].actions()
    assert all(action in menu_actions for action in controller.actions.values())
    assert QKeySequence("Ctrl+Y") in window.action_redo.shortcuts()


def test_drag_a_rectangle_then_undo_and_redo_it(window):
    window.annotations.actions[A.RECTANGLE].trigger()
    drag(window, pixel(window, X0 + 10, Y0 + 30), pixel(window, X0 + 50, Y0 + 15))
    (item,) = notes(window)
    assert item.kind == A.RECTANGLE
    assert shapely.bounds(item.geometry) == pytest.approx((X0 + 10, Y0 + 15, X0 + 50, Y0 + 30), abs=RES)
    assert window.document.dirty and "*" in window.windowTitle()
    assert window.action_undo.isEnabled()
    window.action_undo.trigger()
    assert notes(window) == []
    window.action_redo.trigger()
    assert [i.id for i in notes(window)] == [item.id]


def test_delete_takes_what_was_just_drawn_and_no_other_tools_delete(window, qtbot):
    window.annotations.actions[A.ARROW].trigger()
    drag(window, pixel(window, X0, Y0), pixel(window, X0 + 20, Y0 + 10))
    (item,) = notes(window)
    from gisdesk.ui.canvas import PanTool

    window.canvas.set_tool(PanTool(window.canvas))  # another tool: its keys are its own
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert [i.id for i in notes(window)] == [item.id]
    window.annotations.actions[A.ARROW].trigger()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert notes(window) == []


def test_a_click_does_not_make_a_shape(window):
    window.annotations.actions[A.ELLIPSE].trigger()
    click(window, pixel(window, X0 + 10, Y0 + 10))
    assert notes(window) == []


def test_type_a_text_where_it_was_clicked(window, qtbot):
    window.annotations.actions[A.TEXT].trigger()
    click(window, pixel(window, X0 + 30, Y0 + 25))
    editor = window.annotations.editor
    assert editor is not None and editor.isVisible()
    editor.insert("违法建设")  # what an input method commits
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    (item,) = notes(window)
    assert item.kind == A.TEXT and item.text == "违法建设"
    assert shapely.get_coordinates(item.geometry)[0] == pytest.approx((X0 + 30, Y0 + 25), abs=RES)


def test_shift_enter_starts_a_second_line(window, qtbot):
    window.annotations.actions[A.CALLOUT].trigger()
    click(window, pixel(window, X0 + 10, Y0 + 28))  # off the buildings: a callout on a point
    editor = window.annotations.editor
    editor.insert("第一行")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    editor.insert("第二行")
    assert editor.height() > editor.fontMetrics().lineSpacing() * 2  # it grew to show both
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    (item,) = notes(window)
    assert item.text == "第一行\n第二行" and item.target is None


def test_escape_drops_the_text(window, qtbot):
    window.annotations.actions[A.TEXT].trigger()
    click(window, pixel(window, X0 + 30, Y0 + 25))
    window.annotations.editor.insert("不要")  # what an input method commits
    qtbot.keyClick(window.annotations.editor, Qt.Key.Key_Escape)
    assert notes(window) == []


def test_select_by_click_move_and_delete_each_undone(window, qtbot):
    controller = window.annotations
    rect = controller.add(A.RECTANGLE, A.rectangle(X0 + 10, Y0 + 10, X0 + 20, Y0 + 20))
    arrow = controller.add(A.ARROW, shapely.LineString([(X0 + 30, Y0), (X0 + 45, Y0 + 15)]))
    controller.actions["select"].trigger()
    click(window, pixel(window, X0 + 60, Y0 + 28))  # on nothing: nothing selected
    assert controller.selected == []
    click(window, pixel(window, X0 + 37.5, Y0 + 7.5))  # on the arrow's line, half way
    assert controller.selected == [arrow.id]
    click(window, pixel(window, X0 + 15, Y0 + 15), modifiers=Qt.KeyboardModifier.ShiftModifier)  # inside the rectangle
    assert controller.selected == [arrow.id, rect.id]
    # drag the selection by 40 × 20 pixels: 10 m east, 5 m south
    start = pixel(window, X0 + 15, Y0 + 15)
    drag(window, start, start + QPointF(40, 20))
    assert shapely.bounds(window.document.annotations.get(rect.id).geometry) == \
        pytest.approx((X0 + 20, Y0 + 5, X0 + 30, Y0 + 15))
    assert shapely.get_coordinates(window.document.annotations.get(arrow.id).geometry)[-1] == \
        pytest.approx((X0 + 55, Y0 + 10))
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert notes(window) == []
    window.action_undo.trigger()  # the delete
    assert [i.id for i in notes(window)] == [rect.id, arrow.id]
    window.action_undo.trigger()  # the move
    assert shapely.bounds(window.document.annotations.get(rect.id).geometry) == \
        pytest.approx((X0 + 10, Y0 + 10, X0 + 20, Y0 + 20))
    window.action_redo.trigger()
    assert shapely.bounds(window.document.annotations.get(rect.id).geometry) == \
        pytest.approx((X0 + 20, Y0 + 5, X0 + 30, Y0 + 15))


def test_arrow_keys_nudge_the_selection(window, qtbot):
    controller = window.annotations
    rect = controller.add(A.RECTANGLE, A.rectangle(X0 + 10, Y0 + 10, X0 + 20, Y0 + 20))
    controller.actions["select"].trigger()
    view = window.canvas.view
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # 10 px east
    qtbot.keyClick(window.canvas, Qt.Key.Key_Up)  # 1 px north
    assert shapely.bounds(window.document.annotations.get(rect.id).geometry) == \
        pytest.approx((X0 + 12.5, Y0 + 10.25, X0 + 22.5, Y0 + 20.25))
    assert window.canvas.view == view  # the map did not pan
    window.action_undo.trigger()
    window.action_undo.trigger()
    assert shapely.bounds(window.document.annotations.get(rect.id).geometry) == \
        pytest.approx((X0 + 10, Y0 + 10, X0 + 20, Y0 + 20))


def test_a_text_is_picked_by_its_letters(window):
    controller = window.annotations
    text = controller.add(A.TEXT, shapely.Point(X0 + 30, Y0 + 25), text="很长的一行说明文字")
    controller.set_selection([])
    controller.actions["select"].trigger()
    # 8 characters of 14 pt (18.7 px each) centred on the point: 3 characters (56 px) to the right is on them
    click(window, pixel(window, X0 + 30, Y0 + 25) + QPointF(56, 0))
    assert controller.selected == [text.id]


def test_resize_a_rectangle_by_its_corner(window):
    controller = window.annotations
    rect = controller.add(A.RECTANGLE, A.rectangle(X0 + 10, Y0 + 10, X0 + 20, Y0 + 20))
    controller.actions["select"].trigger()
    drag(window, pixel(window, X0 + 20, Y0 + 10), pixel(window, X0 + 30, Y0 + 5))  # the bottom-right handle
    assert shapely.bounds(window.document.annotations.get(rect.id).geometry) == \
        pytest.approx((X0 + 10, Y0 + 5, X0 + 30, Y0 + 20), abs=RES)


def test_a_callout_on_a_feature_follows_it(window, qtbot):
    controller = window.annotations
    controller.actions[A.CALLOUT].trigger()
    drag(window, pixel(window, X0 + 50, Y0 + 10), pixel(window, X0 + 70, Y0 + 30))
    controller.editor.insert("压线 2.5 m")  # what an input method commits
    qtbot.keyClick(controller.editor, Qt.Key.Key_Return)
    (item,) = notes(window)
    assert item.target == ("buildings", "B2") and item.text == "压线 2.5 m"
    assert item.target_offset == pytest.approx((0.0, 0.0), abs=RES)  # pressed on B2's centre
    document = window.document
    session = document.edits(document.layer("buildings"))
    session.set_geometry("B2", box(X0 + 140, Y0 + 100, X0 + 160, Y0 + 120))  # moved by (100, 100)
    session.commit()
    (shown,) = controller.shown()
    assert shown.anchor == pytest.approx((X0 + 150, Y0 + 110), abs=RES)
    assert shown.box_centre == pytest.approx((X0 + 170, Y0 + 130), abs=RES)
    assert window.canvas.make_scene().annotations[0].anchor == pytest.approx(shown.anchor)
    assert window.save_project()  # saved where it points now
    (saved,) = load_annotations(Project.open(window.document.project.path))
    assert saved.anchor == pytest.approx(shown.anchor) and saved.target == ("buildings", "B2")
    session.set_geometry("B2", box(X0 + 40, Y0, X0 + 60, Y0 + 20))  # back, for the other tests
    session.commit()


def test_double_click_retypes_a_text(window, qtbot):
    controller = window.annotations
    text = controller.add(A.TEXT, shapely.Point(X0 + 30, Y0 + 25), text="旧")
    controller.actions["select"].trigger()
    at = pixel(window, X0 + 30, Y0 + 25)
    _mouse(window, QEvent.Type.MouseButtonDblClick, at)
    editor = controller.editor
    editor.selectAll()
    editor.insert("新的文字")  # what an input method commits
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.document.annotations.get(text.id).text == "新的文字"
    window.action_undo.trigger()
    assert window.document.annotations.get(text.id).text == "旧"


def test_restyle_the_selection_is_undoable(window):
    controller = window.annotations
    rect = controller.add(A.RECTANGLE, A.rectangle(X0 + 10, Y0 + 10, X0 + 20, Y0 + 20))
    dialog = controller.edit_style()
    dialog.set_colors(color="#00aa00", fill="#ffcc00")
    dialog.width.setValue(1.5)
    dialog.opacity.setValue(40)
    dialog.font_size.setValue(20)
    dialog.accept()
    style = window.document.annotations.get(rect.id).style
    assert (style.color, style.fill, style.width_mm, style.fill_alpha, style.font_pt) == \
        ("#00aa00", "#ffcc00", 1.5, 0.4, 20.0)
    window.action_undo.trigger()
    assert window.document.annotations.get(rect.id).style == A.DEFAULT_STYLES[A.RECTANGLE]


def test_the_style_with_nothing_selected_is_for_the_next_ones(window):
    controller = window.annotations
    controller.actions[A.ELLIPSE].trigger()
    dialog = controller.edit_style()
    dialog.set_colors(color="#123456")
    dialog.width.setValue(2.0)
    dialog.accept()
    assert not window.document.dirty  # nothing changed on the map
    drag(window, pixel(window, X0, Y0), pixel(window, X0 + 20, Y0 + 10))
    (item,) = notes(window)
    assert (item.style.color, item.style.width_mm) == ("#123456", 2.0)
    assert ellipse_box_of(item) == pytest.approx((X0, Y0, X0 + 20, Y0 + 10), abs=RES)


def ellipse_box_of(item):
    return A.ellipse_box(item.geometry)


def test_the_canvas_draws_them(window, qtbot):
    controller = window.annotations
    controller.styles[A.RECTANGLE] = A.AnnotationStyle(color="#ff0000", fill="#ff0000", fill_alpha=1.0)
    controller.add(A.RECTANGLE, A.rectangle(X0 + 62, Y0 + 22, X0 + 72, Y0 + 32))
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000):
        window.canvas.render_now()
    image = window.canvas._image
    ratio = window.canvas.device_pixel_ratio()
    centre = pixel(window, X0 + 67, Y0 + 27)
    color = image.pixelColor(round(centre.x() * ratio), round(centre.y() * ratio))
    assert (color.red(), color.green(), color.blue()) == (255, 0, 0)


def test_ctrl_s_saves_them_with_the_project(window, project_path):
    controller = window.annotations
    controller.add(A.TEXT, shapely.Point(X0 + 30, Y0 + 25), text="保存我")
    controller.add(A.ELLIPSE, A.ellipse_polygon(X0, Y0, X0 + 40, Y0 + 20))
    assert window.document.dirty
    assert window.save_project()
    assert not window.document.dirty and "*" not in window.windowTitle()
    back = load_annotations(Project.open(project_path))
    assert [(i.kind, i.text) for i in back] == [(A.TEXT, "保存我"), (A.ELLIPSE, "")]
