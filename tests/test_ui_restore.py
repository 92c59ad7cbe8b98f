"""Opening a project whose autosave journal holds a crashed window's edits: the app asks, lists the
layers and counts, restores them as unsaved edits (saved by File › Save) or drops them."""

from __future__ import annotations

import pytest
from pyproj import CRS
from shapely.geometry import box

from gisdesk.io.importer import import_layer
from gisdesk.layers import journal
from gisdesk.layers.document import MapDocument
from gisdesk.project import Project
from gisdesk.ui import restore
from tests.conftest import frame


@pytest.fixture
def crashed(tmp_path):
    """A project, and a window that edited it and died before saving."""
    p = Project.create(tmp_path / "r.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": "B1", "name": "一号楼", "floors": 6, "geometry": box(0, 0, 10, 10)},
           {"bid": "B2", "name": "二号楼", "floors": 3, "geometry": box(20, 0, 30, 10)}]).to_file(tmp_path / "b.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    document = MapDocument.open(Project.open(p.path))
    session = document.edits(document.layer("buildings"))
    session.set_attributes("B1", {"floors": 9})
    session.add("B3", box(40, 0, 45, 5), {"name": "三号楼", "floors": 2})
    document.journal._db.close()  # killed: the journal is left as it was
    document.journal._db = None
    return p.path


def open_window(qtbot, path, monkeypatch, answer):
    from gisdesk.ui.main_window import MainWindow

    asked = []

    def ask(dialog):
        asked.append([dialog.layers.item(i).text() for i in range(dialog.layers.count())])
        return answer
    monkeypatch.setattr(restore.RestoreDialog, "ask", ask)
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_project(path)
    qtbot.waitUntil(lambda: bool(asked) or answer is None, timeout=5000)
    return window, asked


def floors(frame_, uid):
    return int(frame_.set_index("uid").loc[uid, "floors"])


def test_restore_brings_the_edits_back_unsaved_and_save_writes_them(qtbot, crashed, monkeypatch):
    window, asked = open_window(qtbot, crashed, monkeypatch, restore.RESTORE)
    assert asked == [["建筑：2 处修改"]]
    layer = window.document.layer("buildings")
    assert floors(layer.frame, "B1") == 9 and "B3" in set(layer.frame["uid"])
    assert floors(Project.open(crashed).read_layer("buildings"), "B1") == 6  # not saved yet
    assert window.document.pending_edits() == 2 and window.action_undo.isEnabled()
    assert window.save_project()
    stored = Project.open(crashed).read_layer("buildings")
    assert floors(stored, "B1") == 9 and "B3" in set(stored["uid"])
    assert journal.plan(Project.open(crashed), ignore={window.document.journal.owner}) is None
    assert window.document.journal.entries() == 0
    window.close()
    assert not journal.journal_path(crashed).exists()  # nothing unsaved left: the file goes with the window


def test_discard_drops_them_and_they_are_not_offered_again(qtbot, crashed, monkeypatch):
    window, asked = open_window(qtbot, crashed, monkeypatch, restore.DISCARD)
    assert asked
    assert floors(window.document.layer("buildings").frame, "B1") == 6
    assert journal.plan(Project.open(crashed)) is None


def test_the_dialog_lists_layers_and_counts_in_chinese(qtbot, crashed, tmp_path):
    from PySide6.QtCore import QLocale
    from PySide6.QtWidgets import QApplication

    from gisdesk.ui.app import install_translators

    app, locale = QApplication.instance(), QLocale()
    install_translators(app, "zh")  # (the .qm setup.sh / scripts/translations.sh build made)
    try:
        found = journal.plan(Project.open(crashed))
        dialog = restore.RestoreDialog(found, {"buildings": "建筑"}, "r")
        qtbot.addWidget(dialog)
        assert dialog.restore_button.text() == "恢复" and dialog.discard_button.text() == "放弃"
        assert "有 2 处修改未保存" in dialog.message.text() and dialog.windowTitle() == "恢复未保存的修改"
        assert [dialog.layers.item(i).text() for i in range(dialog.layers.count())] == ["建筑：2 处修改"]
        dialog.show()
        dialog.grab().save(str(tmp_path / "restore.png"))
    finally:
        install_translators(app, "en")
        QLocale.setDefault(locale)
