"""Map furniture drawn over a map: scale bar and north arrow (canvas and page layouts alike).

Their sizes are in mm and pt (the pixels they were on a 96 dpi screen), turned into pixels by
the render context, so on a 300 dpi page they are as large as on the screen.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from gisdesk.render.context import RenderContext
from gisdesk.render.view import PX96_MM

_NICE = (1, 2, 5)
SCALE_BAR_MAX_MM = 160 * PX96_MM  # the longest the bar may be
SCALE_BAR_FONT_PT = 8.25
NORTH_ARROW_MM = 36 * PX96_MM
NORTH_ARROW_FONT_PT = 9.75
INK = "#222222"


def nice_length(max_metres: float) -> float:
    """The largest 1/2/5 × 10^k metres not longer than `max_metres`."""
    if max_metres <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(max_metres))
    return max(n * power for n in _NICE if n * power <= max_metres)


def draw_scale_bar(painter: QPainter, context: RenderContext, corner: QPointF,
                   max_width_mm: float = SCALE_BAR_MAX_MM) -> None:
    """A two-segment bar, its length in m or km, with its bottom-left at `corner` (pixels)."""
    view = context.view
    metres = nice_length(context.mm(max_width_mm) * view.resolution)
    if metres <= 0:
        return
    width = metres / view.resolution
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    font = context.font(SCALE_BAR_FONT_PT)
    metrics = QFontMetricsF(font)

    def px(pixels_at_96: float) -> float:  # the bar's layout, in the pixels it was drawn at on a screen
        return context.mm(pixels_at_96 * PX96_MM)
    painter.save()
    painter.setFont(font)
    box = QRectF(corner.x() - px(6), corner.y() - px(26), width + px(12) + metrics.horizontalAdvance(label) + px(8),
                 px(32))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 210))
    painter.drawRoundedRect(box, px(4), px(4))
    y = corner.y() - px(6)
    for i in range(2):
        painter.setBrush(QColor(INK) if i == 0 else QColor("#ffffff"))
        painter.setPen(QPen(QColor(INK), px(1)))
        painter.drawRect(QRectF(corner.x() + i * width / 2, y, width / 2, px(5)))
    painter.setPen(QColor(INK))
    painter.drawText(QPointF(corner.x() + width + px(8), y + px(6)), label)
    painter.drawText(QPointF(corner.x(), y - px(5)), "0")
    painter.restore()


def draw_north_arrow(painter: QPainter, context: RenderContext, centre: QPointF,
                     size_mm: float = NORTH_ARROW_MM) -> None:
    """An arrow pointing up (the project CRS is a Gauss-Krüger grid: grid north) with an N."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    half = context.mm(size_mm) / 2
    left = QPolygonF([centre + QPointF(0, -half), centre + QPointF(-half * 0.45, half * 0.55), centre])
    right = QPolygonF([centre + QPointF(0, -half), centre + QPointF(half * 0.45, half * 0.55), centre])
    painter.setPen(QPen(QColor(INK), context.mm(1.2 * PX96_MM)))
    painter.setBrush(QColor(INK))
    painter.drawPolygon(left)
    painter.setBrush(QColor("#ffffff"))
    painter.drawPolygon(right)
    font = context.font(NORTH_ARROW_FONT_PT, bold=True)
    path = QPainterPath()
    metrics = QFontMetricsF(font)
    path.addText(centre + QPointF(-metrics.horizontalAdvance("N") / 2, -half - context.mm(4 * PX96_MM)), font, "N")
    painter.strokePath(path, QPen(QColor(255, 255, 255, 220), context.mm(3 * PX96_MM)))
    painter.fillPath(path, QColor(INK))
    painter.restore()
