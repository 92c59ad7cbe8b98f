"""File › 页面布局…: the page layout designer.

A window over the project's page layouts (gisdesk.export.layout) and the shipped templates: a
list of them (new from a template, duplicate, rename, delete), the page in the middle, drawn by
gisdesk.export.pages.draw_page — the export's own drawing, so what is seen is what prints — and
the selected item's properties on the right. Items are selected by a click, moved by a drag and
resized by their handles, their sides snapping to a mm grid (the edits are export/layout.py's
`moved` and `resized_item`); the page size and orientation are chosen above the page. Every
change can be undone and redone (one QUndoStack for the designer, whose commands swap whole
states: layouts are immutable, a state is a few of them). Save writes the changed layouts, the
removed ones and a new logo's image into the project in one transaction
(Project.save_layouts); templates are read-only, "new from template" makes a project's copy.

The page is drawn again (0.3-0.6 s for the demo's A3 page) a moment after a change; while an
item is dragged only its outline follows the mouse.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPainter, QPen, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QFrame, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QMenu, QMessageBox, QPlainTextEdit, QPushButton, QScrollArea,
                               QSizePolicy, QSplitter, QToolButton, QVBoxLayout, QWidget)

from gisdesk.errors import GisdeskError
from gisdesk.export import layout as lay
from gisdesk.export.layout import Item, Layout
from gisdesk.export.pages import draw_page, page_font, read_page_data
from gisdesk.render.view import MM_PER_INCH

translate = QCoreApplication.translate
SCALES = (500, 1000, 2000, 2500, 5000, 10000, 25000, 50000)  # the map frame's scales offered
HANDLE_PX = 7  # a resize handle's size on the screen
PAGE_MARGIN_PX = 14  # grey round the page in the preview
REDRAW_MS = 200  # the page is drawn again this long after the last change (typing runs on meanwhile)
MAX_LOGO_BYTES = 4_000_000
ROLE_KEY = Qt.ItemDataRole.UserRole  # the list's item: ("own", name) or ("template", id)



def kind_label(kind: str) -> str:
    """An item kind's name in the user's language."""
    labels = {
        lay.TITLE: translate("layout_designer", "Title"),
        lay.SUBTITLE: translate("layout_designer", "Subtitle"),
        lay.DATE: translate("layout_designer", "Date"),
        lay.ORGANISATION: translate("layout_designer", "Organisation"),
        lay.TEXT: translate("layout_designer", "Notes"),
        lay.CRS_NOTE: translate("layout_designer", "CRS note"),
        lay.MAP: translate("layout_designer", "Map frame"),
        lay.LEGEND: translate("layout_designer", "Legend"),
        lay.SCALE_BAR: translate("layout_designer", "Scale bar"),
        lay.NORTH_ARROW: translate("layout_designer", "North arrow"),
        lay.OVERVIEW: translate("layout_designer", "Overview inset"),
        lay.TOTALS: translate("layout_designer", "Totals table"),
        lay.LOGO: translate("layout_designer", "Logo"),
        "feature_table": translate("layout_designer", "Feature table (atlas)"),
        "before_after": translate("layout_designer", "Before and after (atlas)"),
        "photos": translate("layout_designer", "Photos (atlas)"),
    }
    return labels.get(kind, kind)


def render_preview(layout: Layout, page, dpi: float, family: str | None = None) -> QImage:
    """The page as draw_page draws it at `dpi`, on a white image of the page's pixels (what the PNG
    export writes, at another dpi)."""
    from gisdesk.export.pages import px

    w_mm, h_mm = layout.size_mm
    image = QImage(max(1, round(px(w_mm, dpi))), max(1, round(px(h_mm, dpi))),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    try:
        draw_page(painter, layout, page, dpi, family=family)
    finally:
        painter.end()
    return image


# --- the page -------------------------------------------------------------------------------

class PageCanvas(QWidget):
    """The page drawn by draw_page, the items' outlines and the selected one's handles over it."""

    selectionChanged = Signal(int)  # the item's index, -1 for none
    edited = Signal(object, str)  # the new Layout, what was done (the undo text)
    deleteRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layout_: Layout | None = None
        self.page = None  # PageData
        self.family: str | None = None
        self.editable = True
        self.grid = lay.GRID_MM
        self.selection = -1
        self.image: QImage | None = None  # the page drawn, at image_dpi
        self.image_dpi = 0.0
        self.dpi = 0.0  # the page's dots per inch on the screen (image_dpi / the device pixel ratio)
        self.redraws = 0
        self._drag = None  # (mode: "move" or a handle, press position, the layout at the press)
        self._ghost: Layout | None = None  # the layout while an item is dragged
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.render_now)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(760, 560)

    # the page and its pixels
    def set_layout(self, layout: Layout | None, page=None, *, selection: int | None = None) -> None:
        self.layout_ = layout
        if page is not None:
            self.page = page
        if selection is not None:
            self.selection = selection
        if layout is None or self.selection >= len(layout.items):
            self.selection = -1
        self._drag = self._ghost = None
        self.schedule()
        self.update()

    def schedule(self) -> None:
        self._timer.start()

    def fit_dpi(self) -> float:
        w_mm, h_mm = self.layout_.size_mm
        room_w = max(50, self.width() - 2 * PAGE_MARGIN_PX)
        room_h = max(50, self.height() - 2 * PAGE_MARGIN_PX)
        return min(room_w / w_mm, room_h / h_mm) * MM_PER_INCH

    def render_now(self) -> None:
        """Draw the page now (the timer does it a moment after a change)."""
        self._timer.stop()
        if self.layout_ is None or self.page is None:
            self.image = None
            self.update()
            return
        ratio = self.devicePixelRatioF()
        self.dpi = self.fit_dpi()
        self.image_dpi = self.dpi * ratio
        self.image = render_preview(self.layout_, self.page, self.image_dpi, self.family)
        self.image.setDevicePixelRatio(ratio)
        self.redraws += 1
        self.update()

    @property
    def px_per_mm(self) -> float:
        return self.dpi / MM_PER_INCH

    def origin(self) -> QPointF:
        """The page's top left corner in the widget."""
        if self.image is None:
            return QPointF(PAGE_MARGIN_PX, PAGE_MARGIN_PX)
        ratio = self.image.devicePixelRatio()
        w, h = self.image.width() / ratio, self.image.height() / ratio
        return QPointF(max(0.0, (self.width() - w) / 2), max(0.0, (self.height() - h) / 2))

    def item_rect(self, item: Item) -> QRectF:
        """An item's box in widget pixels."""
        o, k = self.origin(), self.px_per_mm
        return QRectF(o.x() + item.x * k, o.y() + item.y * k, item.w * k, item.h * k)

    def to_mm(self, pos: QPointF) -> tuple[float, float]:
        o, k = self.origin(), self.px_per_mm
        return (pos.x() - o.x()) / k, (pos.y() - o.y()) / k

    def handles(self, rect: QRectF) -> dict[str, QRectF]:
        cx, cy, half = rect.center().x(), rect.center().y(), HANDLE_PX / 2
        points = {"nw": (rect.left(), rect.top()), "n": (cx, rect.top()), "ne": (rect.right(), rect.top()),
                  "e": (rect.right(), cy), "se": (rect.right(), rect.bottom()), "s": (cx, rect.bottom()),
                  "sw": (rect.left(), rect.bottom()), "w": (rect.left(), cy)}
        return {name: QRectF(x - half, y - half, HANDLE_PX, HANDLE_PX) for name, (x, y) in points.items()}

    def handle_at(self, pos: QPointF) -> str | None:
        if self.layout_ is None or not 0 <= self.selection < len(self.layout_.items):
            return None
        for name, box in self.handles(self.item_rect(self.layout_.items[self.selection])).items():
            if box.adjusted(-2, -2, 2, 2).contains(pos):
                return name
        return None

    def item_at(self, pos: QPointF) -> int:
        """The topmost item under `pos` (the last drawn), -1 for none; the selected one first."""
        if self.layout_ is None:
            return -1
        items = self.layout_.items
        if 0 <= self.selection < len(items) and self.item_rect(items[self.selection]).contains(pos):
            return self.selection
        for index in range(len(items) - 1, -1, -1):
            if self.item_rect(items[index]).contains(pos):
                return index
        return -1

    def select(self, index: int) -> None:
        if index != self.selection:
            self.selection = index
            self.selectionChanged.emit(index)
            self.update()

    # painting
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#80858c"))
        if self.layout_ is None:
            return
        origin = self.origin()
        if self.image is not None:
            painter.drawImage(origin, self.image)
        shown = self._ghost or self.layout_
        painter.setBrush(Qt.BrushStyle.NoBrush)
        outline = QPen(QColor(40, 120, 220, 110), 1, Qt.PenStyle.DotLine)
        for index, item in enumerate(self.layout_.items):
            if index != self.selection:
                painter.setPen(outline)
                painter.drawRect(self.item_rect(item))
        if 0 <= self.selection < len(shown.items):
            if self._ghost is not None:  # where it was, faint
                painter.setPen(QPen(QColor(40, 120, 220, 120), 1, Qt.PenStyle.DashLine))
                painter.drawRect(self.item_rect(self.layout_.items[self.selection]))
            rect = self.item_rect(shown.items[self.selection])
            painter.setPen(QPen(QColor("#1a73e8"), 1.5))
            painter.drawRect(rect)
            if self.editable:
                painter.setPen(QPen(QColor("#1a73e8"), 1))
                painter.setBrush(QColor("#ffffff"))
                for box in self.handles(rect).values():
                    painter.drawRect(box)

    # the mouse and the keys
    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.layout_ is None:
            return super().mousePressEvent(event)
        self.setFocus()
        pos = event.position()
        handle = self.handle_at(pos) if self.editable else None
        if handle is None:
            index = self.item_at(pos)
            self.select(index)
            if index < 0:
                return
        if self.editable:
            self._drag = (handle or "move", pos, self.layout_)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        if self._drag is None:
            handle = self.handle_at(pos) if self.editable else None
            cursors = {"nw": Qt.CursorShape.SizeFDiagCursor, "se": Qt.CursorShape.SizeFDiagCursor,
                       "ne": Qt.CursorShape.SizeBDiagCursor, "sw": Qt.CursorShape.SizeBDiagCursor,
                       "n": Qt.CursorShape.SizeVerCursor, "s": Qt.CursorShape.SizeVerCursor,
                       "e": Qt.CursorShape.SizeHorCursor, "w": Qt.CursorShape.SizeHorCursor}
            if handle is not None:
                self.setCursor(cursors[handle])
            elif self.editable and self.item_at(pos) >= 0:
                self.setCursor(Qt.CursorShape.SizeAllCursor)
            else:
                self.unsetCursor()
            return
        mode, start, layout = self._drag
        dx, dy = (pos.x() - start.x()) / self.px_per_mm, (pos.y() - start.y()) / self.px_per_mm
        if mode == "move":
            self._ghost = lay.moved(layout, self.selection, dx, dy, self.grid)
        else:
            self._ghost = lay.resized_item(layout, self.selection, mode, dx, dy, self.grid)
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self._drag is None or event.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(event)
        mode, _, layout = self._drag
        ghost, self._drag, self._ghost = self._ghost, None, None
        self.update()
        if ghost is not None and ghost != layout:
            what = kind_label(layout.items[self.selection].kind)
            text = translate("layout_designer", "Move %1") if mode == "move" \
                else translate("layout_designer", "Resize %1")
            self.edited.emit(ghost, text.replace("%1", what))

    def keyPressEvent(self, event) -> None:
        if self.layout_ is None or not 0 <= self.selection < len(self.layout_.items) or not self.editable:
            return super().keyPressEvent(event)
        step = self.grid or 1.0
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            step *= 10
        moves = {Qt.Key.Key_Left: (-step, 0), Qt.Key.Key_Right: (step, 0), Qt.Key.Key_Up: (0, -step),
                 Qt.Key.Key_Down: (0, step)}
        if event.key() in moves:
            moved = lay.moved(self.layout_, self.selection, *moves[event.key()], self.grid)
            if moved != self.layout_:
                what = kind_label(moved.items[self.selection].kind)
                self.edited.emit(moved, translate("layout_designer", "Move %1").replace("%1", what))
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.deleteRequested.emit()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.layout_ is not None:
            self.schedule()


