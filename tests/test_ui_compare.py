"""Comparing two dates: the canvas at device pixel ratio 2, swipe (golden images at ratio 1 and 2),
flicker, side by side (linked centre, resolution and cursor across panes of different sizes) and
marking a suspected new building as a draft ledger case, with undo.

The two "dates" of the swipe and flicker tests are two scenes of vector layers (a ground of one
colour each, the same case square over both), so every pixel is known; the marking test uses a
project. Ratio 2 is checked twice: in-process by rendering the canvas into a picture of ratio 2
(MapCanvas.forced_ratio), and in a subprocess where Qt itself runs at QT_SCALE_FACTOR=2.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from pyproj import CRS
from shapely.geometry import Polygon, box

from tests.conftest import DATA, frame

pytest.importorskip("PySide6")

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QImage, QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QDockWidget  # noqa: E402

from gisdesk.layers.layer import Event, Layer  # noqa: E402
from gisdesk.render.snapshot import Scene  # noqa: E402
from gisdesk.render.style import default_style  # noqa: E402
from gisdesk.render.view import MapView  # noqa: E402

pytestmark = pytest.mark.usefixtures("qapp")

GOLDEN = DATA / "golden"
WIDTH, HEIGHT = 200, 150  # the canvas's smallest size
VIEW = MapView(100.0, 75.0, 1.0, WIDTH, HEIGHT)  # 1 m a pixel: map (0, 0)-(200, 150)
GROUND_A, GROUND_B = "#3a6fb0", "#d9a441"  # the two dates' grounds: blue, ochre
CASE = box(80, 40, 120, 80)  # a case square across the middle, over both dates


def ground(color: str) -> Layer:
    return Layer("buildings", frame([{"uid": "G", "name": "", "geometry": box(-500, -500, 700, 700)}]),
                 style={**default_style("buildings"), "fill": color, "stroke": color, "label_field": None})


def case_layer() -> Layer:
    return Layer("ledger", frame([{"uid": "C1", "case_no": "C1", "status": "待核查", "geometry": CASE}]),
                 style={**default_style("ledger"), "fill_alpha": 1.0, "label_field": None})


def document(layers):
    return SimpleNamespace(layers=list(layers), basemaps=[], events={"layers": Event(), "basemaps": Event()},
                           extent=lambda: (0, 0, 200, 150))


def two_dates():
    """Sides A (2010) and B (2019): the same case over a blue and an ochre ground."""
    from gisdesk.ui.compare import Side

    case = case_layer()
    a, b = ground(GROUND_A), ground(GROUND_B)
    return [Side("A", "A", "2010", None, scene=lambda canvas: Scene.of([a, case])),
            Side("B", "B", "2019-06", None, scene=lambda canvas: Scene.of([b, case]))]


def rgb(image: QImage, x: int, y: int) -> str:
    return image.pixelColor(x, y).name()


def render_canvas(canvas, ratio: float) -> QImage:
    """The canvas as the screen would show it at `ratio` (device pixels)."""
    image = QImage(round(canvas.width() * ratio), round(canvas.height() * ratio), QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(ratio)
    image.fill(0)
    canvas.render(image)
    return image.convertToFormat(QImage.Format.Format_RGB888)


def make_canvas(qtbot, layers, ratio=None):
    from gisdesk.ui.canvas import MapCanvas

    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(WIDTH, HEIGHT)
    canvas.forced_ratio = ratio
    canvas.set_document(document(layers))
    canvas.set_view(VIEW, render_delay=False)
    qtbot.waitUntil(lambda: not canvas.is_rendering(), timeout=20_000)
    return canvas


def case_centre(image: QImage, ratio: float) -> tuple[float, float]:
    """The centre of the case's orange fill, in logical pixels."""
    x0, y0, x1, y1 = case_box(image)
    return (x0 + x1 + 1) / 2 / ratio, (y0 + y1 + 1) / 2 / ratio


