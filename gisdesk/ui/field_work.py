"""File › 外业 › 打包外业数据… and 合并外业数据… (gisdesk.field), run as jobs, and the merge conflict dialog.

Packing asks for a district (or takes the map's view as the extent) and the package file, then
runs gisdesk.field.pack.pack in a job. Merging asks for the package, saves nothing on its own (a
document with unsaved edits is refused: save first, so that the merge compares the saved master),
runs the merge in a job (the backup is written, the changes on one side applied, the conflicts
listed), reopens the project, and when there are conflicts shows MergeConflictDialog: each conflict
with its base, master and field values side by side and a choice per row (keep the master's, take
the package's, or leave it for later). The choices are then applied by a second merge with those
decisions (gisdesk.field.merge.merge(decisions=...)), also a job, also backed up.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMenu, QMessageBox, QPushButton, QRadioButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout)

from gisdesk.field.merge import MASTER, PACKAGE, conflict_key, merge, summary_lines
from gisdesk.field.pack import districts, pack
from gisdesk.ui.jobs import run_job

LATER = "later"


def pack_job(project_path: str, out: str, district, extent, *, feedback):
    return pack(project_path, out, district=district, extent=extent, feedback=feedback)


def merge_job(project_path: str, package_path: str, decisions, *, feedback):
    return merge(project_path, package_path, decisions=decisions, feedback=feedback)


def shown_value(value, width: int = 80) -> str:
    """A report value as the dialog shows it: text, a number, a geometry's WKT, a whole feature's values."""
    if value is None:
        return "—"
    if value == "":
        return "“”"  # empty text, not nothing
    if isinstance(value, dict):
        parts = [f"{k}={v}" for k, v in value.items() if k != "geometry" and v not in (None, "")]
        if value.get("geometry"):
            parts.append(str(value["geometry"]))
        text = "; ".join(parts)
    else:
        text = str(value)
    return text if len(text) <= width else text[:width - 1] + "…"


class PackDialog(QDialog):
    """The area of the package (a district, or the map's view) and the file to write."""

    def __init__(self, parent, project_path: Path, district_names: list[str], view_extent):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Make a field package"))
        self.setMinimumWidth(520)
        self.view_extent = view_extent
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("The layers of the area (features crossing its edge taken whole), the base maps cut "
                               "for it, the rule file and a base snapshot, for work with no network; merge it back "
                               "with 合并外业数据… when the team returns."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.by_district = QRadioButton(self.tr("District:"))
        self.district_box = QComboBox()
        self.district_box.addItems(district_names)
        form.addRow(self.by_district, self.district_box)
        self.by_view = QRadioButton(self.tr("The map's view"))
        extent = "" if view_extent is None else " ".join(f"{v:.0f}" for v in view_extent)
        form.addRow(self.by_view, QLabel(extent))
        (self.by_district if district_names else self.by_view).setChecked(True)
        self.by_district.setEnabled(bool(district_names))
        self.by_view.setEnabled(view_extent is not None)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(str(project_path.with_name(project_path.stem + "-外业.gpkg")))
        row.addWidget(self.path_edit, 1)
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        form.addRow(self.tr("Package:"), row)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Pack"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Make a field package"), self.path_edit.text(),
                                              self.tr("GeoPackage (*.gpkg)"))
        if path:
            self.path_edit.setText(path if path.lower().endswith(".gpkg") else path + ".gpkg")

    def area(self) -> tuple[str | None, tuple | None]:
        if self.by_district.isChecked():
            return self.district_box.currentText(), None
        return None, tuple(self.view_extent)


