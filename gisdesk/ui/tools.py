"""Map tools: identify, select (click, rectangle, polygon), measure distance and area.

Each tool is a canvas MapTool that draws its own rubber band in paint(). Picking goes
through the layers' live spatial index (gisdesk.layers.index). `install(window)` adds the
actions (Tools menu, toolbar, shortcuts), the Identify and Measure docks and a "Select in"
chooser (all visible layers or one layer).

Measurements are given twice: planar in the project's Gauss-Krüger CRS (what the conflict
check uses) and ellipsoidal (geodesic on the CGCS2000 ellipsoid); gisdesk.analysis.measure
computes both, this module only shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS
from PySide6.QtCore import QCoreApplication, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QActionGroup, QBrush, QColor, QKeySequence, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (QComboBox, QDockWidget, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from gisdesk.analysis.measure import HECTARE_M2, MU_M2, Measurement, measure_area, measure_length
from gisdesk.crs import crs_label
from gisdesk.layers.index import build_in_background, index_of
from gisdesk.layers.layer import Layer
from gisdesk.render.snapshot import Highlight
from gisdesk.ui.attribute_table import display_columns, display_value
from gisdesk.ui.canvas import MapCanvas, MapTool, PanTool
from gisdesk.ui.feature_form import open_feature_form
from gisdesk.ui.icons import icon
from gisdesk.ui.photos import PhotoPanel

PICK_PIXELS = 4  # a click picks features within this many pixels
MAX_IDENTIFIED = 50  # features listed per layer
BAND = QColor(230, 30, 120)


def plain_text(menu_text: str) -> str:
    """A menu text without its accelerator: "&Identify features" -> "Identify features", "识别要素(&I)" -> "识别要素"."""
    return re.sub(r"\(&\w\)|&(?=\w)", "", menu_text)


# --- picking (no widgets) ----------------------------------------------------------------

def topmost_visible(layers: list[Layer]) -> list[Layer]:
    """The visible layers, topmost (last drawn) first."""
    return [layer for layer in reversed(layers) if layer.visible]


@dataclass(frozen=True, eq=False)
class Picked:
    """The features a pick found in one layer: their uids, nearest first, and their rows in the
    generation of the layer's data the pick read."""
    layer: Layer
    uids: np.ndarray
    rows: np.ndarray
    data: object  # the layer's FeatureData when picked

    def current_rows(self) -> np.ndarray:
        """Their rows in the layer's data now (-1 for a feature deleted since)."""
        if self.layer.data is self.data:
            return self.rows  # no uid lookup (a scan of the layer) while nothing changed
        return self.layer.uid_rows.row_of_each(self.uids)


def identify(layers: list[Layer], x: float, y: float, tolerance: float) -> list[Picked]:
    """The features under (x, y) per visible layer, topmost layer first, nearest feature first."""
    found = []
    for layer in topmost_visible(layers):
        data = layer.data
        rows = index_of(layer).at_point(x, y, tolerance)
        if len(rows):
            found.append(Picked(layer, layer.uid_rows.uids[rows], rows, data))
    return found


def apply_selection(targets: list[Layer], hits: dict, *, add: bool) -> None:
    """Select `hits` ({id(layer): rows of its current data}, as the index picked them) in the target
    layers; without `add`, replace what was selected. The selection keeps their uids."""
    for layer in targets:
        rows = np.asarray(hits.get(id(layer), np.zeros(0, dtype=np.int64)), dtype=np.int64)
        if add:
            layer.select_uids(np.union1d(layer.selection, layer.uid_rows.uids_at(rows)))
        else:
            layer.select_rows(rows)


# --- measurement texts (the numbers: gisdesk.analysis.measure) ----------------------------

def length_text(metres: float) -> str:
    text = QCoreApplication.translate("MapTools", "%1 m").replace("%1", f"{metres:,.2f}")
    if metres >= 1000:
        text += QCoreApplication.translate("MapTools", " (%1 km)").replace("%1", f"{metres / 1000:,.3f}")
    return text


def area_text(m2: float) -> str:
    return " = ".join([
        QCoreApplication.translate("MapTools", "%1 m²").replace("%1", f"{m2:,.2f}"),
        QCoreApplication.translate("MapTools", "%1 ha").replace("%1", f"{m2 / HECTARE_M2:,.4f}"),
        QCoreApplication.translate("MapTools", "%1 mu").replace("%1", f"{m2 / MU_M2:,.3f}"),
    ])


