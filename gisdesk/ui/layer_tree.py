"""The layer tree: a dock listing the open project's layers by group, top of the drawing order first.

The MapDocument and its Layers are the source of truth. `LayerTreeModel` is a view of them:
it listens to the document's "layers" event and to each layer's events and updates its rows;
edits made in the view (checkboxes, drag and drop, the context menu, the opacity slider,
the style dialog) are written to the Layer or the Document, whose events then update the model.

Groups (control lines, ledger, resources, base data) come from `LayerKind.group`; a group is
shown only when it has layers. Groups are ordered by their topmost layer and the layers of a
group top-first, so the top of the tree is what is drawn last. Moving a whole group makes the
drawing order follow the group order, each group one contiguous block. The base maps (image
files, the document's `basemaps`) are the group 底图 at the bottom, always drawn under the
others: their rows show the date, a warning when the file is missing, and offer to relocate it.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import (QAbstractItemModel, QCoreApplication, QItemSelectionModel, QMimeData, QModelIndex,
                            QPoint, QRectF, QSize, Qt, Signal)
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QColorDialog, QComboBox, QDialog, QDialogButtonBox,
                               QDockWidget, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QMenu, QPushButton, QSlider, QSpinBox, QStyle, QTableWidget, QTableWidgetItem,
                               QToolButton, QTreeView, QVBoxLayout, QWidget)

from gisdesk.crs import crs_label
from gisdesk.i18n import bilingual
from gisdesk.io.basemaps import off_the_layers, off_the_layers_note, open_basemap
from gisdesk.io.import_report import skip_reason
from gisdesk.layers.document import MapDocument
from gisdesk.layers.layer import Layer
from gisdesk.layers.names import field_header, geometry_summary
from gisdesk.layers.raster import RasterLayer
from gisdesk.render.style import style_size

MIME_TYPE = "application/x-gisdesk-layer-tree"
BASEMAPS = "basemaps"  # the group of the base maps (document.basemaps), always the bottom one
GROUP_KEYS = ("control", "ledger", "resources", "base", BASEMAPS)
LAYER_EVENTS = ("visible", "style", "title", "data")
BASEMAP_FILTER_EXTENSIONS = "*.tif *.tiff *.mbtiles"


def group_of(layer) -> str:
    """The tree group of a layer: its kind's, or the base maps'."""
    return BASEMAPS if isinstance(layer, RasterLayer) else layer.info.group


def group_title(key: str) -> str:
    titles = {
        "control": QCoreApplication.translate("LayerTree", "Control lines"),
        "ledger": QCoreApplication.translate("LayerTree", "Ledger"),
        "resources": QCoreApplication.translate("LayerTree", "Resources"),
        "base": QCoreApplication.translate("LayerTree", "Base data"),
        BASEMAPS: QCoreApplication.translate("LayerTree", "Base maps"),
    }
    return titles.get(key, key)


class _Group:
    """A group row. One object per key for the model's life, so index pointers never dangle."""

    def __init__(self, key: str):
        self.key = key
        self.layers: list[Layer] = []  # top first


class _Root:
    """The parent pointer of top-level (group) indexes."""


class _Hooks:
    """Callbacks a widget put on core events; all taken off together, at the latest when the
    widget's QObject is destroyed (a layer outliving its tree must not call into a deleted widget)."""

    def __init__(self, owner):
        self._hooks: list[tuple] = []
        hooks = self._hooks
        owner.destroyed.connect(lambda *_: _Hooks._drop(hooks))

    def connect(self, event, callback) -> None:
        event.connect(callback)
        self._hooks.append((event, callback))

    def clear(self) -> None:
        _Hooks._drop(self._hooks)

    @staticmethod
    def _drop(hooks: list) -> None:
        for event, callback in hooks:
            event.disconnect(callback)
        hooks.clear()


# --- the model ---------------------------------------------------------------------------


