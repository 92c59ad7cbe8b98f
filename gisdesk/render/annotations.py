"""Annotations drawn over the map (gisdesk.layers.annotations): on the canvas and on every export.

Geometry is in map units and moves and scales with the map; widths are in mm and text in
points, turned into pixels by the render context, so a 12 pt text is 12 pt high on the screen
and on a 300 dpi page (QGIS's annotation layer: map-unit geometry, point-size text). They are
drawn last, over the features and their labels. Text is drawn as text (drawText), so a PDF page
keeps it searchable and copyable (the page's font round-trips Chinese: export.pages); its
white halo is a stroked outline path under it, which adds no text to the PDF.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from gisdesk.layers.annotations import (ARROW, CALLOUT, ELLIPSE, FREEHAND, RECTANGLE, TEXT, Annotation, ellipse_box)
from gisdesk.render.context import RenderContext

HALO_MM = 0.6  # the white outline around a text annotation's letters
HALO_COLOR = QColor(255, 255, 255, 230)
ARROW_HEAD_MM = 3.2  # the head's length at least; 4 × the line width when that is more
ARROW_HEAD_ANGLE = math.radians(24)  # half the head's opening
CALLOUT_PAD_MM = 1.6  # between the callout's text and its box
CALLOUT_DOT_MM = 0.9  # radius of the dot at the anchor
LEADER_HALO_MM = 0.35  # the white band along each side of a callout's leader


def draw_annotations(painter: QPainter, annotations: Iterable[Annotation], context: RenderContext) -> None:
    """Draw `annotations` (bottom first) as the context says."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    for item in annotations:
        draw_annotation(painter, item, context)
    painter.restore()


def draw_annotation(painter: QPainter, item: Annotation, context: RenderContext) -> None:
    style = item.style
    painter.save()
    pen = QPen(QColor(style.color), max(context.mm(style.width_mm), 0.5))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    brush = _fill(style)
    if item.kind == TEXT:
        _draw_text(painter, item, context)
    elif item.kind == ARROW:
        _draw_arrow(painter, item, context, pen)
    elif item.kind == CALLOUT:
        _draw_callout(painter, item, context, pen, brush)
    elif item.kind == RECTANGLE:
        painter.setPen(pen)
        painter.setBrush(brush)
        points = _pixels(item, context)
        painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
    elif item.kind == ELLIPSE:
        painter.setPen(pen)
        painter.setBrush(brush)
        painter.drawEllipse(_pixel_box(ellipse_box(item.geometry), context))
    elif item.kind == FREEHAND:
        points = [QPointF(x, y) for x, y in _pixels(item, context)]
        painter.setPen(pen)
        if style.fill_alpha > 0 and len(points) >= 3:
            painter.setBrush(brush)
            painter.drawPolygon(QPolygonF(points))
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolyline(QPolygonF(points))
    painter.restore()


def text_rect(item: Annotation, context: RenderContext) -> QRectF | None:
    """Where a text annotation's text, or a callout's box, lands in the picture (pixels); None for shapes."""
    if item.kind == TEXT:
        x, y = _xy(shapely.get_coordinates(item.geometry)[0], context)
        w, h = _text_size(item, context)
        return QRectF(x - w / 2, y - h / 2, w, h)
    if item.kind == CALLOUT:
        x, y = _xy(item.box_centre, context)
        w, h = _text_size(item, context)
        pad = context.mm(CALLOUT_PAD_MM)
        w, h = w + 2 * pad, h + 2 * pad
        return QRectF(x - w / 2, y - h / 2, w, h)
    return None


def text_box_on_map(item: Annotation, context: RenderContext) -> tuple[float, float, float, float] | None:
    """text_rect as map bounds (xmin, ymin, xmax, ymax): what a click on the text picks."""
    rect = text_rect(item, context)
    if rect is None:
        return None
    x0, y1 = context.view.to_map(rect.left(), rect.top())
    x1, y0 = context.view.to_map(rect.right(), rect.bottom())
    return x0, y0, x1, y1


def arrow_head(item: Annotation, context: RenderContext) -> QPolygonF | None:
    """The arrow's head in pixels: its tip on the last point of the line."""
    points = _pixels(item, context)
    if len(points) < 2:
        return None
    (x0, y0), (x1, y1) = points[-2], points[-1]
    angle = math.atan2(y1 - y0, x1 - x0)
    length = max(context.mm(ARROW_HEAD_MM), 4 * context.mm(item.style.width_mm))
    left = (x1 - length * math.cos(angle - ARROW_HEAD_ANGLE), y1 - length * math.sin(angle - ARROW_HEAD_ANGLE))
    right = (x1 - length * math.cos(angle + ARROW_HEAD_ANGLE), y1 - length * math.sin(angle + ARROW_HEAD_ANGLE))
    return QPolygonF([QPointF(x1, y1), QPointF(*left), QPointF(*right)])


# --- kinds ------------------------------------------------------------------------------------

