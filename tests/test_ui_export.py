"""File › 导出地图…: the export dialog and its job. A title typed in the layout designer comes out of
the PDF (pdftotext); personal data is masked unless the box is ticked and the warning accepted;
the status bar says which fields were masked; Cancel in the status bar leaves no file behind.

The demo copy is labelled by the ledger's 当事人 (party) and has a small A4 page on one case, so
the names are on the page; the window is opened once for the module."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox  # noqa: E402

from gisdesk.export import layout as lay  # noqa: E402
from gisdesk.export.layout import Item, Layout  # noqa: E402
from gisdesk.ui import export_map as ui_export  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo.gpkg"
PARTY_PAGE = "当事人"


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", out.stdout)


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    """A demo copy whose ledger is labelled by 当事人, with an A4 page at 1:1000 on a case whose party is
    two characters (蔡某 ...); (project path, the party's name)."""
    import shapely

    from gisdesk.layers.styles import default_style
    from gisdesk.project import Project

    folder = tmp_path_factory.mktemp("ui_export")
    path = folder / "demo.gpkg"
    shutil.copyfile(DEMO, path)
    project = Project.open(path)
    info = project.layer_info("ledger")
    frame = project.read_layer("ledger")
    style = {**default_style("ledger"), **(info.style or {}), "label_field": "party", "label_max_scale": 100_000}
    project.save_layer_states([{"id": "ledger", "z_order": info.z_order, "visible": True, "opacity": 1.0,
                                "style": style}])
    case = frame[frame["party"].astype(str).str.len() == 2].iloc[0]
    x, y = shapely.get_coordinates(case.geometry.representative_point())[0]
    lay.save_layout(project, Layout(PARTY_PAGE, "A4", "landscape", (
        Item("title", 10, 8, 200, 12), Item("map", 10, 24, 277, 176, scale=1000, center=(float(x), float(y))))))
    return path, str(case["party"])


@pytest.fixture(scope="module")
def window(labelled):
    from gisdesk.ui.main_window import MainWindow

    window = MainWindow(headless=True)
    assert window.open_project(labelled[0])
    window.show()
    # the jobs of a project just opened wait for its first map (jobs.py); a user sees it before exporting
    qtbot_wait(lambda: window.jobs_panel._held is None)
    yield window
    window.jobs_panel.cancel_all()
    window.close()
    window.deleteLater()
    QApplication.processEvents()


def qtbot_wait(condition, timeout_s: float = 30) -> None:
    """Process events until `condition()` (a module fixture has no qtbot)."""
    import time

    end = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < end, "timed out"
        QApplication.processEvents()
        time.sleep(0.01)


def _export(qtbot, window, monkeypatch, *, layout: str, out: Path, fmt: str = "pdf", personal: bool = False,
            answer=QMessageBox.StandardButton.Yes):
    """Choose in the dialog as a user would, press Export; the job (None when nothing is exported)."""
    asked = []

    def run(dialog):
        dialog.layout_combo.setCurrentIndex(dialog.layout_combo.findData(layout))
        dialog.set_format(fmt)
        dialog.path_edit.setText(str(out))
        dialog.personal_check.setChecked(personal)
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(ui_export.ExportMapDialog, "exec", run)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: asked.append(a) or answer)
    job = ui_export.export_map(window)
    assert len(asked) == (1 if personal else 0)
    return job


def _finish(qtbot, job) -> str:
    with qtbot.waitSignal(job.done, timeout=90_000) as signal:
        pass  # only waits for the export job
    return signal.args[0]


def test_the_dialog_offers_the_formats_and_warns_before_personal_data(qtbot, labelled, monkeypatch):
    from gisdesk.project import Project

    dialog = ui_export.ExportMapDialog(None, Project.open(labelled[0]))
    qtbot.addWidget(dialog)
    dialog.show()
    formats = [dialog.format_combo.itemData(i) for i in range(dialog.format_combo.count())]
    assert formats[:3] == ["pdf", "png", "svg"]
    assert ("html" in formats) == ui_export.html_available()
    assert dialog.layout_combo.findData(PARTY_PAGE) >= 0 and dialog.layout_combo.findData(lay.DEFAULT_TEMPLATE) >= 0
    assert dialog.layout_name == lay.DEFAULT_TEMPLATE  # the project names no default page
    dialog.set_format("png")
    assert dialog.path.suffix == ".png" and dialog.dpi == 200 and dialog.dpi_spin.isVisible()
    dialog.set_format("pdf")
    assert dialog.path.suffix == ".pdf" and dialog.dpi is None and not dialog.dpi_spin.isVisible()
    assert dialog.personal.masked_label.isVisible() and not dialog.personal.warning_label.isVisible() and not dialog.with_personal
    dialog.personal_check.setChecked(True)
    assert dialog.personal.warning_label.isVisible() and not dialog.personal.masked_label.isVisible()
    assert "当事人" in dialog.personal.warning_label.text() or "names" in dialog.personal.warning_label.text()
    if os.environ.get("GISDESK_SCREENSHOTS"):  # for looking at it: GISDESK_SCREENSHOTS=folder
        dialog.grab().save(os.path.join(os.environ["GISDESK_SCREENSHOTS"], "export-map-dialog.png"))
    asked = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    dialog.accept()  # the question says No: the dialog stays open
    assert len(asked) == 1 and dialog.result() != QDialog.DialogCode.Accepted and dialog.isVisible()


