"""A feature's photos and documents in the Identify dock, the photo viewer and the evidence dialog.

The panel shows the attachments of the feature chosen in the Identify results as thumbnails
(gisdesk.attachments stores them in the project). Its actions: add photos or documents, add an
evidence photo (举证: the dialog asks azimuth, operator and device; the position comes from the
photo's EXIF, else the GPS receiver when it has a fix (gisdesk.io.gps), else the feature's centre),
open (a viewer with the full image and its EXIF facts or the evidence data, and whether the chain
holds), save as, remove — and undo the last removal (an evidence photo's removal and its restoring
are both sealed in the case history). Errors are said in the panel's own line, never in a modal box.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QImageIOHandler, QImageReader, QPainter, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QRadioButton, QScrollArea, QSizePolicy, QStyle,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from gisdesk import attachments
from gisdesk.errors import GisdeskError
from gisdesk.io import gps
from gisdesk.store import current_user

THUMB = 88  # px, the thumbnails' longer side
EVIDENCE_BADGE = QColor(200, 40, 40)


def thumbnail(data: bytes, mime: str, *, badge: str = "", style=None) -> QIcon:
    """A square icon of an image (a red seal with `badge` in its corner marks evidence), a file icon for
    anything else."""
    image = read_image(data, THUMB * 2) if mime.startswith("image/") else QImage()
    canvas = QPixmap(THUMB, THUMB)
    canvas.fill(Qt.GlobalColor.transparent)
    painter = QPainter(canvas)
    if not image.isNull():
        scaled = image.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        painter.drawImage((THUMB - scaled.width()) // 2, (THUMB - scaled.height()) // 2, scaled)
    elif style is not None:
        painter.drawPixmap(THUMB // 4, THUMB // 4, style.standardIcon(QStyle.StandardPixmap.SP_FileIcon).pixmap(THUMB // 2))
    if badge:  # a red seal (证, 举证) in its corner
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(EVIDENCE_BADGE)
        seal = QRect(THUMB - 22, 1, 21, 21)
        painter.drawEllipse(seal)
        painter.setPen(QColor("white"))
        font = painter.font()
        font.setPixelSize(13)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(seal, Qt.AlignmentFlag.AlignCenter, badge)
    painter.end()
    return QIcon(canvas)


def read_image(data: bytes, width: int, height: int | None = None) -> QImage:
    """The image read to fit width x height pixels (never larger than it is; a JPEG decodes at a
    fraction of its size: a phone's 12 MP photo 7 times faster), upright as its EXIF orientation says."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    size = reader.size()  # of the stored image, which the scaled size is of too: before it is turned
    box_w, box_h = width, height or width
    if reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90:
        box_w, box_h = box_h, box_w
    if size.isValid() and (size.width() > box_w or size.height() > box_h):
        reader.setScaledSize(size.scaled(box_w, box_h, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


def gps_position():
    """(lon, lat) of the running GPS receiver's fix (gisdesk.io.gps), None without a fix."""
    fix = gps.current_fix()
    return (float(fix.lon), float(fix.lat)) if fix is not None else None


class PhotoPanel(QWidget):
    """The photos and documents of one feature, with the actions on them."""

    changed = Signal()  # attachments were added or removed

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.layer_id: str | None = None
        self.uid: str | None = None
        self.undo_removed: attachments.Removed | None = None
        self.title = QLabel()
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 18, THUMB + 34))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setMovement(QListWidget.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setMinimumHeight(THUMB + 44)
        self.list.setMaximumHeight(2 * (THUMB + 34) + 8)
        self.list.itemClicked.connect(lambda _item: self.open_current())
        self.list.currentItemChanged.connect(lambda *_: self._update_actions())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = {}
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        for key, text, tip, slot, row in (
                ("add", self.tr("Add photos/documents…"), self.tr("Attach photos or documents to this feature "
                                                                  "(stored in the project with their hash)"),
                 self.choose_files, row1),
                ("evidence", self.tr("Add evidence photo…"), self.tr("An evidence photo: position, azimuth, time, "
                                                                     "operator and device stamped on it and sealed "
                                                                     "in the case history"),
                 self.choose_evidence, row1),
                ("open", self.tr("Open"), self.tr("Show the photo with its EXIF facts or evidence data"),
                 self.open_current, row2),
                ("save", self.tr("Save as…"), self.tr("Write the attachment to a file"), self.choose_save_as, row2),
                ("remove", self.tr("Remove"), self.tr("Remove the attachment from the project"), self.remove_current,
                 row2),
                ("undo", self.tr("Undo removal"), self.tr("Put the attachment just removed back"), self.undo_remove,
                 row2)):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, slot=slot: slot())
            row.addWidget(button)
            self.buttons[key] = button
        row1.addStretch(1)
        row2.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.message)
        self.show_feature(None, None, None)

    # --- what it shows ---------------------------------------------------------------------

    def show_feature(self, project, layer_id: str | None, uid: str | None) -> None:
        if (layer_id, uid) != (self.layer_id, self.uid):
            self.undo_removed = None
            self.message.clear()
        self.project, self.layer_id, self.uid = project, layer_id, uid
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        if self.project is None or self.uid is None:
            self.title.setText(self.tr("Photos and documents: choose a feature in the results"))
            self._update_actions()
            return
        found = attachments.list_attachments(self.project, self.layer_id, self.uid)
        self.title.setText(self.tr("Photos and documents of %1: %n", "", len(found)).replace("%1", self.uid))
        for a in found:
            data = attachments.read(self.project, a.attachment_id, check=False) if a.is_image else b""
            badge = self.tr("E", "the seal on an evidence photo's thumbnail") if a.kind == attachments.EVIDENCE else ""
            item = QListWidgetItem(thumbnail(data, a.mime, badge=badge, style=self.style()), a.name)
            item.setData(Qt.ItemDataRole.UserRole, a.attachment_id)
            item.setToolTip(self._tooltip(a))
            self.list.addItem(item)
        self._update_actions()

    def _tooltip(self, a: attachments.Attachment) -> str:
        kind = {attachments.PHOTO: self.tr("Photo"), attachments.DOCUMENT: self.tr("Document"),
                attachments.EVIDENCE: self.tr("Evidence photo")}.get(a.kind, a.kind)
        lines = [f"{a.name} — {kind}"]
        if a.taken_at:
            lines.append(self.tr("Taken %1").replace("%1", a.taken_at.replace("T", " ")))
        if a.lon is not None and a.lat is not None:
            lines.append(f"{a.lon:.6f}, {a.lat:.6f}")
        return "\n".join(lines)

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_actions(self) -> None:
        has_feature = self.project is not None and self.uid is not None
        chosen = self.current_id() is not None
        self.buttons["add"].setEnabled(has_feature)
        self.buttons["evidence"].setEnabled(has_feature)
        for key in ("open", "save", "remove"):
            self.buttons[key].setEnabled(chosen)
        self.buttons["undo"].setVisible(self.undo_removed is not None)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c62828;" if error else "")
        self.message.setText(text)

    # --- actions (the choose_* slots ask, the others do) -------------------------------------

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Add photos/documents"), _last_folder(),
                                                self.tr("Photos and documents (*.jpg *.jpeg *.png *.tif *.tiff *.pdf "
                                                        "*.doc *.docx *.xls *.xlsx *.txt);;All files (*)"))
        if paths:
            _remember_folder(paths[0])
            self.add_files(paths)

    def add_files(self, paths) -> list[attachments.Attachment]:
        try:
            added = attachments.add(self.project, self.layer_id, self.uid, [Path(p) for p in paths])
        except GisdeskError as exc:
            self._say(str(exc), error=True)
            return []
        self._say(self.tr("%n file(s) attached", "", len(added)))
        self.refresh()
        self.changed.emit()
        return added

    def choose_evidence(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Add evidence photo"), _last_folder(),
                                              self.tr("Photos (*.jpg *.jpeg *.png *.tif *.tiff)"))
        if not path:
            return
        _remember_folder(path)
        dialog = self.evidence_dialog(path)
        if dialog is not None and dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_evidence(path, **dialog.values())

    def evidence_dialog(self, path) -> EvidenceDialog | None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            self._say(str(exc), error=True)
            return None
        facts = attachments.photo_facts(data)
        if not facts:
            self._say(self.tr("%1 is not a photo that can be read").replace("%1", Path(path).name), error=True)
            return None
        centre = attachments.feature_lonlat(self.project, self.layer_id, self.uid)
        return EvidenceDialog(self, Path(path).name, data, facts, centre=centre, gps=gps_position())

    def add_evidence(self, path, **values) -> attachments.Attachment | None:
        try:
            added = attachments.add_evidence(self.project, self.layer_id, self.uid, Path(path), **values)
        except GisdeskError as exc:
            self._say(str(exc), error=True)
            return None
        self._say(self.tr("Evidence photo %1 stamped and sealed in the case history").replace("%1", added.name))
        self.refresh()
        self._select(added.attachment_id)
        self.changed.emit()
        return added

    def _select(self, attachment_id: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == attachment_id:
                self.list.setCurrentRow(i)

    def open_current(self) -> PhotoViewer | None:
        attachment_id = self.current_id()
        if attachment_id is None:
            return None
        try:
            a = attachments.get(self.project, attachment_id)
            data = attachments.read(self.project, attachment_id, check=False)
        except GisdeskError as exc:
            self._say(str(exc), error=True)
            return None
        report = attachments.verify(self.project) if a.kind == attachments.EVIDENCE or \
            attachments.sha256_hex(data) != a.sha256 else None
        self.viewer = PhotoViewer(self, a, data, problems=[p for p in (report.problems if report else [])
                                                          if p.attachment_id == attachment_id and p.fatal],
                                  sealed=attachments.chain(self.project, a.uid) if a.kind == attachments.EVIDENCE
                                  else [])
        self.viewer.show()
        return self.viewer

    def choose_save_as(self) -> None:
        attachment_id = self.current_id()
        if attachment_id is None:
            return
        a = attachments.get(self.project, attachment_id)
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save attachment as"), str(Path(_last_folder()) / a.name))
        if path:
            _remember_folder(path)
            self.save_as(path)

    def save_as(self, path) -> Path | None:
        try:
            target = attachments.save_as(self.project, self.current_id(), path)
        except (GisdeskError, OSError) as exc:
            self._say(str(exc), error=True)
            return None
        self._say(self.tr("Saved as %1").replace("%1", str(target)))
        return target

    def remove_current(self) -> None:
        attachment_id = self.current_id()
        if attachment_id is None:
            return
        try:
            self.undo_removed = attachments.remove(self.project, attachment_id)
        except GisdeskError as exc:
            self._say(str(exc), error=True)
            return
        self._say(self.tr("%1 removed").replace("%1", self.undo_removed.attachment.name))
        self.refresh()
        self.changed.emit()

    def undo_remove(self) -> None:
        if self.undo_removed is None:
            return
        try:
            back = attachments.restore(self.project, self.undo_removed)
        except GisdeskError as exc:
            self._say(str(exc), error=True)
            return
        self.undo_removed = None
        self._say(self.tr("%1 put back").replace("%1", back.name))
        self.refresh()
        self._select(back.attachment_id)
        self.changed.emit()


def _last_folder() -> str:
    return str(QSettings().value("attachments/folder", str(Path.home())))


def _remember_folder(path) -> None:
    QSettings().setValue("attachments/folder", str(Path(path).parent))


class EvidenceDialog(QDialog):
    """Asks what an evidence photo records besides its EXIF: azimuth, operator, device, and which
    position to take (the photo's GPS, the receiver's, or the feature's centre)."""

    def __init__(self, parent, name: str, data: bytes, facts: dict, *, centre=None, gps=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Evidence photo %1").replace("%1", name))
        self.facts = facts
        preview = QLabel()
        preview.setPixmap(QPixmap.fromImage(read_image(data, 320, 240)))
        form = QFormLayout()
        self.azimuth = QDoubleSpinBox()
        self.azimuth.setRange(-1, 360)  # -1: not given yet (no direction in the EXIF), shown as a request
        self.azimuth.setSpecialValueText(self.tr("(give the direction)"))
        self.azimuth.setDecimals(1)
        self.azimuth.setSuffix("°")
        self.azimuth.setValue(facts["azimuth"] if facts.get("azimuth") is not None else -1)
        settings = QSettings()
        self.operator = QLineEdit(str(settings.value("attachments/operator", "") or current_user()))
        self.device = QLineEdit(facts.get("device") or str(settings.value("attachments/device", "")))
        form.addRow(self.tr("Azimuth (clockwise from north)"), self.azimuth)
        form.addRow(self.tr("Operator"), self.operator)
        form.addRow(self.tr("Device"), self.device)
        self.positions = {}
        group = QButtonGroup(self)
        box = QVBoxLayout()
        for key, text, where in (
                ("exif", self.tr("The photo's GPS (EXIF)"), (facts.get("lon"), facts.get("lat"))),
                ("gps", self.tr("The GPS receiver"), gps or (None, None)),
                ("feature", self.tr("The feature's centre"), centre or (None, None))):
            known = where[0] is not None and where[1] is not None
            button = QRadioButton(text + (f"  {where[0]:.6f}, {where[1]:.6f}" if known else "  —"))
            button.setEnabled(known)
            group.addButton(button)
            box.addWidget(button)
            self.positions[key] = (button, where)
        for key in ("exif", "gps", "feature"):
            if self.positions[key][0].isEnabled():
                self.positions[key][0].setChecked(True)
                break
        form.addRow(self.tr("Position"), box)
        self.when = QLabel((facts.get("taken_at") or self.tr("(not in the EXIF: the time of adding)")).replace("T", " "))
        form.addRow(self.tr("Taken"), self.when)
        self.note = QLabel()
        self.note.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Stamp and seal"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(preview, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)

    def position_source(self) -> str | None:
        return next((key for key, (button, _) in self.positions.items() if button.isChecked()), None)

    def values(self) -> dict:
        """The keyword arguments of attachments.add_evidence."""
        source = self.position_source()
        out = {"azimuth": self.azimuth.value(), "operator": self.operator.text().strip(),
               "device": self.device.text().strip()}
        if source in ("gps", "feature"):
            lon, lat = self.positions[source][1]
            out.update(lon=lon, lat=lat, position_source=source)
        return out

    def _accept(self) -> None:
        if self.azimuth.value() < 0:
            self.note.setText(self.tr("Give the azimuth the photo was taken in"))
            return
        if not self.operator.text().strip() or not self.device.text().strip():
            self.note.setText(self.tr("Give the operator and the device"))
            return
        if self.position_source() is None:
            self.note.setText(self.tr("No position is known for this photo"))
            return
        settings = QSettings()
        settings.setValue("attachments/operator", self.operator.text().strip())
        settings.setValue("attachments/device", self.device.text().strip())
        self.accept()


class PhotoViewer(QDialog):
    """The full image (or a document's facts) and what is known of it: EXIF facts, the evidence data
    stamped on it, its sha256 and whether the case history's chain holds for it."""

    def __init__(self, parent, a: attachments.Attachment, data: bytes, *, problems=(), sealed=()):
        super().__init__(parent)
        self.setWindowTitle(a.name)
        self.attachment = a
        image = read_image(data, 860, 580) if a.is_image else QImage()
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if not image.isNull():  # shown whole: made smaller to fit, never larger than it is
            self.image.setPixmap(QPixmap.fromImage(image))
        else:
            self.image.setText(self.tr("(a document: Save as… to open it in its program)"))
        scroll = QScrollArea()
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.facts = QTableWidget(0, 2)
        self.facts.setHorizontalHeaderLabels([self.tr("Fact"), self.tr("Value")])
        self.facts.verticalHeader().hide()
        self.facts.horizontalHeader().setStretchLastSection(True)
        self.facts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for label, value in self.rows(a, data, problems, sealed):
            row = self.facts.rowCount()
            self.facts.insertRow(row)
            self.facts.setItem(row, 0, QTableWidgetItem(label))
            cell = QTableWidgetItem(value)
            cell.setToolTip(value)
            self.facts.setItem(row, 1, cell)
        self.facts.resizeColumnToContents(0)
        self.facts.setMinimumWidth(330)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addWidget(scroll, 3)
        body.addWidget(self.facts, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(buttons)
        self.resize(1200, 660)

    def rows(self, a, data, problems, sealed) -> list[tuple[str, str]]:
        kind = {attachments.PHOTO: self.tr("Photo"), attachments.DOCUMENT: self.tr("Document"),
                attachments.EVIDENCE: self.tr("Evidence photo")}.get(a.kind, a.kind)
        facts = attachments.photo_facts(data) if a.is_image else {}
        rows = [(self.tr("Name"), a.name), (self.tr("Kind"), kind), (self.tr("Feature"), f"{a.layer} / {a.uid}")]
        if facts:
            rows.append((self.tr("Pixels"), f"{facts['width']} × {facts['height']}"))
        if a.taken_at:
            rows.append((self.tr("Taken"), a.taken_at.replace("T", " ")))
        if a.lon is not None and a.lat is not None:
            rows += [(self.tr("Longitude"), f"{a.lon:.7f}°"), (self.tr("Latitude"), f"{a.lat:.7f}°")]
        if a.azimuth is not None:
            rows.append((self.tr("Azimuth"), f"{a.azimuth:g}°"))
        if a.operator:
            rows.append((self.tr("Operator"), a.operator))
        if a.device:
            rows.append((self.tr("Device"), a.device))
        if facts.get("device") and facts["device"] != a.device:
            rows.append((self.tr("Camera (EXIF)"), facts["device"]))
        link = next((link for link in reversed(list(sealed)) if link.get("attachment_id") == a.attachment_id), None)
        if link is not None:
            import json

            sealed_facts = json.loads(link.get("facts") or "{}")
            source = {"exif": self.tr("the photo's GPS (EXIF)"), "given": self.tr("entered"),
                      "gps": self.tr("the GPS receiver"), "feature": self.tr("the feature's centre")}
            rows += [(self.tr("Case number"), str(sealed_facts.get("case_no", a.uid))),
                     (self.tr("Position from"), source.get(sealed_facts.get("position_source"), "—")),
                     (self.tr("Original file sha256"), str(sealed_facts.get("original_sha256", "—"))),
                     (self.tr("Sealed"), f"{link['at']}  {link['who']}"),
                     (self.tr("Link hash"), str(link["link_hash"]))]
        rows += [(self.tr("Size"), self.tr("%1 bytes").replace("%1", f"{a.size:,}")), ("sha256", a.sha256),
                 (self.tr("Added"), f"{a.added_at}  {a.added_by}")]
        if problems:
            rows += [(self.tr("Check"), p.message) for p in problems]
        elif a.kind == attachments.EVIDENCE:
            rows.append((self.tr("Check"), self.tr("The bytes match the sealed sha256; the chain holds")))
        else:
            rows.append((self.tr("Check"), self.tr("The bytes match their sha256")))
        return rows
