"""Base maps in the app: the 底图 group at the bottom of the layer tree, with dates, visibility,
opacity and order; a missing file warned of and relocated; added from the window as a job."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QMimeData, QSettings, Qt  # noqa: E402

from gisdesk.layers.document import MapDocument  # noqa: E402
from gisdesk.project import Project  # noqa: E402
from gisdesk.render.style import default_style  # noqa: E402
from gisdesk.ui.layer_tree import BASEMAPS, MIME_TYPE, LayerTreePanel  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"
CHECK = Qt.ItemDataRole.CheckStateRole
DEMO_EXTENT = (355213.0, 3457047.0, 359069.0, 3459778.0)  # the demo's buildings, EPSG:4550


def write_image(path: Path, color, *, extent=DEMO_EXTENT, size=64, date=None) -> Path:
    """A one-colour RGB GeoTIFF over `extent` (EPSG:4550, the demo's CRS)."""
    import rasterio
    from rasterio.transform import from_bounds

    bands = np.empty((3, size, size), dtype=np.uint8)
    for band, value in enumerate(color):
        bands[band] = value
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=3, dtype="uint8", crs="EPSG:4550",
                       transform=from_bounds(*extent, size, size)) as ds:
        ds.write(bands)
        if date:
            ds.update_tags(TIFFTAG_DATETIME=date)
    return path


def demo_copy(tmp_path) -> Project:
    """A copy of the demo without its own base maps (the tests add theirs)."""
    path = tmp_path / "demo.gpkg"
    shutil.copy(DEMO, path)
    project = Project.open(path)
    for info in project.basemaps():
        project.remove_basemap(info.id)
    return project


@pytest.fixture
def project(tmp_path):
    project = demo_copy(tmp_path)
    project.add_basemap(write_image(tmp_path / "aerial2010.tif", (200, 180, 120)), title="航拍 2010", date="2010")
    project.add_basemap(write_image(tmp_path / "aerial2019.tif", (90, 120, 90)), title="航拍 2019", date="2019")
    return project


@pytest.fixture
def document(project):
    return MapDocument.open(Project.open(project.path), default_style=default_style)


@pytest.fixture
def panel(qtbot, document):
    panel = LayerTreePanel()
    qtbot.addWidget(panel)
    panel.set_document(document)
    panel.resize(300, 600)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def rows_of(panel, key):
    model = panel.model
    group = model.index_of_group(key)
    return [model.data(model.index(r, 0, group)) for r in range(model.rowCount(group))]


def test_base_maps_are_the_bottom_group_with_their_dates(panel, document):
    model = panel.model
    assert model.group_keys()[-1] == BASEMAPS
    assert rows_of(panel, BASEMAPS) == ["航拍 2019 · 2019", "航拍 2010 · 2010"]  # top (drawn last) first
    assert [layer.kind for layer in document.layers] and all(layer.kind != "basemap" for layer in document.layers)
    tooltip = model.data(model.index_of_layer(document.basemaps[0]), Qt.ItemDataRole.ToolTipRole)
    assert "aerial2010.tif" in tooltip and "2010" in tooltip


def test_checkboxes_and_opacity_reach_the_base_map_and_make_the_document_dirty(panel, document):
    model = panel.model
    bottom = document.basemaps[0]
    index = model.index_of_layer(bottom)
    assert model.setData(index, Qt.CheckState.Unchecked, CHECK)
    assert not bottom.visible and document.dirty
    assert model.data(model.index_of_group(BASEMAPS), CHECK) == Qt.CheckState.PartiallyChecked
    panel.select_layer(bottom)
    panel.opacity_slider.setValue(40)
    assert bottom.opacity == pytest.approx(0.4)
    document.save()
    stored = {i.id: i for i in Project.open(document.project.path).basemaps()}
    assert stored[bottom.id].opacity == pytest.approx(0.4) and not stored[bottom.id].visible


def _drop(model, layer, row, parent):
    mime = model.mimeData([model.index_of_layer(layer)])
    return model.canDropMimeData(mime, Qt.DropAction.MoveAction, row, 0, parent), mime


def test_dragging_orders_the_base_maps_within_their_group_only(panel, document):
    model = panel.model
    older, newer = document.basemaps
    group = model.index_of_group(BASEMAPS)
    ok, mime = _drop(model, older, 0, group)  # the 2010 image to the top of the group
    assert ok
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, group)
    assert [b.date for b in document.basemaps] == ["2019", "2010"]  # bottom first: 2010 now drawn over 2019
    assert rows_of(panel, BASEMAPS) == ["航拍 2010 · 2010", "航拍 2019 · 2019"]
    # not into another group, and no vector layer into the base maps
    assert not _drop(model, older, 0, model.index_of_group("control"))[0]
    assert not _drop(model, document.layer("red"), 0, group)[0]
    # the group stays at the bottom: it does not move, and no group goes below it
    group_mime = QMimeData()
    group_mime.setData(MIME_TYPE, json.dumps({"group": BASEMAPS, "document": id(document)}).encode())
    assert not model.canDropMimeData(group_mime, Qt.DropAction.MoveAction, 0, 0, model.index(-1, 0))
    last = model.group_keys()[-2]
    model.move_group_by(last, 1)
    assert model.group_keys()[-1] == BASEMAPS and model.group_keys()[-2] == last
    menu = panel.context_menu(model.index_of_group(last))
    down = next(a for a in menu.actions() if "down" in a.text().lower() or "下移" in a.text())
    assert not down.isEnabled()
    document.save()
    assert [i.style["date"] for i in Project.open(document.project.path).basemaps()] == ["2019", "2010"]