def measurement_text(m: Measurement, *, area: bool, crs) -> str:
    """Both results, each saying its method and unit."""
    where = crs_label(CRS(crs)) if crs is not None else "?"
    if area:
        lines = [
            QCoreApplication.translate("MapTools", "Area, planar (%1): %2")
            .replace("%1", where).replace("%2", area_text(m.planar)),
            QCoreApplication.translate("MapTools", "Area, ellipsoidal (CGCS2000): %1")
            .replace("%1", area_text(m.ellipsoidal)),
            QCoreApplication.translate("MapTools", "Perimeter: planar %1, ellipsoidal %2")
            .replace("%1", length_text(m.perimeter_planar)).replace("%2", length_text(m.perimeter_ellipsoidal)),
        ]
    else:
        lines = [
            QCoreApplication.translate("MapTools", "Distance, planar (%1): %2")
            .replace("%1", where).replace("%2", length_text(m.planar)),
            QCoreApplication.translate("MapTools", "Distance, ellipsoidal (CGCS2000): %1")
            .replace("%1", length_text(m.ellipsoidal)),
        ]
    return "\n".join(lines)


# --- the tools -------------------------------------------------------------------------

def _pen(style=Qt.PenStyle.SolidLine, width=1.6, color=BAND) -> QPen:
    pen = QPen(color, width)
    pen.setStyle(style)
    pen.setCosmetic(True)
    return pen


class _VertexTool(MapTool):
    """Click to add vertices; double-click or right-click to finish. Draws the line/polygon so far."""

    cursor = Qt.CursorShape.CrossCursor
    closed = False  # draw as a polygon

    def __init__(self, canvas: MapCanvas, controller: ToolController):
        super().__init__(canvas)
        self.controller = controller
        self.points: list[tuple[float, float]] = []  # map coordinates
        self.floating: tuple[float, float] | None = None  # where the cursor is
        self.finished = False

    def press(self, event):
        x, y = self.canvas.view.to_map(event.position().x(), event.position().y())
        if event.button() == Qt.MouseButton.RightButton:
            self.finish()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if event.type() == event.Type.MouseButtonDblClick:
            self.finish()
            return
        if self.finished:
            self.points, self.finished = [], False
        self.points.append((x, y))
        self.changed()
        self.canvas.update()

    def move(self, event):
        if self.points and not self.finished:
            self.floating = self.canvas.view.to_map(event.position().x(), event.position().y())
            self.changed()
            self.canvas.update()

    def finish(self) -> None:
        self.finished = True
        self.floating = None
        self.changed()
        self.done()
        self.canvas.update()

    def current(self) -> np.ndarray:
        pts = list(self.points) + ([self.floating] if self.floating and not self.finished else [])
        return np.asarray(pts, dtype=float).reshape(-1, 2)

    def changed(self) -> None: ...
    def done(self) -> None: ...

    def deactivate(self):
        self.points, self.floating, self.finished = [], None, False
        self.canvas.update()

    def paint(self, painter: QPainter):
        coords = self.current()
        if len(coords) == 0:
            return
        px, py = self.canvas.view.to_pixels(coords[:, 0], coords[:, 1])
        polygon = QPolygonF([QPointF(float(a), float(b)) for a, b in zip(px, py)])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.closed and len(coords) >= 3:
            painter.setBrush(QBrush(QColor(BAND.red(), BAND.green(), BAND.blue(), 50)))
            painter.setPen(_pen())
            painter.drawPolygon(polygon)
        else:
            painter.setPen(_pen())
            painter.drawPolyline(polygon)
        painter.setBrush(QBrush(QColor("white")))
        painter.setPen(_pen(width=1.2))
        for point in polygon:
            painter.drawEllipse(point, 3.0, 3.0)
        painter.restore()


