"""Map tools: identify, select (click, rectangle, polygon), measure — by hand-made layers and a 1 M-building layer."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from shapely.geometry import box

from gisdesk.io.importer import import_layer
from gisdesk.layers.document import MapDocument
from gisdesk.layers.index import index_of
from gisdesk.layers.layer import Layer
from gisdesk.project import Project
from gisdesk.render.renderer import MapView
from gisdesk.ui.tools import area_text
from tests.conftest import METRIC, frame

X0, Y0 = 500_000.0, 3_450_000.0  # on the central meridian of EPSG:4549 (120°E), about 31°N


@pytest.fixture
def project_path(tmp_path):
    p = Project.create(tmp_path / "tools.gpkg", crs=CRS.from_epsg(4549), name="工具测试")
    frame([{"bid": "B1", "floors": 2, "geometry": box(X0, Y0, X0 + 20, Y0 + 20)},
           {"bid": "B2", "floors": 5, "geometry": box(X0 + 40, Y0, X0 + 60, Y0 + 20)},
           {"bid": "B3", "floors": 9, "geometry": box(X0 + 80, Y0 + 40, X0 + 100, Y0 + 60)}]
          ).to_file(tmp_path / "b.geojson")
    frame([{"case_no": "HP2025-0001", "found_on": "2025-03-01", "status": "待核查",
            "geometry": box(X0 + 42, Y0 + 2, X0 + 50, Y0 + 10)}]).to_file(tmp_path / "l.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    import_layer(p, tmp_path / "l.geojson", "ledger")
    return p.path


@pytest.fixture
def window(qtbot, project_path):
    from gisdesk.ui.main_window import MainWindow
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    assert w.open_project(project_path)
    w.canvas.set_view(MapView(X0 + 50, Y0 + 30, 0.25, w.canvas.width(), w.canvas.height()), render_delay=False)
    for layer in w.document.layers:
        index_of(layer).wait(10)
    w._may_discard = lambda: True  # no "save changes?" question when the test closes the window
    return w


def pixel(window, x, y) -> QPoint:
    px, py = window.canvas.view.to_pixels(x, y)
    return QPoint(round(float(px)), round(float(py)))


def move_mouse(window, point: QPoint) -> None:
    """A mouse move over the canvas (QTest.mouseMove sends none to an offscreen widget)."""
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(point), QPointF(window.canvas.mapToGlobal(point)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window.canvas, event)


def layer(window, kind) -> Layer:
    return window.document.layer(kind)


def test_identify_lists_the_features_under_the_click_topmost_layer_first(window, qtbot):
    window.action_identify.trigger()
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pixel(window, X0 + 45, Y0 + 5))
    results = window.tools.last_identified
    assert [(found.layer.kind, found.uids.tolist()) for found in results] == [("ledger", ["HP2025-0001"]),
                                                                               ("buildings", ["B2"])]
    tree = window.tools.identify_panel.tree
    ledger_item = tree.topLevelItem(0)
    assert ledger_item.text(0) == "违法建设台账"
    case = ledger_item.child(0)
    assert case.text(0) == "HP2025-0001"
    fields = {case.child(i).text(0): case.child(i).text(1) for i in range(case.childCount())}
    assert fields["处置状态"] == "待核查" and fields["编号"] == "HP2025-0001"  # Chinese labels from the schema
    building = tree.topLevelItem(1).child(0)
    assert {building.child(i).text(0): building.child(i).text(1) for i in range(building.childCount())}["层数"] == "5"
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pixel(window, X0 + 70, Y0 + 30))
    assert window.tools.last_identified == []


def test_identify_skips_hidden_layers(window, qtbot):
    layer(window, "ledger").visible = False
    window.action_identify.trigger()
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pixel(window, X0 + 45, Y0 + 5))
    assert [(found.layer.kind, found.uids.tolist()) for found in window.tools.last_identified] == [
        ("buildings", ["B2"])]


def test_select_by_click_rectangle_and_shift_adds(window, qtbot):
    buildings, ledger = layer(window, "buildings"), layer(window, "ledger")
    window.tools.set_scope(buildings)
    window.action_select.trigger()
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pixel(window, X0 + 10, Y0 + 10))
    assert buildings.selection.tolist() == ["B1"]
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     pixel(window, X0 + 90, Y0 + 50))
    assert buildings.selection.tolist() == ["B1", "B3"]
    # a rectangle over B1 and B2 (B3 outside): replaces the selection
    start, end = pixel(window, X0 - 5, Y0 + 25), pixel(window, X0 + 65, Y0 - 5)
    qtbot.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=start)
    move_mouse(window, end)
    qtbot.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=end)
    assert buildings.selection.tolist() == ["B1", "B2"]
    assert ledger.selection.tolist() == []  # only the chosen layer
    window.tools.set_scope(None)  # all visible layers
    qtbot.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=end)
    assert buildings.selection.tolist() == ["B1", "B2"] and ledger.selection.tolist() == ["HP2025-0001"]
    window.action_clear_selection.trigger()
    assert buildings.selection.tolist() == [] and ledger.selection.tolist() == []


def _is_highlighted(window, x, y) -> bool:
    """Whether the canvas's last picture shows the highlight colour (#00e5ff) at map point (x, y)."""
    px, py = window.canvas._image_view.to_pixels(x, y)
    color = window.canvas._image.pixelColor(round(float(px)), round(float(py)))
    return color.red() < 80 and color.green() > 180 and color.blue() > 200