class LayerTreeModel(QAbstractItemModel):
    """Groups and layers of a MapDocument, top of the drawing order first."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.document: MapDocument | None = None
        self._root = _Root()
        self._all_groups = {key: _Group(key) for key in GROUP_KEYS}
        self._groups: list[_Group] = []
        self._hooks = _Hooks(self)
        self._icons: dict[int, tuple[str, QIcon]] = {}  # id(layer) -> (style it shows, icon)
        self._batch = 0  # > 0 while a block move runs several document moves

    # --- following the document ------------------------------------------------------

    def set_document(self, document: MapDocument | None) -> None:
        self.beginResetModel()
        self._hooks.clear()
        self._icons.clear()
        self.document = document
        self._apply(self._compute())
        if document is not None:
            self._hooks.connect(document.events["layers"], self._on_layers)
            self._hooks.connect(document.events["basemaps"], self._on_layers)
            for layer in document.layers + document.basemaps:
                for name in LAYER_EVENTS:
                    self._hooks.connect(layer.events[name], getattr(self, f"_on_layer_{name}"))
        self.endResetModel()

    def _compute(self) -> list[tuple[str, list[Layer]]]:
        """The groups that have layers, ordered by their topmost layer; layers top first."""
        if self.document is None:
            return []
        groups: dict[str, list[Layer]] = {}
        for layer in reversed(self.document.layers):
            groups.setdefault(layer.info.group, []).append(layer)
        if self.document.basemaps:  # under everything, so the bottom group
            groups[BASEMAPS] = list(reversed(self.document.basemaps))
        return list(groups.items())

    def _apply(self, structure: list[tuple[str, list[Layer]]]) -> None:
        for group in self._all_groups.values():
            group.layers = []
        self._groups = []
        for key, layers in structure:
            group = self._all_groups.setdefault(key, _Group(key))
            group.layers = layers
            self._groups.append(group)

    def _on_layers(self, *_) -> None:
        """The document's layers moved (or came or went): follow, keeping selection and expansion."""
        if self._batch:
            return
        structure = self._compute()
        if ({key: set(map(id, layers)) for key, layers in structure}
                != {g.key: set(map(id, g.layers)) for g in self._groups}):
            self.set_document(self.document)  # layers came or went: start afresh
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        identities = [self._identity(index) for index in persistent]
        self._apply(structure)
        self.changePersistentIndexList(persistent, [self._index_of_identity(i) for i in identities])
        self.layoutChanged.emit()

    def _identity(self, index: QModelIndex):
        if not index.isValid():
            return None
        layer = self.layer_at(index)
        return ("layer", layer, index.column()) if layer is not None else ("group", self.group_at(index),
                                                                              index.column())

    def _index_of_identity(self, identity) -> QModelIndex:
        if identity is None:
            return QModelIndex()
        what, item, column = identity
        index = self.index_of_layer(item) if what == "layer" else self.index_of_group(item)
        return index.siblingAtColumn(column) if index.isValid() else index

    def _on_layer_visible(self, layer: Layer) -> None:
        index = self.index_of_layer(layer)
        if index.isValid():
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
            parent = index.parent()
            self.dataChanged.emit(parent, parent, [Qt.ItemDataRole.CheckStateRole])

    def _on_layer_style(self, layer: Layer) -> None:
        self._layer_changed(layer, Qt.ItemDataRole.DecorationRole)
        if isinstance(layer, RasterLayer):  # a base map's style holds its date, which its row shows
            self._layer_changed(layer, Qt.ItemDataRole.DisplayRole)

    def _on_layer_title(self, layer: Layer) -> None:
        self._layer_changed(layer, Qt.ItemDataRole.DisplayRole)

    def _on_layer_data(self, layer: Layer) -> None:
        self._layer_changed(layer, Qt.ItemDataRole.ToolTipRole)

    def _layer_changed(self, layer: Layer, role) -> None:
        index = self.index_of_layer(layer)
        if index.isValid():
            self.dataChanged.emit(index, index, [role])

    # --- finding rows ----------------------------------------------------------------

    def layer_at(self, index: QModelIndex) -> Layer | None:
        if not index.isValid() or not isinstance(index.internalPointer(), _Group):
            return None
        group = index.internalPointer()
        return group.layers[index.row()] if index.row() < len(group.layers) else None

    def group_at(self, index: QModelIndex) -> str | None:
        """The group key of a group row (None for layer rows)."""
        if not index.isValid() or not isinstance(index.internalPointer(), _Root):
            return None
        return self._groups[index.row()].key if index.row() < len(self._groups) else None

    def group_keys(self) -> list[str]:
        return [g.key for g in self._groups]

    def layers_of(self, key: str) -> list[Layer]:
        """The layers of a group, top first."""
        return list(self._all_groups[key].layers) if key in self._all_groups else []

    def index_of_group(self, key: str) -> QModelIndex:
        for row, group in enumerate(self._groups):
            if group.key == key:
                return self.createIndex(row, 0, self._root)
        return QModelIndex()

    def index_of_layer(self, layer: Layer) -> QModelIndex:
        group = self._all_groups.get(group_of(layer))
        if group is None or group not in self._groups:
            return QModelIndex()
        for row, item in enumerate(group.layers):
            if item is layer:
                return self.createIndex(row, 0, group)
        return QModelIndex()

    # --- QAbstractItemModel ----------------------------------------------------------

    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, 0, self._root) if row < len(self._groups) else QModelIndex()
        if isinstance(parent.internalPointer(), _Root) and parent.row() < len(self._groups):
            group = self._groups[parent.row()]
            return self.createIndex(row, 0, group) if row < len(group.layers) else QModelIndex()
        return QModelIndex()

    def parent(self, index: QModelIndex = QModelIndex()) -> QModelIndex:
        if not index.isValid():
            return QModelIndex()
        pointer = index.internalPointer()
        if isinstance(pointer, _Group) and pointer in self._groups:
            return self.createIndex(self._groups.index(pointer), 0, self._root)
        return QModelIndex()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._groups)
        if parent.column() == 0 and isinstance(parent.internalPointer(), _Root) and parent.row() < len(self._groups):
            return len(self._groups[parent.row()].layers)
        return 0

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 1

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        layer = self.layer_at(index)
        if layer is not None:
            return self._layer_data(layer, role)
        key = self.group_at(index)
        if key is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return group_title(key)
        if role == Qt.ItemDataRole.CheckStateRole:
            visible = [layer.visible for layer in self._all_groups[key].layers]
            if all(visible):
                return Qt.CheckState.Checked
            return Qt.CheckState.PartiallyChecked if any(visible) else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.DecorationRole:
            return QCoreApplication.instance().style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tr("%1: %2 layers").replace("%1", group_title(key)).replace(
                "%2", str(len(self._all_groups[key].layers)))
        return None

    def _layer_data(self, layer: Layer, role):
        if isinstance(layer, RasterLayer):
            return self._basemap_data(layer, role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return layer.title
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole:
            key = json.dumps(layer.style, sort_keys=True, ensure_ascii=False, default=str)
            cached = self._icons.get(id(layer))
            if cached is None or cached[0] != key:
                cached = self._icons[id(layer)] = (key, style_icon(layer))
            return cached[1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tr("%1 — %2 features").replace("%1", layer.title).replace("%2", f"{len(layer.frame):,}")
        return None

    def _basemap_data(self, layer: RasterLayer, role):
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return layer.label  # 航拍 2010 · 2010
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole:
            return basemap_icon(layer.problem is not None)
        if role == Qt.ItemDataRole.ToolTipRole:
            problem = layer.problem
            if problem:
                return problem
            date = layer.date or self.tr("no date")
            return self.tr("%1 — %2 — %3").replace("%1", layer.title).replace("%2", date).replace("%3", str(layer.path))
        if role == Qt.ItemDataRole.ForegroundRole and layer.problem is not None:
            return QColor("#a05a00")
        return None

    def setData(self, index: QModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        checked = _check_state(value) != Qt.CheckState.Unchecked
        layer = self.layer_at(index)
        if layer is not None:
            layer.visible = checked  # the layer's event updates the rows
            return True
        key = self.group_at(index)
        if key is None:
            return False
        for layer in self._all_groups[key].layers:
            layer.visible = checked
        return True

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable
                 | Qt.ItemFlag.ItemIsDragEnabled)
        if self.group_at(index) is not None:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        else:
            flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags

    # --- drag and drop ---------------------------------------------------------------

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes) -> QMimeData:
        mime = QMimeData()
        for index in indexes:
            layer = self.layer_at(index)
            if isinstance(layer, RasterLayer) and self.document is not None:
                payload = {"basemap": self.document.basemaps.index(layer)}
            elif layer is not None and self.document is not None:
                payload = {"layer": self.document.layers.index(layer)}
            elif self.group_at(index) is not None:
                payload = {"group": self.group_at(index)}
            else:
                continue
            payload["document"] = id(self.document)  # rows of another window's tree are refused
            mime.setData(MIME_TYPE, json.dumps(payload).encode())
            break
        return mime

    def _payload(self, mime: QMimeData):
        if mime is None or not mime.hasFormat(MIME_TYPE) or self.document is None:
            return None
        try:
            payload = json.loads(bytes(mime.data(MIME_TYPE)).decode())
        except ValueError:
            return None
        if not isinstance(payload, dict) or payload.get("document") != id(self.document):
            return None
        if "layer" in payload:
            position = payload["layer"]
            if isinstance(position, int) and 0 <= position < len(self.document.layers):
                return "layer", self.document.layers[position]
        elif "basemap" in payload:
            position = payload["basemap"]
            if isinstance(position, int) and 0 <= position < len(self.document.basemaps):
                return "layer", self.document.basemaps[position]
        elif payload.get("group") in self.group_keys():
            return "group", payload["group"]
        return None

    def _drop_target(self, mime: QMimeData, row: int, parent: QModelIndex):
        """What a drop would do: ("layer", layer, row in its group) or ("group", key, group row); None if refused."""
        payload = self._payload(mime)
        if payload is None:
            return None
        what, item = payload
        if what == "layer":
            group_index = self.index_of_group(group_of(item))
            if parent.isValid() and self.layer_at(parent) is not None:  # onto a layer: above it
                if parent.parent() != group_index:
                    return None
                return "layer", item, parent.row()
            if parent != group_index:
                return None  # layers stay in the group of their kind
            return "layer", item, row if row >= 0 else 0
        # a group moves among the groups: between them, or onto one to take its place (the base
        # maps stay at the bottom: their group does not move, nor does another go below it)
        if item == BASEMAPS:
            return None
        movable = len(self._movable_keys())
        if not parent.isValid():
            return "group", item, min(row if row >= 0 else movable, movable)
        target = parent if self.group_at(parent) is not None else parent.parent()
        if self.group_at(target) is None or self.group_at(target) == BASEMAPS:
            return None
        current = self.group_keys().index(item)
        return "group", item, target.row() + (1 if target.row() > current else 0)

    def canDropMimeData(self, mime, action, row, column, parent) -> bool:
        return action == Qt.DropAction.MoveAction and self._drop_target(mime, row, parent) is not None

    def dropMimeData(self, mime, action, row, column, parent) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        if action != Qt.DropAction.MoveAction:
            return False
        target = self._drop_target(mime, row, parent)
        if target is None:
            return False
        what, item, position = target
        if what == "layer":
            self.place_layer(item, position)
        else:
            self.place_group(item, position)
        return True  # the rows moved through the document's event; removeRows stays a no-op

    # --- moving (writes the document) -----------------------------------------------

    def place_layer(self, layer: Layer, row: int) -> None:
        """Put `layer` at tree row `row` of its group (rows counted before it moves), i.e. just above
        the group's layer now at `row` (just below the last one when `row` is past the end)."""
        if self.document is None:
            return
        basemap = isinstance(layer, RasterLayer)
        drawn = self.document.basemaps if basemap else self.document.layers
        siblings = self.layers_of(group_of(layer))
        below = [x for x in siblings[max(row, 0):] if x is not layer]
        rest = [x for x in drawn if x is not layer]
        if below:
            index = rest.index(below[0]) + 1
        else:
            above = [x for x in siblings if x is not layer]
            if not above:
                return
            index = rest.index(above[-1])
        if drawn.index(layer) != index:
            (self.document.move_basemap if basemap else self.document.move_layer)(layer, index)

    def move_layer_by(self, layer: Layer, step: int) -> None:
        """Move a layer up (step -1, drawn later) or down (+1) among the layers of its group."""
        siblings = self.layers_of(group_of(layer))
        row = siblings.index(layer)
        target = row + step
        if 0 <= target < len(siblings):
            self.place_layer(layer, target if step < 0 else target + 1)

    def place_group(self, key: str, row: int) -> None:
        """Put group `key` at group row `row` (counted before it moves); the drawing order becomes
        the group order, bottom group first, each group one block in its current inner order."""
        if self.document is None or key not in self._movable_keys():
            return
        keys = self._movable_keys()
        current = keys.index(key)
        row = max(0, min(row, len(keys)))
        keys.insert(row, key)
        del keys[current + 1 if row <= current else current]
        bottom_first = [layer for k in reversed(keys) for layer in reversed(self.layers_of(k))]
        if bottom_first == self.document.layers:
            return
        self._batch += 1
        try:
            for position, layer in enumerate(bottom_first):
                if self.document.layers[position] is not layer:
                    self.document.move_layer(layer, position)
        finally:
            self._batch -= 1
        self._on_layers()

    def _movable_keys(self) -> list[str]:
        """The groups that move (all but the base maps, which stay at the bottom)."""
        return [key for key in self.group_keys() if key != BASEMAPS]

    def move_group_by(self, key: str, step: int) -> None:
        keys = self._movable_keys()
        if key not in keys:
            return
        row = keys.index(key)
        target = row + step
        if 0 <= target < len(keys):
            self.place_group(key, target if step < 0 else target + 1)


def _check_state(value) -> Qt.CheckState:
    if isinstance(value, Qt.CheckState):
        return value
    return Qt.CheckState(int(value))


# --- icons ---------------------------------------------------------------------------------


def style_icon(layer: Layer, size: int = 16) -> QIcon:
    """A swatch of the layer's style: its fill and outline, or stripes of its category colours."""
    style = layer.style
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    rect = QRectF(1.5, 1.5, size - 3, size - 3)
    alpha = float(style.get("fill_alpha", 1.0))
    colors = list(style.get("categories", {}).values()) if style.get("category_field") else []
    if colors:
        colors = colors[:4] if len(colors) <= 4 else [colors[i * len(colors) // 4] for i in range(4)]
        width = rect.width() / len(colors)
        for i, color in enumerate(colors):
            painter.fillRect(QRectF(rect.left() + i * width, rect.top(), width + 0.5, rect.height()), QColor(color))
    else:
        fill = QColor(style.get("fill", "#888888"))
        fill.setAlphaF(max(alpha, 0.25))
        painter.fillRect(rect, fill)
    stroke = style.get("stroke") or (colors[0] if colors else style.get("fill", "#888888"))
    pen = QPen(QColor(stroke), 1.2)
    if style.get("dash"):
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)
    painter.end()
    return QIcon(pixmap)


def basemap_icon(missing: bool = False, size: int = 16) -> QIcon:
    """A little picture of an aerial image (a field, a road, a roof); a warning sign when its file is missing."""
    if missing:
        return QCoreApplication.instance().style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    rect = QRectF(1.5, 1.5, size - 3, size - 3)
    painter.fillRect(rect, QColor("#7a9a5b"))
    painter.fillRect(QRectF(rect.left(), rect.top(), rect.width() * 0.55, rect.height() * 0.5), QColor("#b8a878"))
    painter.fillRect(QRectF(rect.left() + rect.width() * 0.62, rect.top() + rect.height() * 0.2, rect.width() * 0.28,
                            rect.height() * 0.28), QColor("#c0504d"))
    painter.setPen(QPen(QColor("#e8e4da"), 2.0))
    painter.drawLine(int(rect.left()), int(rect.bottom() - 4), int(rect.right()), int(rect.top() + 8))
    painter.setPen(QPen(QColor("#505050"), 1.0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)
    painter.end()
    return QIcon(pixmap)


# --- the panel -----------------------------------------------------------------------------


class LayerTreeView(QTreeView):
    """The tree, rows dragged within itself (the model refuses anything else)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        # DragDrop rather than InternalMove: the model's mime type and canDropMimeData already keep
        # drops internal, and a drop event that did not start in a QDrag (tests, accessibility) still works
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setUniformRowHeights(True)
        self.setAnimated(True)
        self.setIconSize(QSize(16, 16))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)


class LayerTreePanel(QWidget):
    """The layer tree with its context menu and the opacity slider of the current layer."""

    zoomRequested = Signal(object)  # a layer extent (xmin, ymin, xmax, ymax)

    def __init__(self, parent=None, canvas=None):
        super().__init__(parent)
        self.canvas = canvas
        self.model = LayerTreeModel(self)
        self.view = LayerTreeView(self)
        self.view.setModel(self.model)
        self._opacity_layer: Layer | None = None
        self._opacity_hooks = _Hooks(self)
        self.ask_dates = True  # an added base map with no date in its file asks for one

        self.opacity_label = QLabel(self.tr("Opacity"))
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setPageStep(10)
        self.opacity_slider.setToolTip(self.tr("Opacity of the selected layer"))
        self.opacity_value = QLabel()
        self.opacity_value.setMinimumWidth(40)
        self.opacity_value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row = QHBoxLayout()
        row.setContentsMargins(6, 2, 6, 6)
        row.addWidget(self.opacity_label)
        row.addWidget(self.opacity_slider, 1)
        row.addWidget(self.opacity_value)
        self.add_basemap_button = QToolButton()  # the window's Add base map action (install)
        self.add_basemap_button.setAutoRaise(True)
        row.addWidget(self.add_basemap_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        # base maps whose files are missing: said above the tree (their rows are marked too)
        self.missing_label = QLabel()
        self.missing_label.setWordWrap(True)
        self.missing_label.setStyleSheet("QLabel { color: #8a4b00; background: #fff4e0; padding: 4px; }")
        self.missing_label.setTextFormat(Qt.TextFormat.RichText)
        self.missing_label.linkActivated.connect(lambda *_: self._relocate_first_missing())
        self.missing_label.hide()
        self._missing_hooks = _Hooks(self)
        layout.addWidget(self.missing_label)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)

        self.opacity_slider.valueChanged.connect(self._opacity_moved)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._follow_current())
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._double_clicked)
        self.model.modelReset.connect(self._after_reset)
        self._follow_current()

    # --- the document ----------------------------------------------------------------

    def set_document(self, document: MapDocument | None) -> None:
        self._watch_opacity(None)
        self.model.set_document(document)
        self._missing_hooks.clear()
        if document is not None:
            self._missing_hooks.connect(document.events["basemaps"], self._on_basemaps)
            self._on_basemaps()
        else:
            self.show_missing()

    def _on_basemaps(self, *_) -> None:
        """Follow the base maps (came, went, relocated) to say which files are missing."""
        document = self.model.document
        for layer in (document.basemaps if document is not None else []):
            self._missing_hooks.connect(layer.events["data"], self.show_missing)
        self.show_missing()

    def missing_basemaps(self) -> list[RasterLayer]:
        document = self.model.document
        return [layer for layer in (document.basemaps if document is not None else []) if layer.missing]

    def show_missing(self, *_) -> None:
        import html

        missing = self.missing_basemaps()
        if not missing:
            self.missing_label.hide()
            return
        first = missing[0]
        if len(missing) == 1:  # short: the tree keeps its room; the tooltip and the row say where it was looked for
            text = self.tr("Base map file missing: %1").replace("%1", first.path.name)
        else:
            text = self.tr("Base map files missing: %1 and %2 more").replace("%1", first.path.name).replace(
                "%2", str(len(missing) - 1))
        relocate = self.tr("Relocate…")
        self.missing_label.setText(f'⚠ {html.escape(text)} <a href="relocate">{html.escape(relocate)}</a>')
        self.missing_label.setToolTip(missing[0].problem)
        self.missing_label.show()

    def _relocate_first_missing(self) -> None:
        missing = self.missing_basemaps()
        if missing:
            self.relocate_basemap(missing[0])

    def _after_reset(self) -> None:
        self.view.expandAll()
        first = self.model.index(0, 0, self.model.index(0, 0))
        if first.isValid():  # the top layer is current, so the opacity slider has a layer at once
            self.view.selectionModel().setCurrentIndex(first, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._follow_current()

    def current_layer(self) -> Layer | None:
        return self.model.layer_at(self.view.currentIndex())

    def select_layer(self, layer: Layer) -> None:
        index = self.model.index_of_layer(layer)
        self.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    # --- opacity ---------------------------------------------------------------------

    def _follow_current(self) -> None:
        layer = self.current_layer()
        self._watch_opacity(layer)
        for widget in (self.opacity_label, self.opacity_slider, self.opacity_value):
            widget.setEnabled(layer is not None)
        self._show_opacity()

    def _watch_opacity(self, layer: Layer | None) -> None:
        self._opacity_hooks.clear()
        self._opacity_layer = layer
        if layer is not None:
            self._opacity_hooks.connect(layer.events["opacity"], self._on_opacity)

    def _on_opacity(self, *_) -> None:
        self._show_opacity()

    def _show_opacity(self) -> None:
        layer = self._opacity_layer
        value = round(layer.opacity * 100) if layer is not None else 100
        self.opacity_slider.blockSignals(True)
        self.opacity_slider.setValue(value)
        self.opacity_slider.blockSignals(False)
        self.opacity_value.setText(f"{value} %" if layer is not None else "")

    def _opacity_moved(self, value: int) -> None:
        if self._opacity_layer is not None:
            self._opacity_layer.opacity = value / 100
        self.opacity_value.setText(f"{value} %")

    # --- actions ---------------------------------------------------------------------

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        menu = self.context_menu(index)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def context_menu(self, index: QModelIndex) -> QMenu:
        """The menu of a row: zoom, style and properties for layers; moves for both."""
        menu = QMenu(self)
        layer = self.model.layer_at(index)
        key = self.model.group_at(index)
        if isinstance(layer, RasterLayer):
            siblings = self.model.layers_of(BASEMAPS)
            row = siblings.index(layer)
            if layer.reader is None and not layer.missing:
                open_basemap(layer)  # its extent, to zoom to
            menu.addAction(self._menu_action(menu, self.tr("&Zoom to layer"), lambda: self.zoom_to_layer(layer),
                                             enabled=layer.extent is not None))
            menu.addSeparator()
            menu.addAction(self._menu_action(menu, self.tr("Move &up"), lambda: self.model.move_layer_by(layer, -1),
                                             enabled=row > 0))
            menu.addAction(self._menu_action(menu, self.tr("Move &down"), lambda: self.model.move_layer_by(layer, 1),
                                             enabled=row < len(siblings) - 1))
            menu.addSeparator()
            if needs_overviews(layer):
                menu.addAction(self._menu_action(menu, self.tr("&Build overviews…"), lambda: self.build_overviews(layer)))
            menu.addAction(self._menu_action(menu, self.tr("&Relocate…"), lambda: self.relocate_basemap(layer)))
            menu.addAction(self._menu_action(menu, self.tr("Re&move"), lambda: self.remove_basemap(layer)))
            menu.addSeparator()
            menu.addAction(self._menu_action(menu, self.tr("&Properties…"), lambda: self.show_basemap_properties(layer)))
        elif key == BASEMAPS:
            menu.addAction(self._menu_action(menu, self.tr("&Zoom to group"), lambda: self.zoom_to_group(key)))
            menu.addAction(self._menu_action(menu, self.tr("&Add base map…"), self.add_basemap))
        elif layer is not None:
            siblings = self.model.layers_of(layer.info.group)
            row = siblings.index(layer)
            menu.addAction(self._menu_action(menu, self.tr("&Zoom to layer"), lambda: self.zoom_to_layer(layer),
                                             enabled=layer.extent() is not None))
            menu.addSeparator()
            menu.addAction(self._menu_action(menu, self.tr("Move &up"), lambda: self.model.move_layer_by(layer, -1),
                                             enabled=row > 0))
            menu.addAction(self._menu_action(menu, self.tr("Move &down"), lambda: self.model.move_layer_by(layer, 1),
                                             enabled=row < len(siblings) - 1))
            menu.addSeparator()
            menu.addAction(self._menu_action(menu, self.tr("&Style…"), lambda: self.edit_style(layer)))
            menu.addAction(self._menu_action(menu, self.tr("&Properties…"), lambda: self.show_properties(layer)))
        elif key is not None:
            keys = self.model._movable_keys()
            row = keys.index(key)
            menu.addAction(self._menu_action(menu, self.tr("&Zoom to group"), lambda: self.zoom_to_group(key)))
            menu.addSeparator()
            menu.addAction(self._menu_action(menu, self.tr("Move group &up"), lambda: self.model.move_group_by(key, -1),
                                             enabled=row > 0))
            menu.addAction(self._menu_action(menu, self.tr("Move group &down"),
                                             lambda: self.model.move_group_by(key, 1), enabled=row < len(keys) - 1))
        return menu

    @staticmethod
    def _menu_action(menu: QMenu, text: str, slot, *, enabled: bool = True) -> QAction:
        action = QAction(text, menu)
        action.setEnabled(enabled)
        action.triggered.connect(slot)
        return action

    def _double_clicked(self, index: QModelIndex) -> None:
        layer = self.model.layer_at(index)
        if isinstance(layer, RasterLayer):
            if layer.missing:
                self.relocate_basemap(layer)
            else:
                self.show_basemap_properties(layer)
        elif layer is not None:
            self.edit_style(layer)

    def zoom_to_layer(self, layer: Layer) -> None:
        self._zoom(_extent_of(layer))

    def zoom_to_group(self, key: str) -> None:
        extents = [e for e in (_extent_of(layer) for layer in self.model.layers_of(key)) if e is not None]
        if extents:
            self._zoom((min(e[0] for e in extents), min(e[1] for e in extents), max(e[2] for e in extents),
                        max(e[3] for e in extents)))

    def _zoom(self, extent) -> None:
        if extent is None:
            return
        xmin, ymin, xmax, ymax = extent
        pad = max(xmax - xmin, ymax - ymin) * 0.05 or 50.0  # a single point gets 50 m around it
        extent = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
        self.zoomRequested.emit(extent)
        if self.canvas is not None:
            self.canvas.zoom_to_extent(extent)

    def edit_style(self, layer: Layer) -> None:
        StyleDialog(layer, self).exec()

    # --- base maps -------------------------------------------------------------------

    def _window(self):
        return self.window() if self.window() is not self else None

    def _choose_basemap_file(self, title: str, start: str = "") -> str:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self, title, start, self.tr("Base maps (%1);;All files (*)").replace("%1", BASEMAP_FILTER_EXTENSIONS))
        return path

    def add_basemap(self, path: str | None = None):
        """Add an image file (GeoTIFF, MBTiles) as a base map: the file is opened in a job (a large
        or slow file keeps the window responsive), then the base map joins the tree and the map.
        Returns the job (None when nothing was chosen or no project is open)."""
        document = self.model.document
        if document is None:
            return None
        path = path or self._choose_basemap_file(self.tr("Add base map"))
        if not path:
            return None
        def done(added):
            info, opened = added
            if self.model.document is document:
                layer = document.add_basemap(info, opened)
                self.select_layer(layer)
                window = self._window()
                if off_the_layers(layer.extent, document.extent()) and hasattr(window, "statusBar"):
                    window.statusBar().showMessage(off_the_layers_note(layer.title), 15000)
                if not layer.date and self.ask_dates and not getattr(self._window(), "headless", False):
                    self.show_basemap_properties(layer, ask_date=True)  # a comparison goes by the dates
                if len(document.basemaps) == 1 and not document.layers:
                    self.zoom_to_layer(layer)

        return self._run_job(self.tr("Add base map %1").replace("%1", Path(path).name), _add_and_open,
                             document.project, path, on_done=done)

    def show_basemap_properties(self, layer: RasterLayer, *, ask_date: bool = False) -> None:
        BasemapPropertiesDialog(layer, self, ask_date=ask_date).exec()

    def build_overviews(self, layer: RasterLayer):
        """Add overviews to a base map's GeoTIFF as a job (progress and Cancel in the jobs panel),
        so that a large image pans and zooms from the level that fits; then it is drawn from them."""
        from gisdesk.io.raster import build_overviews

        path = layer.path

        def done(_levels):
            if layer.path == path:
                layer.reopen()

        return self._run_job(self.tr("Build overviews of %1").replace("%1", path.name), build_overviews, path,
                             on_done=done)

    def _run_job(self, title: str, fn, *args, on_done):
        """Run `fn(*args, feedback=...)` as a job of the window (gisdesk.ui.jobs); a tree on its own
        (no window with a jobs panel) runs it at once. Returns the job, or None."""
        from gisdesk.ui.jobs import run_job

        window = self._window()
        if window is None or not hasattr(window, "add_dock"):
            from PySide6.QtWidgets import QMessageBox

            from gisdesk.errors import GisdeskError
            from gisdesk.jobs import Feedback

            try:
                on_done(fn(*args, feedback=Feedback()))
            except GisdeskError as error:
                QMessageBox.warning(self, title, str(error))
            return None
        return run_job(window, title, fn, *args, on_done=on_done)

    def relocate_basemap(self, layer: RasterLayer, path: str | None = None) -> bool:
        """Point a base map at its file's new place (a file dialog unless `path`); whether it was."""
        from PySide6.QtWidgets import QMessageBox

        from gisdesk.errors import GisdeskError
        from gisdesk.io.raster import open_raster

        document = self.model.document
        if document is None:
            return False
        if path is None:
            if layer.missing:
                QMessageBox.information(self, self.tr("Relocate base map"), layer.problem)
            start = next((str(p.parent) for p in layer.looked_for if p.parent.is_dir()), "")
            path = self._choose_basemap_file(self.tr("Where is %1 now?").replace("%1", layer.path.name), start)
            if not path:
                return False
        try:
            open_raster(path).close()  # a raster that opens, before the project points at it
            document.relocate_basemap(layer, path)
        except GisdeskError as error:
            QMessageBox.warning(self, self.tr("Cannot relocate base map"), str(error))
            return False
        open_basemap(layer)
        return True

    def remove_basemap(self, layer: RasterLayer, *, confirm: bool = True) -> bool:
        from PySide6.QtWidgets import QMessageBox

        document = self.model.document
        if document is None:
            return False
        if confirm and QMessageBox.question(
                self, self.tr("Remove base map"),
                self.tr("Remove the base map %1 from the project? The file itself stays where it is.").replace(
                    "%1", layer.label)) != QMessageBox.StandardButton.Yes:
            return False
        document.remove_basemap(layer)
        return True

    def show_properties(self, layer: Layer) -> None:
        PropertiesDialog(layer, self.model.document, self).exec()


# --- the style dialog ----------------------------------------------------------------------


class ColorButton(QPushButton):
    """A button showing a colour; a click opens QColorDialog. `color` is '#rrggbb' or None (unset)."""

    colorChanged = Signal(object)

    def __init__(self, color: str | None = None, parent=None, *, unset_text: str = ""):
        super().__init__(parent)
        self._color: str | None = None
        self._unset_text = unset_text
        self.setMinimumWidth(90)
        self.clicked.connect(self.choose)
        self.set_color(color)

    @property
    def color(self) -> str | None:
        return self._color

    def set_color(self, color: str | None) -> None:
        self._color = QColor(color).name() if color else None
        if self._color is None:
            self.setIcon(QIcon())
            self.setText(self._unset_text)
        else:
            pixmap = QPixmap(28, 14)
            pixmap.fill(QColor(self._color))
            painter = QPainter(pixmap)
            painter.setPen(QColor("#606060"))
            painter.drawRect(0, 0, 27, 13)
            painter.end()
            self.setIcon(QIcon(pixmap))
            self.setIconSize(pixmap.size())
            self.setText(self._color)
        self.colorChanged.emit(self._color)

    def choose(self) -> None:
        color = QColorDialog.getColor(QColor(self._color or "#888888"), self, self.tr("Choose a colour"))
        if color.isValid():
            self.set_color(color.name())


class StyleDialog(QDialog):
    """Colours, width, transparency, labels and category colours of one layer; OK applies them."""

    def __init__(self, layer: Layer, parent=None):
        super().__init__(parent)
        self.layer = layer
        self.setWindowTitle(self.tr("Style — %1").replace("%1", layer.title))
        self.setMinimumWidth(380)
        style = layer.style
        self.categorised = bool(style.get("category_field"))

        # fill and outline
        self.fill_button = ColorButton(style.get("fill", "#888888"))
        self.stroke_button = ColorButton(style.get("stroke"), unset_text=self.tr("As fill"))
        self.width_spin = QDoubleSpinBox()
        self.width_spin.setRange(0.0, 5.0)
        self.width_spin.setSingleStep(0.05)
        self.width_spin.setDecimals(2)
        self.width_spin.setSuffix(" mm")  # styles keep widths in mm, so a print is as the screen
        self.width_spin.setValue(style_size(style, "width_mm"))
        self.transparency_spin = QSpinBox()
        self.transparency_spin.setRange(0, 100)
        self.transparency_spin.setSuffix(" %")
        self.transparency_spin.setValue(round((1.0 - float(style.get("fill_alpha", 1.0))) * 100))
        self.dash_check = QCheckBox(self.tr("Dashed outline"))
        self.dash_check.setChecked(bool(style.get("dash", False)))
        look = QGroupBox(self.tr("Fill and outline"))
        form = QFormLayout(look)
        form.addRow(self.tr("Fill colour"), self.fill_button)
        form.addRow(self.tr("Fill transparency"), self.transparency_spin)
        form.addRow(self.tr("Outline colour"), self.stroke_button)
        form.addRow(self.tr("Outline width"), self.width_spin)
        form.addRow("", self.dash_check)
        if self.categorised:
            self.fill_button._unset_text = self.tr("By category")
            self.fill_button.set_color(None)
            self.fill_button.setEnabled(False)
            self.fill_button.setToolTip(self.tr("This layer is coloured by category (below)"))

        # labels
        self.label_check = QCheckBox(self.tr("Show labels"))
        self.label_combo = QComboBox()
        schema = layer.info.schema
        for column in layer.frame.columns:
            if column == layer.frame.geometry.name:
                continue  # a schema field by its name in the user's language; the user's own columns as named
            self.label_combo.addItem(schema[column].label() if column in schema.names else column, column)
        field = style.get("label_field")
        self.label_check.setChecked(bool(field))
        if field and self.label_combo.findData(field) >= 0:
            self.label_combo.setCurrentIndex(self.label_combo.findData(field))
        self.label_color_button = ColorButton(style.get("label_color", "#333333"))
        self.label_check.toggled.connect(self._labels_toggled)
        labels = QGroupBox(self.tr("Labels"))
        form = QFormLayout(labels)
        form.addRow("", self.label_check)
        form.addRow(self.tr("Label field"), self.label_combo)
        form.addRow(self.tr("Label colour"), self.label_color_button)
        self._labels_toggled(self.label_check.isChecked())

        layout = QVBoxLayout(self)
        layout.addWidget(look)
        layout.addWidget(labels)

        # categories
        self.category_buttons: dict[str, ColorButton] = {}
        if self.categorised:
            layout.addWidget(self._categories_box(style))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.Apply)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        layout.addWidget(buttons)

    def _categories_box(self, style: dict) -> QGroupBox:
        field = style["category_field"]
        label = {f.name: f.label_zh for f in self.layer.info.schema.fields}.get(field, field)
        box = QGroupBox(self.tr("Colours by %1").replace("%1", label))
        colors = dict(style.get("categories", {}))
        counts = {}
        if field in self.layer.frame.columns:
            counts = self.layer.frame[field].dropna().astype(str).value_counts().to_dict()
        values = list(colors) + sorted(v for v in counts if v not in colors)
        table = QTableWidget(len(values), 3)
        table.setHorizontalHeaderLabels([self.tr("Value"), self.tr("Features"), self.tr("Colour")])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for row, value in enumerate(values):
            table.setItem(row, 0, QTableWidgetItem(str(value)))
            count = QTableWidgetItem(f"{counts.get(str(value), 0):,}")
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, 1, count)
            button = ColorButton(colors.get(value, OTHER_COLOR))
            button.setFlat(True)
            table.setCellWidget(row, 2, button)
            self.category_buttons[value] = button
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        table.setMinimumHeight(min(360, 30 + 30 * len(values)))
        self.category_table = table
        layout = QVBoxLayout(box)
        layout.addWidget(table)
        return box

    def _labels_toggled(self, on: bool) -> None:
        self.label_combo.setEnabled(on)
        self.label_color_button.setEnabled(on)

    def changes(self) -> dict:
        """The style keys the dialog changes, compared with the layer's style now."""
        style = self.layer.style
        new = {
            "fill_alpha": round(1.0 - self.transparency_spin.value() / 100, 2),
            "dash": self.dash_check.isChecked(),
            "label_field": self.label_combo.currentData() if self.label_check.isChecked() else None,
        }
        if self.label_check.isChecked():
            new["label_color"] = self.label_color_button.color
        if not self.categorised:
            new["fill"] = self.fill_button.color
        if self.stroke_button.color is not None:
            new["stroke"] = self.stroke_button.color
        if self.category_buttons:
            old = dict(style.get("categories", {}))
            categories = {value: button.color for value, button in self.category_buttons.items()
                          if value in old or button.color != OTHER_COLOR}
            if categories != old:
                new["categories"] = categories
        defaults = {"fill": "#888888", "fill_alpha": 1.0, "dash": False, "label_field": None,
                    "label_color": "#333333"}
        changed = {}
        for key, value in new.items():
            before = style.get(key, defaults.get(key))
            if isinstance(value, float) and isinstance(before, (int, float)) and not isinstance(before, bool):
                differs = abs(float(before) - value) > 1e-9
            elif key == "label_field":
                differs = (before or None) != (value or None)
            else:
                differs = before != value
            if differs:
                changed[key] = value
        width = round(self.width_spin.value(), 2)
        if abs(width - round(style_size(style, "width_mm"), 2)) > 1e-9:  # the spin box shows 2 decimals
            changed["width_mm"] = width
        return changed

    def apply(self) -> None:
        changes = self.changes()
        if changes:
            self.layer.update_style(**changes)

    def accept(self) -> None:
        self.apply()
        super().accept()


OTHER_COLOR = "#999999"  # the renderer's colour for values with no category colour


# --- the properties dialog -----------------------------------------------------------------


def source_path_text(path) -> str:
    """Where an import read from, as the properties show it: a file that was staged in a temporary
    folder (the demo's build, an upload unpacked) and is gone by its name only, said to be so."""
    import tempfile
    from pathlib import Path

    text = str(path or "")
    if not text:
        return ""
    source = Path(text)
    temp = Path(tempfile.gettempdir()).resolve()
    try:
        staged = source.resolve().is_relative_to(temp)
    except (OSError, ValueError):
        staged = False
    if staged and not source.exists():
        return QCoreApplication.translate("PropertiesDialog", "%1 (a temporary copy, since removed)").replace(
            "%1", source.name)
    return text


def source_crs_text(stored) -> str:
    """An import source's CRS as stored ('EPSG:4326 WGS 84'), by its name in the user's language."""
    import re

    from pyproj import CRS

    text = str(stored or "")
    match = re.match(r"EPSG:(\d+)\b", text)
    if match:
        try:
            return crs_label(CRS.from_epsg(int(match.group(1))))
        except Exception:  # noqa: BLE001
            pass  # a code this PROJ database lacks: the text is shown as stored
    return text


class PropertiesDialog(QDialog):
    """What a layer is and where it came from: kind, table, counts, CRS, import sources, fields."""

    def __init__(self, layer: Layer, document: MapDocument | None, parent=None):
        super().__init__(parent)
        self.layer = layer
        self.setWindowTitle(self.tr("Properties — %1").replace("%1", layer.title))
        self.resize(780, 720)
        info = None
        if document is not None:
            info = next((i for i in document.project.layers() if i.id == layer.id), None)
        table = layer.id

        form = QFormLayout()
        self.values: dict[str, QLabel] = {}

        def add(key: str, label: str, value: str) -> None:
            widget = QLabel(value)
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            widget.setWordWrap(True)
            self.values[key] = widget
            form.addRow(label, widget)

        add("title", self.tr("Title"), layer.title)
        add("kind", self.tr("Kind"), layer.info.title)
        add("group", self.tr("Group"), group_title(layer.info.group))
        project_path = document.project.path if document is not None else None
        add("project", self.tr("Project file"), str(project_path) if project_path is not None else "—")
        add("table", self.tr("Project table"), table)
        add("features", self.tr("Features"), f"{len(layer.frame):,}")
        types = layer.frame.geometry.geom_type.value_counts(dropna=False)
        add("geometry", self.tr("Geometry types"), geometry_summary(types) or "—")
        crs = document.project.crs if document is not None else None
        if crs is None and layer.frame.crs is not None:
            crs = layer.frame.crs
        add("crs", self.tr("Coordinate system"), crs_label(crs) if crs is not None else self.tr("none"))
        extent = layer.extent()
        add("extent", self.tr("Extent"), "—" if extent is None else
            "{:,.2f}, {:,.2f} — {:,.2f}, {:,.2f} m".format(*extent))

        sources = info.sources if info is not None else []
        self.sources_table = QTableWidget(len(sources), 6)
        self.sources_table.setHorizontalHeaderLabels([
            self.tr("File"), self.tr("Source CRS"), self.tr("Imported at"), self.tr("Features"),
            self.tr("Repaired"), self.tr("Skipped")])
        for row, source in enumerate(sources):
            path = source_path_text(source.get("path", ""))
            if source.get("layer"):
                path += f" ({source['layer']})"
            skipped = source.get("skipped") or {}
            skipped_text = (bilingual("，", ", ").join(bilingual("{reason}：{n}", "{reason}: {n}", reason=skip_reason(k), n=v)
                                                     for k, v in skipped.items()) if isinstance(skipped, dict)
                            else str(skipped)) or "0"
            cells = [path, source_crs_text(source.get("source_crs", "")), str(source.get("imported_at", "")).replace("T", " "),
                     f"{source.get('features', 0):,}", str(source.get("repaired", 0)), skipped_text]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column >= 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.sources_table.setItem(row, column, item)
        _tidy_table(self.sources_table, stretch=0)
        self.sources_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        rows = max(1, min(len(sources), 4))
        self.sources_table.setFixedHeight(self.sources_table.horizontalHeader().sizeHint().height()
                                          + rows * self.sources_table.verticalHeader().defaultSectionSize() + 4)

        schema = layer.info.schema
        known = {f.name: f for f in schema.fields}
        columns = [c for c in layer.frame.columns if c != layer.frame.geometry.name]
        type_names = {"text": self.tr("text"), "int": self.tr("integer"), "float": self.tr("decimal"),
                      "date": self.tr("date"), "enum": self.tr("choice"), "codes": self.tr("codes")}
        self.fields_table = QTableWidget(len(columns), 4)
        self.fields_table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Label"), self.tr("Type"),
                                                     self.tr("Filled")])
        for row, column in enumerate(columns):
            field = known.get(column)
            filled = int(layer.frame[column].notna().sum())
            dtype = layer.frame[column].dtype.kind
            kind = field.type if field else {"i": "int", "u": "int", "f": "float", "M": "date"}.get(dtype, "text")
            cells = [column, field_header(field) if field else ("—" if column != "uid" else self.tr("unique id")),
                     type_names.get(kind, kind), f"{filled:,}"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if field is not None and field.personal and col == 1:
                    item.setToolTip(self.tr("Personal data: masked in exports"))
                self.fields_table.setItem(row, col, item)
        _tidy_table(self.fields_table, stretch=1)

        general = QGroupBox(self.tr("Layer"))
        general.setLayout(form)
        sources_box = QGroupBox(self.tr("Import sources"))
        QVBoxLayout(sources_box).addWidget(self.sources_table)
        fields_box = QGroupBox(self.tr("Fields"))
        QVBoxLayout(fields_box).addWidget(self.fields_table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(general)
        layout.addWidget(sources_box)
        layout.addWidget(fields_box, 1)
        layout.addWidget(buttons)


def _add_and_open(project, path, *, feedback):
    """The job of Add base map: add the file to the project and open it (off the UI thread)."""
    from gisdesk.io.basemaps import add_basemap

    info = add_basemap(project, path, feedback=feedback)
    return info, open_basemap(RasterLayer.of(project, info))


OVERVIEWS_FROM_PX = 4096  # a GeoTIFF this wide or high without overviews is offered them


def needs_overviews(layer: RasterLayer) -> bool:
    """Whether a base map is a large GeoTIFF without overviews (every view of it reads the full image)."""
    if layer.provider != "gdal" or layer.missing:
        return False
    if layer.reader is None:
        open_basemap(layer)
    reader = layer.reader
    if reader is None or getattr(reader, "factors", None):
        return False
    return max(getattr(reader, "width", 0), getattr(reader, "height", 0)) >= OVERVIEWS_FROM_PX


def _extent_of(layer) -> tuple | None:
    """A layer's extent in the map's CRS (a base map's once its file is open)."""
    if isinstance(layer, RasterLayer):
        if layer.reader is None and not layer.missing:
            open_basemap(layer)
        return layer.extent
    return layer.extent()


DATE_PATTERN = r"(19|20)\d\d(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?"


class BasemapPropertiesDialog(QDialog):
    """A base map: its title and date (editable: the date labels it and orders comparisons), the
    file, how the project keeps it, its CRS, size, overviews or zoom levels, extent, attribution."""

    def __init__(self, layer: RasterLayer, parent=None, *, ask_date: bool = False):
        import re

        from PySide6.QtGui import QRegularExpressionValidator
        from PySide6.QtCore import QRegularExpression
        from PySide6.QtWidgets import QLineEdit

        super().__init__(parent)
        self.layer = layer
        self._date_pattern = re.compile(DATE_PATTERN)
        self.setWindowTitle(self.tr("Base map — %1").replace("%1", layer.title))
        self.setMinimumWidth(520)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}

        def add(key: str, label: str, value: str) -> None:
            widget = QLabel(value)
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            widget.setWordWrap(True)
            self.values[key] = widget
            form.addRow(label, widget)

        self.title_edit = QLineEdit(layer.title)
        form.addRow(self.tr("Title"), self.title_edit)
        self.date_edit = QLineEdit(layer.date or "")
        self.date_edit.setPlaceholderText(self.tr("e.g. 2010, 2019-06 or 2019-06-01"))
        self.date_edit.setValidator(QRegularExpressionValidator(QRegularExpression(f"^({DATE_PATTERN})?$"), self))
        if not layer.date:
            from gisdesk.io.raster import date_from_name

            suggested = date_from_name(layer.path)
            if suggested:  # a year in the name is a suggestion, for the user to confirm
                self.date_edit.setText(suggested)
        form.addRow(self.tr("Date"), self.date_edit)
        if ask_date:
            self.date_hint = QLabel(self.tr("The file gives no date: enter the date the image was taken, "
                                            "so that the layer tree and the comparison can show it."))
            self.date_hint.setWordWrap(True)
            form.addRow("", self.date_hint)
        if layer.problem:
            add("problem", self.tr("Problem"), layer.problem)
        add("file", self.tr("File"), str(layer.path))
        relative = not Path(layer.source).is_absolute()
        add("source", self.tr("Kept in the project as"), layer.source + "  (" + (
            self.tr("relative to the project folder") if relative else self.tr("absolute path")) + ")")
        if layer.reader is None and not layer.missing:
            open_basemap(layer)
        reader = layer.reader
        kinds = {"gdal": self.tr("GeoTIFF / GDAL raster"), "mbtiles": self.tr("MBTiles tile cache")}
        add("provider", self.tr("Kind"), kinds.get(layer.provider, layer.provider))
        if reader is not None:
            add("crs", self.tr("Coordinate system"), crs_label(reader.crs))
            if layer.provider == "mbtiles":
                zooms = getattr(reader, "zooms", None) or []
                add("levels", self.tr("Zoom levels"), f"{zooms[0]}–{zooms[-1]}" if zooms else "—")
            else:
                width, height = getattr(reader, "width", 0), getattr(reader, "height", 0)
                add("size", self.tr("Size"), f"{width:,} × {height:,} px")
                factors = getattr(reader, "factors", None) or []
                if factors:
                    levels = ", ".join(str(f) for f in factors)
                elif needs_overviews(layer):
                    levels = self.tr("none (a large image pans slowly: Build overviews…)")
                else:
                    levels = self.tr("none")
                add("levels", self.tr("Overviews"), levels)
            if getattr(reader, "attribution", ""):
                add("attribution", self.tr("Attribution"), reader.attribution)
        extent = layer.extent
        add("extent", self.tr("Extent"), "—" if extent is None else "{:,.2f}, {:,.2f} — {:,.2f}, {:,.2f} m".format(*extent))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        if ask_date:
            self.date_edit.setFocus()

    def apply(self) -> None:
        title = self.title_edit.text().strip()
        if title and title != self.layer.title:
            self.layer.title = title
        date = self.date_edit.text().strip() or None
        if date is not None and not self._date_pattern.fullmatch(date):
            date = self.layer.date  # (the validator lets through only what matches, or nothing)
        if date != self.layer.date:
            self.layer.update_style(date=date)

    def accept(self) -> None:
        self.apply()
        super().accept()


def _tidy_table(table: QTableWidget, *, stretch: int) -> None:
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    for column in range(table.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == stretch
                                    else QHeaderView.ResizeMode.ResizeToContents)


# --- installing ------------------------------------------------------------------------------


def install(window) -> LayerTreePanel:
    """Add the "Layers" dock on the left of the main window; it follows the open project."""
    panel = LayerTreePanel(canvas=window.canvas)
    dock = QDockWidget(QCoreApplication.translate("LayerTree", "Layers"), window)
    dock.setObjectName("layer_tree")
    dock.setWidget(panel)
    dock.setMinimumWidth(240)
    window.add_dock(dock, Qt.DockWidgetArea.LeftDockWidgetArea)
    window.layer_tree = panel
    window.documentChanged.connect(panel.set_document)
    if window.document is not None:
        panel.set_document(window.document)
    # File › Add base map… (after Import…), and the same as a button under the tree
    action = QAction(basemap_icon(), QCoreApplication.translate("LayerTree", "Add &base map…"), window)
    action.setStatusTip(QCoreApplication.translate("LayerTree", "Add an aerial image (GeoTIFF) or a tile cache "
                                                                "(MBTiles) as a base map, by reference"))
    action.triggered.connect(lambda: panel.add_basemap())
    action.setEnabled(window.document is not None)
    window.documentChanged.connect(lambda document: action.setEnabled(document is not None))
    menus = getattr(window, "menus", {})
    if "file" in menus:
        before = getattr(window, "action_save", None)
        menus["file"].insertAction(before, action) if before is not None else menus["file"].addAction(action)
    window.action_add_basemap = action
    panel.add_basemap_button.setDefaultAction(action)
    panel.add_basemap_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    return panel
