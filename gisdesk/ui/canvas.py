"""The map canvas: shows a rendered picture of the map and moves it at once while you pan and zoom.

Rendering runs in a worker thread into a QImage (gisdesk.render, the same code as export). The
worker never touches the live layers: render_now() takes a Scene of snapshots of them on the
GUI thread and hands it over with a screen RenderContext. While the user pans or zooms, the last picture is drawn moved and scaled to the new view;
a new render starts when the view has been still for a moment, and replaces the picture
when it is ready. A render started for a view that is no longer wanted stops early.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QPointF, QRectF, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QWidget

from gisdesk.layers.document import MapDocument
from gisdesk.render.conflict_marks import ConflictMarks
from gisdesk.render.context import RenderContext
from gisdesk.render.overlays import draw_north_arrow, draw_scale_bar
from gisdesk.render.renderer import render_image
from gisdesk.render.snapshot import Highlight, Problems, Scene
from gisdesk.render.view import MapView

BACKGROUND = "#f7f5f0"
RENDER_DELAY_MS = 120  # wait this long after the last pan/zoom step before re-rendering
WHEEL_STEP = 1.25
MIN_ZOOM_EXTENT_M = 40.0  # zooming to a feature shows at least this much ground


class _RenderSignals(QObject):
    done = Signal(int, object, object, float)  # generation, view, image, seconds


class _RenderTask(QRunnable):
    """A render in the pool's thread: of an immutable scene, so the GUI thread may edit meanwhile."""

    def __init__(self, canvas: MapCanvas, generation: int, scene: Scene, context: RenderContext):
        super().__init__()
        self.canvas, self.generation, self.scene, self.context = canvas, generation, scene, context
        self.signals = canvas._signals

    def run(self):
        start = time.perf_counter()
        image = render_image(self.scene, self.context, background=BACKGROUND,
                             cancelled=lambda: self.generation != self.canvas._generation)
        self.signals.done.emit(self.generation, self.context.view, image, time.perf_counter() - start)


class MapTool:
    """Mouse behaviour on the canvas. The default tool pans; others select, identify, measure."""

    cursor = Qt.CursorShape.OpenHandCursor

    def __init__(self, canvas: MapCanvas):
        self.canvas = canvas

    def press(self, event: QMouseEvent) -> None: ...
    def move(self, event: QMouseEvent) -> None: ...
    def release(self, event: QMouseEvent) -> None: ...
    def paint(self, painter: QPainter) -> None:
        """Draw the tool's own marks (rubber band, measured line) over the map."""
    def deactivate(self) -> None: ...