def case_box(image: QImage) -> tuple[int, int, int, int]:
    """The bounding box, in device pixels, of the case's orange fill."""
    array = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    array = array[:, :image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)
    orange = (np.abs(array - [0xdc, 0x76, 0x02]).sum(axis=2) < 40)
    ys, xs = np.nonzero(orange)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


# --- device pixel ratio ---------------------------------------------------------------------

def test_at_ratio_2_the_canvas_renders_twice_the_pixels_and_a_feature_lands_where_it_does_at_ratio_1(qtbot):
    one = make_canvas(qtbot, [case_layer()])
    two = make_canvas(qtbot, [case_layer()], ratio=2)
    assert (one._image.width(), one._image.height(), one._image.devicePixelRatio()) == (WIDTH, HEIGHT, 1)
    assert (two._image.width(), two._image.height(), two._image.devicePixelRatio()) == (2 * WIDTH, 2 * HEIGHT, 2)
    # map (80, 40)-(120, 80) at 1 m a pixel: columns 80-119, rows 70-109 (the fill inside its outline)
    assert case_box(render_canvas(one, 1)) == (81, 71, 118, 108)
    assert case_centre(render_canvas(one, 1), 1) == (100, 90)
    # at ratio 2: the same logical place, twice the pixels
    assert case_box(render_canvas(two, 2)) == (161, 141, 238, 218)
    assert case_centre(render_canvas(two, 2), 2) == (100, 90)
    # sizes in mm stay as large on the screen: the case's 0.8 mm outline is twice as many device pixels
    assert two.render_context().dpi == 192 and two.render_context().mm(0.8) == 2 * one.render_context().mm(0.8)


def test_while_panning_the_last_picture_moves_in_logical_pixels_at_ratio_2(qtbot):
    two = make_canvas(qtbot, [case_layer()], ratio=2)
    two.set_view(VIEW.panned(10, -5))  # moved, not yet re-rendered: the old picture drawn moved
    assert two.is_rendering()
    assert case_box(render_canvas(two, 2)) == (181, 131, 258, 208)  # 10 and -5 logical pixels = 20 and -10 device
    qtbot.waitUntil(lambda: not two.is_rendering(), timeout=20_000)
    assert case_box(render_canvas(two, 2)) == (181, 131, 258, 208)


_SCALED_SCRIPT = r"""
import json, sys
sys.path.insert(0, {root!r})
from PySide6.QtWidgets import QApplication
app = QApplication([])
from tests import test_ui_compare as t
from gisdesk.ui.canvas import MapCanvas
canvas = MapCanvas()
canvas.resize(t.WIDTH, t.HEIGHT)
canvas.show()
canvas.set_document(t.document([t.case_layer()]))
canvas.set_view(t.VIEW, render_delay=False)
while canvas.is_rendering():
    app.processEvents()
app.processEvents()
picture = canvas.grab()
picture.save({out!r})
print(json.dumps({{"ratio": canvas.devicePixelRatioF(), "image": [canvas._image.width(), canvas._image.height()],
                  "grab": [picture.width(), picture.height()], "grab_ratio": picture.devicePixelRatio()}}))
"""


def test_under_qt_scale_factor_2_the_screen_ratio_is_used_and_nothing_shifts(tmp_path):
    root = str(Path(__file__).resolve().parent.parent)
    out = tmp_path / "scaled.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2"}
    done = subprocess.run([sys.executable, "-c", _SCALED_SCRIPT.format(root=root, out=str(out))], env=env,
                          capture_output=True, text=True, timeout=120, cwd=root)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["ratio"] == 2 and facts["grab_ratio"] == 2
    assert facts["image"] == [2 * WIDTH, 2 * HEIGHT] and facts["grab"] == [2 * WIDTH, 2 * HEIGHT]
    picture = QImage(str(out)).convertToFormat(QImage.Format.Format_RGB888)
    assert case_box(picture) == (161, 141, 238, 218)


