"""Editing features on the map: add, move, reshape (vertices), split, merge and delete, with snapping.

The layer edited is the current layer of the layer tree. Every edit is one command of that
layer's edit session (gisdesk.layers.edits), saved at once as the attribute table saves, so
Edit › Undo takes it back and the autosave journal holds it until it is saved; the live index
and every view follow the layer's events. The geometry of each edit is computed by
gisdesk.layers.editing, which refuses a shape that would not be valid.

Snapping: a clicked or dragged point goes to the nearest vertex, else the nearest edge, of the
features of the snapping layers within a tolerance in screen pixels (12 by default, as QGIS);
Editing › Snapping… chooses the layers, vertices and/or edges and the tolerance.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtCore import QCoreApplication, QObject, QPointF, Qt
from PySide6.QtGui import QAction, QActionGroup, QBrush, QColor, QKeySequence, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QListWidget, QListWidgetItem,
                               QMessageBox, QSpinBox, QVBoxLayout)
from shapely.geometry import LineString, Polygon

from gisdesk.errors import GisdeskError
from gisdesk.layers import editing
from gisdesk.layers.draft_case import admin_of
from gisdesk.layers.index import index_of
from gisdesk.layers.kinds import LINE, POINT, POLYGON, kind_of
from gisdesk.layers.layer import Layer
from gisdesk.layers.ledger import FIRST_STATUS
from gisdesk.ui.canvas import MapCanvas, MapTool
from gisdesk.ui.feature_form import open_feature_form
from gisdesk.ui.tools import plain_text

SNAP_PIXELS = 12
BAND = QColor(230, 0, 126)  # what is being drawn or moved
SNAPPED = QColor(255, 140, 0)


class EditController(QObject):
    """The editing actions of one window, the snapping settings and what the tools call."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.canvas: MapCanvas = window.canvas
        self.snapping = True
        self.snap_pixels = SNAP_PIXELS
        self.snap_vertices = True
        self.snap_edges = True
        self.snap_layer_ids: set[str] | None = None  # None: every visible vector layer
        self.last_error = ""
        self._build_actions()
        window.documentChanged.connect(lambda *_: self.update_actions())
        tree = getattr(window, "layer_tree", None)
        if tree is not None:
            tree.view.selectionModel().currentChanged.connect(lambda *_: self.update_actions())
        self.update_actions()

    # --- actions ---------------------------------------------------------------------------

    def _build_actions(self) -> None:
        w = self.window
        menu = w.menus["edit"]
        menu.addSeparator()
        self.toolbar = w.addToolBar(self.tr("Editing"))
        self.toolbar.setObjectName("editing_toolbar")
        # shown once an editing tool is chosen from the Edit menu (or from View › Panels): a second
        # row of tools always there would take the map's share on a 1366×768 laptop below half
        self.toolbar.hide()
        w.panels_menu.addAction(self.toolbar.toggleViewAction())
        group = w.action_pan.actionGroup() or QActionGroup(w)
        specs = [  # (name, text, shortcut, tool maker)
            ("add_polygon", self.tr("Add &polygon"), "Ctrl+.", lambda: DrawTool(self.canvas, self, POLYGON)),
            ("add_line", self.tr("Add &line"), "", lambda: DrawTool(self.canvas, self, LINE)),
            ("add_point", self.tr("Add poi&nt"), "", lambda: DrawTool(self.canvas, self, POINT)),
            ("move", self.tr("&Move feature"), "", lambda: MoveTool(self.canvas, self)),
            ("vertices", self.tr("Edit &vertices"), "V", lambda: VertexTool(self.canvas, self)),
            ("split", self.tr("Spli&t polygons"), "", lambda: SplitTool(self.canvas, self)),
        ]
        self.actions: dict[str, QAction] = {}
        for name, text, shortcut, make in specs:
            action = QAction(text, w)
            action.setIconText(plain_text(text))
            action.setCheckable(True)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _=False, make=make: self._use(make()))
            group.addAction(action)
            menu.addAction(action)
            self.toolbar.addAction(action)
            self.actions[name] = action
        self.actions["gps_vertex"] = self._plain(self.tr("Vertex at the GPS position"), self.gps_vertex, "Ctrl+G")
        self.actions["merge"] = self._plain(self.tr("Mer&ge selected"), self.merge_selected)
        self.actions["delete"] = self._plain(self.tr("&Delete selected"), self.delete_selected, "Ctrl+Delete")
        self.toolbar.addSeparator()
        snap = QAction(self.tr("S&napping"), w)
        snap.setIconText(plain_text(snap.text()))
        snap.setCheckable(True)
        snap.setChecked(self.snapping)
        snap.toggled.connect(lambda on: setattr(self, "snapping", on))
        menu.addAction(snap)
        self.toolbar.addAction(snap)
        self.actions["snapping"] = snap
        settings = QAction(self.tr("Snapping settings…"), w)
        settings.triggered.connect(self.snapping_settings)
        menu.addAction(settings)
        self.actions["snapping_settings"] = settings

    def _use(self, tool) -> None:
        self.toolbar.show()
        self.canvas.set_tool(tool)

    def _plain(self, text: str, slot, shortcut: str = "") -> QAction:
        action = QAction(text, self.window)
        action.setIconText(plain_text(text))
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.window.menus["edit"].addAction(action)
        self.toolbar.addAction(action)
        return action

    def update_actions(self) -> None:
        layer = self.edit_layer()
        allowed = set(kind_of(layer.kind).geometries) if layer is not None else set()
        for name, geometry in (("add_polygon", POLYGON), ("add_line", LINE), ("add_point", POINT)):
            self.actions[name].setEnabled(geometry in allowed)
        for name in ("move", "vertices", "delete"):
            self.actions[name].setEnabled(layer is not None)
        self.actions["split"].setEnabled(POLYGON in allowed)
        self.actions["merge"].setEnabled(POLYGON in allowed)

    # --- what is edited ------------------------------------------------------------------------

    def edit_layer(self) -> Layer | None:
        """The current layer of the layer tree, when it is a vector layer of the open project."""
        document = self.window.document
        tree = getattr(self.window, "layer_tree", None)
        if document is None or document.project is None or tree is None:
            return None
        layer = tree.current_layer()
        return layer if isinstance(layer, Layer) and layer in document.layers else None

    def tolerance(self) -> float:
        return self.snap_pixels * self.canvas.view.resolution

    def snapped(self, x: float, y: float, *, skip: tuple[str, str] | None = None) -> tuple[float, float, object]:
        """(x, y) snapped to what is near, or as it is; with the Snap (None: not snapped).
        `skip` (layer id, uid): a feature whose own vertices must not catch the point (the one being reshaped)."""
        if not self.snapping or self.window.document is None:
            return x, y, None
        tolerance = self.tolerance()
        candidates = []
        for layer in self.window.document.layers:
            if not layer.visible or (self.snap_layer_ids is not None and layer.id not in self.snap_layer_ids):
                continue
            rows = index_of(layer).in_box(x - tolerance, y - tolerance, x + tolerance, y + tolerance)
            uids = layer.uid_rows.uids
            for row in rows[:200]:
                if skip == (layer.id, str(uids[row])):
                    continue
                candidates.append((layer.id, uids[row], layer.geometries[int(row)]))
        found = editing.snap(x, y, candidates, tolerance, to_vertices=self.snap_vertices, to_edges=self.snap_edges)
        return (found.x, found.y, found) if found else (x, y, None)

    def feature_at(self, layer: Layer, x: float, y: float) -> str | None:
        rows = index_of(layer).at_point(x, y, SNAP_PIXELS / 2 * self.canvas.view.resolution)
        return str(layer.uid_rows.uids[int(rows[0])]) if len(rows) else None

    def geometry_of(self, layer: Layer, uid: str):
        rows = layer.uid_rows.rows_of([uid])
        return layer.geometries[int(rows[0])] if len(rows) else None

    # --- edits -----------------------------------------------------------------------------

    def apply(self, layer: Layer, change) -> bool:
        """Run `change(session)` (one command) and save it; a refusal (bad shape, stale feature)
        takes the command back, is told to the user, and leaves the layer as it was."""
        session = self.window.document.edits(layer)
        done_before = session.last_done
        try:
            change(session)
            session.commit()
        except GisdeskError as error:
            if session.last_done != done_before:
                session.revert()
            self.tell(str(error))
            return False
        self.last_error = ""
        self.canvas.update()
        return True

    def tell(self, message: str) -> None:
        self.last_error = message
        self.window.statusBar().showMessage(message, 8000)
        if not self.window.headless and self.window.isVisible():
            QMessageBox.warning(self.window, self.tr("Editing"), message)

    def add_feature(self, geometry_kind: str, points) -> str | None:
        """A new feature of the edit layer from the drawn points; its form opens to fill it in."""
        layer = self.edit_layer()
        if layer is None:
            return None
        try:
            geometry = editing.as_layer_type(editing.drawn_geometry(geometry_kind, points), layer)
        except GisdeskError as error:
            self.tell(str(error))
            return None
        uid = editing.new_uid(layer)
        values = {c: v for c, v in admin_of(self.window.document.layers, geometry).items() if c in layer.frame.columns}
        if layer.kind == "ledger":
            values.update(case_no=uid, status=FIRST_STATUS, found_on=dt.date.today().isoformat())
        if not self.apply(layer, lambda s: s.add(uid, geometry, values, text=self.tr("Add %1").replace("%1", uid))):
            return None
        layer.select_uids([uid])
        if not self.window.headless:
            open_feature_form(self.window, layer, uid)
        return uid

    def set_geometry(self, layer: Layer, uid: str, make, text: str) -> bool:
        """Give feature `uid` the geometry `make(old geometry)` computes (its refusal is told)."""
        old = self.geometry_of(layer, uid)
        try:
            new = make(old)
        except GisdeskError as error:
            self.tell(str(error))
            return False
        if new is None:
            return False
        return self.apply(layer, lambda s: s.set_geometry(uid, new, text=text))

    def split(self, line: LineString) -> list[str]:
        """Split the edit layer's polygons the line cuts through (the selected ones, when some are):
        the first piece keeps the feature, the others are new features with its attributes. One command."""
        layer = self.edit_layer()
        if layer is None:
            return []
        selected = set(layer.selection.tolist())
        rows = index_of(layer).in_polygon(line)
        uids = [str(layer.uid_rows.uids[int(r)]) for r in rows]
        if selected:
            uids = [u for u in uids if u in selected]
        states, new, taken = {}, [], set()
        try:
            for uid in uids:
                pieces = editing.split_polygon(self.geometry_of(layer, uid), line)
                if not pieces:
                    continue
                row = layer.frame.iloc[layer.uid_rows.rows_of([uid])]
                states[uid] = _with_geometry(row, pieces[0])
                for piece in pieces[1:]:
                    piece_uid = editing.new_uid(layer, also_taken=taken)
                    taken.add(piece_uid)
                    copy = _with_geometry(row, piece)
                    copy["uid"] = piece_uid
                    if layer.kind == "ledger" and "case_no" in copy.columns:
                        copy["case_no"] = piece_uid
                    states[piece_uid] = copy
                    new.append(piece_uid)
        except GisdeskError as error:
            self.tell(str(error))
            return []
        if not states:
            self.tell(self.tr("The line cuts no polygon of %1 in two").replace("%1", layer.title))
            return []
        if self.apply(layer, lambda s: s.replace(states, text=self.tr("Split"))):
            return new
        return []

    def merge_selected(self) -> str | None:
        """Merge the selected polygons of the edit layer into the largest one (its attributes stay); one command."""
        layer = self.edit_layer()
        if layer is None:
            return None
        uids = [str(u) for u in layer.selection.tolist()]
        if len(uids) < 2:
            self.tell(self.tr("Select two or more features of %1 to merge").replace("%1", layer.title))
            return None
        geometries = [self.geometry_of(layer, u) for u in uids]
        keep = uids[int(np.argmax([g.area for g in geometries]))]
        try:
            merged = editing.merge(geometries, multi=editing.stores_multi(layer))
        except GisdeskError as error:
            self.tell(str(error))
            return None
        row = layer.frame.iloc[layer.uid_rows.rows_of([keep])]
        states = {u: None for u in uids if u != keep}
        states[keep] = _with_geometry(row, merged)
        if self.apply(layer, lambda s: s.replace(states, text=self.tr("Merge"))):
            layer.select_uids([keep])
            return keep
        return None

    def delete_selected(self) -> int:
        layer = self.edit_layer()
        if layer is None or not len(layer.selection):
            return 0
        uids = [str(u) for u in layer.selection.tolist()]
        if not self.window.headless and self.window.isVisible():
            answer = QMessageBox.question(self.window, self.tr("Delete features"), self.tr(
                "Delete %n selected feature(s) of %1?", "", len(uids)).replace("%1", layer.title))
            if answer != QMessageBox.StandardButton.Yes:
                return 0
        if self.apply(layer, lambda s: s.delete(uids, text=self.tr("Delete"))):
            layer.select_uids([])
            return len(uids)
        return 0

    def gps_vertex(self) -> bool:
        """Add the GPS receiver's position as the next vertex of the drawing (a point: the feature)."""
        tool = self.canvas.tool
        receiver = getattr(self.window, "gps", None)
        position = receiver.current_position() if receiver is not None else None
        if not isinstance(tool, DrawTool):
            self.tell(self.tr("Start drawing a feature first (Add polygon, line or point)"))
            return False
        if position is None:
            self.tell(self.tr("No GPS position: connect a receiver or replay a log in the GPS panel"))
            return False
        tool.add_point(*position)
        return True

    def snapping_settings(self) -> None:
        dialog = SnappingDialog(self, self.window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            dialog.apply()


def _with_geometry(row, geometry):
    """A copy of a one-row frame of the layer with another geometry."""
    copy = row.copy()
    copy = copy.set_geometry(gpd.GeoSeries([geometry], index=copy.index, crs=copy.crs), crs=copy.crs)
    return copy.reset_index(drop=True)


# --- the tools -----------------------------------------------------------------------------------

def _pen(color=BAND, width=1.8, style=Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(color, width)
    pen.setStyle(style)
    pen.setCosmetic(True)
    return pen


def geometry_path(geometry, view) -> QPainterPath:
    """A geometry as a painter path in the canvas's pixels."""
    path = QPainterPath()
    if geometry is None or geometry.is_empty:
        return path
    for part in getattr(geometry, "geoms", [geometry]):
        rings = [part.exterior, *part.interiors] if isinstance(part, Polygon) else [part]
        for ring in rings:
            xy = shapely.get_coordinates(ring)
            if not len(xy):
                continue
            px, py = view.to_pixels(xy[:, 0], xy[:, 1])
            if len(xy) == 1:
                path.addEllipse(QPointF(float(px[0]), float(py[0])), 4, 4)
                continue
            path.moveTo(float(px[0]), float(py[0]))
            for a, b in zip(px[1:], py[1:]):
                path.lineTo(float(a), float(b))
            if isinstance(part, Polygon):
                path.closeSubpath()
    return path


def _paint_snap(painter: QPainter, view, snap) -> None:
    if snap is None:
        return
    px, py = view.to_pixels(np.array([snap.x]), np.array([snap.y]))
    centre = QPointF(float(px[0]), float(py[0]))
    painter.setPen(_pen(SNAPPED, 2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if snap.kind == "vertex":
        painter.drawRect(int(centre.x()) - 6, int(centre.y()) - 6, 12, 12)
    else:
        painter.drawLine(centre + QPointF(-6, -6), centre + QPointF(6, 6))
        painter.drawLine(centre + QPointF(-6, 6), centre + QPointF(6, -6))


class _EditTool(MapTool):
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, canvas: MapCanvas, controller: EditController):
        super().__init__(canvas)
        self.controller = controller
        self.snap = None  # where the cursor snapped last

    def map_point(self, event, *, skip=None) -> tuple[float, float]:
        x, y = self.canvas.view.to_map(event.position().x(), event.position().y())
        x, y, self.snap = self.controller.snapped(x, y, skip=skip)
        return x, y

    def done(self) -> None:
        """Back to panning once a one-shot edit is over (drawing and vertex tools stay)."""


class DrawTool(_EditTool):
    """Click vertices (snapped); double-click, Enter or right-click finishes, Backspace takes the
    last one back, Esc drops the drawing. A point is added at the click."""

    def __init__(self, canvas: MapCanvas, controller: EditController, geometry_kind: str):
        super().__init__(canvas, controller)
        self.geometry_kind = geometry_kind
        self.points: list[tuple[float, float]] = []
        self.floating: tuple[float, float] | None = None

    def press(self, event):
        if event.button() == Qt.MouseButton.RightButton:
            self.finish()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self.add_point(*self.map_point(event))

    def add_point(self, x: float, y: float) -> None:
        self.points.append((x, y))
        if self.geometry_kind == POINT:
            self.finish()
        self.canvas.update()

    def double_click(self, event):
        self.finish()  # the press of the double-click's first half added its vertex already

    def move(self, event):
        self.floating = self.map_point(event)
        self.canvas.update()

    def key(self, event) -> bool:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
        elif event.key() == Qt.Key.Key_Backspace and self.points:
            self.points.pop()
        elif event.key() == Qt.Key.Key_Escape:
            self.points = []
        else:
            return False
        self.canvas.update()
        return True

    def finish(self) -> None:
        points, self.points = self.points, []
        if points:
            self.finished(points)
        self.canvas.update()

    def finished(self, points) -> None:
        self.controller.add_feature(self.geometry_kind, points)

    def deactivate(self):
        self.points, self.floating = [], None

    def paint(self, painter: QPainter):
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        points = self.points + ([self.floating] if self.floating and self.points else [])
        if points:
            xy = np.asarray(points, dtype=float)
            px, py = self.canvas.view.to_pixels(xy[:, 0], xy[:, 1])
            path = QPainterPath(QPointF(float(px[0]), float(py[0])))
            for a, b in zip(px[1:], py[1:]):
                path.lineTo(float(a), float(b))
            if self.geometry_kind == POLYGON and len(points) >= 3:
                path.closeSubpath()
                painter.setBrush(QBrush(QColor(BAND.red(), BAND.green(), BAND.blue(), 50)))
            painter.setPen(_pen())
            painter.drawPath(path)
            painter.setBrush(QBrush(QColor("white")))
            painter.setPen(_pen(width=1.2))
            for a, b in zip(px, py):
                painter.drawEllipse(QPointF(float(a), float(b)), 3.0, 3.0)
        _paint_snap(painter, self.canvas.view, self.snap)
        painter.restore()


class SplitTool(DrawTool):
    """Draw a line across polygons; finishing it splits them."""

    def __init__(self, canvas: MapCanvas, controller: EditController):
        super().__init__(canvas, controller, LINE)

    def finished(self, points) -> None:
        if len(points) >= 2:
            self.controller.split(LineString(points))


class MoveTool(_EditTool):
    """Drag a feature of the edit layer; the grab point snaps, so a corner can be put on another's."""

    cursor = Qt.CursorShape.SizeAllCursor

    def __init__(self, canvas: MapCanvas, controller: EditController):
        super().__init__(canvas, controller)
        self.uid: str | None = None
        self.start: tuple[float, float] | None = None
        self.now: tuple[float, float] | None = None

    def press(self, event):
        layer = self.controller.edit_layer()
        if layer is None or event.button() != Qt.MouseButton.LeftButton:
            return
        x, y = self.canvas.view.to_map(event.position().x(), event.position().y())
        self.uid = self.controller.feature_at(layer, x, y)
        self.start = self.now = (x, y) if self.uid else None

    def move(self, event):
        if self.uid is not None:
            layer = self.controller.edit_layer()
            self.now = self.map_point(event, skip=(layer.id, self.uid) if layer else None)
            self.canvas.update()

    def release(self, event):
        if self.uid is None or self.start is None:
            return
        layer = self.controller.edit_layer()
        now = self.map_point(event, skip=(layer.id, self.uid))
        dx, dy = now[0] - self.start[0], now[1] - self.start[1]
        uid, self.uid, self.start, self.now = self.uid, None, None, None
        if dx or dy:
            self.controller.set_geometry(layer, uid, lambda g: editing.translate(g, dx, dy),
                                         QCoreApplication.translate("EditController", "Move %1").replace("%1", uid))
        self.canvas.update()

    def paint(self, painter: QPainter):
        layer = self.controller.edit_layer()
        if self.uid is None or self.start is None or self.now is None or layer is None:
            return
        moved = editing.translate(self.controller.geometry_of(layer, self.uid),
                                  self.now[0] - self.start[0], self.now[1] - self.start[1])
        painter.save()
        painter.setPen(_pen(style=Qt.PenStyle.DashLine))
        painter.setBrush(QBrush(QColor(BAND.red(), BAND.green(), BAND.blue(), 40)))
        painter.drawPath(geometry_path(moved, self.canvas.view))
        _paint_snap(painter, self.canvas.view, self.snap)
        painter.restore()


class VertexTool(_EditTool):
    """Reshape: drag a vertex (snapped to other features); double-click an edge to add a vertex;
    right-click a vertex, or Delete while over it, to remove it."""

    cursor = Qt.CursorShape.PointingHandCursor

    def __init__(self, canvas: MapCanvas, controller: EditController):
        super().__init__(canvas, controller)
        self.uid: str | None = None  # the feature under the cursor
        self.vertex = None  # its VertexRef under the cursor
        self.dragging: tuple[float, float] | None = None

    def _hover(self, x: float, y: float) -> None:
        layer = self.controller.edit_layer()
        self.uid, self.vertex = None, None
        if layer is None:
            return
        tolerance = self.controller.tolerance()
        rows = index_of(layer).in_box(x - tolerance, y - tolerance, x + tolerance, y + tolerance)
        best = None
        for row in rows[:200]:
            geometry = layer.geometries[int(row)]
            ref = editing.nearest_vertex(geometry, x, y, tolerance)
            if ref is not None:
                _, vx, vy = next(v for v in editing.vertices(geometry) if v[0] == ref)
                d = np.hypot(vx - x, vy - y)
                if best is None or d < best[0]:
                    best = (d, str(layer.uid_rows.uids[int(row)]), ref)
        if best is not None:
            _, self.uid, self.vertex = best
        else:
            self.uid = self.controller.feature_at(layer, x, y)

    def press(self, event):
        x, y = self.canvas.view.to_map(event.position().x(), event.position().y())
        self._hover(x, y)
        layer = self.controller.edit_layer()
        if layer is None or self.vertex is None:
            return
        if event.button() == Qt.MouseButton.RightButton:
            self._delete(layer)
        elif event.button() == Qt.MouseButton.LeftButton:
            self.dragging = (x, y)

    def move(self, event):
        layer = self.controller.edit_layer()
        if self.dragging is not None and layer is not None:
            self.dragging = self.map_point(event, skip=(layer.id, self.uid))
        else:
            x, y = self.canvas.view.to_map(event.position().x(), event.position().y())
            self._hover(x, y)
        self.canvas.update()

    def release(self, event):
        layer = self.controller.edit_layer()
        if self.dragging is None or layer is None:
            return
        (x, y), self.dragging = self.map_point(event, skip=(layer.id, self.uid)), None
        ref, uid = self.vertex, self.uid
        self.controller.set_geometry(layer, uid, lambda g: editing.move_vertex(g, ref, x, y),
                                     QCoreApplication.translate("EditController", "Move a vertex of %1").replace("%1", uid))
        self._hover(x, y)
        self.canvas.update()

    def double_click(self, event):
        layer = self.controller.edit_layer()
        if layer is None:
            return
        x, y = self.map_point(event)
        uid = self.uid or self.controller.feature_at(layer, x, y)
        if uid is not None:
            tolerance = self.controller.tolerance()
            self.controller.set_geometry(layer, uid, lambda g: editing.insert_vertex(g, x, y, tolerance),
                                         QCoreApplication.translate("EditController", "Add a vertex to %1").replace("%1", uid))
        self.canvas.update()

    def key(self, event) -> bool:
        layer = self.controller.edit_layer()
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.vertex is not None and layer is not None:
            self._delete(layer)
            return True
        return False

    def _delete(self, layer) -> None:
        ref, uid = self.vertex, self.uid
        self.controller.set_geometry(layer, uid, lambda g: editing.delete_vertex(g, ref),
                                     QCoreApplication.translate("EditController", "Delete a vertex of %1").replace("%1", uid))
        self.vertex = None
        self.canvas.update()

    def paint(self, painter: QPainter):
        layer = self.controller.edit_layer()
        if layer is None or self.uid is None:
            return
        geometry = self.controller.geometry_of(layer, self.uid)
        if geometry is None:
            return
        if self.dragging is not None and self.vertex is not None:
            try:
                geometry = editing.move_vertex(geometry, self.vertex, *self.dragging)
            except GisdeskError:
                pass  # an invalid shape while dragging: the outline shows where it was; release says why
        view = self.canvas.view
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(_pen())
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(geometry_path(geometry, view))
        xy = np.array([(x, y) for _, x, y in editing.vertices(geometry)])
        if len(xy):
            px, py = view.to_pixels(xy[:, 0], xy[:, 1])
            painter.setBrush(QBrush(QColor("white")))
            for a, b in zip(px, py):
                painter.drawRect(int(a) - 3, int(b) - 3, 6, 6)
        if self.vertex is not None:
            _, vx, vy = next((v for v in editing.vertices(geometry) if v[0] == self.vertex), (None, None, None))
            if vx is not None:
                px, py = view.to_pixels(np.array([vx]), np.array([vy]))
                painter.setBrush(QBrush(BAND))
                painter.drawRect(int(px[0]) - 5, int(py[0]) - 5, 10, 10)
        _paint_snap(painter, view, self.snap if self.dragging is not None else None)
        painter.restore()


# --- snapping settings -----------------------------------------------------------------------------

class SnappingDialog(QDialog):
    def __init__(self, controller: EditController, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle(self.tr("Snapping"))
        form = QFormLayout()
        self.pixels = QSpinBox()
        self.pixels.setRange(1, 50)
        self.pixels.setSuffix(self.tr(" px"))
        self.pixels.setValue(controller.snap_pixels)
        form.addRow(self.tr("Tolerance"), self.pixels)
        self.vertices = QCheckBox(self.tr("Vertices"))
        self.vertices.setChecked(controller.snap_vertices)
        self.edges = QCheckBox(self.tr("Edges"))
        self.edges.setChecked(controller.snap_edges)
        form.addRow(self.tr("Snap to"), self.vertices)
        form.addRow("", self.edges)
        self.layers = QListWidget()
        document = controller.window.document
        for layer in reversed(document.layers if document is not None else []):
            item = QListWidgetItem(layer.title)
            item.setData(Qt.ItemDataRole.UserRole, layer.id)
            chosen = controller.snap_layer_ids is None or layer.id in controller.snap_layer_ids
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
            self.layers.addItem(item)
        form.addRow(self.tr("Layers"), self.layers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def apply(self) -> None:
        c = self.controller
        c.snap_pixels, c.snap_vertices, c.snap_edges = self.pixels.value(), self.vertices.isChecked(), self.edges.isChecked()
        chosen = {self.layers.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.layers.count())
                  if self.layers.item(i).checkState() == Qt.CheckState.Checked}
        c.snap_layer_ids = None if len(chosen) == self.layers.count() else chosen


def install(window) -> EditController:
    controller = EditController(window)
    window.editing = controller
    return controller