class IdentifyTool(MapTool):
    cursor = Qt.CursorShape.WhatsThisCursor

    def __init__(self, canvas: MapCanvas, controller: ToolController):
        super().__init__(canvas)
        self.controller = controller

    def release(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            x, y = self.canvas.view.to_map(event.position().x(), event.position().y())
            self.controller.identify_at(x, y)


class SelectTool(MapTool):
    """Select by click and by dragging a rectangle; shift adds to the selection."""

    cursor = Qt.CursorShape.ArrowCursor

    def __init__(self, canvas: MapCanvas, controller: ToolController):
        super().__init__(canvas)
        self.controller = controller
        self._start: QPointF | None = None
        self._end: QPointF | None = None

    def press(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self._start = self._end = event.position()

    def move(self, event):
        if self._start is not None:
            self._end = event.position()
            self.canvas.update()

    def release(self, event):
        if self._start is None or event.button() != Qt.MouseButton.LeftButton:
            return
        start, end = self._start, event.position()
        self._start = self._end = None
        add = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        view = self.canvas.view
        if abs(end.x() - start.x()) < 3 and abs(end.y() - start.y()) < 3:
            self.controller.select_at(*view.to_map(end.x(), end.y()), add=add)
        else:
            x0, y0 = view.to_map(start.x(), start.y())
            x1, y1 = view.to_map(end.x(), end.y())
            self.controller.select_box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), add=add)
        self.canvas.update()

    def deactivate(self):
        self._start = self._end = None

    def paint(self, painter: QPainter):
        if self._start is None or self._end is None:
            return
        painter.save()
        painter.setBrush(QBrush(QColor(BAND.red(), BAND.green(), BAND.blue(), 40)))
        painter.setPen(_pen(Qt.PenStyle.DashLine))
        painter.drawRect(QRectF(self._start, self._end).normalized())
        painter.restore()


class SelectPolygonTool(_VertexTool):
    closed = True

    def press(self, event):
        self._add = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        super().press(event)

    def done(self):
        if len(self.points) >= 3:
            self.controller.select_polygon(shapely.Polygon(self.points), add=getattr(self, "_add", False))
        self.points = []  # the selection shows the result; the band goes


class MeasureTool(_VertexTool):
    """Measure a distance (polyline) or, with `area`, an area; results in the Measure dock."""

    def __init__(self, canvas: MapCanvas, controller: ToolController, *, area: bool = False):
        super().__init__(canvas, controller)
        self.area = area
        self.closed = area
        self.result: Measurement | None = None

    def changed(self):
        crs = self.controller.crs()
        coords = self.current()
        if crs is None:
            self.result = None
            self.controller.show_measurement(
                QCoreApplication.translate("MapTools", "The project has no coordinate reference system"))
            return
        self.result = measure_area(coords, crs) if self.area else measure_length(coords, crs)
        self.controller.show_measurement(measurement_text(self.result, area=self.area, crs=crs))


# --- docks ----------------------------------------------------------------------------------

def feature_rows(layer: Layer, row: int) -> list[tuple[str, str]]:
    """(label, text) pairs of one feature's attributes, schema fields with their labels first."""
    frame = layer.frame
    out = []
    for column, label in display_columns(layer):
        out.append((label, display_value(layer, column, frame[column].iat[row])))
    return out


class IdentifyPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([self.tr("Field"), self.tr("Value")])
        self.tree.setAlternatingRowColors(True)
        self.summary = QLabel(self.tr("Click on the map with the Identify tool"))
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree)
        self.tree.setToolTip(self.tr("Double-click a feature to edit it in its form"))
        self.tree.itemDoubleClicked.connect(self._open_form)
        self.photos = PhotoPanel()  # the chosen feature's photos and documents (gisdesk/ui/photos.py)
        layout.addWidget(self.photos)
        self.tree.currentItemChanged.connect(lambda item, _previous: self._show_photos(item))

    def _show_photos(self, item: QTreeWidgetItem | None) -> None:
        """The photos of the feature whose row (or one of whose values) is current."""
        while item is not None and item.data(1, Qt.ItemDataRole.UserRole) is None:
            item = item.parent()
        document = getattr(self.window(), "document", None)
        project = getattr(document, "project", None) if document is not None else None
        if item is None or project is None:
            self.photos.show_feature(None, None, None)
            return
        self.photos.show_feature(project, item.data(1, Qt.ItemDataRole.UserRole), item.data(0, Qt.ItemDataRole.UserRole))

    def _open_form(self, item: QTreeWidgetItem, _column: int) -> None:
        """The form of the feature whose row (or one of whose values) was double-clicked."""
        while item is not None and item.data(1, Qt.ItemDataRole.UserRole) is None:
            item = item.parent()
        window = self.window()
        document = getattr(window, "document", None)
        if item is None or document is None or document.project is None:
            return
        layer = document.layer_by_id(item.data(1, Qt.ItemDataRole.UserRole))
        self.form = open_feature_form(window, layer, item.data(0, Qt.ItemDataRole.UserRole))

    def show_results(self, results: list[Picked]) -> None:
        """Show each feature found with its attributes, as its layer holds them now."""
        self.tree.clear()
        count = sum(len(picked.uids) for picked in results)
        self.summary.setText(self.tr("%n feature(s) found", "", count) if count else self.tr("Nothing here"))
        first = True
        for picked in results:
            layer = picked.layer
            layer_item = QTreeWidgetItem(self.tree, [layer.title, self.tr("%n feature(s)", "", len(picked.uids))])
            for uid, row in zip(picked.uids[:MAX_IDENTIFIED], picked.current_rows()[:MAX_IDENTIFIED]):
                if row < 0:
                    continue  # deleted since it was picked
                item = QTreeWidgetItem(layer_item, [str(uid), ""])
                item.setData(0, Qt.ItemDataRole.UserRole, str(uid))
                item.setData(1, Qt.ItemDataRole.UserRole, layer.id)
                for label, text in feature_rows(layer, int(row)):
                    QTreeWidgetItem(item, [label, text])
                if first:
                    item.setExpanded(True)
                    self.tree.setCurrentItem(item)  # its photos show below
                    first = False
            layer_item.setExpanded(True)
        self.tree.resizeColumnToContents(0)
        if first:
            self._show_photos(None)


class MeasurePanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.label = QLabel(self.tr("Click points on the map; double-click or right-click to finish"))
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.label)
        layout.addStretch(1)


# --- wiring ------------------------------------------------------------------------------------

class ToolController(QObject):
    """Owns the tools of one window, the docks they report to and the "Select in" choice."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.canvas: MapCanvas = window.canvas
        self.identify_panel = IdentifyPanel()
        self.identify_dock = self._dock(self.tr("Identify results"), "identify_dock", self.identify_panel)
        self.measure_panel = MeasurePanel()
        self.measure_dock = self._dock(self.tr("Measure"), "measure_dock", self.measure_panel)
        self.scope = QComboBox()
        self.scope.setToolTip(self.tr("The layers the select tools work on"))
        self.last_identified: list[Picked] = []
        self._build_actions()
        window.documentChanged.connect(self._document_changed)
        self._index_builder = None  # the thread that builds the R-trees of the open project
        self.canvas.rendered.connect(self._build_indexes)

    def _dock(self, title: str, name: str, panel: QWidget) -> QDockWidget:
        """A right-hand dock for a tool's results, hidden until the tool is used."""
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(panel)
        self.window.add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea)
        dock.hide()
        return dock

    # --- actions ---------------------------------------------------------------------------

    def _build_actions(self) -> None:
        w = self.window
        group = QActionGroup(w)
        group.setExclusive(True)
        menu = w.menus["tools"]
        toolbar = w.toolbar
        w.action_pan.setCheckable(True)
        w.action_pan.setChecked(True)
        group.addAction(w.action_pan)
        specs = [  # (attribute, menu text, toolbar text, shortcut, icon, tool)
            ("action_identify", self.tr("&Identify features"), self.tr("Identify"), "I", "identify",
             lambda: IdentifyTool(self.canvas, self)),
            ("action_select", self.tr("&Select by click or rectangle"), self.tr("Select"), "S", "select_rect",
             lambda: SelectTool(self.canvas, self)),
            ("action_select_polygon", self.tr("Select by pol&ygon"), self.tr("Polygon"), "G", "select_polygon",
             lambda: SelectPolygonTool(self.canvas, self)),
            ("action_measure_distance", self.tr("Measure &distance"), self.tr("Distance"), "M", "measure_line",
             lambda: MeasureTool(self.canvas, self, area=False)),
            ("action_measure_area", self.tr("Measure &area"), self.tr("Area"), "Shift+M", "measure_area",
             lambda: MeasureTool(self.canvas, self, area=True)),
        ]
        menu.addSeparator()
        toolbar.addSeparator()
        self.actions: dict[str, QAction] = {}
        for name, text, short, shortcut, icon_name, make in specs:
            action = QAction(icon(icon_name), text, w)
            action.setIconText(short)
            action.setToolTip(f"{plain_text(text)} ({shortcut})")
            action.setShortcut(QKeySequence(shortcut))
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, make=make, name=name: self._use(make(), name))
            group.addAction(action)
            menu.addAction(action)
            toolbar.addAction(action)
            setattr(w, name, action)
            self.actions[name] = action
        self.action_clear = QAction(self.tr("&Clear selection"), w)
        self.action_clear.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.action_clear.setIconText(self.tr("Clear"))
        self.action_clear.triggered.connect(self.clear_selection)
        menu.addAction(self.action_clear)
        toolbar.addAction(self.action_clear)
        w.action_clear_selection = self.action_clear
        toolbar.addWidget(QLabel(" " + self.tr("Select in:") + " "))
        toolbar.addWidget(self.scope)
        self._fill_scope()

    def _use(self, tool: MapTool, name: str) -> None:
        self.canvas.set_tool(tool)
        if name.startswith("action_measure"):
            self.measure_dock.show()
            self.measure_panel.label.setText(
                self.tr("Click points on the map; double-click or right-click to finish"))
        if name == "action_identify":
            self.identify_dock.show()

    def _document_changed(self, document) -> None:
        self.canvas.set_tool(PanTool(self.canvas))
        self.window.action_pan.setChecked(True)
        self.last_identified = []
        self.identify_panel.show_results([])
        self._fill_scope()

    def _build_indexes(self, *_) -> None:
        """Bulk-load the R-trees behind the UI, once the map is drawn (they need the CPU it needs)."""
        document = self.window.document
        if document is None or (self._index_builder is not None and self._index_builder.is_alive()):
            return
        if not all(index_of(layer).ready for layer in document.layers):
            self._index_builder = build_in_background(document.layers)

    def _fill_scope(self) -> None:
        self.scope.clear()
        self.scope.addItem(self.tr("All visible layers"), None)
        if hasattr(self.window, "layer_tree"):
            self.scope.addItem(self.tr("Current layer (in the layer tree)"), "current")
        document = self.window.document
        if document is not None:
            for layer in reversed(document.layers):
                self.scope.addItem(layer.title, id(layer))
        self.scope.setCurrentIndex(0)

    # --- what the tools do -------------------------------------------------------------------

    def layers(self) -> list[Layer]:
        document = self.window.document
        return list(document.layers) if document is not None else []

    def targets(self) -> list[Layer]:
        """The layers the select tools work on, topmost first."""
        key = self.scope.currentData()
        if key is None:
            return topmost_visible(self.layers())
        if key == "current":
            current = self.window.layer_tree.current_layer()
            return [current] if current is not None else []
        return [layer for layer in self.layers() if id(layer) == key]

    def set_scope(self, layer: Layer | None) -> None:
        index = self.scope.findData(None if layer is None else id(layer))
        self.scope.setCurrentIndex(max(index, 0))

    def tolerance(self) -> float:
        return PICK_PIXELS * self.canvas.view.resolution

    def crs(self):
        document = self.window.document
        return document.project.crs if document is not None else None

    def identify_at(self, x: float, y: float) -> list[Picked]:
        results = identify(self.layers(), x, y, self.tolerance())
        self.last_identified = results
        self.identify_panel.show_results(results)
        self.identify_dock.show()
        self.canvas.set_highlight(tuple(Highlight(p.layer.id, tuple(str(uid) for uid in p.uids[:MAX_IDENTIFIED]))
                                        for p in results) or None)
        return results

    def select_at(self, x: float, y: float, *, add: bool = False) -> None:
        hits = {}
        for layer in self.targets():  # the nearest feature of the topmost layer with one
            rows = index_of(layer).at_point(x, y, self.tolerance())
            if len(rows):
                hits[id(layer)] = rows[:1]
                break
        self._apply(hits, add)

    def select_box(self, xmin: float, ymin: float, xmax: float, ymax: float, *, add: bool = False) -> None:
        self._apply({id(layer): index_of(layer).in_box(xmin, ymin, xmax, ymax) for layer in self.targets()}, add)

    def select_polygon(self, polygon, *, add: bool = False) -> None:
        self._apply({id(layer): index_of(layer).in_polygon(polygon) for layer in self.targets()}, add)

    def _apply(self, hits: dict, add: bool) -> None:
        apply_selection(self.targets(), hits, add=add)
        count = sum(len(layer.selection) for layer in self.layers())
        self.window.statusBar().showMessage(self.tr("%n feature(s) selected", "", count), 5000)

    def clear_selection(self) -> None:
        for layer in self.layers():
            layer.select_uids([])

    def show_measurement(self, text: str) -> None:
        self.measure_panel.label.setText(text)
        self.measure_dock.show()


def install(window) -> ToolController:
    controller = ToolController(window)
    window.tools = controller
    return controller
