"""The attribute table of a layer: a virtual table model straight over the layer's frame.

No rows are copied into widgets: the model keeps one array, `order`, that maps view rows to
frame rows (the filtered rows in the sorted order), and data() reads the frame's columns
through it, so a million rows cost one int64 array. Sorting is an argsort of the column,
filtering a vectorised string match; both only rebuild `order`.

Rows are features, named by uid: selecting rows selects those uids on the map
(Layer.select_uids) and a map selection selects the rows that show its uids, whatever the
sort, the filter, or a deletion elsewhere in the layer did to the row numbers; the current
cell follows its feature through a re-sort or a reload. Edits are checked with the layer's schema, stored in the project as one
transaction (Project.update_attributes; a ledger status change goes through the case
workflow and its history) and then in the frame, and the layer emits events["data"].
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from PySide6.QtCore import (QAbstractTableModel, QCoreApplication, QItemSelection, QItemSelectionModel, QItemSelectionRange,
                            QModelIndex, QObject, Qt, QTimer, Signal)
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDockWidget, QHBoxLayout, QHeaderView, QInputDialog,
                               QLabel, QLineEdit, QPushButton, QStyledItemDelegate, QTableView, QVBoxLayout, QWidget)

from gisdesk.errors import GisdeskError
from gisdesk.store import current_user
from gisdesk.i18n import tr as core_tr
from gisdesk.layers.edits import EditSession
from gisdesk.layers.layer import Layer
from gisdesk.layers.ledger import overdue
from gisdesk.layers.display import display_value as core_display_value
from gisdesk.layers.display import format_value, is_missing  # noqa: F401 (the table's names for them)
from gisdesk.layers.names import VALUE_NAMES, field_header
from gisdesk.layers.schema import ENUM, FLOAT, INT, Field, Schema, SchemaProblems, conform
from gisdesk.ui.icons import icon

NUMERIC = (INT, FLOAT)
MAX_SELECTION_RANGES = 2000  # more scattered runs than this are painted by the model, not put in the view's selection
SELECTED = QColor(255, 212, 0, 110)
OVERDUE = QColor("#c62828")  # the deadline of an overdue case
MAX_COMBO_VALUES = 200
SHOWN = "\0shown:"  # the key of a coded column's names among the model's filter texts


# --- columns and values ----------------------------------------------------------------------

def display_columns(layer: Layer) -> list[tuple[str, str]]:
    """(column, header) of a layer's table: uid, the schema fields (with their labels), then the rest."""
    frame = layer.frame
    geometry = frame.geometry.name if hasattr(frame, "geometry") else None
    schema = layer.info.schema
    out = []
    if "uid" in frame.columns:
        out.append(("uid", QCoreApplication.translate("AttributeTable", "ID")))
    out += [(f.name, field_header(f)) for f in schema.fields if f.name in frame.columns]
    known = {c for c, _ in out}
    out += [(c, str(c)) for c in frame.columns if c not in known and c != geometry]
    return out


def display_value(layer: Layer, column: str, value) -> str:
    """A value as the table and Identify show it: coded values by their names (WPXJ → 未批先建);
    gisdesk.layers.display.display_value, which the HTML export's popups use too."""
    return core_display_value(layer.info.schema, column, value)


def type_name(field_type: str) -> str:
    """A schema type in words (text, integer, decimal, date, choice, codes)."""
    translate = QCoreApplication.translate
    names = {"text": translate("AttributeTable", "text"), "int": translate("AttributeTable", "integer"),
             "float": translate("AttributeTable", "decimal"), "date": translate("AttributeTable", "date"),
             "enum": translate("AttributeTable", "choice"), "codes": translate("AttributeTable", "codes (one or more)")}
    return names.get(field_type, field_type)