class MergeConflictDialog(QDialog):
    """The conflicts of a merge, each with the base, master and field values side by side, and a
    choice per conflict: keep the master's, take the package's, or decide later."""

    COLUMNS = ("layer", "uid", "field", "type", "base", "master", "field_value", "choice")

    def __init__(self, parent, report: dict):
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(self.tr("Merge conflicts"))
        self.resize(1180, 560)
        layout = QVBoxLayout(self)
        conflicts = report["conflicts"]
        summary = self.tr("%1 changes of the package were applied, %2 skipped. %3 conflicts were not resolved: choose "
                          "for each which value the master keeps. Nothing was overwritten.") \
            .replace("%1", str(len(report["applied"]))).replace("%2", str(len(report["skipped"]))) \
            .replace("%3", str(len(conflicts)))
        if report.get("backup"):
            summary += " " + self.tr("Backup of the master: %1").replace("%1", Path(report["backup"]).name)
        label = QLabel(summary)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.table = QTableWidget(len(conflicts), len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels([self.tr("Layer"), self.tr("Feature"), self.tr("Field"), self.tr("Conflict"),
                                              self.tr("Base (when packed)"), self.tr("Master (now)"),
                                              self.tr("Field package"), self.tr("Keep")])
        self.choices: list[QComboBox] = []
        types = {"field": self.tr("both changed"), "geometry": self.tr("both moved"),
                 "delete-edit": self.tr("deleted in the field, edited in the master"),
                 "edit-delete": self.tr("edited in the field, deleted in the master")}
        for row, entry in enumerate(conflicts):
            cells = (entry["layer"], entry["uid"], entry["field"] or self.tr("(whole feature)"),
                     types.get(entry["type"], entry["type"]), shown_value(entry["base"]), shown_value(entry["master"]),
                     shown_value(entry["field_value"]))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(str(text))
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                full = entry[("base", "master", "field_value")[column - 4]] if column >= 4 else None
                if full is not None:
                    item.setToolTip(json.dumps(full, ensure_ascii=False, indent=1)[:4000])
                if column == 5:
                    item.setBackground(QColor("#e8f0fe"))
                elif column == 6:
                    item.setBackground(QColor("#fdf0e0"))
                self.table.setItem(row, column, item)
            choice = QComboBox()
            choice.addItem(self.tr("Decide later"), LATER)
            choice.addItem(self.tr("Master's value"), MASTER)
            choice.addItem(self.tr("Package's value"), PACKAGE)
            self.table.setCellWidget(row, len(self.COLUMNS) - 1, choice)
            self.choices.append(choice)
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for column in (4, 5, 6):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        all_master = QPushButton(self.tr("All: master's value"))
        all_master.clicked.connect(lambda: self.choose_all(MASTER))
        all_field = QPushButton(self.tr("All: package's value"))
        all_field.clicked.connect(lambda: self.choose_all(PACKAGE))
        row.addWidget(all_master)
        row.addWidget(all_field)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Apply the choices"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Decide later"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row.addWidget(buttons)
        layout.addLayout(row)

    def choose_all(self, choice: str) -> None:
        for box in self.choices:
            box.setCurrentIndex(box.findData(choice))

    def decisions(self) -> dict:
        """conflict key → "master" | "field", for the conflicts decided."""
        return {conflict_key(entry): box.currentData() for entry, box in zip(self.report["conflicts"], self.choices)
                if box.currentData() != LATER}


def _view_extent(window):
    view = getattr(getattr(window, "canvas", None), "view", None)
    extent = getattr(view, "extent", None)
    return tuple(extent) if extent is not None and getattr(window, "document", None) is not None else None


def pack_area(window) -> None:
    """File › 外业 › 打包外业数据…"""
    document = getattr(window, "document", None)
    if document is None:
        return
    path = Path(document.project.path)
    dialog = PackDialog(window, path, districts(path), _view_extent(window))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    district, extent = dialog.area()
    out = dialog.path_edit.text().strip()
    title = QCoreApplication.translate("field", "Make a field package")
    run_job(window, title, pack_job, str(path), out, district, extent, in_process=True,
            on_done=lambda result: window.statusBar().showMessage(
                QCoreApplication.translate("field", "Field package %1: %2 features").replace("%1", str(result.path))
                .replace("%2", str(result.features)), 15000))


def merge_package(window, package: str | None = None) -> None:
    """File › 外业 › 合并外业数据…"""
    document = getattr(window, "document", None)
    if document is None:
        return
    if document.dirty:
        QMessageBox.information(window, QCoreApplication.translate("field", "Merge a field package"),
                                QCoreApplication.translate("field", "Save the project first: the merge compares the "
                                                                    "saved project with the package."))
        return
    if package is None:
        package, _ = QFileDialog.getOpenFileName(window, QCoreApplication.translate("field", "Merge a field package"),
                                                 str(Path(document.project.path).parent),
                                                 QCoreApplication.translate("field", "GeoPackage (*.gpkg)"))
        if not package:
            return
    start_merge(window, str(document.project.path), package, None)


def start_merge(window, project_path: str, package: str, decisions) -> None:
    title = QCoreApplication.translate("field", "Merge a field package")
    run_job(window, title, merge_job, project_path, package, decisions, in_process=True,
            on_done=lambda report: merged(window, project_path, package, report))


def merged(window, project_path: str, package: str, report) -> MergeConflictDialog | None:
    """After a merge: reopen the project, say what happened, and show the conflicts to decide."""
    if report.written:
        window.open_project(project_path, wait=False)
    window.statusBar().showMessage("；".join(line.strip() for line in summary_lines(report, limit=0)[1:3]), 20000)
    if not report.conflicts:
        return None
    dialog = MergeConflictDialog(window, report.as_json())
    window.merge_conflict_dialog = dialog
    if getattr(window, "headless", False):
        return dialog  # (a test drives it)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.decisions():
        start_merge(window, project_path, package, dialog.decisions())
    return dialog


def install(window) -> None:
    menu = QMenu(QCoreApplication.translate("field", "Field work"), window)
    window.menus["file"].insertMenu(window.action_quit, menu)
    pack_action = QAction(QCoreApplication.translate("field", "Make a field package…"), window)
    pack_action.setStatusTip(QCoreApplication.translate("field", "The layers, base maps and rules of a district or "
                                                                 "of the map's view, to work offline"))
    pack_action.triggered.connect(lambda: pack_area(window))
    merge_action = QAction(QCoreApplication.translate("field", "Merge a field package…"), window)
    merge_action.setStatusTip(QCoreApplication.translate("field", "Bring a field package's edits back: three-way, "
                                                                  "conflicts listed for you to decide"))
    merge_action.triggered.connect(lambda: merge_package(window))
    for action in (pack_action, merge_action):
        action.setEnabled(window.document is not None)
        menu.addAction(action)
    window.documentChanged.connect(lambda *_: [a.setEnabled(window.document is not None)
                                               for a in (pack_action, merge_action)])
    window.field_menu, window.action_pack, window.action_merge = menu, pack_action, merge_action