# --- swipe ----------------------------------------------------------------------------------

def swipe_canvas(qtbot, ratio=None, divider=None):
    from gisdesk.ui.compare import Swipe

    sides = two_dates()
    canvas = make_canvas(qtbot, [case_layer()], ratio=ratio)
    swipe = Swipe(canvas)
    swipe.x = divider
    swipe.labels = ("2010", "2019-06")
    canvas.set_variants([lambda: sides[0].make(canvas), lambda: sides[1].make(canvas)], swipe)
    qtbot.waitUntil(lambda: not canvas.is_rendering() and len(canvas._images) == 2, timeout=20_000)
    return canvas, swipe


def same_as_golden(image: QImage, name: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GISDESK_WRITE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        image.save(str(path))
    golden = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    assert (golden.width(), golden.height()) == (image.width(), image.height()), name

    def array(picture):
        raw = np.frombuffer(picture.constBits(), np.uint8).reshape(picture.height(), picture.bytesPerLine())
        return raw[:, :picture.width() * 3].astype(int)
    differ = np.abs(array(golden) - array(image)) > 8  # antialiased text may differ by a shade
    assert differ.mean() < 0.002, f"{name}: {differ.sum()} channel values differ"


@pytest.mark.parametrize("ratio", [1, 2])
def test_a_swipe_at_a_known_divider_shows_date_a_left_and_date_b_right(qtbot, ratio):
    canvas, swipe = swipe_canvas(qtbot, ratio=ratio, divider=60)
    image = render_canvas(canvas, ratio)
    r = ratio
    # pixels either side of the divider, low (away from the date tags) and outside the case square
    # (the divider's line covers 58.5-61.5; the date tags end at y = 30, the scale bar starts at 112)
    assert rgb(image, 56 * r, 45 * r) == GROUND_A and rgb(image, 57 * r + r - 1, 45 * r) == GROUND_A
    assert rgb(image, 62 * r, 45 * r) == GROUND_B and rgb(image, 100 * r, 45 * r) == GROUND_B
    assert rgb(image, 2, 45 * r) == GROUND_A and rgb(image, WIDTH * r - 3, 45 * r) == GROUND_B
    assert rgb(image, 30 * r, 100 * r) == GROUND_A and rgb(image, 70 * r, 100 * r) == GROUND_B
    # the case, drawn over both dates, is on the right only here (it starts at x = 80)
    assert rgb(image, 100 * r, 90 * r) == "#dc7602"
    same_as_golden(image, f"swipe_dpr{ratio}.png")


def test_dragging_the_divider_moves_it_and_a_drag_elsewhere_pans(qtbot):
    from gisdesk.ui.compare import SwipeTool

    canvas, swipe = swipe_canvas(qtbot)
    left = []
    canvas.set_tool(SwipeTool(canvas, swipe, lambda: left.append(True)))
    assert swipe.position() == WIDTH // 2
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(WIDTH // 2 + 3, 60))
    qtbot.mouseMove(canvas, QPoint(150, 60))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(150, 60))
    assert swipe.position() == 150 and canvas.view == VIEW  # the divider moved, not the map
    image = render_canvas(canvas, 1)
    assert rgb(image, 145, 100) == GROUND_A and rgb(image, 155, 100) == GROUND_B
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(40, 130))
    qtbot.mouseMove(canvas, QPoint(30, 130))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(30, 130))
    assert swipe.position() == 150 and canvas.view.cx == pytest.approx(VIEW.cx + 10)
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert left == [True]


