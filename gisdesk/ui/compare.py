"""Comparing dated base maps (卫片比对): swipe, flicker, side by side, and marking new construction.

Inspectors find new buildings by comparing images of two dates. Each mode renders the map once
per date — the same vector layers over only that base map (MapCanvas.set_variants) — and
shows the pictures:
- swipe: the two pictures clipped at a divider the user drags across the map (the left date
  on its left); Esc leaves it;
- flicker: the two pictures alternating at a settable rate;
- side by side: two canvases of the same document, one date each, whose centre and resolution
  (not extent: the panes may differ in size) and cursor (a cross in the other pane) follow
  each other.
All of it is drawn in logical pixels over pictures that have the screen's device pixel ratio,
so at ratio 2 the two dates stay on the same ground. In any mode the marking tool draws a
footprint on the newer image and adds a draft case to the ledger through the edit session
(gisdesk.layers.draft_case says what it holds): Ctrl+Z takes it back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import QCoreApplication, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QMenu, QMessageBox, QSplitter, QToolBar,
                               QVBoxLayout, QWidget)

from gisdesk import gpkg
from gisdesk.errors import GisdeskError
from gisdesk.layers.draft_case import IMAGE_COLUMNS, draft_case
from gisdesk.render.snapshot import Highlight
from gisdesk.ui.app import UI_FONT, UI_FONT_PT
from gisdesk.ui.canvas import TRANSPARENT, MapCanvas, MapTool, PanTool
from gisdesk.ui.tools import plain_text

SWIPE, FLICKER, SIDE_BY_SIDE = "swipe", "flicker", "side_by_side"
GRAB_PX = 8  # the divider is taken up this close to it
FLICKER_HZ = (0.5, 5.0)  # the rates the spin box offers: pictures shown per second
FLICKER_DEFAULT_HZ = 1.0
ADMIN_SOURCES = ("buildings", "old_estates", "parking", "ledger")  # kinds whose features carry district etc.
MARK = QColor(230, 30, 120)
DIVIDER = QColor("#ffffff")
INK = QColor("#202020")


def _no_date() -> str:
    return QCoreApplication.translate("Compare", "no date")


# --- what is compared (no widgets) ----------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Side:
    """One date to compare: a base map of the document."""
    key: str
    title: str
    date: str | None
    layer: object  # the RasterLayer
    scene: Callable | None = None  # canvas → Scene; default: the document's vectors over this base map only

    def make(self, canvas: MapCanvas, *, vectors: bool = True):
        """The scene of this date: its base map, with the document's vector layers over it unless not
        `vectors` (then they are drawn once, over both dates: `vectors_of`)."""
        if self.scene is not None:
            return self.scene(canvas)
        return canvas.make_scene(basemaps=[self.layer], vectors=vectors)

    @property
    def label(self) -> str:
        return f"{self.date}　{self.title}" if self.date else f"{self.title}（{_no_date()}）"

    @property
    def date_text(self) -> str:
        return self.date or _no_date()


def vectors_of(canvas: MapCanvas):
    """The document's vector layers alone, on a transparent picture to lay over each date's."""
    return canvas.make_scene(basemaps=[]), TRANSPARENT


def sides_of(document) -> list[Side]:
    """The base maps of `document` to compare, oldest first (those without a date last)."""
    out = []
    for layer in getattr(document, "basemaps", None) or []:
        key = getattr(layer, "id", None) or getattr(layer, "layer_id", None)
        out.append(Side(str(key), str(layer.title), getattr(layer, "date", None) or None, layer))
    return sorted(out, key=lambda s: (s.date is None, s.date or ""))


def older_newer(a: Side, b: Side) -> tuple[Side, Side]:
    """The two sides in time order (ISO-like dates of any precision sort as text; undated count as newest)."""
    return (a, b) if (a.date is None, a.date or "") <= (b.date is None, b.date or "") else (b, a)


# --- painting the pictures -----------------------------------------------------------------

def _tag(painter: QPainter, text: str, anchor: QPointF, *, right: bool = False) -> None:
    """A date on a white box, its top-left (or with `right` its top-right) at `anchor`."""
    font = QFont(UI_FONT)  # the app's font, named: the painter's default follows whatever the QApplication has
    font.setPointSizeF(UI_FONT_PT)
    metrics = QFontMetricsF(font)
    width, height = metrics.horizontalAdvance(text) + 12, metrics.height() + 6
    box = QRectF(anchor.x() - width if right else anchor.x(), anchor.y(), width, height)
    painter.save()
    painter.setFont(font)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 225))
    painter.drawRoundedRect(box, 3, 3)
    painter.setPen(INK)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


class Swipe:
    """Paints the left picture left of the divider and the right one right of it (MapCanvas compositor)."""

    def __init__(self, canvas: MapCanvas):
        self.canvas = canvas
        self.x: float | None = None  # the divider, logical pixels from the left; None: the middle
        self.labels = ("", "")

    def position(self) -> int:
        width = self.canvas.width()
        x = width / 2 if self.x is None else self.x
        return int(round(min(max(x, 0), width)))

    def __call__(self, painter: QPainter, images, target: QRectF) -> None:
        x, width, height = self.position(), self.canvas.width(), self.canvas.height()
        for image, clip in ((images[0], QRectF(0, 0, x, height)), (images[1], QRectF(x, 0, width - x, height))):
            painter.save()
            painter.setClipRect(clip)
            painter.drawImage(target, image)
            painter.restore()
        for image in images[2:]:  # the vector layers, over both dates
            painter.drawImage(target, image)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(0, 0, 0, 110), 3))
        painter.drawLine(QPointF(x, 0), QPointF(x, height))
        painter.setPen(QPen(DIVIDER, 1))
        painter.drawLine(QPointF(x, 0), QPointF(x, height))
        centre = QPointF(x, height / 2)  # the handle: a round button with two arrows
        painter.setPen(QPen(INK, 1))
        painter.setBrush(DIVIDER)
        painter.drawEllipse(centre, 11, 11)
        painter.setBrush(INK)
        for sign in (-1, 1):
            painter.drawPolygon(QPolygonF([centre + QPointF(sign * 8, 0), centre + QPointF(sign * 3, -4),
                                           centre + QPointF(sign * 3, 4)]))
        painter.restore()
        left, right = self.labels
        if left:
            _tag(painter, "◀ " + left, QPointF(x - 6, 8), right=True)
        if right:
            _tag(painter, right + " ▶", QPointF(x + 6, 8))


class Flicker:
    """Shows one picture, then the other, `rate` pictures a second while running (MapCanvas compositor)."""

    def __init__(self, canvas: MapCanvas, rate: float = FLICKER_DEFAULT_HZ):
        self.canvas = canvas
        self.shown = 0
        self.labels = ("", "")
        self.timer = QTimer(canvas)
        self.timer.timeout.connect(self.step)
        self.set_rate(rate)

    def set_rate(self, rate: float) -> None:
        rate = min(max(float(rate), FLICKER_HZ[0]), FLICKER_HZ[1])
        self.timer.setInterval(round(1000 / rate))

    def step(self) -> None:
        self.shown = 1 - self.shown
        self.canvas.update()

    def __call__(self, painter: QPainter, images, target: QRectF) -> None:
        painter.drawImage(target, images[self.shown])
        for image in images[2:]:  # the vector layers, over both dates
            painter.drawImage(target, image)
        if self.labels[self.shown]:
            _tag(painter, self.labels[self.shown], QPointF(8, 8))


# --- tools ----------------------------------------------------------------------------------

class SwipeTool(PanTool):
    """Drag the divider to move it; drag elsewhere to pan; Esc leaves the comparison."""

    def __init__(self, canvas: MapCanvas, swipe: Swipe, leave: Callable[[], None]):
        super().__init__(canvas)
        self.swipe, self.leave = swipe, leave
        self.dragging = False

    def _near(self, event) -> bool:
        return abs(event.position().x() - self.swipe.position()) <= GRAB_PX

    def press(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self._near(event):
            self.dragging = True
        else:
            super().press(event)

    def move(self, event):
        if self.dragging:
            self.swipe.x = float(event.position().x())
            self.canvas.update()
            return
        super().move(event)
        if self._last is None:
            self.canvas.setCursor(Qt.CursorShape.SplitHCursor if self._near(event) else self.cursor)

    def release(self, event):
        if self.dragging:
            self.dragging = False
            return
        super().release(event)

    def key(self, event) -> bool:
        if event.key() == Qt.Key.Key_Escape:
            self.leave()
            return True
        return False


class CompareTool(PanTool):
    """Pan (the flicker and side-by-side views); Esc leaves the comparison."""

    def __init__(self, canvas: MapCanvas, leave: Callable[[], None]):
        super().__init__(canvas)
        self.leave = leave

    def key(self, event) -> bool:
        if event.key() == Qt.Key.Key_Escape:
            self.leave()
            return True
        return False


class MarkCaseTool(MapTool):
    """Draw a footprint: click its corners, double-click or Enter to finish, Esc to cancel (a second
    Esc goes back to the comparison's own tool); `done(polygon)` gets the footprint."""

    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, canvas: MapCanvas, done: Callable, back: Callable[[], None]):
        super().__init__(canvas)
        self.done, self.back = done, back
        self.points: list[tuple[float, float]] = []
        self.floating: tuple[float, float] | None = None

    def press(self, event):
        if event.button() == Qt.MouseButton.RightButton:
            self.finish()
        elif event.button() == Qt.MouseButton.LeftButton:
            self.points.append(self.canvas.view.to_map(event.position().x(), event.position().y()))
            self.canvas.update()

    def double_click(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self.finish()  # (its first press put the last corner)

    def move(self, event):
        if self.points:
            self.floating = self.canvas.view.to_map(event.position().x(), event.position().y())
            self.canvas.update()

    def key(self, event) -> bool:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
            return True
        if event.key() == Qt.Key.Key_Escape:
            if self.points:
                self.cancel()
            else:
                self.back()
            return True
        if event.key() == Qt.Key.Key_Backspace and self.points:
            self.points.pop()
            self.canvas.update()
            return True
        return False

    def finish(self) -> None:
        points = _without_repeats(self.points)
        self.cancel()
        if len(points) >= 3:
            self.done(shapely.Polygon(points))

    def cancel(self) -> None:
        self.points, self.floating = [], None
        self.canvas.update()

    def deactivate(self):
        self.cancel()

    def paint(self, painter: QPainter):
        coords = self.points + ([self.floating] if self.floating else [])
        if not coords:
            return
        view = self.canvas.view
        polygon = QPolygonF([QPointF(*(float(v) for v in view.to_pixels(x, y))) for x, y in coords])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(MARK, 2))
        if len(coords) >= 3:
            painter.setBrush(QBrush(QColor(MARK.red(), MARK.green(), MARK.blue(), 60)))
            painter.drawPolygon(polygon)
        else:
            painter.drawPolyline(polygon)
        painter.setBrush(QColor("white"))
        painter.setPen(QPen(MARK, 1.2))
        for point in polygon:
            painter.drawEllipse(point, 3.0, 3.0)
        painter.restore()


