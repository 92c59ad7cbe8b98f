"""The 标注 (Annotate) menu and toolbar: draw text, arrows, callouts, rectangles, ellipses and freehand
outlines on the map; select, move, reshape, restyle, retype and delete them.

The annotations are the document's (MapDocument.annotations, gisdesk.layers.annotations): every
change is a command on their undo stack, which Edit › Undo/Redo (Ctrl+Z, Ctrl+Y) walks together
with the feature edits; a change marks the document unsaved and File › Save (Ctrl+S) writes them
to the project's gisdesk_annotations table (gisdesk.annotations). The canvas draws them through
the renderer like every export does; the tools draw only their rubber bands and the selection's
handles, with the renderer's own drawing (render.annotations), so what is dragged looks like
what is dropped.

Tools: drag a rectangle, ellipse or arrow (tail to head); draw a freehand outline holding the
button; click for a text and type it in the small editor that opens there (Enter keeps it,
Shift+Enter starts a new line, Esc drops it); a callout: press on the feature or point it points
at, drag to where its box goes, type its text — a callout made on a feature follows it when the
feature moves. The select tool picks the topmost annotation under a click (Shift adds), drags the
selection, resizes a rectangle or ellipse by its corner handles, retypes a text or callout on a
double click, nudges the selection with the arrow keys (Shift: ten pixels) and deletes with Delete.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import shapely
from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (QColorDialog, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QMenu,
                               QPlainTextEdit, QPushButton, QSpinBox, QToolBar)

from gisdesk.annotations import load_annotations, save_annotations
from gisdesk.layers import annotations as A
from gisdesk.layers.annotations import Annotation, AnnotationStyle
from gisdesk.render.annotations import draw_annotation, text_box_on_map, text_rect
from gisdesk.render.context import RenderContext
from gisdesk.store import current_user, local_now
from gisdesk.ui.canvas import MapTool
from gisdesk.ui.icons import icon
from gisdesk.ui.tools import identify, plain_text

PICK_PIXELS = 5  # a click picks an annotation within this many pixels of its line or outline
HANDLE_PIXELS = 7  # the side of a selection handle; a press within it grabs the handle
MIN_DRAG_PIXELS = 4  # a shape dragged smaller than this is no shape (a click)
CALLOUT_OFFSET_PX = (70.0, -55.0)  # where a callout's box goes from a click that did not drag
FREEHAND_SIMPLIFY_PX = 1.0  # a freehand outline keeps the points that matter at this many pixels
SELECTION_COLOR = QColor("#00a0e0")
EDITOR_WIDTH = 240  # px, of the inline text editor
NUDGE_SHIFT_PIXELS = 10  # an arrow key moves the selection a pixel, with Shift this many


class _AnnotationTool(MapTool):
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, canvas, controller: AnnotationController):
        super().__init__(canvas)
        self.controller = controller

    def context(self) -> RenderContext:
        return RenderContext.screen(self.canvas.view)

    def to_map(self, point: QPointF) -> tuple[float, float]:
        return self.canvas.view.to_map(point.x(), point.y())

    def key(self, event) -> bool:
        """Delete (or Backspace) deletes the selected annotations, whichever annotation tool is in use."""
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.controller.selected:
            self.controller.delete_selected()
            return True
        return False

    def paint(self, painter: QPainter):
        """The selection's handles: what was just drawn stays selected (Delete or 标注样式… act on it)."""
        for item in self.controller.selected_items():
            self.paint_handles(painter, item)

    def paint_handles(self, painter: QPainter, item: Annotation) -> None:
        extra = []
        if item.kind == A.CALLOUT:  # the box, and a handle on the point it points at
            shown = self.controller.shown_item(item)
            extra = [QPointF(*(float(v) for v in self.canvas.view.to_pixels(*shown.anchor)))]
        _paint_handles(painter, self.controller.pixel_box(item), item.kind in (A.RECTANGLE, A.ELLIPSE), extra)


