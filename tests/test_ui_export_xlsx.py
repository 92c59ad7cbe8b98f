"""File › 导出 Excel…: the dialog (personal data off by default, a warning when ticked) and the export job."""

from __future__ import annotations

import os

import openpyxl
import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox  # noqa: E402

from gisdesk.ui import export_xlsx as ui_export  # noqa: E402
from tests.test_export_xlsx import meeting_city  # noqa: E402


def test_the_dialog_masks_by_default_and_warns_when_personal_data_is_ticked(qtbot, tmp_path):
    app = QApplication.instance()
    dialog = ui_export.ExportXlsxDialog(None, tmp_path / "城区.gpkg", has_check=True)
    dialog.show()
    app.processEvents()
    assert not dialog.with_personal and dialog.path == tmp_path / "城区.xlsx"
    assert dialog.personal.masked_label.isVisible() and not dialog.personal.warning_label.isVisible()
    dialog.personal_check.setChecked(True)
    app.processEvents()
    assert dialog.personal.warning_label.isVisible() and not dialog.personal.masked_label.isVisible()
    if os.environ.get("GISDESK_SCREENSHOTS"):  # for looking at it: GISDESK_SCREENSHOTS=folder
        dialog.grab().save(os.path.join(os.environ["GISDESK_SCREENSHOTS"], "export-xlsx-dialog.png"))
    dialog.path_edit.setText(str(tmp_path / "out"))
    assert dialog.path.name == "out.xlsx"
    dialog.close()


def test_the_action_exports_as_a_job_and_asks_before_writing_personal_data(qtbot, tmp_path, monkeypatch):
    from gisdesk.ui.main_window import MainWindow

    project = meeting_city(tmp_path)
    window = MainWindow(headless=True)
    qtbot.addWidget(window)
    assert window.open_project(project.path)
    assert window.action_export_xlsx.isEnabled()
    target = tmp_path / "会议.xlsx"
    asked = []

    def run(dialog):
        dialog.path_edit.setText(str(target))
        dialog.personal_check.setChecked(True)
        dialog.accept()  # the question below says No: the dialog stays open, nothing is written
        assert dialog.result() != QDialog.DialogCode.Accepted
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(ui_export.ExportXlsxDialog, "exec", run)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    window.action_export_xlsx.trigger()
    assert len(asked) == 1 and not target.exists()

    def run_masked(dialog):
        dialog.path_edit.setText(str(target))
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ui_export.ExportXlsxDialog, "exec", run_masked)
    jobs = []
    real = ui_export.run_job
    monkeypatch.setattr(ui_export, "run_job", lambda *a, **k: jobs.append(real(*a, **k)) or jobs[-1])
    window.action_export_xlsx.trigger()
    with qtbot.waitSignal(jobs[0].done, timeout=60_000):
        pass  # only waits for the export job to finish
    assert target.exists()
    book = openpyxl.load_workbook(target)
    ledger = [row for row in book["违法建设台账"].iter_rows(min_row=2, values_only=True)]
    assert "张**" in ledger[0] and "张三丰" not in ledger[0]
    qtbot.waitUntil(lambda: str(target) in window.statusBar().currentMessage(), timeout=5000)
    assert "已隐去" in window.statusBar().currentMessage() or "masked" in window.statusBar().currentMessage()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left