def test_a_missing_file_is_warned_of_and_relocated(qtbot, project, tmp_path):
    moved = tmp_path / "archive"
    moved.mkdir()
    shutil.move(tmp_path / "aerial2010.tif", moved / "aerial2010.tif")
    document = MapDocument.open(Project.open(project.path), default_style=default_style)
    panel = LayerTreePanel()
    qtbot.addWidget(panel)
    panel.set_document(document)
    model = panel.model
    missing = document.basemaps[0]
    index = model.index_of_layer(missing)
    tooltip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "aerial2010.tif" in tooltip and str(tmp_path / "aerial2010.tif") in tooltip
    assert model.data(index, Qt.ItemDataRole.ForegroundRole) is not None  # drawn in a warning colour
    icon = model.data(index, Qt.ItemDataRole.DecorationRole)
    fine = model.data(model.index_of_layer(document.basemaps[1]), Qt.ItemDataRole.DecorationRole)
    assert icon.pixmap(16, 16).toImage() != fine.pixmap(16, 16).toImage()
    texts = [a.text().replace("&", "") for a in panel.context_menu(index).actions()]
    assert any("Relocate" in t or "重新定位" in t for t in texts) and any("Remove" in t or "移除" in t for t in texts)
    assert panel.relocate_basemap(missing, str(moved / "aerial2010.tif"))
    assert not missing.missing and missing.reader is not None
    assert model.data(index, Qt.ItemDataRole.ForegroundRole) is None
    again = Project.open(project.path)
    assert again.basemap_path(again.basemaps()[0]) == (moved / "aerial2010.tif").resolve()


def test_relocating_to_a_file_that_is_not_an_image_is_refused(qtbot, panel, document, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    told = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: told.append(args[2]))
    junk = tmp_path / "junk.tif"
    junk.write_text("no image")
    layer = document.basemaps[0]
    assert not panel.relocate_basemap(layer, str(junk))
    assert told and "junk.tif" in told[0]
    assert layer.path == (Path(document.project.path).parent / "aerial2010.tif").resolve()


def test_removing_a_base_map(panel, document):
    layer = document.basemaps[1]
    assert panel.remove_basemap(layer, confirm=False)
    assert rows_of(panel, BASEMAPS) == ["航拍 2010 · 2010"]
    assert [i.title for i in Project.open(document.project.path).basemaps()] == ["航拍 2010"]


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    from gisdesk.ui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    window = MainWindow()
    # qtbot closes the window before this fixture's teardown runs; a changed document would then ask
    # whether to save, and offscreen nobody answers
    monkeypatch.setattr(window, "_may_discard", lambda: True)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    yield window
    window.jobs_panel.shutdown()


def test_the_window_adds_a_base_map_as_a_job_and_draws_it_under_the_layers(qtbot, window, tmp_path):
    path = demo_copy(tmp_path).path
    assert window.open_project(path)
    assert window.action_add_basemap.isEnabled()
    assert window.action_add_basemap in window.menus["file"].actions()
    image = write_image(tmp_path / "photo.tif", (255, 0, 255), date="2015:04:01 09:00:00")
    job = window.layer_tree.add_basemap(str(image))
    qtbot.waitUntil(lambda: not window.jobs_panel.running(), timeout=30_000)
    assert job is not None
    document = window.document
    assert [b.title for b in document.basemaps] == ["photo"] and document.basemaps[0].date.startswith("2015")
    assert document.basemaps[0].reader is not None  # opened by the job, not on the UI thread
    assert rows_of(window.layer_tree, BASEMAPS)[0].startswith("photo · 2015")
    canvas = window.canvas
    qtbot.waitUntil(lambda: not canvas.is_rendering(), timeout=30_000)
    # a point of the map with no feature on it shows the image's magenta
    shown = canvas.grab().toImage()
    ratio = shown.devicePixelRatio()
    magenta = 0
    for px in range(5, canvas.width() - 5, 37):
        for py in range(60, canvas.height() - 40, 29):
            c = shown.pixelColor(int(px * ratio), int(py * ratio))
            magenta += c.red() > 240 and c.green() < 20 and c.blue() > 240
    assert magenta > 10
    assert Project.open(path).basemaps()[0].title == "photo"  # in the store at once


