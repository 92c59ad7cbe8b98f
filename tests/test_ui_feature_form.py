"""The feature form made from the schema: editors by type, required fields, the case workflow, overdue."""

from __future__ import annotations

import datetime as dt

import numpy as np

import pytest
from pyproj import CRS
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QListWidget
from shapely.geometry import box

from gisdesk.io.importer import import_layer
from gisdesk.layers.document import MapDocument
from gisdesk.project import Project
from gisdesk.ui.feature_form import EMPTY_DATE, FeatureForm
from tests.conftest import frame

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "t.gpkg", crs=CRS.from_epsg(4549), name="表单测试")
    frame([
        {"case_no": "HP2025-0001", "found_on": "2025-03-01", "status": "限期拆除", "deadline": "2026-11-21",
         "floors": 2, "violation": "WPXJ", "structure": "砖混", "geometry": box(0, 0, 10, 10)},
        {"case_no": "HP2025-0002", "found_on": "2025-03-02", "status": "已立案", "floors": 7,
         "geometry": box(20, 0, 30, 10)},
    ]).to_file(tmp_path / "l.geojson")
    import_layer(p, tmp_path / "l.geojson", "ledger")
    return p


@pytest.fixture
def document(project):
    return MapDocument.open(Project.open(project.path))


def form_of(qtbot, document, uid) -> FeatureForm:
    layer = document.layer("ledger")
    form = FeatureForm(layer, uid, project=document.project, edits=document.edits(layer), today=TODAY)
    qtbot.addWidget(form)
    return form


def test_each_type_gets_its_editor(qtbot, document):
    form = form_of(qtbot, document, "HP2025-0001")
    assert isinstance(form.editors["structure"], QComboBox)
    assert [form.editors["structure"].itemData(i) for i in range(form.editors["structure"].count())] == [
        None, "砖混", "钢混", "钢结构", "彩钢板/铁皮", "简易"]
    assert isinstance(form.editors["violation"], QListWidget)
    checked = [form.editors["violation"].item(i).data(Qt.ItemDataRole.UserRole)
               for i in range(form.editors["violation"].count())
               if form.editors["violation"].item(i).checkState() == Qt.CheckState.Checked]
    assert checked == ["WPXJ"]
    assert form.editors["violation"].item(0).text() == "未批先建"  # codes by their names
    assert isinstance(form.editors["found_on"], QDateEdit) and form.value("found_on") == "2025-03-01"
    assert form.value("closed_on") is None  # an empty date stays empty
    floors = form.editors["floors"]
    assert isinstance(floors, QLineEdit) and floors.validator() is not None
    floors.setText("")
    floors.insert("-3")  # the validator refuses what the schema would refuse (floors ≥ 0)
    assert floors.text() in ("", "3")


def test_the_status_offers_only_the_workflows_moves(qtbot, document):
    form = form_of(qtbot, document, "HP2025-0001")
    status = form.editors["status"]
    assert [status.itemData(i) for i in range(status.count())] == ["限期拆除", "催告", "已拆除", "没收"]
    assert not form.status_note.isEnabled()
    status.setCurrentIndex(status.findData("已拆除"))
    assert form.status_note.isEnabled()


def test_an_overdue_case_says_so_and_stops_once_demolished(qtbot, document):
    form = form_of(qtbot, document, "HP2025-0001")
    assert not form.overdue_label.isHidden() and "10" in form.overdue_label.text()  # 2026-11-21 → 12-01
    form.editors["status"].setCurrentIndex(form.editors["status"].findData("已拆除"))
    assert form.overdue_label.isHidden()
    other = form_of(qtbot, document, "HP2025-0002")
    assert other.overdue_label.isHidden()  # no deadline