def convert_value(field: Field, value, *, source: str, uid=None):
    """The value as the schema stores it; raises SchemaProblems naming field and value."""
    if isinstance(value, str):
        value = value.strip()
    frame = pd.DataFrame({field.name: pd.Series([value], dtype=object)})
    converted = conform(frame, Schema((field,)), source=source, uids=[uid])[field.name].iloc[0]
    return None if is_missing(converted) else (converted.item() if isinstance(converted, np.generic) else converted)


def refusal_message(error: SchemaProblems, field: Field) -> str:
    """'Field 状态 of feature X: 'abc' is not one of …' in the user's language."""
    problem = error.problems[0]
    reason = core_tr(problem.reason_zh, problem.reason_en, value=problem.value)
    return (QCoreApplication.translate("AttributeTable", "Field %1 of feature %2: %3")
            .replace("%1", field.label()).replace("%2", str(problem.uid)).replace("%3", reason))


# --- the model ------------------------------------------------------------------------------------

class LayerTableModel(QAbstractTableModel):
    """A table over layer.frame; view row r shows frame row order[r], the feature uids[order[r]]."""

    editRefused = Signal(str)  # a message naming the field and the value, in the user's language
    edited = Signal(str, str)  # uid, column

    def __init__(self, layer: Layer, project=None, parent: QObject | None = None, edits: EditSession | None = None):
        super().__init__(parent)
        self.layer = layer
        self.project = project
        # edits go through the layer's edit session (the document's, so the window's Undo sees them)
        self.edits = edits or (EditSession(project, layer, who=current_user()) if project is not None else None)
        self._sorted: np.ndarray | None = None  # frame rows in sort order (None: natural order)
        self._sort_key: tuple[int, Qt.SortOrder] | None = None
        self._text_filter = ""
        self._column_filter: tuple[str, str] | None = None
        self._own_edit = False
        self._reset_columns()
        self.order = np.arange(len(layer.frame), dtype=np.int64)
        self._position: np.ndarray | None = None
        self.painted_selection: np.ndarray | None = None  # a large scattered map selection, as a row mask
        layer.events["data"].connect(self._on_data)

    def close(self) -> None:
        self.layer.events["data"].disconnect(self._on_data)

    def _reset_columns(self) -> None:
        self.frame = self.layer.frame
        self.uid_rows = self.layer.uid_rows  # the uids of self.frame's rows
        self.columns = display_columns(self.layer)
        self.fields = {f.name: f for f in self.layer.info.schema.fields}
        self._arrays: dict[str, object] = {}  # column -> its pandas array (no copy)
        self._texts: dict[str, pd.Series] = {}  # column -> lower-case text, for filtering

    # --- reading -------------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.order)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.columns)

    def column_array(self, column: str):
        array = self._arrays.get(column)
        if array is None:
            array = self._arrays[column] = self.frame[column].array
        return array

    def value(self, view_row: int, column: int):
        name = self.columns[column][0]
        return self.column_array(name)[int(self.order[view_row])]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:  # coded values by their names; edited as the codes
            return display_value(self.layer, self.columns[index.column()][0], self.value(index.row(), index.column()))
        if role == Qt.ItemDataRole.EditRole:
            return format_value(self.value(index.row(), index.column()))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            field = self.fields.get(self.columns[index.column()][0])
            if field is not None and field.type in NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.BackgroundRole and self.painted_selection is not None:
            if self.painted_selection[int(self.order[index.row()])]:
                return SELECTED
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if self.columns[index.column()][0] not in self.fields:
                return QColor("#666666")
            if self._overdue(index.row(), index.column()):
                return OVERDUE
        if role == Qt.ItemDataRole.ToolTipRole and self._overdue(index.row(), index.column()):
            return QCoreApplication.translate("AttributeTable", "Overdue: the deadline has passed and the case is not "
                                                                "yet demolished, confiscated, made legal or closed")
        return None

    def _overdue(self, view_row: int, column: int) -> bool:
        """Whether the cell is the deadline of a ledger case that is overdue (gisdesk.layers.ledger.overdue)."""
        if self.layer.kind != "ledger" or self.columns[column][0] != "deadline" or "status" not in self.frame.columns:
            return False
        row = int(self.order[view_row])
        return overdue(self.column_array("status")[row], self.column_array("deadline")[row], dt.date.today())

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self.columns[section][1]
            return str(int(self.order[section]) + 1)
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            name = self.columns[section][0]
            field = self.fields.get(name)
            if field is None:
                return name  # a column of the user's own
            return (QCoreApplication.translate("AttributeTable", "%1: %2").replace("%1", field.label())
                    .replace("%2", type_name(field.type)))
        return None

    def flags(self, index):
        flags = super().flags(index)
        if index.isValid() and self.columns[index.column()][0] in self.fields:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    # --- editing ---------------------------------------------------------------------------

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        column = self.columns[index.column()][0]
        field = self.fields.get(column)
        if field is None:
            return False
        row = int(self.order[index.row()])
        uid = str(self.uid_rows.uids[row]) if "uid" in self.frame.columns else None
        try:
            new = convert_value(field, value, source=self.layer.title, uid=uid)
        except SchemaProblems as error:
            self.editRefused.emit(refusal_message(error, field))
            return False
        old = self.frame[column].iat[row]
        if (is_missing(old) and new is None) or (not is_missing(old) and old == new):
            return True
        self._own_edit = True
        try:  # the layer's next data generation (a render under way keeps the old one); emits events["data"]
            if self.project is None or uid is None:  # a layer with no store behind it
                self.layer.set_values([row], column, [new])
            elif self.layer.kind == "ledger" and column == "status":
                # the case workflow: allowed moves only, recorded in the append-only history (not undoable)
                self.project.change_status(uid, new, who=current_user(), layer_id=self.layer.id)
                self.layer.set_values([row], column, [new])
                self.edits.refresh_versions([uid])
            else:  # through the edit session: on the undo stack (Ctrl+Z), saved at once
                self.edits.set_attributes(uid, {column: new})
                try:
                    self.edits.commit()
                except GisdeskError:
                    self.edits.revert()
                    raise
        except GisdeskError as error:
            self.editRefused.emit(str(error))
            return False
        finally:
            self._own_edit = False
        self.frame, self.uid_rows = self.layer.frame, self.layer.uid_rows
        self._arrays.pop(column, None)
        self._texts.pop(column, None)
        self._texts.pop(SHOWN + column, None)
        self.dataChanged.emit(index, index)
        self.edited.emit(uid if uid is not None else str(self.uid_rows.uids[row]), column)
        return True

    def _on_data(self, *_):
        if self._own_edit:
            return
        if self.layer.uid_rows is self.uid_rows:  # the same features in the same rows: only values changed
            self.frame = self.layer.frame
            self._arrays.clear()
            self._texts.clear()
            if self.rowCount():
                self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))
            return
        self.beginResetModel()
        self._reset_columns()
        self._sorted = None
        if self._sort_key is not None and self._sort_key[0] < len(self.columns):
            self._sorted = self._sort_order(*self._sort_key)
        self.order = self._compute_order()
        self._position = None
        self.endResetModel()

    # --- sorting and filtering ----------------------------------------------------------------

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        if column < 0 or column >= len(self.columns):
            self._sort_key, self._sorted = None, None
        else:
            self._sort_key = (column, order)
            self._sorted = self._sort_order(column, order)
        self._set_order(self._compute_order())

    def _sort_order(self, column: int, order) -> np.ndarray:
        name = self.columns[column][0]
        series = self.frame[name]
        descending = order == Qt.SortOrder.DescendingOrder
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
            keys = series.to_numpy(dtype=float, na_value=np.nan)
            return np.argsort(-keys if descending else keys, kind="stable").astype(np.int64)  # NaN last
        ordered = series.sort_values(ascending=not descending, kind="stable", na_position="last")
        return np.asarray(ordered.index, dtype=np.int64)  # the frame has a RangeIndex: labels are rows

    def set_text_filter(self, text: str) -> None:
        text = text.strip().lower()
        if text != self._text_filter:
            self._text_filter = text
            self._refilter()

    def set_column_filter(self, column: str | None, value: str | None) -> None:
        wanted = (column, value.strip()) if column and value is not None and value.strip() else None
        if wanted != self._column_filter:
            self._column_filter = wanted
            self._refilter()

    def _refilter(self) -> None:
        self._set_order(self._compute_order())

    def _set_order(self, order: np.ndarray) -> None:
        # the views' selection is re-made from the layer's selection (see AttributeTable)
        self.beginResetModel()
        self.order = order
        self._position = None
        self.endResetModel()

    def _compute_order(self) -> np.ndarray:
        n = len(self.frame)
        base = self._sorted if self._sorted is not None and len(self._sorted) == n else np.arange(n, dtype=np.int64)
        mask = self.filter_mask()
        return base if mask is None else base[mask[base]]

    def filter_mask(self) -> np.ndarray | None:
        """Rows passing the text and column filters (None: all)."""
        mask = None
        if self._text_filter:
            text = self._text_filter
            numeric_text = any(ch.isdigit() for ch in text)
            mask = np.zeros(len(self.frame), dtype=bool)
            for name, _ in self.columns:
                series = self.frame[name]
                if not numeric_text and pd.api.types.is_numeric_dtype(series.dtype):
                    continue  # a number's text has no letters: skip converting the column
                mask |= self._text(name).str.contains(text, regex=False).fillna(False).to_numpy(dtype=bool)
                shown = self._shown_text(name)  # coded values by their names too (未批先建 finds WPXJ)
                if shown is not None:
                    mask |= shown.str.contains(text, regex=False).fillna(False).to_numpy(dtype=bool)
        if self._column_filter:
            name, value = self._column_filter
            if name in self.frame.columns:
                hit = (self._text(name) == value.lower()).fillna(False).to_numpy(dtype=bool)
                shown = self._shown_text(name)
                if shown is not None:  # a coded value picked by its name
                    hit |= (shown == value.lower()).fillna(False).to_numpy(dtype=bool)
                mask = hit if mask is None else mask & hit
        return mask

    def _text(self, column: str) -> pd.Series:
        """The column as lower-case text (missing values as NA), made once per column."""
        texts = self._texts.get(column)
        if texts is None:
            series = self.frame[column]
            if pd.api.types.is_float_dtype(series.dtype):
                values = series.to_numpy(dtype=float, na_value=np.nan)
                texts = pd.Series([format_value(v) for v in values], dtype="string")
            else:
                texts = series.astype("string")
            texts = self._texts[column] = texts.str.lower().reset_index(drop=True)
        return texts

    def _shown_text(self, column: str) -> pd.Series | None:
        """A coded column (violation, road class, side) as its values' names in lower case, or None."""
        if column not in VALUE_NAMES or column not in self.fields:
            return None
        texts = self._texts.get(SHOWN + column)
        if texts is None:
            raw = self.frame[column].reset_index(drop=True)
            names = {v: display_value(self.layer, column, v).lower() for v in raw.dropna().unique()}
            texts = self._texts[SHOWN + column] = raw.map(names).astype("string")
        return texts

    def distinct_values(self, column: str) -> list[str]:
        """Values to offer in the column filter: a field's allowed values, else the commonest ones;
        coded values by their names."""
        field = self.fields.get(column)
        if field is not None and field.type == ENUM:
            return [display_value(self.layer, column, v) for v in field.values]
        counts = self.frame[column].dropna().map(format_value).value_counts()
        return [display_value(self.layer, column, v) for v in counts.index[:MAX_COMBO_VALUES]]

    # --- rows <-> frame rows <-> uids -------------------------------------------------------------

    def uids_of_view_rows(self, view_rows) -> np.ndarray:
        """The uids shown in `view_rows`, sorted."""
        view_rows = np.asarray(view_rows, dtype=np.int64)
        return self.uid_rows.uids_at(self.order[view_rows[(view_rows >= 0) & (view_rows < len(self.order))]])

    def view_rows_of_uids(self, uids) -> np.ndarray:
        """The view rows showing the features `uids` (those filtered out are dropped), sorted."""
        return self.view_rows(self.uid_rows.rows_of(uids))

    def selected_frame_rows(self) -> np.ndarray:
        """The rows of the model's frame that hold the layer's selected features."""
        if self.uid_rows is self.layer.uid_rows:
            return self.layer.selected_rows()  # the same rows: the layer's answer (made once per selection)
        return self.uid_rows.rows_of(self.layer.selection)

    def view_rows(self, frame_rows) -> np.ndarray:
        """The view rows showing `frame_rows` (those filtered out are dropped), sorted."""
        if self._position is None:
            position = np.full(len(self.frame), -1, dtype=np.int64)
            position[self.order] = np.arange(len(self.order), dtype=np.int64)
            self._position = position
        frame_rows = np.asarray(frame_rows, dtype=np.int64)
        frame_rows = frame_rows[(frame_rows >= 0) & (frame_rows < len(self._position))]
        rows = self._position[frame_rows]
        return np.sort(rows[rows >= 0])



