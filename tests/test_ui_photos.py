"""A feature's photos in the Identify dock (gisdesk/ui/photos.py): thumbnails, the viewer, the actions."""

from __future__ import annotations

import sqlite3

import pytest
from pyproj import Transformer
from PySide6.QtCore import Qt

from gisdesk import attachments
from gisdesk.io import gps
from gisdesk.render.renderer import MapView
from tests.conftest import DATA
from tests.photo_project import CASE_1, CASE_2, CRS, GPS_LAT, GPS_LON, GPS_PHOTO, NOGPS_PHOTO, ROTATED_PHOTO, \
    copy_of, make_project


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("ui-photos"))
    attachments.add(project, "ledger", CASE_1, [GPS_PHOTO, ("记录.pdf", b"%PDF-1.4\n%%EOF\n")], who="张三")
    attachments.add_evidence(project, "ledger", CASE_1, GPS_PHOTO, operator="张三")
    return project


@pytest.fixture
def window(qtbot, template, tmp_path):
    from gisdesk.ui.main_window import MainWindow

    project = copy_of(template, tmp_path)
    w = MainWindow(headless=True)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    assert w.open_project(project)
    x, y = Transformer.from_crs(4326, CRS, always_xy=True).transform(GPS_LON, GPS_LAT)
    w.canvas.set_view(MapView(x, y, 0.5, w.canvas.width(), w.canvas.height()), render_delay=False)
    w.case_1_at = (x, y)
    return w


def photos_of(window, uid=CASE_1):
    x, y = window.case_1_at
    window.tools.identify_at(x + (110 if uid == CASE_2 else 0), y)
    return window.tools.identify_panel.photos


def names(panel) -> list[str]:
    return [panel.list.item(i).text() for i in range(panel.list.count())]


def test_identify_shows_the_features_photos_as_thumbnails_a_click_the_viewer(window, qtbot):
    panel = photos_of(window)
    assert (panel.layer_id, panel.uid) == ("ledger", CASE_1)
    assert names(panel) == ["site_gps.jpg", "记录.pdf", "site_gps.jpg"]
    assert "WJ-2024-001" in panel.title.text() and "3" in panel.title.text()
    icons = [panel.list.item(i).icon().pixmap(88, 88).toImage() for i in range(3)]
    assert all(not icon.isNull() for icon in icons)
    photo, evidence = icons[0], icons[2]
    assert photo.pixelColor(44, 44) != evidence.pixelColor(44, 44)  # the stamped photo is another picture
    # the red seal in the corner (its ring, left of the white glyph, whose strokes move with the app's font)
    assert evidence.pixelColor(68, 12).red() > 150 > evidence.pixelColor(68, 12).green()
    assert photo.pixelColor(68, 12) != evidence.pixelColor(68, 12)
    assert not panel.buttons["open"].isEnabled()  # nothing chosen yet
    panel.list.setCurrentRow(0)
    assert panel.buttons["open"].isEnabled() and panel.buttons["remove"].isEnabled()
    other = photos_of(window, CASE_2)
    assert other.uid == CASE_2 and names(other) == [] and other.buttons["evidence"].isEnabled()
    window.tools.identify_at(window.case_1_at[0] + 1000, window.case_1_at[1])  # nothing there
    assert panel.uid is None and not panel.buttons["add"].isEnabled()
    # a click opens the viewer with the facts
    panel = photos_of(window)
    item = panel.list.item(2)
    rect = panel.list.visualItemRect(item)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    viewer = panel.viewer
    assert viewer.isVisible() and viewer.windowTitle() == "site_gps.jpg"
    rows = {viewer.facts.item(r, 0).text(): viewer.facts.item(r, 1).text() for r in range(viewer.facts.rowCount())}
    assert rows["Kind"] == "Evidence photo" and rows["Azimuth"] == "123.45°" and rows["Operator"] == "张三"
    assert rows["Longitude"] == "20.5119000°" and rows["Latitude"] == "-34.0370000°"
    assert rows["Case number"] == CASE_1 and rows["Position from"] == "the photo's GPS (EXIF)"
    assert rows["Check"] == "The bytes match the sealed sha256; the chain holds"
    assert rows["Original file sha256"] == attachments.sha256_hex(GPS_PHOTO.read_bytes())
    pixmap = viewer.image.pixmap()
    assert (pixmap.width(), pixmap.height()) == (640, 480)
    viewer.close()
    # the viewer names a swapped photo
    evidence = attachments.list_attachments(panel.project, "ledger", CASE_1)[2]
    with sqlite3.connect(panel.project.path) as db:
        db.execute("UPDATE gisdesk_attachments SET data = ? WHERE attachment_id = ?", (NOGPS_PHOTO.read_bytes(),
                                                                                        evidence.attachment_id))
    panel.list.setCurrentRow(2)
    viewer = panel.open_current()
    checks = [viewer.facts.item(r, 1).text() for r in range(viewer.facts.rowCount())
              if viewer.facts.item(r, 0).text() == "Check"]
    assert len(checks) == 1 and evidence.attachment_id in checks[0] and "sha256" in checks[0]
    viewer.close()