def test_flicker_alternates_the_two_dates_at_the_rate_set(qtbot):
    from gisdesk.ui.compare import Flicker

    sides = two_dates()
    canvas = make_canvas(qtbot, [case_layer()])
    flicker = Flicker(canvas, rate=2.0)
    assert flicker.timer.interval() == 500
    flicker.set_rate(5)
    assert flicker.timer.interval() == 200
    flicker.set_rate(50)  # beyond what the spin box offers
    assert flicker.timer.interval() == 200
    canvas.set_variants([lambda: sides[0].make(canvas), lambda: sides[1].make(canvas)], flicker)
    qtbot.waitUntil(lambda: not canvas.is_rendering() and len(canvas._images) == 2, timeout=20_000)
    shown = []
    for _ in range(3):
        image = render_canvas(canvas, 1)
        shown.append((rgb(image, 180, 100), rgb(image, 20, 60)))
        flicker.step()
    assert shown == [(GROUND_A, GROUND_A), (GROUND_B, GROUND_B), (GROUND_A, GROUND_A)]


def test_leaving_a_comparison_shows_the_one_picture_of_the_document_again(qtbot):
    canvas, _ = swipe_canvas(qtbot, divider=60)
    canvas.set_variants(None)
    qtbot.waitUntil(lambda: not canvas.is_rendering(), timeout=20_000)
    image = render_canvas(canvas, 1)
    assert rgb(image, 20, 60) == "#f7f5f0" and rgb(image, 180, 100) == "#f7f5f0"  # no ground: the background
    assert canvas.compositor is None and len(canvas._images) == 1


# --- the comparison in the window, and marking a new case -----------------------------------

X0, Y0 = 1000.0, 2000.0  # the project's ground: 200 m square, two images of it


def write_image(path: Path, color: tuple[int, int, int], date: str) -> Path:
    import rasterio
    from rasterio.transform import from_origin

    bands = np.zeros((3, 200, 200), dtype=np.uint8)
    for band, value in enumerate(color):
        bands[band] = value
    with rasterio.open(path, "w", driver="GTiff", width=200, height=200, count=3, dtype="uint8", crs="EPSG:4549",
                       transform=from_origin(X0, Y0 + 200, 1.0, 1.0), photometric="RGB") as ds:
        ds.write(bands)
        ds.update_tags(TIFFTAG_DATETIME=date)
    return path


@pytest.fixture
def window(qtbot, tmp_path):
    from gisdesk.io.basemaps import add_basemap
    from gisdesk.io.importer import import_layer
    from gisdesk.project import Project
    from gisdesk.ui.main_window import MainWindow

    p = Project.create(tmp_path / "c.gpkg", crs=CRS.from_epsg(4549))
    admin = {"district": "黄浦区", "street": "外滩街道", "community": "中山东一路社区"}
    frame([{"bid": "B1", "name": "一号楼", **admin, "geometry": box(X0 + 10, Y0 + 10, X0 + 90, Y0 + 90)},
           {"bid": "B2", "name": "二号楼", "district": "浦东新区", "street": "陆家嘴街道", "community": "梅园社区",
            "geometry": box(X0 + 150, Y0 + 150, X0 + 190, Y0 + 190)}]).to_file(tmp_path / "b.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    frame([{"case_no": "HP2024-0007", "status": "已立案", "found_on": "2024-03-01", "source": "巡查发现",
            **admin, "geometry": box(X0 + 100, Y0 + 10, X0 + 110, Y0 + 20)}]).to_file(tmp_path / "l.geojson")
    import_layer(p, tmp_path / "l.geojson", "ledger")
    add_basemap(p, write_image(tmp_path / "old.tif", (58, 111, 176), "2010:05:01 00:00:00"), title="航拍")
    add_basemap(p, write_image(tmp_path / "new.tif", (217, 164, 65), "2019:06:01 00:00:00"), title="卫片")
    w = MainWindow(headless=True)
    qtbot.addWidget(w)
    w.resize(900, 700)
    w.show()
    assert w.open_project(p.path)
    qtbot.waitUntil(lambda: w.comparison.sides and not w.canvas.is_rendering(), timeout=20_000)
    return w


