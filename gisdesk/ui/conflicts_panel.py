"""The Conflicts dock: run the check, walk the conflicts by severity, confirm or dismiss each.

Analysis › Run check runs `run_check` as a job (the project's stored rules, else the
default rule file). The table is a QAbstractTableModel over the last check's conflicts
joined with the review decisions, most severe first, as gisdesk.analysis.conflict_list
loads and orders them: encroachments before setback shortfalls, encroachments by depth
then overlap area, shortfalls by size.
Selecting a row zooms the map to the building and the nearby part of its control zone
and outlines both. Confirm / Dismiss store the decision with the note in the project.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDockWidget, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QTableView, QToolButton, QVBoxLayout, QWidget)

from gisdesk import reviews
from gisdesk.analysis.check import run_check
from gisdesk.analysis.conflict_list import load_conflicts
from gisdesk.layers.kinds import CONTROL_KINDS, KINDS
from gisdesk.project import Project
from gisdesk.render.snapshot import Highlight
from gisdesk.render.style import CONTROL_COLORS
from gisdesk.store import current_user, local_now
from gisdesk.rules import project_rules
from gisdesk.ui.jobs import run_job
from gisdesk.ui.icons import icon

COLUMNS = ["subject", "control_kind", "relation", "overlap_m2", "depth_m", "distance_m", "required_m",
           "shortfall_m", "decision", "note"]
NUMERIC = {"overlap_m2": 1, "depth_m": 2, "distance_m": 2, "required_m": 1, "shortfall_m": 2}  # decimals
ENCROACH_ONLY, SETBACK_ONLY = {"overlap_m2", "depth_m"}, {"distance_m", "required_m", "shortfall_m"}
MIN_PAD_M = 20.0  # margin around the building when zooming to a conflict


def kind_label(kind: str) -> str:
    return {
        "red": QCoreApplication.translate("conflicts", "Road red line"),
        "green": QCoreApplication.translate("conflicts", "Green line"),
        "blue": QCoreApplication.translate("conflicts", "Blue line"),
        "purple": QCoreApplication.translate("conflicts", "Purple line"),
        "yellow": QCoreApplication.translate("conflicts", "Yellow line"),
    }.get(kind, kind)


def relation_label(relation: str) -> str:
    return {
        "encroach": QCoreApplication.translate("conflicts", "Encroachment"),
        "setback": QCoreApplication.translate("conflicts", "Setback shortfall"),
    }.get(relation, relation)


def decision_label(decision: str) -> str:
    return {
        reviews.CONFIRMED: QCoreApplication.translate("conflicts", "Confirmed"),
        reviews.DISMISSED: QCoreApplication.translate("conflicts", "Dismissed"),
    }.get(decision, QCoreApplication.translate("conflicts", "Pending"))


# --- the jobs (worker thread, no widgets) ------------------------------------------------

def check_project(project: Project, *, feedback) -> None:
    """The check as the UI runs it, in a child process: results go into the project, nothing comes back."""
    run_check(project, project_rules(project), feedback=feedback)


# --- the model ---------------------------------------------------------------------------

class _Row:
    """One shown row, read from the model's column arrays; indexes like a pandas row."""

    __slots__ = ("arrays", "i")

    def __init__(self, arrays: dict, i: int):
        self.arrays, self.i = arrays, i

    def __getitem__(self, column: str):
        return self.arrays[column][self.i]

    def get(self, column: str, default=None):
        array = self.arrays.get(column)
        return default if array is None else array[self.i]