def _without_repeats(points):
    """The corners without a point repeated right after itself (a double-click puts one twice)."""
    out = []
    for p in points:
        if not out or abs(p[0] - out[-1][0]) > 1e-9 or abs(p[1] - out[-1][1]) > 1e-9:
            out.append(p)
    return out


# --- side by side ---------------------------------------------------------------------------

class SideBySide(QObject):
    """Two panes in the window's map area, each a canvas under a base-map chooser; the left canvas is
    the window's own, the right one made for the comparison and gone after it."""

    def __init__(self, controller: Comparison, area: QSplitter, left_canvas: MapCanvas):
        super().__init__(controller)
        self.controller, self.area = controller, area
        self.left_canvas = left_canvas
        self.right_canvas = MapCanvas()
        self.right_canvas.setObjectName("compare_right_canvas")
        self.pickers: list[QComboBox] = []
        self.panes: list[QWidget] = []
        for canvas, side in ((left_canvas, 0), (self.right_canvas, 1)):
            pane = QWidget()
            pane.setObjectName("compare_pane_%d" % side)
            layout = QVBoxLayout(pane)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(2)
            header = QHBoxLayout()
            header.setContentsMargins(4, 2, 4, 0)
            header.addWidget(QLabel(self.tr("Left:") if side == 0 else self.tr("Right:")))
            picker = QComboBox()
            picker.setToolTip(self.tr("The base map this pane shows"))
            picker.setObjectName("compare_pane_picker_%d" % side)
            header.addWidget(picker, 1)
            layout.addLayout(header)
            layout.addWidget(canvas, 1)  # (the window's canvas leaves the map area for its pane)
            area.insertWidget(side, pane)
            self.pickers.append(picker)
            self.panes.append(pane)
        width = max(sum(area.sizes()), 400)
        area.setSizes([width // 2, width - width // 2])
        self._syncing = False
        self._links = []
        for a, b in ((left_canvas, self.right_canvas), (self.right_canvas, left_canvas)):
            for signal, slot in ((a.viewChanged, lambda view, other=b: self.follow(other, view)),
                                 (a.cursorMoved, lambda x, y, other=b: other.set_cross((x, y))),
                                 (a.cursorLeft, lambda other=b: other.set_cross(None))):
                signal.connect(slot)
                self._links.append((signal, slot))

    def close(self) -> None:
        """The window's canvas back alone in the map area; the right pane goes."""
        for signal, slot in self._links:
            signal.disconnect(slot)
        self._links = []
        self.right_canvas.set_document(None)
        self.area.insertWidget(0, self.left_canvas)
        self.left_canvas.set_cross(None)
        for pane in self.panes:
            pane.hide()
            pane.setParent(None)
            pane.deleteLater()
        self.left_canvas.show()

    def follow(self, other: MapCanvas, view) -> None:
        """`other` shows the same centre at the same resolution, at its own size."""
        if self._syncing:
            return
        wanted = replace(view, width=other.view.width, height=other.view.height)
        if wanted == other.view:
            return
        self._syncing = True
        try:
            other.set_view(wanted)
        finally:
            self._syncing = False

    def canvases(self) -> tuple[MapCanvas, MapCanvas]:
        return self.left_canvas, self.right_canvas


# --- the controller -------------------------------------------------------------------------

class Comparison(QObject):
    """The comparison menu, its toolbar and the state of one window's comparison."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.canvas: MapCanvas = window.canvas
        self.mode: str | None = None
        self.sides: list[Side] = []
        self.left: Side | None = None
        self.right: Side | None = None
        self.swipe = Swipe(self.canvas)
        self.flicker = Flicker(self.canvas)
        self.side_by_side: SideBySide | None = None
        self._filling = False
        self._build()
        window.documentChanged.connect(self._document_changed)
        self._document_changed(window.document)

    # --- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        w = self.window
        self.menu = QMenu(self.tr("C&ompare"), w)  # (Alt+C is the toolbar's Run check)
        help_menu = w.menus.get("help")
        if help_menu is not None:  # before Help, as menus go
            w.menuBar().insertMenu(help_menu.menuAction(), self.menu)
        else:
            w.menuBar().addMenu(self.menu)
        w.menus["compare"] = self.menu
        self.toolbar = QToolBar(self.tr("Comparison"), w)
        self.toolbar.setObjectName("compare_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        w.addToolBarBreak()
        w.addToolBar(self.toolbar)
        self.toolbar.hide()
        modes = QActionGroup(self)
        modes.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        for mode, text, tip in (
                (SWIPE, self.tr("&Swipe"), self.tr("Drag a divider across the map to reveal one date over the other")),
                (FLICKER, self.tr("&Flicker"), self.tr("Show the two dates one after the other")),
                (SIDE_BY_SIDE, self.tr("Side &by side"), self.tr("Two linked maps, one date each"))):
            action = QAction(text, w)
            action.setIconText(plain_text(text))  # no mnemonic on the toolbar: Alt+F is the File menu
            action.setCheckable(True)
            action.setStatusTip(tip)
            action.setToolTip(tip)
            action.triggered.connect(lambda _=False, mode=mode: self.enter(mode))
            modes.addAction(action)
            self.menu.addAction(action)
            self.toolbar.addAction(action)
            self.actions[mode] = action
        self.toolbar.addSeparator()
        self.left_picker, self.right_picker = QComboBox(), QComboBox()
        self.picker_actions: list[QAction] = []
        self.left_picker.setObjectName("compare_left_picker")
        self.right_picker.setObjectName("compare_right_picker")
        for label, picker in ((self.tr("Left:"), self.left_picker), (self.tr("Right:"), self.right_picker)):
            picker.setToolTip(self.tr("The base map shown on this side"))
            picker.setMinimumContentsLength(14)
            picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            self.picker_actions += [self.toolbar.addWidget(QLabel(" " + label + " ")), self.toolbar.addWidget(picker)]
        self.left_picker.currentIndexChanged.connect(lambda i: self._picked(0, self.left_picker))
        self.right_picker.currentIndexChanged.connect(lambda i: self._picked(1, self.right_picker))
        self.toolbar.addSeparator()
        self.rate = QDoubleSpinBox()
        self.rate.setObjectName("compare_flicker_rate")
        self.rate.setRange(*FLICKER_HZ)
        self.rate.setSingleStep(0.5)
        self.rate.setDecimals(1)
        self.rate.setValue(FLICKER_DEFAULT_HZ)
        self.rate.setSuffix(" Hz")
        self.rate.setToolTip(self.tr("Flicker rate: pictures shown per second"))
        self.rate.valueChanged.connect(self.flicker.set_rate)
        self.rate_label = QLabel(" " + self.tr("Rate:") + " ")
        self.rate_label_action = self.toolbar.addWidget(self.rate_label)
        self.rate_action = self.toolbar.addWidget(self.rate)
        self.action_pause = QAction(self.tr("&Pause flicker"), w)
        self.action_pause.setIconText(plain_text(self.action_pause.text()))
        self.action_pause.setCheckable(True)
        self.action_pause.toggled.connect(self._pause)
        self.toolbar.addAction(self.action_pause)
        self.toolbar.addSeparator()
        self.action_mark = QAction(self.tr("&Mark new construction"), w)
        self.action_mark.setStatusTip(self.tr("Draw the footprint of a suspected new building on the newer image: "
                                              "click its corners, double-click or Enter to finish, Esc to cancel"))
        self.action_mark.setToolTip(self.action_mark.statusTip())
        self.action_mark.setIconText(plain_text(self.action_mark.text()))
        self.action_mark.triggered.connect(self.mark)
        self.menu.addSeparator()
        self.menu.addAction(self.action_mark)
        self.toolbar.addAction(self.action_mark)
        self.action_leave = QAction(self.tr("&Leave comparison"), w)
        self.action_leave.setToolTip(self.tr("Back to the normal map (Esc)"))
        self.action_leave.setIconText(plain_text(self.action_leave.text()))
        self.action_leave.triggered.connect(self.leave)
        self.menu.addAction(self.action_leave)
        self.toolbar.addAction(self.action_leave)
        self._update_actions()

    # --- the sides ----------------------------------------------------------------------------

    def _document_changed(self, document) -> None:
        self.leave()
        self.toolbar.hide()  # (a layout saved while comparing restores it shown)
        self.set_sides(sides_of(document) if document is not None else [])
        events = getattr(document, "events", {}) if document is not None else {}
        for name in ("basemaps", "layers"):
            if name in events:
                events[name].connect(self._document_layers_changed)

    def _document_layers_changed(self, *_):
        document = self.window.document
        if document is None:
            return
        sides = sides_of(document)
        if [(s.key, s.date, s.title) for s in sides] != [(s.key, s.date, s.title) for s in self.sides]:
            self.set_sides(sides)  # a base map came, went, or got another date or title

    def set_sides(self, sides: list[Side]) -> None:
        """The dates to choose from (oldest first): left the one before the newest, right the newest."""
        keep = (self.left.key if self.left else None, self.right.key if self.right else None)
        self.sides = list(sides)
        by_key = {s.key: s for s in self.sides}
        self.left = by_key.get(keep[0]) or (self.sides[-2] if len(self.sides) >= 2 else None)
        self.right = by_key.get(keep[1]) or (self.sides[-1] if self.sides else None)
        self._fill_pickers()
        if len(self.sides) < 2 and self.mode is not None:
            self.leave()
        elif self.mode is not None:
            self._show()
        self._update_actions()

    def _pickers(self) -> list[tuple[int, QComboBox]]:
        out = [(0, self.left_picker), (1, self.right_picker)]
        if self.side_by_side is not None:
            out += list(enumerate(self.side_by_side.pickers))
        return out

    def _fill_pickers(self) -> None:
        self._filling = True
        try:
            for side, picker in self._pickers():
                picker.clear()
                for item in self.sides:
                    picker.addItem(item.label, item.key)
                chosen = self.left if side == 0 else self.right
                picker.setCurrentIndex(picker.findData(chosen.key) if chosen else -1)
        finally:
            self._filling = False

    def _picked(self, side: int, picker: QComboBox) -> None:
        if self._filling:
            return
        chosen = next((s for s in self.sides if s.key == picker.currentData()), None)
        if chosen is None:
            return
        if side == 0:
            self.left = chosen
        else:
            self.right = chosen
        self._fill_pickers()  # the other choosers of this side follow
        if self.mode is not None:
            self._show()

    def choose(self, left_key: str, right_key: str) -> None:
        by_key = {s.key: s for s in self.sides}
        self.left, self.right = by_key[left_key], by_key[right_key]
        self._fill_pickers()
        if self.mode is not None:
            self._show()

    # --- modes --------------------------------------------------------------------------------

    def enter(self, mode: str) -> bool:
        """Start comparing in `mode` (swipe, flicker, side by side); False when there are not two dates."""
        if self.window.document is None or len(self.sides) < 2 or self.left is None or self.right is None:
            self.actions[mode].setChecked(False)
            text = self.tr("Comparing needs two base maps of different dates in the project (Layers › Add base map).")
            self.window.statusBar().showMessage(text, 8000)
            if not getattr(self.window, "headless", False):
                QMessageBox.information(self.window, self.tr("Compare"), text)
            return False
        if self.mode == SIDE_BY_SIDE and mode != SIDE_BY_SIDE:
            self._close_side_by_side()
        self.mode = mode
        self.actions[mode].setChecked(True)
        if mode == SIDE_BY_SIDE and self.side_by_side is None:
            self._open_side_by_side()
        self.toolbar.show()
        self._show()
        self._update_actions()
        self.canvas.setFocus()
        return True

    def _show(self) -> None:
        """Render and paint the chosen dates as the mode says; the tool of the mode on the canvas."""
        left, right = self.left, self.right
        labels = (left.date_text, right.date_text)
        self.flicker.timer.stop()
        if self.mode == SWIPE:
            self.swipe.labels = labels
            self.canvas.set_variants(self._dated(left, right), self.swipe)
            self.canvas.set_tool(SwipeTool(self.canvas, self.swipe, self.leave))
        elif self.mode == FLICKER:
            self.flicker.labels = labels
            self.flicker.shown = 0
            self.canvas.set_variants(self._dated(left, right), self.flicker)
            self.canvas.set_tool(CompareTool(self.canvas, self.leave))
            if not self.action_pause.isChecked():
                self.flicker.timer.start()
        elif self.mode == SIDE_BY_SIDE:
            a, b = self.side_by_side.canvases()
            a.set_variants([lambda: left.make(a)], _with_tag(left.date_text))
            b.set_variants([lambda: right.make(b)], _with_tag(right.date_text))
            for canvas in (a, b):
                canvas.set_tool(CompareTool(canvas, self.leave))

    def _dated(self, left: Side, right: Side) -> list:
        """The scene makers of a swipe or flicker: each date's base map alone, then the vector layers
        once (they are the same over both dates: one render of them, not two)."""
        canvas = self.canvas
        if left.scene is not None or right.scene is not None:  # sides of scenes of their own (tests)
            return [lambda: left.make(canvas), lambda: right.make(canvas)]
        return [lambda: left.make(canvas, vectors=False), lambda: right.make(canvas, vectors=False),
                lambda: vectors_of(canvas)]

    def _pause(self, paused: bool) -> None:
        if self.mode != FLICKER:
            return
        if paused:
            self.flicker.timer.stop()
        else:
            self.flicker.timer.start()

    def leave(self) -> None:
        """Back to the one map of the document, with the pan tool."""
        if self.mode is None:
            return
        self.flicker.timer.stop()
        if self.mode == SIDE_BY_SIDE:
            self._close_side_by_side()
        self.mode = None
        for action in self.actions.values():
            action.setChecked(False)
        self.canvas.set_variants(None)
        self.canvas.set_tool(PanTool(self.canvas))
        if hasattr(self.window, "action_pan"):
            self.window.action_pan.setChecked(True)
        self.toolbar.hide()
        self._update_actions()

    def _open_side_by_side(self) -> None:
        w = self.window
        canvas = w.canvas
        self.side_by_side = SideBySide(self, w.map_area, canvas)
        right = self.side_by_side.right_canvas
        right.set_document(w.document, keep_view=True)
        right.problems, right.highlight, right.marks = canvas.problems, canvas.highlight, canvas.marks
        right.set_view(replace(canvas.view, width=right.view.width, height=right.view.height))
        for side, picker in enumerate(self.side_by_side.pickers):
            picker.currentIndexChanged.connect(lambda _, side=side, picker=picker: self._picked(side, picker))
        self._fill_pickers()
        canvas.show()

    def _close_side_by_side(self) -> None:
        pair = self.side_by_side
        if pair is None:
            return
        self.side_by_side = None
        pair.close()
        pair.deleteLater()

    def _update_actions(self) -> None:
        two = len(self.sides) >= 2 and self.window.document is not None
        for action in self.actions.values():
            action.setEnabled(two)
        self.action_mark.setEnabled(self.mode is not None)
        self.action_leave.setEnabled(self.mode is not None)
        flicker = self.mode == FLICKER
        for item in (self.rate_label_action, self.rate_action, self.action_pause):
            item.setVisible(flicker)
        panes = self.mode == SIDE_BY_SIDE  # each pane has its own chooser
        for item in self.picker_actions:
            item.setVisible(not panes)

    # --- marking a new case -------------------------------------------------------------------

    def newer_canvas(self) -> MapCanvas:
        """The canvas showing the newer image (side by side: its pane; otherwise the one canvas)."""
        if self.mode == SIDE_BY_SIDE and self.side_by_side is not None:
            _, newer = older_newer(self.left, self.right)
            return self.side_by_side.left_canvas if newer is self.left else self.side_by_side.right_canvas
        return self.canvas

    def mark(self) -> None:
        """The marking tool on the canvas of the newer image."""
        if self.mode is None:
            return
        canvas = self.newer_canvas()
        if self.mode == FLICKER and not self.action_pause.isChecked():
            self.action_pause.setChecked(True)  # draw on a still picture
            if self.flicker.labels:
                _, newer = older_newer(self.left, self.right)
                self.flicker.shown = 0 if newer is self.left else 1
                canvas.update()
        canvas.set_tool(MarkCaseTool(canvas, self.add_case, self._show))
        canvas.setFocus()
        self.window.statusBar().showMessage(self.action_mark.statusTip(), 10000)

    def add_case(self, polygon) -> str | None:
        """A draft case of footprint `polygon` in the ledger, saved through its edit session; its number."""
        document = self.window.document
        ledger = document.layer("ledger") if document is not None else None
        if ledger is None:
            self._refuse(self.tr("The project has no illegal-construction ledger layer to add the case to."))
            return None
        if not polygon.is_valid or polygon.area <= 0:
            self._refuse(self.tr("The footprint crosses itself; draw its corners in order around it."))
            return None
        older, newer = older_newer(self.left, self.right)
        try:
            add_columns(document, ledger, IMAGE_COLUMNS)
            around = [layer for kind in ADMIN_SOURCES for layer in document.layers_of(kind)]
            case_no, values = draft_case(ledger, polygon, before=older.date, after=newer.date, around=around)
            values = {k: v for k, v in values.items() if k in ledger.frame.columns}
            session = document.edits(ledger)
            session.add(case_no, polygon, values, text=self.tr("Mark new construction"))
            try:
                session.commit()
            except GisdeskError:
                session.revert()
                raise
        except GisdeskError as error:
            self._refuse(str(error))
            return None
        for canvas in {self.canvas, self.newer_canvas()}:
            canvas.set_highlight(Highlight(ledger.id, (case_no,)))
        self._identify(ledger, case_no)
        area = values.get("footprint_m2")
        self.window.statusBar().showMessage(
            self.tr("Draft case %1 added to the ledger (to be checked; images %2 and %3, %4 m²); Ctrl+Z takes it back")
            .replace("%1", case_no).replace("%2", older.date_text).replace("%3", newer.date_text)
            .replace("%4", f"{area:,.1f}" if area is not None else "?"), 15000)
        return case_no

    def _identify(self, ledger, case_no: str) -> None:
        """The new case's values in the Identify dock, to be checked and completed."""
        tools = getattr(self.window, "tools", None)
        if tools is None:
            return
        from gisdesk.ui.tools import Picked

        rows = ledger.uid_rows.rows_of([case_no])
        tools.identify_panel.show_results([Picked(ledger, np.array([case_no], dtype=object), np.asarray(rows),
                                                  ledger.data)])
        tools.identify_dock.show()

    def _refuse(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 10000)
        if not getattr(self.window, "headless", False):
            QMessageBox.warning(self.window, self.tr("Cannot add the case"), text)


def _with_tag(text: str):
    """A compositor that paints the one picture with its date in the top-left corner."""
    def paint(painter: QPainter, images, target: QRectF) -> None:
        painter.drawImage(target, images[0])
        _tag(painter, text, QPointF(8, 8))
    return paint


def add_columns(document, layer, columns) -> list[str]:
    """Give `layer` (and its table) the text columns of `columns` it lacks: a project made before the
    ledger had them (image dates) gets them empty, in one transaction; adding an empty column changes
    no feature's version (gpkg.hash_sql leaves empty values out)."""
    missing = [c for c in columns if c not in layer.frame.columns]
    if not missing:
        return []
    with gpkg.connect(document.project.path) as db, gpkg.transaction(db):
        present = {name.lower() for name, _ in gpkg.columns_of(db, layer.id)}
        for column in missing:
            if column.lower() not in present:
                db.execute(f'ALTER TABLE "{layer.id}" ADD COLUMN "{column}" TEXT')
    frame = layer.frame.copy()
    for column in missing:
        frame[column] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    layer.set_frame(frame)
    return missing


def install(window) -> Comparison:
    controller = Comparison(window)
    window.comparison = controller
    return controller