def ledger_in_file(window):
    return window.document.project.read_layer("ledger").set_index("uid")


def click_corners(qtbot, canvas, corners) -> None:
    for x, y in corners:
        px, py = (int(round(float(v))) for v in canvas.view.to_pixels(x, y))
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(px, py))


def test_the_pickers_list_the_base_maps_by_date_and_a_swipe_shows_the_older_left(qtbot, window):
    compare = window.comparison
    assert [s.date for s in compare.sides] == ["2010-05-01", "2019-06-01"] or \
        [s.date for s in compare.sides] == sorted(s.date for s in compare.sides)
    assert compare.left_picker.count() == 2 and compare.left_picker.currentIndex() == 0
    assert compare.right_picker.currentIndex() == 1
    assert compare.left_picker.itemText(0).startswith(compare.sides[0].date)
    assert compare.enter("swipe") and compare.toolbar.isVisible()
    canvas = window.canvas
    canvas.zoom_to_extent((X0, Y0, X0 + 200, Y0 + 200))
    compare.swipe.x = canvas.width() / 2
    # each date's base map alone, and the vector layers once, laid over both
    qtbot.waitUntil(lambda: not canvas.is_rendering() and len(canvas._images) == 3, timeout=20_000)
    assert canvas._images[2].pixelColor(2, 2).alpha() == 0  # transparent where no vector is
    picture = canvas.grab().toImage()
    # a point of each image away from the vectors: x 1195 (right image), x 1005 (left), y 2100
    for x, expected in ((X0 + 5, "#3a6fb0"), (X0 + 195, "#d9a441")):
        px, py = (int(round(float(v))) for v in canvas.view.to_pixels(x, Y0 + 120))
        assert picture.pixelColor(px, py).name() == expected
    # the buildings over both dates: B1 left of the divider, B2 right of it, in their own fill
    for x, y in ((X0 + 20, Y0 + 80), (X0 + 185, Y0 + 155)):
        px, py = (int(round(float(v))) for v in canvas.view.to_pixels(x, y))
        assert picture.pixelColor(px, py).name() == "#dcd6cc"
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert compare.mode is None and canvas.variants is None and not compare.toolbar.isVisible()


def test_side_by_side_links_centre_resolution_and_cursor_across_panes_of_different_sizes(qtbot, window):
    compare = window.comparison
    conflicts = window.findChild(QDockWidget, "conflicts_dock")
    below = conflicts.height()
    assert compare.enter("side_by_side")
    pair = compare.side_by_side
    left, right = pair.canvases()
    area = window.map_area
    assert window.centralWidget() is area and area.count() == 2 and left is window.canvas
    area.setSizes([500, 300])
    qtbot.waitUntil(lambda: abs(left.width() - right.width()) > 100, timeout=5_000)
    left.zoom(2.0)
    assert (right.view.cx, right.view.cy, right.view.resolution) == (left.view.cx, left.view.cy, left.view.resolution)
    assert right.view.width == right.width() != left.view.width  # each pane keeps its own size
    right.set_view(right.view.panned(40, -20))
    assert (left.view.cx, left.view.cy) == (right.view.cx, right.view.cy)
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(50, 60), left.mapToGlobal(QPointF(50, 60)),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(left, move)  # (offscreen, QTest's moves land a pane header's height off)
    x, y = left.view.to_map(50, 60)
    assert right.cross == pytest.approx((x, y))
    px, py = right.view.to_pixels(*right.cross)  # the cross lands on the same ground in the other pane
    assert right.view.to_map(float(px), float(py)) == pytest.approx((x, y))
    # each pane its own date, chosen in its pane
    qtbot.waitUntil(lambda: not left.is_rendering() and not right.is_rendering(), timeout=20_000)
    assert pair.pickers[0].currentData() == compare.sides[0].key and pair.pickers[1].currentData() == compare.sides[1].key
    pair.pickers[1].setCurrentIndex(0)
    assert compare.right is compare.sides[0] and compare.right_picker.currentIndex() == 0
    compare.leave()
    assert compare.side_by_side is None and area.count() == 1 and area.widget(0) is window.canvas
    # the dock below kept its height throughout (the map area is the same central widget): it did
    # not grow into the map's room when the panes came or went
    assert conflicts.height() == below


