"""File › 导出 Excel…: the conflict list, the ledger and the totals as one .xlsx (gisdesk.export.xlsx).

The dialog asks for the file and whether to include personal data (当事人, 证件号, 电话); ticking
包含个人信息 shows a warning, and the export asks once more before it writes them. The export
runs as a job (progress and Cancel in the jobs panel) in a child process; it writes a temporary
file and renames it at the end, so a cancel leaves the old file as it was.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QVBoxLayout, QWidget)

from gisdesk.export.xlsx import export_xlsx
from gisdesk.ui.jobs import run_job


def export_job(project, path: str, with_personal: bool, *, feedback):
    """The export as the app runs it (in a child process); returns the report."""
    return export_xlsx(project, path, with_personal=with_personal, feedback=feedback)


class PersonalDataChoice(QWidget):
    """Whether an export includes personal data: a box, unticked (masked), with what masking does,
    and a warning in its place once ticked. Every export dialog has one; each asks once more on export."""

    def __init__(self, dialog: QDialog, where_masked_is_said: str):
        super().__init__(dialog)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.check = QCheckBox(self.tr("Include personal data"))
        self.check.setToolTip(self.tr("当事人, 证件号 and 电话 as they are, not masked"))
        layout.addWidget(self.check)
        self.masked_label = QLabel(self.tr("Personal data (当事人, 证件号, 电话) will be masked: 张**, "
                                           "110***********1234, 138****5678. %1").replace("%1", where_masked_is_said))
        self.masked_label.setWordWrap(True)
        layout.addWidget(self.masked_label)
        self.warning_label = QLabel(self.tr("Warning: the file will hold the names, ID numbers and phone numbers of "
                                            "the parties. Keep it as the rules on personal information require; do "
                                            "not hand it out at the meeting."))
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.warning_label.setVisible(False)
        layout.addWidget(self.warning_label)
        self.check.toggled.connect(lambda on: self._toggled(dialog, on))

    def _toggled(self, dialog: QDialog, on: bool) -> None:
        self.warning_label.setVisible(on)
        self.masked_label.setVisible(not on)
        dialog.adjustSize()


class ExportXlsxDialog(QDialog):
    """Where to write the workbook and whether personal data goes in it."""

    def __init__(self, parent, project_path: Path, has_check: bool):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export to Excel"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("The conflict list, the illegal-construction ledger and the area totals, one sheet "
                               "each, with Chinese headers and units, and a sheet 说明 saying what was exported."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if not has_check:
            none = QLabel(self.tr("No check has been run yet: the conflict and totals sheets will be empty."))
            none.setWordWrap(True)
            layout.addWidget(none)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("File:")))
        default = project_path.with_name(project_path.stem + ".xlsx")
        self.path_edit = QLineEdit(str(default))
        row.addWidget(self.path_edit, 1)
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        layout.addLayout(row)
        self.personal = PersonalDataChoice(self, self.tr("The sheet 说明 lists the masked fields."))
        self.personal_check = self.personal.check
        layout.addWidget(self.personal)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export to Excel"), self.path_edit.text(),
                                              self.tr("Excel workbook (*.xlsx)"))
        if path:
            self.path_edit.setText(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    @property
    def path(self) -> Path:
        text = self.path_edit.text().strip()
        return Path(text if text.lower().endswith(".xlsx") else text + ".xlsx")

    @property
    def with_personal(self) -> bool:
        return self.personal_check.isChecked()

    def accept(self) -> None:
        if not self.path_edit.text().strip():
            return
        if self.with_personal:
            answer = QMessageBox.warning(
                self, self.tr("Include personal data?"),
                self.tr("The Excel file will hold personal data unmasked (当事人, 证件号, 电话). Export it anyway?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().accept()


def export_to_excel(window) -> None:
    """File › 导出 Excel…: the dialog, then the export as a job."""
    document = getattr(window, "document", None)
    if document is None:
        return
    project = document.project
    dialog = ExportXlsxDialog(window, Path(project.path), bool(project.last_run()))
    last = QSettings().value("export/xlsx_folder", "")
    if last and Path(str(last)).is_dir():
        dialog.path_edit.setText(str(Path(str(last)) / dialog.path.name))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    path, with_personal = dialog.path, dialog.with_personal
    if not window.headless:
        QSettings().setValue("export/xlsx_folder", str(path.parent))
    title = QCoreApplication.translate("export", "Export to Excel")
    run_job(window, title, export_job, project, str(path), with_personal,
            on_done=lambda report: _done(window, report), in_process=True)


def _done(window, report) -> None:
    if report.with_personal:
        text = QCoreApplication.translate("export", "Exported %1 (with personal data)").replace("%1", str(report.path))
    elif report.masked_fields:
        text = (QCoreApplication.translate("export", "Exported %1; masked: %2").replace("%1", str(report.path))
                .replace("%2", "、".join(report.masked_fields)))
    else:
        text = QCoreApplication.translate("export", "Exported %1").replace("%1", str(report.path))
    # after the jobs panel's own "done" message, which follows on_done
    QTimer.singleShot(0, lambda: window.statusBar().showMessage(text, 15000))


def install(window) -> None:
    action = QAction(QCoreApplication.translate("export", "Export to &Excel…"), window)
    action.setStatusTip(QCoreApplication.translate("export", "The conflict list, the ledger and the totals as .xlsx"))
    action.triggered.connect(lambda: export_to_excel(window))
    action.setEnabled(window.document is not None)
    window.documentChanged.connect(lambda *_: action.setEnabled(window.document is not None))
    file_menu = window.menus["file"]
    file_menu.insertAction(window.action_quit, action)
    file_menu.insertSeparator(window.action_quit)
    window.action_export_xlsx = action
