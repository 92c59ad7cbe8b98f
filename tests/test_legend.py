"""The legend (gisdesk.render.legend): entries from the visible layers and their styles, and a
painted legend whose swatches carry those colours where the layout puts them."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from tests.conftest import frame

pytest.importorskip("PySide6")
from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter  # noqa: E402

from gisdesk.layers.layer import Layer  # noqa: E402
from gisdesk.layers.styles import CONTROL_COLORS, LEDGER_STATUS_COLORS, default_style  # noqa: E402
from gisdesk.render.legend import (OTHER_COLOR, LegendMetrics, layout_legend, legend_entries,  # noqa: E402
                                   paint_legend)

pytestmark = pytest.mark.usefixtures("qapp")


def ledger(statuses, *, points=True) -> Layer:
    rows = [{"uid": f"c{i}", "case_no": f"C{i}", "status": s,
             "geometry": Point(i * 10, 0) if points else box(i * 10, 0, i * 10 + 5, 5)} for i, s in enumerate(statuses)]
    return Layer("ledger", frame(rows), style=default_style("ledger"))


def red_lines() -> Layer:
    return Layer("red", frame([{"uid": "r1", "name": "路", "geometry": LineString([(0, 0), (100, 0)]),
                                "half_width_m": 10.0}]), style=default_style("red"))


def buildings() -> Layer:
    return Layer("buildings", frame([{"uid": "b1", "name": "楼", "geometry": box(0, 0, 10, 10)}]),
                 style=default_style("buildings"))


def parking_lines() -> Layer:
    rows = [{"uid": "p1", "survey_no": "P1", "category": "路内", "geometry": LineString([(0, 0), (9, 0)])},
            {"uid": "p2", "survey_no": "P2", "category": "路内", "geometry": LineString([(0, 5), (9, 5)])}]
    return Layer("parking", frame(rows), style=default_style("parking"))


def test_entries_are_the_visible_layers_top_first_with_their_categories():
    hidden = buildings()
    hidden.visible = False
    layers = [hidden, red_lines(), ledger(["已拆除", "待核查", "待核查", "不明状态"])]  # bottom first
    entries = legend_entries(layers)
    assert [e.title for e in entries] == ["违法建设台账", "道路红线"]  # top first; the hidden buildings left out
    cases, red = entries
    assert cases.symbol is None  # a heading: its categories carry the swatches
    # the values present, in the style's (the workflow's) order, then the rest as "其他"
    assert [c.title for c in cases.children] == ["待核查", "已拆除", "其他"]
    assert [c.symbol.color for c in cases.children] == [LEDGER_STATUS_COLORS["待核查"], LEDGER_STATUS_COLORS["已拆除"],
                                                         OTHER_COLOR]
    assert {c.symbol.shape for c in cases.children} == {"point"}
    assert red.symbol.shape == "zone" and red.symbol.color == CONTROL_COLORS["red"]
    assert red.symbol.fill_alpha == pytest.approx(0.30)
    # every status, whether present or not
    everything = legend_entries(layers, present_only=False)[0]
    assert [c.title for c in everything.children] == [*LEDGER_STATUS_COLORS, "其他"]


def test_entries_follow_visibility_and_style_changes():
    layers = [buildings(), ledger(["待核查"], points=False)]
    assert [e.title for e in legend_entries(layers)] == ["违法建设台账", "建筑"]
    layers[1].visible = False
    assert [e.title for e in legend_entries(layers)] == ["建筑"]
    layers[0].update_style(fill="#123456")
    assert legend_entries(layers)[0].symbol.color == "#123456"
    assert legend_entries(layers)[0].symbol.shape == "polygon"
    layers[1].visible = True
    assert legend_entries(layers)[0].children[0].symbol.shape == "polygon"  # the cases are polygons here


def test_a_line_layer_gets_a_line_swatch_and_english_titles_in_english():
    from gisdesk import i18n

    i18n.set_language("en")
    entry = legend_entries([parking_lines(), ledger(["x"])])
    assert entry[1].title == "Parking resources"
    assert entry[1].children[0].symbol.shape == "line"
    assert entry[0].children[-1].title == "Other"


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    return np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)[:, :w * 3] \
        .reshape(h, w, 3).copy()


def blended(color: str, alpha: float, background=(255, 255, 255)) -> np.ndarray:
    c = QColor(color)
    return np.array([alpha * v + (1 - alpha) * b for v, b in zip((c.red(), c.green(), c.blue()), background)])


@pytest.mark.parametrize("dpi", [96.0, 300.0])
def test_the_painted_legend_has_each_swatch_colour_where_its_row_is(dpi):
    estates = Layer("old_estates", frame([{"uid": "e1", "estate_no": "E1", "status": "已开工",
                                           "geometry": box(0, 0, 9, 9)}]), style=default_style("old_estates"))
    layers = [estates, red_lines(), ledger(["待核查", "催告", "已拆除", "已结案"])]
    metrics = LegendMetrics(dpi=dpi)
    layout = layout_legend(legend_entries(layers), metrics=metrics, width=metrics.px(60))
    image = QImage(int(layout.width) + 20, int(layout.height) + 20, QImage.Format.Format_ARGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    paint_legend(painter, layout, QPointF(10, 10), background=None)
    painter.end()
    picture = pixels(image)
    swatches = [row for row in layout.rows if row.swatch is not None]
    assert len(swatches) == 4 + 1 + 1  # four statuses, the red zone, the estate status
    for row in swatches:
        symbol = row.entry.symbol
        centre = row.swatch.center() + QPointF(10, 10)
        got = picture[int(centre.y()), int(centre.x())].astype(float)
        alpha = 1.0 if symbol.shape == "point" else symbol.fill_alpha
        assert np.abs(got - blended(symbol.color, alpha)).max() <= 3, (row.entry.title, got, symbol.color)
    # the two-column layout at 60 mm: 待核查 and 催告 in the first column, 已拆除 and 已结案 in the second
    cases = [row for row in swatches if row.entry.layer_id == "ledger"]
    assert [r.entry.title for r in cases] == ["待核查", "催告", "已拆除", "已结案"]
    assert cases[0].swatch.left() == cases[1].swatch.left() < cases[2].swatch.left() == cases[3].swatch.left()
    assert cases[0].swatch.top() == cases[2].swatch.top() < cases[1].swatch.top()
    # nothing painted outside the layout's box
    inside = np.zeros(picture.shape[:2], dtype=bool)
    inside[10:10 + int(np.ceil(layout.height)) + 1, 10:10 + int(np.ceil(layout.width)) + 1] = True
    assert (picture[~inside] == 255).all()


def test_a_legend_laid_out_at_print_dpi_scales_with_it():
    entries = legend_entries([buildings(), ledger(["待核查", "已拆除"])])
    screen = layout_legend(entries)
    page = layout_legend(entries, metrics=LegendMetrics(dpi=300.0))
    assert page.height == pytest.approx(screen.height * 300 / 96, rel=1e-6)
    assert [r.entry.title for r in page.rows] == [r.entry.title for r in screen.rows] == ["违法建设台账", "待核查", "已拆除",
                                                                                          "建筑"]


def test_the_marks_over_the_map_get_entries_of_their_own():
    from gisdesk.render import conflict_marks, problems
    from gisdesk.render.conflict_marks import ConflictMarks
    from gisdesk.render.legend import mark_entries
    from gisdesk.render.snapshot import Problems

    assert mark_entries(None, None) == [] and mark_entries(Problems(), ConflictMarks()) == []
    found = Problems(overlaps=np.array([box(0, 0, 1, 1)], dtype=object))
    marks = ConflictMarks(setback_line=LineString([(0, 0), (5, 0)]), shortest=LineString([(0, 0), (0, 3)]))
    (heading,) = mark_entries(found, marks)
    assert heading.title == "地图标记" and heading.symbol is None
    assert [c.title for c in heading.children] == ["拓扑重叠", "退线要求线", "最短距离"]
    overlap, setback, shortest = (c.symbol for c in heading.children)
    assert overlap.hatch and overlap.color == problems.OVERLAP_COLOR
    assert setback.shape == "line" and setback.dash and setback.color == conflict_marks.SETBACK_LINE_COLOR
    assert shortest.color == conflict_marks.DISTANCE_COLOR and not shortest.dash
    shade = mark_entries(None, ConflictMarks(overlap=box(0, 0, 2, 2)), "#00e5ff")[0].children
    assert [(c.title, c.symbol.color) for c in shade] == [("所选要素", "#00e5ff"),
                                                          ("冲突重叠部分", conflict_marks.SHADE_COLOR)]
    assert shade[0].symbol.fill_alpha == 0  # an outline, as the map draws it


def test_each_category_gets_the_swatch_of_its_own_features():
    rows = [{"uid": "l1", "survey_no": "L1", "category": "路内", "geometry": LineString([(0, 0), (9, 0)])},
            {"uid": "a1", "survey_no": "A1", "category": "配建", "geometry": box(0, 10, 5, 15)},
            {"uid": "a2", "survey_no": "A2", "category": "配建", "geometry": Point(20, 20)},
            {"uid": "a3", "survey_no": "A3", "category": "配建", "geometry": Point(30, 20)},
            *({"uid": f"p{i}", "survey_no": f"P{i}", "category": "路外公共", "geometry": Point(i, 40)} for i in range(9)),
            {"uid": "p9", "survey_no": "P9", "category": "路外公共", "geometry": box(0, 50, 5, 55)}]
    parking = Layer("parking", frame(rows), style=default_style("parking"))
    (entry,) = legend_entries([parking])
    shapes = {c.title: c.symbol.shape for c in entry.children}
    # lines; areas and points (1 of 3 are areas: both); points (1 area of 10 is under MIXED_SHARE)
    assert shapes == {"路内": "line", "配建": "polygon+point", "路外公共": "point"}
    layout = layout_legend([entry])
    image = QImage(int(layout.width) + 1, int(layout.height) + 1, QImage.Format.Format_ARGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    paint_legend(painter, layout, background=None)
    painter.end()
    picture = pixels(image)
    row = next(r for r in layout.rows if r.entry.title == "配建")
    color = row.entry.symbol.color
    centre = picture[int(row.swatch.center().y()), int(row.swatch.center().x())].astype(float)
    edge = picture[int(row.swatch.center().y()), int(row.swatch.left() + 3)].astype(float)
    assert np.abs(centre - blended(color, 1.0)).max() <= 3  # the dot, opaque
    assert np.abs(edge - blended(color, row.entry.symbol.fill_alpha)).max() <= 3  # the box around it
