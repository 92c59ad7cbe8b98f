"""The main window: menus, toolbar, the map canvas in the middle, docks around it, status bar.

Panels (layer tree, conflicts, totals, jobs) live in their own modules and attach
themselves with `install(window)`; they follow `documentChanged` to the open project.
"""

from __future__ import annotations

import bisect
import re
import weakref
from pathlib import Path

from pyproj import Transformer
from PySide6.QtCore import QEventLoop, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDockWidget, QFileDialog, QFrame, QLabel, QLineEdit, QMainWindow, QMessageBox,
                               QScrollArea, QSplitter, QTabWidget, QToolBar, QTreeView, QWidget)

from gisdesk import __version__, gpkg, i18n
from gisdesk.crs import CGCS2000_GEOGRAPHIC, crs_label
from gisdesk.errors import GisdeskError
from gisdesk.layers.document import MapDocument
from gisdesk.render.renderer import MapView
from gisdesk.render.style import default_style
from gisdesk.ui.canvas import MapCanvas, PanTool, problems_by_layer
from gisdesk.ui.icons import icon
from gisdesk.ui.loading import ProjectLoader, recollect
from gisdesk.ui.panels import install_panels

MAX_RECENT = 8
# The docks' first layout (no saved one): the map keeps most of a 1366×768 laptop screen.
TOOLBAR_ICON = 20  # px; one row of tools, a thin one
LAYOUT_VERSION = 2  # of the saved dock layout: 2 = legend under the layers, totals behind the conflicts
LEFT_WIDTH = 180  # layer tree over the legend
BOTTOM_HEIGHT = 185  # the conflicts list, the totals tabbed with it
TREE_SHARE = 0.45  # of the left column's height, for the layer tree ...
TREE_MAX = 340  # ... up to what the demo's four groups and nine layers take; the legend the rest
RECOLLECT_DELAY_MS = 1500  # after another project is open, the closed (frozen) one is collected
RECOLLECT_ATTEMPTS = 5


