"""One conflict drawn over the map: its overlap shaded, its setback line and shortest distance.

The UI computes the geometry (analysis.conflict_view.conflict_geometry) and hands it over in a
`ConflictMarks` of the scene (render.snapshot.Scene.marks); a page export can put the same
marks into its scene. Sizes in mm and pt, so a 300 dpi page shows them as the screen does:
- the overlap B∩Z filled with SHADE_COLOR (half transparent) and outlined in it;
- the required setback line dashed in SETBACK_LINE_COLOR;
- the shortest segment between building and zone in DISTANCE_COLOR with a tick at each end,
  and the label ("距离 6.3 m / 要求 10 m") in a white box beside its middle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen

from gisdesk.layers.data import rings_of
from gisdesk.render.context import RenderContext
from gisdesk.render.paths import path_from_arrays
from gisdesk.render.view import PX96_MM

SHADE_COLOR = "#ff00c8"  # a hue no layer style uses: the overlap reads as the conflict itself
SHADE_ALPHA = 0.55
SETBACK_LINE_COLOR = "#c2185b"
DISTANCE_COLOR = "#1a1a1a"
OUTLINE_MM = 1.5 * PX96_MM
SETBACK_LINE_MM = 2.0 * PX96_MM
DISTANCE_MM = 2.0 * PX96_MM
TICK_MM = 5.0 * PX96_MM
LABEL_PT = 9.75
LABEL_OFFSET_MM = 8.0 * PX96_MM


@dataclass(frozen=True, eq=False)
class ConflictMarks:
    """The geometry of one conflict in the project CRS (any of it may be None) and its label."""
    overlap: object = None  # polygonal B∩Z
    setback_line: object = None  # lines at the required distance from the zone
    shortest: object = None  # LineString building → zone
    label: str = ""
    anchor: tuple[float, float] | None = None  # map position the label is drawn by


def draw_conflict_marks(painter: QPainter, marks: ConflictMarks, context: RenderContext) -> None:
    view = context.view
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if _present(marks.overlap):
        rings = rings_of(np.array([marks.overlap], dtype=object), polygons=True)
        px, py = view.to_pixels(rings.coords[:, 0], rings.coords[:, 1])
        path = path_from_arrays(px, py, rings.starts)
        fill = QColor(SHADE_COLOR)
        fill.setAlphaF(SHADE_ALPHA)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawPath(path)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(SHADE_COLOR), context.mm(OUTLINE_MM)))
        painter.drawPath(path)
    if _present(marks.setback_line):
        pen = QPen(QColor(SETBACK_LINE_COLOR), context.mm(SETBACK_LINE_MM))
        pen.setStyle(Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(_line_path(marks.setback_line, context))
    ends = None
    if _present(marks.shortest):
        xy = shapely.get_coordinates(marks.shortest)[[0, -1]]
        px, py = view.to_pixels(xy[:, 0], xy[:, 1])
        ends = (QPointF(float(px[0]), float(py[0])), QPointF(float(px[1]), float(py[1])))
        _draw_measure(painter, ends, context)
    if marks.label and marks.anchor is not None:
        ax, ay = view.to_pixels(np.array([marks.anchor[0]]), np.array([marks.anchor[1]]))
        _draw_label(painter, marks.label, QPointF(float(ax[0]), float(ay[0])), ends, context)
    painter.restore()


def _present(geom) -> bool:
    return geom is not None and not shapely.is_empty(geom)


def _line_path(geom, context: RenderContext):
    lines = rings_of(np.array([geom], dtype=object), polygons=False)
    px, py = context.view.to_pixels(lines.coords[:, 0], lines.coords[:, 1])
    return path_from_arrays(px, py, lines.starts)


def _draw_measure(painter: QPainter, ends: tuple[QPointF, QPointF], context: RenderContext) -> None:
    """The segment with a perpendicular tick at each end (a dimension line)."""
    a, b = ends
    halo = QPen(QColor(255, 255, 255, 220), context.mm(DISTANCE_MM) + 2 * context.mm(PX96_MM))
    pen = QPen(QColor(DISTANCE_COLOR), context.mm(DISTANCE_MM))
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length = math.hypot(dx, dy)
    tick = context.mm(TICK_MM) / 2
    nx, ny = (-dy / length * tick, dx / length * tick) if length > 0 else (tick, 0.0)
    segments = [(a, b), (a + QPointF(nx, ny), a - QPointF(nx, ny)), (b + QPointF(nx, ny), b - QPointF(nx, ny))]
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for p in (halo, pen):
        painter.setPen(p)
        for start, end in segments:
            painter.drawLine(start, end)


def _draw_label(painter: QPainter, text: str, anchor: QPointF, ends, context: RenderContext) -> None:
    """The label in a white box beside `anchor`: to the side of the segment, not on it."""
    font = context.font(LABEL_PT, bold=True)
    metrics = QFontMetricsF(font)
    pad = context.mm(3 * PX96_MM)
    w, h = metrics.horizontalAdvance(text) + 2 * pad, metrics.height() + pad
    offset = context.mm(LABEL_OFFSET_MM)
    if ends is not None and (ends[1] - ends[0]).manhattanLength() > 0:
        a, b = ends
        dx, dy = b.x() - a.x(), b.y() - a.y()
        length = math.hypot(dx, dy)
        nx, ny = -dy / length, dx / length  # across the segment
        centre = anchor + QPointF(nx * (offset + w / 2 * abs(nx) + h / 2 * abs(ny)),
                                  ny * (offset + w / 2 * abs(nx) + h / 2 * abs(ny)))
    else:
        centre = anchor + QPointF(0, -(offset + h / 2))
    box = QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h)
    box.moveLeft(min(max(box.left(), 2.0), context.view.width - w - 2.0))  # kept inside the picture
    box.moveTop(min(max(box.top(), 2.0), context.view.height - h - 2.0))
    painter.setPen(QPen(QColor(DISTANCE_COLOR), context.mm(PX96_MM)))
    if not box.contains(anchor):  # a leader from the box to what it measures
        nearest = QPointF(min(max(anchor.x(), box.left()), box.right()), min(max(anchor.y(), box.top()), box.bottom()))
        painter.drawLine(anchor, nearest)
    painter.setBrush(QColor(255, 255, 255, 235))
    painter.drawRoundedRect(box, pad, pad)
    painter.setFont(font)
    painter.setPen(QColor(DISTANCE_COLOR))
    painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
