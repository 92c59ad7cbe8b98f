"""The Conflicts dock: run the check, filter and walk the conflicts by severity, confirm or dismiss each.

Analysis › Run check runs `run_check` as a job (the project's stored rules, else the
default rule file). The table is a QAbstractTableModel over the last check's conflicts
joined with the review decisions, most severe first, as gisdesk.analysis.conflict_list
loads and orders them: encroachments before setback shortfalls, encroachments by depth
then overlap area, shortfalls by size. Each row shows the subject by its name or address
and where it is (district, street: analysis.conflict_view reads them from its layer).

Filters (subject layer, district, street, line kind, relation, period, exemption, decision,
and a text search over name, address and ids) combine; exempt conflicts are hidden unless
asked for. They are vectorised masks over the whole frame (conflict_view.ConflictSearch),
so a keystroke in the search costs milliseconds on 100 k conflicts. Next / previous
(N / P in the table, Ctrl+. / Ctrl+, anywhere, the dock's arrows) walk the shown rows.

Selecting a row zooms the map to the building and the nearby part of its control zone,
outlines both and draws the conflict: its overlap shaded, for a setback shortfall the line
at the required distance and the shortest distance, labelled (render.conflict_marks).
Confirm / Dismiss store the decision with the note in the project.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import (QAbstractTableModel, QCoreApplication, QEvent, QItemSelectionModel, QModelIndex, Qt,
                            QTimer, Signal)
from PySide6.QtGui import QAction, QBrush, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDockWidget, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QTableView, QToolButton, QVBoxLayout, QWidget)

from gisdesk import reviews
from gisdesk.analysis.check import run_check
from gisdesk.analysis.conflict_view import (HIDE_EXEMPT, ONLY_EXEMPT, PENDING, WITH_EXEMPT, ConflictSearch,
                                            ListFilter, conflict_geometry, load_conflict_list, sorted_order,
                                            stepped)
from gisdesk.errors import GisdeskError
from gisdesk.layers.kinds import CONTROL_KINDS, KINDS
from gisdesk.layers.zones import control_zones
from gisdesk.project import Project
from gisdesk.render.conflict_marks import ConflictMarks
from gisdesk.render.snapshot import Highlight
from gisdesk.render.style import CONTROL_COLORS
from gisdesk.rules import project_rules
from gisdesk.store import current_user, local_now
from gisdesk.ui.icons import icon
from gisdesk.ui.jobs import run_job

COLUMNS = ["subject", "place", "subject_table", "control_kind", "relation", "period", "overlap_m2", "depth_m",
           "distance_m", "required_m", "shortfall_m", "decision", "note", "exemption", "subject_id"]
NUMERIC = {"overlap_m2": 1, "depth_m": 2, "distance_m": 2, "required_m": 1, "shortfall_m": 2}  # decimals
ENCROACH_ONLY, SETBACK_ONLY = {"overlap_m2", "depth_m"}, {"distance_m", "required_m", "shortfall_m"}
WIDTHS = {"subject": 150, "place": 136, "subject_table": 86, "control_kind": 84, "relation": 66, "period": 40,
          "overlap_m2": 92, "depth_m": 62, "distance_m": 62, "required_m": 62, "shortfall_m": 62, "decision": 64,
          "note": 140, "exemption": 110, "subject_id": 120}  # px: up to 不足 (m) in view at 1366×768
MIN_PAD_M = 20.0  # margin around the building when zooming to a conflict
SEARCH_DELAY_MS = 200  # the search applies once typing pauses this long (or on Enter)
ROW_HEIGHT = 21
SIDE_WIDTH = 190  # the note, Confirm / Dismiss and the check's date, beside the table
WALK_KEYS = {Qt.Key.Key_N: 1, Qt.Key.Key_P: -1}  # in the table: next / previous conflict


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


def period_label(period: str) -> str:
    return {
        "new": QCoreApplication.translate("conflicts", "New"),
        "existing": QCoreApplication.translate("conflicts", "Existing"),
        "unknown": QCoreApplication.translate("conflicts", "Unknown"),
    }.get(period, period)


# --- the jobs (worker thread, no widgets) ------------------------------------------------

def check_project(project: Project, *, feedback) -> None:
    """The check as the UI runs it, in a child process: results go into the project, nothing comes back."""
    run_check(project, project_rules(project), feedback=feedback)


# --- the model ---------------------------------------------------------------------------

class _Row:
    """One row, read from the model's column arrays at its position; indexes like a pandas row."""

    __slots__ = ("arrays", "i")

    def __init__(self, arrays: dict, i: int):
        self.arrays, self.i = arrays, i

    def __getitem__(self, column: str):
        return self.arrays[column][self.i]

    def get(self, column: str, default=None):
        array = self.arrays.get(column)
        return default if array is None else array[self.i]


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() in ("", "nan")