def test_marking_a_new_building_adds_a_draft_case_saved_with_undo_and_redo(qtbot, window):
    compare = window.comparison
    assert compare.enter("swipe")
    canvas = window.canvas
    canvas.zoom_to_extent((X0, Y0, X0 + 200, Y0 + 200))
    compare.mark()
    footprint = [(X0 + 30, Y0 + 30), (X0 + 60, Y0 + 30), (X0 + 60, Y0 + 50), (X0 + 30, Y0 + 50)]
    click_corners(qtbot, canvas, footprint)
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    year = dt.date.today().year
    case_no = f"HP{year}-0001"
    stored = ledger_in_file(window)
    assert case_no in stored.index  # saved at once
    case = stored.loc[case_no]
    assert (case["case_no"], case["status"], case["source"], case["stock"]) == (case_no, "待核查", "卫片图斑", "新增")
    assert (case["image_before"], case["image_after"]) == ("2010-05-01", "2019-06-01")
    assert case["found_on"] == dt.date.today().isoformat()
    # within building B1: its district, street and community
    assert (case["district"], case["street"], case["community"]) == ("黄浦区", "外滩街道", "中山东一路社区")
    assert case["footprint_m2"] == pytest.approx(600, abs=15)  # 30 x 20 m, corners placed to the pixel
    assert case.geometry.area == pytest.approx(600, abs=15)
    # its values in the Identify dock, to be checked and completed
    panel = window.tools.identify_panel
    assert window.tools.identify_dock.isVisible() and panel.tree.topLevelItemCount() == 1
    shown = panel.tree.topLevelItem(0).child(0)
    assert shown.text(0) == case_no
    values = {shown.child(i).text(0): shown.child(i).text(1) for i in range(shown.childCount())}
    assert values["处置状态"] == "待核查" and values["前时相"] == "2010-05-01" and values["后时相"] == "2019-06-01"
    window.action_undo.trigger()
    assert case_no not in ledger_in_file(window).index
    assert case_no not in set(window.document.layer("ledger").frame["uid"])
    window.action_redo.trigger()
    assert case_no in ledger_in_file(window).index
    # the next one gets the next number; Esc cancels a footprint being drawn
    click_corners(qtbot, canvas, footprint[:2])
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.tool.points == [] and len(ledger_in_file(window)) == 2


def test_a_project_whose_ledger_lacks_the_image_date_columns_gets_them(qtbot, window, tmp_path):
    import sqlite3

    from gisdesk.ui.compare import add_columns

    path = window.document.project.path
    db = sqlite3.connect(path)
    try:
        db.execute("ALTER TABLE ledger DROP COLUMN image_before")
        db.execute("ALTER TABLE ledger DROP COLUMN image_after")
        db.commit()
    except sqlite3.OperationalError:
        pytest.skip("this SQLite cannot drop columns")
    finally:
        db.close()
    assert window.open_project(path)
    ledger = window.document.layer("ledger")
    assert "image_before" not in ledger.frame.columns
    versions = window.document.project.versions("ledger", ["HP2024-0007"])
    assert add_columns(window.document, ledger, ("image_before", "image_after")) == ["image_before", "image_after"]
    assert {"image_before", "image_after"} <= set(ledger.frame.columns)
    assert window.document.project.versions("ledger", ["HP2024-0007"]).equals(versions)  # no version moved
    compare = window.comparison
    assert compare.enter("flicker")
    polygon = Polygon([(X0 + 150, Y0 + 150), (X0 + 170, Y0 + 150), (X0 + 170, Y0 + 170)])
    case_no = compare.add_case(polygon)
    case = ledger_in_file(window).loc[case_no]
    assert (case["image_before"], case["image_after"], case["district"]) == ("2010-05-01", "2019-06-01", "浦东新区")


