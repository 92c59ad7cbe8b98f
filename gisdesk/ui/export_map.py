"""File › 导出地图…: a page layout of the project as PDF, PNG, SVG or interactive HTML, or an atlas.

The dialog asks for the layout (the project's own and the shipped templates), the format, the
PNG's resolution, an atlas (one page per conflict, ledger case or district, when
gisdesk.export.atlas is there), the file, and whether personal data (当事人, 证件号, 电话) goes in
it: masked by default; ticking 包含个人信息 shows a warning, and the export asks once more before
it writes them — as File › 导出 Excel… does. The export runs as a job in the app's worker
process (progress and Cancel in the status bar and the jobs panel); the exporters write a
temporary file and rename it at the end, so a cancel leaves no partial file. When it is done the
status bar says where the file is and which fields were masked.

The export reads the project file: layouts changed in the designer are exported once saved.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QMessageBox, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from gisdesk.export import layout as lay
from gisdesk.export.pages import DEFAULT_DPI, export_page
from gisdesk.ui.export_xlsx import PersonalDataChoice
from gisdesk.ui.jobs import run_job

translate = QCoreApplication.translate
PAGE_FORMATS = ("pdf", "png", "svg")
ATLAS_KINDS = ("conflicts", "cases", "districts")


def html_available() -> bool:
    return importlib.util.find_spec("gisdesk.export.html") is not None


def atlas_available() -> bool:
    return importlib.util.find_spec("gisdesk.export.atlas") is not None


def formats() -> tuple[str, ...]:
    """The formats the app can write now."""
    return PAGE_FORMATS + (("html",) if html_available() else ())


def export_map_job(project_path: str, out: str, layout_name: str | None, fmt: str, dpi: float | None,
                   with_personal: bool, atlas: str | None, *, feedback) -> dict:
    """The export as the app runs it (in its worker process); a summary the window shows."""
    if atlas:
        from gisdesk.export.atlas import export_atlas

        result = export_atlas(project_path, out, atlas=atlas, layout_name=layout_name, fmt=fmt, dpi=dpi,
                              with_personal_data=with_personal, feedback=feedback)
    elif fmt == "html":
        from gisdesk.export.html import export_html

        result = export_html(project_path, out, layout_name=layout_name, with_personal_data=with_personal,
                             feedback=feedback)
    else:
        result = export_page(project_path, out, layout_name=layout_name, fmt=fmt, dpi=dpi,
                             with_personal_data=with_personal, feedback=feedback)
    return {"path": str(getattr(result, "path", out)), "masked": [str(m) for m in getattr(result, "masked", [])],
            "warnings": [str(w) for w in getattr(result, "warnings", [])], "with_personal": with_personal}



def format_label(fmt: str) -> str:
    labels = {"pdf": translate("export_map", "PDF (vector, for printing)"),
              "png": translate("export_map", "PNG image"),
              "svg": translate("export_map", "SVG (vector, for editing)"),
              "html": translate("export_map", "Interactive HTML map (opens offline)")}
    return labels.get(fmt, fmt)


class ExportMapDialog(QDialog):
    """What to export, how and where; see the module."""

    def __init__(self, parent, project):
        super().__init__(parent)
        self.project = project
        self.project_path = Path(project.path)
        self.setWindowTitle(self.tr("Export map"))
        self.setMinimumWidth(560)
        box = QVBoxLayout(self)
        form = self.form = QFormLayout()
        box.addLayout(form)

        self.layout_combo = QComboBox()
        own = list(project.layouts())
        for name in own:
            self.layout_combo.addItem(name, name)
        if own:
            self.layout_combo.insertSeparator(self.layout_combo.count())
        for info in lay.templates():
            self.layout_combo.addItem(self.tr("%1 (template)").replace("%1", info.name), info.id)
        default = project.setting("default_layout") or lay.DEFAULT_TEMPLATE
        at = self.layout_combo.findData(default)
        if at < 0:  # named by a template's name
            at = next((i for i, info in enumerate(lay.templates()) if info.name == default), -1)
            at = self.layout_combo.findData(lay.templates()[at].id) if at >= 0 else 0
        self.layout_combo.setCurrentIndex(max(0, at))
        self.layout_combo.currentIndexChanged.connect(lambda _: self._suggest_path())
        form.addRow(self.tr("Layout:"), self.layout_combo)

        self.atlas_combo = QComboBox()
        self.atlas_combo.addItem(self.tr("One page"), None)
        for kind, text in (("conflicts", self.tr("Atlas: a page per conflict")),
                           ("cases", self.tr("Atlas: a page per ledger case")),
                           ("districts", self.tr("Atlas: a page per district"))):
            self.atlas_combo.addItem(text, kind)
        self.atlas_combo.currentIndexChanged.connect(lambda _: self._atlas_changed())
        form.addRow(self.tr("Pages:"), self.atlas_combo)
        form.setRowVisible(self.atlas_combo, atlas_available())

        self.format_combo = QComboBox()
        for fmt in formats():
            self.format_combo.addItem(format_label(fmt), fmt)
        self.format_combo.currentIndexChanged.connect(lambda _: self._format_changed())
        form.addRow(self.tr("Format:"), self.format_combo)

        self.dpi_spin = QSpinBox()
        self.dpi_spin.setRange(50, 1200)
        self.dpi_spin.setSingleStep(50)
        self.dpi_spin.setSuffix(" dpi")
        self.dpi_spin.setValue(round(DEFAULT_DPI["png"]))
        self.dpi_spin.setToolTip(self.tr("200 dpi: an A3 page of 3307 × 2339 pixels, sharp on an office print"))
        form.addRow(self.tr("Resolution:"), self.dpi_spin)

        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        row.addWidget(self.path_edit, 1)
        browse = QPushButton(self.tr("Browse…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("File:"), holder)

        self.personal = PersonalDataChoice(self, self.tr("When the export is done the status bar says which "
                                                          "fields were masked."))
        self.personal_check = self.personal.check
        box.addWidget(self.personal)

        note = QLabel(self.tr("The saved project is exported: save layouts changed in File › Page layouts… first."))
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")
        box.addWidget(note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        box.addWidget(self.buttons)
        self._format_changed()
        self._suggest_path()

    # --- what was chosen -------------------------------------------------------------------------
    @property
    def layout_name(self) -> str | None:
        return self.layout_combo.currentData()

    @property
    def fmt(self) -> str:
        return self.format_combo.currentData()

    @property
    def atlas(self) -> str | None:
        return self.atlas_combo.currentData() if atlas_available() else None

    @property
    def dpi(self) -> float | None:
        return float(self.dpi_spin.value()) if self.fmt == "png" else None

    @property
    def with_personal(self) -> bool:
        return self.personal_check.isChecked()

    @property
    def path(self) -> Path:
        text = self.path_edit.text().strip()
        suffix = "." + self.fmt
        return Path(text if text.lower().endswith(suffix) else text + suffix)

    def set_format(self, fmt: str) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))

    # --- reactions ---------------------------------------------------------------------------------
    def _format_changed(self) -> None:
        self.form.setRowVisible(self.dpi_spin, self.fmt == "png")
        text = self.path_edit.text().strip()
        if text:
            path = Path(text)
            if path.suffix.lower().lstrip(".") in (*PAGE_FORMATS, "html"):
                self.path_edit.setText(str(path.with_suffix("." + self.fmt)))

    def _atlas_changed(self) -> None:
        """An atlas: its own template (when a template was chosen), PDF (one file of every page), PNG or SVG
        (a numbered file per page), not HTML."""
        from gisdesk.export import atlas as atlas_module

        at = self.format_combo.findData("html")
        if at >= 0:
            self.format_combo.model().item(at).setEnabled(not self.atlas)
        if self.atlas and self.fmt == "html":
            self.set_format("pdf")
        if self.layout_combo.currentData() not in self.project.layouts():  # a template: the atlas's, or back
            wanted = atlas_module.DEFAULT_TEMPLATE if self.atlas else (
                self.project.setting("default_layout") or lay.DEFAULT_TEMPLATE)
            at = self.layout_combo.findData(wanted)
            if at >= 0:
                self.layout_combo.setCurrentIndex(at)
        self._suggest_path()

    def _suggest_path(self) -> None:
        folder = QSettings().value("export/map_folder", "")
        folder = Path(str(folder)) if folder and Path(str(folder)).is_dir() else self.project_path.parent
        name = self.layout_combo.currentText().replace(self.tr("%1 (template)").replace("%1", ""), "")
        stem = self.project_path.stem + "-" + "".join(c for c in name if c not in '\\/:*?"<>|').strip()
        if self.atlas:
            stem += "-" + self.atlas
        self.path_edit.setText(str(folder / f"{stem}.{self.fmt}"))

    def _browse(self) -> None:
        filters = {"pdf": self.tr("PDF (*.pdf)"), "png": self.tr("PNG image (*.png)"), "svg": self.tr("SVG (*.svg)"),
                   "html": self.tr("Web page (*.html)")}
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export map"), self.path_edit.text(), filters[self.fmt])
        if path:
            self.path_edit.setText(path)

    def accept(self) -> None:
        if not self.path_edit.text().strip():
            return
        if not self.path.parent.is_dir():
            QMessageBox.warning(self, self.tr("Export map"),
                                self.tr("The folder %1 does not exist.").replace("%1", str(self.path.parent)))
            return
        if self.path.resolve() == self.project_path.resolve():
            return
        if self.with_personal:
            answer = QMessageBox.warning(
                self, self.tr("Include personal data?"),
                self.tr("The exported file will hold personal data unmasked (当事人, 证件号, 电话). Keep it as "
                        "the rules on personal information require. Export it anyway?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().accept()


def export_map(window):
    """File › 导出地图…: the dialog, then the export as a job (returned, None when nothing is exported)."""
    document = getattr(window, "document", None)
    if document is None:
        return None
    project = document.project
    dialog = ExportMapDialog(window, project)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    path = dialog.path
    if not window.headless:
        QSettings().setValue("export/map_folder", str(path.parent))
    title = translate("export_map", "Export map")
    return run_job(window, title, export_map_job, str(project.path), str(path), dialog.layout_name, dialog.fmt,
                   dialog.dpi, dialog.with_personal, dialog.atlas, on_done=lambda summary: _done(window, summary),
                   in_process=True)


def done_message(summary: dict) -> str:
    """What the status bar says of a finished export: the file, and the personal data masked or kept."""
    if summary["with_personal"]:
        return translate("export_map", "Exported %1 (with personal data: keep it as the rules require)").replace(
            "%1", summary["path"])
    if summary["masked"]:
        return (translate("export_map", "Exported %1; personal data masked: %2").replace("%1", summary["path"])
                .replace("%2", "、".join(summary["masked"])))
    return translate("export_map", "Exported %1; no personal data shown on it").replace("%1", summary["path"])


def _done(window, summary: dict) -> None:
    text = done_message(summary)
    window.last_export = summary
    if summary["path"].lower().endswith(".html") and not getattr(window, "headless", False):
        from gisdesk.ui.html_preview import IN_BROWSER, preview_html

        if preview_html(window, summary["path"]) == IN_BROWSER:  # no Qt WebEngine in this PySide6
            text += translate("export_map", " (opened in the system's browser)")
    # after the jobs panel's own "done" message, which follows on_done
    QTimer.singleShot(0, lambda: window.statusBar().showMessage(text, 20000))


def install(window) -> None:
    action = QAction(QCoreApplication.translate("export_map", "Export &map…"), window)
    action.setStatusTip(QCoreApplication.translate("export_map", "A page layout as PDF, PNG, SVG or HTML"))
    action.setShortcut("Ctrl+P")
    action.triggered.connect(lambda: export_map(window))
    action.setEnabled(window.document is not None)
    window.documentChanged.connect(lambda *_: action.setEnabled(window.document is not None))
    window.menus["file"].insertAction(window.action_quit, action)
    window.action_export_map = action