def test_the_title_typed_in_the_designer_is_in_the_pdf(qtbot, window, monkeypatch, tmp_path):
    from PySide6.QtGui import QInputMethodEvent

    window.action_layouts.trigger()
    designer = window.layout_designer
    designer.new_from_template("meeting-a4-portrait", "三月例会")
    frame = next(i for i, item in enumerate(designer.layout.items) if item.kind == "map")
    designer.canvas.select(frame)  # the map at 1:1000 on the case of the party page: quicker to draw than all
    designer.set_map_scale(1000.0)
    designer._set("center", lay.find_layout(designer.project, PARTY_PAGE).map_item().center, "centre")
    designer.canvas.select(next(i for i, item in enumerate(designer.layout.items) if item.kind == "title"))
    designer.text_edit.clear()
    event = QInputMethodEvent("", [])
    event.setCommitString("陆家嘴片区违法建设整治例会")  # typed as a Chinese input method commits it
    QApplication.sendEvent(designer.text_edit, event)
    assert designer.save()
    designer.close()
    out = tmp_path / "例会.pdf"
    job = _export(qtbot, window, monkeypatch, layout="三月例会", out=out)
    assert _finish(qtbot, job) == "finished", job.error
    assert "陆家嘴片区违法建设整治例会" in _text(out)
    qtbot.waitUntil(lambda: str(out) in window.statusBar().currentMessage(), timeout=5000)


def test_personal_data_is_masked_unless_ticked_and_the_warning_accepted(qtbot, window, labelled, monkeypatch,
                                                                        tmp_path):
    party = labelled[1]
    masked_pdf = tmp_path / "masked.pdf"
    job = _export(qtbot, window, monkeypatch, layout=PARTY_PAGE, out=masked_pdf)
    assert _finish(qtbot, job) == "finished", job.error
    text = _text(masked_pdf)
    assert party not in text and party[0] + "**" in text
    assert window.last_export["masked"] and all("当事人" in m for m in window.last_export["masked"])
    qtbot.waitUntil(lambda: str(masked_pdf) in window.statusBar().currentMessage(), timeout=5000)
    assert "当事人" in window.statusBar().currentMessage()  # the message names the field masked

    refused = tmp_path / "refused.pdf"
    assert _export(qtbot, window, monkeypatch, layout=PARTY_PAGE, out=refused, personal=True,
                   answer=QMessageBox.StandardButton.No) is None
    assert not refused.exists()

    raw_pdf = tmp_path / "raw.pdf"
    job = _export(qtbot, window, monkeypatch, layout=PARTY_PAGE, out=raw_pdf, personal=True)
    assert _finish(qtbot, job) == "finished", job.error
    assert party in _text(raw_pdf)
    assert window.last_export["with_personal"] and window.last_export["masked"] == []


def test_cancel_in_the_status_bar_leaves_no_file(qtbot, window, labelled, monkeypatch, tmp_path):
    """Cancelled while the page is drawn: the PDF writer's temporary file is there then, and is removed.
    The base maps beside the project for this export only, so that drawing the map takes seconds."""
    folder = labelled[0].parent
    copied = [folder / name for name in ("demo_imagery_2016-06.mbtiles", "demo_imagery_2024-06.mbtiles")]
    for path in copied:
        shutil.copyfile(ROOT / "data" / path.name, path)
    try:
        out = tmp_path / "cancelled.pdf"
        job = _export(qtbot, window, monkeypatch, layout=lay.DEFAULT_TEMPLATE, out=out)

        def writing() -> bool:  # the page is being drawn into the writer's temporary file
            return bool(list(tmp_path.glob(".cancelled.pdf.*.part")))

        qtbot.waitUntil(lambda: writing() or not job.running, timeout=60_000)
        assert job.running and writing()
        window.jobs_panel.indicator.cancel_button.click()
        assert _finish(qtbot, job) == "cancelled"
        assert list(tmp_path.iterdir()) == []  # neither the PDF nor its temporary file
    finally:
        for path in copied:
            path.unlink()


def test_a_district_atlas_from_the_dialog(qtbot, window, labelled, monkeypatch, tmp_path):
    """An atlas takes its template; one PDF page per district (the district values of the subject layers,
    read here) after the title and legend pages, each district's name on it."""
    from gisdesk.layers.kinds import SUBJECT_KINDS
    from gisdesk.project import Project

    if not ui_export.atlas_available():
        pytest.fail("gisdesk.export.atlas is part of the repository: the dialog must offer it")
    from gisdesk.export import atlas

    project = Project.open(labelled[0])
    districts = set()
    for info in project.layers():
        frame = project.read_layer(info.id)
        if info.kind in SUBJECT_KINDS and "district" in frame.columns:
            districts |= {str(v) for v in frame["district"].dropna() if str(v).strip()}
    assert districts
    out = tmp_path / "片区.pdf"

    def run(dialog):
        dialog.atlas_combo.setCurrentIndex(dialog.atlas_combo.findData("districts"))
        assert dialog.layout_name == atlas.DEFAULT_TEMPLATE and dialog.fmt == "pdf"
        dialog.path_edit.setText(str(out))
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(ui_export.ExportMapDialog, "exec", run)
    job = ui_export.export_map(window)
    assert _finish(qtbot, job) == "finished", job.error
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+(\d+)", info, re.M).group(1) == str(len(districts) + 2)
    text = _text(out)
    assert all(d in text for d in districts)


def test_the_interactive_html_from_the_dialog_masks_the_names(qtbot, window, labelled, monkeypatch, tmp_path):
    if not ui_export.html_available():
        pytest.fail("gisdesk.export.html is part of the repository: the dialog must offer it")
    party = labelled[1]
    out = tmp_path / "地图.html"
    job = _export(qtbot, window, monkeypatch, layout=PARTY_PAGE, out=out, fmt="html")
    assert _finish(qtbot, job) == "finished", job.error
    page = out.read_text(encoding="utf-8")
    assert party not in page and party[0] + "**" in page
    assert window.last_export["masked"] and not window.last_export["with_personal"]