class MainWindow(QMainWindow):
    documentChanged = Signal(object)  # MapDocument or None

    def __init__(self, *, headless: bool = False):
        super().__init__()
        # headless (gisdesk open --screenshot): nobody sees a dialog, so none is shown; a project
        # that cannot be opened leaves its reason in `open_problem` for the caller to print
        self.headless = headless
        self.open_problem: str | None = None
        self.document: MapDocument | None = None
        self.loading: ProjectLoader | None = None  # a project being opened (see open_project)
        self._loading_path = None
        self._preview: MapDocument | None = None  # its layers read so far, on the map and in the layer tree
        self._preview_view = None
        self._loop_quits: list = []  # open_project(wait=True) calls waiting for the load
        self._read_problems = (None, None)  # (document, its topology findings read by its loader)
        self._frozen = False  # a large project was opened: the heap was frozen after its read (loading.recollect)
        self.settings = QSettings()
        self.canvas = MapCanvas(self)
        # the map area: the canvas, and beside it a second one when two dates are compared side by
        # side (gisdesk.ui.compare); the same central widget throughout, so the docks keep their sizes
        self.map_area = QSplitter(Qt.Orientation.Horizontal, self)
        self.map_area.setObjectName("map_area")
        self.map_area.setChildrenCollapsible(False)
        self.map_area.addWidget(self.canvas)
        self.setCentralWidget(self.map_area)
        self.setDockNestingEnabled(True)
        self._to_lonlat: Transformer | None = None
        self._build_actions()
        self._build_status_bar()
        self.canvas.viewChanged.connect(self._show_scale)
        self.canvas.cursorMoved.connect(self._show_position)
        self._update_title()
        self.resize(1366, 768)
        self._sized = False  # the docks got their sizes for the size the window is shown at
        install_panels(self)
        self._arrange()

    # --- building --------------------------------------------------------------------

    def _build_actions(self) -> None:
        bar = self.menuBar()
        self.menus = {key: bar.addMenu(title) for key, title in (
            ("file", self.tr("&File")), ("edit", self.tr("&Edit")), ("view", self.tr("&View")), ("tools", self.tr("&Tools")),
            ("analysis", self.tr("&Analysis")), ("help", self.tr("&Help")))}
        self.toolbar = QToolBar(self.tr("Main toolbar"), self)
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setIconSize(QSize(TOOLBAR_ICON, TOOLBAR_ICON))
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
        self.action_problems.setStatusTip(self.tr("Overlaps (hatched black), slivers (orange) and gaps (magenta) "
                                                  "found when the visible layers were imported"))
        self.menus["view"].addAction(self.action_problems)
        self.documentChanged.connect(self._show_problems)  # a project opened, or reopened after an import
        self.action_pan = self._action(self.tr("&Pan"), lambda: self.canvas.set_tool(PanTool(self.canvas)), "P", "pan")
        self.menus["tools"].addAction(self.action_pan)
        for action in (self.action_open, self.action_save, None, self.action_full, self.action_zoom_in,
                       self.action_zoom_out, self.action_pan):
            self.toolbar.addAction(action) if action else self.toolbar.addSeparator()
            if action is not None:  # well-known icons: no text, so that every tool fits a laptop's width
                self.toolbar.widgetForAction(action).setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                action.setToolTip(f"{_plain(action.text())} ({keys})" if keys else _plain(action.text()))
        self.menus["help"].addAction(self._action(self.tr("&About gisdesk"), self.show_about))
        self.menus["view"].addSeparator()
        self.panels_menu = self.menus["view"].addMenu(self.tr("Panels"))
        self._refresh_recent()

    def _arrange(self) -> None:
        """The first layout of the docks and the toolbar, once the panels are in (a saved layout
        replaces it, restore_layout): the layer tree over the legend on the left, the whole
        height; the conflicts list at the bottom with the totals tabbed behind it; the jobs in
        the status bar. At 1366×768 the map keeps more than half of the window and the
        toolbar shows every tool in one row."""
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        tree = self.findChild(QDockWidget, "layer_tree")
        conflicts, totals = getattr(self, "conflicts_dock", None), getattr(self, "totals_dock", None)
        if totals is not None and not isinstance(totals.widget(), QScrollArea):
            scroll = QScrollArea()  # its charts scroll in a low dock instead of pushing the map up
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(totals.widget())
            totals.setWidget(scroll)
        if conflicts is not None and totals is not None:
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, totals)
            self.tabifyDockWidget(conflicts, totals)
            conflicts.raise_()
            # the tabs down the side: a row of tabs under the list would cost the map its height,
            # and they name the docks, so tabbed docks go without a title bar (see _tab_titles)
            self.setTabPosition(Qt.DockWidgetArea.BottomDockWidgetArea, QTabWidget.TabPosition.West)
            for dock in (conflicts, totals):
                for signal in (dock.topLevelChanged, dock.dockLocationChanged, dock.visibilityChanged):
                    signal.connect(self._tab_titles_later)
            self._tab_titles()
        if tree is not None:
            tree.setMinimumWidth(min(tree.minimumWidth(), LEFT_WIDTH))
            view = tree.widget().findChild(QTreeView) if tree.widget() is not None else None
            if view is not None:  # two levels (group, layer): a smaller indent keeps the names whole
                view.setIndentation(14)
        self._size_docks()
        action = getattr(self, "legend_action", None)
        if action is not None:  # the legend's button next to the view tools
            actions = self.toolbar.actions()
            at = actions.index(self.action_pan) + 1
            self.toolbar.insertAction(actions[at] if at < len(actions) else None, action)
        scope = getattr(getattr(self, "tools", None), "scope", None)
        if scope is not None:  # long layer names do not widen the toolbar
            scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            scope.setMinimumContentsLength(9)

    def _tab_titles_later(self, *_) -> None:
        QTimer.singleShot(0, self, self._tab_titles)

    def _tab_titles(self) -> None:
        """Bottom docks tabbed with another one show no title bar (their tab is their title); alone
        or floating they get theirs back, to be moved and closed by."""
        for dock in self.findChildren(QDockWidget):
            tabbed = (not dock.isFloating() and self.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
                      and any(not other.isHidden() for other in self.tabifiedDockWidgets(dock)))
            has_blank = isinstance(dock.titleBarWidget(), _NoTitle)
            if tabbed and not has_blank:
                dock.setTitleBarWidget(_NoTitle())
            elif not tabbed and has_blank:
                old = dock.titleBarWidget()
                dock.setTitleBarWidget(None)
                old.deleteLater()

    def _size_docks(self) -> None:
        """The docks' first sizes for the window's size: at 1366×768 the left column LEFT_WIDTH
        wide and the bottom BOTTOM_HEIGHT high (the map keeps 55 % of the window); a larger
        window gives them a share of its growth, the map the rest."""
        tree, legend = self.findChild(QDockWidget, "layer_tree"), getattr(self, "legend_dock", None)
        conflicts = getattr(self, "conflicts_dock", None)
        width, height = self.width(), self.height()
        left_width = max(LEFT_WIDTH, round(LEFT_WIDTH + (width - 1366) * 0.15))
        bottom = max(BOTTOM_HEIGHT, round(BOTTOM_HEIGHT + (height - 768) * 0.35))
        left = [dock for dock in (tree, legend) if dock is not None and not dock.isFloating()]
        if left:
            self.resizeDocks(left, [left_width] * len(left), Qt.Orientation.Horizontal)
        if len(left) == 2:
            column = height - 90
            top = min(int(column * TREE_SHARE), TREE_MAX)
            self.resizeDocks(left, [top, column - top], Qt.Orientation.Vertical)
        if conflicts is not None and not conflicts.isFloating():
            self.resizeDocks([conflicts], [bottom], Qt.Orientation.Vertical)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized:  # the first show, at the size the window opens with (no saved layout)
            self._sized = True
            QTimer.singleShot(0, self, self._size_docks)  # once the maximised size has come

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
        self.scale_edit.setMaximumHeight(22)  # a thin status bar leaves the map its height
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
            self.open_project(path, wait=False)

    def open_project(self, path, *, wait: bool = True) -> bool:
        """Open a project; on bad input tell the user and keep what was open.

        The layers are read in a worker thread (gisdesk.ui.loading), the small ones first, and
        shown on the map and in the layer tree as they arrive; the window stays responsive.
        The project becomes `self.document` (and `documentChanged` fires) once every layer is
        in; until then `self.loading` is the load under way and the panels show the project
        that was open. With `wait` (what scripts and the import wizard use) this returns when
        the project is open, True, or could not be, False — the window runs meanwhile; without,
        it returns True at once. Opening another project, or closing the window, cancels a load.
        """
        self._abandon_load()
        self.statusBar().showMessage(self.tr("Opening %1…").replace("%1", Path(path).name))
        self.open_problem = None
        loader = ProjectLoader(path, default_style=default_style)
        loader.signals.opened.connect(self._load_opened)
        loader.signals.layerRead.connect(self._load_layer)
        loader.signals.finished.connect(self._load_finished)
        loader.signals.failed.connect(self._load_failed)
        self.loading, self._loading_path, self._preview = loader, path, None
        loader.start()
        if not wait:
            return True
        if loader.ok is None:
            loop = QEventLoop()
            self._loop_quits.append(loop.quit)
            loop.exec()
        return bool(loader.ok)

    # The load's signals (queued from its thread); each checks that its loader is still the one wanted.
    def _load_opened(self, loader, project, infos, extent) -> None:
        if loader is not self.loading:
            return
        self._remember_view()
        self._preview = MapDocument(project, [], basemaps=loader.basemaps)  # (None: the store's, opened when drawn)
        self._preview_positions: list[int] = []
        self.canvas.set_document(self._preview, extent=extent, loading=True)
        self._restore_view(self._loading_path)
        self._preview_view = self.canvas.view
        self._layer_tree_show(self._preview)

    def _load_layer(self, loader, position: int, layer) -> None:
        if loader is not self.loading or self._preview is None:
            return
        at = bisect.bisect(self._preview_positions, position)  # drawing order, whatever order they came in
        self._preview_positions.insert(at, position)
        self._preview.layers.insert(at, layer)
        self._preview.events["layers"].emit(self._preview)
        if len(self._preview.layers) == 1:
            self.canvas.render_now()  # the first map: do not wait for the pan/zoom settle delay

    def _load_finished(self, loader) -> None:
        if loader is not self.loading:
            return
        path, preview = self._loading_path, self._preview
        self.loading = self._preview = None
        self.statusBar().clearMessage()
        document = MapDocument(preview.project, list(preview.layers), basemaps=preview.basemaps)
        closed, self.document = self.document, document
        self._read_problems = (document, loader.problems)
        # the closed project's features were frozen at its load: collect them once it is let go
        collect = [weakref.ref(x) for x in (closed, *closed.layers)] if closed is not None and self._frozen else None
        self._frozen = self._frozen or loader.froze
        crs = document.project.crs
        self._to_lonlat = Transformer.from_crs(crs, CGCS2000_GEOGRAPHIC, always_xy=True) if crs else None
        self.crs_label.setText(crs_label(crs) if crs else self.tr("no CRS"))
        document.events["dirty"].connect(lambda *_: self._update_title())
        document.events["edits"].connect(lambda *_: self._update_edit_actions())
        moved = self.canvas.view != self._preview_view  # the user panned or zoomed meanwhile
        self.canvas.set_document(document, keep_view=True)
        if not moved and self.settings.value(f"views/{_key(path)}") is None:
            exact = loader.extent  # the stored extents shown meanwhile may be older than the features
            if exact is not None and exact != self._shown_extent(exact):
                self.canvas.zoom_to_extent(exact)
        if self.canvas._image is None and not self.canvas.is_rendering():
            self.canvas.render_now()  # a project without layers: its (empty) map
        if not self.headless:  # a screenshot run is not where the user left off
            self._add_recent(str(Path(path).resolve()))
            self.settings.setValue("last_dir", str(Path(path).resolve().parent))
            self.settings.setValue("last_project", str(Path(path).resolve()))
        self._update_title()
        self._update_edit_actions()
        # The panels hear of it in the next turn of the event loop: two short stalls, not one long
        QTimer.singleShot(0, self, lambda: self._announce(loader, document, collect))

    def _announce(self, loader, document, collect=None) -> None:
        if self.document is document and loader.ok is None:
            self.documentChanged.emit(document)
            if document.project.notices:  # what opening repaired (e.g. uids for features added in QGIS)
                self.statusBar().showMessage("；".join(document.project.notices), 15000)
            if not self.headless:  # edits a crashed window left unsaved: restore them? (gisdesk.ui.restore)
                from gisdesk.ui.restore import offer_restore
                offer_restore(self, document)
        if collect is not None:
            QTimer.singleShot(RECOLLECT_DELAY_MS, self, lambda: self._collect_closed(collect))
        self._load_over(loader, self.document is document)

    def _collect_closed(self, closed, attempts: int = RECOLLECT_ATTEMPTS) -> None:
        """Collect the closed project (`closed`: weak references to its document and layers) that
        its load froze; while something still holds it (a deferred delete, an index build), try
        again a little later."""
        recollect(freeze=False)
        if any(ref() is not None for ref in closed) and attempts > 1:
            QTimer.singleShot(RECOLLECT_DELAY_MS, self, lambda: self._collect_closed(closed, attempts - 1))
        else:
            recollect()

    def _shown_extent(self, exact):
        """`exact` if the view shown now is the one it fits (then no new zoom and render is needed)."""
        fitted = MapView.fit(exact, max(self.canvas.width(), 1), max(self.canvas.height(), 1))
        view = self.canvas.view
        same = (abs(fitted.cx - view.cx) <= view.resolution * 0.5 and abs(fitted.cy - view.cy) <= view.resolution * 0.5
                and abs(fitted.resolution - view.resolution) <= view.resolution * 1e-3)
        return exact if same else None

    def _load_failed(self, loader, error) -> None:
        if loader is not self.loading:
            return
        self._back_to_open_document()
        self.statusBar().clearMessage()
        if isinstance(error, GisdeskError):
            problem = str(error)  # in the user's language
        else:  # e.g. GDAL's word on a damaged table
            problem = i18n.bilingual("无法读取项目 {path}：{error}", "cannot read the project {path}: {error}",
                                     path=Path(self._loading_path).name, error=gpkg.error_reason(error))
        self.loading = None
        self.open_problem = problem
        self._load_over(loader, False)
        if not self.headless:
            QMessageBox.warning(self, self.tr("Cannot open project"), problem)

    def _abandon_load(self) -> None:
        """Cancel a load under way (another project is being opened, or the window closes)."""
        loader = self.loading
        if loader is None:
            return
        loader.cancel()
        self.loading = None
        self._back_to_open_document()
        self._load_over(loader, False)

    def _back_to_open_document(self) -> None:
        """Show the project that was open again, after a load that showed some of its layers."""
        if self._preview is None:
            return
        self._preview = None
        self.canvas.set_document(self.document)
        if self.document is not None:
            self._restore_view(self.document.project.path)
        self._layer_tree_show(self.document)

    def _load_over(self, loader, ok: bool) -> None:
        if loader.ok is not None:
            return
        loader.ok = ok
        quits, self._loop_quits = self._loop_quits, []
        for quit_ in quits:
            quit_()

    def _layer_tree_show(self, document) -> None:
        tree = getattr(self, "layer_tree", None)
        if tree is not None:
            tree.set_document(document)

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
            self.document.commit_edits()  # (edits restored from the autosave journal, say)
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
        if not shown:
            self.canvas.set_problems({})
            return
        document, problems = self._read_problems
        if document is not self.document or problems is None:  # read with the project when it was opened
            problems = problems_by_layer(self.document.project.topology())
        self.canvas.set_problems(problems)

    def zoom_full(self) -> None:
        if self.document is not None:
            self.canvas.zoom_to_extent(self.document.extent())

    def zoom_selection(self) -> None:
        """Zoom to the features selected in any layer."""
        if self.document is not None:
            self.canvas.zoom_to_extent(self.document.extent(selected=True))

    def _may_discard(self) -> bool:
        """Ask about unsaved changes: save them, throw them away, or stay."""
        if self.document is None or not self.document.dirty or self.headless:
            return True  # (headless: nobody to ask; what is unsaved is the view's, not the data's)
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
        loader = self.loading
        self._abandon_load()
        if loader is not None:
            loader.wait(5)  # it stops at its next batch; do not leave it reading while the app ends
        if self.document is not None and self.document.journal is not None:
            self.document.journal.close()  # (its file goes when no unsaved edit is left in it)
        if not self.headless:  # (a screenshot's window size and view are not the user's layout)
            self._remember_view()
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        event.accept()

    def restore_layout(self) -> bool:
        """The window's size, place and docks as the user left them; False on a first run (nothing
        saved: show the window maximised, see show_first)."""
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            # the user's docks and sizes, not ours; a layout saved by an older arrangement is dropped
            self._sized = self.restoreState(state, LAYOUT_VERSION) or self._sized
        return geometry is not None

    def show_first(self) -> None:
        """Show the window as the app starts: where the user left it, or maximised on a first run."""
        if self.restore_layout():
            self.show()
        else:
            self.showMaximized()

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
            self.recent_menu.addAction(path, lambda p=path: self._may_discard() and self.open_project(p, wait=False))
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


class _NoTitle(QWidget):
    """The title bar of a tabbed dock: nothing (its tab names it)."""

    def sizeHint(self) -> QSize:
        return QSize(0, 0)


def _plain(text: str) -> str:
    """A menu text without its mnemonic: "放大(&I)" → "放大", "&Open project…" → "Open project"."""
    return re.sub(r"\(&\w\)|&(?=\w)", "", text).rstrip("…").strip()


def _key(path) -> str:
    return str(Path(path).resolve()).replace("/", "|")
