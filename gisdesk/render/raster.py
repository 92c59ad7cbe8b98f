"""Drawing a base map: the picture of the view read from its file, drawn under the vector layers.

The file is read for exactly the view: its extent at the view's size in pixels of the picture
(device pixels: a print at 300 dpi, whose view has 300/96 times the pixels, reads that many
more, from a finer overview level or zoom), warped into the map's CRS by the source
(gisdesk.io.raster). The RGBA array becomes a QImage without a copy and is drawn at the
layer's opacity. A base map whose file is missing or cannot be read draws nothing: the
layer tree says why.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from gisdesk.render.context import RenderContext
from gisdesk.render.snapshot import RasterSnapshot


def raster_image(snapshot: RasterSnapshot, context: RenderContext, *,
                 cancelled: Callable[[], bool] = lambda: False) -> QImage | None:
    """The base map's picture of the context's view (view.width x view.height pixels), or None
    when there is nothing to draw (no file, a view of no pixels, a read that failed or was cancelled)."""
    view = context.view
    if snapshot.source is None or view.width < 1 or view.height < 1:
        return None
    try:
        rgba = snapshot.source.read(view.extent, view.width, view.height, snapshot.crs, cancelled=cancelled)
    except Exception:  # noqa: BLE001 - a file gone or damaged since it was opened: the map draws on without it
        return None
    if cancelled() or rgba is None:
        return None
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    if rgba.shape != (view.height, view.width, 4):
        return None
    image = QImage(rgba.data, view.width, view.height, 4 * view.width, QImage.Format.Format_RGBA8888)
    image.ndarray = rgba  # QImage does not own the buffer: the array lives as long as the image
    return image


def draw_raster(painter: QPainter, snapshot: RasterSnapshot, context: RenderContext, *,
                cancelled: Callable[[], bool] = lambda: False) -> None:
    """Draw the base map over the whole view at its opacity (nothing when hidden or missing)."""
    if not snapshot.visible or snapshot.opacity <= 0:
        return
    image = raster_image(snapshot, context, cancelled=cancelled)
    if image is None:
        return
    painter.save()
    try:
        painter.setOpacity(painter.opacity() * snapshot.opacity)
        view = context.view
        painter.drawImage(QRectF(0, 0, view.width, view.height), image)
    finally:
        painter.restore()
