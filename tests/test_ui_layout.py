"""The main window on an office laptop (1366×768): the map keeps most of it after a check, the
toolbar hides no tool, the jobs show only while they run, the legend follows the layers, and the
window opens maximised the first time and as it was left afterwards."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QToolButton  # noqa: E402

from gisdesk.ui.jobs import run_job, stage_label  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"
LAPTOP = (1366, 768)


@pytest.fixture
def settings(tmp_path):
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    QSettings().clear()
    return tmp_path / "settings"


def make_window(qtbot, size=LAPTOP):
    from gisdesk.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)  # the docks take their first sizes in the next turn of the event loop
    return window


@pytest.fixture
def window(qtbot, settings):
    window = make_window(qtbot)
    yield window
    window.jobs_panel.shutdown()


def idle(qtbot, window, timeout=90_000):
    qtbot.waitUntil(lambda: not window.jobs_panel.running(), timeout=timeout)


def area(widget) -> int:
    return widget.width() * widget.height()


def overflow_button(toolbar) -> QToolButton | None:
    return toolbar.findChild(QToolButton, "qt_toolbar_ext_button")


def test_after_the_demo_check_the_map_keeps_55_percent_of_a_laptop_window(qtbot, window, tmp_path):
    path = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO, path)
    for basemap in DEMO.parent.glob("demo_imagery_*.mbtiles"):  # its base maps beside it, as gisdesk demo copies them
        shutil.copyfile(basemap, tmp_path / basemap.name)
    assert window.open_project(path)
    idle(qtbot, window)
    with qtbot.waitSignal(window.conflicts_panel.checkFinished, timeout=90_000):
        window.conflicts_panel.action_check.trigger()
    idle(qtbot, window)
    qtbot.wait(100)
    assert (window.width(), window.height()) == LAPTOP
    share = area(window.canvas) / area(window)
    assert share >= 0.55, f"the map has {share:.1%} of the window ({window.canvas.width()}×{window.canvas.height()})"
    # the conflicts list and the totals share the bottom, one in front; the jobs are not in a dock
    assert window.conflicts_dock.isVisible() and not window.jobs_dock.isVisible()
    assert window.totals_dock in window.tabifiedDockWidgets(window.conflicts_dock)
    assert window.dockWidgetArea(window.totals_dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert window.legend_dock.isVisible() and window.legend_panel.view.titles()
    assert "冲突重叠部分" not in window.legend_panel.view.titles()
    # a conflict selected: its marks on the map get their lines in the legend
    window.conflicts_panel.select(0)
    qtbot.waitUntil(lambda: "冲突重叠部分" in window.legend_panel.view.titles()
                    or "最短距离" in window.legend_panel.view.titles(), timeout=20_000)
    # and every tool is still on the toolbar
    assert not overflow_button(window.toolbar).isVisible()


def test_at_1366_px_no_toolbar_action_is_hidden_in_an_overflow(qtbot, window):
    toolbar = window.toolbar
    actions = [a for a in toolbar.actions() if not a.isSeparator()]
    assert window.conflicts_panel.action_check in actions and window.action_attribute_table in actions
    assert window.legend_action in actions
    assert window.tools.scope.isVisible()
    for action in actions:
        widget = toolbar.widgetForAction(action)
        assert widget is not None and widget.isVisible(), action.text()
        assert toolbar.rect().contains(widget.geometry()), action.text()  # wholly inside, not cut at the edge
    button = overflow_button(toolbar)
    assert button is None or not button.isVisible()


def test_a_narrow_window_would_overflow_so_the_test_above_can_fail(qtbot, window):
    window.resize(700, 600)
    qtbot.waitUntil(lambda: overflow_button(window.toolbar) is not None and overflow_button(window.toolbar).isVisible(),
                    timeout=5000)


def test_the_jobs_show_in_the_status_bar_only_while_a_job_runs(qtbot, window):
    indicator = window.jobs_indicator
    assert not indicator.isVisible() and not window.jobs_dock.isVisible()  # idle: nothing of the jobs shows
    go = threading.Event()

    def work(*, feedback):
        feedback.set_stage("totals")
        feedback.set_progress(0.25)
        assert go.wait(10)
        return 1

    job = run_job(window, "测试任务", work)
    try:
        qtbot.waitUntil(indicator.isVisible, timeout=5000)
        qtbot.waitUntil(lambda: indicator.bar.value() == 250, timeout=5000)
        assert indicator.label.text() == f"测试任务：{stage_label('totals')}"
        assert indicator.cancel_button.isEnabled()
        assert window.statusBar().isAncestorOf(indicator)
        assert not window.jobs_dock.isVisible()  # the status bar says it; no dock takes the map's room
    finally:
        go.set()
    with qtbot.waitSignal(job.done, timeout=10_000):
        pass  # only waits for the job to end
    assert not indicator.isVisible() and not window.jobs_dock.isVisible()


def test_cancel_in_the_status_bar_cancels_the_job(qtbot, window):
    started = threading.Event()

    def work(*, feedback):
        started.set()
        for _ in range(1000):
            feedback.check_cancelled()
            threading.Event().wait(0.01)
        return 1

    job = run_job(window, "长任务", work)
    assert started.wait(10)
    qtbot.waitUntil(window.jobs_indicator.isVisible, timeout=5000)
    with qtbot.waitSignal(job.done, timeout=15_000) as done:
        window.jobs_indicator.cancel_button.click()
    assert done.args == ["cancelled"]
    assert not window.jobs_indicator.isVisible()


def test_the_legend_lists_the_visible_layers_and_follows_a_visibility_toggle(qtbot, window, tmp_path):
    path = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO, path)
    assert window.open_project(path)
    view = window.legend_panel.view
    document = window.document
    qtbot.waitUntil(lambda: view.entries and view.document is document, timeout=10_000)
    visible = [layer.title for layer in reversed(document.layers) if layer.visible]
    marks = [e.title for e in view.entries if e.title == "地图标记"]  # the demo's topology findings, drawn over
    assert [e.title for e in view.entries] == marks + visible
    ledger = document.layer("ledger")
    titles = view.titles()
    assert ledger.title in titles and "待核查" in titles  # a categorised layer lists its statuses
    ledger.visible = False
    qtbot.waitUntil(lambda: ledger.title not in view.titles(), timeout=5000)
    assert "待核查" not in view.titles()
    assert [e.title for e in view.entries if e.title != "地图标记"] == [t for t in visible if t != ledger.title]
    ledger.visible = True
    qtbot.waitUntil(lambda: ledger.title in view.titles(), timeout=5000)
    # a style change shows at once too
    red = document.layer("red")
    red.update_style(fill="#123456")
    qtbot.waitUntil(lambda: next(e for e in view.entries if e.title == red.title).symbol.color == "#123456",
                    timeout=5000)
    red.opacity = 0.5
    qtbot.waitUntil(lambda: next(e for e in view.entries if e.title == red.title).symbol.opacity == 0.5, timeout=5000)
    # and the View menu's Legend action hides and shows it
    assert window.legend_action in window.menus["view"].actions() and window.legend_action.isChecked()
    window.legend_action.trigger()
    assert not window.legend_dock.isVisible()
    window.legend_action.trigger()
    assert window.legend_dock.isVisible()
    idle(qtbot, window)
    document.save()  # the copy: closing the window then asks nothing


def test_the_first_run_opens_maximised_and_later_runs_as_left(qtbot, settings):
    from gisdesk.ui.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.show_first()  # no saved geometry: a first run
    qtbot.waitUntil(first.isMaximized, timeout=5000)
    first.showNormal()
    qtbot.waitUntil(lambda: not first.isMaximized(), timeout=5000)
    # a size the offscreen screen (800×800) and the window's minimum allow, not the maximised one
    size = (first.minimumSizeHint().width(), max(first.minimumSizeHint().height(), 600))
    first.setGeometry(0, 0, *size)
    qtbot.waitUntil(lambda: (first.width(), first.height()) == size, timeout=5000)
    first.close()  # saves the geometry
    first.jobs_panel.shutdown()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show_first()
    qtbot.waitExposed(second)
    assert not second.isMaximized()
    assert (second.width(), second.height()) == size
    second.jobs_panel.shutdown()


def test_a_dock_layout_saved_by_the_old_arrangement_gives_way_to_the_new_one(qtbot, settings):
    from gisdesk.ui.main_window import MainWindow

    old = MainWindow()
    qtbot.addWidget(old)
    old.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, old.totals_dock)  # where the totals were
    QSettings().setValue("window/state", old.saveState())  # version 0: what the app saved before
    QSettings().setValue("window/geometry", old.saveGeometry())
    old.jobs_panel.shutdown()
    new = MainWindow()
    qtbot.addWidget(new)
    new.show_first()
    qtbot.waitExposed(new)
    assert new.dockWidgetArea(new.totals_dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert new.totals_dock in new.tabifiedDockWidgets(new.conflicts_dock)
    new.jobs_panel.shutdown()