class ConflictsModel(QAbstractTableModel):
    """The conflicts (one row per subject × control feature), filtered; no copy into widgets."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._all = pd.DataFrame(columns=[*reviews.KEY, "relation", "decision", "note", "subject_name"])
        self.filter = ListFilter()
        self._sorted: tuple[str, bool] | None = None  # (column, descending) of a header click; None: by severity
        self._take(self._all)
        self.layer_titles: dict[str, str] = {}  # subject layer id -> its title
        self.colors = dict(CONTROL_COLORS)
        self._icons: dict[str, QIcon] = {}
        self.headers = {
            "subject": self.tr("Name / address"), "place": self.tr("District / street"),
            "subject_table": self.tr("Layer"), "control_kind": self.tr("Control line"),
            "relation": self.tr("Relation"), "period": self.tr("Period"),
            "overlap_m2": self.tr("Overlap (m²)"), "depth_m": self.tr("Depth (m)"),
            "distance_m": self.tr("Distance (m)"), "required_m": self.tr("Required (m)"),
            "shortfall_m": self.tr("Shortfall (m)"), "decision": self.tr("Decision"), "note": self.tr("Note"),
            "exemption": self.tr("Exemption"), "subject_id": self.tr("Feature uid")}

    # --- data in ---------------------------------------------------------------------

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        self.beginResetModel()
        self._all = frame.reset_index(drop=True) if frame is not None else self._all.iloc[0:0]
        self._take(self._all)
        self.endResetModel()

    def set_filter(self, **changes) -> None:
        """Change fields of the ListFilter (subject_table=, district=, street=, control_kind=, relation=,
        decision= ('pending' for undecided), period=, exemption=, text=); '' for any."""
        self.filter = dataclasses.replace(self.filter, **changes)
        self.beginResetModel()
        self._show()
        self.endResetModel()

    @property
    def filters(self) -> dict:
        return dataclasses.asdict(self.filter)

    def _take(self, frame: pd.DataFrame) -> None:
        """Arrays of all rows, once per frame: a filter then only picks positions (no copy of rows)."""
        # data() reads cells from plain arrays: a pandas row per cell would cost ~0.1 ms, per role
        self._arrays = {column: frame[column].to_numpy() for column in frame.columns}
        self.search = ConflictSearch(frame)
        self._order = sorted_order(frame, *self._sorted) if self._sorted else np.arange(len(frame))
        self._show()

    def _show(self) -> None:
        """The positions shown: those the filter keeps, in the order asked (severity by default)."""
        self._positions = self._order[self.search.mask(self.filter)[self._order]]

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (a header click); column -1: by severity, as loaded."""
        name = COLUMNS[column] if 0 <= column < len(COLUMNS) else None
        self._sorted = (name, order == Qt.SortOrder.DescendingOrder) if name else None
        self.beginResetModel()
        self._order = sorted_order(self._all, *self._sorted) if self._sorted else np.arange(len(self._all))
        self._show()
        self.endResetModel()

    def set_decision(self, keys: list[tuple], decision: str, note: str, who: str = "", at: str = "") -> None:
        """Show decisions just stored (no reload); rows that leave the filter go."""
        wanted = pd.MultiIndex.from_tuples(keys)
        hit = pd.MultiIndex.from_frame(self._all[reviews.KEY].astype(str)).isin(wanted)
        for column, value in (("decision", decision), ("note", note), ("who", who), ("at", at)):
            if column in self._all.columns:
                self._all.loc[hit, column] = value
                self._arrays[column] = self._all[column].to_numpy()
        self.search.update("decision", self._all["decision"])
        self.beginResetModel()
        self._show()
        self.endResetModel()

    # --- data out --------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self._all)

    def exempt_count(self) -> int:
        """Conflicts a rule exempts (all of them, whatever the filters)."""
        return int((self.search.columns["exemption"] != "").sum()) if self.search.has_exemption else 0

    def frame(self) -> pd.DataFrame:
        """The rows as shown (filtered, in order): a copy, made when asked."""
        return self._all.iloc[self._positions]

    def all_rows(self) -> pd.DataFrame:
        return self._all

    def row(self, index: int) -> pd.Series:
        return self._all.iloc[self._positions[index]]

    def key(self, index: int) -> tuple[str, str, str, str]:
        row = self._all.iloc[self._positions[index]]
        return tuple(str(row[c]) for c in reviews.KEY)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._positions)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[COLUMNS[section]]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = _Row(self._arrays, self._positions[index.row()])
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
            if not _blank(row.get("exemption")):
                return QBrush(QColor("#888888"))  # exempt: shown only on request, greyed
            if column == "relation":
                return QBrush(QColor("#b3261e" if row["relation"] == "encroach" else "#a15c00"))
            if column == "period" and row.get("period") == "new":
                return QBrush(QColor("#b3261e"))
            if column == "decision":
                return QBrush(QColor({"confirmed": "#b3261e", "dismissed": "#2e7d32"}.get(row["decision"], "#888888")))
        if role == Qt.ItemDataRole.ToolTipRole and column in ("subject", "place", "subject_id", "period"):
            parts = [self._layer_title(row), str(row["subject_id"])]
            address = row.get("address")
            if not _blank(address) and str(address) != self._display(row, "subject"):
                parts.append(str(address))
            if not _blank(row.get("exemption")):
                parts.append(self.tr("exempt: %1").replace("%1", str(row.get("exemption"))))
            return " · ".join(parts)
        if role == Qt.ItemDataRole.ToolTipRole and column in ("decision", "note") and row.get("who"):
            return f"{row.get('who', '')} {row.get('at', '')}"
        return None

    def _layer_title(self, row) -> str:
        table = row.get("subject_table")
        if not _blank(table) and str(table) in self.layer_titles:
            return self.layer_titles[str(table)]
        kind = row["subject_layer"]
        return KINDS[kind].title if kind in KINDS else str(kind)

    def _display(self, row, column: str):
        if column == "subject":  # the name, else the address, else the uid
            uid = str(row["subject_id"])
            name = row.get("subject_name")
            if _blank(name) or str(name) == uid:
                name = row.get("address")
            if _blank(name):  # no name, no address: where it is (its uid has a column of its own)
                where = next((str(v) for v in (row.get("community"), row.get("street")) if not _blank(v)), "")
                return self.tr("Unnamed") + (f" · {where}" if where else "")
            return str(name).strip()
        if column == "place":
            return " ".join(str(v).strip() for v in (row.get("district"), row.get("street")) if not _blank(v))
        if column == "subject_table":
            return self._layer_title(row)
        if column == "control_kind":
            return kind_label(row["control_kind"])
        if column == "relation":
            return relation_label(row["relation"])
        if column == "period":
            return "" if _blank(row.get("period")) else period_label(str(row.get("period")))
        if column == "decision":
            return decision_label(row["decision"])
        if column in ("note", "exemption"):
            value = row.get(column)
            return "" if _blank(value) else str(value)
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

