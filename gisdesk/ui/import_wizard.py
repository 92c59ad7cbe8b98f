"""File › New project and File › Import…: the import wizard.

Pages: the source file (and its layer or sheet), the kind and the target layer, the text encoding
with a preview of the first rows (and a table's coordinate columns, --x-field/--y-field), the CRS
(with --coords for lon/lat picked on a consumer map, --towgs84 for Beijing 1954 / Xian 1980), the
field mapping (and a drawing's CAD layer kinds, --cad-map), then the import itself and its
report. The import is gisdesk.io.importer.import_layer, the call `gisdesk import` makes, run as a
job of the Jobs panel (progress, Cancel); its report shows the lines the CLI prints
(gisdesk.io.import_report). A cancelled or failed import leaves the project as it was
(add_features is one transaction); the mapping the user confirmed is remembered in the project
only after the import succeeded.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView,
                               QInputDialog, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QProgressBar, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget, QWizard, QWizardPage)

from gisdesk import crs as crs_module
from gisdesk.crs import crs_label, legacy_datum, parse_crs, parse_towgs84
from gisdesk.errors import Cancelled, GisdeskError, InputError
from gisdesk.io import import_preview as previews
from gisdesk.io.basemaps import looks_like_raster
from gisdesk.io.dxf import cad_layer_kinds, remembered_cad_map
from gisdesk.io.import_report import report_lines
from gisdesk.io.importer import import_layer
from gisdesk.io.tables_in import is_table
from gisdesk.layers.kinds import KINDS
from gisdesk.project import Project
from gisdesk.ui.jobs import run_job, stage_label

SOURCE_FILTER = ("*.shp *.zip *.gpkg *.geojson *.json *.kml *.kmz *.gdb *.pbf *.osm *.dxf *.csv *.xlsx *.xlsm "
                 "*.SHP *.ZIP *.GPKG *.GEOJSON *.KML *.KMZ *.DXF *.CSV *.XLSX")


def run_import(project_path, source, kind, *, feedback, **options):
    """The job: the import `gisdesk import` makes, on a project opened in the worker thread."""
    return import_layer(Project.open(project_path), source, kind, feedback=feedback, **options)


class ImportWizard(QWizard):
    """Collects what `gisdesk import` takes, runs it as a job, shows its report."""

    def __init__(self, window, project_path):
        super().__init__(window)
        self.window_ = window
        self.project_path = Path(project_path)
        self.project = Project.open(self.project_path)
        self.setWindowTitle(self.tr("Import into %1").replace("%1", self.project_path.name))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("Import"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("Next >"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< Back"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Cancel"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Close"))
        self.source_page = SourcePage()
        self.kind_page = KindPage()
        self.encoding_page = EncodingPage()
        self.crs_page = CrsPage()
        self.mapping_page = MappingPage()
        self.report_page = ReportPage()
        for page in (self.source_page, self.kind_page, self.encoding_page, self.crs_page, self.mapping_page,
                     self.report_page):
            self.addPage(page)
        self.resize(980, 640)
        self.report = None  # the ImportReport of a successful import
        self.error: BaseException | None = None

    # what the pages chose
    @property
    def source(self) -> Path:
        return Path(self.source_page.path_edit.text().strip())

    @property
    def layer(self) -> str | None:
        return self.source_page.layer_combo.currentText() or None if self.source_page.layer_combo.isEnabled() else None

    @property
    def kind(self) -> str:
        return self.kind_page.kind_combo.currentData()

    @property
    def encoding(self) -> str | None:
        chosen = self.encoding_page.combo.currentData()
        return None if chosen == previews.AUTO or not self.encoding_page.combo.isEnabled() else chosen

    @property
    def coordinate_fields(self) -> tuple[str | None, str | None]:
        """A table's X/longitude and Y/latitude columns as chosen (--x-field, --y-field)."""
        return self.encoding_page.coordinate_fields()

    def options(self) -> dict:
        """The keyword arguments of import_layer, as the pages give them."""
        target = self.kind_page.target_combo.currentText().strip() or None
        crs_text = self.crs_page.code_edit.text().strip()
        x_field, y_field = self.coordinate_fields
        return {"layer": self.layer, "to": target, "encoding": self.encoding,
                "crs": _crs_argument(crs_text) if crs_text else None,
                "x_field": x_field, "y_field": y_field, **self.crs_page.options(),
                "cad_map": self.mapping_page.cad_map() or None,
                "field_map": self.mapping_page.field_map() or None, **self.kind_page.options()}

    def reject(self) -> None:
        job = self.report_page.job
        if job is not None and job.running:
            job.cancel()  # the project stays as it was; the Jobs panel says so
        super().reject()


