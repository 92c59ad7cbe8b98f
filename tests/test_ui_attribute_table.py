"""The attribute table: a virtual model over the layer's frame, selection both ways, sort, filter, edit."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS
from PySide6.QtCore import Qt
from shapely.geometry import box

from gisdesk import i18n
from gisdesk.errors import ProjectError
from gisdesk.io.importer import import_layer
from gisdesk.layers.document import MapDocument
from gisdesk.layers.layer import Layer
from gisdesk.project import Project
from gisdesk.ui.attribute_table import AttributeTable, LayerTableModel, open_attribute_table
from tests.conftest import METRIC, frame


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "t.gpkg", crs=CRS.from_epsg(4549), name="台账测试")
    frame([
        {"case_no": "HP2025-0001", "found_on": "2025-03-01", "status": "待核查", "district": "虹口区", "floors": 2,
         "geometry": box(0, 0, 10, 10)},
        {"case_no": "HP2025-0002", "found_on": "2025-03-02", "status": "已立案", "district": "黄浦区", "floors": 7,
         "geometry": box(20, 0, 30, 10)},
        {"case_no": "HP2025-0003", "found_on": "2025-03-03", "status": "已立案", "district": "虹口区", "floors": 4,
         "geometry": box(40, 0, 50, 10)},
    ]).to_file(tmp_path / "l.geojson")
    import_layer(p, tmp_path / "l.geojson", "ledger")
    return p


@pytest.fixture
def table(qtbot, project):
    document = MapDocument.open(Project.open(project.path))
    widget = AttributeTable(document.layer("ledger"), document.project)
    qtbot.addWidget(widget)
    widget.resize(1000, 400)
    widget.show()
    return widget


def column(model: LayerTableModel, name: str) -> int:
    return [c for c, _ in model.columns].index(name)


def shown(model: LayerTableModel, name: str) -> list[str]:
    c = column(model, name)
    return [model.index(r, c).data() for r in range(model.rowCount())]


def test_headers_are_the_schema_labels_in_the_users_language(table):
    model = table.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "编号" in headers and "处置状态" in headers and "层数" in headers and "geometry" not in headers
    i18n.set_language("en")
    english = LayerTableModel(table.layer)
    assert "status" in [english.headerData(c, Qt.Orientation.Horizontal) for c in range(english.columnCount())]


def test_the_model_reads_the_frame_through_the_order_array(table):
    model = table.model
    assert model.rowCount() == 3 and shown(model, "uid") == ["HP2025-0001", "HP2025-0002", "HP2025-0003"]
    assert model.index(1, column(model, "floors")).data() == "7"
    assert model.order.dtype == np.int64


def test_selecting_rows_selects_features_and_the_other_way(table, qtbot):
    layer = table.layer
    table.view.selectRow(1)
    assert layer.selection.tolist() == ["HP2025-0002"]
    layer.select_uids(["HP2025-0001", "HP2025-0003"])  # e.g. from the map
    assert table.selected_view_rows().tolist() == [0, 2]
    assert "2 selected" in table.status.text()


def test_sorting_by_a_header_keeps_the_selection_on_the_same_features(table):
    model, layer = table.model, table.layer
    layer.select_uids(["HP2025-0002"])  # floors 7
    table.view.sortByColumn(column(model, "floors"), Qt.SortOrder.DescendingOrder)
    assert shown(model, "floors") == ["7", "4", "2"]
    assert table.selected_view_rows().tolist() == [0]
    table.view.sortByColumn(column(model, "uid"), Qt.SortOrder.AscendingOrder)
    assert shown(model, "uid") == ["HP2025-0001", "HP2025-0002", "HP2025-0003"]
    assert table.selected_view_rows().tolist() == [1]
    table.view.selectRow(2)  # view row 2 -> frame row 2 through the order array
    assert layer.selection.tolist() == ["HP2025-0003"]


def test_the_selected_feature_stays_selected_through_a_sort_and_another_features_deletion(table):
    model, layer = table.model, table.layer
    table.view.selectRow(2)  # HP2025-0003, floors 4
    assert layer.selection.tolist() == ["HP2025-0003"]
    table.view.sortByColumn(column(model, "floors"), Qt.SortOrder.AscendingOrder)
    assert shown(model, "uid") == ["HP2025-0001", "HP2025-0003", "HP2025-0002"]
    assert table.selected_view_rows().tolist() == [1] and layer.selection.tolist() == ["HP2025-0003"]
    layer.set_frame(layer.frame[layer.frame["uid"] != "HP2025-0001"])  # another feature goes: rows shift
    assert shown(model, "uid") == ["HP2025-0003", "HP2025-0002"]  # still sorted by floors
    assert table.selected_view_rows().tolist() == [0] and layer.selection.tolist() == ["HP2025-0003"]
    assert model.uids_of_view_rows(table.selected_view_rows()).tolist() == ["HP2025-0003"]
    assert "1 selected" in table.status.text() and "2 of 2 rows" in table.status.text()
    table.view.selectRow(1)  # the table's selection goes to the layer by uid
    assert layer.selection.tolist() == ["HP2025-0002"] and layer.selected_rows().tolist() == [0]


def test_an_edit_and_the_current_cell_stay_on_their_feature(table, project):
    model, layer = table.model, table.layer
    floors = column(model, "floors")
    table.view.sortByColumn(floors, Qt.SortOrder.DescendingOrder)  # 0002 (7), 0003 (4), 0001 (2)
    edited = []
    model.edited.connect(lambda uid, name: edited.append((uid, name)))
    assert model.setData(model.index(1, floors), "5")  # HP2025-0003
    assert edited == [("HP2025-0003", "floors")]
    assert project.read_layer("ledger").set_index("uid").loc["HP2025-0003", "floors"] == 5
    table.view.setCurrentIndex(model.index(1, floors))
    table.view.sortByColumn(column(model, "uid"), Qt.SortOrder.DescendingOrder)  # 0003, 0002, 0001
    assert table.view.currentIndex().row() == 0 and table.view.currentIndex().column() == floors
    layer.set_frame(layer.frame[layer.frame["uid"] != "HP2025-0002"])
    assert shown(model, "uid") == ["HP2025-0003", "HP2025-0001"]
    assert shown(model, "floors") == ["5", "2"]  # the edited value on its feature
    assert table.view.currentIndex().row() == 0  # the current cell still on HP2025-0003


def test_text_and_column_filters(table):
    model = table.model
    table.filter_edit.setText("虹口")
    table.apply_filters()
    assert shown(model, "uid") == ["HP2025-0001", "HP2025-0003"]
    table.filter_edit.setText("")
    table.column_combo.setCurrentIndex(table.column_combo.findData("status"))
    assert "已立案" in [table.value_combo.itemText(i) for i in range(table.value_combo.count())]
    table.value_combo.setCurrentText("已立案")
    table.apply_filters()
    assert shown(model, "uid") == ["HP2025-0002", "HP2025-0003"]
    table.filter_edit.setText("0003")
    table.apply_filters()
    assert shown(model, "uid") == ["HP2025-0003"]
    assert "1 of 3 rows" in table.status.text()


def test_a_bad_value_is_refused_naming_field_and_value_and_the_project_is_untouched(table, project):
    model = table.model
    before = project.read_layer("ledger")
    assert not model.setData(model.index(0, column(model, "floors")), "三层")
    assert "层数" in table.message.text() and "三层" in table.message.text() and table.message.isVisibleTo(table)
    assert not model.setData(model.index(0, column(model, "floors")), "-1")
    assert not model.setData(model.index(0, column(model, "found_on")), "2025-13-45")
    assert "发现时间" in table.message.text()
    assert not model.setData(model.index(0, column(model, "structure")), "木屋")
    pd.testing.assert_frame_equal(project.read_layer("ledger"), before)
    assert table.layer.frame.loc[0, "floors"] == 2


def test_a_good_value_is_saved_to_the_project_and_read_back(table, project):
    model, layer = table.model, table.layer
    events = []
    layer.events["data"].connect(lambda *_: events.append("data"))
    geometry_before = project.read_layer("ledger").geometry.to_wkb().tolist()
    assert model.setData(model.index(0, column(model, "floors")), " 3 ")
    assert model.setData(model.index(0, column(model, "structure")), "钢结构")
    assert model.setData(model.index(2, column(model, "height_m")), "12.5")
    assert model.setData(model.index(2, column(model, "notes")), "现场已核实")
    assert events == ["data"] * 4
    assert model.index(0, column(model, "floors")).data() == "3"
    stored = project.read_layer("ledger").set_index("uid")
    assert stored.loc["HP2025-0001", "floors"] == 3 and stored.loc["HP2025-0001", "structure"] == "钢结构"
    assert stored.loc["HP2025-0003", "height_m"] == 12.5 and stored.loc["HP2025-0003", "notes"] == "现场已核实"
    assert project.read_layer("ledger").geometry.to_wkb().tolist() == geometry_before
    assert layer.frame.loc[0, "floors"] == 3
    assert model.setData(model.index(2, column(model, "height_m")), "")  # emptied
    assert pd.isna(project.read_layer("ledger").set_index("uid").loc["HP2025-0003", "height_m"])


def test_a_ledger_status_edit_follows_the_case_workflow_and_is_recorded(table, project):
    model = table.model
    status = column(model, "status")
    assert not model.setData(model.index(0, status), "已拆除")  # 待核查 cannot jump to demolished
    assert "已拆除" in table.message.text()
    assert model.setData(model.index(0, status), "已立案")
    history = project.history("HP2025-0001")
    assert list(zip(history.from_status, history.to_status)) == [("待核查", "已立案")]
    assert project.read_layer("ledger").set_index("uid").loc["HP2025-0001", "status"] == "已立案"


def test_update_attributes_refuses_geometry_uid_and_unknown_features(project):
    with pytest.raises(ProjectError):
        project.update_attributes("ledger", "HP2025-0001", {"geom": None})
    with pytest.raises(ProjectError):
        project.update_attributes("ledger", "HP2025-0001", {"uid": "X"})
    with pytest.raises(ProjectError):
        project.update_attributes("ledger", "HP2025-0001", {"no_such_field": 1})
    with pytest.raises(ProjectError):
        project.update_attributes("ledger", "HP2099-9999", {"notes": "x"})
    project.update_attributes("ledger", "HP2025-0002", {"notes": "a", "floors": np.int64(8), "height_m": np.nan})
    row = project.read_layer("ledger").set_index("uid").loc["HP2025-0002"]
    assert row["notes"] == "a" and row["floors"] == 8 and pd.isna(row["height_m"])


def test_open_from_the_window_follows_the_map_selection(qtbot, project):
    from gisdesk.ui.main_window import MainWindow
    window = MainWindow()
    window._may_discard = lambda: True
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(project.path)
    ledger = window.document.layer("ledger")
    menu = window.attribute_table_installer.menu
    assert [a.text() for a in menu.actions()] == [layer.title for layer in reversed(window.document.layers)]
    menu.actions()[0].trigger()
    dock = window.attribute_tables[id(ledger)]
    assert open_attribute_table(window, ledger) is dock  # one table per layer
    assert dock.isVisible() and "违法建设台账" in dock.windowTitle()
    window.tools.select_box(-1, -1, 31, 11)  # a rectangle on the map over the first two cases
    assert dock.table.selected_view_rows().tolist() == [0, 1]


def test_a_million_rows_stay_smooth(qtbot):
    n = 1_000_000
    rng = np.random.default_rng(1)
    statuses = np.array(["待核查", "已立案", "限期拆除", "已拆除", "已结案"])
    frame_ = gpd.GeoDataFrame({
        "uid": pd.Series(np.arange(n)).astype(str).radd("P"),
        "survey_no": pd.Series(np.arange(n)).astype(str),
        "category": pd.Series(np.array(["配建", "路外公共", "路内"])[rng.integers(0, 3, n)]),
        "name": pd.Series(statuses[rng.integers(0, 5, n)]),
        "spaces": rng.integers(0, 500, n),
    }, geometry=shapely.points(rng.random(n) * 1e4, rng.random(n) * 1e4), crs=METRIC)
    layer = Layer("parking", frame_)
    start = time.perf_counter()
    widget = AttributeTable(layer)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    widget.grab()  # draws the visible rows
    t_open = time.perf_counter() - start
    model = widget.model
    timings = {}
    for name, order in (("spaces", Qt.SortOrder.DescendingOrder), ("name", Qt.SortOrder.AscendingOrder)):
        start = time.perf_counter()
        widget.view.sortByColumn(column(model, name), order)
        widget.grab()
        timings[f"sort {name}"] = time.perf_counter() - start
    spaces = [int(v) for v in shown_top(model, "name", "spaces", count=50)[1]]
    names = shown_top(model, "name", "spaces", count=50)[0]
    assert names == sorted(names)
    start = time.perf_counter()
    widget.filter_edit.setText("路内")
    widget.apply_filters()
    widget.grab()
    timings["text filter"] = time.perf_counter() - start
    assert 300_000 < model.rowCount() < 370_000
    start = time.perf_counter()
    layer.select_rows(np.arange(0, n, 7))
    widget.grab()
    timings["map selection of 142 858 scattered → rows"] = time.perf_counter() - start
    shown_rows = model.order[:40]
    painted = [model.index(r, 0).data(Qt.ItemDataRole.BackgroundRole) is not None for r in range(40)]
    assert painted == (shown_rows % 7 == 0).tolist()
    start = time.perf_counter()
    widget.view.scrollToBottom()
    widget.grab()
    timings["scroll to bottom and draw"] = time.perf_counter() - start
    print(f"\n1 M rows: open {t_open * 1000:.0f} ms; " + "; ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items()))
    assert spaces  # the rows drew
    assert t_open < 2 and timings["scroll to bottom and draw"] < 0.5
    assert timings["map selection of 142 858 scattered → rows"] < 1
    widget.view.selectRow(3)  # a click in the table selects anew
    assert layer.selection.tolist() == [f"P{model.order[3]}"] and model.painted_selection is None


def shown_top(model, *names, count=50):
    return [[model.index(r, column(model, name)).data() for r in range(min(count, model.rowCount()))]
            for name in names]
