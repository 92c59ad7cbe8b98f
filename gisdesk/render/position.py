"""The GPS position on a map: a dot with a white rim, an arrow of the course when moving, and
the accuracy circle (1 sigma, in metres, so it grows as the map is zoomed in). QtGui only."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

FIX_BLUE = "#1a73e8"
DOT_PX = 7.0  # radius
MIN_CIRCLE_PX = 10.0  # a circle smaller than the dot's rim is not drawn


def draw_position(painter: QPainter, view, x: float, y: float, accuracy_m: float | None,
                  course_deg: float | None = None) -> None:
    """At map point (x, y) of `view` (a render.view.MapView; logical pixels)."""
    px, py = (float(v) for v in view.to_pixels(x, y))
    centre = QPointF(px, py)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if accuracy_m is not None and accuracy_m > 0:
        radius = accuracy_m / view.resolution
        if radius >= MIN_CIRCLE_PX:
            fill = QColor(FIX_BLUE)
            fill.setAlpha(60)
            rim = QColor(FIX_BLUE)
            rim.setAlpha(210)
            painter.setPen(QPen(rim, 1.5))
            painter.setBrush(fill)
            painter.drawEllipse(centre, radius, radius)
    if course_deg is not None:
        a = math.radians(course_deg)
        tip = centre + QPointF(math.sin(a) * (DOT_PX + 9), -math.cos(a) * (DOT_PX + 9))
        left = centre + QPointF(math.sin(a - 0.5) * (DOT_PX + 1), -math.cos(a - 0.5) * (DOT_PX + 1))
        right = centre + QPointF(math.sin(a + 0.5) * (DOT_PX + 1), -math.cos(a + 0.5) * (DOT_PX + 1))
        painter.setPen(QPen(QColor("#ffffff"), 1.5))
        painter.setBrush(QColor(FIX_BLUE))
        painter.drawPolygon(QPolygonF([tip, left, right]))
    painter.setPen(QPen(QColor("#ffffff"), 2.5))
    painter.setBrush(QColor(FIX_BLUE))
    painter.drawEllipse(centre, DOT_PX, DOT_PX)
    painter.restore()
