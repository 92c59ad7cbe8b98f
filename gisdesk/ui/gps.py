"""The GPS panel: connect a receiver (serial port and baud) or replay an NMEA log, see its fix
(quality, satellites, HDOP, accuracy, position), show the position on the map (a dot and its
accuracy circle, drawn over the canvas), and add a point there to the current point layer.

The receiver is read in a thread of its own (gisdesk.io.gps.GpsReceiver, no Qt); the panel
polls it. `current_position()` gives the position in the project CRS for other tools (a vertex
at the GPS position while a polygon is drawn).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDockWidget, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QStackedWidget, QVBoxLayout, QWidget)
from shapely.geometry import Point

from gisdesk.errors import GisdeskError
from gisdesk.io import gps
from gisdesk.layers import editing
from gisdesk.layers.kinds import POINT, kind_of
from gisdesk.layers.layer import Layer
from gisdesk.render.position import draw_position

POLL_MS = 250
SPEEDS = ((1.0, "1×"), (5.0, "5×"), (20.0, "20×"), (0.0, None))  # None: "as fast as possible"


class PositionOverlay(QWidget):
    """A transparent layer over the canvas that draws the GPS position (the canvas is not redrawn)."""

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.position: tuple[float, float, float | None, float | None] | None = None  # x, y, accuracy, course
        canvas.viewChanged.connect(lambda *_: self.update())
        canvas.installEventFilter(self)
        self.setGeometry(canvas.rect())

    def eventFilter(self, watched, event) -> bool:
        if watched is self.canvas and event.type() == event.Type.Resize:
            self.setGeometry(self.canvas.rect())
        return False

    def show_position(self, position) -> None:
        if position != self.position:
            self.position = position
            self.update()

    def paintEvent(self, event) -> None:
        if self.position is None:
            return
        painter = QPainter(self)
        x, y, accuracy, course = self.position
        draw_position(painter, self.canvas.view, x, y, accuracy, course)
        painter.end()


class GpsPanel(QWidget):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.receiver: gps.GpsReceiver | None = None
        self.overlay = PositionOverlay(window.canvas)
        self.last_error = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        self.source_kind = QComboBox()
        self.source_kind.addItem(self.tr("Serial port"), "serial")
        self.source_kind.addItem(self.tr("Replay NMEA log"), "replay")
        pages = QStackedWidget()
        serial_page = QWidget()
        serial_form = QFormLayout(serial_page)
        serial_form.setContentsMargins(0, 0, 0, 0)
        self.port = QComboBox()
        self.port.setEditable(True)
        self.baud = QComboBox()
        for rate in gps.BAUD_RATES:
            self.baud.addItem(str(rate), rate)
        self.baud.setCurrentText("9600")
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(self.refresh_ports)
        ports = QHBoxLayout()
        ports.addWidget(self.port, 1)
        ports.addWidget(refresh)
        serial_form.addRow(self.tr("Port"), ports)
        serial_form.addRow(self.tr("Baud"), self.baud)
        replay_page = QWidget()
        replay_form = QFormLayout(replay_page)
        replay_form.setContentsMargins(0, 0, 0, 0)
        self.log_path = QLineEdit()
        browse = QPushButton("…")
        browse.setFixedWidth(28)
        browse.clicked.connect(self.choose_log)
        row = QHBoxLayout()
        row.addWidget(self.log_path, 1)
        row.addWidget(browse)
        self.speed = QComboBox()
        for value, text in SPEEDS:
            self.speed.addItem(text or self.tr("As fast as possible"), value)
        replay_form.addRow(self.tr("Log file"), row)
        replay_form.addRow(self.tr("Speed"), self.speed)
        pages.addWidget(serial_page)
        pages.addWidget(replay_page)
        self.source_kind.currentIndexChanged.connect(pages.setCurrentIndex)
        self.connect_button = QPushButton(self.tr("Connect"))
        self.connect_button.clicked.connect(self.toggle)
        top = QHBoxLayout()
        top.addWidget(self.source_kind, 1)
        top.addWidget(self.connect_button)
        layout.addLayout(top)
        layout.addWidget(pages)

        status = QFormLayout()
        self.labels = {key: QLabel("—") for key in ("fix", "satellites", "accuracy", "lonlat", "xy", "motion", "time",
                                                     "sentences")}
        for label in self.labels.values():
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for key, text in (("fix", self.tr("Fix")), ("satellites", self.tr("Satellites / HDOP")),
                          ("accuracy", self.tr("Accuracy")), ("lonlat", self.tr("Lat / lon")),
                          ("xy", self.tr("X / Y")), ("motion", self.tr("Speed / course")), ("time", self.tr("Time")),
                          ("sentences", self.tr("Sentences"))):
            status.addRow(text, self.labels[key])
        layout.addLayout(status)
        self.follow = QCheckBox(self.tr("Keep the position in view"))
        self.follow.setChecked(True)
        layout.addWidget(self.follow)
        self.add_button = QPushButton(self.tr("Add a point at the GPS position"))
        self.add_button.setToolTip(self.tr("A new feature of the current layer of the layer tree (a point layer), "
                                           "saved at once; Edit › Undo takes it back"))
        self.add_button.clicked.connect(self.add_point)
        layout.addWidget(self.add_button)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.refresh_ports()
        self.poll()

    # --- the source ----------------------------------------------------------------------

    def refresh_ports(self) -> None:
        current = self.port.currentText()
        self.port.clear()
        try:
            self.port.addItems(gps.serial_ports())
        except Exception:  # (no serial support on this machine: the port is typed in)
            self.port.clear()
        if current:
            self.port.setCurrentText(current)

    def choose_log(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("NMEA log"), self.log_path.text(),
                                              self.tr("NMEA logs (*.nmea *.nma *.txt *.log);;All files (*)"))
        if path:
            self.log_path.setText(path)

    def connect_replay(self, path, speed: float = 1.0) -> None:
        self.source_kind.setCurrentIndex(1)
        self.log_path.setText(str(path))
        self.speed.setCurrentIndex(next((i for i, (v, _) in enumerate(SPEEDS) if v == speed), 0))
        self.start()

    def toggle(self) -> None:
        if self.receiver is not None:
            self.stop()
        else:
            self.start()

    def start(self) -> None:
        self.stop()
        try:
            if self.source_kind.currentData() == "replay":
                source = gps.ReplaySource(Path(self.log_path.text().strip()), speed=self.speed.currentData() or None)
            else:
                port = self.port.currentText().strip()
                if not port:
                    raise GisdeskError("请选择 GPS 接收机的串口", "choose the serial port of the GPS receiver")
                source = gps.SerialSource(port, self.baud.currentData())
        except GisdeskError as error:
            self.tell(str(error))
            return
        self.receiver = gps.GpsReceiver(source).start()
        self.connect_button.setText(self.tr("Disconnect"))
        self.tell(self.tr("Reading %1").replace("%1", source.name))
        self.timer.start()

    def stop(self) -> None:
        if self.receiver is not None:
            self.receiver.stop()
            self.receiver = None
        self.timer.stop()
        self.connect_button.setText(self.tr("Connect"))
        self.poll()

    # --- what it says -------------------------------------------------------------------------

    def fix(self) -> gps.Fix | None:
        return self.receiver.fix if self.receiver is not None else None

    def current_position(self) -> tuple[float, float] | None:
        """The GPS position in the project CRS (None: no receiver, no fix, or no project CRS)."""
        fix = self.fix()
        document = self.window.document
        if fix is None or not fix.has_fix or document is None or document.project.crs is None:
            return None
        return gps.to_crs(fix.lon, fix.lat, document.project.crs)

    def poll(self) -> None:
        fix = self.fix()
        receiver = self.receiver
        if receiver is not None and receiver.error and receiver.error != self.last_error:
            self.last_error = receiver.error
            self.tell(receiver.error)
        for label in self.labels.values():
            label.setText("—")
        self.labels["fix"].setStyleSheet("")
        if fix is None:
            self.overlay.show_position(None)
            self.add_button.setEnabled(False)
            return
        self.labels["fix"].setText(fix.quality_text)
        self.labels["fix"].setStyleSheet(f"color: {'#137333' if fix.has_fix else '#c5221f'}; font-weight: bold")
        self.labels["satellites"].setText(
            f"{fix.satellites if fix.satellites is not None else '—'} / {fix.hdop if fix.hdop is not None else '—'}")
        if fix.time is not None:
            self.labels["time"].setText(fix.time.strftime("%H:%M:%S") + " UTC")
        stats = receiver.stats
        self.labels["sentences"].setText(
            self.tr("%1 used, %2 checksum errors, %3 unreadable").replace("%1", str(stats["used"]))
            .replace("%2", str(stats["checksum_errors"])).replace("%3", str(stats["garbage"])))
        position = self.current_position()
        self.add_button.setEnabled(position is not None)
        if not fix.has_fix:
            self.overlay.show_position(None)
            return
        if fix.accuracy_m is not None:
            self.labels["accuracy"].setText(f"± {fix.accuracy_m:.1f} m")
        self.labels["lonlat"].setText(f"{fix.lat:.6f}°{'N' if fix.lat >= 0 else 'S'}  "
                                      f"{fix.lon:.6f}°{'E' if fix.lon >= 0 else 'W'}")
        if fix.speed_kmh is not None:
            course = f"{fix.course_deg:.0f}°" if fix.course_deg is not None else "—"
            self.labels["motion"].setText(f"{fix.speed_kmh:.1f} km/h  {course}")
        if position is None:
            self.overlay.show_position(None)
            return
        self.labels["xy"].setText(f"{position[0]:.2f}, {position[1]:.2f}")
        moving = fix.speed_kmh is not None and fix.speed_kmh > 1.0
        self.overlay.show_position((*position, fix.accuracy_m, fix.course_deg if moving else None))
        if self.follow.isChecked():
            self.keep_in_view(*position)

    def keep_in_view(self, x: float, y: float) -> None:
        """Pan the map when the position leaves its middle (the inner 60 %)."""
        view = self.window.canvas.view
        px, py = (float(v) for v in view.to_pixels(x, y))
        if not (0.2 * view.width <= px <= 0.8 * view.width and 0.2 * view.height <= py <= 0.8 * view.height):
            self.window.canvas.set_view(type(view)(x, y, view.resolution, view.width, view.height))

    def tell(self, text: str) -> None:
        self.message.setText(text)
        self.window.statusBar().showMessage(text, 8000)

    # --- adding a point -----------------------------------------------------------------------

    def point_layer(self) -> Layer | None:
        """The current layer of the layer tree, when it is an editable layer that holds points."""
        document = self.window.document
        tree = getattr(self.window, "layer_tree", None)
        layer = tree.current_layer() if tree is not None else None
        if document is None or not isinstance(layer, Layer) or layer not in document.layers:
            return None
        return layer if POINT in kind_of(layer.kind).geometries else None

    def add_point(self) -> str | None:
        """A point of the current point layer at the GPS position, through its edit session (saved at
        once, like every edit; Edit › Undo takes it back). Returns its uid, or None (told why)."""
        position = self.current_position()
        if position is None:
            self.tell(self.tr("No GPS fix: no point added"))
            return None
        layer = self.point_layer()
        if layer is None:
            self.tell(self.tr("Choose a point layer in the layer tree first (the ledger, resources …)"))
            return None
        editor = getattr(self.window, "editing", None)
        if editor is not None and hasattr(editor, "add_feature") and getattr(editor, "edit_layer", lambda: None)() is layer:
            uid = editor.add_feature("point", [position])  # the editing tools' add: the layer's defaults and form
        else:
            uid = self._add(layer, Point(position))
        if uid is not None:
            fix = self.fix()
            self.tell(self.tr("Added %1 at the GPS position (± %2 m)").replace("%1", uid)
                      .replace("%2", f"{fix.accuracy_m:.1f}" if fix and fix.accuracy_m is not None else "?"))
        return uid

    def _add(self, layer: Layer, point) -> str | None:
        session = self.window.document.edits(layer)
        uid = editing.new_uid(layer)
        done_before = session.last_done
        try:
            session.add(uid, point, {}, text=self.tr("Add %1 at the GPS position").replace("%1", uid))
            session.commit()
        except GisdeskError as error:
            if session.last_done != done_before:
                session.revert()
            self.tell(str(error))
            return None
        layer.select_uids([uid])
        return uid


def install(window) -> GpsPanel:
    panel = GpsPanel(window)
    dock = QDockWidget(QCoreApplication.translate("GpsPanel", "GPS"), window)
    dock.setObjectName("gps_dock")
    dock.setWidget(panel)
    window.add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea)
    dock.hide()  # shown from Tools › GPS
    action = dock.toggleViewAction()
    action.setText(QCoreApplication.translate("GpsPanel", "&GPS"))
    action.setToolTip(QCoreApplication.translate("GpsPanel", "Connect a GPS receiver or replay a log; add a point "
                                                             "at the position"))
    window.menus["tools"].addAction(action)
    window.gps, window.gps_dock = panel, dock
    return panel
