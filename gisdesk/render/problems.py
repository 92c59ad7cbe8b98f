"""Topology problems drawn over the map: overlaps hatched black, slivers outlined orange, gaps magenta.

The UI reads the findings from the project (the store's `topology()`) and hands their geometry
over in a `Problems` of the scene (render.snapshot); nothing here knows how they were found. A
problem smaller on the page than PROBLEM_MARK_MM is drawn as a ring of its colour round its
place as well, so that a 20 m² overlap still shows on a city-wide view.
"""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QTransform

from gisdesk.layers.data import rings_of
from gisdesk.render.context import RenderContext
from gisdesk.render.paths import path_from_arrays
from gisdesk.render.snapshot import Problems
from gisdesk.render.view import PX96_MM

OVERLAP_COLOR = "#1a1a1a"  # not red: red is the road red line's colour (an overlap read as a conflict)
SLIVER_COLOR = "#ff8c00"
GAP_COLOR = "#ff00ff"
OVERLAP_FILL_ALPHA = 0.25  # under the hatching: the overlap shows even where no hatch line passes
GAP_FILL_ALPHA = 0.6
OUTLINE_MM = 2.0 * PX96_MM
PROBLEM_MARK_MM = 3.0 * PX96_MM  # problems smaller than this get a ring round them ...
MARK_RADIUS_MM = 6.0 * PX96_MM  # ... this large


def draw_problems(painter: QPainter, problems: Problems, context: RenderContext) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    width = context.mm(OUTLINE_MM)
    hatch = QBrush(QColor(OVERLAP_COLOR), Qt.BrushStyle.BDiagPattern)
    scale = context.mm(PX96_MM)  # hatch lines as far apart on a 300 dpi page as on the screen
    hatch.setTransform(QTransform.fromScale(scale, scale))
    for geoms, color, fills in ((problems.gaps, GAP_COLOR, (_fill(GAP_COLOR, GAP_FILL_ALPHA),)),
                                (problems.overlaps, OVERLAP_COLOR, (_fill(OVERLAP_COLOR, OVERLAP_FILL_ALPHA), hatch)),
                                (problems.slivers, SLIVER_COLOR, ())):
        shown = _in_view(geoms, context)
        if len(shown) == 0:
            continue
        path = _path(shown, context)
        painter.setPen(Qt.PenStyle.NoPen)
        for brush in fills:
            painter.setBrush(brush)
            painter.drawPath(path)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(color), width))
        painter.drawPath(path)
        _mark_small(painter, shown, context, color, width)
    painter.restore()


def _fill(color: str, alpha: float) -> QBrush:
    c = QColor(color)
    c.setAlphaF(alpha)
    return QBrush(c)


def _in_view(geoms: np.ndarray, context: RenderContext) -> np.ndarray:
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return geoms
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    b = shapely.bounds(geoms)
    xmin, ymin, xmax, ymax = context.view.extent
    return geoms[(b[:, 2] >= xmin) & (b[:, 0] <= xmax) & (b[:, 3] >= ymin) & (b[:, 1] <= ymax)]


def _path(geoms: np.ndarray, context: RenderContext):
    rings = rings_of(geoms, polygons=True)
    px, py = context.view.to_pixels(rings.coords[:, 0], rings.coords[:, 1])
    return path_from_arrays(px, py, rings.starts)


def _mark_small(painter: QPainter, geoms: np.ndarray, context: RenderContext, color: str, width: float) -> None:
    b = shapely.bounds(geoms)
    size = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / context.view.resolution
    small = size < context.mm(PROBLEM_MARK_MM)
    if not small.any():
        return
    px, py = context.view.to_pixels((b[small, 0] + b[small, 2]) / 2, (b[small, 1] + b[small, 3]) / 2)
    radius = context.mm(MARK_RADIUS_MM)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(color), width))
    for x, y in zip(px, py):
        painter.drawEllipse(QPointF(x, y), radius, radius)
