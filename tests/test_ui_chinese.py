"""Chinese all the way: every widget of the main window and its dialogs, after opening the demo
and running the check, in Chinese, holds no untranslated English word.

The walk collects what a user can read: labels, buttons, actions (texts and tooltips), menus,
dock and window titles, combo box items, placeholders, group box titles, tab texts, the headers of
every table and tree, and the cells of the views that are not the user's own data (an attribute
table's text fields and uids are data; its coded columns are shown by their names). Words that
are Chinese usage too (units, CRS codes, formats, GIS) are allowed by an explicit list.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QLocale, QModelIndex, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QAction  # noqa: E402
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QApplication, QComboBox, QDockWidget,  # noqa: E402
                               QGroupBox, QHeaderView, QLabel, QLineEdit, QListView, QMenu, QTabWidget, QWidget)

from gisdesk import i18n  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"

# Latin words a Chinese GIS user reads as they are
ALLOWED = {
    # units and figures
    "m", "km", "ha", "mm", "pt", "px", "dpi", "ppm", "E", "W", "N", "S", "x",
    # coordinate systems
    "EPSG", "CGCS", "CGCS2000", "WGS", "UTM", "GK", "Web", "TWD",
    # formats, products, standards
    "GIS", "GeoPackage", "gpkg", "gisdesk", "CSV", "csv", "PNG", "png", "PDF", "pdf", "SVG", "svg", "DXF", "dxf",
    "CAD", "KML", "KMZ", "kml", "kmz", "GeoJSON", "geojson", "json", "Shapefile", "shapefile", "shp", "zip", "Excel",
    "xlsx", "xls", "HTML", "html", "OSM", "osm", "pbf", "OpenStreetMap", "QGIS", "qml", "sld", "GDB", "gdb", "MBTiles", "mbtiles",
    "tif", "tiff", "GeoTIFF", "EXIF", "GB", "ODbL", "DBF", "dbf", "cpg", "prj", "GBK", "UTF", "SQLite", "ID", "uid", "Qt", "PySide", "GDAL", "PROJ",
    # keys
    "Ctrl", "Shift", "Alt", "Del", "Delete", "Esc", "Enter", "Tab", "PgUp", "PgDown", "Home", "End",
    # abbreviations Chinese surveying writes in Latin letters (GPS, the seven and four parameters)
    "GPS", "GCJ", "BD", "dx", "dy", "dz", "rx", "ry", "rz", "dX", "dY",
    # GNSS receivers' terms, as their Chinese manuals and screens write them
    "NMEA", "HDOP", "DGPS", "RTK", "PPS", "UTC",
}
WORD = re.compile(r"[A-Za-z][A-Za-z]+")  # (single letters: keys, axes, parameters)
# not words: file paths, ids and codes with digits (osm-380340023, HP-2025-001, EPSG:4549), key
# sequences, HTML tags and entities, format patterns (*.gpkg)
NOT_WORDS = [re.compile(p) for p in (
    r"<[^>]+>", r"&[a-z]+;", r"File GDB", r"--[a-z][a-z0-9-]*", r"#[0-9a-fA-F]{3,8}\b", r"[\w\u4e00-\u9fff-]+\.(?:gpkg|csv|png|shp|zip|geojson|kml|kmz|dxf|xlsx|qml)\b", r"(?:[A-Za-z]:)?(?:[/\\][^\s/\\，。；：、（）()]+)+", r"\*\.[A-Za-z0-9]+",
    r"\.[A-Za-z0-9]{2,5}\b", r"[A-Za-z0-9_.:-]*\d[A-Za-z0-9_.:]*(?:-\d[A-Za-z0-9_.:]*)*", r"&(?=\w)",
)]


def english_words(text: str) -> list[str]:
    for pattern in NOT_WORDS:
        text = pattern.sub(" ", text)
    return [w for w in WORD.findall(text) if w not in ALLOWED]


def texts_of(widget: QWidget, data_columns=None):
    """(where, text) of everything readable on `widget` and its children."""
    out = []
    widgets = [widget, *widget.findChildren(QWidget)]
    for w in widgets:
        if isinstance(w, QHeaderView):
            continue  # (its model is its table's, walked with the table)
        name = f"{type(w).__name__}:{w.objectName() or ''}"
        if w.isWindow() and w.windowTitle():
            out.append((name + ".windowTitle", w.windowTitle()))
        if w.toolTip():
            out.append((name + ".toolTip", w.toolTip()))
        if isinstance(w, QLabel):
            out.append((name, w.text()))
        elif isinstance(w, QAbstractButton):
            out.append((name, w.text()))
        elif isinstance(w, QComboBox):
            out += [(f"{name}[{i}]", w.itemText(i)) for i in range(w.count())]
            if w.lineEdit() is not None:
                out.append((name + ".placeholder", w.lineEdit().placeholderText()))
        elif isinstance(w, QLineEdit):
            out.append((name + ".placeholder", w.placeholderText()))
        elif isinstance(w, QGroupBox):
            out.append((name, w.title()))
        elif isinstance(w, QDockWidget):
            out.append((name, w.windowTitle()))
        elif isinstance(w, QTabWidget):
            out += [(f"{name}.tab{i}", w.tabText(i)) for i in range(w.count())]
        elif isinstance(w, QMenu):
            out.append((name, w.title()))
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            out += view_texts(w, name, data_columns)
        for action in w.actions():
            out.append((f"{name}>QAction.text", action.text()))
            out.append((f"{name}>QAction.toolTip", action.toolTip()))
            if action.menu() is not None:
                out.append((f"{name}>QAction.menu", action.menu().title()))
    return out


MAX_ROWS = 60


def view_texts(view: QAbstractItemView, name: str, data_columns=None):
    model = view.model()
    out = []
    skip = set()
    columns = (lambda parent=QModelIndex(): 1) if isinstance(view, QListView) else model.columnCount  # (a list
    # widget's model keeps columnCount private)
    for column in range(columns()):
        header = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        if header is not None:
            out.append((f"{name}.header{column}", str(header)))
        tip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        if tip:
            out.append((f"{name}.headerTip{column}", str(tip)))
        if data_columns is not None and data_columns(view, column):
            skip.add(column)

    def walk(parent, depth=0):
        for row in range(min(model.rowCount(parent), MAX_ROWS)):
            for column in range(columns(parent)):
                index = model.index(row, column, parent)
                if column not in skip:
                    text = model.data(index, Qt.ItemDataRole.DisplayRole)
                    if isinstance(text, str):
                        out.append((f"{name}[{row},{column}]", text))
                tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
                if isinstance(tip, str) and column not in skip:
                    out.append((f"{name}[{row},{column}].tip", tip))
            first = model.index(row, 0, parent)
            if depth < 3 and model.rowCount(first) > 0:
                walk(first, depth + 1)
    walk(view.rootIndex())
    return out


SHANGHAI = Path(__file__).resolve().parent / "data" / "shanghai_districts_gbk" / "区县界_area.shp"

def _source_columns() -> set[str]:
    import pyogrio

    return {str(name) for name in pyogrio.read_info(SHANGHAI, encoding="gbk")["fields"]}


SOURCE_COLUMNS = _source_columns()  # the Shanghai file's own column names: data, shown as they are


def wizard_texts(qtbot, window):
    """The import wizard walked through a real import (GBK Shanghai districts as buildings): every
    page as it stands once filled in, then the report."""
    from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

    from gisdesk.ui.import_wizard import open_import_wizard

    wizard = open_import_wizard(window)
    out = []
    wizard.source_page.path_edit.setText(str(SHANGHAI))
    out += texts_of(wizard.source_page)
    wizard.next()
    combo = wizard.kind_page.kind_combo
    combo.setCurrentIndex(combo.findData("buildings"))
    out += texts_of(wizard.kind_page)
    while wizard.currentPage() is not wizard.mapping_page:
        wizard.next()
        page = wizard.currentPage()
        out += texts_of(page, is_data_column) + [("wizard page title", page.title()), ("subtitle", page.subTitle())]
    wizard.next()
    page = wizard.report_page
    qtbot.waitUntil(lambda: page.state != "running", timeout=120_000)
    out += texts_of(page, is_data_column) + [("report title", page.title()), ("report subtitle", page.subTitle())]
    out += [("report", edit.toPlainText()) for kind in (QTextEdit, QPlainTextEdit) for edit in page.findChildren(kind)]
    out += texts_of(wizard, is_data_column)
    wizard.close()
    return out


def chart_texts(widget: QWidget):
    """The titles, axis labels and tick labels of the pyqtgraph charts on `widget`."""
    import pyqtgraph as pg

    out = []
    for plot in widget.findChildren(pg.PlotWidget):
        item = plot.getPlotItem()
        out.append(("chart title", str(item.titleLabel.text)))
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            out.append((f"chart axis {name}", str(axis.labelText)))
            for level in axis._tickLevels or []:
                out += [(f"chart tick {name}", str(label)) for _, label in level]
    return out


def untranslated(texts, names=()) -> list[str]:
    """What of `texts` holds English words; `names` are data shown as they are (the project's table
    names, the user's own column names)."""
    found = []
    names = set(names)
    shown_as_they_are = re.compile("|".join(rf"(?<![A-Za-z_]){re.escape(n)}(?![A-Za-z_])"
                                            for n in sorted(names, key=len, reverse=True))) if names else None
    for where, text in texts:
        if text in names:
            continue
        if shown_as_they_are is not None and text:
            text = shown_as_they_are.sub(" ", text)
        words = english_words(text or "")
        if words:
            found.append(f"{where}: {text!r} -> {words}")
    return sorted(set(found))


def is_data_column(view, column) -> bool:
    """Columns holding the user's own data: an attribute table's uid, text and date fields and its
    columns beyond the schema; a list's names, addresses, districts and ids."""
    from gisdesk.layers.schema import CODES, ENUM

    model = view.model()
    source = getattr(model, "sourceModel", lambda: None)() or model
    columns = getattr(source, "columns", None)
    fields = getattr(source, "fields", None)
    if columns is not None and fields is not None and column < len(columns):  # an attribute table
        field = fields.get(columns[column][0])
        return field is None or field.type not in (ENUM, CODES)
    header = str(model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
    return header in SOURCE_COLUMNS or any(word in header for word in DATA_HEADERS)


# headers (in Chinese) of columns whose cells are the user's data
DATA_HEADERS = ("名称", "地址", "区", "街道", "编号", "标识", "备注", "说明", "文件", "图层", "路径", "当事人")
# the properties' field list: its first column is each field's stored (column) name, beside its label
DATA_HEADERS += ("字段",)
# the import wizard's previews of the source: its columns and their first values
DATA_HEADERS += ("源字段", "前几个值")


@pytest.fixture
def chinese_window(qtbot, tmp_path):
    from gisdesk.ui.app import install_translators
    from gisdesk.ui.main_window import MainWindow

    app = QApplication.instance()
    locale = QLocale()  # (put back afterwards, with the translators: later tests run in the source language)
    i18n.set_language("zh")
    install_translators(app, "zh")
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    path = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO, path)
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    try:
        assert window.open_project(path)
        idle(qtbot, window)
        panel = window.conflicts_panel
        with qtbot.waitSignal(panel.checkFinished, timeout=120_000):
            panel.action_check.trigger()
        idle(qtbot, window)
        yield window
    finally:
        window.jobs_panel.shutdown()
        install_translators(app, "en")
        QLocale.setDefault(locale)
        i18n.set_language(None)


def close_modal():
    """The texts of the modal dialog now shown (the About box), which is then closed."""
    dialog = QApplication.activeModalWidget()
    assert dialog is not None
    texts = texts_of(dialog)
    dialog.close()
    return texts


def idle(qtbot, window, timeout=120_000):
    qtbot.waitUntil(lambda: not window.jobs_panel.running(), timeout=timeout)


def test_the_main_window_and_its_dialogs_speak_chinese(qtbot, chinese_window):
    from gisdesk.ui.attribute_table import LayerTableModel
    from gisdesk.ui.import_wizard import ImportWizard
    from gisdesk.ui.attribute_table import open_attribute_table
    from gisdesk.ui.layer_tree import PropertiesDialog, StyleDialog
    from gisdesk.ui.tools import identify

    window = chinese_window
    document = window.document
    texts = []
    panel = window.conflicts_panel
    if panel.model.rowCount():  # a conflict selected: its marks, the status bar's word on it
        panel.table.selectRow(0)
    ledger = document.layer("ledger")
    open_attribute_table(window, ledger)  # an attribute table open, and Identify's results on a ledger case
    point = ledger.frame.geometry.iloc[0].representative_point()
    window.tools.identify_panel.show_results(identify(document.layers, point.x, point.y, 1.0))
    for item in window.tools.identify_panel.tree.findItems("", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive):
        item.setExpanded(True)
    about = []
    QTimer.singleShot(0, lambda: about.append(close_modal()))
    window.show_about()
    texts += about[0]
    texts += texts_of(window, is_data_column)
    for action in window.findChildren(QAction):
        where = f"QAction of {type(action.parent()).__name__}:{action.parent().objectName()}"
        texts += [(where, action.text()), (where + ".toolTip", action.toolTip()),
                  (where + ".statusTip", action.statusTip())]
    for menu in window.findChildren(QMenu):
        texts += [(f"QMenu:{menu.objectName()}", menu.title())]
        texts += [(f"QMenu:{menu.title()}>action", a.text()) for a in menu.actions()]
    texts.append(("status bar", window.statusBar().currentMessage()))
    texts += chart_texts(window)
    for layer in document.layers:  # each layer's properties, style and attribute table
        dialog = PropertiesDialog(layer, document, window)
        qtbot.addWidget(dialog)
        texts += texts_of(dialog, is_data_column)
        style = StyleDialog(layer, window)
        qtbot.addWidget(style)
        texts += texts_of(style, is_data_column)
        model = LayerTableModel(layer)
        for column in range(model.columnCount()):
            texts.append((f"attribute table {layer.id} header", str(model.headerData(column, Qt.Orientation.Horizontal))))
            name, _ = model.columns[column]
            field = model.fields.get(name)
            from gisdesk.layers.schema import CODES, ENUM
            if field is not None and field.type in (ENUM, CODES):
                texts += [(f"attribute table {layer.id} {name}", model.data(model.index(r, column)))
                          for r in range(min(model.rowCount(), MAX_ROWS))]
    names = {layer.id for layer in document.layers} | {
        str(c) for layer in document.layers for c in layer.frame.columns
        if c not in layer.info.schema.names and c not in ("uid", layer.frame.geometry.name)}
    wizard = ImportWizard(window, document.project.path)
    qtbot.addWidget(wizard)
    for page_id in wizard.pageIds():
        texts += texts_of(wizard.page(page_id), is_data_column)
        texts += [("wizard page title", wizard.page(page_id).title()), ("wizard page subtitle", wizard.page(page_id).subTitle())]
    texts += texts_of(wizard, is_data_column)
    texts += wizard_texts(qtbot, window)
    names |= SOURCE_COLUMNS
    attribution = document.project.setting("attribution")  # the project's own words (its data's licence)
    texts = [(where, text.replace(attribution, "") if attribution and text else text) for where, text in texts]
    found = untranslated(texts, names)
    assert not found, "untranslated English in the Chinese UI:\n" + "\n".join(found)


def test_the_walk_sees_english_and_lets_data_and_usage_pass():
    assert english_words("Polygon (160), Point (10)") == ["Polygon", "Point"]
    assert english_words("CGCS2000 / 3-degree Gauss-Kruger CM 123E") == ["degree", "Gauss", "Kruger", "CM"]
    assert english_words("面 (160)，点 (10)") == []
    assert english_words("EPSG:4549 CGCS2000 3度带 高斯-克吕格 中央经线 123°E") == []
    assert english_words("违建面积（m²）") == []
    assert english_words("打开项目(&O)… (Ctrl+O)") == []
    assert english_words("导入到 demo.gpkg；/tmp/x/道路.shp；osm-380340023；#e3170a") == []
    assert english_words("WPXJ,ZHX") == ["WPXJ", "ZHX"]  # codes are not names
    assert english_words("城市黄线 (yellow)") == ["yellow"]
    assert untranslated([("t", "图层：red_lines（新建）")], {"red_lines"}) == []
    assert untranslated([("t", "字段 estate_no")], {"red_lines"}) == ["t: '字段 estate_no' -> ['estate', 'no']"]


def test_coded_values_show_by_name_edit_as_codes_and_filter_by_either(qtbot):
    import geopandas as gpd
    import shapely

    from gisdesk.layers.kinds import KINDS
    from gisdesk.layers.layer import Layer
    from gisdesk.layers.schema import conform
    from gisdesk.ui.attribute_table import LayerTableModel

    i18n.set_language("zh")
    try:
        frame = conform(gpd.GeoDataFrame(
            {"uid": ["A", "B", "C"], "case_no": ["A", "B", "C"], "violation": ["WPXJ,ZHX", "CG", None],
             "status": ["待核查", "已立案", "待核查"], "found_on": ["2025-01-02"] * 3},
            geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)], crs=4549), KINDS["ledger"].schema, source="t")
        model = LayerTableModel(Layer("ledger", gpd.GeoDataFrame(frame, geometry="geometry", crs=4549)))
        column = [c for c, _ in model.columns].index("violation")
        assert model.headerData(column, Qt.Orientation.Horizontal) == "违法类型"
        assert model.data(model.index(0, column)) == "未批先建、占用黄线"
        assert model.data(model.index(0, column), Qt.ItemDataRole.EditRole) == "WPXJ,ZHX"  # edited as its codes
        assert model.data(model.index(2, column)) == ""
        assert "超高" in model.distinct_values("violation")
        model.set_text_filter("未批先建")
        assert model.rowCount() == 1
        model.set_text_filter("ZHX")
        assert model.rowCount() == 1
        model.set_text_filter("")
        model.set_column_filter("violation", "超高")
        assert model.rowCount() == 1 and model.data(model.index(0, column)) == "超高"
        model.set_column_filter("violation", "CG")
        assert model.rowCount() == 1
    finally:
        i18n.set_language(None)