# --- undo -----------------------------------------------------------------------------------

class _Change(QUndoCommand):
    """One change of the designer's state (its layouts, the one shown, the item selected)."""

    def __init__(self, designer: LayoutDesigner, before, after, text: str, merge_key=None):
        super().__init__(text)
        self.designer, self.before, self.after, self.merge_key = designer, before, after, merge_key

    def redo(self) -> None:
        self.designer._restore(self.after)

    def undo(self) -> None:
        self.designer._restore(self.before)

    def id(self) -> int:
        return 1 if self.merge_key is not None else -1

    def mergeWith(self, other) -> bool:  # typing in one field is one step, not one per key
        if self.merge_key is None or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True


# --- the designer ---------------------------------------------------------------------------

class LayoutDesigner(QWidget):
    """The project's layouts and the templates, a page and its properties; a window of its own
    (over the main window); see the module."""

    saved = Signal()

    def __init__(self, parent, project, *, map_view=None, page=None, headless: bool = False):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("layout_designer")
        self.project = project
        self.map_view = map_view  # the main window's current view (the map frame's "centre from the map")
        self.headless = headless
        self.family = page_font()[0]
        self.page = page if page is not None else read_page_data(project)
        self.stored = dict(project.layouts())  # name → JSON text, as in the project now
        self.own: dict[str, Layout] = lay.project_layouts(project)
        self.templates = {info.id: lay.load_template(info.id) for info in lay.templates()}
        self.images: dict[str, bytes] = {}  # logos chosen, not saved yet
        self.current: tuple[str, str] | None = None  # ("own", name) or ("template", id)
        self.undo_stack = QUndoStack(self)
        self._filling = False
        self.default_layout = project.setting("default_layout")
        self.last_message = ""
        self.setWindowTitle(self.tr("Page layouts"))
        self._build()
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.undo_stack.indexChanged.connect(self._update_title)
        self.resize(1340, 720)
        if self.own:
            self._show(("own", next(iter(self.own))))
        else:
            default = lay.DEFAULT_TEMPLATE if lay.DEFAULT_TEMPLATE in self.templates else next(iter(self.templates))
            self._show(("template", default))
        self._update_title()

    # --- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.action_undo = QAction(self.tr("Undo"), self)
        self.action_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.action_undo.triggered.connect(self.undo_stack.undo)
        self.action_redo = QAction(self.tr("Redo"), self)
        self.action_redo.setShortcut(QKeySequence.StandardKey.Redo)
        self.action_redo.triggered.connect(self.undo_stack.redo)
        for action, can, text in ((self.action_undo, self.undo_stack.canUndoChanged, self.undo_stack.undoTextChanged),
                                  (self.action_redo, self.undo_stack.canRedoChanged, self.undo_stack.redoTextChanged)):
            action.setEnabled(False)
            can.connect(action.setEnabled)
            text.connect(action.setToolTip)
        for action in (self.action_undo, self.action_redo):
            self.addAction(action)
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            bar.addWidget(button)
        bar.addSpacing(8)
        self.add_button = QToolButton()
        self.add_button.setText(self.tr("Add item"))
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        for kind in lay.KINDS:
            if kind in getattr(lay, "ATLAS_KINDS", ()):  # an atlas page's boxes, drawn only by the atlas
                continue
            action = menu.addAction(kind_label(kind))
            action.triggered.connect(lambda _=False, k=kind: self.add_item(k))
        self.add_button.setMenu(menu)
        bar.addWidget(self.add_button)
        self.remove_button = QToolButton()
        self.remove_button.setText(self.tr("Delete item"))
        self.remove_button.clicked.connect(self.remove_item)
        bar.addWidget(self.remove_button)
        bar.addSpacing(8)
        bar.addWidget(QLabel(self.tr("Page:")))
        self.page_combo = QComboBox()
        self.page_combo.addItems(list(lay.PAGE_SIZES))
        self.page_combo.activated.connect(lambda _: self._set_page())
        bar.addWidget(self.page_combo)
        self.orientation_combo = QComboBox()
        self.orientation_combo.addItem(self.tr("Portrait"), "portrait")
        self.orientation_combo.addItem(self.tr("Landscape"), "landscape")
        self.orientation_combo.activated.connect(lambda _: self._set_page())
        bar.addWidget(self.orientation_combo)
        bar.addSpacing(8)
        bar.addWidget(QLabel(self.tr("Grid:")))
        self.grid_spin = QDoubleSpinBox()
        self.grid_spin.setRange(0, 20)
        self.grid_spin.setDecimals(1)
        self.grid_spin.setSingleStep(0.5)
        self.grid_spin.setSuffix(" mm")
        self.grid_spin.setValue(lay.GRID_MM)
        self.grid_spin.setToolTip(self.tr("Moved and resized items snap to this grid (0: no grid)"))
        self.grid_spin.valueChanged.connect(self._set_grid)
        bar.addWidget(self.grid_spin)
        bar.addStretch(1)
        self.readonly_label = QLabel(self.tr("A template is read-only: “New from template” makes a copy of it in "
                                             "the project to change."))
        self.readonly_label.setStyleSheet("color: #8a5a00;")
        self.readonly_label.setWordWrap(True)
        bar.addWidget(self.readonly_label, 2)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.clicked.connect(self.save)
        bar.addWidget(self.save_button)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        close.setAutoDefault(False)
        self.save_button.setAutoDefault(False)
        bar.addWidget(close)
        outer.addLayout(bar)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(QLabel(self.tr("Layouts")))
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.currentItemChanged.connect(self._list_changed)
        left_box.addWidget(self.list, 1)
        for text, slot in ((self.tr("New from template…"), self._ask_new),
                           (self.tr("Duplicate…"), self._ask_duplicate),
                           (self.tr("Rename…"), self._ask_rename), (self.tr("Delete"), self._ask_delete)):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            left_box.addWidget(button)
            if slot == self._ask_duplicate:
                self.duplicate_button = button
            elif slot == self._ask_rename:
                self.rename_button = button
            elif slot == self._ask_delete:
                self.delete_button = button
        self.reload_button = QPushButton(self.tr("Read the layers again"))
        self.reload_button.setToolTip(self.tr("The page shows the layers as the project file has them: after "
                                              "saving changes of the map, read them again"))
        self.reload_button.setAutoDefault(False)
        self.reload_button.clicked.connect(self.reload_page)
        left_box.addWidget(self.reload_button)
        self.default_check = QCheckBox(self.tr("Default page"))
        self.default_check.setToolTip(self.tr("gisdesk export --default and File › Export map… start with this "
                                              "layout (kept in the project when saved)"))
        self.default_check.toggled.connect(self._set_default)
        left_box.addWidget(self.default_check)
        left.setMinimumWidth(170)
        splitter.addWidget(left)

        self.canvas = PageCanvas()
        self.canvas.family = self.family
        self.canvas.page = self.page
        self.canvas.selectionChanged.connect(lambda _: self._fill_properties())
        self.canvas.edited.connect(lambda layout, text: self._apply(layout, text))
        self.canvas.deleteRequested.connect(self.remove_item)
        splitter.addWidget(self.canvas)

        self.properties = self._build_properties()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.properties)
        scroll.setMinimumWidth(270)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([190, 830, 290])
        outer.addWidget(splitter, 1)

    def _build_properties(self) -> QWidget:
        panel = QWidget()
        form = self.form = QFormLayout(panel)
        form.setContentsMargins(4, 0, 4, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.kind_label = QLabel()
        self.kind_label.setStyleSheet("font-weight: bold;")
        self.kind_label.setWordWrap(True)
        form.addRow(self.kind_label)
        self.text_edit = QLineEdit()
        self.text_edit.textEdited.connect(lambda text: self._set("text", text, self.tr("Edit text")))
        form.addRow(self.tr("Text:"), self.text_edit)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setMaximumHeight(110)
        self.notes_edit.textChanged.connect(self._notes_changed)
        form.addRow(self.tr("Text:"), self.notes_edit)
        self.placeholders = QLabel(self.tr("{name} project name, {date} date, {organisation} organisation, {crs} "
                                           "coordinate system, {scale} map scale"))
        self.placeholders.setWordWrap(True)
        self.placeholders.setStyleSheet("color: #666;")
        form.addRow(self.placeholders)
        self.title_edit = QLineEdit()
        self.title_edit.textEdited.connect(lambda text: self._set("title", text, self.tr("Edit heading")))
        form.addRow(self.tr("Heading:"), self.title_edit)
        self.size_spin = QDoubleSpinBox()
        self.size_spin.setRange(3, 96)
        self.size_spin.setDecimals(1)
        self.size_spin.setSuffix(" pt")
        self.size_spin.valueChanged.connect(lambda v: self._set("size_pt", round(v, 1), self.tr("Font size")))
        form.addRow(self.tr("Font size:"), self.size_spin)
        self.bold_check = QCheckBox(self.tr("Bold"))
        self.bold_check.toggled.connect(lambda on: self._set("bold", on, self.tr("Bold")))
        form.addRow("", self.bold_check)
        self.align_combo = QComboBox()
        for value, text in (("left", self.tr("Left")), ("center", self.tr("Centre")), ("right", self.tr("Right"))):
            self.align_combo.addItem(text, value)
        self.align_combo.activated.connect(lambda _: self._set("align", self.align_combo.currentData(),
                                                               self.tr("Alignment")))
        form.addRow(self.tr("Align:"), self.align_combo)
        self.box_spins = {}
        for key, label in (("x", self.tr("Left (mm):")), ("y", self.tr("Top (mm):")), ("w", self.tr("Width (mm):")),
                           ("h", self.tr("Height (mm):"))):
            spin = QDoubleSpinBox()
            spin.setDecimals(1)
            spin.setRange(0, 1000)
            spin.setSuffix(" mm")
            spin.valueChanged.connect(lambda v, k=key: self._set_box(k, v))
            self.box_spins[key] = spin
            form.addRow(label, spin)
        self.scale_combo = QComboBox()
        self.scale_combo.setEditable(True)
        self.scale_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.scale_combo.addItem(self.tr("Fitted to the layers"), None)
        for n in SCALES:
            self.scale_combo.addItem(lay.format_scale(n), float(n))
        self.scale_combo.activated.connect(lambda _: self._scale_chosen())
        self.scale_combo.lineEdit().editingFinished.connect(self._scale_chosen)
        form.addRow(self.tr("Scale:"), self.scale_combo)
        self.centre_label = QLabel()
        self.centre_label.setWordWrap(True)
        form.addRow(self.tr("Centre:"), self.centre_label)
        centre_row = QHBoxLayout()
        self.centre_button = QPushButton(self.tr("From the map view"))
        self.centre_button.setToolTip(self.tr("The centre of the main window's map (and its scale, when the frame "
                                              "is fitted)"))
        self.centre_button.clicked.connect(self.centre_from_map)
        self.centre_button.setAutoDefault(False)
        centre_row.addWidget(self.centre_button)
        self.fit_button = QPushButton(self.tr("On the layers"))
        self.fit_button.setToolTip(self.tr("The centre of the layers' extent"))
        self.fit_button.clicked.connect(lambda: self._set("center", None, self.tr("Centre on the layers")))
        self.fit_button.setAutoDefault(False)
        centre_row.addWidget(self.fit_button)
        self.centre_row = QWidget()
        self.centre_row.setLayout(centre_row)
        centre_row.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.centre_row)
        self.symbol_spin = QDoubleSpinBox()
        self.symbol_spin.setRange(0.1, 10)
        self.symbol_spin.setDecimals(2)
        self.symbol_spin.setSingleStep(0.25)
        self.symbol_spin.setSuffix(" ×")
        self.symbol_spin.setToolTip(self.tr("Lines, symbols and labels of the map this many times their size"))
        self.symbol_spin.valueChanged.connect(lambda v: self._set("symbol_scale", round(v, 3),
                                                                  self.tr("Symbol size")))
        form.addRow(self.tr("Symbols:"), self.symbol_spin)
        self.logo_label = QLabel()
        self.logo_label.setWordWrap(True)
        form.addRow(self.tr("Image:"), self.logo_label)
        self.logo_button = QPushButton(self.tr("Choose image…"))
        self.logo_button.clicked.connect(self._ask_logo)
        self.logo_button.setAutoDefault(False)
        form.addRow("", self.logo_button)
        self.none_label = QLabel(self.tr("Click an item on the page to change it; drag it to move it, drag its "
                                         "handles to resize it. Arrow keys move it by the grid, Delete removes it."))
        self.none_label.setWordWrap(True)
        self.none_label.setStyleSheet("color: #555;")
        form.addRow(self.none_label)
        self.masked_label = QLabel()
        self.masked_label.setWordWrap(True)
        self.masked_label.setStyleSheet("color: #666;")
        form.addRow(self.masked_label)
        return panel

    # --- state ----------------------------------------------------------------------------------
    @property
    def layout(self) -> Layout | None:  # noqa: D401 - the layout shown
        if self.current is None:
            return None
        where, key = self.current
        return self.own.get(key) if where == "own" else self.templates.get(key)

    @property
    def editable(self) -> bool:
        return self.current is not None and self.current[0] == "own" and self.current[1] in self.own

    def _state(self):
        return (tuple(self.own.items()), self.current, self.canvas.selection, self.default_layout)

    def _restore(self, state) -> None:
        own, current, selection, default = state
        self.own = dict(own)
        self.default_layout = default
        self._show(current, selection=selection)

    def _push(self, own: dict[str, Layout], current, text: str, *, selection: int | None = None, merge_key=None,
              default=None) -> None:
        before = self._state()
        after = (tuple(own.items()), current, self.canvas.selection if selection is None else selection,
                 self.default_layout if default is None else default)
        if after != before:
            self.undo_stack.push(_Change(self, before, after, text, merge_key))

    def _apply(self, layout: Layout, text: str, merge_key=None, selection: int | None = None) -> None:
        """The shown layout changed to `layout` (an undoable step)."""
        if not self.editable:
            return
        own = dict(self.own)
        own[self.current[1]] = layout
        self._push(own, self.current, text, merge_key=merge_key, selection=selection)

    def _show(self, current, *, selection: int = -1) -> None:
        """Show `current` (its page, properties, the list's row) with item `selection` selected."""
        self.current = current
        self._fill_list()
        layout = self.layout
        self.canvas.editable = self.editable
        self.canvas.set_layout(layout, selection=selection)
        self._fill_page_controls()
        self._fill_properties()
        self._update_title()

    def _fill_list(self) -> None:
        self._filling = True
        try:
            self.list.clear()
            header = QListWidgetItem(self.tr("In this project"))
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self.list.addItem(header)
            for name in self.own:
                row = QListWidgetItem(name + ("  ★" if name == self.default_layout else ""))
                row.setData(ROLE_KEY, ("own", name))
                self.list.addItem(row)
            if not self.own:
                empty = QListWidgetItem(self.tr("(none yet)"))
                empty.setFlags(Qt.ItemFlag.NoItemFlags)
                self.list.addItem(empty)
            header = QListWidgetItem(self.tr("Templates"))
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            header.setFont(font)
            self.list.addItem(header)
            for template_id, layout in self.templates.items():
                row = QListWidgetItem(layout.name)
                row.setData(ROLE_KEY, ("template", template_id))
                row.setToolTip(template_id)
                self.list.addItem(row)
            for index in range(self.list.count()):
                if self.list.item(index).data(ROLE_KEY) == self.current:
                    self.list.setCurrentRow(index)
        finally:
            self._filling = False
        own = self.editable
        self.rename_button.setEnabled(own)
        self.delete_button.setEnabled(own)
        self.duplicate_button.setEnabled(self.layout is not None)
        self.default_check.blockSignals(True)
        self.default_check.setEnabled(own)
        self.default_check.setChecked(own and self.current[1] == self.default_layout)
        self.default_check.blockSignals(False)

    def _list_changed(self, item, _previous) -> None:
        if self._filling or item is None or item.data(ROLE_KEY) is None:
            return
        key = tuple(item.data(ROLE_KEY))
        if key != self.current:
            self._show(key)

    def _fill_page_controls(self) -> None:
        layout = self.layout
        for widget in (self.page_combo, self.orientation_combo):
            widget.blockSignals(True)
            widget.setEnabled(self.editable)
        if layout is not None:
            self.page_combo.setCurrentText(layout.page)
            self.orientation_combo.setCurrentIndex(self.orientation_combo.findData(layout.orientation))
        for widget in (self.page_combo, self.orientation_combo):
            widget.blockSignals(False)
        self.add_button.setEnabled(self.editable)
        self.readonly_label.setVisible(self.current is not None and self.current[0] == "template")

    def selected_item(self) -> Item | None:
        layout, index = self.layout, self.canvas.selection
        if layout is None or not 0 <= index < len(layout.items):
            return None
        return layout.items[index]

    def _fill_properties(self) -> None:
        item = self.selected_item()
        self._filling = True
        try:
            kind = item.kind if item is not None else None
            rows = {
                self.text_edit: kind in lay.TEXT_KINDS and kind != lay.TEXT,
                self.notes_edit: kind == lay.TEXT,
                self.placeholders: kind in lay.TEXT_KINDS,
                self.title_edit: kind in (lay.LEGEND, lay.TOTALS),
                self.size_spin: kind in (*lay.TEXT_KINDS, lay.LEGEND, lay.TOTALS),
                self.bold_check: kind in lay.TEXT_KINDS,
                self.align_combo: kind in lay.TEXT_KINDS,
                self.scale_combo: kind == lay.MAP,
                self.centre_label: kind == lay.MAP,
                self.centre_row: kind == lay.MAP,
                self.symbol_spin: kind == lay.MAP,
                self.logo_label: kind == lay.LOGO,
                self.logo_button: kind == lay.LOGO,
                self.none_label: item is None,
                **{spin: item is not None for spin in self.box_spins.values()},
            }
            for widget, shown in rows.items():
                self.form.setRowVisible(widget, shown)
            self.kind_label.setVisible(item is not None)
            self.remove_button.setEnabled(item is not None and self.editable)
            self.properties.setEnabled(True)
            for widget in (self.text_edit, self.notes_edit, self.title_edit, self.size_spin, self.bold_check,
                           self.align_combo, self.scale_combo, self.centre_button, self.fit_button, self.symbol_spin,
                           self.logo_button, *self.box_spins.values()):
                widget.setEnabled(self.editable)
            masked = getattr(self.page, "masked", None)
            self.masked_label.setText(self.tr("Masked on the page (personal data): %1").replace(
                "%1", "、".join(masked)) if masked else "")
            self.masked_label.setVisible(bool(masked))
            if item is None:
                return
            self.kind_label.setText(kind_label(kind))
            if kind in lay.TEXT_KINDS:
                if kind == lay.TEXT:
                    if self.notes_edit.toPlainText() != item.template():
                        self.notes_edit.setPlainText(item.template())
                elif self.text_edit.text() != item.template():
                    self.text_edit.setText(item.template())
                self.bold_check.setChecked(item.bold)
                self.align_combo.setCurrentIndex(self.align_combo.findData(item.align))
            if kind in (lay.LEGEND, lay.TOTALS):
                default = translate("layout_designer", "Legend") if kind == lay.LEGEND \
                    else translate("layout_designer", "Conflict totals")
                self.title_edit.setPlaceholderText(default)
                if self.title_edit.text() != (item.title or ""):
                    self.title_edit.setText(item.title or "")
            self.size_spin.setValue(item.font_pt())
            page_w, page_h = self.layout.size_mm
            for key, limit in (("x", page_w), ("y", page_h), ("w", page_w), ("h", page_h)):
                spin = self.box_spins[key]
                spin.setRange(lay.MIN_ITEM_MM if key in "wh" else 0.0, limit)
                spin.setValue(getattr(item, key))
            if kind == lay.MAP:
                if item.scale is None:
                    self.scale_combo.setCurrentIndex(0)
                else:
                    at = self.scale_combo.findData(float(item.scale))
                    if at >= 0:
                        self.scale_combo.setCurrentIndex(at)
                    else:
                        self.scale_combo.setEditText(lay.format_scale(item.scale))
                self.centre_label.setText(self.tr("the layers' centre") if item.center is None
                                          else f"{item.center[0]:.1f}, {item.center[1]:.1f}")
                self.centre_button.setEnabled(self.editable and self.map_view is not None)
                self.symbol_spin.setValue(item.symbol_scale)
            if kind == lay.LOGO:
                if not item.path:
                    self.logo_label.setText(self.tr("none"))
                elif item.path.startswith(lay.PROJECT_IMAGE):
                    self.logo_label.setText(self.tr("kept in the project"))
                else:
                    self.logo_label.setText(item.path)
        finally:
            self._filling = False

    def _update_title(self, *_) -> None:
        name = self.layout.name if self.layout is not None else ""
        where = self.tr(" (template)") if self.current and self.current[0] == "template" else ""
        dirty = self.dirty
        self.setWindowTitle(self.tr("Page layouts") + (f" — {name}{where}" if name else "") + (" *" if dirty else ""))
        self.save_button.setEnabled(dirty)

    @property
    def dirty(self) -> bool:
        """Whether the layouts differ from the project's."""
        return ({name: layout.to_json() for name, layout in self.own.items()} != self.stored
                or self.default_layout != self.project.setting("default_layout"))

    # --- edits of the shown layout --------------------------------------------------------------
    def _set(self, key: str, value, text: str) -> None:
        """Set field `key` of the selected item (typing into one field merges into one undo step)."""
        item = self.selected_item()
        if self._filling or item is None or not self.editable or getattr(item, key) == value:
            return
        if key == "title" and value == "":
            value = None  # the default heading
        changed = replace(item, **{key: value})
        index = self.canvas.selection
        self._apply(lay.with_item(self.layout, index, changed), text, merge_key=(self.current, index, key))

    def _notes_changed(self) -> None:
        if not self._filling:
            self._set("text", self.notes_edit.toPlainText(), self.tr("Edit text"))

    def _set_box(self, key: str, value: float) -> None:
        item = self.selected_item()
        if self._filling or item is None or not self.editable:
            return
        page_w, page_h = self.layout.size_mm
        x, y, w, h = item.x, item.y, item.w, item.h
        value = round(value, 2)
        if key == "x":
            x = min(value, page_w - w)
        elif key == "y":
            y = min(value, page_h - h)
        elif key == "w":
            w = max(lay.MIN_ITEM_MM, min(value, page_w - x))
        else:
            h = max(lay.MIN_ITEM_MM, min(value, page_h - y))
        changed = replace(item, x=round(x, 2), y=round(y, 2), w=round(w, 2), h=round(h, 2))
        if changed != item:
            index = self.canvas.selection
            self._apply(lay.with_item(self.layout, index, changed), self.tr("Position and size"),
                        merge_key=(self.current, index, key))

    def _scale_chosen(self) -> None:
        if self._filling:
            return
        text = self.scale_combo.currentText().strip()
        at = self.scale_combo.findText(text)
        if at >= 0:
            self.set_map_scale(self.scale_combo.itemData(at))
            return
        digits = re.sub(r"[^\d]", "", text.split(":")[-1])
        if digits:
            self.set_map_scale(float(digits))
        else:
            self._fill_properties()

    def set_map_scale(self, scale: float | None) -> None:
        """The map frame at 1:`scale` (None: fitted to the layers)."""
        if scale is not None and not 10 <= scale <= 10_000_000:
            self._fill_properties()
            return
        self._set("scale", scale, self.tr("Map scale"))

    def centre_from_map(self) -> None:
        """The map frame centred where the main window's map is; a fitted frame takes the map's scale
        (rounded up to a round one) too."""
        item = self.selected_item()
        if item is None or item.kind != lay.MAP or self.map_view is None or not self.editable:
            return
        view = self.map_view() if callable(self.map_view) else self.map_view
        changed = replace(item, center=(round(view.cx, 2), round(view.cy, 2)))
        if item.scale is None:
            changed = replace(changed, scale=lay.nice_scale(view.scale_denominator()))
        self._apply(lay.with_item(self.layout, self.canvas.selection, changed), self.tr("Centre from the map"))

    def _ask_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Logo image"), str(Path(self.project.path).parent),
                                              self.tr("Images (*.png *.jpg *.jpeg *.svg *.bmp)"))
        if path:
            self.set_logo(path)

    def set_logo(self, path) -> bool:
        """The selected logo shows the image file `path`, kept in the project when saved."""
        item = self.selected_item()
        if item is None or item.kind != lay.LOGO or not self.editable:
            return False
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            self._tell(self.tr("Cannot read %1: %2").replace("%1", str(path)).replace("%2", str(error)))
            return False
        if len(data) > MAX_LOGO_BYTES or QImage.fromData(data).isNull():
            self._tell(self.tr("%1 is not an image of at most 4 MB").replace("%1", str(path)))
            return False
        name, _, _ = lay.image_setting(data)
        self.images[name] = data
        self.page.images[name] = data
        self._set("path", lay.PROJECT_IMAGE + name, self.tr("Logo image"))
        return True

    def _tell(self, text: str) -> None:
        if self.headless:
            self.last_message = text
        else:
            QMessageBox.warning(self, self.tr("Page layouts"), text)

    def _set_page(self) -> None:
        layout = self.layout
        if layout is None or not self.editable:
            return
        page, orientation = self.page_combo.currentText(), self.orientation_combo.currentData()
        if (page, orientation) != (layout.page, layout.orientation):
            self._apply(layout.resized(page, orientation), self.tr("Page size"))

    def set_page(self, page: str, orientation: str) -> None:
        self.page_combo.setCurrentText(page)
        self.orientation_combo.setCurrentIndex(self.orientation_combo.findData(orientation))
        self._set_page()

    def _set_grid(self, value: float) -> None:
        self.canvas.grid = round(value, 2)

    def add_item(self, kind: str) -> None:
        layout = self.layout
        if layout is None or not self.editable:
            return
        item = lay.new_item(layout, kind)
        self._apply(replace(layout, items=(*layout.items, item)), self.tr("Add %1").replace("%1", kind_label(kind)),
                    selection=len(layout.items))

    def remove_item(self) -> None:
        item = self.selected_item()
        if item is None or not self.editable:
            return
        self._apply(lay.without_item(self.layout, self.canvas.selection),
                    self.tr("Delete %1").replace("%1", kind_label(item.kind)), selection=-1)

    # --- the list of layouts --------------------------------------------------------------------
    def _unique(self, name: str) -> str:
        taken = set(self.own)
        if name not in taken:
            return name
        number = 2
        while f"{name} {number}" in taken:
            number += 1
        return f"{name} {number}"

    def _check_name(self, name: str, *, keep: str | None = None) -> str | None:
        name = name.strip()
        if not name:
            return None
        if name in self.own and name != keep:
            self._tell(self.tr("The project already has a layout called %1").replace("%1", name))
            return None
        return name

    def new_from_template(self, template_id: str, name: str | None = None) -> str | None:
        """A project layout made from the template `template_id`, shown; its name."""
        template = self.templates[template_id]
        name = self._check_name(name or self._unique(template.name))
        if name is None:
            return None
        own = dict(self.own)
        own[name] = replace(template, name=name, template="")  # a project's own (as it reads back)
        self._push(own, ("own", name), self.tr("New layout %1").replace("%1", name), selection=-1)
        return name

    def duplicate(self, name: str | None = None) -> str | None:
        layout = self.layout
        if layout is None:
            return None
        name = self._check_name(name or self._unique(layout.name))
        if name is None:
            return None
        own = dict(self.own)
        own[name] = replace(layout, name=name)
        self._push(own, ("own", name), self.tr("Duplicate as %1").replace("%1", name), selection=-1)
        return name

    def rename(self, name: str) -> bool:
        if not self.editable:
            return False
        old = self.current[1]
        name = self._check_name(name, keep=old)
        if name is None or name == old:
            return False
        own = {(name if key == old else key): (replace(value, name=name) if key == old else value)
               for key, value in self.own.items()}
        default = name if self.default_layout == old else self.default_layout
        self._push(own, ("own", name), self.tr("Rename to %1").replace("%1", name), default=default)
        return True

    def delete(self) -> bool:
        if not self.editable:
            return False
        old = self.current[1]
        own = {key: value for key, value in self.own.items() if key != old}
        shown = ("own", next(iter(own))) if own else ("template", next(iter(self.templates)))
        default = "" if self.default_layout == old else self.default_layout
        self._push(own, shown, self.tr("Delete layout %1").replace("%1", old), selection=-1, default=default)
        return True

    def _set_default(self, on: bool) -> None:
        if self._filling or not self.editable:
            return
        name = self.current[1]
        default = name if on else ""
        self._push(dict(self.own), self.current, self.tr("Default page"), default=default)

    def _ask_new(self) -> None:
        names = [layout.name for layout in self.templates.values()]
        ids = list(self.templates)
        start = ids.index(self.current[1]) if self.current and self.current[0] == "template" else 0
        chosen, ok = QInputDialog.getItem(self, self.tr("New from template"), self.tr("Template:"), names, start, False)
        if not ok:
            return
        template_id = ids[names.index(chosen)]
        name, ok = QInputDialog.getText(self, self.tr("New from template"), self.tr("Name of the new layout:"),
                                        text=self._unique(self.templates[template_id].name))
        if ok:
            self.new_from_template(template_id, name)

    def _ask_duplicate(self) -> None:
        if self.layout is None:
            return
        name, ok = QInputDialog.getText(self, self.tr("Duplicate"), self.tr("Name of the copy:"),
                                        text=self._unique(self.layout.name))
        if ok:
            self.duplicate(name)

    def _ask_rename(self) -> None:
        if not self.editable:
            return
        name, ok = QInputDialog.getText(self, self.tr("Rename"), self.tr("New name:"), text=self.current[1])
        if ok:
            self.rename(name)

    def _ask_delete(self) -> None:
        if not self.editable:
            return
        answer = QMessageBox.question(self, self.tr("Delete layout"),
                                      self.tr("Delete the layout %1? (Undo brings it back until the designer is "
                                              "closed.)").replace("%1", self.current[1]))
        if answer == QMessageBox.StandardButton.Yes:
            self.delete()

    def reload_page(self) -> None:
        """Read the page's layers, styles and base maps from the project again (kept logos stay)."""
        images = {**self.page.images, **self.images}
        self.page = read_page_data(self.project)
        self.page.images.update(images)
        self.canvas.page = self.page
        self.canvas.render_now()
        self._fill_properties()

    # --- saving ---------------------------------------------------------------------------------
    def save(self) -> bool:
        """Write the changed and removed layouts, the default page and new logos into the project, in one
        transaction."""
        texts = {name: layout.to_json() for name, layout in self.own.items()}
        changed = {name: text for name, text in texts.items() if self.stored.get(name) != text}
        removed = [name for name in self.stored if name not in texts]
        used = {item.path[len(lay.PROJECT_IMAGE):] for layout in self.own.values() for item in layout.items
                if item.kind == lay.LOGO and item.path and item.path.startswith(lay.PROJECT_IMAGE)}
        settings = {}
        for name in used & set(self.images):
            _, key, value = lay.image_setting(self.images[name])
            settings[key] = value
        if self.default_layout != self.project.setting("default_layout"):
            settings["default_layout"] = self.default_layout
        try:
            self.project.save_layouts(changed, remove=removed, settings=settings)
        except GisdeskError as error:
            self._tell(str(error))
            return False
        self.stored = texts
        for name in used & set(self.images):
            del self.images[name]
        self.undo_stack.setClean()
        self._update_title()
        self.saved.emit()
        return True

    def closeEvent(self, event) -> None:
        if self.dirty and not self.headless:
            answer = QMessageBox.question(
                self, self.tr("Page layouts"), self.tr("Save the changed layouts into the project?"),
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
            if answer == QMessageBox.StandardButton.Cancel or (answer == QMessageBox.StandardButton.Save
                                                               and not self.save()):
                event.ignore()
                return
        super().closeEvent(event)


def open_designer(window) -> LayoutDesigner | None:
    """File › 页面布局…: the designer over the open project (one at a time)."""
    document = getattr(window, "document", None)
    if document is None:
        return None
    existing = getattr(window, "layout_designer", None)
    if existing is not None and existing.isVisible() and Path(existing.project.path) == Path(document.project.path):
        existing.raise_()
        existing.activateWindow()
        return existing
    window.statusBar().showMessage(QCoreApplication.translate("layout_designer", "Reading the layers for the page…"))
    try:
        designer = LayoutDesigner(window, document.project, map_view=lambda: window.canvas.view,
                                  headless=window.headless)
    except GisdeskError as error:  # a layout kept in the project that is not one (its JSON edited by hand)
        window.statusBar().showMessage(str(error), 15000)
        if not window.headless:
            QMessageBox.warning(window, QCoreApplication.translate("layout_designer", "Page layouts"), str(error))
        return None
    except BaseException:
        window.statusBar().clearMessage()
        raise
    window.statusBar().clearMessage()
    designer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.layout_designer = designer
    designer.destroyed.connect(lambda *_: setattr(window, "layout_designer", None))

    def project_changed(document) -> None:  # another project (or none): the designer was of the last one
        if document is None or Path(document.project.path) != Path(designer.project.path):
            designer.close()
    window.documentChanged.connect(project_changed)
    designer.destroyed.connect(lambda *_: window.documentChanged.disconnect(project_changed))
    designer.show()
    return designer


def install(window) -> None:
    action = QAction(QCoreApplication.translate("layout_designer", "Page &layouts…"), window)
    action.setStatusTip(QCoreApplication.translate("layout_designer", "Design the printed pages of the project"))
    action.triggered.connect(lambda: open_designer(window))
    action.setEnabled(window.document is not None)
    window.documentChanged.connect(lambda *_: action.setEnabled(window.document is not None))
    window.menus["file"].insertAction(window.action_quit, action)
    window.action_layouts = action
