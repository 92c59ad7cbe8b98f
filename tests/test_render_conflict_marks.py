"""The selected conflict drawn over the map: the overlap shaded inside and nowhere else, the setback
line where the geometry says, the distance segment (render.conflict_marks through the renderer)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

from tests.conftest import frame

pytest.importorskip("PySide6")
from PySide6.QtGui import QColor, QImage  # noqa: E402

from gisdesk.analysis.conflict_view import conflict_geometry  # noqa: E402
from gisdesk.layers.layer import Layer  # noqa: E402
from gisdesk.render.conflict_marks import DISTANCE_COLOR, SETBACK_LINE_COLOR, SHADE_COLOR, ConflictMarks  # noqa: E402
from gisdesk.render.context import RenderContext  # noqa: E402
from gisdesk.render.renderer import MapView, render_image  # noqa: E402
from gisdesk.render.snapshot import Highlight, Scene  # noqa: E402

pytestmark = pytest.mark.usefixtures("qapp")

ROAD = LineString([(-200, 10), (200, 10)])  # a red line, half width 10: its zone is 0 <= y <= 20


def layers(building):
    buildings = Layer("buildings", frame([{"uid": "B1", "geometry": building}]))
    red = Layer("red", frame([{"uid": "R1", "half_width_m": 10.0, "geometry": ROAD}]))
    return [buildings, red]


def zone():
    return shapely.buffer(ROAD, 10)


def picture(layer_list, view, marks=None) -> np.ndarray:
    scene = Scene.of(layer_list, (Highlight(layer_list[0].id, ("B1",)), Highlight(layer_list[1].id, ("R1",))),
                     marks=marks)
    image = render_image(scene, RenderContext.screen(view)).convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    return np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)[:, :w * 3] \
        .reshape(h, w, 3).astype(int)


def pixel_centres(view: MapView):
    """Map x, y of every pixel's centre, (height, width) each."""
    px, py = np.meshgrid(np.arange(view.width) + 0.5, np.arange(view.height) + 0.5)
    xmin, _, _, ymax = view.extent
    return xmin + px * view.resolution, ymax - py * view.resolution


def test_the_overlap_is_shaded_inside_and_nowhere_outside():
    building = box(-20, 12, 20, 40)  # 8 m into the zone: the overlap is box(-20, 12, 20, 20)
    found = conflict_geometry(building, zone(), "encroach", 0.0)
    assert found.overlap.equals(box(-20, 12, 20, 20))
    marks = ConflictMarks(found.overlap)
    view = MapView.fit((-40, -10, 40, 50), 400, 300)
    plain, shaded = picture(layers(building), view), picture(layers(building), view, marks)
    x, y = pixel_centres(view)
    margin = 3 * view.resolution  # antialiasing and the outline's half width
    inside = shapely.contains_xy(found.overlap.buffer(-margin), x, y)
    outside = ~shapely.contains_xy(found.overlap.buffer(margin), x, y)
    assert inside.sum() > 1000 and outside.sum() > 50_000
    changed = np.abs(shaded - plain).sum(axis=2) > 30
    assert changed[inside].all()  # every pixel of the overlap is shaded ...
    assert not changed[outside].any()  # ... and none outside it
    # the shade is SHADE_COLOR over the map: magenta-pink, green held down, whatever lay beneath
    shade = QColor(SHADE_COLOR)
    r, g, b = (shaded[inside][:, i] for i in range(3))
    assert shade.green() < 60 and shade.red() > 200 and shade.blue() > 150
    assert ((r - g > 80) & (b - g > 60)).all()
    r, g, b = (plain[inside][:, i] for i in range(3))
    assert not ((r - g > 80) & (b - g > 60)).any()  # (not the colour the map had there)


def test_a_setback_draws_its_line_at_the_required_distance_and_the_distance_between():
    building = box(-15, -26, 15, -6)  # 6 m from the zone, which wants 10 m
    found = conflict_geometry(building, zone(), "setback", 10.0, label="距离 6.0 m / 要求 10 m")
    marks = ConflictMarks(found.overlap, found.setback_line, found.shortest, "", found.anchor)
    view = MapView.fit((-40, -40, 40, 25), 400, 325)
    plain, drawn = picture(layers(building), view), picture(layers(building), view, marks)
    changed = np.abs(drawn - plain).sum(axis=2) > 60
    x, y = pixel_centres(view)
    res = view.resolution
    near_line = (np.abs(y + 10) < 2 * res) & (np.abs(x) < 24)
    near_segment = shapely.contains_xy(found.shortest.buffer(3 * res), x, y)
    assert changed[near_line & ~near_segment].sum() > 40  # the dashed line at y = -10 (dashes: not every pixel)
    far = ~shapely.contains_xy(shapely.union(found.setback_line.buffer(3 * res), found.shortest.buffer(7 * res)), x, y)
    assert not changed[far].any()  # nothing else drawn (no label, no overlap to shade; 7 px: the end ticks)
    line_colour = np.array(QColor(SETBACK_LINE_COLOR).getRgb()[:3])
    on_line = near_line & ~near_segment & changed
    assert (np.abs(drawn[on_line] - line_colour).sum(axis=1) < 120).mean() > 0.5
    (x0, y0), (x1, y1) = shapely.get_coordinates(found.shortest)[[0, -1]]
    mid = np.abs(x - x0) < res / 2
    segment = mid & (y < -1) & (y > -5)  # along the segment, away from its end ticks
    dark = np.array(QColor(DISTANCE_COLOR).getRgb()[:3])
    assert (np.abs(drawn[segment] - dark).sum(axis=1) < 90).all()


def test_the_label_is_drawn_and_a_scene_without_marks_draws_none():
    building = box(-15, -26, 15, -6)
    found = conflict_geometry(building, zone(), "setback", 10.0)
    view = MapView.fit((-40, -40, 40, 25), 400, 325)
    without = picture(layers(building), view, ConflictMarks(None, None, None, "", found.anchor))
    plain = picture(layers(building), view)
    assert np.array_equal(without, plain)
    labelled = picture(layers(building), view, ConflictMarks(None, None, None, "距离 6.0 m / 要求 10 m", found.anchor))
    assert (np.abs(labelled - plain).sum(axis=2) > 60).sum() > 100
