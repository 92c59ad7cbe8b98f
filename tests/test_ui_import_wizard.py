"""The import wizard (File › Import…, File › New project), driven as a user would: the encoding
preview of a GBK shapefile without .cpg, a whole import against the CLI's, Cancel and a failure
leaving the project byte-identical, the confirmed mapping proposed again."""

from __future__ import annotations

import shutil
import threading

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from gisdesk.errors import ProjectError  # noqa: E402
from gisdesk.io import import_preview  # noqa: E402
from gisdesk.project import Project  # noqa: E402
from tests.conftest import DATA, METRIC  # noqa: E402

SHANGHAI_DIR = DATA / "shanghai_districts_gbk"
SHANGHAI = SHANGHAI_DIR / "区县界_area.shp"  # GBK, no .cpg, 17 districts, WGS 84
DISTRICTS = ['宝山区', '杨浦区', '闵行区', '普陀区', '松江区', '虹口区', '闸北区', '长宁区', '徐汇区', '静安区', '黄浦区',
             '金山区', '崇明县', '奉贤区', '嘉定区', '青浦区', '浦东新区']


@pytest.fixture
def window(qtbot, tmp_path):
    from gisdesk.ui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    yield window
    # jobs the panels start for a (re)opened project wait for its first map: cancel them, let them go, stop
    window.jobs_panel.cancel_all()
    window.jobs_panel._release_held()
    window.jobs_panel.shutdown()


@pytest.fixture
def project(tmp_path, window, qtbot):
    path = tmp_path / "p.gpkg"
    Project.create(path)
    assert window.open_project(path)
    return path


def wizard_on(window, source, kind="buildings"):
    """The wizard, its source and kind chosen, standing on the encoding page."""
    from gisdesk.ui.import_wizard import open_import_wizard

    wizard = open_import_wizard(window)
    wizard.source_page.path_edit.setText(str(source))
    assert wizard.source_page.isComplete()
    wizard.next()
    combo = wizard.kind_page.kind_combo
    combo.setCurrentIndex(combo.findData(kind))
    wizard.next()
    assert wizard.currentPage() is wizard.encoding_page
    return wizard


def choose_encoding(wizard, name):
    combo = wizard.encoding_page.combo
    combo.setCurrentIndex(combo.findData(name))
    return wizard.encoding_page.column_values("NAME")


def run_to_report(qtbot, wizard, timeout=60_000):
    """From the encoding page on through CRS and mapping, then wait for the import to end."""
    while wizard.currentPage() is not wizard.mapping_page:
        wizard.next()
    wizard.next()  # the commit page's Import button
    assert wizard.currentPage() is wizard.report_page
    qtbot.waitUntil(lambda: wizard.report_page.state != "running", timeout=timeout)
    return wizard.report_page


def test_a_gbk_shapefile_without_cpg_previews_mojibake_in_utf8_and_its_names_in_gbk(qtbot, window, project):
    assert not any(p.suffix.lower() == ".cpg" for p in SHANGHAI_DIR.iterdir())
    wizard = wizard_on(window, SHANGHAI)
    page = wizard.encoding_page
    assert page.combo.isEnabled()
    utf8 = choose_encoding(wizard, "UTF-8")
    assert len(utf8) == 17
    assert not set(utf8) & set(DISTRICTS) and all("\ufffd" in v for v in utf8)  # not one name reads right
    assert "cannot be decoded" in page.note.text()
    assert page.table.item(0, 0).text() == utf8[0]  # what the user sees is what was decoded
    assert choose_encoding(wizard, "GBK") == DISTRICTS
    assert page.table.item(10, 0).text() == "黄浦区"
    assert choose_encoding(wizard, "GB18030") == DISTRICTS
    big5 = choose_encoding(wizard, "Big5")
    assert "黄浦区" not in big5 and big5 != DISTRICTS
    assert choose_encoding(wizard, "auto") == DISTRICTS  # as the import reads it without --encoding
    assert "0x4D" in page.note.text()  # told why: the DBF's code page byte