class PanTool(MapTool):
    def __init__(self, canvas: MapCanvas):
        super().__init__(canvas)
        self._last: QPointF | None = None

    def press(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = event.position()
            self.canvas.setCursor(Qt.CursorShape.ClosedHandCursor)

    def move(self, event):
        if self._last is not None:
            delta = event.position() - self._last
            self._last = event.position()
            self.canvas.set_view(self.canvas.view.panned(delta.x(), delta.y()))

    def release(self, event):
        self._last = None
        self.canvas.setCursor(self.cursor)


class MapCanvas(QWidget):
    viewChanged = Signal(object)  # MapView
    cursorMoved = Signal(float, float)  # project CRS x, y
    rendered = Signal(float)  # seconds the render took; the picture now matches the view

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(200, 150)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.document: MapDocument | None = None
        self.view = MapView(0.0, 0.0, 1.0, max(self.width(), 1), max(self.height(), 1))
        self.highlight: Highlight | None = None
        self.problems: dict[str, Problems] = {}  # topology problems by layer id, drawn over the visible layers
        self.marks: ConflictMarks | None = None  # the conflict shown: overlap, setback line, distance
        self._image: QImage | None = None
        self._image_view: MapView | None = None
        self._generation = 0
        self._pending = False
        self._loading = False  # the document is a project being opened (its layers still coming)
        self._watched: list = []  # the layers whose events reach _on_data
        self._signals = _RenderSignals()
        self._signals.done.connect(self._on_rendered)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._timer = QTimer(self, singleShot=True, interval=RENDER_DELAY_MS)
        self._timer.timeout.connect(self.render_now)
        self.tool: MapTool = PanTool(self)
        self.setCursor(self.tool.cursor)

    # --- what is shown ---------------------------------------------------------------

    def set_document(self, document: MapDocument | None, *, extent=None, keep_view: bool = False,
                     loading: bool = False) -> None:
        """Show `document`: zoomed to `extent` (default: the document's), or with `keep_view` the
        view and picture as they are (the same layers, now in the opened document). With
        `loading`, the document is a project being opened: its layers arrive one by one
        (gisdesk.ui.loading) and nothing is drawn before the first."""
        if self.document is not None:
            self._unwatch(self.document)
        self.document = document
        self._loading = loading
        if not keep_view:
            self._image = None
        if document is not None:
            self._watch(document)
            if not keep_view:
                self.zoom_to_extent(extent if extent is not None else document.extent())

    def set_view(self, view: MapView, *, render_delay: bool = True) -> None:
        self.view = view
        self.viewChanged.emit(view)
        self.update()
        if render_delay:
            self._timer.start()
        else:
            self.render_now()

    def zoom_to_extent(self, extent) -> None:
        if extent is None:
            return
        xmin, ymin, xmax, ymax = extent
        cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
        half = MIN_ZOOM_EXTENT_M / 2  # a point or a tiny feature is shown with its surroundings
        extent = (min(xmin, cx - half), min(ymin, cy - half), max(xmax, cx + half), max(ymax, cy + half))
        self.set_view(MapView.fit(extent, max(self.width(), 1), max(self.height(), 1)), render_delay=False)

    def zoom(self, factor: float, px: float | None = None, py: float | None = None) -> None:
        self.set_view(self.view.zoomed(factor, px, py))

    def set_scale(self, denominator: float) -> None:
        self.set_view(self.view.with_scale(denominator))

    def set_highlight(self, highlight: Highlight | None, marks: ConflictMarks | None = None) -> None:
        """Outline these features; `marks`, a conflict's overlap, setback line and distance, go with
        the outline (render.conflict_marks): the next highlight replaces them."""
        if highlight != self.highlight or marks is not self.marks:
            self.highlight, self.marks = highlight, marks
            self.refresh()

    def set_problems(self, problems: dict[str, Problems]) -> None:
        """Topology problems to draw, by layer id (problems_by_layer of the store's findings); {}: none."""
        self.problems = dict(problems)
        self.refresh()

    def set_tool(self, tool: MapTool) -> None:
        self.tool.deactivate()
        self.tool = tool
        self.setCursor(tool.cursor)
        self.update()

    def refresh(self) -> None:
        """Re-render with the current data and styles (the picture stays until the new one is ready)."""
        self._timer.start()

    def is_rendering(self) -> bool:
        return self._pending or self._timer.isActive()

    def render_now(self) -> None:
        self._timer.stop()
        if self.document is None or (self._loading and not self.document.layers):
            return
        self._generation += 1
        self._pending = True
        scene = Scene.of(self.document.layers, self.highlight, problems=self.problems,  # here, on the GUI thread
                         marks=self.marks)
        self._pool.start(_RenderTask(self, self._generation, scene, RenderContext.screen(self.view)))

    def _on_rendered(self, generation: int, view: MapView, image: QImage, seconds: float) -> None:
        if generation != self._generation:
            return  # a newer render is under way
        self._image, self._image_view = image, view
        self._pending = False
        self.update()
        self.rendered.emit(seconds)

    def _watch(self, document: MapDocument) -> None:
        document.events["layers"].connect(self._on_layers)
        self._watch_layers(document.layers)

    def _unwatch(self, document: MapDocument) -> None:
        document.events["layers"].disconnect(self._on_layers)
        self._watch_layers([])

    def _watch_layers(self, layers) -> None:
        """Hear the changes of exactly these layers (those of the document now)."""
        for layer in self._watched:
            for name in ("visible", "opacity", "style", "data", "selection"):
                layer.events[name].disconnect(self._on_data)
        self._watched = list(layers)
        for layer in self._watched:
            for name in ("visible", "opacity", "style", "data", "selection"):
                layer.events[name].connect(self._on_data)

    def _on_layers(self, *_):
        """Layers moved, came or went (or arrived, while a project opens)."""
        if self.document is not None:
            self._watch_layers(self.document.layers)
        self.refresh()

    def _on_data(self, *_):
        self.refresh()

    # --- Qt events -------------------------------------------------------------------

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(BACKGROUND))
        if self._image is not None and self._image_view is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(self._image_target(), self._image)
        context = RenderContext.screen(self.view)
        draw_scale_bar(painter, context, QPointF(16, self.height() - 12))
        draw_north_arrow(painter, context, QPointF(self.width() - 34, 44))
        self.tool.paint(painter)
        painter.end()

    def _image_target(self) -> QRectF:
        """Where the last picture lands in the current view (moved and scaled)."""
        old = self._image_view
        xmin, _, _, ymax = old.extent
        left, top = self.view.to_pixels(xmin, ymax)
        scale = old.resolution / self.view.resolution
        return QRectF(float(left), float(top), old.width * scale, old.height * scale)

    def resizeEvent(self, event):
        self.view = self.view.resized(max(self.width(), 1), max(self.height(), 1))
        self.viewChanged.emit(self.view)
        self._timer.start()

    def wheelEvent(self, event: QWheelEvent):
        steps = event.angleDelta().y() / 120
        if steps:
            pos = event.position()
            self.zoom(WHEEL_STEP ** steps, pos.x(), pos.y())

    def mousePressEvent(self, event):
        self.tool.press(event)

    def mouseMoveEvent(self, event):
        x, y = self.view.to_map(event.position().x(), event.position().y())
        self.cursorMoved.emit(x, y)
        self.tool.move(event)

    def mouseReleaseEvent(self, event):
        self.tool.release(event)

    def keyPressEvent(self, event):
        step = 80
        moves = {Qt.Key.Key_Left: (step, 0), Qt.Key.Key_Right: (-step, 0), Qt.Key.Key_Up: (0, step),
                 Qt.Key.Key_Down: (0, -step)}
        if event.key() in moves:
            self.set_view(self.view.panned(*moves[event.key()]))
        elif event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(WHEEL_STEP)
        elif event.key() == Qt.Key.Key_Minus:
            self.zoom(1 / WHEEL_STEP)
        else:
            super().keyPressEvent(event)


def problems_by_layer(found) -> dict[str, Problems]:
    """The topology findings of a project (the store's `topology()` frame) as geometry to draw, by layer."""
    out = {}
    for layer_id, rows in found.groupby("layer_id"):
        geoms, problem = rows.geometry.to_numpy(dtype=object), rows["problem"].to_numpy()
        out[layer_id] = Problems(geoms[problem == "overlap"], geoms[problem == "sliver"], geoms[problem == "gap"])
    return out