def test_a_large_geotiff_without_overviews_is_offered_them_and_drawn_from_them(qtbot, document, tmp_path):
    from gisdesk.ui.layer_tree import OVERVIEWS_FROM_PX, needs_overviews

    big = write_image(tmp_path / "big.tif", (10, 20, 30), size=OVERVIEWS_FROM_PX)
    layer = document.add_basemap(document.project.add_basemap(big, date="2020"))
    panel = LayerTreePanel()
    qtbot.addWidget(panel)
    panel.set_document(document)
    index = panel.model.index_of_layer(layer)
    texts = [a.text().replace("&", "") for a in panel.context_menu(index).actions()]
    assert any("Build overviews" in t or "生成概览" in t for t in texts)
    assert not needs_overviews(document.basemaps[0])  # a small image is not offered them
    redrawn = []
    layer.events["data"].connect(lambda *_: redrawn.append(True))
    panel.build_overviews(layer)
    assert redrawn and layer.reader is None  # let go: the next draw opens the file with its overviews
    assert not needs_overviews(layer) and layer.reader.factors


def test_opening_a_project_opens_its_base_maps_in_the_loader(qtbot, window, project):
    assert window.open_project(project.path)
    assert [b.date for b in window.document.basemaps] == ["2010", "2019"]
    assert all(b.reader is not None and b.extent is not None for b in window.document.basemaps)
    assert window.layer_tree.model.group_keys()[-1] == BASEMAPS


def test_the_properties_set_title_and_date_saved_with_the_project(qtbot, panel, document, tmp_path):
    from gisdesk.ui.layer_tree import BasemapPropertiesDialog

    layer = document.basemaps[0]
    dialog = BasemapPropertiesDialog(layer, panel)
    qtbot.addWidget(dialog)
    assert dialog.values["source"].text().startswith("aerial2010.tif")
    assert "px" in dialog.values["size"].text() and dialog.values["crs"].text()
    dialog.title_edit.setText("航拍 2011")
    dialog.date_edit.setText("2011-05")
    dialog.accept()
    assert (layer.title, layer.date) == ("航拍 2011", "2011-05") and document.dirty
    assert "航拍 2011 · 2011-05" in rows_of(panel, BASEMAPS)
    document.save()
    stored = {i.id: i for i in Project.open(document.project.path).basemaps()}[layer.id]
    assert (stored.title, stored.style["date"]) == ("航拍 2011", "2011-05")
    assert stored.style["absolute"]  # what the store keeps beside the date stays


def test_an_undated_file_gets_the_year_of_its_name_as_a_suggestion(qtbot, panel, document, tmp_path):
    from gisdesk.ui.layer_tree import BasemapPropertiesDialog

    image = write_image(tmp_path / "3420B_2010_328_RGB.tif", (1, 2, 3))
    panel.ask_dates = False
    panel.add_basemap(str(image))  # a tree on its own: added at once
    layer = document.basemaps[-1]
    assert layer.date is None and rows_of(panel, BASEMAPS)[0] == "3420B_2010_328_RGB"
    dialog = BasemapPropertiesDialog(layer, panel, ask_date=True)
    qtbot.addWidget(dialog)
    assert dialog.date_edit.text() == "2010"
    dialog.date_edit.setText("2010/5")  # refused by the validator: not a date
    assert dialog.date_edit.text() in ("2010", "2010/5")
    dialog.date_edit.setText("2010")
    dialog.accept()
    assert rows_of(panel, BASEMAPS)[0] == "3420B_2010_328_RGB · 2010"


def test_a_project_opened_with_a_missing_base_map_says_so_above_the_tree(qtbot, window, project, tmp_path):
    (tmp_path / "aerial2019.tif").unlink()
    assert window.open_project(project.path)
    label = window.layer_tree.missing_label
    assert label.isVisible() and "aerial2019.tif" in label.text()
    assert str(tmp_path / "aerial2019.tif") in label.toolTip()  # where it was looked for
    write_image(tmp_path / "found.tif", (1, 1, 1))
    assert window.layer_tree.relocate_basemap(window.document.basemaps[1], str(tmp_path / "found.tif"))
    assert not label.isVisible()


def test_the_canvas_redraws_when_a_base_map_changes(qtbot, window, project):
    assert window.open_project(project.path)
    canvas = window.canvas
    qtbot.waitUntil(lambda: not canvas.is_rendering(), timeout=30_000)
    top = window.document.basemaps[-1]
    for change in (lambda: setattr(top, "visible", False), lambda: setattr(top, "opacity", 0.3),
                   lambda: window.document.move_basemap(top, 0), lambda: top.reopen()):
        change()
        assert canvas.is_rendering()  # a render is on its way
        qtbot.waitUntil(lambda: not canvas.is_rendering(), timeout=30_000)


def test_the_import_wizard_sends_an_image_to_add_base_map(qtbot, window, project, tmp_path):
    from gisdesk.ui.import_wizard import open_import_wizard

    assert window.open_project(project.path)
    wizard = open_import_wizard(window)
    qtbot.addWidget(wizard)
    wizard.source_page.path_edit.setText(str(tmp_path / "aerial2010.tif"))
    assert not wizard.source_page.isComplete()
    assert "Add base map" in wizard.source_page.problem.text() or "添加底图" in wizard.source_page.problem.text()
    wizard.reject()