def test_the_wizard_imports_the_same_features_as_the_cli(qtbot, window, project, tmp_path, cli):
    wizard = wizard_on(window, SHANGHAI)
    choose_encoding(wizard, "GBK")
    report_page = run_to_report(qtbot, wizard)
    assert report_page.state == "finished", report_page.error.text()
    other = tmp_path / "cli.gpkg"
    Project.create(other)
    code, out, err = cli("import", other, SHANGHAI, "--as", "buildings", "--encoding", "GBK")
    assert code == 0, err
    # the report the wizard shows is what the CLI prints
    assert report_page.text.toPlainText().splitlines() == out.splitlines()
    assert "已导入 26 个要素到 建筑" in out
    mine = Project.open(project).read_layer("buildings").drop(columns="geometry")
    theirs = Project.open(other).read_layer("buildings").drop(columns="geometry")
    assert list(mine.columns) == list(theirs.columns)
    assert mine.astype(str).equals(theirs.astype(str))
    mine_g = Project.open(project).read_layer("buildings").geometry
    theirs_g = Project.open(other).read_layer("buildings").geometry
    assert all(a.equals_exact(b, 1e-6) for a, b in zip(mine_g, theirs_g))
    assert "黄浦区" in mine["name"].tolist()
    # the map shows the new layer, in the CRS the import gave the project
    assert [layer.id for layer in window.document.layers] == ["buildings"]
    assert len(window.document.layers[0].frame) == 26
    assert window.document.project.crs.to_epsg() == 4549


def test_cancel_leaves_the_project_byte_identical(qtbot, window, project, monkeypatch):
    import gisdesk.io.importer as importer

    reached, released = threading.Event(), threading.Event()
    read = importer.read_vector

    def held(*args, **kwargs):
        frame = read(*args, **kwargs)
        reached.set()
        released.wait(10)
        return frame

    monkeypatch.setattr(importer, "read_vector", held)
    before = project.read_bytes()
    wizard = wizard_on(window, SHANGHAI)
    while wizard.currentPage() is not wizard.mapping_page:
        wizard.next()
    wizard.next()
    page = wizard.report_page
    qtbot.waitUntil(reached.is_set, timeout=30_000)  # the import is reading, in the worker
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    released.set()
    qtbot.waitUntil(lambda: page.state != "running", timeout=30_000)
    assert page.state == "cancelled"
    assert "project is as it was" in page.stage.text()
    assert project.read_bytes() == before
    assert Project.open(project).layers() == []
    assert page.isComplete()  # the wizard can be closed


def test_a_failure_inside_the_write_transaction_leaves_the_project_byte_identical(qtbot, window, project,
                                                                                   monkeypatch):
    import gisdesk.project as store

    def fail(*args, **kwargs):  # after the layer's table was copied in, before the transaction ends
        raise ProjectError("写入中途失败（测试）", "failed halfway through the write (test)")

    monkeypatch.setattr(store, "_register_imported", fail)
    before = project.read_bytes()
    page = run_to_report(qtbot, wizard_on(window, SHANGHAI))
    assert page.state == "failed"
    assert page.error.text() == "写入中途失败（测试）"  # the one line, in the user's language
    assert project.read_bytes() == before
    assert not list(project.parent.glob("*.gpkg-*")) and sorted(p.name for p in project.parent.iterdir()
                                                               if p.suffix == ".gpkg") == ["p.gpkg"]


def test_a_refused_import_shows_the_one_line_error_and_changes_nothing(qtbot, window, project):
    before = project.read_bytes()
    page = run_to_report(qtbot, wizard_on(window, SHANGHAI, kind="ledger"))  # no 编号, no 发现时间, no 状态
    assert page.state == "failed"
    assert "区县界_area.shp" in page.error.text() and "缺少必填字段" in page.error.text()
    assert "\n" not in page.error.text()
    assert project.read_bytes() == before


def test_the_confirmed_mapping_is_remembered_and_proposed_again(qtbot, window, project):
    wizard = wizard_on(window, SHANGHAI)
    choose_encoding(wizard, "GBK")
    while wizard.currentPage() is not wizard.mapping_page:
        wizard.next()
    mapping = wizard.mapping_page
    assert mapping.field_map()["NAME"] == "name"  # proposed by the importer's own rules
    mapping.set_field("PYNAME", "name")
    mapping.set_field("NAME", "address")
    wizard.next()
    page = wizard.report_page
    qtbot.waitUntil(lambda: page.state != "running", timeout=60_000)
    assert page.state == "finished", page.error.text()
    assert "字段对应：NAME → 地址, PYNAME → 名称" in page.text.toPlainText()
    layer = Project.open(project).read_layer("buildings")
    assert "黄浦区" in layer["address"].tolist() and "hpq" in layer["name"].tolist()
    stored = import_preview.remembered_mapping(Project.open(project), SHANGHAI)
    assert stored == {"NAME": "address", "PYNAME": "name", "ADMINCODE": "", "Shape_Leng": "", "Shape_Area": ""}
    wizard.close()

    again = wizard_on(window, SHANGHAI)
    while again.currentPage() is not again.mapping_page:
        again.next()
    assert again.mapping_page.field_map()["PYNAME"] == "name"
    assert again.mapping_page.field_map()["NAME"] == "address"
    assert "last time" in again.mapping_page.note.text()