class DrawTool(_AnnotationTool):
    """Rectangle, ellipse and arrow by a drag; a freehand outline as the mouse goes."""

    def __init__(self, canvas, controller: AnnotationController, kind: str):
        super().__init__(canvas, controller)
        self.kind = kind
        self._points: list[QPointF] = []

    def press(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self._points = [event.position(), event.position()]

    def move(self, event):
        if self._points:
            if self.kind == A.FREEHAND:
                self._points.append(event.position())
            else:
                self._points[-1] = event.position()
            self.canvas.update()

    def release(self, event):
        if event.button() != Qt.MouseButton.LeftButton or not self._points:
            return
        geometry = self._geometry()
        self._points = []
        self.canvas.update()
        if geometry is not None:
            self.controller.add(self.kind, geometry)

    def deactivate(self):
        self._points = []

    def paint(self, painter: QPainter):
        geometry = self._geometry()
        if geometry is None:
            super().paint(painter)
        else:
            draw_annotation(painter, A.make(self.kind, geometry, style=self.controller.style_for(self.kind)),
                            self.context())

    def _geometry(self):
        points = self._points
        if len(points) < 2:
            return None
        first, last = points[0], points[-1]
        if self.kind == A.FREEHAND:
            xy = np.array([self.to_map(p) for p in points])
            if len(xy) < 3 or np.ptp(xy, axis=0).max() < MIN_DRAG_PIXELS * self.canvas.view.resolution:
                return None
            line = shapely.LineString(xy).simplify(FREEHAND_SIMPLIFY_PX * self.canvas.view.resolution)
            return line if len(shapely.get_coordinates(line)) >= 2 else None
        if abs(last.x() - first.x()) < MIN_DRAG_PIXELS and abs(last.y() - first.y()) < MIN_DRAG_PIXELS:
            return None
        (x0, y0), (x1, y1) = self.to_map(first), self.to_map(last)
        if self.kind == A.ARROW:
            return shapely.LineString([(x0, y0), (x1, y1)])
        if self.kind == A.ELLIPSE:
            return A.ellipse_polygon(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        return A.rectangle(x0, y0, x1, y1)


class TextTool(_AnnotationTool):
    """A click opens the small editor there; the text typed is centred on the point clicked."""
    cursor = Qt.CursorShape.IBeamCursor

    def release(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            at = event.position()
            x, y = self.to_map(at)
            self.controller.ask_text(at, "", lambda text: self.controller.add(A.TEXT, shapely.Point(x, y), text=text))


class CalloutTool(_AnnotationTool):
    """Press on what it points at (a feature: it follows it), drag to where the box goes, type its text.
    The two points are kept as map points: the map may move while the text is typed."""

    def __init__(self, canvas, controller: AnnotationController):
        super().__init__(canvas, controller)
        self._anchor: tuple[float, float] | None = None
        self._box: tuple[float, float] | None = None
        self._pressed: QPointF | None = None

    def press(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = event.position()
            self._anchor = self._box = self.to_map(event.position())

    def move(self, event):
        if self._pressed is not None:
            self._box = self.to_map(event.position())
            self.canvas.update()

    def release(self, event):
        if event.button() != Qt.MouseButton.LeftButton or self._pressed is None:
            return
        at = event.position()
        if (at - self._pressed).manhattanLength() < MIN_DRAG_PIXELS:
            at = self._pressed + QPointF(*CALLOUT_OFFSET_PX)
        self._pressed = None
        (ax, ay), (bx, by) = self._anchor, self.to_map(at)
        self._box = (bx, by)
        target, offset = self.controller.feature_at(ax, ay)

        def made(text: str) -> None:
            self._anchor = self._box = None
            self.controller.add(A.CALLOUT, shapely.LineString([(ax, ay), (bx, by)]), text=text, target=target,
                                target_offset=offset)
        self.canvas.update()
        self.controller.ask_text(at, "", made, cancelled=self._cancel)

    def _cancel(self) -> None:
        self._anchor = self._box = self._pressed = None
        self.canvas.update()

    def deactivate(self):
        self._anchor = self._box = self._pressed = None

    def paint(self, painter: QPainter):
        if self._anchor is None:
            super().paint(painter)
        elif self._box is not None and self._box != self._anchor:
            preview = A.make(A.CALLOUT, shapely.LineString([self._anchor, self._box]), text=" ",
                             style=self.controller.style_for(A.CALLOUT))
            draw_annotation(painter, preview, self.context())


class SelectAnnotationTool(_AnnotationTool):
    """Pick, drag, resize (rectangles, ellipses), retype (double click) and delete (Delete) annotations."""
    cursor = Qt.CursorShape.ArrowCursor

    def __init__(self, canvas, controller: AnnotationController):
        super().__init__(canvas, controller)
        self._start: QPointF | None = None
        self._now: QPointF | None = None
        self._resizing: tuple[Annotation, QPointF] | None = None  # the shape, and its fixed (opposite) corner

    def press(self, event):
        if event.button() != Qt.MouseButton.LeftButton:
            return
        at = event.position()
        self.canvas.setFocus()
        handle = self.controller.handle_at(at)
        if handle is not None:
            self._resizing = handle
            self._start = self._now = at
            return
        add = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        picked = self.controller.pick(at)
        if picked is None:
            if not add:
                self.controller.set_selection([])
            return
        if picked.id not in self.controller.selected:
            self.controller.set_selection(([*self.controller.selected] if add else []) + [picked.id])
        self._start = self._now = at

    def move(self, event):
        if self._start is not None:
            self._now = event.position()
            self.canvas.update()

    def release(self, event):
        if event.button() != Qt.MouseButton.LeftButton or self._start is None:
            return
        start, now, resizing = self._start, self._now, self._resizing
        self._start = self._now = self._resizing = None
        if (now - start).manhattanLength() < 1:
            self.canvas.update()
            return
        if resizing is not None:
            self.controller.resize(resizing[0], self._resized(resizing, now))
        else:
            view = self.canvas.view
            self.controller.move_selected((now.x() - start.x()) * view.resolution,
                                          -(now.y() - start.y()) * view.resolution)
        self.canvas.update()

    def double_click(self, event):
        picked = self.controller.pick(event.position())
        if picked is not None and picked.kind in (A.TEXT, A.CALLOUT):
            self.controller.set_selection([picked.id])
            self.controller.edit_text(picked)

    def key(self, event) -> bool:
        if super().key(event):
            return True
        if event.key() == Qt.Key.Key_Escape and self.controller.selected:
            self.controller.set_selection([])
            return True
        steps = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, 1), Qt.Key.Key_Down: (0, -1)}
        if event.key() in steps and self.controller.selected:  # nudge: a pixel, with Shift ten
            pixels = NUDGE_SHIFT_PIXELS if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1
            dx, dy = steps[event.key()]
            resolution = self.canvas.view.resolution
            self.controller.move_selected(dx * pixels * resolution, dy * pixels * resolution)
            return True
        return False

    def deactivate(self):
        self._start = self._now = self._resizing = None

    def paint(self, painter: QPainter):
        context = self.context()
        dragged = self._start is not None and self._now is not None and (self._now - self._start).manhattanLength() >= 1
        for item in self.controller.selected_items():
            if dragged and self._resizing is not None and self._resizing[0].id == item.id:
                item = replace(item, geometry=self._resized(self._resizing, self._now))
            elif dragged and self._resizing is None:
                view = self.canvas.view
                item = item.moved((self._now.x() - self._start.x()) * view.resolution,
                                  -(self._now.y() - self._start.y()) * view.resolution)
            if dragged:
                painter.save()
                painter.setOpacity(0.75)
                draw_annotation(painter, item, context)
                painter.restore()
            self.paint_handles(painter, item)

    def _resized(self, resizing: tuple[Annotation, QPointF], now: QPointF):
        item, fixed = resizing
        (x0, y0), (x1, y1) = self.to_map(fixed), self.to_map(now)
        if item.kind == A.ELLIPSE:
            return A.ellipse_polygon(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        return A.rectangle(x0, y0, x1, y1)


def _paint_handles(painter: QPainter, box: QRectF, corners: bool, extra=()) -> None:
    painter.save()
    pen = QPen(SELECTION_COLOR, 1.2, Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(box)
    painter.setPen(QPen(SELECTION_COLOR, 1.2))
    painter.setBrush(QColor("#ffffff"))
    half = HANDLE_PIXELS / 2
    points = [box.topLeft(), box.topRight(), box.bottomLeft(), box.bottomRight()] if corners else \
        [box.topLeft(), box.topRight(), box.bottomLeft(), box.bottomRight(), box.center()]
    for point in [*points, *extra]:
        painter.drawRect(QRectF(point.x() - half, point.y() - half, HANDLE_PIXELS, HANDLE_PIXELS))
    painter.restore()


class InlineEditor(QPlainTextEdit):
    """The small editor a text or callout is typed in, over the map where it goes: Enter keeps the
    text (an empty one keeps nothing), Shift+Enter starts a new line, Esc drops it, clicking
    elsewhere keeps it."""

    def __init__(self, canvas, at: QPointF, text: str, done, cancelled=None):
        super().__init__(canvas)
        self._done, self._cancelled, self._over = done, cancelled, False
        self.setObjectName("annotation_editor")
        self.setPlaceholderText(self.tr("Type the text: Enter keeps it, Shift+Enter starts a new line"))
        self.setPlainText(text)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedWidth(EDITOR_WIDTH)
        self._at = at
        self.document().contentsChanged.connect(self._fit)
        self._fit()
        self.show()
        self.setFocus()
        self.selectAll()

    def text(self) -> str:
        return self.toPlainText()

    def insert(self, text: str) -> None:
        """Put `text` in at the cursor (what an input method commits)."""
        self.insertPlainText(text)

    def _fit(self) -> None:
        """As high as its lines (at least one), centred on the point it was opened at, inside the map."""
        lines = max(1, self.document().blockCount())
        height = round(self.fontMetrics().lineSpacing() * lines + 2 * self.frameWidth()
                       + self.document().documentMargin() * 2 + 2)
        self.setFixedHeight(height)
        canvas = self.parentWidget()
        x = int(min(max(self._at.x() - self.width() / 2, 0), max(canvas.width() - self.width(), 0)))
        y = int(min(max(self._at.y() - height / 2, 0), max(canvas.height() - height, 0)))
        self.move(x, y)

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Escape:
            self.finish(False)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.finish(True)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.insertPlainText("\n")
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event):
        super().focusOutEvent(event)
        if event.reason() not in (Qt.FocusReason.PopupFocusReason, Qt.FocusReason.ActiveWindowFocusReason):
            self.finish(True)

    def finish(self, keep: bool) -> None:
        if self._over:
            return
        self._over = True
        text = "\n".join(line.strip() for line in self.text().strip().splitlines())
        self.hide()
        self.deleteLater()
        if keep and text:
            self._done(text)
        elif self._cancelled is not None:
            self._cancelled()


class AnnotationStyleDialog(QDialog):
    """Colour, line width (mm), fill colour and opacity (%), text size (pt) of annotations."""

    def __init__(self, style: AnnotationStyle, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Annotation style"))
        self._color, self._fill = QColor(style.color), QColor(style.fill)
        form = QFormLayout(self)
        self.color_button = QPushButton()
        self.color_button.clicked.connect(lambda: self._choose("_color", self.color_button))
        self.width = QDoubleSpinBox()
        self.width.setRange(0.1, 5.0)
        self.width.setSingleStep(0.1)
        self.width.setDecimals(2)
        self.width.setSuffix(" mm")
        self.width.setValue(style.width_mm)
        self.fill_button = QPushButton()
        self.fill_button.clicked.connect(lambda: self._choose("_fill", self.fill_button))
        self.opacity = QSpinBox()
        self.opacity.setRange(0, 100)
        self.opacity.setSuffix(" %")
        self.opacity.setValue(round(style.fill_alpha * 100))
        self.font_size = QDoubleSpinBox()
        self.font_size.setRange(4.0, 96.0)
        self.font_size.setDecimals(1)
        self.font_size.setSuffix(" pt")
        self.font_size.setValue(style.font_pt)
        form.addRow(self.tr("Colour"), self.color_button)
        form.addRow(self.tr("Line width"), self.width)
        form.addRow(self.tr("Fill"), self.fill_button)
        form.addRow(self.tr("Fill opacity"), self.opacity)
        form.addRow(self.tr("Text size"), self.font_size)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._show_color(self.color_button, self._color)
        self._show_color(self.fill_button, self._fill)

    def set_colors(self, color: str | None = None, fill: str | None = None) -> None:
        if color:
            self._color = QColor(color)
            self._show_color(self.color_button, self._color)
        if fill:
            self._fill = QColor(fill)
            self._show_color(self.fill_button, self._fill)

    def style(self) -> AnnotationStyle:
        return AnnotationStyle(self._color.name(), round(self.width.value(), 2), self._fill.name(),
                               self.opacity.value() / 100, round(self.font_size.value(), 1))

    def _choose(self, attribute: str, button: QPushButton) -> None:
        color = QColorDialog.getColor(getattr(self, attribute), self, self.tr("Choose a colour"))
        if color.isValid():
            setattr(self, attribute, color)
            self._show_color(button, color)

    @staticmethod
    def _show_color(button: QPushButton, color: QColor) -> None:
        button.setText(color.name())
        text = "#000000" if color.lightnessF() > 0.55 else "#ffffff"
        button.setStyleSheet(f"background: {color.name()}; color: {text};")


class AnnotationController(QObject):
    """The annotation tools of one window, the selection, and the commands they send to the
    document's AnnotationSet."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.canvas = window.canvas
        self.selected: list[str] = []
        self.styles: dict[str, AnnotationStyle] = dict(A.DEFAULT_STYLES)  # what a new one of a kind gets
        self.editor: InlineEditor | None = None
        self._document = None
        self._build_actions()
        window.documentChanged.connect(self._document_changed)

    # --- actions ---------------------------------------------------------------------------

    def _build_actions(self) -> None:
        w = self.window
        menu = self.menu = QMenu(self.tr("&Annotate"), w)
        w.menuBar().insertMenu(w.menus["help"].menuAction(), menu)
        w.menus["annotate"] = menu
        self.toolbar = QToolBar(self.tr("Annotation tools"), w)
        self.toolbar.setObjectName("annotation_toolbar")
        self.toolbar.setIconSize(w.toolbar.iconSize())
        w.addToolBar(Qt.ToolBarArea.RightToolBarArea, self.toolbar)
        # shown once a tool is chosen from the menu (or from View › Panels): on a 1366×768 laptop an
        # always-shown column would take the map's share below what the layout promises
        self.toolbar.hide()
        w.panels_menu.addAction(self.toolbar.toggleViewAction())
        group = w.action_pan.actionGroup()
        specs = [  # (kind or "select", menu text, icon, tool maker)
            ("select", self.tr("&Select annotations"), "annotate_select",
             lambda: SelectAnnotationTool(self.canvas, self)),
            (A.TEXT, self.tr("&Text"), "annotate_text", lambda: TextTool(self.canvas, self)),
            (A.ARROW, self.tr("&Arrow"), "annotate_arrow", lambda: DrawTool(self.canvas, self, A.ARROW)),
            (A.CALLOUT, self.tr("&Callout on a feature"), "annotate_callout", lambda: CalloutTool(self.canvas, self)),
            (A.RECTANGLE, self.tr("&Rectangle"), "annotate_rectangle",
             lambda: DrawTool(self.canvas, self, A.RECTANGLE)),
            (A.ELLIPSE, self.tr("&Ellipse"), "annotate_ellipse", lambda: DrawTool(self.canvas, self, A.ELLIPSE)),
            (A.FREEHAND, self.tr("&Freehand outline"), "annotate_freehand",
             lambda: DrawTool(self.canvas, self, A.FREEHAND)),
        ]
        self.actions: dict[str, QAction] = {}
        for kind, text, icon_name, make in specs:
            action = QAction(icon(icon_name), text, w)
            action.setToolTip(plain_text(text))
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, make=make: self._use(make()))
            if group is not None:
                group.addAction(action)
            menu.addAction(action)
            self.toolbar.addAction(action)
            self.actions[kind] = action
        menu.addSeparator()
        self.toolbar.addSeparator()
        self.action_style = QAction(icon("annotate_style"), self.tr("St&yle of annotations…"), w)
        self.action_style.setToolTip(plain_text(self.action_style.text()))
        self.action_style.triggered.connect(self.edit_style)
        self.action_delete = QAction(self.tr("&Delete selected annotations"), w)
        # no shortcut: the annotation tools take Delete themselves (canvas.keyPressEvent asks the tool
        # first), so that another tool's Delete (a vertex of the edit tools) is never taken from it
        self.action_delete.setToolTip(plain_text(self.action_delete.text()) + " (Delete)")
        self.action_delete.triggered.connect(self.delete_selected)
        for action in (self.action_style, self.action_delete):
            menu.addAction(action)
        self.toolbar.addAction(self.action_style)
        # Ctrl+Y redoes as well (the Windows habit), beside Ctrl+Shift+Z
        redo = getattr(w, "action_redo", None)
        if redo is not None and QKeySequence("Ctrl+Y") not in redo.shortcuts():
            redo.setShortcuts([*redo.shortcuts(), QKeySequence("Ctrl+Y")])
        self._update_actions()

    def _use(self, tool) -> None:
        self.toolbar.show()
        self.canvas.set_tool(tool)

    def _document_changed(self, document) -> None:
        if self._document is not None:
            self._document.annotations.events["changed"].disconnect(self._changed)
        self._document = document
        self.selected = []
        if self.editor is not None:
            self.editor.finish(False)
        if document is not None:
            annotations = document.annotations
            if annotations.saver is None:  # read once per opened document
                annotations.load(load_annotations(document.project), saver=saver_of(document))
            annotations.events["changed"].connect(self._changed)
            self.canvas.refresh()
        self._update_actions()

    def _changed(self, *_) -> None:
        annotations = self.annotations
        self.selected = [i for i in self.selected if annotations is not None and annotations.get(i) is not None]
        self.canvas.render_now()  # at once: the tool's preview has gone, the picture must not lag behind
        self.canvas.update()
        self._update_actions()

    def _update_actions(self) -> None:
        has = self._document is not None
        for action in self.actions.values():
            action.setEnabled(has)
        self.action_style.setEnabled(has)
        self.action_delete.setEnabled(bool(self.selected))

    # --- what there is ---------------------------------------------------------------------

    @property
    def annotations(self) -> A.AnnotationSet | None:
        return self._document.annotations if self._document is not None else None

    def selected_items(self) -> list[Annotation]:
        annotations = self.annotations
        return [item for item in (annotations.get(i) for i in self.selected) if item is not None] if annotations else []

    def set_selection(self, ids) -> None:
        self.selected = list(dict.fromkeys(ids))
        self._update_actions()
        self.canvas.update()

    def style_for(self, kind: str) -> AnnotationStyle:
        return self.styles.get(kind, A.DEFAULT_STYLES[kind])

    def shown(self) -> list[Annotation]:
        """The annotations as the map draws them now: callouts at their features (as Scene.of does)."""
        document = self._document
        return shown_annotations(document, document.annotations.items) if document is not None else []

    def pick(self, at: QPointF) -> Annotation | None:
        """The topmost annotation under the pixel `at` of the canvas."""
        context = RenderContext.screen(self.canvas.view)
        x, y = self.canvas.view.to_map(at.x(), at.y())
        for item in reversed(self.shown()):
            tolerance = (PICK_PIXELS + context.mm(item.style.width_mm) / 2) * self.canvas.view.resolution
            if A.hit(item, x, y, tolerance, text_box=text_box_on_map(item, context)):
                return self.annotations.get(item.id)
        return None

    def shown_item(self, item: Annotation) -> Annotation:
        """`item` as the map draws it (a callout at its feature)."""
        return next((s for s in self.shown() if s.id == item.id), item) if item.target else item

    def pixel_box(self, item: Annotation) -> QRectF:
        """The box around an annotation (its shape and its text; a callout's box) in canvas pixels: where
        its handles go."""
        context = RenderContext.screen(self.canvas.view)
        shown = self.shown_item(item)
        if shown.kind == A.CALLOUT:
            return text_rect(shown, context)
        xmin, ymin, xmax, ymax = shapely.bounds(shown.geometry)
        left, top = self.canvas.view.to_pixels(xmin, ymax)
        right, bottom = self.canvas.view.to_pixels(xmax, ymin)
        box = QRectF(QPointF(float(left), float(top)), QPointF(float(right), float(bottom)))
        text = text_rect(shown, context)
        return box.united(text) if text is not None else box

    def handle_at(self, at: QPointF):
        """(the selected rectangle or ellipse, its opposite corner) when `at` is on one of its corner handles."""
        for item in self.selected_items():
            if item.kind not in (A.RECTANGLE, A.ELLIPSE):
                continue
            box = self.pixel_box(item)
            corners = [box.topLeft(), box.topRight(), box.bottomRight(), box.bottomLeft()]
            for n, corner in enumerate(corners):
                if abs(corner.x() - at.x()) <= HANDLE_PIXELS and abs(corner.y() - at.y()) <= HANDLE_PIXELS:
                    return item, corners[(n + 2) % 4]
        return None

    def feature_at(self, x: float, y: float) -> tuple[tuple[str, str] | None, tuple[float, float]]:
        """The topmost visible feature at (x, y) a callout made there points at, and the anchor's offset
        from its bounding-box centre; (None, (0, 0)) off the features."""
        document = self._document
        if document is None:
            return None, (0.0, 0.0)
        found = identify(document.layers, x, y, PICK_PIXELS * self.canvas.view.resolution)
        if not found:
            return None, (0.0, 0.0)
        picked = found[0]
        rx, ry = A.reference_point(picked.data.bounds[int(picked.rows[0])])
        return (picked.layer.id, str(picked.uids[0])), (x - rx, y - ry)

    # --- commands ----------------------------------------------------------------------------

    def add(self, kind: str, geometry, *, text: str = "", target=None, target_offset=(0.0, 0.0)) -> Annotation | None:
        annotations = self.annotations
        if annotations is None:
            return None
        item = A.make(kind, geometry, text=text, style=self.style_for(kind), target=target,
                      target_offset=target_offset, created_at=local_now(), created_by=current_user())
        annotations.add(item)
        self.set_selection([item.id])
        return item

    def move_selected(self, dx: float, dy: float) -> None:
        if self.annotations is not None and self.selected:
            self.annotations.move(self.selected, dx, dy)

    def resize(self, item: Annotation, geometry) -> None:
        if self.annotations is not None and not shapely.is_empty(geometry) and shapely.area(geometry) > 0:
            self.annotations.replace(replace(item, geometry=geometry))

    def delete_selected(self) -> None:
        if self.annotations is not None and self.selected:
            self.annotations.delete(self.selected)
            self.set_selection([])

    def edit_text(self, item: Annotation) -> None:
        rect = text_rect(item, RenderContext.screen(self.canvas.view))
        at = rect.center() if rect is not None else QPointF(self.canvas.width() / 2, self.canvas.height() / 2)
        self.ask_text(at, item.text, lambda text: self.annotations.set_text(item.id, text))

    def ask_text(self, at: QPointF, text: str, done, *, cancelled=None) -> InlineEditor:
        """The inline editor at `at` (canvas pixels); `done(text)` with what was typed."""
        if self.editor is not None:
            self.editor.finish(True)
        self.editor = InlineEditor(self.canvas, at, text, done, cancelled)
        self.editor.destroyed.connect(lambda *_: setattr(self, "editor", None))
        return self.editor

    def edit_style(self) -> AnnotationStyleDialog | None:
        """The style dialog for the selection (restyled as one undoable edit), or with nothing selected for
        the new annotations of the drawing tool in use."""
        items = self.selected_items()
        tool = self.canvas.tool
        kind = items[0].kind if items else getattr(tool, "kind", A.CALLOUT if isinstance(tool, CalloutTool) else
                                                    A.TEXT if isinstance(tool, TextTool) else None)
        if not items and kind is None:
            self.window.statusBar().showMessage(self.tr("Select annotations, or pick a drawing tool, to set a style"),
                                                6000)
            return None
        dialog = AnnotationStyleDialog(items[0].style if items else self.style_for(kind), self.window)
        dialog.setModal(True)
        dialog.accepted.connect(lambda: self.apply_style(dialog.style(), [i.id for i in items], kind))
        dialog.open()
        return dialog

    def apply_style(self, style: AnnotationStyle, ids: list[str], kind: str | None) -> None:
        if ids and self.annotations is not None:
            self.annotations.restyle(ids, style)
        elif kind is not None:
            self.styles[kind] = style


def shown_annotations(document, items) -> list[Annotation]:
    """`items` as the map draws them now: a callout on a feature of the document at that feature (one
    uid lookup per layer for all its callouts)."""
    found = {}
    for layer in document.layers:
        uids = [i.target[1] for i in items if i.target is not None and i.target[0] == layer.id]
        if uids:
            bounds = layer.data.bounds
            for uid, row in zip(uids, layer.uid_rows.row_of_each(uids)):
                if row >= 0:
                    found[(layer.id, uid)] = bounds[int(row)]
    return list(A.resolve_targets(items, lambda layer_id, uid: found.get((layer_id, uid))))


def saver_of(document):
    """What saves a document's annotations: as they are drawn now (a callout whose feature moved is
    written where it points now, so QGIS draws its leader there and it stays there if the feature
    goes), in one transaction of the store."""
    project = document.project
    return lambda items: save_annotations(project, shown_annotations(document, list(items)))


def install(window) -> AnnotationController:
    controller = AnnotationController(window)
    window.annotations = controller
    return controller