def _ranges(rows: np.ndarray) -> list[tuple[int, int]]:
    """Sorted rows as (first, last) runs."""
    if len(rows) == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(rows) - 1]])
    return list(zip(rows[starts].tolist(), rows[ends].tolist()))


# --- the widget -------------------------------------------------------------------------------

class ChoiceDelegate(QStyledItemDelegate):
    """A combo box to edit enumerated fields; a line edit for the rest."""

    def createEditor(self, parent, option, index):
        model = index.model()
        field = model.fields.get(model.columns[index.column()][0]) if isinstance(model, LayerTableModel) else None
        if field is not None and field.type == ENUM:
            combo = QComboBox(parent)
            combo.setEditable(True)
            combo.addItems(["", *field.values])
            return combo
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor, index):
        if isinstance(editor, QComboBox):
            editor.setCurrentText(index.data(Qt.ItemDataRole.EditRole) or "")
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor, model, index):
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)


class AttributeTable(QWidget):
    """Filter bar, table view and status line for one layer."""

    def __init__(self, layer: Layer, project=None, window=None, parent=None, edits: EditSession | None = None):
        super().__init__(parent)
        self.layer = layer
        self.window = window
        self.model = LayerTableModel(layer, project, self, edits=edits)
        self._syncing = False
        self._current: tuple[str, int] | None = None  # (uid, column) of the current cell across a model reset

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter: rows containing this text in any column"))
        self.filter_edit.setClearButtonEnabled(True)
        self.column_combo = QComboBox()
        self.column_combo.addItem(self.tr("(any column)"), None)
        for name, label in self.model.columns:
            self.column_combo.addItem(label, name)
        self.value_combo = QComboBox()
        self.value_combo.setEditable(True)
        self.value_combo.setMinimumWidth(140)
        self.value_combo.lineEdit().setPlaceholderText(self.tr("value"))
        self.zoom_button = QPushButton(self.tr("Zoom to selection"))
        self.zoom_button.clicked.connect(self.zoom_to_selection)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 2)
        bar.addWidget(QLabel(self.tr("Column:")))
        bar.addWidget(self.column_combo, 1)
        bar.addWidget(self.value_combo, 1)
        bar.addWidget(self.zoom_button)

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(ChoiceDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        vertical = self.view.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(100)  # look at 100 rows, not a million
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.view.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            self.view.setColumnWidth(column, min(self.view.columnWidth(column), 260))

        self.status = QLabel()
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.status)

        self._filter_timer = QTimer(self, singleShot=True, interval=250)
        self._filter_timer.timeout.connect(self.apply_filters)
        self.filter_edit.textChanged.connect(lambda *_: self._filter_timer.start())
        self.column_combo.currentIndexChanged.connect(self._column_chosen)
        self.value_combo.currentTextChanged.connect(lambda *_: self._filter_timer.start())
        self.view.selectionModel().selectionChanged.connect(self._view_selection_changed)
        self.model.modelAboutToBeReset.connect(self._remember_current)
        self.model.modelReset.connect(self._select_from_layer)
        self.model.modelReset.connect(self._restore_current)
        self.model.editRefused.connect(self.show_refusal)
        self.model.edited.connect(lambda *_: self.message.hide())
        layer.events["selection"].connect(self._layer_selection_changed)
        self._select_from_layer()

    def close_table(self) -> None:
        self.layer.events["selection"].disconnect(self._layer_selection_changed)
        self.model.close()

    # --- filters -------------------------------------------------------------------------------

    def _column_chosen(self, *_):
        column = self.column_combo.currentData()
        self.value_combo.blockSignals(True)
        self.value_combo.clear()
        if column is not None:
            self.value_combo.addItems(["", *self.model.distinct_values(column)])
        self.value_combo.blockSignals(False)
        self.apply_filters()

    def apply_filters(self) -> None:
        self._filter_timer.stop()
        self.model.set_text_filter(self.filter_edit.text())
        self.model.set_column_filter(self.column_combo.currentData(), self.value_combo.currentText())
        self._update_status()

    # --- selection both ways ---------------------------------------------------------------------

    def selected_view_rows(self) -> np.ndarray:
        runs = [np.arange(r.top(), r.bottom() + 1) for r in self.view.selectionModel().selection()]
        return np.unique(np.concatenate(runs)).astype(np.int64) if runs else np.zeros(0, dtype=np.int64)

    def _view_selection_changed(self, *_):
        if self._syncing:
            return
        uids = self.model.uids_of_view_rows(self.selected_view_rows())
        self._syncing = True
        try:
            self.layer.select_uids(uids)  # what is selected in the table is the selection (as on the map)
        finally:
            self._syncing = False
        if self.model.painted_selection is not None:
            self.model.painted_selection = None
            self.view.viewport().update()
        self._update_status()

    def _layer_selection_changed(self, *_):
        if not self._syncing:
            self._select_from_layer()

    def _select_from_layer(self, *_):
        frame_rows = self.model.selected_frame_rows()
        rows = self.model.view_rows(frame_rows)
        last = self.model.columnCount() - 1
        runs = _ranges(rows)
        selection = QItemSelection()
        if len(runs) > MAX_SELECTION_RANGES:
            # e.g. 100 000 scattered features selected on the map: Qt's selection model would take
            # seconds; the model paints them instead (rows stay clickable; a click selects anew)
            mask = np.zeros(len(self.model.frame), dtype=bool)
            mask[frame_rows] = True
            self.model.painted_selection = mask
            runs = []
        elif self.model.painted_selection is not None:
            self.model.painted_selection = None
        selection += [QItemSelectionRange(self.model.index(top, 0), self.model.index(bottom, last))
                      for top, bottom in runs]
        self._syncing = True
        try:
            self.view.selectionModel().select(
                selection, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            self._syncing = False
        if len(rows):
            self.view.scrollTo(self.model.index(int(rows[0]), 0))
        self.view.viewport().update()
        self._update_status()

    def _remember_current(self) -> None:
        current = self.view.currentIndex()
        self._current = None
        if current.isValid() and current.row() < self.model.rowCount():
            uid = self.model.uids_of_view_rows([current.row()])
            self._current = (str(uid[0]), current.column()) if len(uid) else None

    def _restore_current(self) -> None:
        """The current cell goes back to its feature, wherever the sort or a deletion put its row."""
        if self._current is None:
            return
        uid, column = self._current
        rows = self.model.view_rows_of_uids([uid])
        if len(rows) and column < self.model.columnCount():
            self.view.selectionModel().setCurrentIndex(self.model.index(int(rows[0]), column),
                                                       QItemSelectionModel.SelectionFlag.NoUpdate)

    def _update_status(self) -> None:
        self.status.setText(self.tr("%1 of %2 rows shown, %3 selected")
                            .replace("%1", f"{self.model.rowCount():,}")
                            .replace("%2", f"{len(self.layer.frame):,}")
                            .replace("%3", f"{len(self.layer.selection):,}"))

    def zoom_to_selection(self) -> None:
        rows = self.layer.selected_rows()
        if self.window is None or len(rows) == 0:
            return
        self.window.canvas.zoom_to_extent(self.layer.extent(rows))

    def show_refusal(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        if self.window is not None:
            self.window.statusBar().showMessage(text, 8000)


class AttributeTableDock(QDockWidget):
    def __init__(self, window, layer: Layer):
        super().__init__(QCoreApplication.translate("AttributeTable", "Attribute table — %1").replace("%1", layer.title),
                         window)
        document = window.document
        self.table = AttributeTable(layer, document.project if document else None, window, self,
                                    edits=document.edits(layer) if document else None)
        self.setWidget(self.table)
        self.setObjectName(f"attribute_table_{layer.kind}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)


def open_attribute_table(window, layer: Layer) -> AttributeTableDock:
    """Show the attribute table of `layer` (one per layer; raised if already open)."""
    tables: dict = window.__dict__.setdefault("attribute_tables", {})
    dock = tables.get(id(layer))
    if dock is None:
        dock = AttributeTableDock(window, layer)
        tables[id(layer)] = dock
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        # share the widest panel at the bottom (e.g. the conflicts) as a tab rather than squeeze beside it
        bottom = [d for d in window.findChildren(QDockWidget) if d is not dock and d.isVisible() and not d.isFloating()
                  and window.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea]
        if bottom:
            window.tabifyDockWidget(max(bottom, key=lambda d: d.width()), dock)
        dock.destroyed.connect(lambda *_, key=id(layer): tables.pop(key, None))
    dock.show()
    dock.raise_()
    return dock


def close_attribute_tables(window) -> None:
    for dock in list(window.__dict__.get("attribute_tables", {}).values()):
        dock.table.close_table()
        dock.close()
    window.__dict__.get("attribute_tables", {}).clear()


class _Installer(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.menu = window.menus["tools"].addMenu(self.tr("Attribute &table"))
        self.action = QAction(icon("table"), self.tr("Open attribute &table…"), window)
        self.action.setIconText(self.tr("Attributes"))
        self.action.setShortcut(QKeySequence("F6"))
        self.action.triggered.connect(self.choose)
        window.menus["tools"].addAction(self.action)
        window.toolbar.addAction(self.action)
        window.action_attribute_table = self.action
        window.documentChanged.connect(self._document_changed)
        self._document_changed(window.document)

    def _document_changed(self, document) -> None:
        close_attribute_tables(self.window)
        self.menu.clear()
        layers = list(reversed(document.layers)) if document is not None else []
        for layer in layers:
            self.menu.addAction(layer.title, lambda layer=layer: open_attribute_table(self.window, layer))
        self.menu.setEnabled(bool(layers))
        self.action.setEnabled(bool(layers))

    def choose(self) -> None:
        document = self.window.document
        if document is None or not document.layers:
            return
        layers = list(reversed(document.layers))
        tree = getattr(self.window, "layer_tree", None)
        current = tree.current_layer() if tree is not None else None
        if current is not None:
            open_attribute_table(self.window, current)
            return
        title, ok = QInputDialog.getItem(self.window, self.tr("Attribute table"), self.tr("Layer:"),
                                         [layer.title for layer in layers], 0, False)
        if ok:
            open_attribute_table(self.window, layers[[layer.title for layer in layers].index(title)])


def install(window) -> None:
    window.attribute_table_installer = _Installer(window)