def test_a_cancelled_wizard_remembers_nothing(qtbot, window, project):
    before = project.read_bytes()
    wizard = wizard_on(window, SHANGHAI)
    while wizard.currentPage() is not wizard.mapping_page:
        wizard.next()
    wizard.mapping_page.set_field("PYNAME", "name")
    wizard.reject()
    assert project.read_bytes() == before


def test_a_source_without_crs_asks_for_one_with_the_guess(qtbot, window, project, tmp_path):
    folder = tmp_path / "noprj"
    folder.mkdir()
    for part in SHANGHAI_DIR.iterdir():
        if part.suffix != ".prj":
            shutil.copy(part, folder / part.name)
    wizard = wizard_on(window, folder / SHANGHAI.name)
    wizard.next()
    page = wizard.crs_page
    assert wizard.currentPage() is page
    assert "no CRS" in page.source_label.text()
    assert page.code_edit.text() == "4490"  # gisdesk.crs.guess_crs: lon/lat of China
    assert page.isComplete()
    page.code_edit.setText("")
    assert not page.isComplete()
    page.code_edit.setText("99999999")
    assert not page.isComplete()
    page.code_edit.setText("4490")
    report = run_to_report(qtbot, wizard)
    assert report.state == "finished", report.error.text()
    assert "EPSG:4490" in report.text.toPlainText()


def test_a_source_with_several_layers_lists_them(qtbot, window, project, tmp_path):
    source = tmp_path / "两层.gpkg"
    gpd.GeoDataFrame({"名称": ["甲"], "geometry": [box(0, 0, 10, 10)]}, crs=METRIC).to_file(source, layer="道路红线")
    gpd.GeoDataFrame({"编号": ["A1"], "geometry": [Point(5, 5)]}, crs=METRIC).to_file(source, layer="台账")
    from gisdesk.ui.import_wizard import open_import_wizard

    wizard = open_import_wizard(window)
    wizard.source_page.path_edit.setText(str(source))
    combo = wizard.source_page.layer_combo
    assert combo.isEnabled() and [combo.itemText(i) for i in range(combo.count())] == ["道路红线", "台账"]
    wizard.next()
    assert wizard.kind == "red"  # guessed from the layer's name
    assert wizard.kind_page.target_combo.currentText() == "red_lines"
    wizard.next()
    assert not wizard.encoding_page.combo.isEnabled()  # a GeoPackage's text is UTF-8 by its format
    assert wizard.encoding_page.column_values("名称") == ["甲"]


def test_new_project_makes_the_file_with_its_crs_and_opens_the_wizard(qtbot, window, tmp_path, monkeypatch):
    from gisdesk.ui.import_wizard import create_and_import

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    assert create_and_import(window, tmp_path / "geo.gpkg", "4326") is None  # degrees: refused, nothing made
    assert warnings and "米制" in warnings[0] and not (tmp_path / "geo.gpkg").exists()
    wizard = create_and_import(window, tmp_path / "新.gpkg", "4549")
    assert wizard is not None and wizard.isVisible()
    assert Project.open(tmp_path / "新.gpkg").crs.to_epsg() == 4549
    assert window.document.project.path == tmp_path / "新.gpkg"
    assert window.action_new.text() and window.action_import.text()