def write_halves(path: Path, left: tuple, right: tuple, date: str) -> Path:
    """An image of the test view's ground (x 0..200, y 0..150, 1 m a pixel): `left` west of x = 100, `right` east."""
    import rasterio
    from rasterio.transform import from_origin

    bands = np.zeros((3, 150, 200), dtype=np.uint8)
    for band in range(3):
        bands[band, :, :100], bands[band, :, 100:] = left[band], right[band]
    with rasterio.open(path, "w", driver="GTiff", width=200, height=150, count=3, dtype="uint8", crs="EPSG:4549",
                       transform=from_origin(0, 150, 1.0, 1.0), photometric="RGB") as ds:
        ds.write(bands)
        ds.update_tags(TIFFTAG_DATETIME=date)
    return path


@pytest.mark.parametrize("ratio", [1, 2])
def test_swiped_images_land_on_the_ground_of_the_vectors_at_ratio_1_and_2(qtbot, tmp_path, ratio):
    """The high-DPI shift (an image drawn at the wrong scale beside the vectors) does not happen: at
    ratio 2 the image's edge at x = 100 m is on device column 200, where the vectors' x = 100 is."""
    from pyproj import CRS as ProjCRS

    from gisdesk.layers.raster import RasterLayer
    from gisdesk.ui.compare import Side, Swipe

    crs = ProjCRS.from_epsg(4549)
    old = write_halves(tmp_path / "old.tif", (200, 0, 0), (0, 160, 0), "2010:01:01 00:00:00")  # red | green
    new = write_halves(tmp_path / "new.tif", (0, 0, 200), (0, 0, 200), "2019:01:01 00:00:00")  # blue
    layers = [RasterLayer(f"b{i}", f"b{i}", "gdal", str(p), p, d, crs=crs) for i, (p, d) in
              enumerate(((old, "2010"), (new, "2019")))]
    case = Layer("ledger", frame([{"uid": "C1", "case_no": "C1", "status": "待核查", "geometry": box(100, 40, 140, 80)}]),
                 style={**default_style("ledger"), "fill_alpha": 1.0, "label_field": None})
    canvas = make_canvas(qtbot, [case], ratio=ratio)
    sides = [Side(layer.id, layer.title, layer.date, layer) for layer in layers]
    swipe = Swipe(canvas)
    swipe.x = 170
    canvas.set_variants([lambda: sides[0].make(canvas), lambda: sides[1].make(canvas)], swipe)
    qtbot.waitUntil(lambda: not canvas.is_rendering() and len(canvas._images) == 2, timeout=20_000)
    image = render_canvas(canvas, ratio)
    r, row = ratio, 66 * ratio  # a row above the case (rows 70-110), below the north arrow
    assert rgb(image, 100 * r - 1, row) == "#c80000" and rgb(image, 100 * r, row) == "#00a000"  # the edge, exact
    assert rgb(image, 167 * r, 100 * r) == "#00a000" and rgb(image, 173 * r, 100 * r) == "#0000c8"  # divider at 170
    # the case's west edge (x = 100 m) on the same device column as the image's edge
    x0, _, x1, _ = case_box(image)
    assert abs(x0 - 100 * r) <= r and abs((x1 + 1) - 140 * r) <= r


