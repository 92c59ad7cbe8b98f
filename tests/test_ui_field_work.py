"""File › 外业: packing and merging as jobs, and the merge conflict dialog (base, master, field side by side)."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QApplication, QDialog  # noqa: E402
from shapely.geometry import box  # noqa: E402

from gisdesk.field.merge import merge  # noqa: E402
from gisdesk.field.pack import pack  # noqa: E402
from gisdesk.ui import field_work  # noqa: E402
from tests.field_projects import attrs, deleted, edit, make_master, moved, table  # noqa: E402


@pytest.fixture
def conflicted(tmp_path):
    """A master and a package with one conflict of each kind."""
    master = tmp_path / "主库.gpkg"
    make_master(master)
    package = tmp_path / "外业.gpkg"
    pack(master, package, extent=(0, -10, 200, 30))
    edit(package, "buildings", attrs("B1", floors=8, name="外业改名"), moved("B2", box(40, 0, 55, 15)), deleted("B3"),
         attrs("B4", floors=44))
    edit(package, "ledger", attrs("L1", notes="现场已拆一半"))
    edit(master, "buildings", attrs("B1", floors=7), moved("B2", box(40, 0, 45, 5)), attrs("B3", floors=33),
         deleted("B4"), who="办公室")
    edit(master, "ledger", attrs("L1", notes="办公室：已约谈"), who="办公室")
    return master, package


def test_the_conflict_dialog_shows_the_three_values_and_the_choices_settle_them(qtbot, conflicted):
    master, package = conflicted
    from gisdesk.ui.app import install_translators

    report = merge(master, package)
    app = QApplication.instance()
    install_translators(app, "zh")  # the app's language, as users see it
    try:
        dialog = field_work.MergeConflictDialog(None, report.as_json())
        qtbot.addWidget(dialog)
        dialog.resize(1366, 768)
        dialog.show()
        app.processEvents()
        assert dialog.windowTitle() == "合并冲突"
        assert [dialog.table.horizontalHeaderItem(c).text() for c in (4, 5, 6)] == ["基础（打包时）", "主库（现在）", "外业包"]
        if os.environ.get("GISDESK_SCREENSHOTS"):  # for looking at it: GISDESK_SCREENSHOTS=docs/images
            dialog.grab().save(os.path.join(os.environ["GISDESK_SCREENSHOTS"], "merge-conflicts-1366x768.png"))
    finally:
        install_translators(app, "en")
    assert dialog.table.rowCount() == 5
    rows = {(dialog.table.item(r, 1).text(), dialog.table.item(r, 2).text()): r for r in range(dialog.table.rowCount())}
    floors = rows[("B1", "floors")]
    assert [dialog.table.item(floors, c).text() for c in (4, 5, 6)] == ["1", "7", "8"]
    notes = rows[("L1", "notes")]
    assert dialog.table.item(notes, 4).text() == "“”"  # the base's empty text, said so
    assert dialog.table.item(notes, 5).text() == "办公室：已约谈" and dialog.table.item(notes, 6).text() == "现场已拆一半"
    assert dialog.decisions() == {}  # nothing decided until a person does
    dialog.choose_all("master")
    dialog.choices[floors].setCurrentIndex(dialog.choices[floors].findData("field"))
    decisions = dialog.decisions()
    assert len(decisions) == 5 and decisions[("buildings", "B1", "floors")] == "field"
    settled = merge(master, package, decisions=decisions)
    rows = table(master, "buildings")
    assert settled.conflicts == [] and rows["B1"]["floors"] == 8 and rows["B3"]["floors"] == 33 and "B4" not in rows
    assert table(master, "ledger")["L1"]["notes"] == "办公室：已约谈"
    assert merge(master, package).applied == []


def test_the_menu_merges_as_a_job_and_opens_the_dialog(qtbot, conflicted, monkeypatch):
    from gisdesk.ui.main_window import MainWindow

    master, package = conflicted
    window = MainWindow(headless=True)
    qtbot.addWidget(window)
    assert window.open_project(master)
    assert window.action_merge.isEnabled() and window.action_pack.isEnabled()
    assert window.field_menu.title() in ("外业", "Field work")
    jobs = []
    real = field_work.run_job
    monkeypatch.setattr(field_work, "run_job", lambda *a, **k: jobs.append(real(*a, **k)) or jobs[-1])
    field_work.merge_package(window, str(package))
    with qtbot.waitSignal(jobs[0].done, timeout=60_000):
        pass  # the merge job
    qtbot.waitUntil(lambda: getattr(window, "merge_conflict_dialog", None) is not None, timeout=10_000)
    assert window.merge_conflict_dialog.table.rowCount() == 5
    assert table(master, "buildings")["B1"]["name"] == "外业改名"  # the one-sided change went in
    qtbot.waitUntil(lambda: window.document is not None and not window.loading, timeout=20_000)
    window.merge_conflict_dialog.close()


def test_the_pack_dialog_offers_the_districts_and_packs_as_a_job(qtbot, tmp_path, monkeypatch):
    from gisdesk.ui.main_window import MainWindow

    master = tmp_path / "主库.gpkg"
    make_master(master)
    window = MainWindow(headless=True)
    qtbot.addWidget(window)
    assert window.open_project(master)
    out = tmp_path / "虹口.gpkg"

    def run(dialog):
        assert [dialog.district_box.itemText(i) for i in range(dialog.district_box.count())] == ["虹口区", "黄浦区"]
        dialog.district_box.setCurrentText("虹口区")
        dialog.path_edit.setText(str(out))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(field_work.PackDialog, "exec", run)
    jobs = []
    real = field_work.run_job
    monkeypatch.setattr(field_work, "run_job", lambda *a, **k: jobs.append(real(*a, **k)) or jobs[-1])
    window.action_pack.trigger()
    with qtbot.waitSignal(jobs[0].done, timeout=60_000):
        pass  # the pack job
    assert sorted(table(out, "buildings")) == ["B4", "B5"]