def test_a_highlight_by_uid_outlines_the_same_feature_after_its_layer_is_reordered(window, qtbot):
    from gisdesk.render.snapshot import Highlight

    buildings = layer(window, "buildings")
    window.action_identify.trigger()
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pixel(window, X0 + 55, Y0 + 15))  # B2 only
    assert window.canvas.highlight == (Highlight("buildings", ("B2",)),)
    with qtbot.waitSignal(window.canvas.rendered, timeout=10_000):
        window.canvas.render_now()
    left_edges = {"B1": (X0, Y0 + 15), "B2": (X0 + 40, Y0 + 15), "B3": (X0 + 80, Y0 + 55)}
    assert [_is_highlighted(window, *left_edges[uid]) for uid in ("B1", "B2", "B3")] == [False, True, False]
    with qtbot.waitSignal(window.canvas.rendered, timeout=10_000):
        buildings.set_frame(buildings.frame.iloc[[2, 0, 1]])  # B3, B1, B2: B2 leaves row 1 (now B1's)
    assert buildings.frame["uid"].tolist() == ["B3", "B1", "B2"]
    assert [_is_highlighted(window, *left_edges[uid]) for uid in ("B1", "B2", "B3")] == [False, True, False]
    with qtbot.waitSignal(window.canvas.rendered, timeout=10_000):
        buildings.set_frame(buildings.frame[buildings.frame["uid"] != "B2"])  # deleted: nothing to outline
    assert not any(_is_highlighted(window, *left_edges[uid]) for uid in ("B1", "B2", "B3"))


def test_select_by_polygon(window, qtbot):
    buildings = layer(window, "buildings")
    window.tools.set_scope(buildings)
    window.action_select_polygon.trigger()
    # a triangle that touches B1 and B3 but passes between them and B2's bottom right
    for x, y in ((X0 - 5, Y0 + 15), (X0 + 105, Y0 + 65), (X0 + 10, Y0 + 65)):
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pixel(window, x, y))
    assert window.canvas.tool.points and buildings.selection.tolist() == []
    qtbot.mouseClick(window.canvas, Qt.MouseButton.RightButton, pos=pixel(window, X0 + 10, Y0 + 65))
    assert buildings.selection.tolist() == ["B1", "B3"]
    window.canvas.grab()  # paint() with the tool active does not fail


def test_area_text_gives_square_metres_hectares_and_mu():
    assert "10,000.00" in area_text(10_000.0) and "1.0000" in area_text(10_000.0)
    assert "15.000" in area_text(10_000.0)  # 1 ha = 15 亩