def test_a_gbk_csv_ledger_goes_through_the_wizard(qtbot, window, project, tmp_path):
    source = tmp_path / "违建台账.csv"  # as Excel saves it on Chinese Windows
    source.write_bytes("编号,经度,纬度,地址,状态,发现时间\n"
                       "A1,121.47,31.23,黄浦区中山东一路1号,待核查,2024-03-01\n"
                       "A2,121.48,31.24,虹口区四川北路2号,已立案,2024-03-02\n".encode("gbk"))
    from gisdesk.ui.import_wizard import open_import_wizard

    wizard = open_import_wizard(window)
    wizard.source_page.path_edit.setText(str(source))
    wizard.next()
    assert wizard.kind == "ledger"  # 台账 in the file name
    wizard.next()
    assert wizard.encoding_page.column_values("地址")[0] == "黄浦区中山东一路1号"  # auto: GB18030 from the bytes
    assert "GB18030" in wizard.encoding_page.note.text()
    wizard.next()
    assert wizard.crs_page.source_crs.to_epsg() == 4490  # lon/lat columns
    wizard.next()
    assert wizard.mapping_page.field_map() == {"编号": "case_no", "地址": "address", "状态": "status",
                                               "发现时间": "found_on"}  # the coordinate columns are the geometry
    wizard.next()
    page = wizard.report_page
    qtbot.waitUntil(lambda: page.state != "running", timeout=60_000)
    assert page.state == "finished", page.error.text()
    layer = Project.open(project).read_layer("ledger")
    assert layer["uid"].tolist() == ["A1", "A2"] and layer["address"].tolist()[0] == "黄浦区中山东一路1号"


def test_an_encoding_that_loses_text_is_confirmed_first(qtbot, window, project, monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.No)
    wizard = wizard_on(window, SHANGHAI)
    choose_encoding(wizard, "UTF-8")
    wizard.next()
    assert wizard.currentPage() is wizard.encoding_page  # said no: stays
    assert asked and "imported empty" in asked[0]
    choose_encoding(wizard, "GBK")
    wizard.next()
    assert wizard.currentPage() is wizard.crs_page and len(asked) == 1


def test_centre_lines_take_a_half_width_and_other_options_reach_the_import(qtbot, window, project, monkeypatch):
    xian = DATA / "xian_roads_gbk" / "modifiedConn_link.shp"  # 15 GBK road centre lines, .cpg GBK
    from gisdesk.ui.import_wizard import open_import_wizard

    wizard = open_import_wizard(window)
    wizard.source_page.path_edit.setText(str(xian))
    wizard.next()
    page = wizard.kind_page
    page.kind_combo.setCurrentIndex(page.kind_combo.findData("red"))
    assert page.half_width.isVisibleTo(page) and not page.multipart_box.isVisibleTo(page)
    page.half_width.setText("-3")
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    wizard.next()
    assert wizard.currentPage() is page and "positive" in warnings[0]
    page.half_width.setText("20")
    assert page.options() == {"update": False, "skip_bad": False, "keep_multipart": False, "half_width": 20.0}
    wizard.next()
    assert "南三环" in wizard.encoding_page.column_values("road_name")
    report = run_to_report(qtbot, wizard)
    assert report.state == "finished", report.error.text()
    layer = Project.open(project).read_layer("red_lines")
    assert len(layer) == 15 and set(layer["half_width_m"]) == {20.0}
    assert "南三环" in layer["name"].tolist()  # road_name is read as name


def test_a_csv_with_oddly_named_coordinate_columns_takes_the_columns_chosen(qtbot, window, project, tmp_path):
    source = tmp_path / "台账.csv"
    source.write_text("编号,col_a,col_b,地址,状态,发现时间\nB1,121.47,31.23,中山东一路1号,待核查,2024-03-01\n"
                      "B2,121.48,31.24,四川北路2号,已立案,2024-03-02\n", encoding="utf-8")
    wizard = wizard_on(window, source, kind="ledger")
    page = wizard.encoding_page
    assert page.coordinates_row.isVisibleTo(page) and page.coordinate_fields() == (None, None)  # not found by name
    page.set_coordinate_fields("col_a", "col_b")
    wizard.next()
    assert wizard.currentPage() is wizard.crs_page and wizard.crs_page.source_crs.to_epsg() == 4490
    assert wizard.crs_page.coords_combo.isVisibleTo(wizard.crs_page)  # lon/lat: where were they picked?
    assert not wizard.crs_page.towgs84_edit.isVisibleTo(wizard.crs_page)
    report = run_to_report(qtbot, wizard)
    assert report.state == "finished", report.error.text()
    layer = Project.open(project).read_layer("ledger").to_crs(4326)
    assert layer["uid"].tolist() == ["B1", "B2"]
    assert [(round(p.x, 6), round(p.y, 6)) for p in layer.geometry] == [(121.47, 31.23), (121.48, 31.24)]