def test_add_save_remove_undo_and_errors(window, tmp_path):
    panel = photos_of(window)
    added = panel.add_files([NOGPS_PHOTO])
    assert [a.name for a in added] == ["site_nogps.jpg"] and names(panel)[-1] == "site_nogps.jpg"
    panel.list.setCurrentRow(3)
    target = panel.save_as(tmp_path / "copy.jpg")
    assert target.read_bytes() == NOGPS_PHOTO.read_bytes()
    panel.list.setCurrentRow(2)  # the evidence photo
    evidence_id = panel.current_id()
    panel.remove_current()
    assert names(panel) == ["site_gps.jpg", "记录.pdf", "site_nogps.jpg"]
    assert not panel.buttons["undo"].isHidden()
    panel.undo_remove()
    assert panel.current_id() == evidence_id and len(names(panel)) == 4 and panel.buttons["undo"].isHidden()
    assert attachments.verify(panel.project).ok  # the removal and the restoring both sealed
    assert [json_action(link) for link in attachments.chain(panel.project, CASE_1)] == ["added", "removed", "added"]
    # a photo stored on its side (EXIF orientation 6) is shown upright, thumbnail and viewer alike
    turned = panel.add_files([ROTATED_PHOTO])[0]
    panel._select(turned.attachment_id)
    icon = panel.list.currentItem().icon().pixmap(88, 88).toImage()
    assert icon.pixelColor(5, 44).alpha() == 0 and icon.pixelColor(44, 5).alpha() == 255  # portrait: margins left, right
    viewer = panel.open_current()
    assert (viewer.image.pixmap().width(), viewer.image.pixmap().height()) == (240, 320)
    viewer.close()
    # errors are said in the panel, not in a modal box
    text = tmp_path / "x.txt"
    text.write_text("不是照片", encoding="utf-8")
    assert panel.evidence_dialog(text) is None and "x.txt" in panel.message.text()
    assert panel.add_files([tmp_path / "missing.jpg"]) == [] and "missing.jpg" in panel.message.text()


def json_action(link) -> str:
    import json

    return json.loads(link["facts"])["action"]


def test_add_an_evidence_photo_through_its_dialog(window):
    panel = photos_of(window, CASE_2)
    dialog = panel.evidence_dialog(NOGPS_PHOTO)
    # no GPS in the photo's EXIF: the feature's centre is offered and chosen
    assert not dialog.positions["exif"][0].isEnabled() and dialog.position_source() == "feature"
    assert dialog.device.text() == "HUAWEI P40"
    assert dialog.azimuth.value() == -1 and dialog.azimuth.text() == "(give the direction)"  # not taken as north
    dialog._accept()
    assert dialog.result() == 0 and dialog.note.text() == "Give the azimuth the photo was taken in"
    dialog.azimuth.setValue(45)
    dialog.operator.setText("李四")
    values = dialog.values()
    centre = attachments.feature_lonlat(panel.project, "ledger", CASE_2)
    assert values == {"azimuth": 45.0, "operator": "李四", "device": "HUAWEI P40", "lon": centre[0], "lat": centre[1],
                      "position_source": "feature"}
    dialog.operator.setText("")
    dialog._accept()
    assert dialog.result() == 0 and dialog.note.text() == "Give the operator and the device"
    dialog.close()
    added = panel.add_evidence(NOGPS_PHOTO, **values)
    assert added.kind == "evidence" and (added.lon, added.lat) == (pytest.approx(centre[0]), pytest.approx(centre[1]))
    assert names(panel) == ["site_nogps.jpg"] and panel.current_id() == added.attachment_id
    assert "stamped and sealed" in panel.message.text()
    assert attachments.verify(panel.project).ok
    # a photo with GPS: its EXIF position and direction are what the dialog starts from
    dialog = panel.evidence_dialog(GPS_PHOTO)
    assert dialog.position_source() == "exif" and dialog.azimuth.value() == pytest.approx(123.45, abs=0.05)
    assert "lon" not in dialog.values()
    dialog.close()
    # with a GPS receiver's fix, its position is offered before the feature's centre: a log replayed
    # (tests/data/gps, F2's), whose last fix is 3114.34426 N 12129.48770 E
    receiver = gps.GpsReceiver(gps.ReplaySource(DATA / "gps" / "bund-walk.nmea", speed=None)).start()
    try:
        assert receiver.wait(30)
        dialog = panel.evidence_dialog(NOGPS_PHOTO)
        assert dialog.position_source() == "gps" and dialog.positions["feature"][0].isEnabled()
        values = dialog.values()
        dialog.close()
    finally:
        receiver.stop()
    assert values["position_source"] == "gps"
    assert (values["lon"], values["lat"]) == (pytest.approx(121 + 29.48770 / 60, abs=1e-9),
                                              pytest.approx(31 + 14.34426 / 60, abs=1e-9))
    assert panel.evidence_dialog(NOGPS_PHOTO).position_source() == "feature"  # the receiver stopped
