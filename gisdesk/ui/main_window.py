"""The main window: menus, toolbar, the map canvas in the middle, docks around it, status bar.

Panels (layer tree, conflicts, totals, jobs) live in their own modules and attach
themselves with `install(window)`; they follow `documentChanged` to the open project.
"""

from __future__ import annotations

import re
from pathlib import Path

from pyproj import Transformer
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QLabel, QLineEdit, QMainWindow, QMessageBox, QToolBar)

from gisdesk import __version__
from gisdesk.crs import CGCS2000_GEOGRAPHIC, crs_label
from gisdesk.errors import GisdeskError
from gisdesk.layers.document import MapDocument
from gisdesk.project import Project
from gisdesk.render.renderer import MapView
from gisdesk.render.style import default_style
from gisdesk.ui.canvas import MapCanvas, PanTool, problems_by_layer
from gisdesk.ui.icons import icon
from gisdesk.ui.panels import install_panels

MAX_RECENT = 8


class MainWindow(QMainWindow):
    documentChanged = Signal(object)  # MapDocument or None

    def __init__(self):
        super().__init__()
        self.document: MapDocument | None = None
        self.settings = QSettings()
        self.canvas = MapCanvas(self)
        self.setCentralWidget(self.canvas)
        self.setDockNestingEnabled(True)
        self._to_lonlat: Transformer | None = None
        self._build_actions()
        self._build_status_bar()
        self.canvas.viewChanged.connect(self._show_scale)
        self.canvas.cursorMoved.connect(self._show_position)
        self._update_title()
        self.resize(1400, 900)
        install_panels(self)

    # --- building --------------------------------------------------------------------

    def _build_actions(self) -> None:
        bar = self.menuBar()
        self.menus = {key: bar.addMenu(title) for key, title in (
            ("file", self.tr("&File")), ("edit", self.tr("&Edit")), ("view", self.tr("&View")), ("tools", self.tr("&Tools")),
            ("analysis", self.tr("&Analysis")), ("help", self.tr("&Help")))}
        self.toolbar = QToolBar(self.tr("Main toolbar"), self)
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(self.toolbar)

        self.action_open = self._action(self.tr("&Open project…"), self.choose_project, QKeySequence.StandardKey.Open,
                                        "open")
        self.action_save = self._action(self.tr("&Save project"), self.save_project, QKeySequence.StandardKey.Save,
                                        "save")
        self.action_new = self._action(self.tr("&New project…"), self.new_project, QKeySequence.StandardKey.New)
        self.action_import = self._action(self.tr("&Import…"), self.import_data, "Ctrl+I")
        self.recent_menu = self.menus["file"].addMenu(self.tr("Recent projects"))
        self.action_quit = self._action(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        for action in (self.action_open, self.action_save):
            self.menus["file"].addAction(action)
        self.menus["file"].insertMenu(self.action_save, self.recent_menu)
        self.menus["file"].insertAction(self.action_open, self.action_new)
        self.menus["file"].insertAction(self.action_save, self.action_import)
        self.menus["file"].addSeparator()
        self.menus["file"].addAction(self.action_quit)

        self.action_undo = self._action(self.tr("&Undo"), lambda: self._edit_history("undo"), "Ctrl+Z")
        self.action_redo = self._action(self.tr("&Redo"), lambda: self._edit_history("redo"), "Ctrl+Shift+Z")
        for action in (self.action_undo, self.action_redo):
            action.setEnabled(False)
            self.menus["edit"].addAction(action)

        self.action_full = self._action(self.tr("Zoom to &full extent"), self.zoom_full, "Ctrl+Shift+F", "full")
        self.action_zoom_in = self._action(self.tr("Zoom &in"), lambda: self.canvas.zoom(1.5),
                                           QKeySequence.StandardKey.ZoomIn, "zoom_in")
        self.action_zoom_out = self._action(self.tr("Zoom &out"), lambda: self.canvas.zoom(1 / 1.5),
                                            QKeySequence.StandardKey.ZoomOut, "zoom_out")
        self.action_zoom_selection = self._action(self.tr("Zoom to &selection"), self.zoom_selection, "Ctrl+J",
                                                  "zoom_selection")
        for action in (self.action_full, self.action_zoom_selection, self.action_zoom_in, self.action_zoom_out):
            self.menus["view"].addAction(action)
        self.action_problems = self._action(self.tr("Topology problems"), self._show_problems)
        self.action_problems.setCheckable(True)
        self.action_problems.setChecked(True)
        self.action_problems.setStatusTip(self.tr("Overlaps (hatched red), slivers (orange) and gaps (magenta) "
                                                  "found when the visible layers were imported"))
        self.menus["view"].addAction(self.action_problems)
        self.documentChanged.connect(self._show_problems)  # a project opened, or reopened after an import
        self.action_pan = self._action(self.tr("&Pan"), lambda: self.canvas.set_tool(PanTool(self.canvas)), "P", "pan")
        self.menus["tools"].addAction(self.action_pan)
        for action in (self.action_open, self.action_save, None, self.action_full, self.action_zoom_in,
                       self.action_zoom_out, self.action_pan):
            self.toolbar.addAction(action) if action else self.toolbar.addSeparator()
        self.menus["help"].addAction(self._action(self.tr("&About gisdesk"), self.show_about))
        self.menus["view"].addSeparator()
        self.panels_menu = self.menus["view"].addMenu(self.tr("Panels"))
        self._refresh_recent()

    def _action(self, text: str, slot, shortcut=None, icon_name: str | None = None) -> QAction:
        action = QAction(icon(icon_name), text, self) if icon_name else QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut)
        action.triggered.connect(slot)
        return action

    def _edit_history(self, step: str) -> None:
        """Undo or redo the last feature edit of any layer; the store saves it at once."""
        if self.document is None:
            return
        try:
            getattr(self.document, step)()
        except GisdeskError as error:
            self.statusBar().showMessage(str(error), 10000)
            QMessageBox.warning(self, self.tr("Cannot save the edit"), str(error))
        self._update_edit_actions()

    def _update_edit_actions(self) -> None:
        self.action_undo.setEnabled(self.document is not None and self.document.can_undo())
        self.action_redo.setEnabled(self.document is not None and self.document.can_redo())

    def add_dock(self, dock, area=Qt.DockWidgetArea.LeftDockWidgetArea) -> None:
        """Attach a panel; it gets a name for the saved layout and an entry in View › Panels."""
        if not dock.objectName():
            dock.setObjectName(type(dock.widget()).__name__ if dock.widget() else dock.windowTitle())
        self.addDockWidget(area, dock)
        self.panels_menu.addAction(dock.toggleViewAction())

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.position_label = QLabel()
        self.position_label.setMinimumWidth(460)
        self.scale_edit = QLineEdit()
        self.scale_edit.setFixedWidth(110)
        self.scale_edit.setToolTip(self.tr("Map scale; type e.g. 1:2000 and press Enter"))
        self.scale_edit.returnPressed.connect(self._scale_entered)
        self.crs_label = QLabel()
        bar.addPermanentWidget(self.position_label)
        bar.addPermanentWidget(QLabel(self.tr("Scale")))
        bar.addPermanentWidget(self.scale_edit)
        bar.addPermanentWidget(self.crs_label)

    # --- projects --------------------------------------------------------------------

    def choose_project(self) -> None:
        if not self._may_discard():
            return
        start = self.settings.value("last_dir", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open project"), start,
                                              self.tr("gisdesk projects (*.gpkg)"))
        if path:
            self.open_project(path)

    def open_project(self, path) -> bool:
        """Open a project; on bad input tell the user and keep what was open."""
        # The read holds the UI thread (about 2 s for a million buildings): say so meanwhile.
        self.statusBar().showMessage(self.tr("Opening %1…").replace("%1", Path(path).name))
        self.statusBar().repaint()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            document = MapDocument.open(Project.open(path), default_style=default_style)
        except GisdeskError as error:
            document, problem = None, str(error)
        finally:
            QApplication.restoreOverrideCursor()
            self.statusBar().clearMessage()
        if document is None:
            QMessageBox.warning(self, self.tr("Cannot open project"), problem)
            return False
        self._remember_view()
        self.document = document
        crs = document.project.crs
        self._to_lonlat = Transformer.from_crs(crs, CGCS2000_GEOGRAPHIC, always_xy=True) if crs else None
        self.crs_label.setText(crs_label(crs) if crs else self.tr("no CRS"))
        document.events["dirty"].connect(lambda *_: self._update_title())
        document.events["edits"].connect(lambda *_: self._update_edit_actions())
        self.canvas.set_document(document)
        self._restore_view(path)
        self._add_recent(str(Path(path).resolve()))
        self.settings.setValue("last_dir", str(Path(path).resolve().parent))
        self.settings.setValue("last_project", str(Path(path).resolve()))
        self._update_title()
        self._update_edit_actions()
        self.documentChanged.emit(document)
        if document.project.notices:  # what opening repaired (e.g. uids for features added in QGIS)
            self.statusBar().showMessage("；".join(document.project.notices), 15000)
        return True

    def new_project(self) -> None:
        """File › New project: the file, optionally a CRS, then the import wizard (gisdesk.ui.import_wizard)."""
        from gisdesk.ui.import_wizard import new_project

        if self._may_discard():
            new_project(self)

    def import_data(self) -> None:
        """File › Import…: the import wizard on the open project."""
        from gisdesk.ui.import_wizard import open_import_wizard

        open_import_wizard(self)

    def save_project(self) -> bool:
        if self.document is None:
            return True
        try:
            self.document.save()
        except (GisdeskError, OSError) as error:
            QMessageBox.critical(self, self.tr("Cannot save project"), str(error))
            return False
        self.statusBar().showMessage(self.tr("Saved %1").replace("%1", str(self.document.project.path)), 4000)
        return True

    def show_about(self) -> None:
        attribution = self.document.project.setting("attribution") if self.document else ""
        text = self.tr("gisdesk %1 — offline GIS for control lines, the illegal-construction ledger and "
                       "their conflicts.").replace("%1", __version__)
        if attribution:
            text += "\n\n" + self.tr("Data of this project:") + "\n" + attribution
        QMessageBox.about(self, self.tr("About gisdesk"), text)

    def _show_problems(self, *_) -> None:
        """View › Topology problems: the findings of the imports (the store's topology()) over their layers."""
        shown = self.action_problems.isChecked() and self.document is not None
        self.canvas.set_problems(problems_by_layer(self.document.project.topology()) if shown else {})

    def zoom_full(self) -> None:
        if self.document is not None:
            self.canvas.zoom_to_extent(self.document.extent())

    def zoom_selection(self) -> None:
        """Zoom to the features selected in any layer."""
        if self.document is not None:
            self.canvas.zoom_to_extent(self.document.extent(selected=True))

    def _may_discard(self) -> bool:
        """Ask about unsaved changes: save them, throw them away, or stay."""
        if self.document is None or not self.document.dirty:
            return True
        answer = QMessageBox.question(
            self, self.tr("Unsaved changes"),
            self.tr("The project %1 has unsaved changes (layer order, visibility or styles). Save them?")
            .replace("%1", self.document.name),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Save:
            return self.save_project()
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_discard():
            event.ignore()
            return
        self._remember_view()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        event.accept()

    def restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def _remember_view(self) -> None:
        if self.document is not None:
            v = self.canvas.view
            self.settings.setValue(f"views/{_key(self.document.project.path)}", [v.cx, v.cy, v.resolution])

    def _restore_view(self, path) -> None:
        saved = self.settings.value(f"views/{_key(path)}")
        if saved:
            cx, cy, resolution = (float(v) for v in saved)
            self.canvas.set_view(MapView(cx, cy, resolution, self.canvas.view.width, self.canvas.view.height),
                                 render_delay=False)

    def _add_recent(self, path: str) -> None:
        recent = [p for p in self._recent() if p != path]
        self.settings.setValue("recent", [path, *recent][:MAX_RECENT])
        self._refresh_recent()

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for path in self._recent():
            self.recent_menu.addAction(path, lambda p=path: self._may_discard() and self.open_project(p))
        self.recent_menu.setEnabled(bool(self._recent()))

    def _update_title(self) -> None:
        if self.document is None:
            self.setWindowTitle("gisdesk")
        else:
            star = "*" if self.document.dirty else ""
            self.setWindowTitle(f"{star}{self.document.name} — gisdesk")

    # --- status bar ------------------------------------------------------------------

    def _show_position(self, x: float, y: float) -> None:
        text = f"x {x:,.2f}  y {y:,.2f} m"
        if self._to_lonlat is not None:
            lon, lat = self._to_lonlat.transform(x, y)
            text = f"{lon:.6f}°E  {lat:.6f}°N   " + text
        self.position_label.setText(text)

    def _show_scale(self, view: MapView) -> None:
        if not self.scale_edit.hasFocus():
            self.scale_edit.setText(f"1:{view.scale_denominator():,.0f}")

    def _scale_entered(self) -> None:
        match = re.fullmatch(r"\s*(?:1\s*:\s*)?([\d,\.]+)\s*", self.scale_edit.text())
        denominator = float(match.group(1).replace(",", "")) if match else 0
        if denominator > 0:
            self.canvas.set_scale(denominator)
            self.canvas.setFocus()
        else:
            self.statusBar().showMessage(self.tr("Type a scale like 1:2000"), 4000)
            self._show_scale(self.canvas.view)


def _key(path) -> str:
    return str(Path(path).resolve()).replace("/", "|")
