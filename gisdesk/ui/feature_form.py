"""The form of one feature, made from its layer's schema: the editor a field team fills in on site.

Each schema field gets the editor its type asks for — a drop-down for a choice, a checkable list
for codes, a date picker, a number box that takes only numbers — with required fields marked
and every value checked by the schema's own conversion before anything is saved. A ledger
case's status offers only the moves its workflow allows (gisdesk.layers.ledger), each with a
note for the history; the case's history is listed under the form and an overdue case says so.
Saving writes the changed values through the layer's edit session (one undoable command, one
transaction) and the status through Project.change_status (append-only history, not undoable),
as the attribute table does.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QDoubleValidator, QIntValidator
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPlainTextEdit, QScrollArea, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from gisdesk.errors import GisdeskError
from gisdesk.layers.layer import Layer
from gisdesk.layers.ledger import TRANSITIONS, overdue
from gisdesk.layers.names import VALUE_NAMES, field_header, value_name
from gisdesk.layers.schema import CODES, DATE, ENUM, FLOAT, INT, Field, SchemaProblems
from gisdesk.store import current_user
from gisdesk.ui.attribute_table import convert_value, format_value, is_missing, refusal_message

EMPTY_DATE = QDate(1900, 1, 1)  # the date editor's "no date" (shown blank)
LONG_TEXT = {"notes", "address"}  # fields edited in a box of several lines
INVALID = "QLineEdit, QComboBox, QDateEdit, QListWidget, QPlainTextEdit { border: 1px solid #d32f2f; }"


class FeatureForm(QDialog):
    """Edit the attributes of feature `uid` of `layer`; `project` None: a layer with no store (read only)."""

    def __init__(self, layer: Layer, uid: str, *, project=None, edits=None, today: dt.date | None = None, parent=None):
        super().__init__(parent)
        self.layer, self.uid, self.project, self.edits = layer, str(uid), project, edits
        rows = layer.uid_rows.rows_of([self.uid])
        if not len(rows):
            raise GisdeskError("图层 {layer} 中没有要素 {uid}", "layer {layer} has no feature {uid}",
                               layer=layer.title, uid=self.uid)
        self.row = layer.frame.iloc[int(rows[0])]
        self.today = today or dt.date.today()
        self.schema = layer.info.schema
        self.editors: dict[str, QWidget] = {}
        self.setWindowTitle(self.tr("%1 · %2").replace("%1", layer.title).replace("%2", self.uid))

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in self.schema.fields:
            if f.name not in layer.frame.columns or f.name == "uid":
                continue
            label = QLabel(field_header(f) + (" *" if f.required else ""))
            label.setToolTip(self.tr("Required") if f.required else "")
            editor = self._editor(f, self.row.get(f.name))
            if isinstance(editor, QLineEdit) and editor.text() == self.uid:
                editor.setReadOnly(True)  # the field the uid is (a case's 编号): renaming it is not an edit
                editor.setStyleSheet("color: #555;")
            self.editors[f.name] = editor
            form.addRow(label, editor)
            if self._is_status(f):
                self.status_note = QLineEdit()
                self.status_note.setPlaceholderText(self.tr("Why the status changes (kept in the case history)"))
                self.status_note.setEnabled(False)
                editor.currentIndexChanged.connect(self._status_moved)
                form.addRow(QLabel(self.tr("Note")), self.status_note)
        body = QWidget()
        body.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        layout = QVBoxLayout(self)
        self.overdue_label = QLabel()
        self.overdue_label.setStyleSheet("background: #fdecea; color: #b71c1c; padding: 4px; font-weight: bold;")
        self.overdue_label.setVisible(False)
        layout.addWidget(self.overdue_label)
        self._show_overdue()
        layout.addWidget(scroll, 3)
        self.history_table = None
        if layer.kind == "ledger" and project is not None:
            self.history_table = self._history()
            layout.addWidget(QLabel(self.tr("History")))
            layout.addWidget(self.history_table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b71c1c;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(project is not None and edits is not None)
        layout.addWidget(buttons)
        self.resize(520, 640)

    # --- editors -------------------------------------------------------------------------

    def _is_status(self, f: Field) -> bool:
        return self.layer.kind == "ledger" and f.name == "status"

    def _old(self, name: str):
        value = self.row.get(name)
        return None if is_missing(value) else value

    def _editor(self, f: Field, value) -> QWidget:
        value = None if is_missing(value) else value
        if f.type == ENUM:
            box = QComboBox()
            choices = list(f.values)
            if self._is_status(f):  # only the moves the workflow allows
                choices = ([value] if value else []) + list(TRANSITIONS.get(value, ()))
            elif not f.required:
                box.addItem("", None)
            for choice in choices:
                box.addItem(value_name(f, choice) if f.name in VALUE_NAMES else choice, choice)
            if value is not None and box.findData(value) < 0:  # a value from before the schema knew it
                box.addItem(str(value), value)
            box.setCurrentIndex(max(box.findData(value), 0))
            box.currentIndexChanged.connect(self._show_overdue)
            return box
        if f.type == CODES:
            codes = QListWidget()
            held = set(str(value).replace(",", ";").split(";")) if value else set()
            for code in f.values:
                item = QListWidgetItem(value_name(f, code) if f.name in VALUE_NAMES else code)
                item.setData(Qt.ItemDataRole.UserRole, code)
                item.setCheckState(Qt.CheckState.Checked if code in held else Qt.CheckState.Unchecked)
                codes.addItem(item)
            codes.setMaximumHeight(min(22 * len(f.values) + 6, 140))
            return codes
        if f.type == DATE:
            date = QDateEdit()
            date.setCalendarPopup(True)
            date.setDisplayFormat("yyyy-MM-dd")
            date.setMinimumDate(EMPTY_DATE)
            date.setSpecialValueText(" ")  # the minimum shows blank: no date
            parsed = QDate.fromString(str(value)[:10], "yyyy-MM-dd") if value else QDate()
            date.setDate(parsed if parsed.isValid() else EMPTY_DATE)
            date.dateChanged.connect(self._show_overdue)
            return date
        if f.name in LONG_TEXT:
            text = QPlainTextEdit(format_value(value))
            text.setMaximumHeight(70)
            return text
        line = QLineEdit(format_value(value))
        if f.type == INT:
            line.setValidator(QIntValidator(int(f.minimum) if f.minimum is not None else -2**31, 2**31 - 1, line))
        elif f.type == FLOAT:
            validator = QDoubleValidator(line)
            if f.minimum is not None:
                validator.setBottom(f.minimum)
            validator.setNotation(QDoubleValidator.Notation.StandardNotation)
            line.setValidator(validator)
        return line

    def value(self, name: str):
        """What the editor of field `name` holds now, as text/code (None: empty)."""
        editor = self.editors[name]
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QListWidget):
            codes = [editor.item(i).data(Qt.ItemDataRole.UserRole) for i in range(editor.count())
                     if editor.item(i).checkState() == Qt.CheckState.Checked]
            return ";".join(codes) or None
        if isinstance(editor, QDateEdit):
            return None if editor.date() == EMPTY_DATE else editor.date().toString("yyyy-MM-dd")
        text = editor.toPlainText() if isinstance(editor, QPlainTextEdit) else editor.text()
        return text.strip() or None

    # --- what the form tells -----------------------------------------------------------------

    def _status_moved(self, *_) -> None:
        self.status_note.setEnabled(self.value("status") != self._old("status"))

    def _show_overdue(self, *_) -> None:
        if self.layer.kind != "ledger" or "deadline" not in self.editors or "status" not in self.editors:
            return
        status, deadline = self.value("status"), self.value("deadline")
        late = overdue(status, deadline, self.today)
        self.overdue_label.setVisible(late)
        if late:
            days = (self.today - dt.date.fromisoformat(deadline)).days
            self.overdue_label.setText(self.tr("Overdue by %1 days (deadline %2)").replace("%1", str(days))
                                       .replace("%2", deadline))

    def _history(self) -> QTableWidget:
        events = self.project.history(self.uid)
        table = QTableWidget(len(events), 5)
        table.setHorizontalHeaderLabels([self.tr("When"), self.tr("Who"), self.tr("From"), self.tr("To"),
                                         self.tr("Note")])
        for r, event in enumerate(events.itertuples()):
            for c, text in enumerate((event.at, event.who, event.from_status, event.to_status, event.note)):
                table.setItem(r, c, QTableWidgetItem("" if pd.isna(text) else str(text)))
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeColumnsToContents()
        return table

    # --- saving ------------------------------------------------------------------------------

    def changes(self) -> dict:
        """{field: new value as the schema stores it} of the fields changed; raises SchemaProblems
        (the first bad field's editor marked) or GisdeskError for an empty required field."""
        for editor in self.editors.values():
            if not (isinstance(editor, QLineEdit) and editor.isReadOnly()):
                editor.setStyleSheet("")
        changed = {}
        for f in self.schema.fields:
            if f.name not in self.editors:
                continue
            text = self.value(f.name)
            if f.required and text is None:
                self.editors[f.name].setStyleSheet(INVALID)
                self.editors[f.name].setFocus()
                raise GisdeskError("必须填写“{field}”", "{field} is required", field=f.label())
            try:
                new = convert_value(f, text, source=self.layer.title, uid=self.uid)
            except SchemaProblems:
                self.editors[f.name].setStyleSheet(INVALID)
                self.editors[f.name].setFocus()
                raise
            old = self._old(f.name)
            if (old is None and new is None) or (old is not None and new is not None and _same(old, new)):
                continue
            changed[f.name] = new
        return changed

    def save(self) -> None:
        try:
            changed = self.changes()
        except SchemaProblems as error:
            self.message.setText(refusal_message(error, self.schema[error.problems[0].field]))
            return
        except GisdeskError as error:
            self.message.setText(str(error))
            return
        status = changed.pop("status", None) if self.layer.kind == "ledger" else None
        try:
            if status is not None:  # first: a refused move saves nothing else either
                self.project.change_status(self.uid, status, who=current_user(), layer_id=self.layer.id,
                                           note=self.status_note.text().strip())
                self.layer.set_values(self.layer.uid_rows.rows_of([self.uid]), "status", [status])
                self.edits.refresh_versions([self.uid])
            if changed:
                self.edits.set_attributes(self.uid, changed, text=self.tr("Edit %1").replace("%1", self.uid))
                try:
                    self.edits.commit()
                except GisdeskError:
                    self.edits.revert()
                    raise
        except GisdeskError as error:
            self.message.setText(str(error))
            return
        self.accept()


def _same(old, new) -> bool:
    try:
        return float(old) == float(new) if isinstance(new, (int, float)) else str(old) == str(new)
    except (TypeError, ValueError):
        return str(old) == str(new)


def open_feature_form(window, layer: Layer, uid: str) -> FeatureForm:
    """The form of a feature of the window's open document, shown (not modal: the map stays usable)."""
    document = window.document
    form = FeatureForm(layer, uid, project=document.project, edits=document.edits(layer), parent=window)
    form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    form.show()
    return form
