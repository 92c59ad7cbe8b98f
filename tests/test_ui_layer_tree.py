"""The layer tree follows the MapDocument, and edits in the tree go to the document and its layers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QModelIndex, QPoint, Qt  # noqa: E402
from PySide6.QtWidgets import QDialogButtonBox  # noqa: E402

from gisdesk.layers.document import MapDocument  # noqa: E402
from gisdesk.project import Project  # noqa: E402
from gisdesk.render.style import default_style  # noqa: E402
from gisdesk.ui.layer_tree import LayerTreePanel, PropertiesDialog, StyleDialog  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"
CHECK = Qt.ItemDataRole.CheckStateRole


@pytest.fixture
def document(tmp_path):
    path = tmp_path / "demo.gpkg"
    shutil.copy(DEMO, path)
    project = Project.open(path)
    for info in project.basemaps():  # the vector groups are tested here (the 底图 group: test_ui_basemaps)
        project.remove_basemap(info.id)
    return MapDocument.open(project, default_style=default_style)


@pytest.fixture
def panel(qtbot, document):
    panel = LayerTreePanel()
    qtbot.addWidget(panel)
    panel.set_document(document)
    panel.resize(300, 600)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def tree_rows(panel) -> list[tuple[str, list[str]]]:
    """(group key, [layer kinds top first]) as the model shows them."""
    model = panel.model
    rows = []
    for g in range(model.rowCount()):
        group = model.index(g, 0)
        rows.append((model.group_at(group),
                     [model.layer_at(model.index(r, 0, group)).kind for r in range(model.rowCount(group))]))
    return rows


def test_groups_and_layers_top_of_the_drawing_order_first(panel, document):
    rows = tree_rows(panel)
    assert [key for key, _ in rows] == ["ledger", "control", "resources", "base"]  # each group one block
    assert dict(rows)["control"] == ["purple", "yellow", "red", "blue", "green"]  # drawn last = first
    assert dict(rows)["resources"] == ["parking", "old_estates"]
    shown = [kind for _, kinds in rows for kind in kinds]
    assert sorted(shown) == sorted(layer.kind for layer in document.layers)


def test_group_with_no_layers_is_not_shown(qtbot, document):
    document.layers[:] = [layer for layer in document.layers if layer.info.group != "ledger"]
    panel = LayerTreePanel()
    qtbot.addWidget(panel)
    panel.set_document(document)
    assert "ledger" not in [key for key, _ in tree_rows(panel)]


def test_layer_visible_false_unchecks_its_box_and_makes_the_group_partial(panel, document):
    model = panel.model
    red = document.layer("red")
    index = model.index_of_layer(red)
    assert model.data(index, CHECK) == Qt.CheckState.Checked
    red.visible = False
    assert model.data(index, CHECK) == Qt.CheckState.Unchecked
    assert model.data(model.index_of_group("control"), CHECK) == Qt.CheckState.PartiallyChecked
    for layer in model.layers_of("control"):
        layer.visible = False
    assert model.data(model.index_of_group("control"), CHECK) == Qt.CheckState.Unchecked


def test_clicking_a_checkbox_hides_the_layer(panel, document, qtbot):
    view = panel.view
    model = panel.model
    blue = document.layer("blue")
    index = model.index_of_layer(blue)
    view.scrollTo(index)
    rect = view.visualRect(index)
    # the check indicator sits left of the icon and text
    option_x = rect.left() + view.style().pixelMetric(view.style().PixelMetric.PM_IndicatorWidth) // 2 + 3
    with qtbot.waitSignal(model.dataChanged):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(option_x, rect.center().y()))
    assert blue.visible is False
    assert document.dirty


def test_set_data_on_a_group_sets_all_its_layers(panel, document):
    model = panel.model
    group = model.index_of_group("resources")
    assert model.setData(group, Qt.CheckState.Unchecked, CHECK)
    assert not document.layer("parking").visible and not document.layer("old_estates").visible
    assert document.layer("red").visible
    assert model.setData(group, Qt.CheckState.Checked.value, CHECK)  # views may pass the int
    assert document.layer("parking").visible and document.layer("old_estates").visible


def test_document_move_layer_reorders_the_rows_and_keeps_the_selection(panel, document):
    model = panel.model
    green = document.layer("green")
    panel.select_layer(green)
    document.move_layer(green, len(document.layers) - 1)  # to the very top
    assert dict(tree_rows(panel))["control"] == ["green", "purple", "yellow", "red", "blue"]
    assert tree_rows(panel)[0] == ("control", ["green", "purple", "yellow", "red", "blue"])
    assert panel.current_layer() is green
    assert model.layer_at(panel.view.currentIndex()) is green


def test_drop_within_a_group_moves_the_layer_in_the_document(panel, document):
    model = panel.model
    red = document.layer("red")
    group = model.index_of_group("control")
    mime = model.mimeData([model.index_of_layer(red)])
    assert model.canDropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, group)
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, group)  # to the top of the group
    assert dict(tree_rows(panel))["control"] == ["red", "purple", "yellow", "blue", "green"]
    kinds = [layer.kind for layer in document.layers]
    assert kinds.index("red") == kinds.index("purple") + 1  # drawn right above purple
    assert document.dirty
    # to the bottom of the group
    mime = model.mimeData([model.index_of_layer(red)])
    model.dropMimeData(mime, Qt.DropAction.MoveAction, model.rowCount(group), 0, group)
    assert dict(tree_rows(panel))["control"] == ["purple", "yellow", "blue", "green", "red"]


def test_a_layer_cannot_be_dropped_into_another_group(panel, document):
    model = panel.model
    mime = model.mimeData([model.index_of_layer(document.layer("red"))])
    before = list(document.layers)
    assert not model.canDropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, model.index_of_group("base"))
    assert not model.canDropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert not model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, model.index_of_group("base"))
    assert document.layers == before


def test_dropping_a_group_moves_its_block(panel, document):
    model = panel.model
    mime = model.mimeData([model.index_of_group("control")])
    assert model.canDropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert [key for key, _ in tree_rows(panel)] == ["control", "ledger", "resources", "base"]
    kinds = [layer.kind for layer in document.layers]  # bottom first, each group one block
    assert kinds == ["buildings", "old_estates", "parking", "ledger", "green", "blue", "red", "yellow", "purple"]
    # dropped onto another group: it takes that group's place
    mime = model.mimeData([model.index_of_group("control")])
    model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, 0, model.index_of_group("resources"))
    assert [key for key, _ in tree_rows(panel)] == ["ledger", "resources", "control", "base"]


def test_context_menu_moves_up_and_down(panel, document):
    model = panel.model
    blue = document.layer("blue")
    menu = panel.context_menu(model.index_of_layer(blue))
    actions = {a.text().replace("&", ""): a for a in menu.actions() if a.text()}
    assert {"Zoom to layer", "Move up", "Move down", "Style…", "Properties…"} <= set(actions)
    actions["Move up"].trigger()
    assert dict(tree_rows(panel))["control"] == ["purple", "yellow", "blue", "red", "green"]
    panel.context_menu(model.index_of_layer(blue))  # a fresh menu for the new position
    model.move_layer_by(blue, 1)
    model.move_layer_by(blue, 1)
    assert dict(tree_rows(panel))["control"] == ["purple", "yellow", "red", "green", "blue"]
    bottom = {a.text().replace("&", ""): a for a in panel.context_menu(model.index_of_layer(blue)).actions()}
    assert not bottom["Move down"].isEnabled()
    group_menu = {a.text().replace("&", ""): a for a in panel.context_menu(model.index_of_group("base")).actions()}
    assert not group_menu["Move group down"].isEnabled()
    group_menu["Move group up"].trigger()
    assert [key for key, _ in tree_rows(panel)] == ["ledger", "control", "base", "resources"]


def test_zoom_to_layer_asks_for_its_extent(panel, document, qtbot):
    red = document.layer("red")
    with qtbot.waitSignal(panel.zoomRequested) as signal:
        panel.zoom_to_layer(red)
    xmin, ymin, xmax, ymax = signal.args[0]
    e = red.extent()
    assert xmin < e[0] and ymin < e[1] and xmax > e[2] and ymax > e[3]


def test_opacity_slider_sets_the_current_layer_and_follows_it(panel, document):
    parking = document.layer("parking")
    panel.select_layer(parking)
    assert panel.opacity_slider.isEnabled()
    panel.opacity_slider.setValue(40)
    assert parking.opacity == pytest.approx(0.4)
    parking.opacity = 0.75
    assert panel.opacity_slider.value() == 75
    panel.view.setCurrentIndex(panel.model.index_of_group("base"))
    assert not panel.opacity_slider.isEnabled()
    panel.opacity_slider.setValue(10)
    assert parking.opacity == pytest.approx(0.75)


def test_style_dialog_accepted_updates_the_style(panel, document, qtbot):
    red = document.layer("red")
    events = []
    red.events["style"].connect(events.append)
    dialog = StyleDialog(red, panel)
    qtbot.addWidget(dialog)
    assert dialog.changes() == {}  # opened and left alone, it changes nothing
    dialog.fill_button.set_color("#00ff00")
    dialog.stroke_button.set_color("#0000ff")
    dialog.width_spin.setValue(0.8)
    dialog.transparency_spin.setValue(20)
    dialog.label_check.setChecked(False)
    dialog.button_box = dialog.findChild(QDialogButtonBox)
    dialog.button_box.button(QDialogButtonBox.StandardButton.Ok).click()
    style = red.style
    assert style["fill"] == "#00ff00" and style["stroke"] == "#0000ff"
    assert style["width_mm"] == 0.8 and style["fill_alpha"] == pytest.approx(0.8)
    assert not style.get("label_field")
    assert len(events) == 1
    assert document.dirty


def test_style_dialog_label_field_and_category_colours(panel, document, qtbot):
    ledger = document.layer("ledger")
    dialog = StyleDialog(ledger, panel)
    qtbot.addWidget(dialog)
    assert not dialog.fill_button.isEnabled()  # coloured by category
    assert "待核查" in dialog.category_buttons
    columns = [dialog.label_combo.itemData(i) for i in range(dialog.label_combo.count())]
    assert "address" in columns and "geometry" not in columns
    assert dialog.label_combo.currentData() == "case_no"
    dialog.label_combo.setCurrentIndex(columns.index("address"))
    dialog.category_buttons["待核查"].set_color("#123456")
    dialog.accept()
    assert ledger.style["label_field"] == "address"
    assert ledger.style["categories"]["待核查"] == "#123456"
    assert ledger.style["categories"]["已结案"] == default_style("ledger")["categories"]["已结案"]


def test_style_dialog_cancel_changes_nothing(panel, document, qtbot):
    parking = document.layer("parking")
    before = parking.style
    dialog = StyleDialog(parking, panel)
    qtbot.addWidget(dialog)
    dialog.width_spin.setValue(9)
    dialog.reject()
    assert parking.style == before
    assert "stroke" not in parking.style  # parking outlines stay in their category colour


def test_style_change_updates_the_icon(panel, document, qtbot):
    model = panel.model
    red = document.layer("red")
    index = model.index_of_layer(red)
    with qtbot.waitSignal(model.dataChanged) as signal:
        red.update_style(fill="#000000")
    assert signal.args[0] == index
    assert Qt.ItemDataRole.DecorationRole in signal.args[2]


def test_properties_dialog_shows_count_sources_and_field_labels(panel, document, qtbot):
    ledger = document.layer("ledger")
    dialog = PropertiesDialog(ledger, document, panel)
    qtbot.addWidget(dialog)
    assert dialog.values["features"].text() == f"{len(ledger.frame):,}"
    assert dialog.values["table"].text() == "ledger"
    assert "EPSG:4550" in dialog.values["crs"].text()
    # geometry types by their Chinese names, with counts that add up to the features
    types = ledger.frame.geometry.geom_type.value_counts()
    expected = "，".join(f"{ {'Polygon': '面', 'Point': '点', 'MultiPolygon': '多面'}[t]} ({n:,})" for t, n in types.items())
    assert dialog.values["geometry"].text() == expected and "Polygon" not in expected
    assert dialog.values["kind"].text() == "违法建设台账"
    assert dialog.values["project"].text() == str(document.project.path)
    sources = document.project.layers()[[i.kind for i in document.project.layers()].index("ledger")].sources
    assert dialog.sources_table.rowCount() == len(sources) >= 1
    assert dialog.sources_table.item(0, 3).text() == f"{sources[0]['features']:,}"
    labels = {dialog.fields_table.item(r, 0).text(): dialog.fields_table.item(r, 1).text()
              for r in range(dialog.fields_table.rowCount())}
    assert labels["case_no"] == "编号" and labels["status"] == "处置状态"
    assert labels["illegal_area_m2"] == "违建面积（m²）" and labels["height_m"] == "高度（m）"


def test_the_dock_is_installed_in_the_main_window_and_follows_the_project(qtbot, tmp_path, document):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDockWidget

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    from gisdesk.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    dock = window.findChild(QDockWidget, "layer_tree")
    assert dock is not None and window.dockWidgetArea(dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert window.layer_tree.model.rowCount() == 0
    assert window.open_project(document.project.path)
    assert window.layer_tree.model.document is window.document
    assert window.layer_tree.model.rowCount() == 4
    window.document.layer("red").visible = False
    red = window.layer_tree.model.index_of_layer(window.document.layer("red"))
    assert window.layer_tree.model.data(red, CHECK) == Qt.CheckState.Unchecked
    window.document.save()  # the copy in tmp_path; closing then asks nothing
    assert not window.document.dirty


def test_a_drop_event_on_the_view_moves_the_layer(panel, document, qtbot):
    """What a mouse drag ends in: enter, move, drop (just above the top half of "purple")."""
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    model, view = panel.model, panel.view
    green = document.layer("green")
    purple_rect = view.visualRect(model.index_of_layer(document.layer("purple")))
    mime = model.mimeData([model.index_of_layer(green)])
    pos = QPoint(purple_rect.center().x(), purple_rect.top() + 2)
    args = (Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(pos, *args)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(pos, *args))
    drop = QDropEvent(pos, *args)
    QApplication.sendEvent(view.viewport(), drop)
    assert drop.isAccepted()
    assert dict(tree_rows(panel))["control"] == ["green", "purple", "yellow", "red", "blue"]
    kinds = [layer.kind for layer in document.layers]
    assert kinds.index("green") == kinds.index("purple") + 1


def test_mime_data_of_another_document_is_refused(panel, document, tmp_path):
    shutil.copy(DEMO, tmp_path / "other.gpkg")
    other = MapDocument.open(Project.open(tmp_path / "other.gpkg"), default_style=default_style)
    other_panel = LayerTreePanel()
    other_panel.set_document(other)
    mime = other_panel.model.mimeData([other_panel.model.index_of_layer(other.layer("red"))])
    group = panel.model.index_of_group("control")
    assert not panel.model.canDropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, group)
    other_panel.deleteLater()


def test_a_deleted_tree_lets_go_of_the_layers(qtbot, document):
    from PySide6.QtCore import QCoreApplication, QEvent

    panel = LayerTreePanel()
    panel.set_document(document)
    red = document.layer("red")
    panel.select_layer(red)
    panel.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    red.visible = False  # no call into the deleted model or panel
    red.opacity = 0.5
    document.move_layer(red, 0)
    hooked = [getattr(callback, "__self__", None) for event in [*red.events.values(), *document.events.values()]
              for callback in event._callbacks]
    assert not [owner for owner in hooked if type(owner).__module__ == "gisdesk.ui.layer_tree"]