class ConflictsModel(QAbstractTableModel):
    """The conflicts (one row per subject × control feature), filtered; no copy into widgets."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._all = pd.DataFrame(columns=[*reviews.KEY, "relation", "decision", "note", "subject_name"])
        self._show(self._all)
        self.filters: dict[str, str] = {}
        self.colors = dict(CONTROL_COLORS)
        self._icons: dict[str, QIcon] = {}
        self.headers = [self.tr("Building / case"), self.tr("Line kind"), self.tr("Relation"), self.tr("Overlap m²"),
                        self.tr("Depth m"), self.tr("Distance m"), self.tr("Required m"), self.tr("Shortfall m"),
                        self.tr("Decision"), self.tr("Note")]

    # --- data in ---------------------------------------------------------------------

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        self.beginResetModel()
        self._all = frame.reset_index(drop=True) if frame is not None else self._all.iloc[0:0]
        self._show(self._filtered())
        self.endResetModel()

    def set_filter(self, **filters: str) -> None:
        """control_kind=, relation=, decision= ('' for all; decision 'pending' for undecided)."""
        self.filters.update(filters)
        self.beginResetModel()
        self._show(self._filtered())
        self.endResetModel()

    def _show(self, rows: pd.DataFrame) -> None:
        self._rows = rows
        # data() reads cells from plain arrays: a pandas row per cell would cost ~0.1 ms, per role
        self._arrays = {column: rows[column].to_numpy() for column in rows.columns}

    def _filtered(self) -> pd.DataFrame:
        frame = self._all
        mask = np.ones(len(frame), dtype=bool)
        for column in ("control_kind", "relation", "decision"):
            value = self.filters.get(column, "")
            if value:
                mask &= (frame[column] == ("" if value == "pending" else value)).to_numpy()
        return frame[mask] if not mask.all() else frame

    def set_decision(self, keys: list[tuple], decision: str, note: str, who: str = "", at: str = "") -> None:
        """Show decisions just stored (no reload); rows that leave the filter go."""
        wanted = pd.MultiIndex.from_tuples(keys)
        hit = pd.MultiIndex.from_frame(self._all[reviews.KEY].astype(str)).isin(wanted)
        for column, value in (("decision", decision), ("note", note), ("who", who), ("at", at)):
            if column in self._all.columns:
                self._all.loc[hit, column] = value
        self.beginResetModel()
        self._show(self._filtered())
        self.endResetModel()

    # --- data out --------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self._all)

    def frame(self) -> pd.DataFrame:
        """The rows as shown (filtered, in order)."""
        return self._rows

    def row(self, index: int) -> pd.Series:
        return self._rows.iloc[index]

    def key(self, index: int) -> tuple[str, str, str, str]:
        row = self._rows.iloc[index]
        return tuple(str(row[c]) for c in reviews.KEY)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = _Row(self._arrays, index.row())
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.UserRole:  # raw value
            return row.get(column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and column == "control_kind":
            return self._icon(row["control_kind"])
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "relation":
                return QBrush(QColor("#b3261e" if row["relation"] == "encroach" else "#a15c00"))
            if column == "decision":
                return QBrush(QColor({"confirmed": "#b3261e", "dismissed": "#2e7d32"}.get(row["decision"], "#888888")))
        if role == Qt.ItemDataRole.ToolTipRole and column == "subject":
            return f"{KINDS[row['subject_layer']].title if row['subject_layer'] in KINDS else row['subject_layer']}" \
                   f" {row['subject_id']}"
        if role == Qt.ItemDataRole.ToolTipRole and column in ("decision", "note") and row.get("who"):
            return f"{row.get('who', '')} {row.get('at', '')}"
        return None

    def _display(self, row, column: str):
        if column == "subject":
            name = row.get("subject_name") or ""
            text = f"{name}（{row['subject_id']}）" if name else str(row["subject_id"])
            if row["subject_layer"] != "buildings" and row["subject_layer"] in KINDS:
                text = f"[{KINDS[row['subject_layer']].title}] {text}"
            return text
        if column == "control_kind":
            return kind_label(row["control_kind"])
        if column == "relation":
            return relation_label(row["relation"])
        if column == "decision":
            return decision_label(row["decision"])
        if column == "note":
            return row.get("note") or ""
        if column in NUMERIC:
            if (column in ENCROACH_ONLY and row["relation"] != "encroach") or \
                    (column in SETBACK_ONLY and row["relation"] != "setback"):
                return ""
            value = row.get(column)
            return "" if value is None or pd.isna(value) else f"{float(value):,.{NUMERIC[column]}f}"
        return str(row.get(column, ""))

    def _icon(self, kind: str) -> QIcon:
        if kind not in self._icons:
            pixmap = QPixmap(12, 12)
            pixmap.fill(QColor(self.colors.get(kind, "#888888")))
            self._icons[kind] = QIcon(pixmap)
        return self._icons[kind]


# --- the panel ---------------------------------------------------------------------------

class ConflictsPanel(QWidget):
    reloaded = Signal()  # the table shows the project's current check results (after a check or a reopen)
    checkFinished = Signal()

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.document = None
        self.checking = None  # the running check job
        self.model = ConflictsModel(self)

        self.action_check = QAction(icon("check"), self.tr("Run &check"), window)
        self.action_check.setToolTip(self.tr("Check buildings and ledger cases against the control lines"))
        self.action_check.setShortcut("F5")
        self.action_check.triggered.connect(self.run_check)
        self.action_check.setEnabled(False)
        window.menus["analysis"].addAction(self.action_check)
        window.toolbar.addSeparator()
        window.toolbar.addAction(self.action_check)

        run_button = QToolButton()
        run_button.setDefaultAction(self.action_check)
        run_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.kind_combo = QComboBox()
        self.relation_combo = QComboBox()
        self.decision_combo = QComboBox()
        self.relation_combo.addItem(self.tr("All relations"), "")
        self.relation_combo.addItem(relation_label("encroach"), "encroach")
        self.relation_combo.addItem(relation_label("setback"), "setback")
        self.decision_combo.addItem(self.tr("All decisions"), "")
        self.decision_combo.addItem(decision_label(""), "pending")
        self.decision_combo.addItem(decision_label(reviews.CONFIRMED), reviews.CONFIRMED)
        self.decision_combo.addItem(decision_label(reviews.DISMISSED), reviews.DISMISSED)
        self._fill_kinds([])
        for combo, column in ((self.kind_combo, "control_kind"), (self.relation_combo, "relation"),
                              (self.decision_combo, "decision")):
            combo.currentIndexChanged.connect(lambda _=0, c=combo, col=column: self._filter(col, c.currentData()))
        self.count_label = QLabel()
        self.run_label = QLabel()
        self.run_label.setStyleSheet("color: #666;")

        top = QHBoxLayout()
        top.addWidget(run_button)
        top.addSpacing(12)
        top.addWidget(QLabel(self.tr("Line kind")))
        top.addWidget(self.kind_combo)
        top.addWidget(QLabel(self.tr("Relation")))
        top.addWidget(self.relation_combo)
        top.addWidget(QLabel(self.tr("Decision")))
        top.addWidget(self.decision_combo)
        top.addSpacing(12)
        top.addWidget(self.count_label)
        top.addStretch(1)
        top.addWidget(self.run_label)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in zip(range(len(COLUMNS)), (260, 120, 130, 95, 80, 90, 90, 90, 90, 200)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("Note for the decision (e.g. permit number, site visit)"))
        self.note_edit.returnPressed.connect(self.confirm)
        self.confirm_button = QPushButton(self.tr("Confirm"))
        self.confirm_button.setToolTip(self.tr("The conflict is real: keep it for enforcement"))
        self.dismiss_button = QPushButton(self.tr("Dismiss"))
        self.dismiss_button.setToolTip(self.tr("Not a conflict (e.g. permitted, data error)"))
        self.confirm_button.clicked.connect(self.confirm)
        self.dismiss_button.clicked.connect(self.dismiss)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel(self.tr("Note")))
        bottom.addWidget(self.note_edit, 1)
        bottom.addWidget(self.confirm_button)
        bottom.addWidget(self.dismiss_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self._update_buttons()
        self._update_count()
        window.documentChanged.connect(self.set_document)
        self._shown = None  # the outline of the conflict selected in the list, on the canvas

    # --- the project -----------------------------------------------------------------

    def set_document(self, document) -> None:
        self.document = document
        self.model.set_frame(None)
        self.window.canvas.set_highlight(None)
        self.action_check.setEnabled(document is not None)
        self._update_buttons()
        self._update_count()
        self.run_label.setText("")
        if document is None:
            return
        document.events["edits"].connect(lambda *_: self._show_run(document))
        colors = {kind: (document.layer(kind).style.get("stroke") if document.layer(kind) else None)
                  or CONTROL_COLORS.get(kind, "#888888") for kind in CONTROL_KINDS}
        self.model.colors = colors
        self.model._icons.clear()
        self.reload()

    def reload(self) -> None:
        """Read the stored results again (in the background)."""
        if self.document is None:
            return
        document = self.document
        run_job(self.window, self.tr("Loading conflicts"), load_conflicts, document.project,
                on_done=lambda frame: self._loaded(document, frame), in_process=True)

    def run_check(self) -> None:
        if self.document is None or self.checking is not None:
            return
        document = self.document
        self.checking = run_job(self.window, self.tr("Conflict check"), check_project, document.project,
                                on_done=lambda _: self._load_checked(document),
                                on_error=lambda _error: self._check_over(), in_process=True)
        self.action_check.setEnabled(False)
        self._update_buttons()

    def _check_over(self) -> None:
        self.checking = None
        self.action_check.setEnabled(self.document is not None)
        self._update_buttons()

    def _load_checked(self, document) -> None:
        run_job(self.window, self.tr("Loading conflicts"), load_conflicts, document.project,
                on_done=lambda frame: self._checked(document, frame), on_error=lambda _error: self._check_over(),
                in_process=True)

    def _checked(self, document, frame) -> None:
        self._check_over()
        if self._loaded(document, frame):
            self.checkFinished.emit()

    def _loaded(self, document, frame) -> bool:
        if document is not self.document:
            return False  # another project was opened meanwhile
        self.model.set_frame(frame)
        if self.window.canvas.highlight == self._shown:  # the list's own outline goes; an identified feature's stays
            self.window.canvas.set_highlight(None)
        self._show_run(document)
        kinds = sorted(frame["control_kind"].unique(), key=_kind_order) if frame is not None else []
        self._fill_kinds(kinds)
        self._update_count()
        self._update_buttons()
        self.reloaded.emit()
        return True

    def _show_run(self, document) -> None:
        """When the shown check ran, and whether layers changed since (by gisdesk or any other tool)."""
        if document is not self.document:
            return
        run = document.project.last_run()
        if not run:
            self.run_label.setText(self.tr("No check has been run yet"))
            return
        text = (self.tr("Last check %1 · tolerance %2 m² / %3 m")
                .replace("%1", str(run["finished_at"]).replace("T", " ")[:16])
                .replace("%2", f"{run['overlap_m2']:g}").replace("%3", f"{run['width_m']:g}"))
        stale = document.project.stale_layers()
        if stale:
            titles = {layer.id: layer.title for layer in document.layers}
            text += " · " + self.tr("STALE: %1 changed since; run the check again").replace(
                "%1", "、".join(titles.get(s, s) for s in stale))
        self.run_label.setText(text)
        self.run_label.setStyleSheet("color: #b00020;" if stale else "color: #666;")

    # --- filters ---------------------------------------------------------------------

    def _fill_kinds(self, kinds) -> None:
        current = self.kind_combo.currentData()
        self.kind_combo.blockSignals(True)
        self.kind_combo.clear()
        self.kind_combo.addItem(self.tr("All line kinds"), "")
        for kind in kinds:
            self.kind_combo.addItem(self.model._icon(kind), kind_label(kind), kind)
        index = self.kind_combo.findData(current) if current else 0
        self.kind_combo.setCurrentIndex(max(index, 0))
        self.kind_combo.blockSignals(False)
        self.model.filters["control_kind"] = self.kind_combo.currentData() or ""
        self.model.set_filter()

    def _filter(self, column: str, value) -> None:
        self.model.set_filter(**{column: value or ""})
        self.window.canvas.set_highlight(None)
        self._update_count()
        self._update_buttons()

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total
        self.count_label.setText(self.tr("%1 of %2 conflicts").replace("%1", f"{shown:,}").replace("%2", f"{total:,}"))

    # --- selection -------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def _selection_changed(self, *_):
        self._update_buttons()
        current = self.table.selectionModel().currentIndex()
        rows = self.selected_rows()
        if not rows:
            return
        row = current.row() if current.isValid() and current.row() in rows else rows[0]
        self.show_conflict(row)

    def show_conflict(self, row: int) -> None:
        """Zoom to the building and the nearby part of its control zone, and outline both."""
        if self.document is None:
            return
        conflict = self.model.row(row)
        subject = _layer_of(self.document, conflict.get("subject_table"), conflict["subject_layer"])
        control = _layer_of(self.document, conflict.get("control_table"), conflict["control_kind"])
        items, extent = [], None
        subject_row = _row_of(subject, conflict["subject_id"])
        control_row = _row_of(control, conflict["control_id"])
        if subject_row is not None:
            items.append(Highlight(subject.id, (str(conflict["subject_id"]),)))
            geom = subject.frame.geometry.iloc[subject_row]
            if geom is not None and not geom.is_empty:
                xmin, ymin, xmax, ymax = geom.bounds
                required = conflict.get("required_m")
                pad = max(MIN_PAD_M, 1.5 * float(required) if pd.notna(required) else 0.0,
                          0.3 * max(xmax - xmin, ymax - ymin))
                extent = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
        if control_row is not None:
            items.append(Highlight(control.id, (str(conflict["control_id"]),)))
            zone = control.frame.geometry.iloc[control_row]
            if zone is not None and not zone.is_empty:
                near = shapely.clip_by_rect(zone, *extent) if extent is not None else zone
                if not near.is_empty:
                    b = near.bounds
                    extent = (min(extent[0], b[0]), min(extent[1], b[1]), max(extent[2], b[2]),
                              max(extent[3], b[3])) if extent else b
        self._shown = tuple(items) or None
        self.window.canvas.set_highlight(self._shown)  # by uid: drawn wherever edits move the rows
        if extent is not None:
            self.window.canvas.zoom_to_extent(extent)

    # --- decisions -------------------------------------------------------------------

    def confirm(self) -> None:
        self.decide(reviews.CONFIRMED)

    def dismiss(self) -> None:
        self.decide(reviews.DISMISSED)

    def decide(self, decision: str) -> None:
        """Store the decision and note on the selected conflicts (one transaction) and show it."""
        rows = self.selected_rows()
        if self.document is None or not rows or self.checking is not None:
            return
        keys = [self.model.key(r) for r in rows]
        note = self.note_edit.text().strip()
        who, at = current_user(), local_now()
        reviews.set_decisions(self.document.project, keys, decision, note=note, who=who, at=at)
        first = rows[0]
        self.model.set_decision(keys, decision, note, who, at)
        self.note_edit.clear()
        self._update_count()
        if self.model.rowCount():  # go on with the next conflict
            nxt = min(first if self.model.filters.get("decision") else rows[-1] + 1, self.model.rowCount() - 1)
            self.table.selectionModel().setCurrentIndex(
                self.model.index(nxt, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect |
                QItemSelectionModel.SelectionFlag.Rows)
        self.window.statusBar().showMessage(
            self.tr("%1 decision(s) saved: %2").replace("%1", str(len(keys))).replace("%2", decision_label(decision)),
            5000)

    def _update_buttons(self) -> None:
        enabled = self.document is not None and self.checking is None and bool(self.selected_rows())
        self.confirm_button.setEnabled(enabled)
        self.dismiss_button.setEnabled(enabled)


def _kind_order(kind: str) -> int:
    return CONTROL_KINDS.index(kind) if kind in CONTROL_KINDS else len(CONTROL_KINDS)


def _layer_of(document, layer_id, kind: str):
    """The conflict's layer: by its id (subject_table / control_table), else the first of its kind."""
    if isinstance(layer_id, str) and layer_id:
        return document.layer_by_id(layer_id)
    return document.layer(kind)


def _row_of(layer, uid) -> int | None:
    """The row of the feature with `uid` in the layer's current data, to find its geometry now."""
    if layer is None:
        return None
    position = layer.uid_rows.row_of_each([uid])[0]
    return int(position) if position >= 0 else None


def install(window) -> None:
    panel = ConflictsPanel(window)
    dock = QDockWidget(QCoreApplication.translate("conflicts", "Conflicts"), window)
    dock.setObjectName("conflicts_dock")
    dock.setWidget(panel)
    window.add_dock(dock, Qt.DockWidgetArea.BottomDockWidgetArea)
    window.conflicts_panel, window.conflicts_dock = panel, dock
    jobs = getattr(window, "jobs_dock", None)
    if jobs is not None and window.dockWidgetArea(jobs) == Qt.DockWidgetArea.BottomDockWidgetArea:
        window.splitDockWidget(dock, jobs, Qt.Orientation.Horizontal)  # the jobs to the right of the table
        window.resizeDocks([dock, jobs], [1100, 320], Qt.Orientation.Horizontal)
    window.resizeDocks([dock], [280], Qt.Orientation.Vertical)