def test_an_excel_ledger_with_oddly_named_coordinate_columns_takes_the_columns_chosen(qtbot, window, project,
                                                                                      tmp_path):
    import openpyxl

    source = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["违法建设台账（2024 年 3 月）"])  # a title line above the header, as bureaus write them
    for row in (["编号", "col_a", "col_b", "地址", "状态", "发现时间"],
                ["X1", 121.47, 31.23, "中山东一路1号", "待核查", "2024-03-01"],
                ["X2", 121.48, 31.24, "四川北路2号", "已立案", "2024-03-02"]):
        sheet.append(row)
    book.save(source)
    wizard = wizard_on(window, source, kind="ledger")
    page = wizard.encoding_page
    assert page.coordinate_fields() == (None, None)  # not found by name, yet the sheet is previewed
    assert page.preview.columns[:3] == ["编号", "col_a", "col_b"] and len(page.preview.rows) == 2
    page.set_coordinate_fields("col_a", "col_b")
    report = run_to_report(qtbot, wizard)
    assert report.state == "finished", report.error.text()
    layer = Project.open(project).read_layer("ledger").to_crs(4326)
    assert [(round(p.x, 6), round(p.y, 6)) for p in layer.geometry] == [(121.47, 31.23), (121.48, 31.24)]


def test_gcj02_points_chosen_as_such_land_on_their_wgs84_place(qtbot, window, project, tmp_path):
    from pyproj import Geod

    (wgs_lon, wgs_lat), (gcj_lon, gcj_lat) = (121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)
    source = tmp_path / "台账.csv"  # picked on AMap (the eviltransform vector of tests/test_coords.py)
    source.write_text(f"编号,经度,纬度,地址,状态,发现时间\nC1,{gcj_lon},{gcj_lat},龙华路1号,待核查,2024-03-01\n",
                      encoding="utf-8")
    wizard = wizard_on(window, source, kind="ledger")
    assert wizard.encoding_page.coordinate_fields() == ("经度", "纬度")  # as gisdesk finds them
    wizard.next()
    combo = wizard.crs_page.coords_combo
    combo.setCurrentIndex(combo.findData("gcj02"))
    assert wizard.options()["coords"] == "gcj02"
    report = run_to_report(qtbot, wizard)
    assert report.state == "finished", report.error.text()
    point = Project.open(project).read_layer("ledger").to_crs(4326).geometry.iloc[0]
    assert Geod(ellps="WGS84").inv(point.x, point.y, wgs_lon, wgs_lat)[2] < 1.0


def test_a_dxf_layer_given_a_kind_in_the_table_is_imported_and_remembered(qtbot, window, project, tmp_path):
    import json

    import ezdxf

    from gisdesk.io.dxf import SETTING

    e0, n0 = 40_500_000.0, 3_400_000.0  # CGCS2000 3° GK zone 40 with the zone number (EPSG:4528)
    doc = ezdxf.new("R2000")
    msp = doc.modelspace()
    msp.add_lwpolyline([(e0, n0), (e0 + 100, n0), (e0 + 100, n0 + 50), (e0, n0 + 50)], close=True,
                       dxfattribs={"layer": "ABC"})
    msp.add_lwpolyline([(e0, n0 + 500), (e0 + 30, n0 + 500), (e0 + 30, n0 + 540)], dxfattribs={"layer": "OTHER"})
    source = tmp_path / "drawing.dxf"
    doc.saveas(source)
    wizard = wizard_on(window, source, kind="red")
    wizard.next()
    wizard.crs_page.code_edit.setText("4528")
    wizard.next()
    page = wizard.mapping_page
    assert wizard.currentPage() is page and page.cad_table.isVisibleTo(page)
    assert set(page.cad_combos) == {"ABC", "OTHER"} and page.cad_table.item(0, 1).text() == "1"
    assert page.cad_combos["ABC"].currentData() == ""  # no kind of its own: not imported unless chosen
    page.set_cad_kind("ABC", "red")
    assert page.cad_map() == {"ABC": "red"}
    report = run_to_report(qtbot, wizard)
    assert report.state == "finished", report.error.text()
    reopened = Project.open(project)
    layer = reopened.read_layer("red_lines")
    assert len(layer) == 1 and layer.geometry.iloc[0].area == pytest.approx(5000, rel=1e-6)
    assert json.loads(reopened.setting(SETTING.format(name="drawing.dxf"), ""))["ABC"] == "red"