def test_side_by_side_the_footprint_is_drawn_in_the_pane_of_the_newer_image(qtbot, window):
    from gisdesk.ui.compare import MarkCaseTool

    compare = window.comparison
    compare.choose(compare.sides[1].key, compare.sides[0].key)  # the newer date on the left this time
    assert compare.enter("side_by_side")
    left, right = compare.side_by_side.canvases()
    left.zoom_to_extent((X0, Y0, X0 + 200, Y0 + 200))
    compare.mark()
    assert isinstance(left.tool, MarkCaseTool) and not isinstance(right.tool, MarkCaseTool)
    # a double-click on the last corner: its first click puts the corner, the second finishes
    click_corners(qtbot, left, [(X0 + 150, Y0 + 150), (X0 + 185, Y0 + 150), (X0 + 185, Y0 + 185), (X0 + 150, Y0 + 185)])
    qtbot.mouseDClick(left, Qt.MouseButton.LeftButton,
                      pos=QPoint(*(int(round(float(v))) for v in left.view.to_pixels(X0 + 150, Y0 + 185))))
    case = ledger_in_file(window).loc[f"HP{dt.date.today().year}-0001"]
    # the dates in time order, whichever side each was on; within B2
    assert (case["image_before"], case["image_after"], case["community"]) == ("2010-05-01", "2019-06-01", "梅园社区")
    assert case.geometry.area == pytest.approx(35 * 35, rel=0.03)
    qtbot.keyClick(left, Qt.Key.Key_Escape)  # no footprint under way: back to the comparison's own tool
    assert not isinstance(left.tool, MarkCaseTool) and compare.mode == "side_by_side"


def test_a_base_map_added_or_removed_while_open_comes_into_or_leaves_the_choosers(qtbot, window, tmp_path):
    from gisdesk.io.basemaps import add_basemap

    compare = window.comparison
    document = window.document
    info = add_basemap(document.project, write_image(tmp_path / "mid.tif", (90, 160, 90), "2015:01:01 00:00:00"),
                       title="航拍")
    document.add_basemap(info)
    assert [s.date for s in compare.sides] == ["2010-05-01", "2015-01-01", "2019-06-01"]
    assert compare.left_picker.count() == 3
    assert (compare.left.date, compare.right.date) == ("2010-05-01", "2019-06-01")  # the choice kept
    assert compare.enter("flicker")
    document.remove_basemap(next(b for b in document.basemaps if b.id == compare.right.key))
    assert [s.date for s in compare.sides] == ["2010-05-01", "2015-01-01"] and compare.right.date == "2015-01-01"
    document.remove_basemap(document.basemaps[0])  # one date left: nothing to compare
    assert compare.mode is None and not compare.actions["swipe"].isEnabled()


def test_the_flicker_rate_box_and_pause_drive_the_flicker_and_marking_holds_the_newer_date(qtbot, window):
    compare = window.comparison
    assert compare.enter("flicker")
    assert compare.rate_action.isVisible() and compare.flicker.timer.isActive()
    assert (compare.rate.minimum(), compare.rate.maximum()) == (0.5, 5.0)
    compare.rate.setValue(4.0)
    assert compare.flicker.timer.interval() == 250
    compare.action_pause.setChecked(True)
    assert not compare.flicker.timer.isActive()
    compare.action_pause.setChecked(False)
    assert compare.flicker.timer.isActive()
    compare.flicker.shown = 0  # the older date shown when the marking starts
    compare.mark()
    assert compare.action_pause.isChecked() and not compare.flicker.timer.isActive()
    assert compare.flicker.shown == 1  # the newer one (the right side here), held still
    compare.leave()
    assert not compare.rate_action.isVisible()


def test_opening_a_project_while_comparing_ends_the_comparison(qtbot, window):
    compare = window.comparison
    assert compare.enter("side_by_side")
    assert window.open_project(window.document.project.path)
    qtbot.waitUntil(lambda: compare.mode is None, timeout=20_000)
    assert window.canvas.variants is None and window.map_area.count() == 1 and not compare.toolbar.isVisible()
    assert [s.date for s in compare.sides] == ["2010-05-01", "2019-06-01"]  # the new document's base maps
    assert all(s.layer in window.document.basemaps for s in compare.sides)
