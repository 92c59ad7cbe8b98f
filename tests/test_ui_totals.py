"""The Totals & indicators dock: its table and charts show what area_totals and the indicators compute."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings  # noqa: E402

from gisdesk.analysis.check import SUBJECT_COLUMNS, area_method, control_kinds  # noqa: E402
from gisdesk.analysis.indicators import compute_indicators, indicators_frame  # noqa: E402
from gisdesk.analysis.totals import ALL, area_totals  # noqa: E402
from gisdesk.layers.kinds import SUBJECT_KINDS  # noqa: E402
from gisdesk.rules import load_rules  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"


@pytest.fixture
def window(qtbot, tmp_path):
    from gisdesk.ui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    path = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO, path)
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    assert window.open_project(path)
    idle(qtbot, window)
    with qtbot.waitSignal(window.conflicts_panel.checkFinished, timeout=60_000):
        window.conflicts_panel.action_check.trigger()
    idle(qtbot, window)
    yield window
    window.jobs_panel.shutdown()


def idle(qtbot, window, timeout=60_000):
    qtbot.waitUntil(lambda: not window.jobs_panel.running(), timeout=timeout)


def expected_totals(project, by):
    conflicts = project.conflicts()
    conflicts = conflicts.rename(columns={conflicts.geometry.name: "overlap"})
    subjects = {i.id: project.read_layer(i.id, SUBJECT_COLUMNS) for i in project.layers() if i.kind in SUBJECT_KINDS}
    return area_totals(subjects, conflicts, by=by, area_method=area_method(project),
                       control_kinds=control_kinds(project))


def test_the_encroachment_chart_shows_the_area_totals(window):
    panel = window.totals_panel
    totals = expected_totals(window.document.project, "district")
    rows = totals[(totals["subject_layer"] == "buildings") & (totals["group"] != ALL) & (totals["control_kind"] != ALL)]
    chart = panel.chart_data["encroachment"]
    assert sorted(chart.index) == sorted(rows["group"].unique())
    assert list(chart.columns) == control_kinds(window.document.project)
    for row in rows.itertuples():
        assert chart.loc[row.group, row.control_kind] == pytest.approx(row.overlap_m2)
    # and the bars drawn are those numbers, one bar series per line kind
    bars = panel.bars["encroachment"]
    assert len(bars) == len(chart.columns)
    for bar, kind in zip(bars, chart.columns):
        np.testing.assert_allclose(bar.opts["height"], chart[kind].to_numpy())
    assert chart.to_numpy().sum() > 0


def test_the_table_follows_the_grouping_combo(qtbot, window):
    panel = window.totals_panel
    pd.testing.assert_frame_equal(panel.model.frame, expected_totals(window.document.project, "district"),
                                  check_dtype=False)
    panel.by_combo.setCurrentIndex(panel.by_combo.findData("street"))
    idle(qtbot, window)
    qtbot.waitUntil(lambda: panel.model.by == "street")
    pd.testing.assert_frame_equal(panel.model.frame, expected_totals(window.document.project, "street"),
                                  check_dtype=False)
    assert panel.model.rowCount() == len(panel.model.frame)


def test_the_indicator_charts_show_the_indicators(window):
    panel = window.totals_panel
    project = window.document.project
    conflicts = project.conflicts().rename(columns={"geometry": "overlap"})
    layers = {info.kind: project.read_layer(info.id) for info in project.layers()}
    indicators = indicators_frame(compute_indicators(layers, conflicts, load_rules().targets)).set_index("code")

    handling = panel.chart_data["handling"].set_index("code")
    assert handling.loc["handling_rate", "value"] == pytest.approx(indicators.loc["handling_rate", "value"])
    assert handling.loc["handling_rate", "target"] == pytest.approx(0.90)
    np.testing.assert_allclose(panel.bars["handling"][0].opts["height"], handling["value"].to_numpy() * 100)

    parking = panel.chart_data["parking"].set_index("category")
    assert parking["share"].sum() == pytest.approx(1.0)
    assert parking.loc["路内", "share"] == pytest.approx(indicators.loc["parking_share_on_street", "value"])

    renovation = panel.chart_data["renovation"].set_index("status")["estates"]
    counts = layers["old_estates"]["status"].value_counts()
    assert renovation.to_dict() == {s: int(counts.get(s, 0)) for s in renovation.index}


def test_a_new_check_updates_the_totals(qtbot, window):
    panel = window.totals_panel
    first = panel.data
    with qtbot.waitSignal(window.conflicts_panel.checkFinished, timeout=60_000):
        window.conflicts_panel.action_check.trigger()
    idle(qtbot, window)
    assert panel.data is not first and panel.data.totals is not None


def test_an_attribute_edit_updates_the_charts(qtbot, window):
    """An old estate's status edited in the attribute table moves one estate between the renovation bars."""
    from gisdesk.ui.attribute_table import LayerTableModel

    panel = window.totals_panel
    layer = window.document.layer("old_estates")
    before = panel.data.estates.copy()
    row = int(np.flatnonzero(layer.frame["status"].to_numpy() != "已完工")[0])
    old_status = layer.frame["status"].iat[row]
    model = LayerTableModel(layer, window.document.project)
    column = [name for name, _ in model.columns].index("status")
    view_row = int(model.view_rows([row])[0])
    first = panel.data
    assert model.setData(model.index(view_row, column), "已完工")
    qtbot.waitUntil(lambda: panel.data is not first, timeout=10_000)
    idle(qtbot, window)
    after = panel.data.estates
    assert after[old_status] == before[old_status] - 1
    assert after["已完工"] == before["已完工"] + 1
    model.close()
