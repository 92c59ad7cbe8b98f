"""The map canvas: shows a rendered picture of the map and moves it at once while you pan and zoom.

Rendering runs in a worker thread into a QImage (gisdesk.render, the same code as export). The
worker never touches the live layers: render_now() takes a Scene of snapshots of them on the
GUI thread and hands it over with a screen RenderContext. While the user pans or zooms, the last picture is drawn moved and scaled to the new view;
a new render starts when the view has been still for a moment, and replaces the picture
when it is ready. A render started for a view that is no longer wanted stops early.
"""

from __future__ import annotations

import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import QWidget

from gisdesk.layers.document import MapDocument
from gisdesk.render.conflict_marks import ConflictMarks
from gisdesk.render.context import SCREEN, RenderContext
from gisdesk.render.overlays import draw_north_arrow, draw_scale_bar
from gisdesk.render.renderer import render_image
from gisdesk.render.snapshot import Highlight, Problems, Scene
from gisdesk.render.view import SCREEN_DPI, MapView

BACKGROUND = "#f7f5f0"
TRANSPARENT = "transparent"  # the background of a picture laid over others (a comparison's vectors)
RENDER_DELAY_MS = 120  # wait this long after the last pan/zoom step before re-rendering
WHEEL_STEP = 1.25
MIN_ZOOM_EXTENT_M = 40.0  # zooming to a feature shows at least this much ground


class _RenderSignals(QObject):
    done = Signal(int, object, object, float)  # generation, view (logical pixels), images, seconds