def _draw_text(painter: QPainter, item: Annotation, context: RenderContext) -> None:
    rect = text_rect(item, context)
    if item.style.fill_alpha > 0:  # a text with a fill sits on a box of it
        pad = context.mm(CALLOUT_PAD_MM) / 2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_fill(item.style))
        painter.drawRect(rect.adjusted(-pad, -pad, pad, pad))
    _text_lines(painter, item, rect, context, halo=item.style.fill_alpha < 0.5)


def _draw_arrow(painter: QPainter, item: Annotation, context: RenderContext, pen: QPen) -> None:
    points = _pixels(item, context)
    head = arrow_head(item, context)
    if head is None:
        return
    # the line stops inside the head, so a wide line's round cap does not poke out at the tip
    tip, base = head[0], (head[1] + head[2]) / 2
    line = [QPointF(x, y) for x, y in points[:-1]] + [tip + (base - tip) * 0.6]
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPolyline(QPolygonF(line))
    painter.setPen(QPen(QColor(item.style.color), max(context.mm(item.style.width_mm) * 0.5, 0.5)))
    painter.setBrush(QColor(item.style.color))
    painter.drawPolygon(head)


def _draw_callout(painter: QPainter, item: Annotation, context: RenderContext, pen: QPen, brush) -> None:
    rect = text_rect(item, context)
    anchor = QPointF(*_xy(item.anchor, context))
    if not rect.contains(anchor):  # the leader, from the anchor to the nearest point of the box
        nearest = QPointF(min(max(anchor.x(), rect.left()), rect.right()),
                          min(max(anchor.y(), rect.top()), rect.bottom()))
        dot = context.mm(CALLOUT_DOT_MM) + pen.widthF() / 2
        halo = context.mm(LEADER_HALO_MM)  # a thin leader stays visible over dark roofs and red zones
        painter.setPen(QPen(HALO_COLOR, pen.widthF() + 2 * halo, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(anchor, nearest)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(HALO_COLOR)
        painter.drawEllipse(anchor, dot + halo, dot + halo)
        painter.setPen(pen)
        painter.drawLine(anchor, nearest)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(item.style.color))
        painter.drawEllipse(anchor, dot, dot)
    painter.setPen(pen)
    painter.setBrush(brush if item.style.fill_alpha > 0 else Qt.BrushStyle.NoBrush)
    radius = context.mm(CALLOUT_PAD_MM) / 2
    painter.drawRoundedRect(rect, radius, radius)
    pad = context.mm(CALLOUT_PAD_MM)
    _text_lines(painter, item, rect.adjusted(pad, pad, -pad, -pad), context, halo=False)


def _text_lines(painter: QPainter, item: Annotation, rect: QRectF, context: RenderContext, *, halo: bool) -> None:
    """The text's lines centred in `rect`, each a drawText (real text in a PDF), with a halo path under."""
    font = context.font(item.style.font_pt)
    metrics = QFontMetricsF(font)
    lines = (item.text or "").split("\n")
    step = metrics.lineSpacing()
    top = rect.center().y() - step * len(lines) / 2
    baselines = []
    for n, line in enumerate(lines):
        x = rect.center().x() - metrics.horizontalAdvance(line) / 2
        baselines.append((QPointF(x, top + n * step + metrics.ascent()), line))
    if halo:
        path = QPainterPath()
        for at, line in baselines:
            path.addText(at, font, line)
        painter.strokePath(path, QPen(HALO_COLOR, 2 * context.mm(HALO_MM), Qt.PenStyle.SolidLine,
                                      Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    painter.setFont(font)
    painter.setPen(QColor(item.style.color))
    for at, line in baselines:
        if line:
            painter.drawText(at, line)


# --- plumbing ---------------------------------------------------------------------------------

def _text_size(item: Annotation, context: RenderContext) -> tuple[float, float]:
    metrics = QFontMetricsF(context.font(item.style.font_pt))
    lines = (item.text or " ").split("\n")
    return max(metrics.horizontalAdvance(line) for line in lines), metrics.lineSpacing() * len(lines)


def _fill(style):
    if style.fill_alpha <= 0:
        return Qt.BrushStyle.NoBrush
    color = QColor(style.fill)
    color.setAlphaF(style.fill_alpha)
    return QBrush(color)


def _xy(point, context: RenderContext) -> tuple[float, float]:
    px, py = context.view.to_pixels(float(point[0]), float(point[1]))
    return float(px), float(py)


def _pixels(item: Annotation, context: RenderContext) -> np.ndarray:
    """The geometry's vertices (the exterior ring of a polygon) in pixels, an (n, 2) array."""
    geometry = item.geometry
    if geometry.geom_type == "Polygon":
        geometry = geometry.exterior
    coords = shapely.get_coordinates(geometry)
    px, py = context.view.to_pixels(coords[:, 0], coords[:, 1])
    return np.column_stack([px, py])


def _pixel_box(bounds, context: RenderContext) -> QRectF:
    xmin, ymin, xmax, ymax = bounds
    left, top = _xy((xmin, ymax), context)
    right, bottom = _xy((xmax, ymin), context)
    return QRectF(QPointF(left, top), QPointF(right, bottom))