def test_saving_writes_values_in_one_edit_and_the_status_into_the_history(qtbot, document, project):
    form = form_of(qtbot, document, "HP2025-0001")
    form.editors["floors"].setText("3")
    form.editors["structure"].setCurrentIndex(form.editors["structure"].findData("钢结构"))
    form.editors["closed_on"].setDate(QDate(2026, 11, 30))
    form.editors["status"].setCurrentIndex(form.editors["status"].findData("已拆除"))
    form.status_note.setText("当事人自行拆除")
    form.save()
    assert form.result() == FeatureForm.DialogCode.Accepted, form.message.text()
    stored = Project.open(project.path).read_layer("ledger").set_index("uid").loc["HP2025-0001"]
    assert (stored.floors, stored.structure, stored.closed_on, stored.status) == (3, "钢结构", "2026-11-30", "已拆除")
    events = Project.open(project.path).history("HP2025-0001")
    assert events.iloc[-1][["from_status", "to_status", "note"]].tolist() == ["限期拆除", "已拆除", "当事人自行拆除"]
    # the values are one undoable command; the status move is history and stays
    session = document.edits(document.layer("ledger"))
    session.undo()
    session.commit()
    stored = Project.open(project.path).read_layer("ledger").set_index("uid").loc["HP2025-0001"]
    assert (stored.floors, stored.structure, stored.status) == (2, "砖混", "已拆除")


def test_a_required_field_left_empty_is_refused_and_nothing_saved(qtbot, document, project):
    before = Project.open(project.path).read_layer("ledger").to_wkt().to_csv()
    form = form_of(qtbot, document, "HP2025-0002")
    form.editors["floors"].setText("9")
    form.editors["found_on"].setDate(EMPTY_DATE)
    form.save()
    assert form.result() != FeatureForm.DialogCode.Accepted
    assert "发现时间" in form.message.text() and form.editors["found_on"].styleSheet()
    assert Project.open(project.path).read_layer("ledger").to_wkt().to_csv() == before


def test_the_history_is_listed(qtbot, document, project):
    Project.open(project.path).change_status("HP2025-0002", "责令停止", who="王五", note="现场责令停工")
    form = form_of(qtbot, MapDocument.open(Project.open(project.path)), "HP2025-0002")
    table = form.history_table
    rows = [[table.item(r, c).text() for c in range(5)] for r in range(table.rowCount())]
    assert rows[-1][1:] == ["王五", "已立案", "责令停止", "现场责令停工"]


def test_a_screenshot_of_the_form(qtbot, document, tmp_path):
    form = form_of(qtbot, document, "HP2025-0001")
    form.resize(520, 700)
    form.show()
    qtbot.waitExposed(form)
    image = form.grab().toImage()
    assert image.width() == 520
    image.save(str(tmp_path / "form.png"))


def test_double_clicking_a_feature_in_identify_opens_its_form(qtbot, project):
    from gisdesk.ui.main_window import MainWindow
    from gisdesk.ui.tools import Picked

    window = MainWindow(headless=True)
    qtbot.addWidget(window)
    assert window.open_project(project.path)
    qtbot.waitUntil(lambda: not window.canvas.is_rendering(), timeout=20_000)
    layer = window.document.layer_by_id("ledger")
    panel = window.tools.identify_panel
    panel.show_results([Picked(layer, np.array(["HP2025-0002"], dtype=object), layer.uid_rows.rows_of(["HP2025-0002"]),
                               layer.data)])
    feature = panel.tree.topLevelItem(0).child(0)
    value = feature.child(0)
    panel.tree.itemDoubleClicked.emit(value, 1)  # on one of its values: the feature's form all the same
    form = panel.form
    assert isinstance(form, FeatureForm) and form.uid == "HP2025-0002" and form.isVisible()
    assert form.editors["status"].currentData() == "已立案"
    form.close()


def test_the_attribute_table_marks_an_overdue_deadline(qtbot, document):
    from gisdesk.ui.attribute_table import OVERDUE, LayerTableModel

    model = LayerTableModel(document.layer("ledger"), document.project)
    column = [c for c, _ in model.columns].index("deadline")
    rows = {model.index(r, 0).data(): r for r in range(model.rowCount())}
    late = model.index(rows["HP2025-0001"], column)  # 限期拆除, deadline 2026-11-21: overdue by now
    assert model.data(late, Qt.ItemDataRole.ForegroundRole) == OVERDUE
    assert "Overdue" in model.data(late, Qt.ItemDataRole.ToolTipRole) or "超期" in model.data(late, Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(rows["HP2025-0002"], column), Qt.ItemDataRole.ForegroundRole) is None