def _combo(tooltip: str, characters: int = 5) -> QComboBox:
    """A filter: as wide as `characters` (its list opens as wide as its longest choice)."""
    combo = QComboBox()
    combo.setToolTip(tooltip)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    return combo


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

        self.action_next = QAction(self.tr("Next conflict"), window)
        self.action_next.setShortcut(QKeySequence("Ctrl+."))
        self.action_next.setToolTip(self.tr("Next conflict in the list (N, Ctrl+.)"))
        self.action_next.triggered.connect(lambda: self.step(1))
        self.action_previous = QAction(self.tr("Previous conflict"), window)
        self.action_previous.setShortcut(QKeySequence("Ctrl+,"))
        self.action_previous.setToolTip(self.tr("Previous conflict in the list (P, Ctrl+,)"))
        self.action_previous.triggered.connect(lambda: self.step(-1))
        window.menus["analysis"].addAction(self.action_previous)
        window.menus["analysis"].addAction(self.action_next)
        for action in (self.action_next, self.action_previous):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)

        previous_button, next_button = QToolButton(), QToolButton()
        previous_button.setDefaultAction(self.action_previous)
        next_button.setDefaultAction(self.action_next)
        previous_button.setArrowType(Qt.ArrowType.UpArrow)
        next_button.setArrowType(Qt.ArrowType.DownArrow)
        for button in (previous_button, next_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Search name, address or number"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(110)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_edit.returnPressed.connect(self.apply_search)

        self.layer_combo = _combo(self.tr("Subject layer"), 6)
        self.district_combo = _combo(self.tr("District"))
        self.street_combo = _combo(self.tr("Street"), 6)
        self.kind_combo = _combo(self.tr("Control line kind"), 6)
        self.relation_combo = _combo(self.tr("Relation"))
        self.period_combo = _combo(self.tr("When the subject was built, against the line's date"))
        self.exemption_combo = _combo(self.tr("Conflicts a rule exempts (e.g. a protected building in its purple line)"))
        self.decision_combo = _combo(self.tr("Review decision"))
        self.relation_combo.addItem(self.tr("All relations"), "")
        self.relation_combo.addItem(relation_label("encroach"), "encroach")
        self.relation_combo.addItem(relation_label("setback"), "setback")
        self.period_combo.addItem(self.tr("All periods"), "")
        for period in ("new", "existing", "unknown"):
            self.period_combo.addItem(period_label(period), period)
        self.exemption_combo.addItem(self.tr("Exempt hidden"), HIDE_EXEMPT)
        self.exemption_combo.addItem(self.tr("With exempt"), WITH_EXEMPT)
        self.exemption_combo.addItem(self.tr("Exempt only"), ONLY_EXEMPT)
        self.decision_combo.addItem(self.tr("All decisions"), "")
        self.decision_combo.addItem(decision_label(""), PENDING)
        self.decision_combo.addItem(decision_label(reviews.CONFIRMED), reviews.CONFIRMED)
        self.decision_combo.addItem(decision_label(reviews.DISMISSED), reviews.DISMISSED)
        self._fill_choices()
        for combo, field in ((self.layer_combo, "subject_table"), (self.district_combo, "district"),
                             (self.street_combo, "street"), (self.kind_combo, "control_kind"),
                             (self.relation_combo, "relation"), (self.period_combo, "period"),
                             (self.exemption_combo, "exemption"), (self.decision_combo, "decision")):
            combo.currentIndexChanged.connect(lambda _=0, c=combo, f=field: self._filter(f, c.currentData()))
        self.count_label = QLabel()
        self.run_label = QLabel()
        self.run_label.setWordWrap(True)
        self.run_label.setStyleSheet("color: #666;")
        self.exempt_label = QLabel()  # how many exempt conflicts the list leaves out
        self.exempt_label.setWordWrap(True)
        self.exempt_label.setStyleSheet("color: #666;")

        # one row of tools over the table, the decision beside it: the dock stays low (about 160 px
        # at 1366×768, the map keeps the window's height) and still shows several rows; the check
        # itself runs from the main toolbar (F5)
        top = QHBoxLayout()
        top.setSpacing(3)
        top.addWidget(self.search_edit, 1)
        for combo in (self.layer_combo, self.district_combo, self.street_combo, self.kind_combo, self.relation_combo,
                      self.period_combo, self.exemption_combo, self.decision_combo):
            top.addWidget(combo)
        top.addWidget(previous_button)
        top.addWidget(next_button)
        top.addWidget(self.count_label)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # most severe first until a header is clicked
        header.setSortIndicatorClearable(True)  # a third click: back to severity
        self.table.setSortingEnabled(True)
        for column, name in enumerate(COLUMNS):
            self.table.setColumnWidth(column, WIDTHS[name])
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.installEventFilter(self)  # N / P walk the list while the table has the focus

        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("Note (permit number, site visit ...)"))
        self.note_edit.setToolTip(self.tr("Note for the decision (e.g. permit number, site visit)"))
        self.note_edit.returnPressed.connect(self.confirm)
        self.confirm_button = QPushButton(self.tr("Confirm"))
        self.confirm_button.setToolTip(self.tr("The conflict is real: keep it for enforcement"))
        self.dismiss_button = QPushButton(self.tr("Dismiss"))
        self.dismiss_button.setToolTip(self.tr("Not a conflict (e.g. permitted, data error)"))
        self.confirm_button.clicked.connect(self.confirm)
        self.dismiss_button.clicked.connect(self.dismiss)
        side = QWidget()
        side.setFixedWidth(SIDE_WIDTH)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(self.note_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.dismiss_button)
        column.addLayout(buttons)
        column.addWidget(self.exempt_label)
        column.addWidget(self.run_label)
        column.addStretch(1)
        body = QHBoxLayout()
        body.setSpacing(4)
        body.addWidget(self.table, 1)
        body.addWidget(side)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        self._update_buttons()
        self._update_count()
        window.documentChanged.connect(self.set_document)
        self._shown = None  # the outline of the conflict selected in the list, on the canvas

    def eventFilter(self, watched, event) -> bool:
        """N and P in the table: next and previous conflict. The table takes them before the window's
        shortcuts (P is the pan tool elsewhere); typing in the note or the search stays typing."""
        if watched is self.table and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            step = WALK_KEYS.get(event.key()) if event.modifiers() == Qt.KeyboardModifier.NoModifier else None
            if step is not None:
                event.accept()
                if event.type() == QEvent.Type.KeyPress:
                    self.step(step)
                return True
        return super().eventFilter(watched, event)

    # --- the project -----------------------------------------------------------------

    def set_document(self, document) -> None:
        self.document = document
        self.model.set_frame(None)
        self.model.layer_titles = {}
        self._clear_map()
        self.action_check.setEnabled(document is not None)
        self._update_buttons()
        self._update_count()
        self.run_label.setText("")
        if document is None:
            return
        document.events["edits"].connect(lambda *_: self._edited(document))
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
        run_job(self.window, self.tr("Loading conflicts"), load_conflict_list, document.project,
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
        run_job(self.window, self.tr("Loading conflicts"), load_conflict_list, document.project,
                on_done=lambda frame: self._checked(document, frame), on_error=lambda _error: self._check_over(),
                in_process=True)

    def _checked(self, document, frame) -> None:
        self._check_over()
        if self._loaded(document, frame):
            self.checkFinished.emit()

    def _loaded(self, document, frame) -> bool:
        if document is not self.document:
            return False  # another project was opened meanwhile
        self.model.layer_titles = {layer.id: layer.title for layer in document.layers}
        self.model.set_frame(frame)
        if self.window.canvas.highlight == self._shown:  # the list's own outline goes; an identified feature's stays
            self._clear_map()
        self._show_run(document)
        self._fill_choices()
        self._update_count()
        self._update_buttons()
        self.reloaded.emit()
        return True

    def _edited(self, document) -> None:
        """An edit: say whether the check is stale, and draw the conflict shown on the geometry now."""
        self._show_run(document)
        row = self.current_row()
        if document is self.document and row is not None and self.window.canvas.highlight == self._shown:
            self.show_conflict(row, zoom=False)

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

    def _fill_choices(self) -> None:
        """The filters' choices: the layers, districts, streets and kinds present in the results."""
        search = self.model.search
        tables = search.values("subject_table")
        titles = self.model.layer_titles
        self._fill(self.layer_combo, self.tr("All layers"), [(titles.get(t, t), t) for t in tables])
        self._fill(self.district_combo, self.tr("All districts"), [(d, d) for d in search.values("district")])
        self._fill_streets()
        kinds = sorted(search.values("control_kind"), key=_kind_order)
        self._fill(self.kind_combo, self.tr("All line kinds"), [(kind_label(k), k) for k in kinds],
                   icons={k: self.model._icon(k) for k in kinds})
        self.period_combo.setVisible(search.has_period)
        self.exemption_combo.setVisible(search.has_exemption)
        changes = {field: combo.currentData() or "" for field, combo in (
            ("subject_table", self.layer_combo), ("district", self.district_combo), ("street", self.street_combo),
            ("control_kind", self.kind_combo))}
        self.model.set_filter(**changes)

    def _fill_streets(self) -> None:
        """The streets of the chosen district (all streets without one)."""
        search = self.model.search
        district = self.district_combo.currentData() or ""
        among = search.columns["district"] == district if district and "district" in search.columns else None
        self._fill(self.street_combo, self.tr("All streets"), [(s, s) for s in search.values("street", among)])

    @staticmethod
    def _fill(combo: QComboBox, everything: str, items: list[tuple[str, str]], icons: dict | None = None) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, "")
        for text, value in items:
            if icons and value in icons:
                combo.addItem(icons[value], text, value)
            else:
                combo.addItem(text, value)
        index = combo.findData(current) if current else 0
        combo.setCurrentIndex(max(index, 0))
        combo.setEnabled(bool(items))
        combo.blockSignals(False)

    def _filter(self, field: str, value) -> None:
        changes = {field: value or ("" if field != "exemption" else HIDE_EXEMPT)}
        if field == "district":
            self._fill_streets()
            changes["street"] = self.street_combo.currentData() or ""
        self.model.set_filter(**changes)
        self._clear_map()
        self._update_count()
        self._update_buttons()

    def apply_search(self) -> None:
        """Filter by the search text now (it also applies by itself once typing pauses)."""
        self._search_timer.stop()
        text = self.search_edit.text().strip()
        if text != self.model.filter.text:
            self._filter("text", text)

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total
        text = self.tr("%1 / %2 conflicts").replace("%1", f"{shown:,}").replace("%2", f"{total:,}")
        self.count_label.setText(text)
        exempt = self.model.exempt_count()
        hidden = exempt and self.model.filter.exemption == HIDE_EXEMPT
        self.exempt_label.setText(self.tr("%1 exempt conflicts not listed").replace("%1", f"{exempt:,}")
                                  if hidden else "")
        self.exempt_label.setVisible(bool(hidden))

    # --- selection -------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def current_row(self) -> int | None:
        current = self.table.selectionModel().currentIndex()
        rows = self.selected_rows()
        if current.isValid() and current.row() in rows:
            return current.row()
        return rows[0] if rows else None

    def step(self, step: int) -> None:
        """Select the next (step 1) or previous (-1) shown conflict and zoom to it."""
        row = stepped(self.current_row(), self.model.rowCount(), step)
        if row is None:
            return
        self.select(row)

    def select(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)

    def _selection_changed(self, *_):
        self._update_buttons()
        row = self.current_row()
        if row is not None:
            self.show_conflict(row)

    def _clear_map(self) -> None:
        self._shown = None
        self.window.canvas.set_highlight(None)

    def show_conflict(self, row: int, *, zoom: bool = True) -> None:
        """Zoom to the building and the nearby part of its control zone, outline both, and draw the
        conflict: its overlap shaded, a setback's required line and shortest distance, labelled."""
        if self.document is None:
            return
        conflict = self.model.row(row)
        subject = _layer_of(self.document, conflict.get("subject_table"), conflict["subject_layer"])
        control = _layer_of(self.document, conflict.get("control_table"), conflict["control_kind"])
        items, extent, geom, zone = [], None, None, None
        subject_row = _row_of(subject, conflict["subject_id"])
        control_row = _row_of(control, conflict["control_id"])
        required = conflict.get("required_m")
        required = float(required) if required is not None and pd.notna(required) else 0.0
        if subject_row is not None:
            items.append(Highlight(subject.id, (str(conflict["subject_id"]),)))
            geom = subject.frame.geometry.iloc[subject_row]
            if geom is not None and not geom.is_empty:
                xmin, ymin, xmax, ymax = geom.bounds
                pad = max(MIN_PAD_M, 1.5 * required, 0.3 * max(xmax - xmin, ymax - ymin))
                extent = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
        if control_row is not None:
            items.append(Highlight(control.id, (str(conflict["control_id"]),)))
            zone = _zone_of(control, control_row)
            if zone is not None:
                near = shapely.clip_by_rect(zone, *extent) if extent is not None else zone
                if not near.is_empty:
                    b = near.bounds
                    extent = (min(extent[0], b[0]), min(extent[1], b[1]), max(extent[2], b[2]),
                              max(extent[3], b[3])) if extent else b
        marks = None
        if geom is not None and zone is not None and not geom.is_empty:
            found = conflict_geometry(geom, zone, conflict["relation"], required, label=self._mark_label(conflict))
            marks = ConflictMarks(found.overlap, found.setback_line, found.shortest, found.label, found.anchor)
        self._shown = tuple(items) or None
        self.window.canvas.set_highlight(self._shown, marks)  # by uid: drawn wherever edits move the rows
        if extent is not None and zoom:
            self.window.canvas.zoom_to_extent(extent)

    def _mark_label(self, conflict) -> str:
        """What the map writes by the conflict: the check's own figures, as the list shows them."""
        def number(column: str, decimals: int) -> str:
            value = conflict.get(column)
            return "?" if value is None or pd.isna(value) else f"{float(value):,.{decimals}f}".rstrip("0").rstrip(".") \
                if decimals else f"{float(value):,.0f}"
        if conflict["relation"] == "setback":
            return (self.tr("distance %1 m / required %2 m").replace("%1", number("distance_m", 1))
                    .replace("%2", number("required_m", 1)))
        return self.tr("overlap %1 m² · depth %2 m").replace("%1", number("overlap_m2", 0)).replace(
            "%2", number("depth_m", 1))

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
            self.select(min(first if self.model.filter.decision else rows[-1] + 1, self.model.rowCount() - 1))
        self.window.statusBar().showMessage(
            self.tr("%1 decision(s) saved: %2").replace("%1", str(len(keys))).replace("%2", decision_label(decision)),
            5000)

    def _update_buttons(self) -> None:
        enabled = self.document is not None and self.checking is None and bool(self.selected_rows())
        self.confirm_button.setEnabled(enabled)
        self.dismiss_button.setEnabled(enabled)
        walkable = self.model.rowCount() > 0
        self.action_next.setEnabled(walkable)
        self.action_previous.setEnabled(walkable)


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


def _zone_of(layer, row: int):
    """The zone of the control feature on `row` (layers.zones: the check's own definition), or None."""
    try:
        zones, _ = control_zones(layer.frame.iloc[[row]], layer.kind)
    except GisdeskError:  # a line without a width: the check could not have found a conflict with it
        return None
    zone = zones[0]
    return None if zone is None or zone.is_empty else zone


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