class SourcePage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle(self.tr("Source"))
        self.setSubTitle(self.tr("A shapefile (also zipped), GeoPackage, GeoJSON, KML/KMZ, File GDB folder, "
                                 ".osm.pbf, DXF drawing, CSV or Excel sheet with coordinates."))
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.tr("Path of the source file"))
        browse = QPushButton(self.tr("File…"))
        browse.clicked.connect(self._browse)
        folder = QPushButton(self.tr("Folder (.gdb)…"))
        folder.clicked.connect(self._browse_folder)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        row.addWidget(folder)
        self.layer_combo = QComboBox()
        self.layer_combo.setEnabled(False)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        form = QFormLayout(self)
        form.addRow(self.tr("File"), row)
        form.addRow(self.tr("Layer or sheet"), self.layer_combo)
        form.addRow(self.problem)
        self.path_edit.textChanged.connect(self._path_changed)
        self._layers_ok = False

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Source file"), str(self.wizard().project_path.parent),
                                              self.tr("Vector files and tables (%1)").replace("%1", SOURCE_FILTER))
        if path:
            self.path_edit.setText(path)

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("File GDB folder"),
                                                str(self.wizard().project_path.parent))
        if path:
            self.path_edit.setText(path)

    def _path_changed(self, text: str) -> None:
        self.layer_combo.clear()
        self.layer_combo.setEnabled(False)
        self.problem.clear()
        self._layers_ok = False
        path = Path(text.strip())
        if text.strip() and path.is_file() and looks_like_raster(path):  # an image is a base map, not features
            self.problem.setText(self.tr("This is an image (GeoTIFF or MBTiles): add it as a base map with "
                                         "File › Add base map…"))
        elif text.strip() and path.exists():
            try:
                layers = previews.source_layers(path)
            except GisdeskError as error:
                self.problem.setText(str(error))
            else:
                self._layers_ok = True
                if layers:
                    self.layer_combo.addItems(layers)
                    self.layer_combo.setEnabled(True)
        elif text.strip():
            self.problem.setText(self.tr("No such file or folder."))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._layers_ok


class KindPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle(self.tr("Kind and layer"))
        self.setSubTitle(self.tr("What the features are, and the project layer they go into."))
        self.kind_combo = QComboBox()
        for code, info in KINDS.items():
            self.kind_combo.addItem(info.title, code)
        self.guess = QLabel()
        self.guess.setStyleSheet("color: #555;")
        self.target_combo = QComboBox()
        self.target_combo.setEditable(True)
        self.target_note = QLabel()
        self.target_note.setWordWrap(True)
        self.target_note.setStyleSheet("color: #555;")
        form = QFormLayout(self)
        form.addRow(self.tr("Kind"), self.kind_combo)
        form.addRow("", self.guess)
        form.addRow(self.tr("Target layer"), self.target_combo)
        form.addRow("", self.target_note)
        self.half_width = QLineEdit()
        self.half_width.setPlaceholderText(self.tr("metres, for centre lines; empty: zone polygons or a width field"))
        self.half_width_label = QLabel(self.tr("Half width (m)"))
        form.addRow(self.half_width_label, self.half_width)
        self.update_box = QCheckBox(self.tr("Update the layer from a newer export (match features by uid)"))
        self.multipart_box = QCheckBox(self.tr("Keep multi-part features whole"))
        self.skip_bad_box = QCheckBox(self.tr("Import the readable records of a damaged source and list the others"))
        for box in (self.update_box, self.multipart_box, self.skip_bad_box):
            form.addRow("", box)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.target_combo.currentTextChanged.connect(self._target_changed)
        self._layers: list = []

    def initializePage(self) -> None:
        wizard = self.wizard()
        self._layers = wizard.project.layers()
        guessed = previews.guess_kind(wizard.source.stem, wizard.layer or "")
        if guessed:
            self.guess.setText(self.tr("Guessed from the name: %1").replace("%1", KINDS[guessed].title))
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(guessed))
        else:
            self.guess.setText(self.tr("The name does not tell the kind: choose it."))
        self._kind_changed()

    def _kind_changed(self, *_) -> None:
        code = self.kind_combo.currentData()
        mine = [info.id for info in self._layers if info.kind == code]
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItems(mine or [KINDS[code].table])
        self.target_combo.blockSignals(False)
        self._target_changed(self.target_combo.currentText())
        control = KINDS[code].is_control
        self.half_width.setVisible(control)
        self.half_width_label.setVisible(control)
        self.multipart_box.setVisible(code in ("buildings", "ledger"))

    def options(self) -> dict:
        """--update, --keep-multipart, --skip-bad and --half-width as the page gives them."""
        options = {"update": self.update_box.isChecked(), "skip_bad": self.skip_bad_box.isChecked(),
                   "keep_multipart": self.multipart_box.isChecked() and self.multipart_box.isVisibleTo(self)}
        text = self.half_width.text().strip().replace(",", ".")
        if text and KINDS[self.kind_combo.currentData()].is_control:
            try:
                options["half_width"] = float(text)
            except ValueError:
                options["half_width"] = float("nan")  # refused by the import in its words
        return options

    def validatePage(self) -> bool:
        text = self.half_width.text().strip().replace(",", ".")
        if text and self.half_width.isVisibleTo(self):
            try:
                ok = float(text) > 0
            except ValueError:
                ok = False
            if not ok:
                QMessageBox.warning(self, self.tr("Half width"), self.tr("The half width must be a positive number "
                                                                         "of metres."))
                return False
        return True

    def _target_changed(self, text: str) -> None:
        existing = next((i for i in self._layers if i.id.lower() == text.strip().lower()), None)
        if existing is None:
            self.target_note.setText(self.tr("A new layer with this id is created."))
        elif existing.kind != self.kind_combo.currentData():
            self.target_note.setText(self.tr("This layer is of another kind: the import will refuse it."))
        else:
            self.target_note.setText(self.tr("The features are added to this existing layer."))


class EncodingPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle(self.tr("Text encoding"))
        self.setSubTitle(self.tr("Choose the encoding in which the names read right. The first rows are shown "
                                 "as they will be imported."))
        self.combo = QComboBox()
        for name in previews.ENCODINGS:
            self.combo.addItem(self.tr("auto") if name == previews.AUTO else name, name)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Encoding")))
        top.addWidget(self.combo)
        top.addWidget(self.note, 1)
        self.x_combo = QComboBox()
        self.y_combo = QComboBox()
        self.coordinates_row = QWidget()
        coordinates = QHBoxLayout(self.coordinates_row)
        coordinates.setContentsMargins(0, 0, 0, 0)
        coordinates.addWidget(QLabel(self.tr("X / longitude column")))
        coordinates.addWidget(self.x_combo)
        coordinates.addWidget(QLabel(self.tr("Y / latitude column")))
        coordinates.addWidget(self.y_combo)
        coordinates.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.coordinates_row)
        layout.addWidget(self.table, 1)
        self.combo.currentIndexChanged.connect(self.refresh)
        self.preview: previews.Preview | None = None
        self.is_table = False

    def initializePage(self) -> None:
        wizard = self.wizard()
        applies = previews.encoding_applies(wizard.source)
        self.combo.setEnabled(applies)
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(0)
        self.combo.blockSignals(False)
        self.is_table = is_table(wizard.source)
        self.coordinates_row.setVisible(self.is_table)
        self.x_combo.clear()
        self.y_combo.clear()
        self.refresh()

    def refresh(self, *_) -> None:
        wizard = self.wizard()
        chosen = self.combo.currentData() if self.combo.isEnabled() else previews.AUTO
        self.preview = preview = previews.preview(wizard.source, wizard.layer, chosen)
        notes = [preview.note] if preview.note else []
        if not self.combo.isEnabled():
            notes.append(self.tr("This format stores its text as Unicode: there is no encoding to choose."))
        if preview.replaced:
            notes.append(self.tr("%1 characters cannot be decoded in this encoding (shown as �).")
                         .replace("%1", str(preview.replaced)))
        self.note.setText("  ".join(notes))
        self.note.setStyleSheet("color: #b00020;" if preview.failed or preview.replaced else "color: #555;")
        self.table.clear()
        self.table.setColumnCount(len(preview.columns))
        self.table.setRowCount(len(preview.rows))
        self.table.setHorizontalHeaderLabels(preview.columns)
        for r, row in enumerate(preview.rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(value)
                if "\ufffd" in value:
                    item.setForeground(QColor("#b00020"))
                self.table.setItem(r, c, item)
        if self.is_table:
            self._fill_coordinate_combos(preview.columns)

    def _fill_coordinate_combos(self, columns: list[str]) -> None:
        """The table's columns; chosen: the user's choice while the column is there, else what the import finds."""
        found = previews.coordinate_columns(columns)
        for combo, detected in zip((self.x_combo, self.y_combo), found):
            chosen = combo.currentText()
            combo.clear()
            combo.addItems(columns)
            combo.setCurrentIndex(columns.index(chosen) if chosen in columns else
                                  columns.index(detected) if detected in columns else -1)

    def coordinate_fields(self) -> tuple[str | None, str | None]:
        if not self.is_table:
            return None, None
        return self.x_combo.currentText() or None, self.y_combo.currentText() or None

    def set_coordinate_fields(self, x_field: str, y_field: str) -> None:
        self.x_combo.setCurrentIndex(self.x_combo.findText(x_field))
        self.y_combo.setCurrentIndex(self.y_combo.findText(y_field))

    def validatePage(self) -> bool:
        """Text that does not decode in the chosen encoding is lost on import (GDAL leaves it empty): ask."""
        x_field, y_field = self.coordinate_fields()
        if self.is_table and (not x_field or not y_field or x_field == y_field):
            QMessageBox.warning(self, self.tr("Coordinate columns"),
                                self.tr("Choose two different columns for X / longitude and Y / latitude."))
            return False
        if self.preview is None or not self.preview.replaced:
            return True
        answer = QMessageBox.question(
            self, self.tr("Text encoding"),
            self.tr("%1 characters of the first rows cannot be decoded in %2: such values are imported empty. "
                    "Import in this encoding anyway?").replace("%1", str(self.preview.replaced))
            .replace("%2", self.combo.currentText()))
        return answer == QMessageBox.StandardButton.Yes

    def column_values(self, column: str) -> list[str]:
        """The previewed values of a column (for the tests and the mapping page's examples)."""
        if self.preview is None or column not in self.preview.columns:
            return []
        i = self.preview.columns.index(column)
        return [row[i] for row in self.preview.rows]


class CrsPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle(self.tr("Coordinate reference system"))
        self.setSubTitle(self.tr("The CRS of the source's coordinates; the features are transformed to the "
                                 "project's."))
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText(self.tr("EPSG code, e.g. 4490 or 4549"))
        self.check_label = QLabel()
        self.check_label.setWordWrap(True)
        self.project_label = QLabel()
        self.project_label.setWordWrap(True)
        self.project_label.setStyleSheet("color: #555;")
        form = QFormLayout(self)
        form.addRow(self.tr("Source"), self.source_label)
        form.addRow(self.tr("EPSG code"), self.code_edit)
        form.addRow("", self.check_label)
        form.addRow(self.tr("Project"), self.project_label)
        self.coords_combo = QComboBox()
        self.coords_combo.addItem(self.tr("CGCS2000 / WGS-84 (GPS)"), "")
        self.coords_combo.addItem(self.tr("GCJ-02 (AMap, Tencent)"), "gcj02")
        self.coords_combo.addItem(self.tr("BD-09 (Baidu)"), "bd09")
        self.coords_label = QLabel(self.tr("Points picked on"))
        form.addRow(self.coords_label, self.coords_combo)
        self.towgs84_edit = QLineEdit()
        self.towgs84_edit.setPlaceholderText(self.tr("dx,dy,dz or dx,dy,dz,rx,ry,rz,s (m, arc-seconds, ppm) "
                                                     "or the planar dX,dY,a,m"))
        self.towgs84_label = QLabel(self.tr("To WGS 84"))
        form.addRow(self.towgs84_label, self.towgs84_edit)
        self.towgs84_note = QLabel()
        self.towgs84_note.setWordWrap(True)
        self.towgs84_note.setStyleSheet("color: #555;")
        form.addRow("", self.towgs84_note)
        self.code_edit.textChanged.connect(self._code_changed)
        self.towgs84_edit.textChanged.connect(self._towgs84_changed)
        self.source_crs = None
        self.guess = None
        self.lonlat = False
        self.legacy: str | None = None
        self.info: previews.SourceInfo | None = None

    def initializePage(self) -> None:
        wizard = self.wizard()
        self.info = info = _source_info(wizard)
        self.source_crs = info.crs if info is not None else None
        project_crs = wizard.project.crs
        guess_crs = getattr(crs_module, "guess_crs", None)  # gisdesk.crs's guess from the coordinates
        self.guess = None
        if guess_crs is not None and info is not None and info.bounds is not None:
            try:
                self.guess = guess_crs(*info.bounds, hint=project_crs)
            except Exception:  # noqa: BLE001 - a guess that fails is no guess
                self.guess = None
        self.code_edit.blockSignals(True)
        if self.source_crs is not None:
            self.source_label.setText(self.tr("%1 (from the file). Type a code below only if it is wrong.")
                                      .replace("%1", crs_label(self.source_crs)))
            self.code_edit.clear()
        else:
            text = self.tr("The source has no CRS (no .prj or CRS): give its EPSG code.")
            if self.guess is not None:
                text += " " + self.tr("Its coordinates look like %1.").replace("%1", crs_label(self.guess))
                self.code_edit.setText(str(self.guess.to_epsg() or ""))
            self.source_label.setText(text)
        self.code_edit.blockSignals(False)
        self.project_label.setText(crs_label(project_crs) if project_crs is not None else self.tr(
            "none yet: the 3° Gauss-Krüger zone of the data becomes the project's CRS"))
        self._code_changed(self.code_edit.text())

    def _code_changed(self, text: str) -> None:
        self.check_label.setStyleSheet("color: #555;")
        if text.strip():
            try:
                self.check_label.setText(crs_label(parse_crs(_crs_argument(text.strip()))))
            except GisdeskError as error:
                self.check_label.setText(str(error))
                self.check_label.setStyleSheet("color: #b00020;")
        else:
            self.check_label.clear()
        crs = self.chosen_crs()
        self.lonlat = crs is not None and crs.is_geographic
        self.legacy = legacy_datum(crs) if crs is not None else None
        for widget in (self.coords_label, self.coords_combo):
            widget.setVisible(self.lonlat)
        for widget in (self.towgs84_label, self.towgs84_edit, self.towgs84_note):
            widget.setVisible(bool(self.legacy))
        self._towgs84_changed(self.towgs84_edit.text())

    def _towgs84_changed(self, text: str) -> None:
        self.towgs84_note.setStyleSheet("color: #555;")
        if not self.legacy:
            self.towgs84_note.clear()
        elif not text.strip():
            self.towgs84_note.setText(self.tr("%1 data are imported only with the parameters of its transformation "
                                              "to WGS 84 (without them it can be off by about 100 m).")
                                      .replace("%1", self.legacy))
        else:
            try:
                parse_towgs84(text)
                self.towgs84_note.clear()
            except GisdeskError as error:
                self.towgs84_note.setText(str(error))
                self.towgs84_note.setStyleSheet("color: #b00020;")
        self.completeChanged.emit()

    def chosen_crs(self):
        """The CRS typed, else the source's (None when neither is known)."""
        text = self.code_edit.text().strip()
        if not text:
            return self.source_crs
        try:
            return parse_crs(_crs_argument(text))
        except GisdeskError:
            return None

    def options(self) -> dict:
        """--coords and --towgs84 as the page gives them."""
        towgs84 = self.towgs84_edit.text().strip()
        return {"coords": (self.coords_combo.currentData() or None) if self.lonlat else None,
                "towgs84": towgs84 if towgs84 and self.legacy else None}

    def isComplete(self) -> bool:
        text = self.code_edit.text().strip()
        if not text:
            complete = self.source_crs is not None
        else:
            try:
                parse_crs(_crs_argument(text))
                complete = True
            except GisdeskError:
                complete = False
        towgs84 = self.towgs84_edit.text().strip()
        if complete and self.legacy and towgs84:
            try:
                parse_towgs84(towgs84)
            except GisdeskError:
                return False
        return complete


KEEP = ""  # the combo box's data for "(keep as extra column)"


class MappingPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle(self.tr("Field mapping"))
        self.setSubTitle(self.tr("The field each source column is read as. The proposal is what the importer "
                                 "finds by name, or what you confirmed for this source last time."))
        self.setCommitPage(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("Source column"), self.tr("First values"), self.tr("Field")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.cad_note = QLabel(self.tr("The kind of each CAD layer of the drawing: the entities of the layers of the "
                                       "kind imported go in; the choice is remembered for this drawing."))
        self.cad_note.setWordWrap(True)
        self.cad_note.setStyleSheet("color: #555;")
        self.cad_table = QTableWidget(0, 3)
        self.cad_table.setHorizontalHeaderLabels([self.tr("CAD layer"), self.tr("Entities"), self.tr("Kind")])
        self.cad_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cad_table.verticalHeader().setVisible(False)
        self.cad_table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.cad_note)
        layout.addWidget(self.cad_table, 1)
        self.combos: dict[str, QComboBox] = {}
        self.columns: list[str] = []
        self.cad_combos: dict[str, QComboBox] = {}
        self.cad_proposal: dict[str, str | None] = {}

    def initializePage(self) -> None:
        wizard = self.wizard()
        info = wizard.crs_page.info
        self.columns = list(info.columns) if info is not None else []
        remembered = previews.remembered_mapping(wizard.project, wizard.source, wizard.layer)
        proposal = previews.proposed_mapping(self.columns, wizard.kind, remembered)
        self.note.setText(self.tr("Proposed from the mapping you confirmed for %1 last time.")
                          .replace("%1", wizard.source.name) if remembered else
                          self.tr("Proposed from the column names (Chinese and English names, any letter case, "
                                  "shapefile-cut names)."))
        schema = KINDS[wizard.kind].schema
        self.table.setRowCount(len(self.columns))
        self.combos = {}
        for r, column in enumerate(self.columns):
            self.table.setItem(r, 0, QTableWidgetItem(column))
            examples = [v for v in wizard.encoding_page.column_values(column) if v][:3]
            self.table.setItem(r, 1, QTableWidgetItem(", ".join(examples)))
            combo = QComboBox()
            combo.addItem(self.tr("(keep as extra column)"), KEEP)
            for f in schema.fields:
                combo.addItem(f.label(), f.name)
            combo.setCurrentIndex(max(combo.findData(proposal.get(column, KEEP)), 0))
            self.table.setCellWidget(r, 2, combo)
            self.combos[column] = combo
        self.table.resizeColumnsToContents()
        self._fill_cad_table(wizard, info)

    def _fill_cad_table(self, wizard, info) -> None:
        """A drawing's CAD layers, their kinds proposed as the import maps them (remembered, else the defaults)."""
        counts = info.cad_layers if info is not None else {}
        self.cad_proposal = cad_layer_kinds(counts, remembered_cad_map(wizard.project, wizard.source.name))
        self.cad_combos = {}
        self.cad_table.setRowCount(len(counts))
        for r, (name, count) in enumerate(counts.items()):
            self.cad_table.setItem(r, 0, QTableWidgetItem(name))
            self.cad_table.setItem(r, 1, QTableWidgetItem(str(count)))
            combo = QComboBox()
            combo.addItem(self.tr("(not imported)"), "")
            for code, kind in KINDS.items():
                combo.addItem(kind.title, code)
            combo.setCurrentIndex(max(combo.findData(self.cad_proposal[name] or ""), 0))
            self.cad_table.setCellWidget(r, 2, combo)
            self.cad_combos[name] = combo
        self.cad_table.resizeColumnsToContents()
        for widget in (self.cad_note, self.cad_table):
            widget.setVisible(bool(counts))

    def set_cad_kind(self, layer: str, kind: str | None) -> None:
        """Choose the kind of a CAD layer (None: not imported)."""
        combo = self.cad_combos[layer]
        combo.setCurrentIndex(combo.findData(kind or ""))

    def cad_map(self) -> dict[str, str | None]:
        """The CAD layers whose kind the user changed (--cad-map), {layer: kind or None}."""
        chosen = {name: combo.currentData() or None for name, combo in self.cad_combos.items()}
        return {name: kind for name, kind in chosen.items() if kind != self.cad_proposal.get(name)}

    def set_field(self, column: str, field: str) -> None:
        """Choose the field of a column ("" keeps it as an extra column)."""
        combo = self.combos[column]
        combo.setCurrentIndex(combo.findData(field))

    def field_map(self) -> dict[str, str]:
        return {column: combo.currentData() for column, combo in self.combos.items()}

    def validatePage(self) -> bool:
        chosen = [f for f in self.field_map().values() if f]
        twice = sorted({f for f in chosen if chosen.count(f) > 1})
        if twice:
            QMessageBox.warning(self, self.tr("Field mapping"),
                                self.tr("Several columns are mapped onto %1: choose one.")
                                .replace("%1", ", ".join(twice)))
            return False
        return True


class ReportPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle(self.tr("Import"))
        self.stage = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.cancel_button = QPushButton(self.tr("Cancel import"))
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stage)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(self.text, 1)
        self.job = None
        self.state = ""  # running, finished, failed, cancelled

    def initializePage(self) -> None:
        wizard = self.wizard()
        self.error.clear()
        self.text.clear()
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.state = "running"
        self.setSubTitle(self.tr("%1 → layer kind %2").replace("%1", wizard.source.name)
                         .replace("%2", KINDS[wizard.kind].title))
        self.stage.setText(self.tr("Waiting…"))
        options = wizard.options()
        self._options = options
        window = wizard.window_
        panel = getattr(window, "jobs_panel", None)
        if panel is not None and (window.document is None or not window.document.layers):
            panel._release_held()  # an empty project draws no first map to wait for: run the import now
        self.job = run_job(window, self.tr("Import %1").replace("%1", wizard.source.name),
                           functools.partial(run_import, **options), wizard.project_path, wizard.source, wizard.kind,
                           on_done=self._done, on_error=self._failed)
        self.job.progressed.connect(self._progress)
        self.completeChanged.emit()

    def _progress(self, stage: str, fraction: float) -> None:
        self.stage.setText(self.stage_text(stage))
        self.bar.setValue(int(round(fraction * 1000)))

    def cancel(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.stage.setText(self.tr("Cancelling…"))

    def _done(self, report) -> None:
        wizard = self.wizard()
        self.state = "finished"
        wizard.report = report
        self.bar.setValue(1000)
        self.stage.setText(self.tr("Done."))
        self.cancel_button.hide()
        self.text.setPlainText("\n".join(report_lines(report)))
        field_map = self._options.get("field_map")
        if field_map:  # confirmed and imported: proposed again for this source next time
            previews.remember_mapping(wizard.project, wizard.source, wizard.layer, field_map)
        _reload(wizard.window_, wizard.project_path)
        self.completeChanged.emit()

    def _failed(self, error: BaseException) -> None:
        wizard = self.wizard()
        wizard.error = error
        self.cancel_button.hide()
        if isinstance(error, Cancelled):
            self.state = "cancelled"
            self.stage.setText(self.tr("Cancelled: the project is as it was."))
        else:
            self.state = "failed"
            self.stage.setText(self.tr("The import failed: the project is as it was."))
            self.error.setText(str(error) if isinstance(error, GisdeskError) else
                               self.tr("Internal error: %1").replace("%1", f"{type(error).__name__}: {error}"))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.state in ("finished", "failed", "cancelled")

    def stage_text(self, stage: str) -> str:
        return stage_label(stage) if stage else self.tr("Finishing")


def _crs_argument(text: str) -> str:
    """A bare number is an EPSG code."""
    return f"EPSG:{text}" if text.isdigit() else text


def _source_info(wizard) -> previews.SourceInfo | None:
    x_field, y_field = wizard.coordinate_fields
    try:
        return previews.source_info(wizard.source, wizard.layer, wizard.encoding, x_field=x_field, y_field=y_field)
    except GisdeskError as error:
        wizard.crs_page.check_label.setText(str(error))
        return None
    except Exception:  # noqa: BLE001 - the import says what is wrong with the source
        return None


def _reload(window, project_path: Path) -> None:
    """Show the imported features: the window reads the project again (its view is kept)."""
    had_layers = window.document is not None and bool(window.document.layers)
    same = window.document is not None and Path(window.document.project.path).resolve() == project_path.resolve()
    if same and window.document.dirty:
        window.document.save()  # layer order, visibility and styles the user changed: kept, not lost
    if window.open_project(project_path) and not (same and had_layers):
        window.zoom_full()


def open_import_wizard(window, project_path=None) -> ImportWizard | None:
    """File › Import…: the wizard on the open project (or `project_path`)."""
    path = project_path or (window.document.project.path if window.document is not None else None)
    if path is None:
        QMessageBox.information(window, QCoreApplication.translate("ImportWizard", "Import"),
                                QCoreApplication.translate("ImportWizard", "Open or create a project first."))
        return None
    wizard = ImportWizard(window, path)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.show()
    return wizard


def new_project(window) -> ImportWizard | None:
    """File › New project: the .gpkg's path, optionally a CRS, then the import wizard."""
    start = window.settings.value("last_dir", str(Path.home()))
    path, _ = QFileDialog.getSaveFileName(window, QCoreApplication.translate("ImportWizard", "New project"), start,
                                          QCoreApplication.translate("ImportWizard", "gisdesk projects (*.gpkg)"))
    if not path:
        return None
    if not path.lower().endswith(".gpkg"):
        path += ".gpkg"
    question = QCoreApplication.translate(
        "ImportWizard",
        "Project CRS as an EPSG code (e.g. 4549); leave empty to take the 3° Gauss-Krüger zone of the first import:")
    code, ok = QInputDialog.getText(window, QCoreApplication.translate("ImportWizard", "New project"), question)
    if not ok:
        return None
    return create_and_import(window, path, code.strip())


def create_and_import(window, path, code: str = "") -> ImportWizard | None:
    """Make the project (refusing a CRS that is not metric), open it and start the wizard."""
    try:
        crs = parse_crs(_crs_argument(code)) if code else None
        if crs is not None and not crs.is_projected:
            raise InputError("项目坐标系应为米制投影坐标系（如 EPSG:4549），而不是 {crs}",
                             "the project CRS must be a metric projection (e.g. EPSG:4549), not {crs}", crs=crs.name)
        Project.create(path, crs=crs)
    except GisdeskError as error:
        QMessageBox.warning(window, QCoreApplication.translate("ImportWizard", "Cannot create project"), str(error))
        return None
    if not window.open_project(path):
        return None
    return open_import_wizard(window, path)
