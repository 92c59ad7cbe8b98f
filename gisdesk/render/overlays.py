"""Map furniture drawn over a map: scale bar and north arrow (canvas and page layouts alike)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from gisdesk.render.renderer import MapView, label_font

_NICE = (1, 2, 5)


def nice_length(max_metres: float) -> float:
    """The largest 1/2/5 × 10^k metres not longer than `max_metres`."""
    if max_metres <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(max_metres))
    return max(n * power for n in _NICE if n * power <= max_metres)


def draw_scale_bar(painter: QPainter, view: MapView, corner: QPointF, max_width_px: float = 160) -> None:
    """A two-segment bar, its length in m or km, with its bottom-left at `corner`."""
    metres = nice_length(max_width_px * view.resolution)
    if metres <= 0:
        return
    width = metres / view.resolution
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    font = label_font(11)
    metrics = QFontMetricsF(font)
    painter.save()
    painter.setFont(font)
    box = QRectF(corner.x() - 6, corner.y() - 26, width + 12 + metrics.horizontalAdvance(label) + 8, 32)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 210))
    painter.drawRoundedRect(box, 4, 4)
    y = corner.y() - 6
    for i in range(2):
        painter.setBrush(QColor("#222222") if i == 0 else QColor("#ffffff"))
        painter.setPen(QPen(QColor("#222222"), 1))
        painter.drawRect(QRectF(corner.x() + i * width / 2, y, width / 2, 5))
    painter.setPen(QColor("#222222"))
    painter.drawText(QPointF(corner.x() + width + 8, y + 6), label)
    painter.drawText(QPointF(corner.x(), y - 5), "0")
    painter.restore()


def draw_north_arrow(painter: QPainter, centre: QPointF, size: float = 36) -> None:
    """An arrow pointing up (the project CRS is a Gauss-Krüger grid: grid north) with an N."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    half = size / 2
    left = QPolygonF([centre + QPointF(0, -half), centre + QPointF(-half * 0.45, half * 0.55), centre])
    right = QPolygonF([centre + QPointF(0, -half), centre + QPointF(half * 0.45, half * 0.55), centre])
    painter.setPen(QPen(QColor("#222222"), 1.2))
    painter.setBrush(QColor("#222222"))
    painter.drawPolygon(left)
    painter.setBrush(QColor("#ffffff"))
    painter.drawPolygon(right)
    font = label_font(13)
    font.setBold(True)
    path = QPainterPath()
    metrics = QFontMetricsF(font)
    path.addText(centre + QPointF(-metrics.horizontalAdvance("N") / 2, -half - 4), font, "N")
    painter.strokePath(path, QPen(QColor(255, 255, 255, 220), 3))
    painter.fillPath(path, QColor("#222222"))
    painter.restore()