class _RenderTask:
    """A render in the canvas's thread: of immutable scenes, so the GUI thread may edit meanwhile.
    One picture per scene (a comparison renders the same vectors over each dated base map)."""

    def __init__(self, canvas: MapCanvas, generation: int, scenes: list[Scene], context: RenderContext,
                 view: MapView, ratio: float):
        self.canvas, self.generation, self.scenes, self.context = canvas, generation, scenes, context
        self.view, self.ratio = view, ratio
        self.signals = canvas._signals

    def run(self):
        try:
            start = time.perf_counter()
            images = []
            for scene, background in self.scenes:
                image = render_image(scene, self.context, background=background,
                                     cancelled=lambda: self.generation != self.canvas._generation)
                image.setDevicePixelRatio(self.ratio)  # drawn 1:1 onto the screen's device pixels
                images.append(image)
            self.signals.done.emit(self.generation, self.view, images, time.perf_counter() - start)
        except Exception:  # an executor keeps a task's exception to itself: say it, as Qt's pool did
            traceback.print_exc()
            raise


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
    cursorLeft = Signal()  # the mouse left the canvas
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
        self._image: QImage | None = None  # the last picture (of the first scene), in device pixels
        self._images: list[QImage] = []  # one per scene of `variants`
        self._image_view: MapView | None = None  # the (logical) view it was rendered for
        # A comparison: functions making the scenes to render, each into a picture of its own
        # (None: the document as it is); `compositor(painter, images, target)` paints them.
        self.variants: list | None = None
        self.compositor = None
        self.cross: tuple[float, float] | None = None  # a map point marked with a cross (the other pane's cursor)
        self.forced_ratio: float | None = None  # a device pixel ratio to render at instead of the screen's (tests)
        self._generation = 0
        self._pending = False
        self._loading = False  # the document is a project being opened (its layers still coming)
        self._watched: list = []  # the layers whose events reach _on_data
        self._signals = _RenderSignals()
        self._signals.done.connect(self._on_rendered)
        # A Python thread, not a QThreadPool: Qt's pool threads lose their Python thread state
        # between runs, and with it pyproj's per-thread PROJ context (a base map's read crashed
        # in the second render; see gisdesk.ui.jobs)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gisdesk-render")
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
        if document is not self.document:  # a comparison's scenes are of the document it was made for
            self.variants = self.compositor = None
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
        # the scenes are made here, on the GUI thread
        scenes = [_with_background(make()) for make in self.variants] if self.variants else \
            [(self.make_scene(), BACKGROUND)]
        ratio = self.device_pixel_ratio()
        self._pool.submit(_RenderTask(self, self._generation, scenes, self.render_context(), self.view, ratio).run)

    def make_scene(self, basemaps=None, *, vectors: bool = True) -> Scene:
        """The scene of the document as shown, or with `basemaps` (RasterLayers) instead of its own
        base maps: only those, shown whatever their visibility (a comparison's one date); without
        `vectors`, the base maps alone (a comparison draws the vector layers once, over each date)."""
        kwargs = {}
        own = getattr(self.document, "basemaps", None)
        if basemaps is not None or own:
            kwargs["basemaps"] = list(own or []) if basemaps is None else list(basemaps)
        if vectors:
            scene = Scene.of(self.document.layers, self.highlight, problems=self.problems, marks=self.marks,
                             annotations=getattr(self.document, "annotations", ()), **kwargs)
        else:
            scene = Scene.of([], **kwargs)
        if basemaps is not None and getattr(scene, "basemaps", None):
            scene = replace(scene, basemaps=tuple(replace(b, visible=True) for b in scene.basemaps))
        return scene

    def device_pixel_ratio(self) -> float:
        """Device pixels per logical pixel of the screen the canvas is on (2 on most high-DPI laptops)."""
        return float(self.forced_ratio or self.devicePixelRatioF() or 1.0)

    def render_context(self, view: MapView | None = None) -> RenderContext:
        """The context of a render of `view` (logical pixels) at the device pixel ratio: the picture
        has ratio × as many pixels each way, at 96 × ratio dpi, so sizes in mm and pt come out as
        large on the screen as at ratio 1, only sharper."""
        view = self.view if view is None else view
        ratio = self.device_pixel_ratio()
        if ratio == 1:
            return RenderContext.screen(view)
        device = replace(view, resolution=view.resolution / ratio, width=max(1, round(view.width * ratio)),
                         height=max(1, round(view.height * ratio)))
        return RenderContext(device, SCREEN_DPI * ratio, SCREEN)

    def set_variants(self, variants: list | None, compositor=None) -> None:
        """Render one picture per scene maker of `variants` and paint them with `compositor`
        (painter, images, target rect in logical pixels); None: back to the one picture of the document.
        A maker returns a Scene, or (Scene, background) — TRANSPARENT for a picture laid over the others."""
        self.variants, self.compositor = (list(variants), compositor) if variants else (None, None)
        self._images = []
        self.render_now()

    def set_cross(self, point: tuple[float, float] | None) -> None:
        if point != self.cross:
            self.cross = point
            self.update()

    def _on_rendered(self, generation: int, view: MapView, images: list, seconds: float) -> None:
        if generation != self._generation:
            return  # a newer render is under way
        self._images = list(images)
        self._image, self._image_view = images[0], view
        self._pending = False
        self.update()
        self.rendered.emit(seconds)

    def _watch(self, document: MapDocument) -> None:
        document.events["layers"].connect(self._on_layers)
        if "basemaps" in document.events:  # base maps moved, came or went
            document.events["basemaps"].connect(self._on_layers)
        self._watch_layers(_all_layers(document))

    def _unwatch(self, document: MapDocument) -> None:
        document.events["layers"].disconnect(self._on_layers)
        if "basemaps" in document.events:
            document.events["basemaps"].disconnect(self._on_layers)
        self._watch_layers([])

    def _watch_layers(self, layers) -> None:
        """Hear the changes of exactly these layers (those of the document now)."""
        names = ("visible", "opacity", "style", "data", "selection")  # (a base map has no selection)
        for layer in self._watched:
            for name in names:
                if name in layer.events:
                    layer.events[name].disconnect(self._on_data)
        self._watched = list(layers)
        for layer in self._watched:
            for name in names:
                if name in layer.events:
                    layer.events[name].connect(self._on_data)

    def _on_layers(self, *_):
        """Layers moved, came or went (or arrived, while a project opens)."""
        if self.document is not None:
            self._watch_layers(_all_layers(self.document))
        self.refresh()

    def _on_data(self, *_):
        self.refresh()

    # --- Qt events -------------------------------------------------------------------

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(BACKGROUND))
        if self._image is not None and self._image_view is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            if self.compositor is not None and len(self._images) == len(self.variants or ()):
                self.compositor(painter, self._images, self._image_target())
            else:
                painter.drawImage(self._image_target(), self._image)
        if self.cross is not None:
            self._paint_cross(painter)
        context = RenderContext.screen(self.view)
        draw_scale_bar(painter, context, QPointF(16, self.height() - 12))
        draw_north_arrow(painter, context, QPointF(self.width() - 34, 44))
        self.tool.paint(painter)
        painter.end()

    def _paint_cross(self, painter: QPainter) -> None:
        px, py = (float(v) for v in self.view.to_pixels(*self.cross))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for color, width in (("#ffffff", 4.0), ("#e6007a", 1.6)):
            painter.setPen(QPen(QColor(color), width))
            painter.drawLine(QPointF(px - 12, py), QPointF(px + 12, py))
            painter.drawLine(QPointF(px, py - 12), QPointF(px, py + 12))
        painter.restore()

    def _image_target(self) -> QRectF:
        """Where the last picture lands in the current view (moved and scaled), in logical pixels
        (the picture itself has the device pixel ratio's pixels: drawn into this rectangle, one
        of its pixels lands on one device pixel while the view has not moved)."""
        old = self._image_view
        xmin, _, _, ymax = old.extent
        left, top = self.view.to_pixels(xmin, ymax)
        scale = old.resolution / self.view.resolution
        return QRectF(float(left), float(top), old.width * scale, old.height * scale)

    def event(self, event):
        if event.type() == QEvent.Type.DevicePixelRatioChange:  # moved to a screen of another ratio
            self.refresh()
        return super().event(event)

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

    def leaveEvent(self, event):
        self.cursorLeft.emit()
        super().leaveEvent(event)

    def mouseDoubleClickEvent(self, event):
        handler = getattr(self.tool, "double_click", None)
        if handler is not None:
            handler(event)
        else:
            super().mouseDoubleClickEvent(event)

    def mouseReleaseEvent(self, event):
        self.tool.release(event)

    def keyPressEvent(self, event):
        handler = getattr(self.tool, "key", None)  # a tool's own keys (Enter, Esc) come first
        if handler is not None and handler(event):
            return
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


def _with_background(made) -> tuple:
    """A variant's (scene, background colour): a maker may give a scene (on the map's background) or
    both (TRANSPARENT: a picture to lay over the others)."""
    return made if isinstance(made, tuple) else (made, BACKGROUND)


def _all_layers(document) -> list:
    """The vector layers and base maps of a document (a bare one, as tests make, may have no base maps)."""
    return list(document.layers) + list(getattr(document, "basemaps", None) or [])


def problems_by_layer(found) -> dict[str, Problems]:
    """The topology findings of a project (the store's `topology()` frame) as geometry to draw, by layer."""
    out = {}
    for layer_id, rows in found.groupby("layer_id"):
        geoms, problem = rows.geometry.to_numpy(dtype=object), rows["problem"].to_numpy()
        out[layer_id] = Problems(geoms[problem == "overlap"], geoms[problem == "sliver"], geoms[problem == "gap"])
    return out