def test_measure_tools_show_both_results_with_units(window, qtbot):
    window.action_measure_area.trigger()
    for x, y in ((X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 50)):
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pixel(window, x, y))
    qtbot.mouseDClick(window.canvas, Qt.MouseButton.LeftButton, pos=pixel(window, X0 + 100, Y0 + 50))
    tool = window.canvas.tool
    assert tool.finished and tool.result.planar == pytest.approx(2500, rel=0.01)
    text = window.tools.measure_panel.label.text()
    assert "EPSG:4549" in text and "CGCS2000" in text and "m²" in text and "ha" in text and "mu" in text
    window.action_measure_distance.trigger()
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pixel(window, X0, Y0))
    move_mouse(window, pixel(window, X0 + 100, Y0))
    assert window.canvas.tool.result.planar == pytest.approx(100, rel=0.01)  # follows the cursor
    qtbot.mouseClick(window.canvas, Qt.MouseButton.RightButton, pos=pixel(window, X0 + 100, Y0))
    assert "m" in window.tools.measure_panel.label.text()


# --- a million buildings ---------------------------------------------------------------------

SIDE = 1000  # 1000 x 1000 = 1 M boxes, 8 m wide on a 10 m grid


@pytest.fixture(scope="module")
def million():
    start = time.perf_counter()
    i, j = np.divmod(np.arange(SIDE * SIDE), SIDE)
    x, y = X0 + j * 10.0, Y0 + i * 10.0
    geoms = shapely.box(x, y, x + 8, y + 8)
    frame_ = gpd.GeoDataFrame({"uid": pd.Series(np.arange(SIDE * SIDE)).astype(str),
                               "floors": (i % 30).astype(np.int64)}, geometry=geoms, crs=METRIC)
    layer_ = Layer("buildings", frame_)
    made = time.perf_counter() - start
    start = time.perf_counter()
    index_of(layer_).build()
    print(f"\n1 M buildings: generated in {made:.2f} s, R-tree bulk-loaded in {time.perf_counter() - start:.2f} s")
    return layer_


def _best(f, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - start)
    return result, float(np.median(times)), max(times)


def test_identify_and_select_on_a_million_buildings_answer_within_50_ms(qtbot, tmp_path, million):
    from gisdesk.ui.main_window import MainWindow
    index = index_of(million)
    assert index.ready and len(million.frame) == 1_000_000
    # the index alone
    rows, t_point, _ = _best(lambda: index.at_point(X0 + 5004, Y0 + 3004, 0.5))
    assert rows.tolist() == [300 * SIDE + 500]
    rows, t_box, _ = _best(lambda: index.in_box(X0 + 2001, Y0 + 2001, X0 + 2299, Y0 + 2199))
    assert len(rows) == 30 * 20
    rows, t_big, _ = _best(lambda: index.in_box(X0 + 2001, Y0 + 2001, X0 + 2999, Y0 + 2999))
    assert len(rows) == 100 * 100

    # through the window: a click with the identify tool, a dragged rectangle with the select tool
    project = Project.create(tmp_path / "m.gpkg", crs=CRS.from_epsg(4549))
    window = MainWindow()
    window._may_discard = lambda: True
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    window.document = MapDocument(project, [million])  # not drawn: no canvas render
    window.tools._fill_scope()
    window.canvas.view = MapView(X0 + 2150, Y0 + 2100, 0.3, window.canvas.width(), window.canvas.height())
    window.action_identify.trigger()
    target = pixel(window, X0 + 2154, Y0 + 2104)  # inside building (row 210, column 215)

    def click():
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=target)
        return window.tools.last_identified

    found, t_click, t_click_max = _best(click)
    assert [(f.layer.kind, f.uids.tolist()) for f in found] == [("buildings", [str(210 * SIDE + 215)])]
    window.action_select.trigger()
    a, b = pixel(window, X0 + 2001, Y0 + 2199), pixel(window, X0 + 2299, Y0 + 2001)

    def drag():
        qtbot.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=a)
        qtbot.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=b)
        return million.selection

    selected, t_drag, t_drag_max = _best(drag)
    assert len(selected) == 600 and selected[0] == str(200 * SIDE + 200)
    print(f"1 M buildings (median of 5): index at_point {t_point * 1000:.2f} ms, in_box 600 features "
          f"{t_box * 1000:.2f} ms, in_box 10 000 features {t_big * 1000:.2f} ms; identify click "
          f"{t_click * 1000:.2f} ms (max {t_click_max * 1000:.2f}), rectangle select drag {t_drag * 1000:.2f} ms "
          f"(max {t_drag_max * 1000:.2f})")
    for t in (t_point, t_box, t_big, t_click, t_drag):
        assert t < 0.050
    million.select_uids([])
    window.document = None
